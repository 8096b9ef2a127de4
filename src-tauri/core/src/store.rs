//! The portal store: SQLite (embedded default) or PostgreSQL (shared by a team), one schema,
//! one set of queries through sqlx's `Any` driver. Dialect-specific SQL goes through
//! [`Store::backend`] and only where the two must differ.

use portdesk_types::Secret;
use portdesk_types::settings::{PostgresSettings, StoreSettings};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::schema::{self, Target};
use crate::tls::Trust;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("The portal store file {path} cannot be opened: {reason}")]
    SqliteOpen { path: PathBuf, reason: String },
    #[error("The PostgreSQL server {server} cannot be reached: {reason}")]
    PostgresConnect { server: String, reason: String },
    #[error("The portal store's schema could not be brought up to date: {0}")]
    Migrate(String),
    /// The store was brought up to date by a newer Portdesk: this one writes nothing to it.
    #[error(
        "The portal store was updated by a newer version of Portdesk (its schema has change {0}, which this version does not know). Update Portdesk on this desktop; nothing was written to the store."
    )]
    NewerSchema(i64),
    #[error("The portal store is not available: {0}")]
    Unavailable(String),
    #[error("The portal store failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("The portal store failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// TLS to the server is on and the site's trusted-certificates file is unusable.
    #[error(transparent)]
    Certificates(#[from] crate::tls::CertError),
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::SqliteOpen { .. }
            | StoreError::PostgresConnect { .. }
            | StoreError::Unavailable(_) => true,
            // The server going away under a command (shut down, crashed, a lost connection),
            // or turned standby after a failover (read-only): nothing was written.
            StoreError::Query(sqlx::Error::Database(db)) => db.code().is_some_and(|c| {
                matches!(&*c, "57P01" | "57P02" | "57P03" | "25006") || c.starts_with("08")
            }),
            StoreError::Query(e) => matches!(
                e,
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
            ),
            StoreError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::DatabaseBusy)
            ),
            StoreError::Migrate(_) | StoreError::NewerSchema(_) | StoreError::Certificates(_) => {
                false
            }
        }
    }

    /// Whether the same statement may well succeed when tried again: the store is away, or
    /// it refused this attempt for a reason of the moment (the server shutting down or
    /// starting, too many clients, a lost connection, a deadlock or serialization failure,
    /// SQLite busy or locked). A retry, never a refusal of what was asked.
    pub fn is_transient(&self) -> bool {
        if self.is_unavailable() {
            return true;
        }
        match self {
            StoreError::Query(sqlx::Error::Database(db)) => {
                db.code().is_some_and(|c| transient_code(&c))
            }
            StoreError::Query(
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            StoreError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            _ => false,
        }
    }
}

/// A database error code that means "try again": PostgreSQL's SQLSTATEs for a server going
/// away or not ready (57P01-57P03), connection exceptions (08…), too many connections
/// (53300), serialization failure (40001) and deadlock (40P01); SQLite's busy and locked
/// codes (5 and 6, with their extended forms).
pub fn transient_code(code: &str) -> bool {
    // A SQLSTATE is five characters (some all digits, like 40001); SQLite's codes are shorter.
    if code.len() == 5 {
        return matches!(
            code,
            "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01"
        ) || code.starts_with("08");
    }
    code.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    description: String,
    /// SQLite only: see [`SqliteWriter`].
    writer: Option<Arc<SqliteWriter>>,
    /// PostgreSQL only: the connection URL (with its password, so a `Secret`), for the event
    /// bus's LISTEN connection (`bus::listen`).
    pg_url: Option<portdesk_types::Secret>,
}

/// One more connection to the SQLite file, used whole on a blocking thread by a hot write
/// path. Through sqlx every statement crosses to the connection's worker thread and back
/// (35-50 µs here); the order path makes eight of them, so it runs its common case here in
/// one crossing instead (see docs/PERFORMANCE.md, "Orders"). Opened on first use. SQLite
/// serialises it with the pool's writers (`BEGIN IMMEDIATE`, the same busy timeout).
///
/// Its commits never checkpoint the WAL themselves (`wal_autocheckpoint = 0`): a checkpoint
/// copies and syncs ~1,000 pages inside the commit that crosses the mark, which made the
/// order path's mean 3.6× its median. A thread of its own checkpoints instead, soon after
/// writes ([`CHECKPOINT_EVERY`]), without blocking the writer.
#[derive(Debug)]
pub struct SqliteWriter {
    path: PathBuf,
    conn: std::sync::Mutex<Option<rusqlite::Connection>>,
    /// The checkpointer's own connection (here, so `close` can end it too).
    checkpoints: std::sync::Mutex<Option<rusqlite::Connection>>,
    /// Set by every run, cleared by the checkpointer.
    wrote: std::sync::atomic::AtomicBool,
    /// Set by `close`: no connection is opened to the file again (a restore replaces it).
    closed: std::sync::atomic::AtomicBool,
}

