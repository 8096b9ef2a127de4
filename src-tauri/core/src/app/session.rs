//! The session: who is signed in on this desktop, what they were granted, and the one way
//! a session ends (sign-out, kiosk idle time, an account change seen here or on another
//! desktop).

use super::Portdesk;
use crate::accounts::{self, User};
use crate::audit;
use crate::error::{CoreError, Result};
use crate::store::Store;
use portdesk_types::Role;
use portdesk_types::api::{SessionEndReason, SessionEnded};
use portdesk_types::events::SessionEndedEvent;
use std::sync::atomic::Ordering;

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user_id: i64,
    /// Which sign-in this is, so that ending an old session never ends a newer one.
    pub(crate) serial: u64,
    /// What the session was granted on; `None` until first read from the store.
    pub(crate) stamp: Option<Stamp>,
    /// Last command; a kiosk session ends after `idle_seconds` without one.
    pub(crate) last_seen: tokio::time::Instant,
    /// The account as the store last confirmed it: what offline-capable commands run as
    /// while the store does not answer (see `dispatch::Route::offline`).
    pub(crate) verified: Option<User>,
    /// Signed in without the store, against this desktop's verifier (that hash): only the
    /// offline-capable windows, and the store's account decides when it answers again.
    pub(crate) offline: Option<String>,
}

/// The account as it was at sign-in: role, ERP-customer link and password (a fingerprint,
/// kept in memory only). An admin changing any of them ends the session on every desktop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    role: Role,
    /// The linked ERP customer code; `None` while the account is not linked (it sees nothing).
    erp_code: Option<String>,
    credential: u64,
}

impl Stamp {
    pub(crate) async fn of(store: &Store, user: &User) -> Result<Stamp> {
        fn fingerprint(v: &impl std::hash::Hash) -> u64 {
            use std::hash::Hasher;
            let mut h = std::hash::DefaultHasher::new();
            v.hash(&mut h);
            h.finish()
        }
        let (hash,): (Option<String>,) =
            sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
                .bind(user.id)
                .fetch_one(store.pool())
                .await?;
        Ok(Stamp {
            role: user.role,
            // The link is the code (the name only follows the ERP for display); a link with a
            // problem to resolve sees nothing, like no link.
            erp_code: user
                .erp_customer_code
                .clone()
                .filter(|_| user.erp_link_problem.is_none()),
            credential: fingerprint(&hash),
        })
    }

    /// Why a session granted on `self` must end now that the account reads `now`.
    fn end_reason(&self, now: &Stamp) -> Option<SessionEndReason> {
        // Linking an unlinked account (which saw nothing) grants; any other change revokes.
        let relinked = self.erp_code.is_some() && self.erp_code != now.erp_code;
        if self.role != now.role || relinked {
            Some(SessionEndReason::RoleChanged)
        } else if self.credential != now.credential {
            Some(SessionEndReason::PasswordReset)
        } else {
            None
        }
    }
}

/// How often the session watcher looks: the kiosk idle limit is met within this, and an
/// account change made on another desktop is seen within `REVALIDATE_EVERY` of these ticks.
const WATCH_TICK: std::time::Duration = std::time::Duration::from_secs(1);

const REVALIDATE_EVERY: u64 = 5;

impl Portdesk {
    pub(crate) async fn begin_session(&self, user_id: i64) {
        // The stamp is taken now, from what the store says right after the sign-in.
        let stamp = match self.store().await {
            Ok(store) => match accounts::by_id(&store, user_id).await {
                Ok(Some(u)) => Stamp::of(&store, &u).await.ok(),
                _ => None,
            },
            Err(_) => None,
        };
        // A sign-in over another session ends that one first, so its windows are cleared.
        let previous = self.session.read().await.clone();
        if let Some(old) = previous {
            self.end_session(old.serial, SessionEndReason::SignedOut, None)
                .await;
        }
        let serial = self.session_serial.fetch_add(1, Ordering::Relaxed) + 1;
        *self.session.write().await = Some(Session {
            user_id,
            serial,
            stamp,
            last_seen: tokio::time::Instant::now(),
            verified: None,
            offline: None,
        });
    }

