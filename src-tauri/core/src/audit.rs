//! The audit log: who did what to which record, written in the same transaction as the change.

use crate::error::Result;
use crate::store::Store;
use sqlx::{AnyConnection, Row};

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
    sqlx::query("INSERT INTO audit_log (at, actor_id, actor, action, target_type, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub detail: Option<String>,
}

/// The newest entries first.
pub async fn recent(store: &Store, limit: i64) -> Result<Vec<AuditRow>> {
    let rows = sqlx::query("SELECT at, actor, action, target_type, target_id, detail FROM audit_log ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            at: r.get("at"),
            actor: r.get("actor"),
            action: r.get("action"),
            target_type: r.get("target_type"),
            target_id: r.get("target_id"),
            detail: r.get("detail"),
        })
        .collect())
}