/// How often the checkpointer looks whether the writer wrote since its last checkpoint.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

impl SqliteWriter {
    /// Runs `f` with the connection: on a multi-threaded runtime right on this worker
    /// (`block_in_place` hands its other tasks to the other workers; no thread hand-off, which
    /// cost as much as the statements), else on tokio's blocking pool.
    pub async fn run<R, F>(self: &Arc<Self>, f: F) -> crate::error::Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> crate::error::Result<R> + Send + 'static,
    {
        let me = Arc::clone(self);
        let work = move || {
            // A panic inside `f` rolled its transaction back while unwinding: the
            // connection is still sound.
            let mut slot = me.conn.lock().unwrap_or_else(|p| p.into_inner());
            if me.closed.load(std::sync::atomic::Ordering::Acquire) {
                return Err(StoreError::Unavailable(
                    "the store is being replaced (a restore); try again in a moment".into(),
                )
                .into());
            }
            if slot.is_none() {
                *slot = Some(me.open().map_err(StoreError::from)?);
                SqliteWriter::start_checkpointer(Arc::downgrade(&me));
            }
            let out = f(slot.as_mut().expect("opened above"));
            me.wrote.store(true, std::sync::atomic::Ordering::Release);
            out
        };
        if tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread
        {
            return tokio::task::block_in_place(work);
        }
        tokio::task::spawn_blocking(work).await.map_err(|e| {
            crate::error::CoreError::Internal(format!("the store's writer stopped: {e}"))
        })?
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // The pool's pragmas (see `open_sqlite`); WAL is already the file's mode.
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;",
        )?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    /// Closes the writer's and the checkpointer's connections to the file for good (after the
    /// one under way finishes): nothing of this store keeps the file open then.
    pub fn close(&self) {
        self.closed
            .store(true, std::sync::atomic::Ordering::Release);
        drop(self.conn.lock().unwrap_or_else(|p| p.into_inner()).take());
        drop(
            self.checkpoints
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
    }

    /// The writer's checkpoints, on a thread with a connection of its own: a passive
    /// checkpoint after writes, which never waits for or blocks the writer. Ends with the
    /// writer (the store dropped).
    fn start_checkpointer(writer: std::sync::Weak<SqliteWriter>) {
        let spawned = std::thread::Builder::new()
            .name("portdesk-checkpoint".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(CHECKPOINT_EVERY);
                    let Some(w) = writer.upgrade() else { return };
                    if w.closed.load(std::sync::atomic::Ordering::Acquire) {
                        return;
                    }
                    if !w.wrote.swap(false, std::sync::atomic::Ordering::AcqRel) {
                        continue;
                    }
                    let mut conn = w.checkpoints.lock().unwrap_or_else(|p| p.into_inner());
                    if w.closed.load(std::sync::atomic::Ordering::Acquire) {
                        return;
                    }
                    if conn.is_none() {
                        *conn = w.open().ok();
                    }
                    if let Some(c) = conn.as_ref()
                        && let Err(e) =
                            c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "checkpoint of the portal store failed");
                        *conn = None;
                    }
                }
            });
        if let Err(e) = spawned {
            // Without it the pool's connections still checkpoint in their own commits.
            tracing::warn!(error = %e, "no checkpoint thread for the portal store");
        }
    }
}

