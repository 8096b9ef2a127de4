//! The event bus: a change made on one desktop reaches the windows of every desktop.
//!
//! A module records its event in the transaction of the change ([`record`]) and, once that
//! commits, emits it on this desktop (`Portdesk::deliver`). On a shared PostgreSQL store the
//! record is a row of `portal_events` plus a `NOTIFY` sent at commit; every other desktop's
//! [`listen`] task wakes on it, reads the rows it has not seen and delivers them. After a lost
//! connection (the server restarted) it reconnects by itself and reads what it missed; it also
//! looks every few seconds, so a notification lost in between is late, never lost. A SQLite
//! store has one desktop, which emits at once: nothing is recorded there.

use crate::app::Portdesk;
use crate::error::Result;
use crate::store::{Backend, Store};
use portdesk_types::Event;
use sqlx::AnyConnection;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The PostgreSQL channel every desktop listens on.
pub const CHANNEL: &str = "portdesk_events";
/// The listener reads the log at least this often.
const POLL: Duration = Duration::from_secs(5);
/// Events older than this are deleted when a listener starts.
const KEEP_MS: i64 = 7 * 86_400_000;

/// This process's bus state.
pub(crate) struct State {
    /// Who published: a desktop skips its own events (it emitted them already).
    pub(crate) origin: String,
    /// Signalled when the desktop's store is replaced (moved to a server), so a listener
    /// idle on SQLite starts listening on the server without a restart.
    pub(crate) store_changed: Arc<tokio::sync::Notify>,
}

impl Default for State {
    fn default() -> Self {
        State {
            origin: format!("{:016x}", fastrand::u64(..)),
            store_changed: Default::default(),
        }
    }
}

/// Records `payload` as event `E` in the caller's transaction (PostgreSQL only).
pub async fn record<E: Event>(
    conn: &mut AnyConnection,
    store: &Store,
    origin: &str,
    payload: &E::Payload,
) -> Result<()> {
    if store.backend() != Backend::Postgres {
        return Ok(());
    }
    let json = serde_json::to_string(payload)
        .map_err(|e| crate::error::CoreError::Internal(format!("event not encoded: {e}")))?;
    // The server's clock, which every listener's look-back window is measured on.
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO portal_events (name, payload, origin, created_at) \
         VALUES ($1, $2, $3, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT) RETURNING id",
    )
    .bind(E::NAME)
    .bind(json)
    .bind(origin)
    .fetch_one(&mut *conn)
    .await?;
    // Sent when the transaction commits, never for one rolled back.
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How long a transaction may take between recording an event and committing it: ids are
/// taken at insert, so a transaction that commits after a later-numbered one makes its row
/// visible behind the reader's cursor. Every read looks back this far (on the server's
/// clock) and skips what it delivered already.
const LOOK_BACK_MS: i64 = 120_000;

/// Where a listener is in the event log: the highest id delivered, and the ids delivered
/// within the look-back window (so a late-committed row is delivered once, never skipped).
#[derive(Debug, Default)]
pub struct Cursor {
    last: i64,
    seen: std::collections::HashMap<i64, i64>,
}

impl Cursor {
    /// A cursor that delivers only what is committed from now on: what is visible now, in
    /// the window too, counts as delivered.
    pub async fn starting_now(store: &Store) -> Result<Cursor> {
        let (last,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM portal_events")
            .fetch_one(store.pool())
            .await?;
        let seen: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, created_at FROM portal_events \
             WHERE created_at >= (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT - $1",
        )
        .bind(LOOK_BACK_MS)
        .fetch_all(store.pool())
        .await?;
        Ok(Cursor {
            last,
            seen: seen.into_iter().collect(),
        })
    }

    /// The events committed since the last read, each once, in id order, as
    /// (name, payload, origin): rows after the cursor and rows within the look-back window
    /// that were not delivered yet.
    pub async fn read(&mut self, store: &Store) -> Result<Vec<(String, String, String)>> {
        let mut out = Vec::new();
        let (now,): (i64,) =
            sqlx::query_as("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT")
                .fetch_one(store.pool())
                .await?;
        let since = now - LOOK_BACK_MS;
        let mut after = self.last;
        let mut first = true;
        // Applied to the cursor only once every page was read: a failed read delivers
        // nothing and the next one starts from the same place.
        let mut fresh: std::collections::HashMap<i64, i64> = Default::default();
        loop {
            // The first page also looks back; later pages go on from the highest id read.
            let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
                "SELECT id, name, payload, origin, created_at FROM portal_events \
                 WHERE id > $1 OR ($3 = 1 AND created_at >= $2) ORDER BY id LIMIT 500",
            )
            .bind(after)
            .bind(since)
            .bind(i64::from(first))
            .fetch_all(store.pool())
            .await?;
            first = false;
            let full = rows.len() == 500;
            for (id, name, payload, origin, created_at) in rows {
                after = after.max(id);
                if !self.seen.contains_key(&id) && !fresh.contains_key(&id) {
                    fresh.insert(id, created_at);
                    out.push((name, payload, origin));
                }
            }
            if !full {
                break;
            }
        }
        self.last = self.last.max(after);
        self.seen.extend(fresh);
        // Rows older than the window can no longer appear: forget them.
        self.seen.retain(|_, at| *at >= since);
        Ok(out)
    }
}

