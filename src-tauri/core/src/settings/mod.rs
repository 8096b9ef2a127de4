//! Settings shared by every desktop using the same portal store (key/value).
//! Connection settings are not here: they are needed before the store can be opened.

pub mod commands;

use crate::error::Result;
use sqlx::{Any, Executor};

pub const MAX_FAILED_LOGINS: &str = "auth.max_failed_logins";
pub const LOCKOUT_MINUTES: &str = "auth.lockout_minutes";
pub const INVENTORY_AUTO_REFRESH: &str = "inventory.auto_refresh_minutes";

const GET: &str = "SELECT value FROM settings WHERE key = $1";

pub async fn get<'c, E: Executor<'c, Database = Any>>(db: E, key: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(GET).bind(key).fetch_optional(db).await?;
    Ok(row.map(|r| r.0))
}

/// [`get`] on the store's blocking SQLite writer.
pub(crate) fn get_blocking(conn: &rusqlite::Connection, key: &str) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(GET)?
        .query_row(rusqlite::named_params! {"$1": key}, |r| r.get(0))
        .optional()?)
}

pub async fn get_i64<'c, E: Executor<'c, Database = Any>>(
    db: E,
    key: &str,
    default: i64,
) -> Result<i64> {
    Ok(get(db, key)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default))
}

pub async fn set<'c, E: Executor<'c, Database = Any>>(db: E, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(crate::now_ms())
    .execute(db)
    .await?;
    Ok(())
}