impl Store {
    /// Opens (creating if needed) the configured store and applies pending migrations.
    pub async fn open(
        settings: &StoreSettings,
        default_sqlite: &Path,
        password: Option<&Secret>,
        trust: &Trust,
    ) -> Result<Store, StoreError> {
        match settings {
            StoreSettings::Sqlite { path } => {
                let path = path
                    .as_deref()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| default_sqlite.to_path_buf());
                Store::open_sqlite(&path).await
            }
            StoreSettings::Postgres(pg) => Store::open_postgres(pg, password, trust).await,
        }
    }

    pub async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        let fail = |reason: String| StoreError::SqliteOpen {
            path: path.to_path_buf(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create folder {}: {e}", dir.display())))?;
        }
        sqlx::any::install_default_drivers();
        let opts = AnyConnectOptions::from_str(&sqlite_url(path, "rwc"))
            .map_err(|e| fail(e.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            // A file connection does not go stale like a network one: no ping before each use
            // (one round trip to sqlx's worker thread saved per transaction).
            .test_before_acquire(false)
            // Set on every connection before the pool hands it out.
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;")
                        .await?;
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .map_err(|e| fail(e.to_string()))?;
        // WAL is a property of the file; setting it once is enough and must not race the pool.
        let mode: (String,) = sqlx::query_as("PRAGMA journal_mode = WAL")
            .fetch_one(&pool)
            .await
            .map_err(|e| fail(e.to_string()))?;
        if !mode.0.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode = %mode.0, "SQLite store is not in WAL mode");
        }
        migrate(&pool, Target::PortalSqlite)
            .await
            .map_err(|e| match e {
                MigrateFailure::Execute(inner) => fail(inner),
                MigrateFailure::Other(m) => StoreError::Migrate(m),
                MigrateFailure::Newer(v) => StoreError::NewerSchema(v),
            })?;
        Ok(Store {
            pool,
            backend: Backend::Sqlite,
            description: format!("SQLite at {}", path.display()),
            writer: Some(Arc::new(SqliteWriter {
                path: path.to_path_buf(),
                conn: std::sync::Mutex::new(None),
                checkpoints: std::sync::Mutex::new(None),
                wrote: std::sync::atomic::AtomicBool::new(false),
                closed: std::sync::atomic::AtomicBool::new(false),
            })),
            pg_url: None,
        })
    }

    /// The site's primary: `host`, else the first standby that answers and is not in
    /// recovery (a failover). A server in recovery is never written to.
    pub async fn open_postgres(
        pg: &PostgresSettings,
        password: Option<&Secret>,
        trust: &Trust,
    ) -> Result<Store, StoreError> {
        let servers = pg.servers().map_err(|reason| StoreError::PostgresConnect {
            server: format!("{}:{}/{}", pg.host, pg.port, pg.database),
            reason,
        })?;
        if servers.len() == 1 {
            return Self::open_primary(pg, password, trust).await;
        }
        // Every server is asked first: an old primary that came back without being demoted
        // (a restart, a healed partition) is on an older timeline than the promoted standby,
        // and is never chosen over it.
        let mut best: Option<(i64, usize)> = None;
        for (i, one) in servers.iter().enumerate() {
            if let Some(timeline) = primary_timeline(one, password, trust).await {
                if best.is_some() {
                    tracing::warn!(
                        server = %format!("{}:{}", one.host, one.port),
                        timeline,
                        "two servers answer as the primary: the later timeline is used"
                    );
                }
                if best.is_none_or(|(t, _)| timeline > t) {
                    best = Some((timeline, i));
                }
            }
        }
        let mut tried = Vec::new();
        let order: Vec<usize> = best
            .map(|(_, i)| vec![i])
            .unwrap_or_else(|| (0..servers.len()).collect());
        for i in order {
            match Self::open_primary(&servers[i], password, trust).await {
                Ok(store) => return Ok(store),
                Err(e @ (StoreError::Migrate(_) | StoreError::NewerSchema(_))) => return Err(e),
                Err(e) => tried.push(e.to_string()),
            }
        }
        Err(StoreError::PostgresConnect {
            server: servers
                .iter()
                .map(|s| format!("{}:{}", s.host, s.port))
                .collect::<Vec<_>>()
                .join(", "),
            reason: format!(
                "none of them is a primary that answers; Portdesk keeps looking. {}",
                tried.join(" ")
            ),
        })
    }

    async fn open_primary(
        pg: &PostgresSettings,
        password: Option<&Secret>,
        trust: &Trust,
    ) -> Result<Store, StoreError> {
        let server = format!("{}:{}/{}", pg.host, pg.port, pg.database);
        sqlx::any::install_default_drivers();
        let url = postgres_url(pg, password, trust)?;
        let opts = AnyConnectOptions::from_str(&url).map_err(|e| StoreError::PostgresConnect {
            server: server.clone(),
            reason: e.to_string(),
        })?;
        let timeout = Duration::from_secs(u64::from(pg.connect_timeout_secs.max(1)));
        // The connection budget (a site's desktops share the server's `max_connections`):
        // a few pooled connections, given back when idle. Waiting for one, or for a server at
        // its limit (sqlx retries "too many clients" and "starting up" with back-off), lasts
        // the connect timeout; then the command answers `STORE_BUSY`, having changed nothing.
        let (size, idle) = pg.pool_budget(false);
        let pool = tokio::time::timeout(
            timeout,
            AnyPoolOptions::new()
                .max_connections(size)
                .min_connections(0)
                .idle_timeout(Duration::from_secs(u64::from(idle)))
                .acquire_timeout(timeout)
                .connect_with(opts),
        )
        .await
        .map_err(|_| StoreError::PostgresConnect {
            server: server.clone(),
            reason: format!("no answer within {} s", timeout.as_secs()),
        })?
        .map_err(|e| StoreError::PostgresConnect {
            server: server.clone(),
            reason: crate::tls::explain(e.to_string()),
        })?;
        let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&pool)
            .await
            .map_err(|e| StoreError::PostgresConnect {
                server: server.clone(),
                reason: e.to_string(),
            })?;
        if standby {
            pool.close().await;
            return Err(StoreError::PostgresConnect {
                server,
                reason: "it is a standby (in recovery), not the primary".into(),
            });
        }
        migrate(&pool, Target::PortalPostgres)
            .await
            .map_err(|e| match e {
                MigrateFailure::Execute(m) | MigrateFailure::Other(m) => StoreError::Migrate(m),
                MigrateFailure::Newer(v) => StoreError::NewerSchema(v),
            })?;
        Ok(Store {
            pool,
            backend: Backend::Postgres,
            description: format!("PostgreSQL {server}"),
            writer: None,
            pg_url: Some(portdesk_types::Secret::new(url)),
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The SQLite file's blocking writer; `None` on PostgreSQL.
    pub fn sqlite_writer(&self) -> Option<&Arc<SqliteWriter>> {
        self.writer.as_ref()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// PostgreSQL's connection URL (a secret: it may hold the password).
    /// Whether a PostgreSQL server that gave this desktop no connection in time is busy — it
    /// answers, but is at its connection limit or starting up, or this desktop's own
    /// connections are all in use — rather than away. `None` on SQLite.
    pub async fn busy(&self) -> Option<bool> {
        use sqlx::Connection;
        let url = self.pg_url.as_ref()?;
        let probe = tokio::time::timeout(
            Duration::from_secs(3),
            sqlx::PgConnection::connect(url.expose()),
        )
        .await;
        Some(match probe {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                true
            }
            Ok(Err(sqlx::Error::Database(e))) => {
                e.code().is_some_and(|c| c == "53300" || c == "57P03")
            }
            _ => false,
        })
    }

    /// Whether the server this store writes to is gone as the primary: it refuses
    /// connections (down) or answers as a standby (demoted). A busy server (too many
    /// clients, starting up) or one that is merely slow is not gone. Asked after a command
    /// found the store away, when the site lists standbys.
    pub async fn primary_gone(&self) -> bool {
        use sqlx::Connection;
        let Some(url) = self.pg_url.as_ref() else {
            return false;
        };
        let probe = async {
            match sqlx::PgConnection::connect(url.expose()).await {
                Ok(mut conn) => {
                    let standby = sqlx::query_scalar::<_, bool>("SELECT pg_is_in_recovery()")
                        .fetch_one(&mut conn)
                        .await
                        .unwrap_or(false);
                    let _ = conn.close().await;
                    standby
                }
                Err(sqlx::Error::Io(_)) => true,
                Err(_) => false,
            }
        };
        tokio::time::timeout(Duration::from_secs(3), probe)
            .await
            .unwrap_or(false)
    }

    pub(crate) fn pg_url(&self) -> Option<&portdesk_types::Secret> {
        self.pg_url.as_ref()
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// The SQLite file of an embedded store (`None` on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<&Path> {
        self.writer.as_ref().map(|w| w.path.as_path())
    }

    /// Closes every connection this store has to its database (the pool, and on SQLite the
    /// writer and its checkpointer).
    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(w) = &self.writer {
            w.close();
        }
    }
}

