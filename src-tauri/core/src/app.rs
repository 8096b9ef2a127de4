//! The Portdesk service: one per process, shared by every window. Every UI command enters
//! through [`Portdesk::dispatch`], which checks the caller's role before doing anything.

use crate::accounts::{self, User};
use crate::audit;
use crate::config::{self, Config};
use crate::erp::Erp;
use crate::error::{CoreError, Result};
use crate::paths::AppPaths;
use crate::secrets::{self, SecretStore};
use crate::store::Store;
use portdesk_types::accounts::*;
use portdesk_types::api::*;
use portdesk_types::inventory::*;
use portdesk_types::modules::{ModuleId, ModuleInfo};
use portdesk_types::settings::{ErpSettings, StoreSettings};
use portdesk_types::{ApiError, Command, ErrorKind, Role};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tokio::sync::{Mutex, RwLock};

mod mail;

/// Who may call a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Before sign-in (status, first run, sign-in itself).
    Public,
    /// Any signed-in user, even one who must still change a temporary password.
    SignedIn,
    /// Signed in with one of these roles and no pending password change.
    Roles(&'static [Role]),
}

/// The access rule of every command; the dispatch and the role-matrix tests both read it.
pub fn access(command: &str) -> Option<Access> {
    const ADMIN: &[Role] = &[Role::Admin];
    Some(match command {
        AppStatus::NAME
        | CreateFirstAdmin::NAME
        | Login::NAME
        | RequestResetCode::NAME
        | ResetWithCode::NAME => Access::Public,
        Logout::NAME | ChangePassword::NAME | KeepAlive::NAME => Access::SignedIn,
        ListModules::NAME => Access::Roles(&Role::ALL),
        // The module's own role set is checked inside.
        OpenModule::NAME => Access::Roles(&Role::ALL),
        GetSettings::NAME
        | SaveSettings::NAME
        | GetSecuritySettings::NAME
        | SaveSecuritySettings::NAME
        | TestErpConnection::NAME
        | TestStoreConnection::NAME => Access::Roles(ADMIN),
        ErpCustomers::NAME => Access::Roles(&Role::STAFF),
        SaveInventorySettings::NAME => Access::Roles(ADMIN),
        RefreshInventory::NAME
        | CancelRefresh::NAME
        | GetInventorySettings::NAME
        | QueryInventory::NAME
        | ExportInventory::NAME => Access::Roles(&[Role::Admin, Role::Warehouse, Role::Customer]),
        ListAccounts::NAME
        | CreateAccount::NAME
        | UpdateAccount::NAME
        | SetAccountActive::NAME
        | UnlockAccount::NAME
        | ResetAccountPassword::NAME
        | ExportAccounts::NAME
        | ImportAccounts::NAME
        | ListAudit::NAME
        | ExportAudit::NAME
        | GetMailSettings::NAME
        | SaveMailSettings::NAME
        | SendTestMail::NAME
        | ListMail::NAME
        | GetMail::NAME
        | ResendMail::NAME
        | CancelMail::NAME => Access::Roles(ADMIN),
        _ => return None,
    })
}

/// Receives core events (name, JSON payload); the shell emits them to every window.
pub type EventSink = Arc<dyn Fn(&str, serde_json::Value) + Send + Sync>;

/// Removes a refresh from the running set however it ends.
struct RunningRefresh<'a> {
    map: &'a std::sync::Mutex<
        std::collections::HashMap<String, tokio_util::sync::CancellationToken>,
    >,
    customer: String,
}

impl Drop for RunningRefresh<'_> {
    fn drop(&mut self) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.customer);
    }
}

/// `dispatch`'s future, boxed and `Send` so the shell can run it on any runtime thread.
pub type DispatchFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = std::result::Result<serde_json::Value, ApiError>>
            + Send
            + 'a,
    >,
>;

#[derive(Debug, Clone, Copy)]
struct Session {
    user_id: i64,
    /// Last command; a kiosk session ends after `idle_seconds` without one.
    last_seen: tokio::time::Instant,
}

pub struct Portdesk {
    paths: AppPaths,
    secrets: Arc<dyn SecretStore>,
    config: RwLock<Config>,
    config_warning: Option<String>,
    store: RwLock<std::result::Result<Store, String>>,
    erp: Mutex<Option<Arc<Erp>>>,
    /// The signed-in user. One user per desktop process; every window shares it.
    session: RwLock<Option<Session>>,
    restart_required: AtomicBool,
    inventory: tokio::sync::OnceCell<crate::inventory::InventoryCache>,
    /// This desktop's mail sender, once started (the shell starts it; tests start their own).
    mail_sender: std::sync::OnceLock<crate::mail::sender::MailSender>,
    /// Running inventory refreshes by ERP customer, to cancel them.
    refreshes:
        std::sync::Mutex<std::collections::HashMap<String, tokio_util::sync::CancellationToken>>,
    events: std::sync::RwLock<Option<EventSink>>,
}

