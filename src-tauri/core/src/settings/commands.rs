//! Settings window commands: the ERP and store connections (with their tests) and sign-in
//! protection.

use crate::accounts::{self, User};
use crate::app::Portdesk;
use crate::app::dispatch::{ModuleCommands, route};
use crate::audit;
use crate::config::{self, Config};
use crate::erp::Erp;
use crate::error::{CoreError, Result};
use crate::secrets;
use crate::store::Store;
use crate::tls::Trust;
use portdesk_types::Secret;
use portdesk_types::api::*;
use portdesk_types::modules::ModuleId;
use portdesk_types::settings::{
    ErpSettings, MoveStoreReply, MoveStoreRequest, SecuritySettings, StoreMoveProgress,
    StoreSettings,
};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// What every command but the status answers while this desktop's store moves.
pub(crate) fn moving_now() -> CoreError {
    CoreError::AlreadyRunning(
        "Moving this desktop's store to the server — try again in a minute.".into(),
    )
}

/// This module's commands, each with its access rule and handler.
pub(crate) fn commands() -> ModuleCommands {
    ModuleCommands {
        module: "settings",
        window: Some(ModuleId::Settings),
        tasks: vec![|app| Box::pin(Portdesk::backup_schedule(app))],
        events: Vec::new(),
        owners: Vec::new(),
        routes: vec![
            route!(roles GetSettings => Portdesk::get_settings),
            route!(roles SaveSettings => Portdesk::save_settings),
            route!(roles GetSecuritySettings => Portdesk::get_security_settings),
            route!(roles SaveSecuritySettings => Portdesk::save_security_settings),
            route!(roles TestErpConnection => Portdesk::test_erp_connection),
            route!(roles TestStoreConnection => Portdesk::test_store_connection),
            route!(roles MoveStore => Portdesk::move_store),
            route!(roles GetBackups => Portdesk::get_backups),
            route!(roles SaveBackupSettings => Portdesk::save_backup_settings),
            route!(roles BackUpNow => Portdesk::back_up_now),
            route!(roles CheckStore => Portdesk::check_store),
            route!(roles RestoreBackup => Portdesk::restore_backup_command),
        ],
    }
}

impl Portdesk {
    pub async fn get_settings(&self, _: User, _: ()) -> Result<SettingsView> {
        let cfg = self.config.read().await.clone();
        let trust = self.trust();
        Ok(SettingsView {
            erp: cfg.erp,
            store: cfg.store,
            erp_password_saved: self.secrets.get(secrets::ERP_PASSWORD)?.is_some(),
            store_password_saved: self.secrets.get(secrets::STORE_PASSWORD)?.is_some(),
            config_path: self.paths.config_file.display().to_string(),
            data_dir: self.paths.data_dir.display().to_string(),
            log_dir: self.paths.log_dir.display().to_string(),
            restart_required: self.restart_required.load(Ordering::Relaxed),
            tls: cfg.tls,
            trusted_certificates: trust.info(),
            trusted_certificates_problem: trust.problem().map(|p| p.to_string()),
        })
    }

    pub async fn save_settings(
        &self,
        user: User,
        req: SaveSettingsRequest,
    ) -> Result<SettingsView> {
        validate_erp(&req.erp)?;
        validate_store(&req.store)?;
        // A file named here must be usable now: saved broken, it would fail every TLS
        // connection later with a less direct message.
        let trust = Trust::from_settings(&req.tls);
        if let Some(problem) = trust.problem() {
            return Err(CoreError::validation(
                "tls.trusted_certificates",
                problem.to_string(),
            ));
        }
        let old = self.config.read().await.clone();
        let new = Config {
            erp: req.erp,
            store: req.store,
            kiosk: old.kiosk,
            tls: req.tls,
            offline: old.offline,
            backup: old.backup,
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
        let tls_changed = new.tls != old.tls;
        if tls_changed {
            // The ERP reconnects and the mail sender's next pass uses it; the shared store's
            // pool keeps its connections until the next start.
            self.trust.set(trust);
        }
        if new.erp != old.erp || req.erp_password.is_some() || tls_changed {
            *self.erp.lock().await = None;
        }
        let store_tls = matches!(&new.store, StoreSettings::Postgres(p) if !p.allow_unencrypted);
        if new.store != old.store || req.store_password.is_some() || (tls_changed && store_tls) {
            self.restart_required.store(true, Ordering::Relaxed);
        }
        let new_store = new.store.clone();
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
            // An insecure choice is explicit and audited on its own line.
            if let StoreSettings::Postgres(p) = &new_store
                && p.allow_unencrypted
                && old.store != new_store
            {
                audit::record_on(
                    &store,
                    &user.actor(),
                    "settings.store_unencrypted",
                    Some(("settings", "store".into())),
                    Some(&format!(
                        "unencrypted connections allowed to {}:{}/{} (test servers only)",
                        p.host, p.port, p.database
                    )),
                )
                .await?;
            }
        }
        tracing::info!(user_id = user.id, "connection settings saved");
        self.get_settings(user, ()).await
    }

