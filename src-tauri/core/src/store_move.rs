//! Moving a desktop's embedded SQLite store to a PostgreSQL server, so more desktops and
//! kiosks can share it.
//!
//! The server is checked first (reachable, and either empty or a Portdesk store with no data;
//! a database with other tables, or a store with data, is refused), brought to this version's
//! schema, and then every table is copied **in one transaction** with progress, the id
//! sequences set past the copied ids, and every table's row count compared. Only after the
//! commit does the caller switch the desktop over; the SQLite file stays where it was, as the
//! backup. Killed half-way, the server's transaction rolls back and the desktop is still on its
//! SQLite file, whole.

use crate::error::{CoreError, Result};
use crate::store::{Backend, Store};
use portdesk_types::Secret;
use portdesk_types::settings::PostgresSettings;
use sqlx::{Connection, Row};

/// Rows per INSERT statement (well under PostgreSQL's 65,535 parameters for any table here).
const BATCH: usize = 200;

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

/// Copies the SQLite store `src` into the PostgreSQL database `pg`. See the module's notes.
pub async fn move_to_postgres(
    src: &Store,
    pg: &PostgresSettings,
    password: Option<&Secret>,
    trust: &crate::tls::Trust,
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
    let mut totals = Vec::new();
    let mut all = 0u64;
    for (t, _) in &tables {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM \"{t}\""))
            .fetch_one(src.pool())
            .await?;
        totals.push(n as u64);
        all += n as u64;
    }
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
    let mut done_all = 0u64;
    let mut moved = Vec::new();
    for ((table, cols), total) in tables.iter().zip(&totals) {
        // Only the columns both sides have (PostgreSQL's generated search columns are its own).
        let theirs = pg_cols.get(table).cloned().unwrap_or_default();
        let cols: Vec<(String, Kind)> = cols
            .iter()
            .filter(|(c, _)| theirs.contains(c))
            .cloned()
            .collect();
        if cols.is_empty() {
            continue;
        }
        let list = cols
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut offset = 0i64;
        let mut copied = 0u64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {list} FROM \"{table}\" ORDER BY rowid LIMIT {} OFFSET {offset}",
                BATCH * 10
            ))
            .fetch_all(src.pool())
            .await?;
            if rows.is_empty() {
                break;
            }
            for chunk in rows.chunks(BATCH) {
                let mut sql = format!("INSERT INTO \"{table}\" ({list}) VALUES ");
                let mut n = 0;
                for (i, _) in chunk.iter().enumerate() {
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
                for r in chunk {
                    for (j, (_, kind)) in cols.iter().enumerate() {
                        q = match kind {
                            Kind::Int => q.bind(r.try_get::<Option<i64>, _>(j)?),
                            Kind::Text => q.bind(r.try_get::<Option<String>, _>(j)?),
                            Kind::Blob => q.bind(r.try_get::<Option<Vec<u8>>, _>(j)?),
                            Kind::Real => q.bind(r.try_get::<Option<f64>, _>(j)?),
                        };
                    }
                }
                q.execute(&mut *tx).await?;
                copied += chunk.len() as u64;
                done_all += chunk.len() as u64;
                progress(Progress {
                    table: table.clone(),
                    rows_done: done_all,
                    rows_total: all,
                });
            }
            offset += rows.len() as i64;
        }
        // Ids made later on the server continue after the copied ones.
        if cols.iter().any(|(c, _)| c == "id") {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \"{table}\" \
                 WHERE pg_get_serial_sequence('\"{table}\"', 'id') IS NOT NULL"
            ))
            .execute(&mut *tx)
            .await?;
        }
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM \"{table}\""))
            .fetch_one(&mut *tx)
            .await?;
        if n as u64 != *total || copied != *total {
            return Err(CoreError::Internal(format!(
                "{table}: {total} rows in this desktop's store, {n} on the server after the copy; nothing was moved"
            )));
        }
        moved.push((table.clone(), *total));
    }
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