    /// A session signed in against this desktop's verifier while the store is away.
    pub(crate) async fn begin_offline_session(&self, user: User, server_tag: String) {
        let previous = self.session.read().await.clone();
        if let Some(old) = previous {
            self.end_session(old.serial, SessionEndReason::SignedOut, None)
                .await;
        }
        let serial = self.session_serial.fetch_add(1, Ordering::Relaxed) + 1;
        *self.session.write().await = Some(Session {
            user_id: user.id,
            serial,
            stamp: None,
            last_seen: tokio::time::Instant::now(),
            verified: Some(user),
            offline: Some(server_tag),
        });
    }

    /// Whether the session was signed in without the store and has not met it since.
    pub(crate) async fn session_offline(&self) -> bool {
        self.session
            .read()
            .await
            .as_ref()
            .is_some_and(|s| s.offline.is_some())
    }

    /// The signed-in user, re-read from the store on every command (and every few seconds by
    /// the session watcher): a deactivation, a role or ERP-customer change or a password reset
    /// by an admin ends the session. On a kiosk, an idle session ends here too.
    pub async fn current_user(&self) -> Result<User> {
        let Some(session) = self.session.read().await.clone() else {
            return Err(CoreError::Unauthenticated);
        };
        if let Some(k) = self.kiosk().await
            && session.last_seen.elapsed() >= k.idle_limit()
        {
            self.end_session(session.serial, SessionEndReason::Idle, None)
                .await;
            return Err(CoreError::Unauthenticated);
        }
        let store = self.store().await?;
        let user = match accounts::by_id(&store, session.user_id).await? {
            Some(u) if u.active => u,
            other => {
                // No offline sign-in outlives the account on this desktop.
                if let (Some(u), Ok(local)) = (&other, self.local_store().await) {
                    let _ = accounts::offline::forget_account(local, u).await;
                }
                self.end_session(session.serial, SessionEndReason::Deactivated, None)
                    .await;
                return Err(CoreError::Unauthenticated);
            }
        };
        if let (Some(tag), Some(seen)) = (&session.offline, &session.verified) {
            // Signed in offline: the store's account now decides. A new password, a lockout or
            // another role ends the session (and deletes the record); otherwise it becomes an
            // ordinary one.
            let now_hash = accounts::offline::password_hash(&store, user.id).await?;
            let key = crate::device::DeviceKey::existing(self.secrets.as_ref())?;
            let same_password = match (&key, &now_hash) {
                (Some(k), Some(h)) => accounts::offline::server_tag(k, h) == *tag,
                _ => false,
            };
            let locked = user.locked_until.is_some_and(|t| t > crate::now_ms());
            let reason = if user.role != seen.role {
                Some(SessionEndReason::RoleChanged)
            } else if locked {
                Some(SessionEndReason::Deactivated)
            } else if !same_password {
                Some(SessionEndReason::PasswordReset)
            } else {
                None
            };
            if let Some(reason) = reason {
                if let Ok(local) = self.local_store().await {
                    let _ = accounts::offline::forget_account(local, &user).await;
                }
                self.end_session(session.serial, reason, None).await;
                return Err(CoreError::Unauthenticated);
            }
            if let Some(s) = self.session.write().await.as_mut()
                && s.serial == session.serial
            {
                s.offline = None;
            }
        }
        let now = Stamp::of(&store, &user).await?;
        match &session.stamp {
            Some(granted) => {
                if let Some(reason) = granted.end_reason(&now) {
                    self.end_session(session.serial, reason, None).await;
                    return Err(CoreError::Unauthenticated);
                }
                if *granted != now {
                    // A first link: later changes are measured from it.
                    self.restamp(session.serial, now).await;
                }
            }
            None => self.restamp(session.serial, now).await,
        }
        if let Some(s) = self.session.write().await.as_mut()
            && s.serial == session.serial
        {
            s.verified = Some(user.clone());
        }
        Ok(user)
    }

