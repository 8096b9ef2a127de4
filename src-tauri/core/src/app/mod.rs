//! The Portdesk service: one per process, shared by every window. It holds what the business
//! modules share and nothing business-specific: configuration, the portal store, the ERP,
//! this desktop's local store, the session (`session`), export paths (`exports`) and the
//! event sink. Every UI command enters through [`Portdesk::dispatch`] (`dispatch`), which
//! checks the caller against the command's rule before anything runs.

use crate::config::{self, Config};
use crate::erp::Erp;
use crate::error::{CoreError, Result};
use crate::local::LocalStore;
use crate::paths::AppPaths;
use crate::secrets::{self, SecretStore};
use crate::store::Store;
use crate::tls::{SharedTrust, Trust};
use portdesk_types::Event;
use portdesk_types::settings::{ErpSettings, PostgresSettings, StoreSettings};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tokio::sync::{Mutex, RwLock};

pub mod dispatch;
mod exports;
pub(crate) mod session;

pub use dispatch::{Access, DispatchFuture, access};

/// Receives core events (name, JSON payload); the shell emits them to every window.
pub type EventSink = Arc<dyn Fn(&str, serde_json::Value) + Send + Sync>;
/// Opens a file with the system's viewer (the shell's opener plugin; a test's recorder).
pub type FileOpener =
    Arc<dyn Fn(&std::path::Path) -> std::result::Result<(), String> + Send + Sync>;

