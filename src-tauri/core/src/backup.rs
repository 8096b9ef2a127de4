//! Backups of the embedded store, their restore, and the store's integrity check.
//!
//! A backup is two files in the backup folder: `portdesk-<UTC time>.sqlite`, a consistent copy
//! taken with SQLite's online backup API in one step (one read transaction: writers go on in
//! the WAL meanwhile), and `portdesk-<UTC time>.json` beside it with its size, SHA-256, the
//! app and schema versions and the site's id. The copy is written as `….sqlite.partial` and
//! renamed when complete; the checksum file is written last. **Only a pair whose checksum
//! matches is a backup**: a copy cut short by a full disk or `kill -9` is never listed, kept
//! or restored, and the next backup removes what it left.
//!
//! A restore trusts nothing it reads from the file (the user picked it): it must be SQLite,
//! match its checksum, pass `PRAGMA integrity_check`, have no migration this Portdesk does
//! not know (made by a newer one), and come from this site unless the user confirmed.

use crate::error::{CoreError, Result};
use crate::store::{Backend, Store};
use portdesk_types::settings::{BackupEntry, BackupSettings, StoreCheck};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The `settings` key of the site's id (made at the first backup; a copy carries it).
pub const SITE_ID_KEY: &str = "site.id";
const PREFIX: &str = "portdesk-";

/// What the checksum file says about its copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sidecar {
    pub taken_at: i64,
    pub bytes: u64,
    pub sha256: String,
    pub app_version: String,
    pub schema_version: i64,
    pub site_id: String,
}

/// The folder backups go to: the setting, or `backups` in the data folder.
pub fn folder(settings: &BackupSettings, data_dir: &Path) -> PathBuf {
    match settings.folder.as_deref().map(str::trim) {
        Some(f) if !f.is_empty() => PathBuf::from(f),
        _ => data_dir.join("backups"),
    }
}

/// Settings as a form sends them: each bad value refused naming its field.
pub fn validate(s: &BackupSettings) -> Result<()> {
    if let Some(f) = s.folder.as_deref().map(str::trim).filter(|f| !f.is_empty())
        && !Path::new(f).is_absolute()
    {
        return Err(CoreError::validation(
            "folder",
            "Give the backup folder's full path (for example \\\\server\\share\\portdesk or /mnt/backups).",
        ));
    }
    if s.every_hours > 168 {
        return Err(CoreError::validation(
            "every_hours",
            "Back up at least once a week (1 to 168 hours; 0 turns the schedule off).",
        ));
    }
    if !(1..=1000).contains(&s.keep) {
        return Err(CoreError::validation(
            "keep",
            "Keep from 1 to 1000 backups.",
        ));
    }
    Ok(())
}

/// The settings in force from a file the user can edit: a value out of range falls back to
/// its default rather than turning backups off.
pub fn in_force(s: &BackupSettings) -> BackupSettings {
    let d = BackupSettings::default();
    BackupSettings {
        folder: s.folder.clone(),
        every_hours: if s.every_hours <= 168 {
            s.every_hours
        } else {
            d.every_hours
        },
        keep: if (1..=1000).contains(&s.keep) {
            s.keep
        } else {
            d.keep
        },
        at_exit: s.at_exit,
    }
}

/// The site's id, made on first use (a backup from another site is told apart by it).
pub async fn site_id(store: &Store) -> Result<String> {
    let read = || {
        sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
            .bind(SITE_ID_KEY)
            .fetch_optional(store.pool())
    };
    if let Some(id) = read().await? {
        return Ok(id);
    }
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
    )
    .bind(SITE_ID_KEY)
    .bind(&id)
    .bind(crate::now_ms())
    .execute(store.pool())
    .await?;
    // Another desktop may have made it first: the stored one is the site's.
    read()
        .await?
        .ok_or_else(|| CoreError::Internal("the site id was not stored".into()))
}