impl Portdesk {
    /// Starts the service. It never fails: a store or config problem is kept and shown to the
    /// user (the app keeps running so it can be fixed).
    pub async fn start(paths: AppPaths, secrets: Arc<dyn SecretStore>) -> Arc<Portdesk> {
        Self::start_with(paths, secrets, false).await
    }

    /// As [`Portdesk::start`]; `force_kiosk` turns kiosk mode on whatever the config says
    /// (`portdesk --kiosk`).
    pub async fn start_with(
        paths: AppPaths,
        secrets: Arc<dyn SecretStore>,
        force_kiosk: bool,
    ) -> Arc<Portdesk> {
        let (mut config, config_warning) = config::load(&paths.config_file);
        config.kiosk.enabled |= force_kiosk;
        let store = open_store(&config.store, &paths, secrets.as_ref()).await;
        match &store {
            Ok(s) => tracing::info!(store = s.description(), "portal store open"),
            Err(e) => tracing::error!("{e}"),
        }
        Arc::new(Portdesk {
            paths,
            secrets,
            config: RwLock::new(config),
            config_warning,
            store: RwLock::new(store),
            erp: Mutex::new(None),
            session: RwLock::new(None),
            restart_required: AtomicBool::new(false),
            inventory: tokio::sync::OnceCell::new(),
            mail_sender: std::sync::OnceLock::new(),
            refreshes: Default::default(),
            events: Default::default(),
        })
    }

    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    pub async fn store(&self) -> Result<Store> {
        self.store
            .read()
            .await
            .clone()
            .map_err(|e| CoreError::Store(crate::store::StoreError::Unavailable(e)))
    }

    /// The ERP, opened on first use and kept until its settings change.
    pub async fn erp(&self) -> Result<Arc<Erp>> {
        let mut slot = self.erp.lock().await;
        if let Some(erp) = slot.as_ref() {
            return Ok(erp.clone());
        }
        let settings = self.config.read().await.erp.clone();
        let password = match &settings {
            ErpSettings::SqlServer(_) => self.secrets.get(secrets::ERP_PASSWORD)?,
            ErpSettings::Demo { .. } => None,
        };
        let erp = Arc::new(Erp::open(&settings, &self.paths, password).await?);
        *slot = Some(erp.clone());
        Ok(erp)
    }

    /// Kiosk settings when this desktop is a kiosk.
    pub async fn kiosk(&self) -> Option<portdesk_types::settings::KioskSettings> {
        let k = self.config.read().await.kiosk;
        k.enabled.then_some(k)
    }

    async fn begin_session(&self, user_id: i64) {
        *self.session.write().await = Some(Session {
            user_id,
            last_seen: tokio::time::Instant::now(),
        });
    }

    /// The signed-in user, re-read from the store on every command so that a deactivation or
    /// role change takes effect at once. On a kiosk, an idle session ends here.
    pub async fn current_user(&self) -> Result<User> {
        let Some(session) = *self.session.read().await else {
            return Err(CoreError::Unauthenticated);
        };
        let store = self.store().await?;
        if let Some(k) = self.kiosk().await
            && session.last_seen.elapsed()
                >= std::time::Duration::from_secs(u64::from(k.idle_seconds.max(10)))
        {
            *self.session.write().await = None;
            let mut conn = store.pool().acquire().await?;
            let actor = audit::Actor {
                id: Some(session.user_id),
                label: "kiosk".into(),
            };
            audit::record(
                &mut conn,
                &actor,
                "auth.idle_sign_out",
                Some(("user", session.user_id.to_string())),
                None,
            )
            .await?;
            return Err(CoreError::Unauthenticated);
        }
        match accounts::by_id(&store, session.user_id).await? {
            Some(u) if u.active => Ok(u),
            _ => {
                *self.session.write().await = None;
                Err(CoreError::Unauthenticated)
            }
        }
    }

    /// Test support: makes the session look idle for `by` longer (instead of sleeping).
    #[doc(hidden)]
    pub async fn age_session(&self, by: std::time::Duration) {
        if let Some(s) = self.session.write().await.as_mut() {
            s.last_seen = s.last_seen.checked_sub(by).unwrap_or(s.last_seen);
        }
    }

    /// Records activity for the kiosk idle timer.
    async fn touch(&self) {
        if let Some(s) = self.session.write().await.as_mut() {
            s.last_seen = tokio::time::Instant::now();
        }
    }

    async fn require(&self, rule: Access) -> Result<Option<User>> {
        match rule {
            Access::Public => Ok(None),
            Access::SignedIn => self.current_user().await.map(Some),
            Access::Roles(roles) => {
                let user = self.current_user().await?;
                if user.must_change_password {
                    return Err(CoreError::Conflict {
                        field: None,
                        message: "Choose a new password first.".into(),
                    });
                }
                if !roles.contains(&user.role) {
                    tracing::warn!(user_id = user.id, role = %user.role, "forbidden command");
                    return Err(CoreError::Forbidden);
                }
                Ok(Some(user))
            }
        }
    }

