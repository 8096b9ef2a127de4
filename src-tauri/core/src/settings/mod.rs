//! Settings shared by every desktop using the same portal store (key/value).
//! Connection settings are not here: they are needed before the store can be opened.

pub mod backups;
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

/// A settings card's version (0 before its first versioned save).
pub async fn card_version(store: &crate::store::Store, card: &str) -> Result<i64> {
    get_i64(store.pool(), &format!("version.{card}"), 0).await
}

/// No lost update on a settings card: a save names the card's version it was read at; the
/// version moves on by one conditional statement, so of two saves from the same read one
/// wins and the other is refused (`Stale`) — never a silent overwrite. `read` `None` (no
/// form was read) saves whatever is there. Returns the card's new version.
pub async fn guard_card(
    store: &crate::store::Store,
    card: &str,
    title: &str,
    read: Option<i64>,
) -> Result<i64> {
    let key = format!("version.{card}");
    let now = get_i64(store.pool(), &key, 0).await?;
    let stale = |now: i64| {
        crate::error::CoreError::Stale(format!(
            "The {title} settings were changed on another desktop or window after you opened them (version {}, now {now}). Nothing was saved: reload them and make your change again.",
            read.unwrap_or_default()
        ))
    };
    let base = match read {
        Some(r) if r != now => return Err(stale(now)),
        Some(r) => r,
        None => now,
    };
    let moved = if base == 0 {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, '1', $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(&key)
        .bind(crate::now_ms())
        .execute(store.pool())
        .await?
        .rows_affected()
    } else {
        sqlx::query("UPDATE settings SET value = $1, updated_at = $2 WHERE key = $3 AND value = $4")
            .bind((base + 1).to_string())
            .bind(crate::now_ms())
            .bind(&key)
            .bind(base.to_string())
            .execute(store.pool())
            .await?
            .rows_affected()
    };
    if moved == 0 {
        return Err(stale(get_i64(store.pool(), &key, 0).await?));
    }
    Ok(base + 1)
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
