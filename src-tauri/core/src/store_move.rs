//! Moving a desktop's embedded SQLite store to a PostgreSQL server, so more desktops and
//! kiosks can share it.
//!
//! The server is checked first (reachable, and either empty or a Portdesk store with no data;
//! a database with other tables, or a store with data, is refused), brought to this version's
//! schema, and then every table is copied **in one transaction** with progress, the id
//! sequences set past the copied ids, and every table's row count and checksum compared.
//!
//! **The move is a snapshot**: the copy is read on a connection of its own inside one SQLite
//! `BEGIN IMMEDIATE` transaction, which both fixes what is read and keeps every other writer
//! out until the copy is over (the caller also holds the mail sender and refuses write
//! commands meanwhile), so no row written "during" the move can be left behind. Rows are
//! streamed (a reader thread hands batches to the server through a small channel): memory
//! stays flat whatever the attachments weigh. Only after the commit does the caller switch
//! the desktop over; the SQLite file stays where it was, as the backup. Killed half-way, the
//! server's transaction rolls back and the desktop is still on its SQLite file, whole.

use crate::error::{CoreError, Result};
use crate::store::{Backend, Store};
use portdesk_types::Secret;
use portdesk_types::settings::PostgresSettings;
use sqlx::{Connection, Row};

/// Rows per INSERT statement (well under PostgreSQL's 65,535 parameters for any table here),
/// and per batch handed from the reader to the server.
const BATCH: usize = 200;

/// A value as copied: SQLite's dynamic value brought to the column's declared kind.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
    Real(f64),
}

/// What the snapshot's reader hands to the server, in order.
enum Read {
    /// Rows in every table copied (for the progress bar).
    Totals(u64),
    Table {
        name: String,
        cols: Vec<(String, Kind)>,
        rows: u64,
    },
    Rows(Vec<Vec<Value>>),
    TableDone,
}

/// An order-free checksum of a table's rows: their count and the wrapping sum of each row's
/// SHA-256 (the first 16 bytes), so the server's rows may be read back in any order.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Checksum {
    rows: u64,
    sum: u128,
}

impl Checksum {
    fn add(&mut self, row: &[Value]) {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for v in row {
            match v {
                Value::Null => h.update(b"n"),
                Value::Int(i) => {
                    h.update(b"i");
                    h.update(i.to_le_bytes());
                }
                Value::Real(f) => {
                    h.update(b"r");
                    h.update(f.to_bits().to_le_bytes());
                }
                Value::Text(t) => {
                    h.update(b"t");
                    h.update((t.len() as u64).to_le_bytes());
                    h.update(t.as_bytes());
                }
                Value::Blob(b) => {
                    h.update(b"b");
                    h.update((b.len() as u64).to_le_bytes());
                    h.update(b);
                }
            }
        }
        let d = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&d[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
        self.rows += 1;
    }
}

/// A SQLite value as the column's kind (SQLite lets a column hold any type; PostgreSQL's
/// column has one).
fn as_kind(v: rusqlite::types::ValueRef<'_>, kind: Kind, table: &str, col: &str) -> Result<Value> {
    use rusqlite::types::ValueRef as V;
    let wrong = |what: &str| {
        CoreError::Internal(format!(
            "{table}.{col} holds {what}, which a {kind:?} column on the server cannot take; nothing was moved"
        ))
    };
    Ok(match (v, kind) {
        (V::Null, _) => Value::Null,
        (V::Integer(i), Kind::Int) => Value::Int(i),
        (V::Integer(i), Kind::Real) => Value::Real(i as f64),
        (V::Integer(i), Kind::Text) => Value::Text(i.to_string()),
        (V::Real(f), Kind::Real) => Value::Real(f),
        (V::Real(f), Kind::Text) => Value::Text(f.to_string()),
        (V::Real(f), Kind::Int) if f.fract() == 0.0 => Value::Int(f as i64),
        (V::Text(t), Kind::Text) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        (V::Text(t), Kind::Blob) | (V::Blob(t), Kind::Blob) => Value::Blob(t.to_vec()),
        (V::Text(t), Kind::Int) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Value::Int)
            .ok_or_else(|| wrong("text"))?,
        (V::Integer(_), Kind::Blob) => return Err(wrong("a number")),
        (V::Blob(_), _) => return Err(wrong("bytes")),
        (V::Real(_), _) => return Err(wrong("a fraction")),
        (V::Text(_), Kind::Real) => return Err(wrong("text")),
    })
}