    pub async fn move_store(&self, user: User, req: MoveStoreRequest) -> Result<MoveStoreReply> {
        use portdesk_types::events::StoreMoveEvent;
        let reply = self
            .move_store_to(&req, &|p| {
                self.emit::<StoreMoveEvent>(&StoreMoveProgress {
                    table: p.table,
                    rows_done: p.rows_done,
                    rows_total: p.rows_total,
                })
            })
            .await?;
        let store = self.store().await?;
        audit::record_on(
            &store,
            &user.actor(),
            "store.move",
            Some(("settings", "store".into())),
            Some(&format!(
                "{} rows in {} tables to {}",
                reply.rows, reply.tables, reply.store
            )),
        )
        .await?;
        Ok(reply)
    }

    /// The move itself (the Settings window and `portdesk store move-to`): copied, verified,
    /// then the config, the password (keyring) and this process's store switched over.
    ///
    /// While it runs the desktop is *moving*: the mail sender waits (after the pass under
    /// way), every command but the status answers "try again in a minute", and the copy is
    /// one SQLite snapshot that keeps every other writer out. The steps after the server's
    /// commit are driven by a marker in the data folder (`store_move::Marker`): a failure
    /// there (the config not written, the keyring refusing) leaves the desktop moving, and a
    /// retry — or the next start — finishes the switch without copying again. Whatever stops
    /// it, the desktop ends up on the old store or on the new one, never between.
    pub async fn move_store_to(
        &self,
        req: &MoveStoreRequest,
        progress: &(dyn Fn(crate::store_move::Progress) + Send + Sync),
    ) -> Result<MoveStoreReply> {
        use crate::store_move::{self as mv, Marker};
        let target = StoreSettings::Postgres(req.postgres.clone());
        validate_store(&target)?;
        let old = self.config.read().await.clone();
        let backup = match &old.store {
            StoreSettings::Sqlite { path: Some(p) } => std::path::PathBuf::from(p),
            StoreSettings::Sqlite { path: None } => self.paths.default_store_file(),
            StoreSettings::Postgres(_) => {
                return Err(CoreError::validation(
                    "url",
                    "This desktop's store is already on a PostgreSQL server.",
                ));
            }
        };
        // Already moving: only the retry of a move whose copy was committed may go on.
        if self.moving.swap(true, Ordering::SeqCst)
            && mv::read_marker(&self.paths.data_dir).is_none()
        {
            return Err(moving_now());
        }
        let result = async {
            let _sender = self.mail_hold().await;
            // A move whose copy was committed before something stopped it: finish it.
            if let Some(m) = mv::read_marker(&self.paths.data_dir)
                && mv::committed(&m, req.password.as_ref(), &self.trust()).await == Some(true)
            {
                if m.postgres != req.postgres {
                    return Err(CoreError::validation(
                        "url",
                        format!(
                            "This desktop's data was already copied to {}:{}/{}; finish that move (retry it with that server) first.",
                            m.postgres.host, m.postgres.port, m.postgres.database
                        ),
                    ));
                }
                let src = self.store().await?;
                let rows = self.finish_move(&m, req.password.as_ref()).await?;
                src.close().await;
                return Ok((rows.0, rows.1, rows.2));
            }
            let src = self.store().await?;
            let marker = Marker {
                move_id: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
                postgres: req.postgres.clone(),
            };
            // The password goes to the keyring first: a keyring that refuses stops the move
            // before anything was copied.
            if let Some(p) = req.password.as_ref().filter(|p| !p.is_empty()) {
                self.secrets.set_for(
                    secrets::STORE_PASSWORD,
                    target.secret_server().as_deref().unwrap_or(""),
                    p,
                )?;
            }
            mv::write_marker(&self.paths.data_dir, &marker)?;
            let moved = match mv::move_to_postgres(
                &src,
                &req.postgres,
                req.password.as_ref(),
                &self.trust(),
                &marker.move_id,
                progress,
            )
            .await
            {
                Ok(m) => m,
                Err(e) => {
                    // Nothing was committed (the server's transaction rolled back).
                    mv::remove_marker(&self.paths.data_dir);
                    return Err(e);
                }
            };
            let (_, _, description) = self.finish_move(&marker, req.password.as_ref()).await?;
            src.close().await;
            Ok((moved.tables.len() as u32, moved.rows, description))
        }
        .await;
        // Moving ends with the switch, or with a failure before the commit; a copy that is
        // committed but not switched over keeps the desktop moving until a retry finishes it.
        let unfinished = mv::read_marker(&self.paths.data_dir).is_some();
        if result.is_ok() || !unfinished {
            self.moving.store(false, Ordering::SeqCst);
        }
        let (tables, rows, store) = result?;
        Ok(MoveStoreReply {
            tables,
            rows,
            backup: backup.display().to_string(),
            store,
        })
    }