/// The other desktops' events since the cursor, delivered in order.
async fn catch_up(
    app: &Weak<Portdesk>,
    store: &Store,
    origin: &str,
    cursor: &mut Cursor,
) -> Result<()> {
    let rows = cursor.read(store).await?;
    let Some(app) = app.upgrade() else {
        return Ok(());
    };
    for (name, payload, from) in &rows {
        if from != origin
            && let Ok(v) = serde_json::from_str(payload)
        {
            app.deliver(name, v).await;
        }
    }
    Ok(())
}

/// The listener of one desktop (started with the service; ends with it, or at once on a
/// SQLite store).
pub(crate) async fn listen(app: Weak<Portdesk>) {
    let mut cursor: Option<Cursor> = None;
    loop {
        let Some(a) = app.upgrade() else { return };
        let store = match a.store().await {
            Ok(s) => s,
            Err(_) => {
                drop(a);
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        let Some(url) = store.pg_url().cloned() else {
            // SQLite: one desktop, nothing to hear until the store moves to a server.
            let changed = a.bus.store_changed.clone();
            drop(a);
            // Woken by a move; the timeout only lets a closed app's task end.
            let _ = tokio::time::timeout(Duration::from_secs(60), changed.notified()).await;
            continue;
        };
        let origin = a.bus.origin.clone();
        drop(a);
        let mut listener = match sqlx::postgres::PgListener::connect(url.expose()).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!("event listener cannot connect: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener
            .listen_all([CHANNEL, crate::mail::QUEUED_CHANNEL])
            .await
        {
            tracing::debug!("event listener cannot listen: {e}");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        if cursor.is_none() {
            // Only what happens from now on; old events are pruned.
            let _ = sqlx::query("DELETE FROM portal_events WHERE created_at < $1")
                .bind(crate::now_ms() - KEEP_MS)
                .execute(store.pool())
                .await;
            match Cursor::starting_now(&store).await {
                Ok(c) => cursor = Some(c),
                Err(_) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        tracing::info!("listening for other desktops' events");
        let Some(c) = cursor.as_mut() else { continue };
        let mut failed_reads = 0;
        loop {
            failed_reads = match catch_up(&app, &store, &origin, c).await {
                Ok(()) => 0,
                Err(_) => failed_reads + 1,
            };
            let Some(a) = app.upgrade() else { return };
            // The store was opened anew (a failover to the standby, a move) or stopped
            // answering: listen where the store is now. A listener left on a dead server
            // would only ever wait for its reconnect.
            let moved = match a.store().await {
                Ok(now) => now.description() != store.description(),
                Err(_) => true,
            };
            drop(a);
            if moved || failed_reads >= 2 {
                break;
            }
            match tokio::time::timeout(POLL, listener.try_recv()).await {
                // Mail queued on some desktop: this one's sender looks (it sends only if it
                // is the site's, or none is named).
                Ok(Ok(Some(n))) if n.channel() == crate::mail::QUEUED_CHANNEL => {
                    if let Some(a) = app.upgrade() {
                        a.wake_mail();
                    }
                }
                // An event, a lost connection (the next call reconnects), or the poll: read
                // the log either way.
                Ok(Ok(_)) | Err(_) => {}
                Ok(Err(e)) => {
                    tracing::debug!("event listener lost its server: {e}");
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
