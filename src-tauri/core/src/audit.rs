//! The audit log: who did what to which record, written in the same transaction as the change.

use crate::error::{CoreError, Result};
use crate::store::Store;
use portdesk_types::accounts::{AuditEntry, AuditPage, AuditQuery};
use sqlx::{AnyConnection, Row};
use std::path::Path;

/// Who acts: a signed-in user, or the CLI / system for headless actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Self {
        Actor {
            id: None,
            label: label.to_owned(),
        }
    }
    pub fn user(id: i64, email: &str) -> Self {
        Actor {
            id: Some(id),
            label: email.to_owned(),
        }
    }
}

pub async fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    target: Option<(&str, String)>,
    detail: Option<&str>,
) -> Result<()> {
    let (ttype, tid) = match target {
        Some((t, id)) => (Some(t), Some(id)),
        None => (None, None),
    };
    sqlx::query(INSERT)
        .bind(crate::now_ms())
        .bind(actor.id)
        .bind(&actor.label)
        .bind(action)
        .bind(ttype)
        .bind(tid)
        .bind(detail)
        .execute(conn)
        .await?;
    Ok(())
}

const INSERT: &str = "INSERT INTO audit_log (at, actor_id, actor, action, target_type, target_id, detail) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// [`record`] on the store's blocking SQLite writer, in its open transaction.
pub(crate) fn record_blocking(
    conn: &rusqlite::Connection,
    actor: &Actor,
    action: &str,
    target: Option<(&str, String)>,
    detail: Option<&str>,
) -> Result<()> {
    let (ttype, tid) = target.unzip();
    conn.prepare_cached(INSERT)?
        .execute(rusqlite::named_params! {
            "$1": crate::now_ms(), "$2": actor.id, "$3": actor.label, "$4": action,
            "$5": ttype, "$6": tid, "$7": detail,
        })?;
    Ok(())
}

/// Records one event on its own (no business change to share a transaction with).
pub async fn record_on(
    store: &Store,
    actor: &Actor,
    action: &str,
    target: Option<(&str, String)>,
    detail: Option<&str>,
) -> Result<()> {
    let mut conn = store.pool().acquire().await?;
    record(&mut conn, actor, action, target, detail).await
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub detail: Option<String>,
}

impl AuditRow {
    fn of(r: &sqlx::any::AnyRow) -> AuditRow {
        AuditRow {
            at: r.get("at"),
            actor: r.get("actor"),
            action: r.get("action"),
            target_type: r.get("target_type"),
            target_id: r.get("target_id"),
            detail: r.get("detail"),
        }
    }
}

/// Every entry about one thing (`target_type`, `target_id`), oldest first: the trail shown
/// on a procurement request or an order.
pub async fn for_target(
    store: &Store,
    target_type: &str,
    target_id: &str,
) -> Result<Vec<AuditRow>> {
    let rows = sqlx::query("SELECT at, actor, action, target_type, target_id, detail FROM audit_log WHERE target_type = $1 AND target_id = $2 ORDER BY id")
        .bind(target_type)
        .bind(target_id)
        .fetch_all(store.pool())
        .await?;
    Ok(rows.iter().map(AuditRow::of).collect())
}

/// The newest entries first.
pub async fn recent(store: &Store, limit: i64) -> Result<Vec<AuditRow>> {
    let rows = sqlx::query("SELECT at, actor, action, target_type, target_id, detail FROM audit_log ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    Ok(rows.iter().map(AuditRow::of).collect())
}

const AUDIT_FILTER: &str = "WHERE ($1 = '' OR lower(actor) LIKE $2 ESCAPE '\\') AND ($3 = '' OR action LIKE $4 ESCAPE '\\') \
     AND ($5 = 0 OR at >= $6) AND ($7 = 0 OR at < $8)";

fn bind_filter<'q>(
    sql: &'q str,
    q: &'q AuditQuery,
    actor: &'q str,
    action: &'q str,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(q.actor.trim())
        .bind(actor)
        .bind(q.action.trim())
        .bind(action)
        .bind(i64::from(q.from_ms.is_some()))
        .bind(q.from_ms.unwrap_or(0))
        .bind(i64::from(q.to_ms.is_some()))
        .bind(q.to_ms.unwrap_or(0))
}