    /// The steps after the server's commit, each one safe to run again: the config names the
    /// server, the live store, the mail sender and the event listener follow, the marker goes.
    /// Returns (tables, rows, the new store's description).
    async fn finish_move(
        &self,
        m: &crate::store_move::Marker,
        password: Option<&Secret>,
    ) -> Result<(u32, u64, String)> {
        let target = StoreSettings::Postgres(m.postgres.clone());
        let new = Config {
            store: target,
            ..self.config.read().await.clone()
        };
        config::save(&self.paths.config_file, &new).map_err(CoreError::Config)?;
        let pg = Store::open_postgres(&m.postgres, password, &self.trust())
            .await
            .map_err(|e| CoreError::validation("url", e.to_string()))?;
        let description = pg.description().to_owned();
        let (tables, rows) = crate::store_move::counts(&pg).await?;
        self.replace_store(pg.clone()).await;
        *self.config.write().await = new;
        // The mail sender and the event listener follow at once: no restart.
        self.mail_follow_store(pg);
        self.bus.store_changed.notify_one();
        crate::store_move::remove_marker(&self.paths.data_dir);
        Ok((tables, rows, description))
    }

    pub async fn get_security_settings(&self, _: User, _: ()) -> Result<SecuritySettings> {
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
        Ok(SecuritySettings {
            max_failed_logins: max.clamp(1, 20) as u32,
            lockout_minutes: minutes.clamp(1, 1440) as u32,
            version: Some(crate::settings::card_version(&store, "security").await?),
        })
    }

    pub async fn save_security_settings(
        &self,
        user: User,
        req: SecuritySettings,
    ) -> Result<SecuritySettings> {
        let actor = user.actor();
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
        let version =
            crate::settings::guard_card(&store, "security", "sign-in protection", req.version)
                .await?;
        let req = SecuritySettings {
            version: Some(version),
            ..req
        };
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

    pub async fn test_erp_connection(
        &self,
        _: User,
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
            Erp::open(&req.erp, &self.paths, password, &self.trust())
                .await?
                .test()
                .await
        }
        .await;
        Ok(connection_test(started, result.map_err(|e| e.to_string())))
    }

    pub async fn test_store_connection(
        &self,
        _: User,
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
            &self.trust(),
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
}

pub(crate) fn connection_test(
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
        pg.servers()
            .map_err(|m| CoreError::validation("store.standbys", m))?;
    }
    Ok(())
}
