//! Sign-in, sign-out, the signed-in user's password, "forgot password", and which module
//! windows the role may open. The session itself (who is signed in, when it ends) is the
//! service's, in `app::session`.

use crate::accounts::reset_codes;
use crate::accounts::{self, User};
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::app::session::Stamp;
use crate::error::{CoreError, Result};
use portdesk_types::accounts::{NewAccountRequest, Profile, ProfileUpdate};
use portdesk_types::api::*;
use portdesk_types::mail::{ResetCodeRequest, ResetWithCodeRequest};
use portdesk_types::modules::ModuleId;
use portdesk_types::modules::ModuleInfo;
use portdesk_types::settings::ErpSettings;
use portdesk_types::{Role, Secret};

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "session",
        window: None,
        tasks: Vec::new(),
        events: Vec::new(),
        owners: Vec::new(),
        routes: vec![
            route!(public AppStatus => Portdesk::status),
            route!(public CreateFirstAdmin => Portdesk::create_first_admin),
            route!(public Login => Portdesk::login),
            route!(public Logout => Portdesk::logout),
            route!(signed_in KeepAlive => Portdesk::keep_alive),
            route!(signed_in ChangePassword => Portdesk::change_password),
            route!(roles offline; ListModules => Portdesk::list_modules),
            route!(roles offline; OpenModule => Portdesk::open_module),
            route!(public RequestResetCode => Portdesk::request_reset_code),
            route!(public ResetWithCode => Portdesk::reset_with_code),
            // The profile is the caller's own; any role, but not before a temporary password
            // is replaced (a role rule, not `signed_in`, so that still holds).
            route!(roles GetProfile => Portdesk::get_profile),
            route!(roles UpdateProfile => Portdesk::update_profile),
            route!(public RequestAccount => Portdesk::request_account),
        ],
    }
}