/// Takes one backup of the SQLite file `db` into `dir` (blocking: run it off the runtime).
/// A failure leaves no new file and every earlier backup as it was.
pub fn take(db: &Path, dir: &Path, site_id: &str, now_ms: i64) -> Result<BackupEntry> {
    let failed = |why: String| {
        CoreError::validation(
            "folder",
            format!("The backup to {} failed: {why}", dir.display()),
        )
    };
    let made = !dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| failed(format!("the folder cannot be made ({e})")))?;
    // A backup holds every account's password hash and every customer's orders: a folder
    // Portdesk makes is this user's only (a share the site chose keeps its own rights).
    #[cfg(unix)]
    if made {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    #[cfg(not(unix))]
    let _ = made;
    clear_leftovers(dir);
    let stamp = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .format("%Y%m%d-%H%M%S%3fZ");
    // Two backups in one millisecond (a click on "Back up now" as the schedule fires) get
    // two names.
    let mut name = format!("{PREFIX}{stamp}");
    for n in 1.. {
        if !dir.join(format!("{name}.sqlite")).exists()
            && !dir.join(format!("{name}.json")).exists()
        {
            break;
        }
        name = format!("{PREFIX}{stamp}-{n}");
    }
    let copy = dir.join(format!("{name}.sqlite"));
    let partial = dir.join(format!("{name}.sqlite.partial"));
    let result = (|| {
        copy_online(db, &partial).map_err(|e| failed(in_words(&e)))?;
        let schema_version = schema_version(&partial)?;
        let (bytes, sha256) = checksum(&partial).map_err(|e| failed(e.to_string()))?;
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(|e| failed(e.to_string()))?;
        let side = Sidecar {
            taken_at: now_ms,
            bytes,
            sha256,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            schema_version,
            site_id: site_id.to_owned(),
        };
        let text = serde_json::to_vec_pretty(&side).map_err(|e| failed(e.to_string()))?;
        crate::files::write_atomically(&sidecar_of(&copy), |tmp| {
            std::fs::write(tmp, &text)
                .and_then(|()| std::fs::File::open(tmp)?.sync_all())
                .map_err(|e| failed(e.to_string()))
        })
        .map_err(|e| match e {
            CoreError::Validation { message, .. } => failed(message),
            e => e,
        })?;
        // The copy takes its name last: a name with a checksum file beside it is a backup.
        std::fs::rename(&partial, &copy).map_err(|e| failed(e.to_string()))?;
        Ok(entry(&copy, &side))
    })();
    if result.is_err() {
        // The copy, SQLite's journal of it (left when the disk filled up), the checksum file.
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(with_suffix(&partial, "-journal"));
        let _ = std::fs::remove_file(sidecar_of(&copy));
    }
    result
}

/// The whole database in one backup step: one read transaction, so the copy is one moment of
/// the store; writers keep writing to the WAL meanwhile.
fn copy_online(db: &Path, to: &Path) -> std::result::Result<(), rusqlite::Error> {
    use rusqlite::OpenFlags;
    let src = rusqlite::Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    src.busy_timeout(std::time::Duration::from_secs(10))?;
    let mut dst = rusqlite::Connection::open(to)?;
    {
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        // A writer checkpointing at the very moment can make the step busy: try again.
        let mut tries = 0;
        loop {
            match backup.step(-1)? {
                rusqlite::backup::StepResult::Done => break,
                _ if tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                _ => {
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                        Some("the store stayed busy for five seconds".into()),
                    ));
                }
            }
        }
    }
    // One self-contained file (no WAL beside it).
    dst.pragma_update(None, "journal_mode", "DELETE")?;
    dst.close().map_err(|(_, e)| e)
}

/// A failed copy in words: SQLite reports a full disk or a read-only folder by its code, with
/// a message that may say nothing ("not an error").
fn in_words(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DiskFull) => "the disk is full (no space left for the copy)".into(),
        Some(C::ReadOnly) => "the folder is read-only".into(),
        Some(C::CannotOpen) => "the copy cannot be created there".into(),
        Some(C::PermissionDenied) => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn sidecar_of(copy: &Path) -> PathBuf {
    copy.with_extension("json")
}

fn entry(copy: &Path, s: &Sidecar) -> BackupEntry {
    BackupEntry {
        file: copy.display().to_string(),
        taken_at: s.taken_at,
        bytes: s.bytes,
        app_version: s.app_version.clone(),
        schema_version: s.schema_version,
    }
}

fn checksum(file: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(file)?;
    let mut hash = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hash.update(&buf[..n]);
    }
    let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((bytes, digest))
}

/// What an interrupted backup of this folder's one writer left: copies never renamed (and
/// SQLite's journal beside them). Files that are not ours to judge (a copy without its
/// checksum file that someone put here) are left alone: they are never listed or restored.
fn clear_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(PREFIX) {
            continue;
        }
        // `.partial` and SQLite's `.partial-journal` beside it.
        if name.contains(".sqlite.partial") {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The complete backups in `dir`, newest first (a pair whose copy is missing or of another
/// size is not one).
pub fn list(dir: &Path) -> Vec<BackupEntry> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<BackupEntry> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if !(name.starts_with(PREFIX) && name.ends_with(".json")) {
                return None;
            }
            let side: Sidecar = serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
            let copy = e.path().with_extension("sqlite");
            let len = std::fs::metadata(&copy).ok()?.len();
            (len == side.bytes).then(|| entry(&copy, &side))
        })
        .collect();
    found.sort_by_key(|b| std::cmp::Reverse(b.taken_at));
    found
}