    /// As [`Portdesk::current_user`]; when the store does not answer, the account as the store
    /// last confirmed it in this session (a laptop that lost the shared store keeps working on
    /// what it may do offline). A kiosk's idle limit still applies first.
    pub(crate) async fn current_user_or_last_verified(&self) -> Result<User> {
        match self.current_user().await {
            Err(e) if self.store_silent(&e) => {
                let verified = self
                    .session
                    .read()
                    .await
                    .as_ref()
                    .and_then(|s| s.verified.clone());
                verified.ok_or(e)
            }
            other => other,
        }
    }

    pub(crate) async fn restamp(&self, serial: u64, stamp: Stamp) {
        if let Some(s) = self.session.write().await.as_mut()
            && s.serial == serial
        {
            s.stamp = Some(stamp);
        }
    }

    /// The one way a session ends (sign-out, idle, account change): forgets it, records it in
    /// the audit log and tells every window, which drop what they show. Ends the session
    /// numbered `serial` only, so a late check never ends a newer sign-in.
    pub(crate) async fn end_session(
        &self,
        serial: u64,
        reason: SessionEndReason,
        actor: Option<audit::Actor>,
    ) -> bool {
        let ended = {
            let mut slot = self.session.write().await;
            if slot.as_ref().is_some_and(|s| s.serial == serial) {
                slot.take()
            } else {
                None
            }
        };
        let Some(session) = ended else {
            return false;
        };
        let user_id = session.user_id;
        let (action, label) = match reason {
            SessionEndReason::SignedOut => ("auth.sign_out", "user"),
            SessionEndReason::Idle => ("auth.idle_sign_out", "kiosk"),
            _ => ("auth.session_ended", "system"),
        };
        let actor = actor.unwrap_or(audit::Actor {
            id: Some(user_id),
            label: label.into(),
        });
        let detail = serde_json::to_value(reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        // The session is over whatever the audit log says; a failure to record it is logged.
        match self.store().await {
            Ok(store) => {
                if let Err(e) = audit::record_on(
                    &store,
                    &actor,
                    action,
                    Some(("user", user_id.to_string())),
                    detail.as_deref(),
                )
                .await
                {
                    tracing::warn!(user_id, "session end not in the audit log: {e}");
                }
            }
            Err(e) => tracing::warn!(user_id, "session end not in the audit log: {e}"),
        }
        tracing::info!(
            user_id,
            reason = detail.as_deref().unwrap_or(""),
            "session ended"
        );
        // What the viewer was given of this user's attachments goes with the session.
        crate::support::attachments::clear_private(&self.paths);
        self.emit::<SessionEndedEvent>(&SessionEnded { user_id, reason });
        true
    }

    /// Test support: makes the session look idle for `by` longer (instead of sleeping).
    #[doc(hidden)]
    pub async fn age_session(&self, by: std::time::Duration) {
        if let Some(s) = self.session.write().await.as_mut() {
            s.last_seen = s.last_seen.checked_sub(by).unwrap_or(s.last_seen);
        }
    }

    /// Records activity for the kiosk idle timer.
    pub(crate) async fn touch(&self) {
        if let Some(s) = self.session.write().await.as_mut() {
            s.last_seen = tokio::time::Instant::now();
        }
    }
}

/// Ends a kiosk session on time even when no command arrives, and notices an account change
/// made on another desktop; stops when the service is dropped.
pub(crate) async fn watch_sessions(app: std::sync::Weak<Portdesk>) {
    let mut tick = tokio::time::interval(WATCH_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        let Some(app) = app.upgrade() else {
            return;
        };
        n += 1;
        let Some(session) = app.session.read().await.clone() else {
            continue;
        };
        let idle = app
            .kiosk()
            .await
            .is_some_and(|k| session.last_seen.elapsed() >= k.idle_limit());
        if idle || n.is_multiple_of(REVALIDATE_EVERY) {
            // Ends the session (and tells the windows) when it must; nothing else to do here.
            let _ = app.current_user().await;
        }
    }
}
