//! The background sender: one per desktop. It wakes when a message is queued (or its retry is
//! due), claims messages one at a time, and records each attempt. Several desktops on one
//! shared store each run one; the claim makes sure a message has one sender at a time.

use super::outbox::{self, Outcome, RetryPolicy};
use super::transport::{self, Transport};
use crate::error::Result;
use crate::secrets::SecretStore;
use crate::store::Store;
use lettre::message::Mailbox;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct SenderConfig {
    pub policy: RetryPolicy,
    /// How long a claim lasts; a sender that dies mid-send loses it after this.
    pub lease: Duration,
    /// Longest sleep between passes (settings changed by another desktop are seen then).
    pub idle_poll: Duration,
    /// Names this sender in claims.
    pub id: String,
    /// This desktop's id: when the site names one desktop as its sender, any other skips its
    /// passes (`None`: a one-off `portdesk mail flush`, which always sends).
    pub desktop: Option<String>,
    /// The site's trusted certificates, read on each pass (Settings can change them).
    pub trust: crate::tls::SharedTrust,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            policy: RetryPolicy::default(),
            lease: Duration::from_secs(5 * 60),
            idle_poll: Duration::from_secs(30),
            id: format!(
                "{}-{}-{:08x}",
                gethostname(),
                std::process::id(),
                fastrand::u32(..)
            ),
            desktop: None,
            trust: Default::default(),
        }
    }
}

fn gethostname() -> String {
    std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "desktop".into())
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub sent: u32,
    pub retry: u32,
    pub failed: u32,
    /// Why nothing could be sent (no transport, secret missing), if so.
    pub idle_reason: Option<String>,
    /// The transport used, in words.
    pub transport: String,
}

/// Sends every due message once. Returns what happened; the caller decides when to come back.
pub async fn pass(
    store: &Store,
    secrets: &dyn SecretStore,
    config: &SenderConfig,
) -> Result<PassReport> {
    let mut report = PassReport::default();
    if let Some(me) = &config.desktop
        && let Some(named) = crate::settings::get(store.pool(), super::SENDER_KEY).await?
        && &named != me
    {
        report.idle_reason = Some(
            "Another desktop, named in the Mail window, sends the site's mail; this one only queues it.".into(),
        );
        return Ok(report);
    }
    let settings = super::load_settings(store.pool()).await?;
    report.transport = transport::describe(&settings.transport);
    let secret = match super::load_secret(secrets, &settings.transport) {
        Ok(s) => s,
        Err(e) => {
            report.idle_reason = Some(e.to_string());
            return Ok(report);
        }
    };
    let transport = match Transport::build(&settings, secret, &config.trust.get()) {
        Ok(t) => t,
        Err(why) => {
            report.idle_reason = Some(why);
            return Ok(report);
        }
    };
    let from = match settings.from_address.trim().parse() {
        Ok(a) => Mailbox::new(
            Some(settings.from_name.trim().to_owned()).filter(|n| !n.is_empty()),
            a,
        ),
        Err(_) => {
            report.idle_reason = Some("The From address in the mail settings is not valid.".into());
            return Ok(report);
        }
    };
    while let Some(claimed) = outbox::claim_within(
        store,
        &config.id,
        crate::now_ms(),
        config.lease,
        config.policy.max_attempts,
    )
    .await?
    {
        let outcome = transport.send(&from, &claimed).await;
        match &outcome {
            Outcome::Sent(d) => {
                report.sent += 1;
                tracing::info!(id = claimed.id, attempt = claimed.attempt, answer = %d, "mail sent");
            }
            Outcome::Permanent(e) => {
                report.failed += 1;
                tracing::warn!(id = claimed.id, error = %e, "mail refused for good");
            }
            Outcome::Temporary(e) => {
                if claimed.attempt >= config.policy.max_attempts {
                    report.failed += 1;
                } else {
                    report.retry += 1;
                }
                tracing::warn!(id = claimed.id, attempt = claimed.attempt, error = %e, "mail not sent; will retry");
            }
        }
        outbox::finish(
            store,
            &claimed,
            &config.id,
            &outcome,
            &config.policy,
            crate::now_ms(),
        )
        .await?;
    }
    Ok(report)
}

/// The running sender of this desktop.
pub struct MailSender {
    wake: Arc<Notify>,
    status: Arc<Mutex<String>>,
    /// The store it sends from; replaced when the desktop's store moves to a server.
    store: Arc<Mutex<Store>>,
    /// Held by the sender for each pass, and by a store move for the whole move: a move
    /// starts after the pass under way ends (its claims settled), and no pass runs during it.
    hold: Arc<tokio::sync::Mutex<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl MailSender {
    pub fn spawn(store: Store, secrets: Arc<dyn SecretStore>, config: SenderConfig) -> MailSender {
        let wake = Arc::new(Notify::new());
        let status = Arc::new(Mutex::new("Starting.".to_owned()));
        let store = Arc::new(Mutex::new(store));
        let hold = Arc::new(tokio::sync::Mutex::new(()));
        let task = tokio::spawn(run(
            store.clone(),
            secrets,
            config,
            wake.clone(),
            status.clone(),
            hold.clone(),
        ));
        MailSender {
            wake,
            status,
            store,
            hold,
            task,
        }
    }

    /// Stops sending until the guard is dropped: waits for the pass under way to end.
    pub async fn hold(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.hold.clone().lock_owned().await
    }

    /// Call after committing a transaction that queued mail.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Sends from this store from the next pass on (the desktop's store moved); a pass under
    /// way finishes on the old one, whose claims are its own.
    pub fn follow(&self, store: Store) {
        if let Ok(mut s) = self.store.lock() {
            *s = store;
        }
        self.wake.notify_one();
    }

    pub fn status(&self) -> String {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for MailSender {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(
    current: Arc<Mutex<Store>>,
    secrets: Arc<dyn SecretStore>,
    config: SenderConfig,
    wake: Arc<Notify>,
    status: Arc<Mutex<String>>,
    hold: Arc<tokio::sync::Mutex<()>>,
) {
    let set = |s: String| {
        if let Ok(mut g) = status.lock() {
            *g = s;
        }
    };
    loop {
        let held = hold.lock().await;
        // Read after the hold: a move that just ended has pointed the sender at the server.
        let Some(store) = current.lock().ok().map(|s| s.clone()) else {
            return;
        };
        let passed = pass(&store, secrets.as_ref(), &config).await;
        drop(held);
        let wait = match passed {
            Ok(r) => {
                match r.idle_reason {
                    Some(why) => set(format!("Not sending: {why}")),
                    None => set(format!(
                        "Sending through {}. Last pass at {}: {} sent, {} to retry, {} failed.",
                        r.transport,
                        chrono::Local::now().format("%H:%M:%S"),
                        r.sent,
                        r.retry,
                        r.failed
                    )),
                }
                match outbox::next_due(&store).await {
                    Ok(Some(due)) => Duration::from_millis((due - crate::now_ms()).max(0) as u64)
                        .clamp(Duration::from_millis(50), config.idle_poll),
                    _ => config.idle_poll,
                }
            }
            Err(e) => {
                tracing::warn!("mail sender: {e}");
                set(format!("Not sending: {e}"));
                config.idle_poll
            }
        };
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}