    /// The single entry point of UI commands: checks access, decodes the request, runs the
    /// handler, encodes the reply. Payloads are never logged: they may hold passwords.
    pub fn dispatch<'a>(
        &'a self,
        command: &'a str,
        payload: serde_json::Value,
    ) -> DispatchFuture<'a> {
        Box::pin(self.dispatch_inner(command, payload))
    }

    async fn dispatch_inner(
        &self,
        command: &str,
        payload: serde_json::Value,
    ) -> std::result::Result<serde_json::Value, ApiError> {
        let rule = access(command).ok_or_else(|| {
            ApiError::new(
                ErrorKind::NotFound,
                format!("Unknown command \"{command}\"."),
            )
        })?;
        tracing::debug!(command, "command");
        let user = self.require(rule).await.map_err(ApiError::from)?;
        // A status poll is not activity: it must not keep an idle kiosk signed in.
        if user.is_some() && command != AppStatus::NAME {
            self.touch().await;
        }

        macro_rules! route {
            ($($cmd:ty => $handler:ident),* $(,)?) => {
                $(
                    if command == <$cmd>::NAME {
                        let req: <$cmd as Command>::Request = serde_json::from_value(payload).map_err(|e| {
                            ApiError::new(ErrorKind::Validation, format!("Malformed request for {command}: {e}"))
                        })?;
                        let reply = self.$handler(user, req).await.map_err(ApiError::from)?;
                        return serde_json::to_value(reply).map_err(|e| ApiError::new(ErrorKind::Internal, e.to_string()));
                    }
                )*
            };
        }
        route! {
            AppStatus => status,
            CreateFirstAdmin => create_first_admin,
            Login => login,
            Logout => logout,
            KeepAlive => keep_alive,
            ChangePassword => change_password,
            ListModules => list_modules,
            OpenModule => open_module,
            GetSettings => get_settings,
            SaveSettings => save_settings,
            GetSecuritySettings => get_security_settings,
            SaveSecuritySettings => save_security_settings,
            TestErpConnection => test_erp_connection,
            TestStoreConnection => test_store_connection,
            ErpCustomers => erp_customers,
            ListAccounts => list_accounts,
            CreateAccount => create_account,
            UpdateAccount => update_account,
            SetAccountActive => set_account_active,
            UnlockAccount => unlock_account,
            ResetAccountPassword => reset_account_password,
            RefreshInventory => refresh_inventory,
            CancelRefresh => cancel_refresh,
            GetInventorySettings => get_inventory_settings,
            SaveInventorySettings => save_inventory_settings,
            QueryInventory => query_inventory,
            ExportInventory => export_inventory,
            ExportAccounts => export_accounts,
            ImportAccounts => import_accounts,
            ListAudit => list_audit,
            ExportAudit => export_audit,
            RequestResetCode => request_reset_code,
            ResetWithCode => reset_with_code,
            GetMailSettings => get_mail_settings,
            SaveMailSettings => save_mail_settings,
            SendTestMail => send_test_mail,
            ListMail => list_mail,
            GetMail => get_mail,
            ResendMail => resend_mail,
            CancelMail => cancel_mail,
        }
        Err(ApiError::new(
            ErrorKind::Internal,
            format!("Command \"{command}\" has no handler."),
        ))
    }

    // ---- handlers: `user` is the caller, already checked against `access(command)` ----

    pub async fn status(&self, _: Option<User>, _: ()) -> Result<StatusReply> {
        let (store, store_error, first_run) = match self.store().await {
            Ok(s) => (
                s.description().to_owned(),
                None,
                accounts::count(&s).await? == 0,
            ),
            Err(e) => ("unavailable".to_owned(), Some(e.to_string()), false),
        };
        let session = match self.current_user().await {
            Ok(u) => Some(u.session_info()),
            Err(_) => None,
        };
        let erp = match &self.config.read().await.erp {
            ErpSettings::Demo { .. } => "Demo ERP (bundled)".to_owned(),
            ErpSettings::SqlServer(s) => format!("SQL Server {}:{}/{}", s.host, s.port, s.database),
        };
        Ok(StatusReply {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            first_run,
            session,
            store,
            store_error,
            erp,
            config_warning: self.config_warning.clone(),
            kiosk: self.kiosk().await,
        })
    }

    pub async fn create_first_admin(&self, _: Option<User>, req: NewAdmin) -> Result<SessionInfo> {
        if self.kiosk().await.is_some() {
            return Err(CoreError::Conflict {
                field: None,
                message:
                    "Set Portdesk up on a staff desktop first; a kiosk only signs customers in."
                        .into(),
            });
        }
        let store = self.store().await?;
        let user =
            accounts::create_first_admin(&store, &req.name, &req.email, &req.password).await?;
        self.begin_session(user.id).await;
        tracing::info!(user_id = user.id, "first admin created and signed in");
        Ok(user.session_info())
    }

    pub async fn login(&self, _: Option<User>, req: LoginRequest) -> Result<SessionInfo> {
        let store = self.store().await?;
        // A kiosk refuses staff before their password is checked, with the reply of any
        // other refusal (a Forbidden for a right password would confirm it).
        let place = if self.kiosk().await.is_some() {
            accounts::SignInPlace::Kiosk
        } else {
            accounts::SignInPlace::Desktop
        };
        let user = accounts::authenticate_at(&store, &req.email, &req.password, place).await?;
        self.begin_session(user.id).await;
        tracing::info!(user_id = user.id, role = %user.role, "signed in");
        Ok(user.session_info())
    }

    pub async fn logout(&self, user: Option<User>, _: ()) -> Result<()> {
        *self.session.write().await = None;
        if let Some(u) = user {
            let store = self.store().await?;
            audit::record_on(
                &store,
                &u.actor(),
                "auth.sign_out",
                Some(("user", u.id.to_string())),
                None,
            )
            .await?;
            tracing::info!(user_id = u.id, "signed out");
        }
        Ok(())
    }

    /// Activity is recorded by `dispatch`; nothing else to do.
    pub async fn keep_alive(&self, _: Option<User>, _: ()) -> Result<()> {
        Ok(())
    }

    pub async fn change_password(
        &self,
        user: Option<User>,
        req: ChangePasswordRequest,
    ) -> Result<SessionInfo> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        let store = self.store().await?;
        Ok(
            accounts::change_password(&store, user.id, &req.current, &req.new)
                .await?
                .session_info(),
        )
    }

    pub async fn list_modules(&self, user: Option<User>, _: ()) -> Result<Vec<ModuleInfo>> {
        let role = user.ok_or(CoreError::Unauthenticated)?.role;
        Ok(ModuleId::ALL
            .into_iter()
            .filter(|m| m.allows(role))
            .map(ModuleInfo::from)
            .collect())
    }

    /// Authorises opening a module window; the shell opens it when this succeeds.
    pub async fn open_module(&self, user: Option<User>, module: ModuleId) -> Result<()> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        if !module.allows(user.role) {
            return Err(CoreError::Forbidden);
        }
        Ok(())
    }

    pub async fn get_settings(&self, _: Option<User>, _: ()) -> Result<SettingsView> {
        let cfg = self.config.read().await.clone();
        Ok(SettingsView {
            erp: cfg.erp,
            store: cfg.store,
            erp_password_saved: self.secrets.get(secrets::ERP_PASSWORD)?.is_some(),
            store_password_saved: self.secrets.get(secrets::STORE_PASSWORD)?.is_some(),
            config_path: self.paths.config_file.display().to_string(),
            data_dir: self.paths.data_dir.display().to_string(),
            log_dir: self.paths.log_dir.display().to_string(),
            restart_required: self.restart_required.load(Ordering::Relaxed),
        })
    }

    pub async fn save_settings(
        &self,
        user: Option<User>,
        req: SaveSettingsRequest,
    ) -> Result<SettingsView> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        validate_erp(&req.erp)?;
        validate_store(&req.store)?;
        let old = self.config.read().await.clone();
        let new = Config {
            erp: req.erp,
            store: req.store,
            kiosk: old.kiosk,
        };
        // The file first: if it cannot be written, nothing else changes.
        config::save(&self.paths.config_file, &new).map_err(CoreError::Config)?;
        for (key, value) in [
            (secrets::ERP_PASSWORD, &req.erp_password),
            (secrets::STORE_PASSWORD, &req.store_password),
        ] {
            match value {
                Some(p) if p.is_empty() => self.secrets.delete(key)?,
                Some(p) => self.secrets.set(key, p)?,
                None => {}
            }
        }
        if new.erp != old.erp || req.erp_password.is_some() {
            *self.erp.lock().await = None;
        }
        if new.store != old.store || req.store_password.is_some() {
            self.restart_required.store(true, Ordering::Relaxed);
        }
        *self.config.write().await = new;
        if let Ok(store) = self.store().await {
            audit::record_on(
                &store,
                &user.actor(),
                "settings.update",
                Some(("settings", "connections".into())),
                None,
            )
            .await?;
        }
        tracing::info!(user_id = user.id, "connection settings saved");
        self.get_settings(Some(user), ()).await
    }

    pub async fn test_erp_connection(
        &self,
        _: Option<User>,
        req: TestErpRequest,
    ) -> Result<ConnectionTest> {
        validate_erp(&req.erp)?;
        let started = Instant::now();
        let password = match req.password {
            Some(p) => Some(p),
            None => self.secrets.get(secrets::ERP_PASSWORD)?,
        };
        let result = async {
            Erp::open(&req.erp, &self.paths, password)
                .await?
                .test()
                .await
        }
        .await;
        Ok(connection_test(started, result.map_err(|e| e.to_string())))
    }

    pub async fn test_store_connection(
        &self,
        _: Option<User>,
        req: TestStoreRequest,
    ) -> Result<ConnectionTest> {
        validate_store(&req.store)?;
        let started = Instant::now();
        let password = match req.password {
            Some(p) => Some(p),
            None => self.secrets.get(secrets::STORE_PASSWORD)?,
        };
        let result = Store::probe(
            &req.store,
            &self.paths.default_store_file(),
            password.as_ref(),
        )
        .await;
        Ok(connection_test(started, result.map_err(|e| e.to_string())))
    }

    pub async fn erp_customers(
        &self,
        _: Option<User>,
        req: ErpCustomerQuery,
    ) -> Result<Vec<ErpCustomer>> {
        Ok(self.erp().await?.customers(req.search.as_deref()).await?)
    }
}