/// The reader: one `BEGIN IMMEDIATE` transaction on a connection of its own (the snapshot,
/// and every other writer kept out), each table's rows streamed to `out` in batches.
fn read_snapshot(
    file: &std::path::Path,
    plan: &[(String, Vec<(String, Kind)>)],
    out: &tokio::sync::mpsc::Sender<Read>,
) -> Result<()> {
    let mut db = rusqlite::Connection::open(file)?;
    db.busy_timeout(std::time::Duration::from_secs(30))?;
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let send = |m: Read| {
        out.blocking_send(m)
            .map_err(|_| CoreError::Cancelled("The move stopped.".into()))
    };
    let mut counts = Vec::with_capacity(plan.len());
    for (table, _) in plan {
        let n: i64 = tx.query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| {
            r.get(0)
        })?;
        counts.push(n as u64);
    }
    send(Read::Totals(counts.iter().sum()))?;
    for ((table, cols), rows) in plan.iter().zip(counts) {
        send(Read::Table {
            name: table.clone(),
            cols: cols.clone(),
            rows,
        })?;
        let list = cols
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = tx.prepare(&format!("SELECT {list} FROM \"{table}\" ORDER BY rowid"))?;
        let mut cursor = stmt.query([])?;
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(r) = cursor.next()? {
            let mut row = Vec::with_capacity(cols.len());
            for (j, (col, kind)) in cols.iter().enumerate() {
                row.push(as_kind(r.get_ref(j)?, *kind, table, col)?);
            }
            batch.push(row);
            if batch.len() == BATCH {
                send(Read::Rows(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(BATCH),
                )))?;
            }
        }
        if !batch.is_empty() {
            send(Read::Rows(batch))?;
        }
        send(Read::TableDone)?;
    }
    // Nothing was written: ending the transaction lets the other writers in again.
    tx.rollback()?;
    Ok(())
}

