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
        // Signing out always succeeds, so a window can always clear itself.
        | Logout::NAME
        | RequestResetCode::NAME
        | ResetWithCode::NAME => Access::Public,
        ChangePassword::NAME | KeepAlive::NAME => Access::SignedIn,
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

/// When the accounts were last synced with which ERP's customer list.
struct ErpLinkRun {
    erp: std::sync::Weak<Erp>,
    ok: bool,
    at: Instant,
}

/// A failed link step (ERP down) is retried after this long, not on every command.
const ERP_LINK_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug, Clone)]
struct Session {
    user_id: i64,
    /// Which sign-in this is, so that ending an old session never ends a newer one.
    serial: u64,
    /// What the session was granted on; `None` until first read from the store.
    stamp: Option<Stamp>,
    /// Last command; a kiosk session ends after `idle_seconds` without one.
    last_seen: tokio::time::Instant,
}

/// The account as it was at sign-in: role, ERP-customer link and password (a fingerprint,
/// kept in memory only). An admin changing any of them ends the session on every desktop.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    role: Role,
    /// The linked ERP customer code; `None` while the account is not linked (it sees nothing).
    erp_code: Option<String>,
    credential: u64,
}

impl Stamp {
    async fn of(store: &Store, user: &User) -> Result<Stamp> {
        fn fingerprint(v: &impl std::hash::Hash) -> u64 {
            use std::hash::Hasher;
            let mut h = std::hash::DefaultHasher::new();
            v.hash(&mut h);
            h.finish()
        }
        let (hash,): (Option<String>,) =
            sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
                .bind(user.id)
                .fetch_one(store.pool())
                .await?;
        Ok(Stamp {
            role: user.role,
            // The link is the code (the name only follows the ERP for display); a link with a
            // problem to resolve sees nothing, like no link.
            erp_code: user
                .erp_customer_code
                .clone()
                .filter(|_| user.erp_link_problem.is_none()),
            credential: fingerprint(&hash),
        })
    }

    /// Why a session granted on `self` must end now that the account reads `now`.
    fn end_reason(&self, now: &Stamp) -> Option<SessionEndReason> {
        // Linking an unlinked account (which saw nothing) grants; any other change revokes.
        let relinked = self.erp_code.is_some() && self.erp_code != now.erp_code;
        if self.role != now.role || relinked {
            Some(SessionEndReason::RoleChanged)
        } else if self.credential != now.credential {
            Some(SessionEndReason::PasswordReset)
        } else {
            None
        }
    }
}

/// How often the session watcher looks: the kiosk idle limit is met within this, and an
/// account change made on another desktop is seen within `REVALIDATE_EVERY` of these ticks.
const WATCH_TICK: std::time::Duration = std::time::Duration::from_secs(1);
const REVALIDATE_EVERY: u64 = 5;