/// The service: what every module shares (configuration, the portal store, the ERP, this
/// desktop's local store, the session and the event sink), and each module's own state.
pub struct Portdesk {
    pub(crate) paths: AppPaths,
    pub(crate) secrets: Arc<dyn SecretStore>,
    pub(crate) config: RwLock<Config>,
    pub(crate) config_warning: Option<String>,
    /// The site's trusted certificates as last read (start, or Settings saved).
    pub(crate) trust: SharedTrust,
    store: RwLock<std::result::Result<Store, String>>,
    /// When opening the store was last tried and failed (see [`Portdesk::store`]).
    store_retry: std::sync::Mutex<Option<std::time::Instant>>,
    /// A store that stopped answering is not waited for again until then: offline-capable
    /// commands answer from the local copy at once instead of after a connect timeout each.
    store_down_until: std::sync::Mutex<Option<std::time::Instant>>,
    /// When a command last got no connection from a busy shared store (status line, 1 min).
    store_busy_at: std::sync::Mutex<Option<std::time::Instant>>,
    pub(crate) erp: Mutex<Option<Arc<Erp>>>,
    /// This desktop's SQLite file, opened on first use.
    local: tokio::sync::OnceCell<LocalStore>,
    /// The signed-in user. One user per desktop process; every window shares it.
    pub(crate) session: RwLock<Option<session::Session>>,
    session_serial: std::sync::atomic::AtomicU64,
    /// Connection settings were saved that only a restart applies.
    pub(crate) restart_required: AtomicBool,
    /// The store is moving to a server (see `move_store_to`): commands wait.
    pub(crate) moving: AtomicBool,
    events: std::sync::RwLock<Option<EventSink>>,
    file_opener: std::sync::RwLock<Option<FileOpener>>,
    pub(crate) accounts: crate::accounts::commands::State,
    pub(crate) inventory: crate::inventory::commands::State,
    pub(crate) mail: crate::mail::commands::State,
    pub(crate) forecasts: crate::forecasts::commands::State,
    pub(crate) bus: crate::bus::State,
    pub(crate) backups: crate::settings::backups::State,
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
        let (mut config, mut config_warning) =
            config::load_layers(&paths.config_file, config::machine_config_path().as_deref());
        config.kiosk.enabled |= force_kiosk;
        let trust = Trust::from_settings(&config.tls);
        if let Some(problem) = trust.problem() {
            tracing::warn!("{problem}");
            config_warning = Some(match config_warning {
                Some(w) => format!("{w} {problem}"),
                None => problem.to_string(),
            });
        }
        // A move to a server that something stopped after its copy: finish the switch now.
        let moving = finish_interrupted_move(&paths, &mut config, secrets.as_ref(), &trust).await;
        let store = open_store(&config, &paths, secrets.as_ref(), &trust).await;
        match &store {
            Ok(s) => tracing::info!(store = s.description(), "portal store open"),
            Err(e) => tracing::error!("{e}"),
        }
        let app = Arc::new(Portdesk {
            paths,
            secrets,
            config: RwLock::new(config),
            config_warning,
            trust: SharedTrust::new(trust),
            store_retry: std::sync::Mutex::new(store.is_err().then(std::time::Instant::now)),
            store_down_until: std::sync::Mutex::new(None),
            store_busy_at: std::sync::Mutex::new(None),
            store: RwLock::new(store),
            erp: Mutex::new(None),
            session: RwLock::new(None),
            local: tokio::sync::OnceCell::new(),
            session_serial: Default::default(),
            restart_required: AtomicBool::new(false),
            moving: AtomicBool::new(moving),
            events: Default::default(),
            file_opener: Default::default(),
            accounts: Default::default(),
            inventory: Default::default(),
            mail: Default::default(),
            forecasts: Default::default(),
            bus: Default::default(),
            backups: Default::default(),
        });
        // Copies opened for the viewer by a session that ended with a crash.
        crate::support::attachments::clear_private(&app.paths);
        tokio::spawn(session::watch_sessions(Arc::downgrade(&app)));
        for m in crate::app::dispatch::modules() {
            for task in m.tasks {
                tokio::spawn(task(Arc::downgrade(&app)));
            }
        }
        tokio::spawn(crate::bus::listen(Arc::downgrade(&app)));
        app
    }

    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// What TLS connections trust beside the OS store (see [`crate::tls`]).
    pub fn trust(&self) -> Trust {
        self.trust.get()
    }

    /// The portal store. One that did not open (a laptop started away from the shared
    /// server) is tried again at most every [`STORE_RETRY`], so the desktop recovers without
    /// a restart.
    pub async fn store(&self) -> Result<Store> {
        let down = *self
            .store_down_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if down.is_some_and(|t| std::time::Instant::now() < t) {
            return Err(CoreError::Store(crate::store::StoreError::Unavailable(
                "the portal store did not answer a moment ago; Portdesk tries again shortly".into(),
            )));
        }
        let current = self.store.read().await.clone();
        let failed = match current {
            Ok(store) => return Ok(store),
            Err(e) => e,
        };
        let due = {
            let mut last = self.store_retry.lock().unwrap_or_else(|p| p.into_inner());
            let due = last.is_none_or(|t| t.elapsed() >= STORE_RETRY);
            if due {
                *last = Some(std::time::Instant::now());
            }
            due
        };
        if due {
            let config = self.config.read().await.clone();
            match open_store(&config, &self.paths, self.secrets.as_ref(), &self.trust()).await {
                Ok(store) => {
                    tracing::info!(store = store.description(), "portal store open (retried)");
                    *self.store.write().await = Ok(store.clone());
                    // The mail sender sends from this server now (the listener finds it by
                    // itself: it reads the store anew when its connection drops).
                    self.mail_follow_store(store.clone());
                    return Ok(store);
                }
                Err(e) => {
                    *self.store.write().await = Err(e.clone());
                    return Err(CoreError::Store(crate::store::StoreError::Unavailable(e)));
                }
            }
        }
        Err(CoreError::Store(crate::store::StoreError::Unavailable(
            failed,
        )))
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
        let erp = Arc::new(Erp::open(&settings, &self.paths, password, &self.trust()).await?);
        *slot = Some(erp.clone());
        Ok(erp)
    }

    /// Kiosk settings when this desktop is a kiosk.
    pub async fn kiosk(&self) -> Option<portdesk_types::settings::KioskSettings> {
        let k = self.config.read().await.kiosk.clone();
        k.enabled.then_some(k)
    }

    /// What the status line of every window warns of while an insecure choice is in force.
    pub async fn security_warning(&self) -> Option<String> {
        match &self.config.read().await.store {
            StoreSettings::Postgres(p) if p.allow_unencrypted => Some(
                "The shared store's connection may be unencrypted (allowed in Settings for test servers only): its password and data can be read on the network."
                    .into(),
            ),
            _ => None,
        }
    }

    /// This desktop's local store, opened on first use.
    pub async fn local_store(&self) -> Result<&LocalStore> {
        let path = self.paths.data_dir.join(crate::local::FILE_NAME);
        let secrets = self.secrets.clone();
        self.local
            .get_or_try_init(|| async move {
                let local = LocalStore::open(&path).await?;
                // The journal of offline edits is tagged with this desktop's key; without a
                // keyring it is kept untagged (and nothing signs in offline).
                match crate::device::DeviceKey::get_or_create(secrets.as_ref()) {
                    Ok(k) => local.set_device_key(k),
                    Err(e) => tracing::warn!("no device key (the OS keyring refused): {e}"),
                }
                Ok(local)
            })
            .await
    }

    /// Lets the shell forward core events (refresh progress) to the windows.
    pub fn set_event_sink(&self, sink: EventSink) {
        *self.events.write().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    }

    /// Sends an event to every window (through the shell's sink).
    pub(crate) fn emit<E: Event>(&self, payload: &E::Payload) {
        let sink = self
            .events
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(sink) = sink
            && let Ok(v) = serde_json::to_value(payload)
        {
            sink(E::NAME, v);
        }
    }

    /// Works on `store` from now on (after a move to PostgreSQL).
    /// Takes the store out of its slot (the slot then answers `why`): a restore closes it.
    pub(crate) async fn take_store(&self, why: &str) -> std::result::Result<Store, String> {
        // Not reopened behind the caller's back (a status poll) while it works on the file.
        *self.store_retry.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(std::time::Instant::now());
        std::mem::replace(&mut *self.store.write().await, Err(why.to_owned()))
    }

    pub(crate) async fn replace_store(&self, store: Store) {
        *self.store.write().await = Ok(store);
    }

    pub fn set_file_opener(&self, opener: FileOpener) {
        *self.file_opener.write().unwrap_or_else(|p| p.into_inner()) = Some(opener);
    }

    /// Opens a file with the system's viewer; refused when no viewer is set (a kiosk, a test).
    pub(crate) fn open_file(&self, path: &std::path::Path) -> Result<()> {
        let opener = self
            .file_opener
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match opener {
            Some(open) => open(path).map_err(|e| {
                crate::error::CoreError::Internal(format!("the file did not open: {e}"))
            }),
            None => Err(crate::error::CoreError::validation(
                "id",
                "This desktop cannot open files with another program.",
            )),
        }
    }

    /// An event from the bus (another desktop), by name: each kind goes to the windows only
    /// if the signed-in user may see it.
    pub(crate) async fn deliver(&self, name: &str, payload: serde_json::Value) {
        // A module that keeps who may see its event declares the rule (`ModuleCommands::events`).
        if let Some(deliver) = crate::app::dispatch::EVENT_RULES.get(name) {
            deliver(self, payload).await;
        } else if portdesk_types::events::ALL_EVENTS.contains(&name) {
            let sink = self
                .events
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if let Some(sink) = sink {
                sink(name, payload);
            }
        }
    }
}