enum MigrateFailure {
    /// A statement failed (on SQLite usually a file that is not a database).
    Execute(String),
    Other(String),
    /// A change applied to the store that this version does not have.
    Newer(i64),
}

/// Carries a pre-layout migration history over, then applies every module's pending migrations.
async fn migrate(pool: &AnyPool, target: Target) -> Result<(), MigrateFailure> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| MigrateFailure::Execute(e.to_string()))?;
    schema::carry_over_portal(&mut conn, target)
        .await
        .map_err(MigrateFailure::Other)?;
    drop(conn);
    let migrator = schema::migrator(target)
        .await
        .map_err(MigrateFailure::Other)?;
    // Checked before anything runs: an older app never writes to a newer store.
    let known: std::collections::HashSet<i64> = migrator.iter().map(|m| m.version).collect();
    let applied: Vec<(i64,)> = sqlx::query_as("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    if let Some((v,)) = applied.iter().find(|(v,)| !known.contains(v)) {
        return Err(MigrateFailure::Newer(*v));
    }
    migrator.run(pool).await.map_err(|e| match e {
        sqlx::migrate::MigrateError::VersionMissing(v) => MigrateFailure::Newer(v),
        sqlx::migrate::MigrateError::Execute(inner) => MigrateFailure::Execute(inner.to_string()),
        other => MigrateFailure::Other(other.to_string()),
    })
}