pub struct Portdesk {
    paths: AppPaths,
    secrets: Arc<dyn SecretStore>,
    config: RwLock<Config>,
    config_warning: Option<String>,
    store: RwLock<std::result::Result<Store, String>>,
    erp: Mutex<Option<Arc<Erp>>>,
    /// The signed-in user. One user per desktop process; every window shares it.
    session: RwLock<Option<Session>>,
    session_serial: std::sync::atomic::AtomicU64,
    restart_required: AtomicBool,
    inventory: tokio::sync::OnceCell<crate::inventory::InventoryCache>,
    /// This desktop's mail sender, once started (the shell starts it; tests start their own).
    mail_sender: std::sync::OnceLock<crate::mail::sender::MailSender>,
    /// The last run of the link-by-name step (`accounts::sync_erp_links`), per opened ERP.
    erp_links: Mutex<Option<ErpLinkRun>>,
    /// Running inventory refreshes by ERP customer code, to cancel them.
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
        let (mut config, config_warning) =
            config::load_layers(&paths.config_file, config::machine_config_path().as_deref());
        config.kiosk.enabled |= force_kiosk;
        let store = open_store(&config.store, &paths, secrets.as_ref()).await;
        match &store {
            Ok(s) => tracing::info!(store = s.description(), "portal store open"),
            Err(e) => tracing::error!("{e}"),
        }
        let app = Arc::new(Portdesk {
            paths,
            secrets,
            config: RwLock::new(config),
            config_warning,
            store: RwLock::new(store),
            erp: Mutex::new(None),
            session: RwLock::new(None),
            session_serial: Default::default(),
            restart_required: AtomicBool::new(false),
            inventory: tokio::sync::OnceCell::new(),
            mail_sender: std::sync::OnceLock::new(),
            erp_links: Mutex::new(None),
            refreshes: Default::default(),
            events: Default::default(),
        });
        tokio::spawn(watch_sessions(Arc::downgrade(&app)));
        app
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
        let k = self.config.read().await.kiosk.clone();
        k.enabled.then_some(k)
    }

    async fn begin_session(&self, user_id: i64) {
        // The stamp is taken now, from what the store says right after the sign-in.
        let stamp = match self.store().await {
            Ok(store) => match accounts::by_id(&store, user_id).await {
                Ok(Some(u)) => Stamp::of(&store, &u).await.ok(),
                _ => None,
            },
            Err(_) => None,
        };
        // A sign-in over another session ends that one first, so its windows are cleared.
        let previous = self.session.read().await.clone();
        if let Some(old) = previous {
            self.end_session(old.serial, SessionEndReason::SignedOut, None)
                .await;
        }
        let serial = self.session_serial.fetch_add(1, Ordering::Relaxed) + 1;
        *self.session.write().await = Some(Session {
            user_id,
            serial,
            stamp,
            last_seen: tokio::time::Instant::now(),
        });
    }

    /// The signed-in user, re-read from the store on every command (and every few seconds by
    /// the session watcher): a deactivation, a role or ERP-customer change or a password reset
    /// by an admin ends the session. On a kiosk, an idle session ends here too.
    pub async fn current_user(&self) -> Result<User> {
        let Some(session) = self.session.read().await.clone() else {
            return Err(CoreError::Unauthenticated);
        };
        if let Some(k) = self.kiosk().await
            && session.last_seen.elapsed() >= k.idle_limit()
        {
            self.end_session(session.serial, SessionEndReason::Idle, None)
                .await;
            return Err(CoreError::Unauthenticated);
        }
        let store = self.store().await?;
        let user = match accounts::by_id(&store, session.user_id).await? {
            Some(u) if u.active => u,
            _ => {
                self.end_session(session.serial, SessionEndReason::Deactivated, None)
                    .await;
                return Err(CoreError::Unauthenticated);
            }
        };
        let now = Stamp::of(&store, &user).await?;
        match &session.stamp {
            Some(granted) => {
                if let Some(reason) = granted.end_reason(&now) {
                    self.end_session(session.serial, reason, None).await;
                    return Err(CoreError::Unauthenticated);
                }
                if *granted != now {
                    // A first link: later changes are measured from it.
                    self.restamp(session.serial, now).await;
                }
            }
            None => self.restamp(session.serial, now).await,
        }
        Ok(user)
    }

    async fn restamp(&self, serial: u64, stamp: Stamp) {
        if let Some(s) = self.session.write().await.as_mut()
            && s.serial == serial
        {
            s.stamp = Some(stamp);
        }
    }

    /// The one way a session ends (sign-out, idle, account change): forgets it, records it in
    /// the audit log and tells every window, which drop what they show. Ends the session
    /// numbered `serial` only, so a late check never ends a newer sign-in.
    async fn end_session(
        &self,
        serial: u64,
        reason: SessionEndReason,
        actor: Option<audit::Actor>,
    ) -> bool {
        let ended = {
            let mut slot = self.session.write().await;
            if slot.as_ref().is_some_and(|s| s.serial == serial) {
                slot.take()
            } else {
                None
            }
        };
        let Some(session) = ended else {
            return false;
        };
        let user_id = session.user_id;
        let (action, label) = match reason {
            SessionEndReason::SignedOut => ("auth.sign_out", "user"),
            SessionEndReason::Idle => ("auth.idle_sign_out", "kiosk"),
            _ => ("auth.session_ended", "system"),
        };
        let actor = actor.unwrap_or(audit::Actor {
            id: Some(user_id),
            label: label.into(),
        });
        let detail = serde_json::to_value(reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        // The session is over whatever the audit log says; a failure to record it is logged.
        match self.store().await {
            Ok(store) => {
                if let Err(e) = audit::record_on(
                    &store,
                    &actor,
                    action,
                    Some(("user", user_id.to_string())),
                    detail.as_deref(),
                )
                .await
                {
                    tracing::warn!(user_id, "session end not in the audit log: {e}");
                }
            }
            Err(e) => tracing::warn!(user_id, "session end not in the audit log: {e}"),
        }
        tracing::info!(
            user_id,
            reason = detail.as_deref().unwrap_or(""),
            "session ended"
        );
        self.emit(SESSION_ENDED_EVENT, &SessionEnded { user_id, reason });
        true
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
                    return Err(CoreError::PasswordChangeRequired);
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
        Box::pin(async move {
            let result = self.dispatch_inner(command, payload).await;
            if let Err(e) = &result {
                // Logged once, here, with the command's name; messages hold no secret (the
                // log writer redacts what a driver might echo).
                match e.kind {
                    ErrorKind::Internal => {
                        tracing::error!(command, error = %e.message, "command failed")
                    }
                    ErrorKind::Unavailable => {
                        tracing::warn!(command, error = %e.message, "command failed")
                    }
                    _ => tracing::debug!(command, kind = ?e.kind, "command refused"),
                }
            }
            result
        })
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
        let user = self.current_user().await.ok();
        // Server names and paths are for the admin who configures them; anyone else (a lobby
        // visitor at the sign-in screen, a customer, other staff) sees only the kind of source.
        let admin = user.as_ref().is_some_and(|u| u.role == Role::Admin);
        let (store, store_error, first_run) = match self.store().await {
            Ok(s) => (
                if admin {
                    s.description().to_owned()
                } else {
                    match s.backend() {
                        crate::store::Backend::Sqlite => "SQLite".to_owned(),
                        crate::store::Backend::Postgres => "PostgreSQL".to_owned(),
                    }
                },
                None,
                accounts::count(&s).await? == 0,
            ),
            Err(e) => ("unavailable".to_owned(), Some(e.to_string()), false),
        };
        let session = user.map(|u| u.session_info());
        let erp = match &self.config.read().await.erp {
            ErpSettings::Demo { .. } => "Demo ERP (bundled)".to_owned(),
            ErpSettings::SqlServer(s) if admin => {
                format!("SQL Server {}:{}/{}", s.host, s.port, s.database)
            }
            ErpSettings::SqlServer(_) => "SQL Server".to_owned(),
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

    /// Succeeds signed in or not: the windows clear themselves either way. A session that
    /// has already ended (idle, account change) was recorded as such by `current_user`.
    pub async fn logout(&self, _: Option<User>, _: ()) -> Result<()> {
        let actor = self.current_user().await.ok().map(|u| u.actor());
        let session = self.session.read().await.clone();
        if let Some(s) = session {
            self.end_session(s.serial, SessionEndReason::SignedOut, actor)
                .await;
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
        // The user's own change keeps the session: unstamped while it runs (so a check in
        // between re-stamps rather than ends it), then granted on the new password.
        let serial = {
            let mut slot = self.session.write().await;
            slot.as_mut().map(|s| {
                s.stamp = None;
                s.serial
            })
        };
        let changed = accounts::change_password(&store, user.id, &req.current, &req.new).await?;
        if let Some(serial) = serial {
            self.restamp(serial, Stamp::of(&store, &changed).await?)
                .await;
        }
        Ok(changed.session_info())
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
        let passwords = [
            (
                secrets::ERP_PASSWORD,
                "erp_password",
                &req.erp_password,
                new.erp.secret_server(),
                old.erp.secret_server(),
            ),
            (
                secrets::STORE_PASSWORD,
                "store_password",
                &req.store_password,
                new.store.secret_server(),
                old.store.secret_server(),
            ),
        ];
        // A kept password stays with the server it was typed for: new settings that point
        // elsewhere need it typed again (or cleared), checked before anything is written.
        for (key, field, typed, server, saved_server) in &passwords {
            if let (None, Some(server)) = (typed, server)
                && secrets::for_server(self.secrets.as_ref(), key, server, saved_server.as_deref())?
                    == secrets::ForServer::OtherServer
            {
                return Err(CoreError::validation(
                    field,
                    portdesk_types::settings::RETYPE_PASSWORD,
                ));
            }
        }
        // The file first: if it cannot be written, nothing else changes.
        config::save(&self.paths.config_file, &new).map_err(CoreError::Config)?;
        for (key, _, typed, server, _) in &passwords {
            match typed {
                Some(p) if p.is_empty() => self.secrets.delete(key)?,
                Some(p) => self
                    .secrets
                    .set_for(key, server.as_deref().unwrap_or(""), p)?,
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
        let saved_server = self.config.read().await.erp.secret_server();
        let password = match (req.password, req.erp.secret_server()) {
            (Some(p), _) => Some(p),
            (None, None) => None,
            (None, Some(server)) => {
                self.saved_secret_for(secrets::ERP_PASSWORD, &server, saved_server.as_deref())?
            }
        };
        let started = Instant::now();
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
        let saved_server = self.config.read().await.store.secret_server();
        let password = match (req.password, req.store.secret_server()) {
            (Some(p), _) => Some(p),
            (None, None) => None,
            (None, Some(server)) => {
                self.saved_secret_for(secrets::STORE_PASSWORD, &server, saved_server.as_deref())?
            }
        };
        let started = Instant::now();
        let result = Store::probe(
            &req.store,
            &self.paths.default_store_file(),
            password.as_ref(),
        )
        .await;
        Ok(connection_test(started, result.map_err(|e| e.to_string())))
    }

    /// The saved password of `key` for a connection test to `server`: refused when it was
    /// saved for another server, so a typed host never receives it.
    fn saved_secret_for(
        &self,
        key: &str,
        server: &str,
        saved_server: Option<&str>,
    ) -> Result<Option<portdesk_types::Secret>> {
        match secrets::for_server(self.secrets.as_ref(), key, server, saved_server)? {
            secrets::ForServer::Nothing => Ok(None),
            secrets::ForServer::Matching(s) => Ok(Some(s)),
            secrets::ForServer::OtherServer => Err(CoreError::validation(
                "password",
                portdesk_types::settings::RETYPE_PASSWORD,
            )),
        }
    }

    pub async fn erp_customers(
        &self,
        _: Option<User>,
        req: ErpCustomerQuery,
    ) -> Result<Vec<ErpCustomer>> {
        let erp = self.erp().await?;
        self.ensure_erp_links(&erp).await;
        let search = req
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let list = erp.customers(search).await?;
        if search.is_none() {
            // The whole list was read: account names follow renames in the ERP.
            if let Err(e) = accounts::sync_erp_links(&self.store().await?, &list).await {
                tracing::warn!("syncing accounts with the ERP's customer list failed: {e}");
            }
        }
        Ok(list)
    }
}

impl Portdesk {
    /// Links existing accounts to ERP customer codes by their name, once per opened ERP (and
    /// again after a failure, at most every [`ERP_LINK_RETRY`]); see
    /// `accounts::sync_erp_links`. Never fails the caller: an unreachable ERP leaves the
    /// accounts as they are (an unlinked customer sees nothing until it works).
    async fn ensure_erp_links(&self, erp: &Arc<Erp>) {
        let mut last = self.erp_links.lock().await;
        if let Some(run) = last.as_ref()
            && run.erp.upgrade().is_some_and(|e| Arc::ptr_eq(&e, erp))
            && (run.ok || run.at.elapsed() < ERP_LINK_RETRY)
        {
            return;
        }
        let result = async {
            let list = erp.customers(None).await?;
            accounts::sync_erp_links(&self.store().await?, &list).await
        }
        .await;
        if let Err(e) = &result {
            tracing::warn!("linking customer accounts to ERP customer codes failed: {e}");
        }
        *last = Some(ErpLinkRun {
            erp: Arc::downgrade(erp),
            ok: result.is_ok(),
            at: Instant::now(),
        });
    }

    /// The ERP customer an account links to: only customer accounts have one. A code is
    /// checked against the ERP and its name taken from there; a name alone (older clients,
    /// typed names) links only when exactly one ERP customer has it. ERP unreachable: saved
    /// unverified (a name alone stays unlinked until the next ERP read links it), with a
    /// warning for the admin. Returns (code, display name, verified, warning).
    async fn erp_link(
        &self,
        role: Role,
        code: Option<String>,
        name: Option<String>,
    ) -> Result<(Option<String>, Option<String>, bool, Option<String>)> {
        if role != Role::Customer {
            return Ok((None, None, true, None));
        }
        let code = code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        let Some(asked) = code.clone().or(name.clone()) else {
            return Err(CoreError::validation(
                "erp_customer",
                "A customer account must be linked to an ERP customer.",
            ));
        };
        let unverified = |e: &dyn std::fmt::Display| {
            Ok((
                code.clone(),
                name.clone().or(code.clone()),
                false,
                Some(format!(
                    "The ERP could not be asked ({e}). The account is saved and marked unverified until the ERP confirms \"{asked}\"; it sees no stock until then."
                )),
            ))
        };
        let erp = match self.erp().await {
            Ok(erp) => erp,
            Err(CoreError::Erp(e)) if e.is_unavailable() => return unverified(&e),
            Err(e) => return Err(e),
        };
        let found = match &code {
            Some(code) => erp.customer(code).await.map(|c| match c {
                Some(c) => Ok(c),
                None => Err(CoreError::validation(
                    "erp_customer_code",
                    format!("The ERP has no customer with the code \"{code}\"."),
                )),
            }),
            None => erp
                .customers_named(&asked)
                .await
                .map(|hits| match hits.as_slice() {
                    [one] => Ok(one.clone()),
                    [] => Err(CoreError::validation(
                        "erp_customer",
                        format!("The ERP has no customer named \"{asked}\"."),
                    )),
                    several => Err(CoreError::validation(
                        "erp_customer",
                        format!(
                            "{} ERP customers are named \"{asked}\" ({}): pick one by its code.",
                            several.len(),
                            sorted_codes(several)
                        ),
                    )),
                }),
        };
        match found {
            Ok(Ok(c)) => Ok((Some(c.code), Some(c.name), true, None)),
            Ok(Err(refused)) => Err(refused),
            Err(e) if e.is_unavailable() => unverified(&e),
            Err(e) => Err(e.into()),
        }
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
        let store = self.store().await?;
        if q.kind == AccountKind::Customers
            && accounts::unlinked_customers(&store).await? > 0
            && let Ok(erp) = self.erp().await
        {
            // So accounts from before ERP codes show linked or flagged when the admin looks.
            self.ensure_erp_links(&erp).await;
        }
        accounts::list(&store, &q).await
    }

    pub async fn create_account(
        &self,
        user: Option<User>,
        req: NewAccount,
    ) -> Result<CreatedAccount> {
        let (_, actor) = Self::actor(user)?;
        let store = self.store().await?;
        let (erp_code, erp_customer, verified, erp_warning) = self
            .erp_link(
                req.role,
                req.erp_customer_code.clone(),
                req.erp_customer.clone(),
            )
            .await?;
        let password = match req.temporary_password.filter(|p| !p.is_empty()) {
            Some(p) => p,
            None => accounts::generate_password(&req.email),
        };
        let new = accounts::NewUser::by_admin(
            &req.name,
            &req.email,
            req.role,
            erp_customer,
            erp_code,
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
        let (erp_customer_code, erp_customer, verified, _) = self
            .erp_link(
                req.role,
                req.erp_customer_code.clone(),
                req.erp_customer.clone(),
            )
            .await?;
        accounts::update(
            &store,
            &actor,
            &AccountUpdate {
                erp_customer_code,
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

    /// Whose stock a request may see, as (ERP customer code, name if known). A customer
    /// account always gets the code it is linked to, bound here from the store, whatever the
    /// request says; naming another is refused. An account not linked to a code (flagged, or
    /// the ERP could not be asked yet) sees nothing: fail closed. Staff must name a code.
    async fn inventory_customer(
        &self,
        user: &User,
        requested: Option<&str>,
    ) -> Result<(String, Option<String>)> {
        let requested = requested.map(str::trim).filter(|c| !c.is_empty());
        if user.role != Role::Customer {
            return requested
                .map(|c| (c.to_owned(), None))
                .ok_or_else(|| CoreError::validation("customer_code", "Choose an ERP customer."));
        }
        let mut user = user.clone();
        if user.erp_customer_code.is_none() && user.erp_link_problem.is_none() {
            // Not linked yet (from before codes, or saved while the ERP was down): try now.
            if let Ok(erp) = self.erp().await {
                self.ensure_erp_links(&erp).await;
            }
            if let Some(u) = accounts::by_id(&self.store().await?, user.id).await? {
                user = u;
            }
        }
        let own = match (&user.erp_customer_code, user.erp_link_problem) {
            (Some(code), None) => code.clone(),
            _ => {
                return Err(CoreError::Conflict {
                    field: None,
                    message: "Your account is not linked to an ERP customer, so no stock can be shown. An administrator must pick your ERP customer in the Customers window.".into(),
                });
            }
        };
        match requested {
            // Codes are compared as the ERP would (its collation ignores case); the reply is
            // always the account's own code.
            Some(r) if !r.eq_ignore_ascii_case(&own) => {
                tracing::warn!(
                    user_id = user.id,
                    "a customer asked for another ERP customer's stock"
                );
                Err(CoreError::Forbidden)
            }
            _ => Ok((own, user.erp_customer.clone())),
        }
    }

    pub async fn refresh_inventory(
        &self,
        user: Option<User>,
        req: RefreshRequest,
    ) -> Result<RefreshReply> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        let (customer, _) = self
            .inventory_customer(&user, req.customer_code.as_deref())
            .await?;
        let token = tokio_util::sync::CancellationToken::new();
        {
            let mut running = self.refreshes.lock().unwrap_or_else(|p| p.into_inner());
            if running.contains_key(&customer) {
                return Err(CoreError::AlreadyRunning(format!(
                    "A refresh of {customer} is already running."
                )));
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
                    customer_code: customer.clone(),
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
            Ok((n, _)) => progress(RefreshPhase::Done, *n, Some(*n), None),
            Err(CoreError::Cancelled(m)) => {
                progress(RefreshPhase::Cancelled, 0, None, Some(m.clone()))
            }
            Err(e) => progress(RefreshPhase::Failed, 0, None, Some(e.to_string())),
        }
        let (rows, customer_name) = result?;
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
            customer_code: customer,
            customer_name,
            rows,
            as_of,
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// The refresh pipeline (see `InventoryCache::refresh_from`) of one ERP customer code.
    /// Returns the row count and the customer's current name, which linked accounts take
    /// (a rename in the ERP keeps the link and updates the name).
    async fn refresh_steps(
        &self,
        code: &str,
        token: &tokio_util::sync::CancellationToken,
        progress: &(dyn Fn(RefreshPhase, u64, Option<u64>) + Sync),
    ) -> Result<(u64, String)> {
        let erp = self.erp().await?;
        self.ensure_erp_links(&erp).await;
        let customer = erp.customer(code).await?.ok_or_else(|| {
            CoreError::validation(
                "customer_code",
                format!("The ERP has no customer with the code \"{code}\"."),
            )
        })?;
        accounts::follow_erp_name(&self.store().await?, &customer).await?;
        let rows = self
            .inventory_cache()
            .await?
            .refresh_from(
                &erp,
                code,
                &customer.name,
                crate::now_ms(),
                token,
                &|rows| progress(RefreshPhase::Writing, rows, None),
            )
            .await?;
        Ok((rows, customer.name))
    }

    pub async fn cancel_refresh(&self, user: Option<User>, req: RefreshRequest) -> Result<bool> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        let (customer, _) = self
            .inventory_customer(&user, req.customer_code.as_deref())
            .await?;
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
        let (customer, name) = self
            .inventory_customer(&user, req.filter.customer_code.as_deref())
            .await?;
        let limit = if req.limit == 0 { 200 } else { req.limit };
        let mut page = self
            .inventory_cache()
            .await?
            .query(&customer, &req.filter, req.offset, limit)
            .await?;
        if page.customer_name.is_empty() {
            page.customer_name = name.unwrap_or_default();
        }
        Ok(page)
    }

    pub async fn export_inventory(
        &self,
        user: Option<User>,
        req: ExportRequest<InventoryFilter>,
    ) -> Result<ExportReply> {
        let user = user.ok_or(CoreError::Unauthenticated)?;
        let (customer, _) = self
            .inventory_customer(&user, req.query.customer_code.as_deref())
            .await?;
        let path = match self.kiosk().await {
            Some(k) if !k.allow_export => return Err(CoreError::Forbidden),
            // A kiosk writes only into its one export folder, under a name the app chooses:
            // a path from the window is refused, not followed.
            Some(k) => {
                if !req.path.trim().is_empty() {
                    return Err(CoreError::validation(
                        "path",
                        "At a kiosk, exports go to the kiosk's export folder; a file name cannot be chosen.",
                    ));
                }
                self.kiosk_export_path(&k, "inventory")?
            }
            None => self.export_path(&req.path, "inventory")?,
        };
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

    /// A kiosk's export folder (`[kiosk] export_dir`, else "Portdesk exports" in the data
    /// folder) and a new dated file name in it.
    fn kiosk_export_path(
        &self,
        k: &portdesk_types::settings::KioskSettings,
        stem: &str,
    ) -> Result<std::path::PathBuf> {
        let dir = k
            .export_dir
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| self.paths.data_dir.join("Portdesk exports"));
        std::fs::create_dir_all(&dir).map_err(|e| {
            CoreError::validation(
                "path",
                format!(
                    "Cannot create the kiosk's export folder {}: {e}",
                    dir.display()
                ),
            )
        })?;
        let base = format!(
            "portdesk-{stem}-{}",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        // Two exports in one second get two files, never one overwritten.
        let mut path = dir.join(format!("{base}.xlsx"));
        let mut n = 2;
        while path.exists() {
            path = dir.join(format!("{base}-{n}.xlsx"));
            n += 1;
        }
        Ok(path)
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

/// Ends a kiosk session on time even when no command arrives, and notices an account change
/// made on another desktop; stops when the service is dropped.
async fn watch_sessions(app: std::sync::Weak<Portdesk>) {
    let mut tick = tokio::time::interval(WATCH_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        let Some(app) = app.upgrade() else {
            return;
        };
        n += 1;
        let Some(session) = app.session.read().await.clone() else {
            continue;
        };
        let idle = app
            .kiosk()
            .await
            .is_some_and(|k| session.last_seen.elapsed() >= k.idle_limit());
        if idle || n.is_multiple_of(REVALIDATE_EVERY) {
            // Ends the session (and tells the windows) when it must; nothing else to do here.
            let _ = app.current_user().await;
        }
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

/// "A, B, C": the codes of customers sharing a name, for a message.
fn sorted_codes(customers: &[ErpCustomer]) -> String {
    let mut codes: Vec<&str> = customers.iter().map(|c| c.code.as_str()).collect();
    codes.sort_unstable();
    codes.join(", ")
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