/// Removes the oldest backups beyond `keep`.
pub fn prune(dir: &Path, keep: u32) -> usize {
    let all = list(dir);
    let mut removed = 0;
    for old in all.iter().skip(keep as usize) {
        let copy = PathBuf::from(&old.file);
        if std::fs::remove_file(&copy).is_ok() {
            removed += 1;
        }
        let _ = std::fs::remove_file(sidecar_of(&copy));
    }
    removed
}

/// A backup that passed every check: what it holds.
#[derive(Debug, Clone)]
pub struct Verified {
    pub side: Sidecar,
    pub site_id: Option<String>,
}

/// Checks `file` as a backup this Portdesk may restore at the site `our_site`.
pub fn verify(file: &Path, our_site: Option<&str>, other_site_ok: bool) -> Result<Verified> {
    let bad = |why: String| CoreError::validation("file", format!("{} {why}", file.display()));
    let mut head = [0u8; 16];
    let read = std::fs::File::open(file).and_then(|mut f| f.read_exact(&mut head));
    match read {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad("does not exist.".into()));
        }
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(bad(
                "is not a SQLite database (it is too short): it is no Portdesk backup.".into(),
            ));
        }
        Err(e) => return Err(bad(format!("cannot be read: {e}"))),
        Ok(()) if &head != b"SQLite format 3\0" => {
            return Err(bad(
                "is not a SQLite database: it is no Portdesk backup.".into()
            ));
        }
        Ok(()) => {}
    }
    let side_path = sidecar_of(file);
    let side: Sidecar = match std::fs::read(&side_path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|_| {
            bad(format!(
                "has a damaged checksum file ({}).",
                side_path.display()
            ))
        })?,
        Err(_) => {
            return Err(bad(format!(
                "has no checksum file ({}) beside it: it is not a finished Portdesk backup.",
                side_path.display()
            )));
        }
    };
    let (bytes, sha256) = checksum(file).map_err(|e| bad(format!("cannot be read: {e}")))?;
    if bytes != side.bytes || sha256 != side.sha256 {
        return Err(bad(format!(
            "is damaged: it does not match its checksum ({bytes} bytes, the backup had {}). It was cut short or changed after it was taken.",
            side.bytes
        )));
    }
    let db =
        rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| bad(format!("cannot be opened: {e}")))?;
    let integrity: Vec<String> = db
        .prepare("PRAGMA integrity_check(5)")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|e| bad(format!("is damaged: {e}")))?;
    if integrity != ["ok"] {
        return Err(bad(format!("is damaged: {}", integrity.join("; "))));
    }
    let versions: Vec<i64> = db
        .prepare("SELECT version FROM _sqlx_migrations WHERE success")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|_| bad("is not a Portdesk store (it has no schema history).".into()))?;
    let known: HashSet<i64> = crate::schema::migrations(crate::schema::Target::PortalSqlite)
        .iter()
        .map(|m| m.version)
        .collect();
    if let Some(newer) = versions.iter().filter(|v| !known.contains(v)).max() {
        return Err(bad(format!(
            "was made by a newer Portdesk (its schema has change {newer}, which this version does not know): update Portdesk first."
        )));
    }
    let site_id: Option<String> = db
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [SITE_ID_KEY],
            |r| r.get(0),
        )
        .ok();
    if let (Some(ours), Some(theirs)) = (our_site, site_id.as_deref())
        && ours != theirs
        && !other_site_ok
    {
        return Err(CoreError::validation(
            "other_site",
            format!(
                "{} is a backup of another site's store (site {theirs}; this one is {ours}). Restoring it replaces this site's data with that site's: confirm to go on.",
                file.display()
            ),
        ));
    }
    Ok(Verified { side, site_id })
}

/// The highest schema change in a copy (0 when it has none).
fn schema_version(file: &Path) -> Result<i64> {
    let db =
        rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok(db
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0))
}

/// Copies the verified backup next to the store (`<db>.restoring`, synced) before anything
/// is closed: a full disk or a locked file stops the restore here, with the store untouched.
pub fn stage(file: &Path, db: &Path) -> Result<PathBuf> {
    let incoming = db.with_extension("restoring");
    std::fs::copy(file, &incoming)
        .and_then(|_| std::fs::File::open(&incoming)?.sync_all())
        .map_err(|e| {
            let _ = std::fs::remove_file(&incoming);
            CoreError::validation(
                "file",
                format!(
                    "{} cannot be copied next to the store ({}): {e}. Nothing was changed.",
                    file.display(),
                    incoming.display()
                ),
            )
        })?;
    Ok(incoming)
}

