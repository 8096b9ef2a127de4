//! This desktop's own SQLite file, beside the shared portal store: what must work when the
//! ERP or the network is away. One file, one migrator (`migrations/<module>/local/`), opened
//! once per process; the inventory cache keeps its snapshots here and the forecasts' offline
//! journal is next. Each module owns its own tables in it, as in the portal store.
//!
//! The file keeps its 0.1 name, `inventory-cache.db`, so an updated desktop keeps its data.

use crate::error::{CoreError, Result};
use crate::store::StoreError;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;

/// The file's name in the data folder.
pub const FILE_NAME: &str = "inventory-cache.db";

#[derive(Clone, Debug)]
pub struct LocalStore {
    pool: SqlitePool,
    /// A damaged file was set aside when this one was opened.
    damaged: bool,
    /// The desktop's key (`device`), set by the app once the keyring gave it: the journal of
    /// offline edits is tagged with it, and only rows whose tag checks out are replayed.
    device_key: std::sync::OnceLock<crate::device::DeviceKey>,
}

/// Why the cache file did not open.
enum OpenFailure {
    /// SQLite says the file is not a database or is corrupt: it can only be replaced.
    Damaged(String),
    /// Anything else (permissions, a full disk, a lock): the file is left alone.
    Other(String),
}

/// Whether an error (or one it wraps) is SQLite's "corrupt" or "not a database".
fn is_damage(e: &(dyn std::error::Error + 'static)) -> bool {
    const SQLITE_CORRUPT: i64 = 11;
    const SQLITE_NOTADB: i64 = 26;
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(sqlx::Error::Database(db)) = e.downcast_ref::<sqlx::Error>()
            && let Some(code) = db.code().and_then(|c| c.parse::<i64>().ok())
            // Extended result codes keep the primary code in the low byte.
            && matches!(code & 0xff, SQLITE_CORRUPT | SQLITE_NOTADB)
        {
            return true;
        }
        next = e.source();
    }
    false
}

impl LocalStore {
    /// Opens (or creates) the local store at `path` and brings its schema up to date. A file
    /// SQLite cannot read as a database is renamed `<name>.damaged-<UTC time>` (kept for
    /// support) and a fresh one takes its place; [`LocalStore::was_damaged`] says so.
    pub async fn open(path: &Path) -> Result<LocalStore> {
        let fail = |reason: String| {
            CoreError::Store(StoreError::SqliteOpen {
                path: path.to_path_buf(),
                reason,
            })
        };
        match Self::open_file(path).await {
            Ok(pool) => Ok(LocalStore {
                pool,
                damaged: false,
                device_key: Default::default(),
            }),
            Err(OpenFailure::Other(reason)) => Err(fail(reason)),
            Err(OpenFailure::Damaged(reason)) => {
                let aside = set_aside(path).map_err(|e| {
                    fail(format!(
                        "{reason}; it could not be set aside either ({e}): close Portdesk and delete it"
                    ))
                })?;
                tracing::warn!(
                    path = %path.display(),
                    set_aside_as = %aside.display(),
                    %reason,
                    "the local store was damaged; set aside, a new one was created"
                );
                match Self::open_file(path).await {
                    Ok(pool) => Ok(LocalStore {
                        pool,
                        damaged: true,
                        device_key: Default::default(),
                    }),
                    Err(OpenFailure::Damaged(r) | OpenFailure::Other(r)) => Err(fail(r)),
                }
            }
        }
    }

    /// Tags what this store keeps from now on with `key` (the first key set stays).
    pub fn set_device_key(&self, key: crate::device::DeviceKey) {
        let _ = self.device_key.set(key);
    }

    pub fn device_key(&self) -> Option<&crate::device::DeviceKey> {
        self.device_key.get()
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Whether opening found a damaged file and set it aside (what it held is gone).
    pub fn was_damaged(&self) -> bool {
        self.damaged
    }

    async fn open_file(path: &Path) -> std::result::Result<SqlitePool, OpenFailure> {
        let classify = |e: &(dyn std::error::Error + 'static)| {
            if is_damage(e) {
                OpenFailure::Damaged(e.to_string())
            } else {
                OpenFailure::Other(e.to_string())
            }
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| OpenFailure::Other(e.to_string()))?;
        }
        if let Some(why) = truncated(path) {
            return Err(OpenFailure::Damaged(why));
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // What is here can be fetched again or is re-sent from the journal, so no fsync on
            // commit.
            .synchronous(SqliteSynchronous::Off)
            // Snapshots are written by the inventory writer's own connection (with its own large
            // cache) and queries are answered from memory, so these connections need little:
            // 8 MB each keeps the idle desktop small (SQLite's default is 2 MB).
            .pragma("cache_size", "-8192")
            .pragma("temp_store", "memory")
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| classify(&e))?;
        let checked = async {
            {
                let mut conn = pool.acquire().await.map_err(|e| classify(&e))?;
                crate::schema::carry_over_local(&mut conn)
                    .await
                    .map_err(OpenFailure::Other)?;
            }
            crate::schema::migrator(crate::schema::Target::Local)
                .await
                .map_err(OpenFailure::Other)?
                .run(&pool)
                .await
                .map_err(|e| classify(&e))?;
            // Reading every table's root reaches pages a damaged file lacks.
            sqlx::query("SELECT COUNT(*) FROM sqlite_master")
                .execute(&pool)
                .await
                .map_err(|e| classify(&e))?;
            Ok::<(), OpenFailure>(())
        };
        if let Err(e) = checked.await {
            // Closed first: Windows cannot rename a file that is still open.
            pool.close().await;
            return Err(e);
        }
        Ok(pool)
    }
}

/// Renames a damaged cache file (and its write-ahead log) to `<name>.damaged-<UTC time>`;
/// the shared-memory index is only a cache of the log and is removed. Returns the new name.
fn set_aside(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let sibling = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    let aside = sibling(&format!(".damaged-{stamp}"));
    std::fs::rename(path, &aside)?;
    let wal = sibling("-wal");
    if wal.exists() {
        let mut to = aside.as_os_str().to_owned();
        to.push("-wal");
        std::fs::rename(&wal, to)?;
    }
    match std::fs::remove_file(sibling("-shm")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    Ok(aside)
}

/// A SQLite file shorter than its header says: SQLite itself only notices when it reaches a
/// missing page, possibly in the middle of a query, so it is checked before opening.
fn truncated(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut header = [0u8; 100];
    file.read_exact(&mut header).ok()?;
    if &header[..16] != b"SQLite format 3\0" {
        return None; // Not a database at all: SQLite says so when it opens it.
    }
    let be32 = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().expect("4 bytes"));
    // The page count is valid only when written by the same change as the counter.
    if be32(92) != be32(24) {
        return None;
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536,
        n => u64::from(n),
    };
    let pages = u64::from(be32(28));
    (pages * page_size > len).then(|| {
        format!(
            "the file is truncated ({len} bytes; its header says {} bytes)",
            pages * page_size
        )
    })
}
