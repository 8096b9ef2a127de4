//! Settings → Store → Backups: the schedule, "Back up now", "Check the store" and "Restore
//! from a backup…" of this desktop's embedded store (see [`crate::backup`]).

use crate::accounts::User;
use crate::app::Portdesk;
use crate::backup;
use crate::config::{self, Config};
use crate::error::{CoreError, Result};
use portdesk_types::settings::{
    BackupSettings, BackupStatus, RestoreReply, RestoreRequest, StoreCheck, StoreSettings,
};
use std::sync::Mutex;
use std::sync::atomic::Ordering;

/// What this desktop knows of its backups between two looks at the folder.
#[derive(Default)]
pub struct State {
    /// When the newest complete backup was taken (read from the folder at start, then kept).
    last_good: Mutex<Option<i64>>,
    /// The last attempt's failure, until one succeeds.
    last_error: Mutex<Option<String>>,
    /// When the schedule's last attempt failed: it tries again after a while, not every
    /// minute (a share that is away stays away for a time).
    failed_at: Mutex<Option<std::time::Instant>>,
    /// One backup or restore at a time.
    running: tokio::sync::Mutex<()>,
}

impl Portdesk {
    /// The SQLite file this desktop's store lives in; `None` on a server.
    async fn embedded_file(&self) -> Option<std::path::PathBuf> {
        match &self.config.read().await.store {
            StoreSettings::Sqlite { path: Some(p) } => Some(p.into()),
            StoreSettings::Sqlite { path: None } => Some(self.paths.default_store_file()),
            StoreSettings::Postgres(_) => None,
        }
    }

    async fn backup_settings(&self) -> BackupSettings {
        backup::in_force(&self.config.read().await.backup)
    }

    pub async fn get_backups(&self, _: User, _: ()) -> Result<BackupStatus> {
        Ok(self.backup_status().await)
    }

    pub async fn backup_status(&self) -> BackupStatus {
        let settings = self.backup_settings().await;
        let folder = backup::folder(&settings, &self.paths.data_dir);
        let (list, laptop) = {
            let folder = folder.clone();
            let desktop = crate::device::desktop_id(&self.paths);
            tokio::task::spawn_blocking(move || {
                (
                    backup::list(&folder),
                    backup::list(&folder.join("local").join(desktop)),
                )
            })
            .await
            .unwrap_or_default()
        };
        let embedded = self.embedded_file().await.is_some();
        if let Some(newest) = if embedded {
            list.first()
        } else {
            laptop.first()
        } {
            *lock(&self.backups.last_good) = Some(newest.taken_at);
        }
        let warning = self.backup_warning().await;
        let last_error = lock(&self.backups.last_error).clone();
        BackupStatus {
            folder: folder.display().to_string(),
            embedded,
            backups: list,
            laptop,
            last_error,
            warning,
            settings,
        }
    }

