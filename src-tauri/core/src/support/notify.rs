//! In-app notifications (kept per user in the store) and the live event.

use crate::accounts::User;
use crate::app::Portdesk;
use crate::error::Result;
use crate::store::Store;
use portdesk_types::Event;
use portdesk_types::events::SupportChangedEvent;
use portdesk_types::support::*;
use sqlx::AnyConnection;

/// Notifies these users (in the caller's transaction).
pub async fn notify(
    conn: &mut AnyConnection,
    users: &[i64],
    ticket_id: Option<i64>,
    text: &str,
) -> Result<()> {
    let now = crate::now_ms();
    for u in users {
        sqlx::query("INSERT INTO support_notifications (user_id, ticket_id, text, read, created_at) VALUES ($1, $2, $3, 0, $4)")
            .bind(u)
            .bind(ticket_id)
            .bind(text)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Every active support agent and admin (to notify about a new ticket or call).
pub async fn staff_ids(conn: &mut AnyConnection) -> Result<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, name, email FROM users WHERE role IN ('support', 'admin') AND active = 1 ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn list(store: &Store, user: &User) -> Result<Notifications> {
    let rows: Vec<(i64, String, Option<i64>, i64, i64)> = sqlx::query_as(
        "SELECT id, text, ticket_id, created_at, read FROM support_notifications WHERE user_id = $1 ORDER BY id DESC LIMIT 100",
    )
    .bind(user.id)
    .fetch_all(store.pool())
    .await?;
    let (unread,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM support_notifications WHERE user_id = $1 AND read = 0",
    )
    .bind(user.id)
    .fetch_one(store.pool())
    .await?;
    Ok(Notifications {
        rows: rows
            .into_iter()
            .map(|(id, text, ticket_id, created_at, read)| Notification {
                id,
                text,
                ticket_id,
                created_at,
                read: read == 1,
            })
            .collect(),
        unread: unread as u32,
    })
}

pub async fn mark_read(store: &Store, user: &User) -> Result<Notifications> {
    sqlx::query("UPDATE support_notifications SET read = 1 WHERE user_id = $1 AND read = 0")
        .bind(user.id)
        .execute(store.pool())
        .await?;
    list(store, user).await
}

impl Portdesk {
    /// Delivers a change as if it came from another desktop (tests of who may see it).
    #[doc(hidden)]
    pub async fn deliver_for_test(&self, change: SupportChange) {
        if let Ok(v) = serde_json::to_value(&change) {
            self.deliver(SupportChangedEvent::NAME, v).await;
        }
    }

    /// The live event to this desktop's windows, if the signed-in user may see it: staff see
    /// every ticket's, a customer only their own.
    pub(crate) async fn emit_support(&self, change: &SupportChange) {
        let session = self.session.read().await.clone();
        let mut who = session.as_ref().and_then(|s| s.verified.clone());
        if who.is_none()
            && let Some(s) = &session
            && let Ok(store) = self.store().await
        {
            // Signed in, no command run yet: the account as the store has it.
            who = crate::accounts::by_id(&store, s.user_id)
                .await
                .ok()
                .flatten();
        }
        let allowed = match who {
            // Internal notes are staff business.
            Some(u) => {
                super::is_staff(u.role) || (u.id == change.customer_id && change.kind != "note")
            }
            None => false,
        };
        if allowed {
            self.emit::<SupportChangedEvent>(change);
            // A change from another desktop carries a line to show; this desktop's own carry none.
            if !change.summary.is_empty() {
                self.emit::<portdesk_types::events::NotificationEvent>(
                    &portdesk_types::events::DesktopNotification {
                        title: "Portdesk Support".into(),
                        body: change.summary.clone(),
                    },
                );
            }
        }
    }
}