/// The timeline of a server that answers as the primary (from its current WAL file's name);
/// `None` for a standby or a server that does not answer.
async fn primary_timeline(
    pg: &PostgresSettings,
    password: Option<&Secret>,
    trust: &Trust,
) -> Option<i64> {
    use sqlx::Connection;
    let url = postgres_url(pg, password, trust).ok()?;
    let timeout = Duration::from_secs(u64::from(pg.connect_timeout_secs.max(1)));
    let ask = async {
        let mut conn = sqlx::PgConnection::connect(&url).await.ok()?;
        let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&mut conn)
            .await
            .ok()?;
        let timeline: Option<i64> = if standby {
            None
        } else {
            sqlx::query_scalar(
                "SELECT (('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int)::BIGINT",
            )
            .fetch_one(&mut conn)
            .await
            .ok()
            .or(Some(0))
        };
        let _ = conn.close().await;
        timeline
    };
    tokio::time::timeout(timeout, ask).await.ok().flatten()
}

/// `sqlite:` URL for a path; the path is percent-encoded so spaces, `?` and `#` survive, and
/// Windows back-slashes become slashes (which SQLite accepts).
fn sqlite_url(path: &Path, mode: &str) -> String {
    let p = path.to_string_lossy().replace('\\', "/");
    let mut enc = String::with_capacity(p.len());
    for c in p.chars() {
        match c {
            '%' | '?' | '#' | ' ' => enc.push_str(&format!("%{:02X}", c as u32)),
            c => enc.push(c),
        }
    }
    format!("sqlite:{enc}?mode={mode}")
}

/// The server's URL for sqlx. Secure by default: TLS with the server's certificate and name
/// verified (`verify-full`) against the OS store plus the site's trusted certificates, so a
/// server (or a man in the middle) that refuses TLS gets no password. Only the explicit
/// `allow_unencrypted` (test servers) lets it go in clear (`prefer`).
pub(crate) fn postgres_url(
    pg: &PostgresSettings,
    password: Option<&Secret>,
    trust: &Trust,
) -> Result<String, StoreError> {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let auth = match password {
        Some(p) if !p.is_empty() => format!("{}:{}", enc(&pg.user), enc(p.expose())),
        _ => enc(&pg.user),
    };
    let ssl = if !pg.allow_unencrypted {
        match trust.certificates()? {
            Some(c) => format!(
                "verify-full&sslrootcert={}",
                enc(&c.path().to_string_lossy())
            ),
            None => "verify-full".to_owned(),
        }
    } else {
        "prefer".to_owned()
    };
    let host = if pg.host.contains(':') {
        format!("[{}]", pg.host)
    } else {
        pg.host.clone()
    };
    // No `connect_timeout` here: sqlx ignores it (with a warning on every connection); the
    // timeout is the pool's acquire timeout and the wrapper around the first connect.
    Ok(format!(
        "postgres://{auth}@{host}:{}/{}?sslmode={ssl}",
        pg.port,
        enc(&pg.database)
    ))
}