/// How long a store that stopped answering is left alone (see [`Portdesk::store_silent`]).
const STORE_PAUSE: std::time::Duration = std::time::Duration::from_secs(10);

impl Portdesk {
    /// Whether `e` says the store did not answer; if so, for [`STORE_PAUSE`] [`Portdesk::store`]
    /// says so at once instead of each command waiting out a connect timeout. Callers that fall
    /// back to this desktop's copy ask here.
    pub(crate) fn store_silent(&self, e: &CoreError) -> bool {
        let silent = matches!(e, CoreError::Store(s) if s.is_unavailable());
        if silent {
            self.pause_store();
        }
        silent
    }

    /// A pause already running is not extended (its own refusals would keep it forever).
    /// After a command found the store away: when the site lists standbys and the server in
    /// use no longer answers as the primary, the next command opens the store anew, on
    /// whichever server is the primary now (a failover) — no restart.
    pub(crate) async fn look_for_primary(&self) {
        let has_standbys = matches!(
            &self.config.read().await.store,
            StoreSettings::Postgres(pg) if !pg.standbys.is_empty()
        );
        if !has_standbys {
            return;
        }
        let current = self.store.read().await.clone();
        let Ok(store) = current else { return };
        if !store.primary_gone().await {
            return;
        }
        {
            let mut slot = self.store.write().await;
            // Only the store that was probed: another command may have reopened it meanwhile.
            if !matches!(&*slot, Ok(s) if s.description() == store.description()) {
                return;
            }
            tracing::warn!(
                store = store.description(),
                "the store's server stopped answering as the primary: looking for it"
            );
            *slot = Err(
                "The shared store's server stopped answering; Portdesk is looking for the primary."
                    .into(),
            );
        }
        *self.store_retry.lock().unwrap_or_else(|p| p.into_inner()) = None;
        *self
            .store_down_until
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    pub(crate) fn mark_store_busy(&self) {
        *self.store_busy_at.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(std::time::Instant::now());
    }

    /// Whether a command found the shared store busy in the last minute.
    pub fn store_busy(&self) -> bool {
        self.store_busy_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(60))
    }