    pub async fn save_backup_settings(
        &self,
        user: User,
        req: BackupSettings,
    ) -> Result<BackupStatus> {
        backup::validate(&req)?;
        let req = BackupSettings {
            folder: req
                .folder
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty()),
            ..req
        };
        let new = Config {
            backup: req.clone(),
            ..self.config.read().await.clone()
        };
        config::save(&self.paths.config_file, &new).map_err(CoreError::Config)?;
        *self.config.write().await = new;
        // Another folder: its backups are what counts now.
        *lock(&self.backups.last_good) = None;
        *lock(&self.backups.last_error) = None;
        let store = self.store().await?;
        let mut conn = store.pool().acquire().await?;
        crate::audit::record(
            &mut conn,
            &user.actor(),
            "settings.backups",
            None,
            Some(&format!(
                "folder {}, every {} h, keep {}, at exit {}",
                req.folder.as_deref().unwrap_or("(data folder)"),
                req.every_hours,
                req.keep,
                req.at_exit
            )),
        )
        .await?;
        Ok(self.backup_status().await)
    }

    pub async fn back_up_now(&self, _: User, _: ()) -> Result<BackupStatus> {
        self.take_backup().await?;
        Ok(self.backup_status().await)
    }

    /// Beside a server, this desktop's own SQLite file (a laptop's journal of offline edits,
    /// its copy of the grid), once it exists; backed up to `local/` in the backup folder.
    /// Beside the embedded store it holds only caches, which are not backed up.
    async fn laptop_file(&self) -> Option<std::path::PathBuf> {
        if self.embedded_file().await.is_some() {
            return None;
        }
        let file = self.paths.data_dir.join(crate::local::FILE_NAME);
        file.exists().then_some(file)
    }

    /// Whether this desktop has anything to back up.
    async fn backs_up(&self) -> bool {
        self.embedded_file().await.is_some() || self.laptop_file().await.is_some()
    }

    /// Takes a backup now — of the embedded store, or beside a server of this desktop's own
    /// file — and keeps the newest `keep`. A failure is remembered for every window's status
    /// line until a backup succeeds.
    pub async fn take_backup(&self) -> Result<portdesk_types::settings::BackupEntry> {
        let (portal, laptop) = (self.embedded_file().await, self.laptop_file().await);
        if portal.is_none() && laptop.is_none() {
            return Err(CoreError::validation(
                "folder",
                "This desktop's store is on a PostgreSQL server: back it up there (pg_dump or continuous archiving; see the README).",
            ));
        }
        let _one = self.backups.running.lock().await;
        let settings = self.backup_settings().await;
        let dir = backup::folder(&settings, &self.paths.data_dir);
        // The site id goes with a copy of the portal store only (a restore compares it); a
        // laptop's own file is backed up without asking the server, which may be away.
        let site = match &portal {
            Some(_) => backup::site_id(&self.store().await?).await?,
            None => String::new(),
        };
        let keep = settings.keep;
        let desktop = crate::device::desktop_id(&self.paths);
        let result: Result<portdesk_types::settings::BackupEntry> =
            tokio::task::spawn_blocking(move || {
                let now = crate::now_ms();
                let mut taken = None;
                if let Some(db) = portal {
                    taken = Some(backup::take(&db, &dir, &site, now)?);
                    backup::prune(&dir, keep);
                }
                if let Some(own) = laptop {
                    // A folder per desktop: laptops sharing one folder never prune each other.
                    let local = dir.join("local").join(&desktop);
                    let copy = backup::take(&own, &local, &site, now)?;
                    backup::prune(&local, keep);
                    taken.get_or_insert(copy);
                }
                taken.ok_or_else(|| CoreError::Internal("nothing was backed up".into()))
            })
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        match &result {
            Ok(taken) => {
                tracing::info!(file = %taken.file, bytes = taken.bytes, "store backed up");
                *lock(&self.backups.last_good) = Some(taken.taken_at);
                *lock(&self.backups.last_error) = None;
                *lock(&self.backups.failed_at) = None;
            }
            Err(e) => {
                tracing::warn!("backup failed: {e}");
                *lock(&self.backups.last_error) = Some(e.to_string());
                *lock(&self.backups.failed_at) = Some(std::time::Instant::now());
            }
        }
        result
    }

    /// What every window's status line says about backups: the last one failed, or the last
    /// good one is older than twice the interval.
    pub async fn backup_warning(&self) -> Option<String> {
        if !self.backs_up().await {
            return None;
        }
        let failed = lock(&self.backups.last_error).clone();
        if let Some(e) = failed {
            return Some(format!("{e} Earlier backups are kept."));
        }
        let settings = self.backup_settings().await;
        if settings.every_hours == 0 {
            return None;
        }
        let last = { *lock(&self.backups.last_good) }?;
        let limit = i64::from(settings.every_hours) * 2 * 3_600_000;
        (crate::now_ms() - last > limit).then(|| {
            format!(
                "The last good backup of this desktop's store is from {}, more than {} hours ago.",
                chrono::DateTime::from_timestamp_millis(last)
                    .unwrap_or_default()
                    .format("%Y-%m-%d %H:%M UTC"),
                settings.every_hours * 2
            )
        })
    }

    /// The schedule: a backup whenever the newest is older than the interval (checked every
    /// minute, the first a minute after start, so a start is not slowed).
    pub(crate) async fn backup_schedule(app: std::sync::Weak<Portdesk>) {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            let Some(app) = app.upgrade() else { return };
            if app.moving.load(Ordering::SeqCst) || !app.backs_up().await {
                continue;
            }
            let settings = app.backup_settings().await;
            if settings.every_hours == 0 {
                continue;
            }
            let known = lock(&app.backups.last_good).is_some();
            if !known {
                // The folder's newest backup, once (it may be from before this start).
                app.backup_status().await;
            }
            let due = lock(&app.backups.last_good)
                .is_none_or(|t| crate::now_ms() - t >= i64::from(settings.every_hours) * 3_600_000);
            // After a failure, again in 15 minutes (the status line says it failed meanwhile).
            let resting = lock(&app.backups.failed_at)
                .is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(15 * 60));
            if due && !resting {
                let _ = app.take_backup().await;
            }
        }
    }

    /// At exit, when the settings ask for it (the shell calls this as the app closes). Never
    /// holds the exit for long: the data folder stays locked until the process ends.
    pub async fn backup_at_exit(&self) {
        if self.backs_up().await
            && self.backup_settings().await.at_exit
            && !self.moving.load(Ordering::SeqCst)
        {
            let limit = std::time::Duration::from_secs(30);
            if tokio::time::timeout(limit, self.take_backup())
                .await
                .is_err()
            {
                tracing::warn!("the backup at exit took longer than 30 s and was left");
            }
        }
    }

    pub async fn check_store(&self, _: User, _: ()) -> Result<StoreCheck> {
        backup::check(&self.store().await?).await
    }

    pub async fn restore_backup_command(
        &self,
        user: User,
        req: RestoreRequest,
    ) -> Result<RestoreReply> {
        self.restore_backup(&user.actor(), &req).await
    }

    /// Verifies the backup, keeps the current store aside, puts the backup in its place and
    /// opens it (migrating an older one forward). Audited in the restored store.
    pub async fn restore_backup(
        &self,
        actor: &crate::audit::Actor,
        req: &RestoreRequest,
    ) -> Result<RestoreReply> {
        let Some(db) = self.embedded_file().await else {
            return Err(CoreError::validation(
                "file",
                "This desktop's store is on a PostgreSQL server: restore it there (see the README).",
            ));
        };
        let file = std::path::PathBuf::from(req.file.trim());
        let _one = self.backups.running.lock().await;
        let our_site = match self.store().await {
            Ok(s) => Some(backup::site_id(&s).await?),
            // A damaged store that does not open is what a restore is for.
            Err(_) => None,
        };
        let verified = {
            let (file, other) = (file.clone(), req.other_site);
            tokio::task::spawn_blocking(move || backup::verify(&file, our_site.as_deref(), other))
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))??
        };
        // The copy lands next to the store first: a full disk stops the restore here.
        let incoming = {
            let (file, db) = (file.clone(), db.clone());
            tokio::task::spawn_blocking(move || backup::stage(&file, &db))
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))??
        };
        if self.moving.swap(true, Ordering::SeqCst) {
            let _ = std::fs::remove_file(&incoming);
            return Err(super::commands::moving_now());
        }
        let swapped = async {
            let _sender = self.mail_hold().await;
            // Every connection to the file closes (the pool, the order writer, its
            // checkpointer), whatever state the slot is in.
            if let Ok(old) = self.take_store("Restoring a backup: try again in a moment.").await {
                old.close().await;
            }
            let swap = {
                let (incoming, db) = (incoming.clone(), db.clone());
                tokio::task::spawn_blocking(move || backup::swap(&incoming, &db, crate::now_ms()))
                    .await
                    .map_err(|e| CoreError::Internal(e.to_string()))?
            };
            let aside = match swap {
                Ok(aside) => aside,
                Err(e) => {
                    let _ = std::fs::remove_file(&incoming);
                    return Err(e);
                }
            };
            match crate::store::Store::open_sqlite(&db).await {
                Ok(store) => Ok((store, aside)),
                Err(e) => {
                    // The old store comes back, as it was.
                    backup::unswap(&db, &aside);
                    Err(CoreError::validation(
                        "file",
                        format!(
                            "The restored store does not open ({e}); the store as it was is back in place."
                        ),
                    ))
                }
            }
        }
        .await;
        // Whatever happened, the desktop works on the store in place now.
        let current = match &swapped {
            Ok((store, _)) => Ok(store.clone()),
            Err(_) => crate::store::Store::open_sqlite(&db).await,
        };
        match current {
            Ok(store) => {
                self.replace_store(store.clone()).await;
                self.mail_follow_store(store);
                self.bus.store_changed.notify_one();
            }
            Err(e) => tracing::error!("the store does not open after a restore: {e}"),
        }
        self.moving.store(false, Ordering::SeqCst);
        let (store, aside) = swapped?;
        *lock(&self.backups.last_error) = None;
        let mut conn = store.pool().acquire().await?;
        crate::audit::record(
            &mut conn,
            actor,
            "store.restored",
            None,
            Some(&format!(
                "from {} (taken {}, Portdesk {}); the store as it was is kept at {}",
                file.display(),
                verified.side.taken_at,
                verified.side.app_version,
                aside.display()
            )),
        )
        .await?;
        tracing::warn!(from = %file.display(), kept = %aside.display(), "store restored from a backup");
        Ok(RestoreReply {
            restored_from: file.display().to_string(),
            kept_aside: aside.display().to_string(),
            taken_at: verified.side.taken_at,
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