impl Store {
    /// Checks that a store can be reached with these settings, without creating or changing
    /// anything (Settings' "Test connection").
    pub async fn probe(
        settings: &StoreSettings,
        default_sqlite: &Path,
        password: Option<&Secret>,
        trust: &Trust,
    ) -> Result<String, StoreError> {
        sqlx::any::install_default_drivers();
        match settings {
            StoreSettings::Sqlite { path } => {
                let path = path
                    .as_deref()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| default_sqlite.to_path_buf());
                let fail = |reason: String| StoreError::SqliteOpen {
                    path: path.clone(),
                    reason,
                };
                if path.exists() {
                    let opts = AnyConnectOptions::from_str(&sqlite_url(&path, "rw"))
                        .map_err(|e| fail(e.to_string()))?;
                    let mut conn = sqlx::ConnectOptions::connect(&opts)
                        .await
                        .map_err(|e| fail(e.to_string()))?;
                    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_master")
                        .fetch_one(&mut conn)
                        .await
                        .map_err(|e| fail(e.to_string()))?;
                    let _ = sqlx::Connection::close(conn).await;
                    Ok(format!(
                        "SQLite file {} opens ({n} schema objects).",
                        path.display()
                    ))
                } else {
                    let dir = path.parent().unwrap_or(Path::new("."));
                    let meta = std::fs::metadata(dir)
                        .map_err(|e| fail(format!("folder {}: {e}", dir.display())))?;
                    if !meta.is_dir() || meta.permissions().readonly() {
                        return Err(fail(format!("folder {} is not writable", dir.display())));
                    }
                    Ok(format!(
                        "SQLite file {} will be created at the next start.",
                        path.display()
                    ))
                }
            }
            StoreSettings::Postgres(pg) => {
                let server = format!("{}:{}/{}", pg.host, pg.port, pg.database);
                let fail = |reason: String| StoreError::PostgresConnect {
                    server: server.clone(),
                    reason: crate::tls::explain(reason),
                };
                let opts = AnyConnectOptions::from_str(&postgres_url(pg, password, trust)?)
                    .map_err(|e| fail(e.to_string()))?;
                let secs = u64::from(pg.connect_timeout_secs.max(1));
                let mut conn = tokio::time::timeout(
                    Duration::from_secs(secs),
                    sqlx::ConnectOptions::connect(&opts),
                )
                .await
                .map_err(|_| fail(format!("no answer within {secs} s")))?
                .map_err(|e| fail(e.to_string()))?;
                let (v,): (String,) = sqlx::query_as("SELECT version()")
                    .fetch_one(&mut conn)
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                let _ = sqlx::Connection::close(conn).await;
                Ok(format!(
                    "Connected to {server}: {}",
                    v.split(',').next().unwrap_or(&v)
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_escapes_awkward_paths() {
        assert_eq!(
            sqlite_url(Path::new("/tmp/a b/x#?.db"), "rwc"),
            "sqlite:/tmp/a%20b/x%23%3F.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url(Path::new(r"C:\Users\Ann\p.db"), "ro"),
            "sqlite:C:/Users/Ann/p.db?mode=ro"
        );
    }

    #[test]
    fn postgres_url_encodes_credentials() {
        let pg = PostgresSettings {
            user: "ann@x".into(),
            ..Default::default()
        };
        let url = postgres_url(&pg, Some(&Secret::new("p@ss:/w")), &Trust::system()).unwrap();
        assert!(
            url.starts_with("postgres://ann%40x:p%40ss%3A%2Fw@localhost:5432/portdesk?"),
            "{url}"
        );
    }
}

#[cfg(test)]
mod transient_tests {
    use super::transient_code;

    #[test]
    fn retries_are_told_from_refusals() {
        for code in [
            "57P01", "57P03", "40001", "40P01", "53300", "08006", "5", "6", "517", "261",
        ] {
            assert!(transient_code(code), "{code}");
        }
        for code in ["23505", "23514", "42P01", "19", "2067", "1555"] {
            assert!(!transient_code(code), "{code}");
        }
    }
}