/// The store's file and its WAL files, with a suffix after the name.
fn with_suffix(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

/// Puts the staged copy in place of the SQLite store `db`, every connection to it closed by
/// the caller: the store as it was (and its WAL) is renamed aside under a name no other
/// restore uses, never deleted. A step that fails puts back what the earlier ones moved.
/// Returns where the old store is kept.
pub fn swap(incoming: &Path, db: &Path, now_ms: i64) -> Result<PathBuf> {
    let fail = |what: String| {
        CoreError::validation(
            "file",
            format!("The restore could not {what}. The store is as it was."),
        )
    };
    let stamp = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .format("%Y%m%d-%H%M%S%3f");
    let mut aside = with_suffix(db, &format!(".before-restore-{stamp}"));
    for n in 1.. {
        if !aside.exists() {
            break;
        }
        aside = with_suffix(db, &format!(".before-restore-{stamp}-{n}"));
    }
    let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
    let put_back = |moved: &[(PathBuf, PathBuf)]| {
        for (from, to) in moved.iter().rev() {
            let _ = std::fs::rename(to, from);
        }
    };
    for suffix in ["", "-wal", "-shm"] {
        let from = with_suffix(db, suffix);
        if !from.exists() {
            continue;
        }
        let to = with_suffix(&aside, suffix);
        if let Err(e) = std::fs::rename(&from, &to) {
            put_back(&moved);
            return Err(fail(format!("keep {} aside ({e})", from.display())));
        }
        moved.push((from, to));
    }
    if let Err(e) = std::fs::rename(incoming, db) {
        put_back(&moved);
        return Err(fail(format!(
            "put the backup in place of {} ({e})",
            db.display()
        )));
    }
    Ok(aside)
}

/// Undoes a `swap` whose restored store did not open: the restored file goes, the old one
/// (and its WAL) comes back.
pub fn unswap(db: &Path, aside: &Path) {
    let _ = std::fs::remove_file(db);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(db, suffix));
    }
    for suffix in ["", "-wal", "-shm"] {
        let from = with_suffix(aside, suffix);
        if from.exists() {
            let _ = std::fs::rename(&from, with_suffix(db, suffix));
        }
    }
}

/// The store's integrity, in words: SQLite's own checks, or on PostgreSQL constraints not
/// validated and id sequences behind their table's ids (the next insert would fail).
pub async fn check(store: &Store) -> Result<StoreCheck> {
    let mut findings = Vec::new();
    let mut problems = 0usize;
    match store.backend() {
        Backend::Sqlite => {
            let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_all(store.pool())
                .await?;
            if rows == ["ok"] {
                findings.push("Integrity: every page and index is sound.".into());
            } else {
                problems += rows.len();
                findings.extend(rows.into_iter().map(|r| format!("Integrity: {r}")));
            }
            let fks: Vec<(String, i64, String)> = sqlx::query_as(
                "SELECT \"table\", COALESCE(rowid, 0), parent FROM pragma_foreign_key_check",
            )
            .fetch_all(store.pool())
            .await?;
            if fks.is_empty() {
                findings
                    .push("References: every row's references point at rows that exist.".into());
            }
            problems += fks.len();
            for (table, row, parent) in fks.iter().take(50) {
                findings.push(format!(
                    "References: {table} row {row} points at a row of {parent} that does not exist."
                ));
            }
        }
        Backend::Postgres => {
            let invalid: Vec<(String, String)> = sqlx::query_as(
                "SELECT conrelid::regclass::text, conname::text FROM pg_constraint \
                 WHERE NOT convalidated AND connamespace = current_schema()::regnamespace",
            )
            .fetch_all(store.pool())
            .await?;
            problems += invalid.len();
            for (table, name) in &invalid {
                findings.push(format!(
                    "Constraints: {name} on {table} is not validated for the rows already there."
                ));
            }
            if invalid.is_empty() {
                findings.push("Constraints: every constraint holds for every row.".into());
            }
            let seqs: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT c.table_name::text, c.column_name::text, \
                 pg_get_serial_sequence(quote_ident(c.table_name), c.column_name)::text \
                 FROM information_schema.columns c WHERE c.table_schema = current_schema() \
                 AND pg_get_serial_sequence(quote_ident(c.table_name), c.column_name) IS NOT NULL",
            )
            .fetch_all(store.pool())
            .await?;
            let mut behind = 0;
            for (table, column, seq) in &seqs {
                let (column, table) = (column.replace('"', "\"\""), table.replace('"', "\"\""));
                let (max_id, next): (i64, i64) = sqlx::query_as(&format!(
                    "SELECT CAST(COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) AS BIGINT), \
                     CAST((SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {seq}) AS BIGINT)"
                ))
                .fetch_one(store.pool())
                .await?;
                if next < max_id {
                    behind += 1;
                    problems += 1;
                    findings.push(format!(
                        "Sequences: {seq} is at {next} but {table} already has id {max_id}: the next new row would be refused."
                    ));
                }
            }
            if behind == 0 {
                findings.push(format!(
                    "Sequences: all {} id sequences are past their table's ids.",
                    seqs.len()
                ));
            }
        }
    }
    let ok = problems == 0;
    Ok(StoreCheck { ok, findings })
}