/// One multi-row INSERT of `rows` into the server's `table`.
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    table: &str,
    cols: &[(String, Kind)],
    rows: &[Vec<Value>],
) -> Result<()> {
    let list = cols
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("INSERT INTO \"{table}\" ({list}) VALUES ");
    let mut n = 0;
    for i in 0..rows.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for j in 0..cols.len() {
            if j > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    let mut q = sqlx::query::<sqlx::Postgres>(&sql);
    for r in rows {
        for (v, (_, kind)) in r.iter().zip(cols) {
            q = match (v, kind) {
                (Value::Null, Kind::Int) => q.bind(None::<i64>),
                (Value::Null, Kind::Text) => q.bind(None::<String>),
                (Value::Null, Kind::Blob) => q.bind(None::<Vec<u8>>),
                (Value::Null, Kind::Real) => q.bind(None::<f64>),
                (Value::Int(i), _) => q.bind(*i),
                (Value::Text(t), _) => q.bind(t.clone()),
                (Value::Blob(b), _) => q.bind(b.clone()),
                (Value::Real(f), _) => q.bind(*f),
            };
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// The server's rows of `table` read back in the copy's transaction: their count and checksum.
async fn server_checksum(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    table: &str,
    cols: &[(String, Kind)],
) -> Result<(u64, Checksum)> {
    use futures_util::TryStreamExt;
    let list = cols
        .iter()
        .map(|(c, _)| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {list} FROM \"{table}\"");
    let mut rows = sqlx::query(&sql).fetch(&mut **tx);
    let mut sum = Checksum::default();
    while let Some(r) = rows.try_next().await? {
        let mut row = Vec::with_capacity(cols.len());
        for (j, (_, kind)) in cols.iter().enumerate() {
            row.push(match kind {
                Kind::Int => r
                    .try_get::<Option<i64>, _>(j)?
                    .map_or(Value::Null, Value::Int),
                Kind::Text => r
                    .try_get::<Option<String>, _>(j)?
                    .map_or(Value::Null, Value::Text),
                Kind::Blob => r
                    .try_get::<Option<Vec<u8>>, _>(j)?
                    .map_or(Value::Null, Value::Blob),
                Kind::Real => r
                    .try_get::<Option<f64>, _>(j)?
                    .map_or(Value::Null, Value::Real),
            });
        }
        sum.add(&row);
    }
    Ok((sum.rows, sum))
}

/// Search indexes SQLite keeps as FTS5 tables: PostgreSQL computes its own (`tsvector`).
const NOT_COPIED: &[&str] = &["_sqlx_migrations", "sqlite_sequence"];
const SEARCH_TABLES: &[&str] = &["shop_search", "support_kb_search"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub table: String,
    pub rows_done: u64,
    pub rows_total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// (table, rows) in the order they were copied.
    pub tables: Vec<(String, u64)>,
    pub rows: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Blob,
    Real,
}

/// The tables to copy, in creation order (so every table comes after those it refers to).
async fn tables(src: &Store) -> Result<Vec<(String, Vec<(String, Kind)>)>> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY rowid",
    )
    .fetch_all(src.pool())
    .await?;
    let mut out = Vec::new();
    for (name,) in names {
        if NOT_COPIED.contains(&name.as_str()) || SEARCH_TABLES.iter().any(|t| name.starts_with(t))
        {
            continue;
        }
        // PRAGMA arguments cannot be bound; the name comes from sqlite_master itself.
        let cols: Vec<(i64, String, String, i64, Option<String>, i64)> =
            sqlx::query_as(&format!("PRAGMA table_info(\"{name}\")"))
                .fetch_all(src.pool())
                .await?;
        let cols = cols
            .into_iter()
            .map(|(_, col, ty, ..)| {
                let kind = match ty.to_ascii_uppercase().as_str() {
                    "INTEGER" => Kind::Int,
                    "BLOB" => Kind::Blob,
                    "REAL" => Kind::Real,
                    _ => Kind::Text,
                };
                (col, kind)
            })
            .collect();
        out.push((name, cols));
    }
    Ok(out)
}

/// What is on the server now: `Ok(())` if it may receive this desktop's data.
async fn check_server(conn: &mut sqlx::PgConnection, ours: &[String]) -> Result<()> {
    let found: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| CoreError::validation("url", format!("The server answered, but its tables cannot be read: {e}")))?;
    let foreign: Vec<&str> = found
        .iter()
        .map(|(t,)| t.as_str())
        .filter(|t| *t != "_sqlx_migrations" && !ours.iter().any(|o| o == t))
        .collect();
    if !foreign.is_empty() {
        return Err(CoreError::validation(
            "url",
            format!(
                "That database holds other tables ({}); give Portdesk an empty database of its own.",
                foreign
                    .iter()
                    .take(5)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if found.iter().any(|(t,)| t == "users") {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *conn)
            .await?;
        if n > 0 {
            return Err(CoreError::validation(
                "url",
                "That database already holds a Portdesk store with accounts; moving would mix two stores. Point this desktop at it in Settings → Store instead, or give an empty database.",
            ));
        }
    }
    Ok(())
}

/// What this desktop keeps in its data folder while a move is under way, so the steps after
/// the server's commit (config, switch-over) are finished by a retry or the next start,
/// whatever stopped them: `store-move.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Marker {
    /// Written into the server's `settings` in the copy's transaction: the server holds it
    /// exactly when the copy was committed.
    pub move_id: String,
    pub postgres: PostgresSettings,
}

pub const MARKER_FILE: &str = "store-move.json";
/// The `settings` key the copy's transaction writes the move's id under.
pub const MOVE_ID_KEY: &str = "store.move_id";

pub fn read_marker(data_dir: &std::path::Path) -> Option<Marker> {
    let text = std::fs::read_to_string(data_dir.join(MARKER_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn write_marker(data_dir: &std::path::Path, m: &Marker) -> Result<()> {
    let text = serde_json::to_string(m).map_err(|e| CoreError::Internal(e.to_string()))?;
    crate::files::write_atomically(&data_dir.join(MARKER_FILE), |tmp| {
        std::fs::write(tmp, text.as_bytes()).map_err(|e| CoreError::Config(e.to_string()))
    })
}

pub fn remove_marker(data_dir: &std::path::Path) {
    let _ = std::fs::remove_file(data_dir.join(MARKER_FILE));
}

/// Whether the copy of the move `m` was committed on its server (its id is there). `None`:
/// the server cannot tell now.
pub async fn committed(
    m: &Marker,
    password: Option<&Secret>,
    trust: &crate::tls::Trust,
) -> Option<bool> {
    let url = crate::store::postgres_url(&m.postgres, password, trust).ok()?;
    let mut conn = tokio::time::timeout(
        std::time::Duration::from_secs(u64::from(m.postgres.connect_timeout_secs.max(1))),
        sqlx::PgConnection::connect(&url),
    )
    .await
    .ok()?
    .ok()?;
    let found: std::result::Result<Option<(String,)>, _> =
        sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(MOVE_ID_KEY)
            .fetch_optional(&mut conn)
            .await;
    match found {
        Ok(v) => Some(v.is_some_and(|(id,)| id == m.move_id)),
        // No settings table yet: nothing was committed there.
        Err(sqlx::Error::Database(_)) => Some(false),
        Err(_) => None,
    }
}

/// Copies the SQLite store `src` into the PostgreSQL database `pg`. See the module's notes.
/// `move_id` is written into the server's `settings` in the same transaction.
pub async fn move_to_postgres(
    src: &Store,
    pg: &PostgresSettings,
    password: Option<&Secret>,
    trust: &crate::tls::Trust,
    move_id: &str,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Moved> {
    if src.backend() != Backend::Sqlite {
        return Err(CoreError::validation(
            "url",
            "This desktop's store is already on a PostgreSQL server.",
        ));
    }
    let tables = tables(src).await?;
    let names: Vec<String> = tables.iter().map(|t| t.0.clone()).collect();
    let server = format!("{}:{}/{}", pg.host, pg.port, pg.database);
    let url = crate::store::postgres_url(pg, password, trust).map_err(CoreError::Store)?;
    let mut probe = tokio::time::timeout(
        std::time::Duration::from_secs(u64::from(pg.connect_timeout_secs.max(1))),
        sqlx::PgConnection::connect(&url),
    )
    .await
    .map_err(|_| {
        CoreError::validation(
            "url",
            format!("The PostgreSQL server {server} does not answer."),
        )
    })?
    .map_err(|e| {
        CoreError::validation(
            "url",
            crate::tls::explain(format!(
                "The PostgreSQL server {server} refused the connection: {e}"
            )),
        )
    })?;
    check_server(&mut probe, &names).await?;
    drop(probe);
    // This version's schema on the server (empty tables); a newer store is refused here.
    let target = Store::open_postgres(pg, password, trust)
        .await
        .map_err(|e| CoreError::validation("url", e.to_string()))?;
    let pg_cols = target_columns(&target).await?;
    // What is copied: per table, the columns both sides have (PostgreSQL's generated search
    // columns are its own).
    let plan: Vec<(String, Vec<(String, Kind)>)> = tables
        .into_iter()
        .filter_map(|(table, cols)| {
            let theirs = pg_cols.get(&table).cloned().unwrap_or_default();
            let cols: Vec<(String, Kind)> = cols
                .into_iter()
                .filter(|(c, _)| theirs.contains(c))
                .collect();
            (!cols.is_empty()).then_some((table, cols))
        })
        .collect();
    let file = src
        .sqlite_file()
        .ok_or_else(|| CoreError::Internal("an embedded store without a file".into()))?
        .to_path_buf();
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .map_err(|e| CoreError::validation("url", format!("The server stopped answering: {e}")))?;
    let mut tx = conn.begin().await?;
    // A second move into the same server at the same time waits here, then finds the data.
    sqlx::query("LOCK TABLE users IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *tx)
        .await?;
    if n > 0 {
        return Err(CoreError::validation(
            "url",
            "Another desktop has just moved its data into that database.",
        ));
    }
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Read>(4);
    let reader = tokio::task::spawn_blocking(move || read_snapshot(&file, &plan, &sender));
    let mut moved = Vec::new();
    let mut all = 0u64;
    let mut done_all = 0u64;
    /// The table being copied: name, columns, rows in the snapshot.
    type Current = (String, Vec<(String, Kind)>, u64);
    let mut current: Option<Current> = None;
    let mut sum = Checksum::default();
    while let Some(msg) = batches.recv().await {
        match msg {
            Read::Totals(n) => all = n,
            Read::Table { name, cols, rows } => {
                current = Some((name, cols, rows));
                sum = Checksum::default();
            }
            Read::Rows(rows) => {
                let Some((table, cols, _)) = &current else {
                    continue;
                };
                insert(&mut tx, table, cols, &rows).await?;
                for r in &rows {
                    sum.add(r);
                }
                done_all += rows.len() as u64;
                progress(Progress {
                    table: table.clone(),
                    rows_done: done_all,
                    rows_total: all,
                });
            }
            Read::TableDone => {
                let Some((table, cols, total)) = current.take() else {
                    continue;
                };
                // Ids made later on the server continue after the copied ones.
                if cols.iter().any(|(c, _)| c == "id") {
                    sqlx::query(&format!(
                        "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \"{table}\" \
                         WHERE pg_get_serial_sequence('\"{table}\"', 'id') IS NOT NULL"
                    ))
                    .execute(&mut *tx)
                    .await?;
                }
                // What the server holds now, read back and summed the same way: the same rows
                // in number and in every value, or nothing is moved.
                let (n, theirs) = server_checksum(&mut tx, &table, &cols).await?;
                if n != total || sum.rows != total || theirs != sum {
                    return Err(CoreError::Internal(format!(
                        "{table}: {total} rows in this desktop's store, {n} on the server after the copy{}; nothing was moved",
                        if n == total { " with other values" } else { "" }
                    )));
                }
                moved.push((table, total));
            }
        }
    }
    // The reader's own failure (the file, a value that fits no column) stops the move here.
    reader
        .await
        .map_err(|e| CoreError::Internal(format!("the copy stopped: {e}")))??;
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(MOVE_ID_KEY)
    .bind(move_id)
    .bind(crate::now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    target.close().await;
    tracing::info!(
        rows = all,
        tables = moved.len(),
        "store moved to PostgreSQL"
    );
    Ok(Moved {
        tables: moved,
        rows: all,
    })
}

/// (tables, rows) of a server's Portdesk store, for the reply of a move finished by a retry.
pub async fn counts(store: &Store) -> Result<(u32, u64)> {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(store.pool())
    .await?;
    let mut rows = 0u64;
    for (t,) in &names {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM \"{t}\""))
            .fetch_one(store.pool())
            .await?;
        rows += n as u64;
    }
    Ok((names.len() as u32, rows))
}

async fn target_columns(target: &Store) -> Result<std::collections::HashMap<String, Vec<String>>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_generated = 'NEVER' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(target.pool())
    .await?;
    let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (t, c) in rows {
        out.entry(t).or_default().push(c);
    }
    Ok(out)
}