fn patterns(q: &AuditQuery) -> (String, String) {
    let actor = crate::erp::demo::like_contains(&q.actor.trim().to_lowercase());
    let mut action = crate::erp::demo::like_contains(q.action.trim());
    action.remove(0); // a prefix match: drop the leading %
    (actor, action)
}

fn entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target_type: r.try_get("target_type")?,
        target_id: r.try_get("target_id")?,
        detail: r.try_get("detail")?,
    })
}

/// Entries matching the filter, newest first, one page.
pub async fn list(store: &Store, q: &AuditQuery) -> Result<AuditPage> {
    let (actor, action) = patterns(q);
    let count_sql = format!("SELECT COUNT(*) AS n FROM audit_log {AUDIT_FILTER}");
    let total: i64 = bind_filter(&count_sql, q, &actor, &action)
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
    let page_size = if q.page_size == 0 {
        100
    } else {
        q.page_size.min(1000)
    };
    let sql = format!(
        "SELECT id, at, actor, action, target_type, target_id, detail FROM audit_log {AUDIT_FILTER} ORDER BY id DESC LIMIT {} OFFSET {}",
        page_size,
        u64::from(q.page) * u64::from(page_size)
    );
    let rows = bind_filter(&sql, q, &actor, &action)
        .fetch_all(store.pool())
        .await?;
    Ok(AuditPage {
        rows: rows.iter().map(entry).collect::<Result<_>>()?,
        total: total as u64,
    })
}

/// Writes every entry matching the filter (not just one page) to an .xlsx file: bold frozen
/// header, autofilter, real date cells. Written to a temp file and renamed, so a failure never
/// leaves a partial file behind.
pub async fn export_xlsx(store: &Store, q: &AuditQuery, path: &Path) -> Result<u64> {
    let (actor, action) = patterns(q);
    let sql = format!(
        "SELECT id, at, actor, action, target_type, target_id, detail FROM audit_log {AUDIT_FILTER} ORDER BY id DESC"
    );
    let rows = bind_filter(&sql, q, &actor, &action)
        .fetch_all(store.pool())
        .await?;
    let entries = rows.iter().map(entry).collect::<Result<Vec<_>>>()?;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<u64> {
        use crate::files::{finish_sheet, save_workbook, start_sheet, xlsx_error as xerr};
        let columns = [
            ("When (UTC)", 20.0),
            ("Who", 28.0),
            ("Action", 26.0),
            ("Record type", 12.0),
            ("Record", 10.0),
            ("Detail", 50.0),
        ];
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = start_sheet(&mut wb, "Audit log", &columns)?;
        let when = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        for (i, e) in entries.iter().enumerate() {
            let r = i as u32 + 1;
            let dt = chrono::DateTime::from_timestamp_millis(e.at)
                .unwrap_or_default()
                .naive_utc();
            ws.write_datetime_with_format(r, 0, dt, &when)
                .map_err(xerr)?;
            ws.write_string(r, 1, &e.actor).map_err(xerr)?;
            ws.write_string(r, 2, &e.action).map_err(xerr)?;
            ws.write_string(r, 3, e.target_type.as_deref().unwrap_or(""))
                .map_err(xerr)?;
            ws.write_string(r, 4, e.target_id.as_deref().unwrap_or(""))
                .map_err(xerr)?;
            ws.write_string(r, 5, e.detail.as_deref().unwrap_or(""))
                .map_err(xerr)?;
        }
        finish_sheet(ws, entries.len() as u32, columns.len())?;
        save_workbook(&mut wb, &path)?;
        Ok(entries.len() as u64)
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))?
}
