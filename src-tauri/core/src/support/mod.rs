//! Support: customers raise tickets and follow them; agents (support role) and admins work
//! the queues.
//!
//! - `tickets.rs`: tickets, their threads (internal notes for staff only), status, priority,
//!   assignment, first-response and resolution targets, feedback once on a resolved ticket.
//! - `attachments.rs`: files typed by their content (`infer`), size-limited, stored once per
//!   SHA-256 in the portal store (every desktop of a shared store opens them), names
//!   sanitised; opened with the OS viewer via a temporary file, never at a kiosk.
//! - `calls.rs`: call requests, now or at a time within business hours; done with an outcome.
//! - `kb.rs`: the knowledge base: Markdown rendered by pulldown-cmark and sanitised by
//!   ammonia; ranked search (SQLite FTS5, PostgreSQL `tsvector`).
//! - `notify.rs`: in-app notifications and the live `support-changed` event, recorded on the
//!   bus in the change's transaction so it reaches every desktop of a shared store.
//!
//! Owns `support_tickets`, `support_messages`, `support_blobs`, `support_attachments`,
//! `support_calls`, `support_feedback`, `support_notifications`, `support_articles`,
//! `support_kb_search`.

pub mod attachments;
pub mod calls;
pub mod commands;
pub mod kb;
pub mod notify;
pub mod tickets;

use crate::error::{CoreError, Result};
use crate::settings;
use crate::store::Store;
use portdesk_types::Role;
use portdesk_types::support::SupportSettings;

pub const SETTINGS_KEY: &str = "support.settings";

/// Agents and admins work tickets; customers see their own.
pub fn is_staff(role: Role) -> bool {
    matches!(role, Role::Support | Role::Admin)
}

pub fn ticket_number(id: i64) -> String {
    format!("TCK-{id:06}")
}

pub async fn load_settings(store: &Store) -> Result<SupportSettings> {
    Ok(match settings::get(store.pool(), SETTINGS_KEY).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => SupportSettings::default(),
    })
}

pub async fn save_settings(store: &Store, s: &SupportSettings) -> Result<SupportSettings> {
    let parse = |field: &'static str, t: &str| {
        chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| {
            CoreError::validation(
                field,
                format!("\"{}\" is not a time such as 08:00.", t.trim()),
            )
        })
    };
    if parse("closes", &s.closes)? <= parse("opens", &s.opens)? {
        return Err(CoreError::validation(
            "closes",
            "Closing time comes after opening time.",
        ));
    }
    if s.days.is_empty() || s.days.iter().any(|d| !(1..=7).contains(d)) {
        return Err(CoreError::validation(
            "days",
            "Choose at least one business day.",
        ));
    }
    for (field, hours) in [
        ("first_response_hours", &s.first_response_hours),
        ("resolution_hours", &s.resolution_hours),
    ] {
        if hours.iter().any(|h| !(1..=2000).contains(h)) {
            return Err(CoreError::validation(
                field,
                "Each target is from 1 to 2000 hours.",
            ));
        }
    }
    if !(1..=100).contains(&s.max_attachment_mb) {
        return Err(CoreError::validation(
            "max_attachment_mb",
            "From 1 to 100 MB.",
        ));
    }
    let mut clean = s.clone();
    clean.days.sort_unstable();
    clean.days.dedup();
    let json = serde_json::to_string(&clean).map_err(|e| CoreError::Internal(e.to_string()))?;
    settings::set(store.pool(), SETTINGS_KEY, &json).await?;
    Ok(clean)
}

/// A body of text: trimmed, required, at most `max` characters.
/// Tickets one customer account may open in an hour (each one notifies every agent).
pub const TICKETS_PER_HOUR: i64 = 10;
/// Call requests one customer account may make in an hour.
pub const CALLS_PER_HOUR: i64 = 5;

/// Refuses a customer's `what` ("tickets") past `limit` in the last hour, naming the limit:
/// one account (or a lobby visitor at a kiosk) cannot flood the agents' queue and mail.
pub(crate) async fn hourly_cap(
    store: &Store,
    table: &str,
    customer_id: i64,
    limit: i64,
    what: &str,
) -> Result<()> {
    let since = crate::now_ms() - 3_600_000;
    let (n,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM {table} WHERE customer_id = $1 AND created_at >= $2"
    ))
    .bind(customer_id)
    .bind(since)
    .fetch_one(store.pool())
    .await?;
    if n >= limit {
        return Err(CoreError::Conflict {
            field: None,
            message: format!(
                "This account has made {n} {what} in the last hour, the most one account may. Add to an open ticket, or try again later."
            ),
        });
    }
    Ok(())
}

pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    crate::search::text(field, value, true, max)
}