    pub(crate) fn pause_store(&self) {
        let now = std::time::Instant::now();
        let mut until = self
            .store_down_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if until.is_none_or(|t| now >= t) {
            *until = Some(now + STORE_PAUSE);
        }
    }
}

/// How often a store that did not open is tried again.
const STORE_RETRY: std::time::Duration = std::time::Duration::from_secs(15);

async fn open_store(
    config: &Config,
    paths: &AppPaths,
    secrets: &dyn SecretStore,
    trust: &Trust,
) -> std::result::Result<Store, String> {
    // A kiosk serves one customer at a time: one pooled connection unless the config says.
    let settings = &match &config.store {
        StoreSettings::Postgres(pg) if config.kiosk.enabled && pg.pool_size.is_none() => {
            StoreSettings::Postgres(PostgresSettings {
                pool_size: Some(1),
                ..pg.clone()
            })
        }
        s => s.clone(),
    };
    let password = match settings {
        StoreSettings::Postgres(_) => secrets
            .get(secrets::STORE_PASSWORD)
            .map_err(|e| e.to_string())?,
        StoreSettings::Sqlite { .. } => None,
    };
    Store::open(
        settings,
        &paths.default_store_file(),
        password.as_ref(),
        trust,
    )
    .await
    .map_err(|e| e.to_string())
}

/// A store move interrupted after its copy was committed (the marker is still in the data
/// folder and the server holds the move's id): the config is switched to the server now.
/// Interrupted before the commit: the marker goes, the desktop stays on its SQLite file.
/// Returns whether the desktop must stay *moving* (the server cannot tell yet: nothing is
/// written until a retry or a start finds out).
async fn finish_interrupted_move(
    paths: &AppPaths,
    config: &mut Config,
    secrets: &dyn SecretStore,
    trust: &Trust,
) -> bool {
    use crate::store_move;
    let Some(m) = store_move::read_marker(&paths.data_dir) else {
        return false;
    };
    let password = secrets.get(secrets::STORE_PASSWORD).ok().flatten();
    match store_move::committed(&m, password.as_ref(), trust).await {
        Some(true) => {
            let new = Config {
                store: StoreSettings::Postgres(m.postgres.clone()),
                ..config.clone()
            };
            match config::save(&paths.config_file, &new) {
                Ok(()) => {
                    tracing::info!(
                        "an interrupted store move was finished: this desktop now uses the server"
                    );
                    *config = new;
                    store_move::remove_marker(&paths.data_dir);
                    false
                }
                Err(e) => {
                    tracing::error!("an interrupted store move could not be finished: {e}");
                    true
                }
            }
        }
        Some(false) => {
            store_move::remove_marker(&paths.data_dir);
            false
        }
        None => {
            tracing::warn!(
                "a store move was interrupted and its server does not answer: this desktop waits"
            );
            true
        }
    }
}