impl Portdesk {
    /// Checks an ERP customer name against the ERP. Unknown name: refused. ERP unreachable:
    /// accepted but flagged unverified, with a warning for the admin.
    async fn verify_erp_customer(&self, name: Option<&str>) -> Result<(bool, Option<String>)> {
        let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok((true, None));
        };
        let unverified = |e: &dyn std::fmt::Display| {
            Ok((
                false,
                Some(format!(
                    "The ERP could not be asked ({e}). The account is saved and marked unverified until the ERP confirms \"{name}\"."
                )),
            ))
        };
        let erp = match self.erp().await {
            Ok(erp) => erp,
            Err(CoreError::Erp(e)) if e.is_unavailable() => return unverified(&e),
            Err(e) => return Err(e),
        };
        match erp.customer_exists(name).await {
            Ok(true) => Ok((true, None)),
            Ok(false) => Err(CoreError::validation(
                "erp_customer",
                format!("The ERP has no customer named \"{name}\"."),
            )),
            Err(e) if e.is_unavailable() => unverified(&e),
            Err(e) => Err(e.into()),
        }
    }

    /// The ERP customer an account links to: only customer accounts have one, and it is checked
    /// against the ERP. Returns (link, verified, warning for the admin).
    async fn erp_link(
        &self,
        role: Role,
        erp_customer: Option<String>,
    ) -> Result<(Option<String>, bool, Option<String>)> {
        if role != Role::Customer {
            return Ok((None, true, None));
        }
        let (verified, warning) = self.verify_erp_customer(erp_customer.as_deref()).await?;
        Ok((erp_customer, verified, warning))
    }

    fn actor(user: Option<User>) -> Result<(User, audit::Actor)> {
        let u = user.ok_or(CoreError::Unauthenticated)?;
        let a = u.actor();
        Ok((u, a))
    }

    pub async fn get_security_settings(
        &self,
        _: Option<User>,
        _: (),
    ) -> Result<portdesk_types::settings::SecuritySettings> {
        let store = self.store().await?;
        let max = crate::settings::get_i64(
            store.pool(),
            crate::settings::MAX_FAILED_LOGINS,
            accounts::DEFAULT_MAX_FAILED_LOGINS,
        )
        .await?;
        let minutes = crate::settings::get_i64(
            store.pool(),
            crate::settings::LOCKOUT_MINUTES,
            accounts::DEFAULT_LOCKOUT_MINUTES,
        )
        .await?;
        Ok(portdesk_types::settings::SecuritySettings {
            max_failed_logins: max.clamp(1, 20) as u32,
            lockout_minutes: minutes.clamp(1, 1440) as u32,
        })
    }

    pub async fn save_security_settings(
        &self,
        user: Option<User>,
        req: portdesk_types::settings::SecuritySettings,
    ) -> Result<portdesk_types::settings::SecuritySettings> {
        let (_, actor) = Self::actor(user)?;
        if !(1..=20).contains(&req.max_failed_logins) {
            return Err(CoreError::validation(
                "max_failed_logins",
                "Failed sign-ins before a lockout must be between 1 and 20.",
            ));
        }
        if !(1..=1440).contains(&req.lockout_minutes) {
            return Err(CoreError::validation(
                "lockout_minutes",
                "Lockout must last between 1 and 1440 minutes.",
            ));
        }
        let store = self.store().await?;
        let mut tx = store.pool().begin().await?;
        crate::settings::set(
            &mut *tx,
            crate::settings::MAX_FAILED_LOGINS,
            &req.max_failed_logins.to_string(),
        )
        .await?;
        crate::settings::set(
            &mut *tx,
            crate::settings::LOCKOUT_MINUTES,
            &req.lockout_minutes.to_string(),
        )
        .await?;
        let detail = format!(
            "max_failed_logins={} lockout_minutes={}",
            req.max_failed_logins, req.lockout_minutes
        );
        audit::record(&mut tx, &actor, "settings.security", None, Some(&detail)).await?;
        tx.commit().await?;
        Ok(req)
    }

    pub async fn list_accounts(&self, _: Option<User>, q: AccountQuery) -> Result<AccountPage> {
        accounts::list(&self.store().await?, &q).await
    }

    pub async fn create_account(
        &self,
        user: Option<User>,
        req: NewAccount,
    ) -> Result<CreatedAccount> {
        let (_, actor) = Self::actor(user)?;
        let store = self.store().await?;
        let (erp_customer, verified, erp_warning) =
            self.erp_link(req.role, req.erp_customer.clone()).await?;
        let password = match req.temporary_password.filter(|p| !p.is_empty()) {
            Some(p) => p,
            None => accounts::generate_password(&req.email),
        };
        let new = accounts::NewUser::by_admin(
            &req.name,
            &req.email,
            req.role,
            erp_customer,
            password.clone(),
        );
        let user = accounts::create_checked(&store, &actor, new, verified).await?;
        Ok(CreatedAccount {
            account: user.to_row(crate::now_ms()),
            temporary_password: password,
            erp_warning,
        })
    }

    pub async fn update_account(
        &self,
        user: Option<User>,
        req: AccountUpdate,
    ) -> Result<AccountRow> {
        let (_, actor) = Self::actor(user)?;
        let store = self.store().await?;
        let (erp_customer, verified, _) = self.erp_link(req.role, req.erp_customer.clone()).await?;
        accounts::update(
            &store,
            &actor,
            &AccountUpdate {
                erp_customer,
                ..req
            },
            verified,
        )
        .await
    }

    pub async fn set_account_active(
        &self,
        user: Option<User>,
        req: SetActiveRequest,
    ) -> Result<AccountRow> {
        let (_, actor) = Self::actor(user)?;
        accounts::set_active(&self.store().await?, &actor, req.id, req.active).await
    }

    pub async fn unlock_account(&self, user: Option<User>, req: AccountRef) -> Result<AccountRow> {
        let (_, actor) = Self::actor(user)?;
        accounts::unlock(&self.store().await?, &actor, req.id).await
    }

    pub async fn reset_account_password(
        &self,
        user: Option<User>,
        req: ResetPasswordRequest,
    ) -> Result<ResetPasswordReply> {
        let (_, actor) = Self::actor(user)?;
        let temp = req.temporary_password.filter(|p| !p.is_empty());
        let (u, temporary_password) =
            accounts::reset_password_by_id(&self.store().await?, &actor, req.id, temp).await?;
        Ok(ResetPasswordReply {
            email: u.email,
            temporary_password,
        })
    }

    /// The local inventory cache, opened on first use.
    pub async fn inventory_cache(&self) -> Result<&crate::inventory::InventoryCache> {
        let path = self.paths.data_dir.join("inventory-cache.db");
        self.inventory
            .get_or_try_init(|| async move { crate::inventory::InventoryCache::open(&path).await })
            .await
    }

    /// Whose stock a request may see. A customer account always gets its own ERP customer,
    /// bound by the core; naming another is refused. Staff must name one.
    fn inventory_customer(user: &User, requested: Option<&str>) -> Result<String> {
        let requested = requested.map(str::trim).filter(|c| !c.is_empty());
        if user.role == Role::Customer {
            let own = user.erp_customer.clone().ok_or(CoreError::Forbidden)?;
            return match requested {
                Some(r) if !r.eq_ignore_ascii_case(&own) => Err(CoreError::Forbidden),
                _ => Ok(own),
            };
        }
        requested
            .map(str::to_owned)
            .ok_or_else(|| CoreError::validation("customer", "Choose an ERP customer."))
    }

    pub async fn refresh_inventory(
        &self,
        user: Option<User>,
        req: RefreshRequest,
    ) -> Result<RefreshReply> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        let customer = Self::inventory_customer(&user, req.customer.as_deref())?;
        let token = tokio_util::sync::CancellationToken::new();
        {
            let mut running = self.refreshes.lock().unwrap_or_else(|p| p.into_inner());
            if running.contains_key(&customer) {
                return Err(CoreError::Conflict {
                    field: None,
                    message: format!("A refresh of {customer} is already running."),
                });
            }
            running.insert(customer.clone(), token.clone());
        }
        let _running = RunningRefresh {
            map: &self.refreshes,
            customer: customer.clone(),
        };
        let progress = |phase, done, total, message| {
            self.emit(
                REFRESH_EVENT,
                &RefreshProgress {
                    customer: customer.clone(),
                    phase,
                    rows_done: done,
                    rows_total: total,
                    message,
                },
            )
        };
        let started = Instant::now();
        progress(RefreshPhase::Reading, 0, None, None);
        let result = self
            .refresh_steps(&customer, &token, &|phase, done, total| {
                progress(phase, done, total, None)
            })
            .await;
        match &result {
            Ok(n) => progress(RefreshPhase::Done, *n, Some(*n), None),
            Err(CoreError::Cancelled(m)) => {
                progress(RefreshPhase::Cancelled, 0, None, Some(m.clone()))
            }
            Err(e) => progress(RefreshPhase::Failed, 0, None, Some(e.to_string())),
        }
        let rows = result?;
        let as_of = self
            .inventory_cache()
            .await?
            .as_of(&customer)
            .await?
            .unwrap_or_else(crate::now_ms);
        tracing::info!(
            rows,
            ms = started.elapsed().as_millis() as u64,
            "inventory refreshed"
        );
        Ok(RefreshReply {
            customer,
            rows,
            as_of,
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// The refresh pipeline (see `InventoryCache::refresh_from`). Returns the row count.
    async fn refresh_steps(
        &self,
        customer: &str,
        token: &tokio_util::sync::CancellationToken,
        progress: &(dyn Fn(RefreshPhase, u64, Option<u64>) + Sync),
    ) -> Result<u64> {
        let erp = self.erp().await?;
        self.inventory_cache()
            .await?
            .refresh_from(&erp, customer, crate::now_ms(), token, &|rows| {
                progress(RefreshPhase::Writing, rows, None)
            })
            .await
    }

    pub async fn cancel_refresh(&self, user: Option<User>, req: RefreshRequest) -> Result<bool> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        let customer = Self::inventory_customer(&user, req.customer.as_deref())?;
        let running = self.refreshes.lock().unwrap_or_else(|p| p.into_inner());
        Ok(match running.get(&customer) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        })
    }

    pub async fn get_inventory_settings(
        &self,
        _: Option<User>,
        _: (),
    ) -> Result<InventorySettings> {
        let store = self.store().await?;
        let minutes =
            crate::settings::get_i64(store.pool(), crate::settings::INVENTORY_AUTO_REFRESH, 0)
                .await?;
        Ok(InventorySettings {
            auto_refresh_minutes: minutes.clamp(0, 1440) as u32,
        })
    }

    pub async fn save_inventory_settings(
        &self,
        user: Option<User>,
        req: InventorySettings,
    ) -> Result<InventorySettings> {
        let (_, actor) = Self::actor(user)?;
        if req.auto_refresh_minutes > 1440 {
            return Err(CoreError::validation(
                "auto_refresh_minutes",
                "Auto-refresh must be between 0 (off) and 1440 minutes.",
            ));
        }
        let store = self.store().await?;
        let mut tx = store.pool().begin().await?;
        crate::settings::set(
            &mut *tx,
            crate::settings::INVENTORY_AUTO_REFRESH,
            &req.auto_refresh_minutes.to_string(),
        )
        .await?;
        audit::record(
            &mut tx,
            &actor,
            "settings.inventory",
            None,
            Some(&format!(
                "auto_refresh_minutes={}",
                req.auto_refresh_minutes
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(req)
    }

    /// Lets the shell forward core events (refresh progress) to the windows.
    pub fn set_event_sink(&self, sink: EventSink) {
        *self.events.write().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    fn emit(&self, event: &str, payload: &impl serde::Serialize) {
        let sink = self
            .events
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(sink) = sink
            && let Ok(v) = serde_json::to_value(payload)
        {
            sink(event, v);
        }
    }

    pub async fn query_inventory(
        &self,
        user: Option<User>,
        req: InventoryQuery,
    ) -> Result<InventoryPage> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        let customer = Self::inventory_customer(&user, req.filter.customer.as_deref())?;
        let limit = if req.limit == 0 { 200 } else { req.limit };
        self.inventory_cache()
            .await?
            .query(&customer, &req.filter, req.offset, limit)
            .await
    }

    pub async fn export_inventory(
        &self,
        user: Option<User>,
        req: ExportRequest<InventoryFilter>,
    ) -> Result<ExportReply> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        let customer = Self::inventory_customer(&user, req.query.customer.as_deref())?;
        if user.role == Role::Customer && self.kiosk().await.is_some_and(|k| !k.allow_export) {
            return Err(CoreError::Forbidden);
        }
        let path = self.export_path(&req.path, "inventory")?;
        let cache = self.inventory_cache().await?;
        let as_of = cache.as_of(&customer).await?;
        let rows = cache
            .export_xlsx(&customer, &req.query, as_of, &path)
            .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
    }

    pub async fn export_accounts(
        &self,
        user: Option<User>,
        req: ExportRequest<AccountQuery>,
    ) -> Result<ExportReply> {
        let (_, actor) = Self::actor(user)?;
        let stem = if req.query.kind == AccountKind::Customers {
            "customer-accounts"
        } else {
            "staff-accounts"
        };
        let path = self.export_path(&req.path, stem)?;
        let store = self.store().await?;
        let rows = crate::account_sheets::export(&store, &req.query, &path).await?;
        audit::record_on(
            &store,
            &actor,
            "user.export",
            None,
            Some(&format!("{rows} rows to {}", path.display())),
        )
        .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
    }

    pub async fn import_accounts(
        &self,
        user: Option<User>,
        req: ImportRequest,
    ) -> Result<ImportReport> {
        let (_, actor) = Self::actor(user)?;
        let path = std::path::PathBuf::from(req.path.trim());
        if req.path.trim().is_empty() {
            return Err(CoreError::validation(
                "path",
                "Choose the .xlsx file to import.",
            ));
        }
        let store = self.store().await?;
        let erp = self.erp().await.ok();
        crate::account_sheets::import(&store, erp.as_deref(), &actor, &path, req.mode).await
    }

    pub async fn list_audit(&self, _: Option<User>, q: AuditQuery) -> Result<AuditPage> {
        audit::list(&self.store().await?, &q).await
    }

    pub async fn export_audit(
        &self,
        user: Option<User>,
        req: ExportRequest<AuditQuery>,
    ) -> Result<ExportReply> {
        let (_, actor) = Self::actor(user)?;
        let path = self.export_path(&req.path, "audit-log")?;
        let store = self.store().await?;
        let rows = audit::export_xlsx(&store, &req.query, &path).await?;
        audit::record_on(
            &store,
            &actor,
            "audit.export",
            None,
            Some(&format!("{rows} rows to {}", path.display())),
        )
        .await?;
        Ok(ExportReply {
            path: path.display().to_string(),
            rows,
        })
    }

    /// The file an export goes to: the one asked for (must end in .xlsx), or a dated file in
    /// the user's Downloads folder.
    fn export_path(&self, asked: &str, stem: &str) -> Result<std::path::PathBuf> {
        let asked = asked.trim();
        if !asked.is_empty() {
            if !asked.to_ascii_lowercase().ends_with(".xlsx") {
                return Err(CoreError::validation(
                    "path",
                    "The export file name must end in .xlsx.",
                ));
            }
            return Ok(std::path::PathBuf::from(asked));
        }
        let dir = directories::UserDirs::new()
            .and_then(|d| d.download_dir().map(|p| p.to_path_buf()))
            .filter(|d| d.is_dir())
            .unwrap_or_else(|| self.paths.data_dir.join("exports"));
        std::fs::create_dir_all(&dir).map_err(|e| {
            CoreError::validation("path", format!("Cannot create {}: {e}", dir.display()))
        })?;
        Ok(dir.join(format!(
            "portdesk-{stem}-{}.xlsx",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        )))
    }
}

async fn open_store(
    settings: &StoreSettings,
    paths: &AppPaths,
    secrets: &dyn SecretStore,
) -> std::result::Result<Store, String> {
    let password = match settings {
        StoreSettings::Postgres(_) => secrets
            .get(secrets::STORE_PASSWORD)
            .map_err(|e| e.to_string())?,
        StoreSettings::Sqlite { .. } => None,
    };
    Store::open(settings, &paths.default_store_file(), password.as_ref())
        .await
        .map_err(|e| e.to_string())
}

fn connection_test(
    started: Instant,
    result: std::result::Result<String, String>,
) -> ConnectionTest {
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(message) => ConnectionTest {
            ok: true,
            message,
            elapsed_ms,
        },
        Err(message) => ConnectionTest {
            ok: false,
            message,
            elapsed_ms,
        },
    }
}

