//! The deadline reminder: N days before an open cycle's deadline (Settings → Forecasts), every
//! active rep with customers who has not submitted gets one e-mail through the outbox. The
//! idempotency key names the cycle, the rep and the deadline, so desktops sharing a store, a
//! restart or a second run within the window never send it twice, while a cycle whose
//! deadline moves earns a new one.

use crate::error::{CoreError, Result};
use crate::mail::templates::{self, Template};
use crate::store::Store;
use std::time::Duration;

/// Days before the deadline the reminder goes out; 0 turns it off.
pub const REMINDER_DAYS: &str = "forecasts.reminder_days";
pub const DEFAULT_REMINDER_DAYS: i64 = 3;
/// The longest lead a site may set (a cycle's horizon is at most 18 months; a month of notice
/// is already generous).
pub const MAX_REMINDER_DAYS: i64 = 30;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How often a desktop looks for reminders due.
pub const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

pub async fn reminder_days(store: &Store) -> Result<i64> {
    crate::settings::get_i64(store.pool(), REMINDER_DAYS, DEFAULT_REMINDER_DAYS).await
}

pub async fn set_reminder_days(store: &Store, days: i64) -> Result<()> {
    if !(0..=MAX_REMINDER_DAYS).contains(&days) {
        return Err(CoreError::validation(
            "reminder_days",
            format!("Give a number of days from 0 (no reminder) to {MAX_REMINDER_DAYS}."),
        ));
    }
    crate::settings::set(store.pool(), REMINDER_DAYS, &days.to_string()).await
}

/// Queues the reminders due at `now` (ms) and returns how many were new. Safe to run from
/// any number of desktops at once: the outbox's key decides.
pub async fn queue_due(store: &Store, now: i64) -> Result<usize> {
    let days = reminder_days(store).await?;
    if days == 0 {
        return Ok(0);
    }
    // Open cycles whose deadline is still ahead but within the window.
    let due: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, name, deadline FROM forecast_cycles WHERE status = 'open' AND deadline > $1 AND deadline <= $2 \
         ORDER BY id",
    )
    .bind(now)
    .bind(now + days * DAY_MS)
    .fetch_all(store.pool())
    .await?;
    let mut queued = 0;
    for (cycle_id, cycle, deadline) in due {
        let mut tx = store.pool().begin().await?;
        // Each rep with customers who has not submitted, and their grid lines with no forecast.
        let reps: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT u.id, u.name, u.email, (SELECT COUNT(*) FROM forecast_assignments a \
               JOIN forecast_matrix m ON m.erp_customer_code = a.erp_customer_code AND m.active = 1 \
               WHERE a.rep_id = u.id AND a.active = 1 AND NOT EXISTS (SELECT 1 FROM forecast_cells c \
                 WHERE c.cycle_id = $1 AND c.erp_customer_code = m.erp_customer_code AND c.part = m.part)) \
             FROM users u WHERE u.active = 1 AND u.role = 'sales_rep' \
             AND EXISTS (SELECT 1 FROM forecast_assignments a WHERE a.rep_id = u.id AND a.active = 1) \
             AND NOT EXISTS (SELECT 1 FROM forecast_submissions s \
               WHERE s.cycle_id = $1 AND s.rep_id = u.id AND s.status = 'submitted') \
             ORDER BY u.id",
        )
        .bind(cycle_id)
        .fetch_all(&mut *tx)
        .await?;
        let on = chrono::DateTime::from_timestamp_millis(deadline)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        // Whole days left, rounded up: a deadline 30 hours away is "2 days".
        let days_left = (deadline - now + DAY_MS - 1) / DAY_MS;
        for (rep, name, email, missing) in reps {
            let t = Template::ForecastDeadline(templates::ForecastDeadline {
                name,
                cycle: cycle.clone(),
                deadline: on.clone(),
                days_left,
                missing,
            });
            let key = format!("forecast-deadline:{cycle_id}:{rep}:{deadline}");
            if !crate::mail::enqueue_template(&mut tx, &key, vec![email], &t)
                .await?
                .duplicate
            {
                queued += 1;
            }
        }
        tx.commit().await?;
    }
    if queued > 0 {
        tracing::info!(queued, "forecast deadline reminders queued");
    }
    Ok(queued)
}

/// The first look waits a minute after start, so a short command-line run or a test never
/// queues anything by surprise.
const FIRST_CHECK: Duration = Duration::from_secs(60);

/// Looks for reminders due every [`CHECK_EVERY`] on a desktop whose mail sender runs (the
/// GUI, `portdesk mail run`), then wakes the sender.
pub(crate) async fn watch(app: std::sync::Weak<crate::app::Portdesk>) {
    tokio::time::sleep(FIRST_CHECK).await;
    let mut tick = tokio::time::interval(CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(app) = app.upgrade() else {
            return;
        };
        if !app.mail_sender_running() {
            continue;
        }
        let Ok(store) = app.store().await else {
            continue;
        };
        match queue_due(&store, crate::now_ms()).await {
            Ok(0) => {}
            Ok(_) => app.wake_mail(),
            Err(e) => tracing::warn!("forecast deadline reminders not checked: {e}"),
        }
    }
}