impl Portdesk {
    pub async fn status(&self, _: ()) -> Result<StatusReply> {
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
        let offline = self.session_offline().await;
        let session = match user {
            Some(u) => Some(u.session_info()),
            // Signed in without the store: the session as this desktop knows it.
            None if offline => self.current_user_or_last_verified().await.ok().map(|u| {
                let mut info = u.session_info();
                info.offline = true;
                info
            }),
            None => None,
        };
        let erp = match &self.config.read().await.erp {
            ErpSettings::Demo { .. } => "Demo ERP (bundled)".to_owned(),
            ErpSettings::SqlServer(s) if admin => {
                format!("SQL Server {}:{}/{}", s.host, s.port, s.database)
            }
            ErpSettings::SqlServer(_) => "SQL Server".to_owned(),
        };
        // Staff act on it; a customer (a lobby visitor) is not told about the site's disks.
        let backup_warning = match &session {
            Some(s) if s.role != portdesk_types::Role::Customer => self.backup_warning().await,
            _ => None,
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
            security_warning: self.security_warning().await,
            backup_warning,
            store_busy: self.store_busy(),
        })
    }

    pub async fn create_first_admin(&self, req: NewAdmin) -> Result<SessionInfo> {
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
        if matches!(self.config.read().await.erp, ErpSettings::Demo { .. }) {
            // A fresh install on the demo ERP gets the demo catalogue beside it.
            if let Err(e) = crate::procurement::demo::seed(&store).await {
                tracing::warn!("demo catalogue not written: {e}");
            } else if let Err(e) = crate::shop::demo::seed(&store).await {
                tracing::warn!("demo shop not written: {e}");
            }
        }
        self.begin_session(user.id).await;
        tracing::info!(user_id = user.id, "first admin created and signed in");
        Ok(user.session_info())
    }

    pub async fn login(&self, req: LoginRequest) -> Result<SessionInfo> {
        let store = match self.store().await {
            Ok(store) => store,
            Err(e) if self.store_silent(&e) => return self.login_offline(req, e).await,
            Err(e) => return Err(e),
        };
        // A kiosk refuses staff before their password is checked, with the reply of any
        // other refusal (a Forbidden for a right password would confirm it).
        let place = if self.kiosk().await.is_some() {
            accounts::SignInPlace::Kiosk
        } else {
            accounts::SignInPlace::Desktop
        };
        let user = match accounts::authenticate_at(&store, &req.email, &req.password, place).await {
            Err(e) if self.store_silent(&e) => return self.login_offline(req, e).await,
            other => other?,
        };
        self.begin_session(user.id).await;
        tracing::info!(user_id = user.id, role = %user.role, "signed in");
        // The record for the next sign-in without the store (a rep's laptop); for any other
        // role, one kept from before (a rep who became something else) is forgotten.
        self.keep_offline_record(&store, &user, &req.password).await;
        Ok(user.session_info())
    }

    /// After a password was checked or chosen online: this desktop's offline record follows
    /// at once, so the password just typed is the one that works without the store.
    pub(crate) async fn keep_offline_record(
        &self,
        store: &crate::store::Store,
        user: &accounts::User,
        password: &Secret,
    ) {
        let kept = async {
            let hash = match accounts::offline::may_sign_in_offline(user.role) {
                true => accounts::offline::password_hash(store, user.id).await?,
                false => None,
            };
            let contact = hash
                .as_deref()
                .map(|server_hash| accounts::offline::Contact {
                    password,
                    server_hash,
                });
            accounts::offline::keep(
                self.local_store().await?,
                self.secrets.as_ref(),
                user,
                contact,
            )
            .await
        };
        if let Err(e) = kept.await {
            tracing::warn!("the offline sign-in record was not kept: {e}");
        }
    }

    /// The store does not answer: a rep who signed in on this desktop before signs in against
    /// its verifier, to the offline-capable windows only. Anyone else (no verifier here), and
    /// any kiosk, gets `unavailable` (the store's own error).
    async fn login_offline(
        &self,
        req: LoginRequest,
        unavailable: CoreError,
    ) -> Result<SessionInfo> {
        if self.kiosk().await.is_some() {
            return Err(unavailable);
        }
        let local = self.local_store().await?;
        let refused = || CoreError::InvalidCredentials {
            max_failed: accounts::DEFAULT_MAX_FAILED_LOGINS,
            lockout_minutes: accounts::DEFAULT_LOCKOUT_MINUTES,
            kiosk: false,
        };
        let max_days = self.config.read().await.offline.days();
        let Some(s) = accounts::offline::sign_in(
            local,
            self.secrets.as_ref(),
            &req.email,
            &req.password,
            max_days,
            refused,
        )
        .await?
        else {
            return Err(unavailable);
        };
        tracing::info!(user_id = s.user.id, role = %s.user.role, "signed in offline");
        let mut info = s.user.session_info();
        info.offline = true;
        self.begin_offline_session(s.user, s.server_tag).await;
        Ok(info)
    }

    /// Succeeds signed in or not: the windows clear themselves either way. A session that
    /// has already ended (idle, account change) was recorded as such by `current_user`.
    pub async fn logout(&self, _: ()) -> Result<()> {
        let actor = self.current_user().await.ok().map(|u| u.actor());
        let session = self.session.read().await.clone();
        if let Some(s) = session {
            self.end_session(s.serial, SessionEndReason::SignedOut, actor)
                .await;
        }
        Ok(())
    }

    /// Activity is recorded by `dispatch`; nothing else to do.
    pub async fn keep_alive(&self, _: User, _: ()) -> Result<()> {
        Ok(())
    }

    pub async fn change_password(
        &self,
        user: User,
        req: ChangePasswordRequest,
    ) -> Result<SessionInfo> {
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
        // Forced (a temporary password) or voluntary: the new one works offline at once.
        self.keep_offline_record(&store, &changed, &req.new).await;
        Ok(changed.session_info())
    }

    /// The role's modules; signed in without the store, only those that work offline.
    pub async fn list_modules(&self, user: User, _: ()) -> Result<Vec<ModuleInfo>> {
        let role = user.role;
        let offline = self.session_offline().await;
        Ok(ModuleId::ALL
            .into_iter()
            .filter(|m| m.allows(role) && (!offline || *m == ModuleId::Forecasts))
            .map(ModuleInfo::from)
            .collect())
    }

    /// Authorises opening a module window; the shell opens it when this succeeds.
    pub async fn open_module(&self, user: User, module: ModuleId) -> Result<()> {
        if !module.allows(user.role) {
            return Err(CoreError::Forbidden);
        }
        if module != ModuleId::Forecasts && self.session_offline().await {
            return Err(CoreError::Store(crate::store::StoreError::Unavailable(
                "signed in without the shared store: only Forecasts opens until it answers".into(),
            )));
        }
        Ok(())
    }

    pub async fn request_reset_code(&self, req: ResetCodeRequest) -> Result<()> {
        let email = req.email.trim();
        if email.is_empty() {
            return Err(CoreError::validation("email", "Enter your e-mail address."));
        }
        // The code's e-mail (if the address has an account) wakes the sender by itself.
        reset_codes::request(&self.store().await?, email).await?;
        Ok(())
    }

    pub async fn reset_with_code(&self, req: ResetWithCodeRequest) -> Result<SessionInfo> {
        let store = self.store().await?;
        let user = reset_codes::reset(&store, &req.email, &req.code, &req.new_password).await?;
        self.keep_offline_record(&store, &user, &req.new_password)
            .await;
        if self.kiosk().await.is_some() && user.role != Role::Customer {
            // The password is changed, but staff still sign in on a staff desktop only.
            return Err(CoreError::Forbidden);
        }
        self.begin_session(user.id).await;
        Ok(user.session_info())
    }

    pub async fn get_profile(&self, user: User, _: ()) -> Result<Profile> {
        accounts::profile::get(&self.store().await?, user.id).await
    }

    /// The request names no account: the session's user is the one changed.
    pub async fn update_profile(&self, user: User, req: ProfileUpdate) -> Result<Profile> {
        accounts::profile::update(&self.store().await?, &user, &req).await
    }

    /// Stores the request and mails the admins; the same reply whether or not the e-mail has
    /// an account.
    pub async fn request_account(&self, req: NewAccountRequest) -> Result<()> {
        accounts::requests::submit(&self.store().await?, &req).await?;
        Ok(())
    }
}