fn check_timeout(field: &'static str, secs: u32) -> Result<()> {
    if !(1..=600).contains(&secs) {
        return Err(CoreError::validation(
            field,
            "Timeout must be between 1 and 600 seconds.",
        ));
    }
    Ok(())
}

/// The fields every server connection needs; `fields` names host, port, database and user
/// as the UI knows them.
fn check_server(
    fields: [&'static str; 4],
    what: &str,
    host: &str,
    port: u16,
    database: &str,
    user: &str,
) -> Result<()> {
    let [f_host, f_port, f_db, f_user] = fields;
    if host.trim().is_empty() {
        return Err(CoreError::validation(
            f_host,
            format!("{what} host is required."),
        ));
    }
    if port == 0 {
        return Err(CoreError::validation(
            f_port,
            format!("{what} port must be between 1 and 65535."),
        ));
    }
    if database.trim().is_empty() {
        return Err(CoreError::validation(
            f_db,
            format!("{what} database name is required."),
        ));
    }
    if user.trim().is_empty() {
        return Err(CoreError::validation(
            f_user,
            format!("{what} user is required."),
        ));
    }
    Ok(())
}

fn validate_erp(erp: &ErpSettings) -> Result<()> {
    if let ErpSettings::SqlServer(s) = erp {
        check_server(
            ["erp.host", "erp.port", "erp.database", "erp.user"],
            "ERP server",
            &s.host,
            s.port,
            &s.database,
            &s.user,
        )?;
        check_timeout("erp.connect_timeout_secs", s.connect_timeout_secs)?;
        check_timeout("erp.command_timeout_secs", s.command_timeout_secs)?;
    }
    Ok(())
}

fn validate_store(store: &StoreSettings) -> Result<()> {
    if let StoreSettings::Postgres(pg) = store {
        check_server(
            ["store.host", "store.port", "store.database", "store.user"],
            "PostgreSQL",
            &pg.host,
            pg.port,
            &pg.database,
            &pg.user,
        )?;
        check_timeout("store.connect_timeout_secs", pg.connect_timeout_secs)?;
    }
    Ok(())
}
