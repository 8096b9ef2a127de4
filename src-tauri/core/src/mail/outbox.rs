//! The outbox table: enqueue (inside the caller's transaction), claim (one sender at a time,
//! with a lease so a crashed sender's message is picked up again), finish, and the Mail
//! window's list, detail, resend and cancel.
//!
//! Invariant: a row becomes `sent` only in [`finish`] with [`Outcome::Sent`], which the sender
//! calls only after the transport accepted the message.

use super::{Attachment, Mail, SECRET_MASK, SECRET_PLACEHOLDER};
use crate::error::{CoreError, Result};
use crate::store::{Backend, Store};
use portdesk_types::mail::*;
use sqlx::Row;
use std::time::Duration;

/// A fresh RFC 5322 Message-ID, fixed for the life of one outbox row.
pub fn new_message_id() -> String {
    format!(
        "<{:016x}{:016x}@portdesk>",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    pub id: i64,
    /// The key was already in the outbox: nothing new was queued.
    pub duplicate: bool,
}

const ENQUEUE: &str = "INSERT INTO mail_outbox (idempotency_key, kind, recipients, subject, body_text, \
     body_html, message_id, status, attempts, next_attempt_at, created_at, updated_at, secret, secret_expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8, $8, $9, $10) \
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id";
const ATTACH: &str = "INSERT INTO mail_attachments (message_id, filename, content_type, content_id, data) \
     VALUES ($1, $2, $3, $4, $5)";

/// The key and the recipients checked; the recipients as the row stores them (JSON).
fn recipients(key: &str, mail: &Mail) -> Result<String> {
    if key.trim().is_empty() {
        return Err(CoreError::Internal(
            "a mail idempotency key is required".into(),
        ));
    }
    if mail.to.is_empty() {
        return Err(CoreError::validation("to", "A message needs a recipient."));
    }
    let to = mail
        .to
        .iter()
        .map(|a| super::check_address("to", a).map(|a| a.to_string()))
        .collect::<Result<Vec<_>>>()?;
    serde_json::to_string(&to).map_err(|e| CoreError::Internal(e.to_string()))
}

/// Messages queued by this process so far. The dispatch compares it before and after each
/// command and wakes the sender when it moved, after the command's transaction committed: a
/// module queues mail and the sender follows, with nothing for the module to remember.
static QUEUED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(crate) fn queued_count() -> u64 {
    QUEUED.load(std::sync::atomic::Ordering::SeqCst)
}

fn queued() {
    QUEUED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// [`enqueue`] on the store's blocking SQLite writer, in its open transaction. `None` when the
/// key is already in the outbox: the caller redoes its work through [`enqueue`].
pub(crate) fn enqueue_blocking(
    conn: &rusqlite::Connection,
    key: &str,
    mail: &Mail,
) -> Result<Option<i64>> {
    use rusqlite::{OptionalExtension, named_params};
    let to = recipients(key, mail)?;
    let now = crate::now_ms();
    queued();
    let id: Option<i64> = conn
        .prepare_cached(ENQUEUE)?
        .query_row(
            named_params! {
                "$1": key, "$2": mail.kind, "$3": to, "$4": mail.subject, "$5": mail.text,
                "$6": mail.html, "$7": new_message_id(), "$8": now,
                "$9": mail.secret.as_ref().map(|s| s.value.expose().to_owned()),
                "$10": mail.secret.as_ref().map(|s| s.expires_at),
            },
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(None);
    };
    for a in &mail.attachments {
        conn.prepare_cached(ATTACH)?.execute(named_params! {
            "$1": id, "$2": a.filename, "$3": a.content_type, "$4": a.content_id, "$5": a.data,
        })?;
    }
    Ok(Some(id))
}

/// Puts a message in the outbox as part of the caller's transaction: if the transaction rolls
/// back, the message was never there. Addresses are checked here, so a bad one is refused
/// with a message naming it instead of failing later in the sender.
pub async fn enqueue(conn: &mut sqlx::AnyConnection, key: &str, mail: &Mail) -> Result<Enqueued> {
    let to = recipients(key, mail)?;
    let now = crate::now_ms();
    queued();
    let message_id = new_message_id();
    // The body keeps the placeholder; the code goes to its own column (see `claim`).
    let inserted: Option<i64> = sqlx::query_scalar(ENQUEUE)
        .bind(key)
        .bind(&mail.kind)
        .bind(&to)
        .bind(&mail.subject)
        .bind(&mail.text)
        .bind(mail.html.as_deref())
        .bind(&message_id)
        .bind(now)
        .bind(mail.secret.as_ref().map(|s| s.value.expose().to_owned()))
        .bind(mail.secret.as_ref().map(|s| s.expires_at))
        .fetch_optional(&mut *conn)
        .await?;
    let Some(id) = inserted else {
        let id: i64 = sqlx::query_scalar("SELECT id FROM mail_outbox WHERE idempotency_key = $1")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
        tracing::info!(id, "mail already in the outbox; not queued again");
        return Ok(Enqueued {
            id,
            duplicate: true,
        });
    };
    for a in &mail.attachments {
        sqlx::query(ATTACH)
            .bind(id)
            .bind(&a.filename)
            .bind(&a.content_type)
            .bind(a.content_id.as_deref())
            .bind(&a.data)
            .execute(&mut *conn)
            .await?;
    }
    // Heard at the commit by every desktop's listener: the one that sends wakes.
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(super::QUEUED_CHANNEL)
            .execute(&mut *conn)
            .await?;
    }
    tracing::info!(id, kind = %mail.kind, "mail queued");
    Ok(Enqueued {
        id,
        duplicate: false,
    })
}

/// A message claimed for delivery.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub message_id: String,
    /// Including this one.
    pub attempt: u32,
    pub attachments: Vec<Attachment>,
}

/// The last error of a message given up by [`claim`] (its attempts were used up without an
/// outcome, e.g. its sender crashed mid-send every time).
pub const GAVE_UP_UNFINISHED: &str = "Gave up: every attempt allowed was started but none \
     finished (the sending desktop stopped mid-send each time). Check the mail server and \
     this message's attachments, then resend it.";

const DEAD_SECRET: &str = "The one-time code in this message expired or was used before it could be sent; nothing was sent.";

/// Removes one-time codes that expired, and fails the unsent messages whose code is gone
/// (expired, used, or cancelled): sending them would deliver a useless or a masked code.
/// Runs before every claim, at every code request and when the Mail window lists messages.
pub async fn forget_dead_secrets(store: &Store, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE mail_outbox SET secret = NULL WHERE secret IS NOT NULL AND secret_expires_at <= $1",
    )
    .bind(now)
    .execute(store.pool())
    .await?;
    sqlx::query(
        "UPDATE mail_outbox SET status = 'failed', last_error = $2, claimed_by = NULL, \
         claimed_until = NULL, updated_at = $1 \
         WHERE secret_expires_at IS NOT NULL AND secret IS NULL \
         AND (status = 'queued' OR (status = 'sending' AND claimed_until < $1))",
    )
    .bind(now)
    .bind(DEAD_SECRET)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Claims the next due message for `sender` with the default attempts cap
/// ([`RetryPolicy::default`]); see [`claim_within`].
pub async fn claim(
    store: &Store,
    sender: &str,
    now: i64,
    lease: Duration,
) -> Result<Option<Claimed>> {
    claim_within(
        store,
        sender,
        now,
        lease,
        RetryPolicy::default().max_attempts,
    )
    .await
}

/// Claims the next due message for `sender`, with its one-time code (if it carries one) put
/// into the text: this is the only place a code leaves the store, and only for the transport.
/// A due message that already had `max_attempts` is never claimed again but marked failed.
pub async fn claim_within(
    store: &Store,
    sender: &str,
    now: i64,
    lease: Duration,
    max_attempts: u32,
) -> Result<Option<Claimed>> {
    forget_dead_secrets(store, now).await?;
    loop {
        let Some((mut c, secret, expires)) =
            claim_next(store, sender, now, lease, max_attempts).await?
        else {
            return Ok(None);
        };
        if expires.is_none() {
            return Ok(Some(c));
        }
        match secret.filter(|_| expires.is_some_and(|e| e > now)) {
            Some(code) => {
                c.text = c.text.replace(SECRET_PLACEHOLDER, &code);
                c.html = c.html.map(|h| h.replace(SECRET_PLACEHOLDER, &code));
                return Ok(Some(c));
            }
            // The code died between the sweep and this claim: fail it, take the next one.
            None => {
                finish(
                    store,
                    &c,
                    sender,
                    &Outcome::Permanent(DEAD_SECRET.into()),
                    &RetryPolicy::default(),
                    now,
                )
                .await?;
            }
        }
    }
}

/// Claims the next due message for `sender`: a queued one whose time has come, or one whose
/// previous sender's lease ran out (it crashed or lost the store mid-send). The claim counts
/// as an attempt; a due message that already had `max_attempts` is never claimed again but
/// marked failed, so a message that crashes its sender cannot loop for ever. Also returns the
/// row's one-time code and its expiry, still apart from the text.
async fn claim_next(
    store: &Store,
    sender: &str,
    now: i64,
    lease: Duration,
    max_attempts: u32,
) -> Result<Option<(Claimed, Option<String>, Option<i64>)>> {
    const DUE: &str = "((status = 'queued' AND next_attempt_at <= $3) OR (status = 'sending' AND claimed_until < $3))";
    let max_attempts = i64::from(max_attempts.max(1));
    give_up_spent(store, now, max_attempts).await?;
    // PostgreSQL: skip rows another desktop is claiming right now. SQLite: the statement runs
    // under the database write lock, so two senders cannot pick the same row.
    let lock = match store.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE mail_outbox SET status = 'sending', claimed_by = $1, claimed_until = $2, \
         attempts = attempts + 1, updated_at = $3 \
         WHERE id = (SELECT id FROM mail_outbox WHERE {DUE} AND attempts < $4 \
                     ORDER BY next_attempt_at, id LIMIT 1{lock}) \
         AND {DUE} AND attempts < $4 \
         RETURNING id, recipients, subject, body_text, body_html, message_id, attempts, secret, secret_expires_at"
    );
    let row = sqlx::query(&sql)
        .bind(sender)
        .bind(now + lease.as_millis() as i64)
        .bind(now)
        .bind(max_attempts)
        .fetch_optional(store.pool())
        .await?;
    let Some(r) = row else { return Ok(None) };
    let id: i64 = r.try_get("id")?;
    let recipients: String = r.try_get("recipients")?;
    let attachments = sqlx::query(
        "SELECT filename, content_type, content_id, data FROM mail_attachments WHERE message_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|a| {
        Ok(Attachment {
            filename: a.try_get("filename")?,
            content_type: a.try_get("content_type")?,
            content_id: a.try_get("content_id")?,
            data: a.try_get("data")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let claimed = Claimed {
        id,
        to: serde_json::from_str(&recipients)
            .map_err(|e| CoreError::Internal(format!("outbox row {id}: recipients: {e}")))?,
        subject: r.try_get("subject")?,
        text: r.try_get("body_text")?,
        html: r.try_get("body_html")?,
        message_id: r.try_get("message_id")?,
        attempt: r.try_get::<i64, _>("attempts")? as u32,
        attachments,
    };
    Ok(Some((
        claimed,
        r.try_get("secret")?,
        r.try_get("secret_expires_at")?,
    )))
}

/// Marks failed every due message whose attempts are used up, with a line in its attempts
/// history, so the Mail window says why it stopped.
async fn give_up_spent(store: &Store, now: i64, max_attempts: i64) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE mail_outbox SET status = 'failed', last_error = $1, claimed_by = NULL, \
         claimed_until = NULL, updated_at = $2 \
         WHERE attempts >= $3 AND ((status = 'queued' AND next_attempt_at <= $2) \
               OR (status = 'sending' AND claimed_until < $2)) \
         RETURNING id",
    )
    .bind(GAVE_UP_UNFINISHED)
    .bind(now)
    .bind(max_attempts)
    .fetch_all(&mut *tx)
    .await?;
    for id in ids.iter().copied() {
        sqlx::query(
            "INSERT INTO mail_attempts (message_id, at, ok, detail) VALUES ($1, $2, 0, $3)",
        )
        .bind(id)
        .bind(now)
        .bind(GAVE_UP_UNFINISHED)
        .execute(&mut *tx)
        .await?;
        tracing::warn!(id, max_attempts, "mail given up: its attempts were used up");
    }
    tx.commit().await?;
    Ok(())
}

/// What the transport said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; the transport's answer (e.g. "250 2.0.0 Ok: queued as ...").
    Sent(String),
    /// Refused for good (bad address, 5xx): no more attempts.
    Permanent(String),
    /// Try again later (server down, timeout, 4xx, sign-in refused).
    Temporary(String),
}

/// When attempts are retried: after the n-th failed attempt, wait `delays[n-1]` (the last delay
/// repeats), and give up after `max_attempts`.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub delays: Vec<Duration>,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 1 min, 5 min, 30 min, 2 h, then daily; ten attempts in all (about a week).
    fn default() -> Self {
        let m = |n: u64| Duration::from_secs(60 * n);
        RetryPolicy {
            delays: vec![m(1), m(5), m(30), m(120), m(24 * 60)],
            max_attempts: 10,
        }
    }
}

impl RetryPolicy {
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let i = (attempt.max(1) as usize - 1).min(self.delays.len().saturating_sub(1));
        self.delays
            .get(i)
            .copied()
            .unwrap_or(Duration::from_secs(60))
    }
}

/// Records an attempt's outcome. Returns false when the claim was lost (the lease ran out and
/// another sender took the message), in which case nothing is changed.
pub async fn finish(
    store: &Store,
    claimed: &Claimed,
    sender: &str,
    outcome: &Outcome,
    policy: &RetryPolicy,
    now: i64,
) -> Result<bool> {
    let mut tx = store.pool().begin().await?;
    let (status, next, error, sent_at, ok, detail) = match outcome {
        Outcome::Sent(d) => (MailStatus::Sent, now, None, Some(now), true, d.clone()),
        Outcome::Permanent(e) => (
            MailStatus::Failed,
            now,
            Some(e.clone()),
            None,
            false,
            e.clone(),
        ),
        Outcome::Temporary(e) if claimed.attempt >= policy.max_attempts => (
            MailStatus::Failed,
            now,
            Some(format!("{e} (gave up after {} attempts)", claimed.attempt)),
            None,
            false,
            e.clone(),
        ),
        Outcome::Temporary(e) => (
            MailStatus::Queued,
            now + policy.delay_after(claimed.attempt).as_millis() as i64,
            Some(e.clone()),
            None,
            false,
            e.clone(),
        ),
    };
    // A one-time code is kept only while another attempt may follow.
    let keep_secret = status == MailStatus::Queued;
    let updated = sqlx::query(
        "UPDATE mail_outbox SET status = $1, next_attempt_at = $2, last_error = $3, sent_at = $4, \
         claimed_by = NULL, claimed_until = NULL, updated_at = $5, \
         secret = CASE WHEN $8 = 1 THEN secret ELSE NULL END \
         WHERE id = $6 AND status = 'sending' AND claimed_by = $7",
    )
    .bind(status.as_str())
    .bind(next)
    .bind(error)
    .bind(sent_at)
    .bind(now)
    .bind(claimed.id)
    .bind(sender)
    .bind(i64::from(keep_secret))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        tracing::warn!(
            id = claimed.id,
            "mail claim lost before its outcome was recorded"
        );
        return Ok(false);
    }
    sqlx::query("INSERT INTO mail_attempts (message_id, at, ok, detail) VALUES ($1, $2, $3, $4)")
        .bind(claimed.id)
        .bind(now)
        .bind(i64::from(ok))
        .bind(detail)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// When the next queued message is due (for the sender's sleep), if any is waiting.
pub async fn next_due(store: &Store) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(CASE WHEN status = 'queued' THEN next_attempt_at ELSE claimed_until END) \
         FROM mail_outbox WHERE status IN ('queued', 'sending')",
    )
    .fetch_one(store.pool())
    .await?)
}

const ROW_COLUMNS: &str = "id, kind, recipients, subject, status, attempts, last_error, created_at, \
                           next_attempt_at, sent_at";

fn row(r: &sqlx::any::AnyRow) -> Result<MailRow> {
    let status: String = r.try_get("status")?;
    let status = MailStatus::parse(&status)
        .ok_or_else(|| CoreError::Internal(format!("unknown mail status {status}")))?;
    let recipients: String = r.try_get("recipients")?;
    Ok(MailRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        to: serde_json::from_str(&recipients).unwrap_or_else(|_| vec![recipients]),
        subject: r.try_get("subject")?,
        status,
        attempts: r.try_get::<i64, _>("attempts")? as u32,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        next_attempt_at: (status == MailStatus::Queued)
            .then(|| r.try_get("next_attempt_at"))
            .transpose()?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// The listed messages (by id, in that order), for a screen that shows what it caused.
pub async fn rows(store: &Store, ids: &[i64]) -> Result<Vec<MailRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let r = sqlx::query(&format!(
            "SELECT {ROW_COLUMNS} FROM mail_outbox WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
        if let Some(r) = r {
            out.push(row(&r)?);
        }
    }
    Ok(out)
}

/// Newest first, filtered by status and by a recipient/subject search, one page, plus the
/// per-status counts. `transport` is filled in by the caller.
pub async fn list(store: &Store, q: &MailQuery) -> Result<MailPage> {
    forget_dead_secrets(store, crate::now_ms()).await?;
    const FILTER: &str = "WHERE ($1 = '' OR status = $1) \
        AND ($2 = '' OR lower(recipients) LIKE $2 ESCAPE '\\' OR lower(subject) LIKE $2 ESCAPE '\\')";
    let status = q.status.map(MailStatus::as_str).unwrap_or("");
    let search = q.search.as_deref().unwrap_or("").trim().to_lowercase();
    let pattern = if search.is_empty() {
        String::new()
    } else {
        crate::erp::demo::like_contains(&search)
    };
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM mail_outbox {FILTER}"))
        .bind(status)
        .bind(&pattern)
        .fetch_one(store.pool())
        .await?;
    let limit = if q.limit == 0 { 100 } else { q.limit.min(1000) };
    let rows = sqlx::query(&format!(
        "SELECT {ROW_COLUMNS} FROM mail_outbox {FILTER} ORDER BY id DESC LIMIT {limit} OFFSET {}",
        q.offset
    ))
    .bind(status)
    .bind(&pattern)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(row)
    .collect::<Result<Vec<_>>>()?;
    let mut counts = MailCounts::default();
    for r in sqlx::query("SELECT status, COUNT(*) AS n FROM mail_outbox GROUP BY status")
        .fetch_all(store.pool())
        .await?
    {
        let n = r.try_get::<i64, _>("n")? as u64;
        match MailStatus::parse(&r.try_get::<String, _>("status")?) {
            Some(MailStatus::Queued) => counts.queued = n,
            Some(MailStatus::Sending) => counts.sending = n,
            Some(MailStatus::Sent) => counts.sent = n,
            Some(MailStatus::Failed) => counts.failed = n,
            Some(MailStatus::Cancelled) => counts.cancelled = n,
            None => {}
        }
    }
    Ok(MailPage {
        rows,
        total: total as u64,
        counts,
        transport: String::new(),
    })
}

pub async fn get_row(store: &Store, id: i64) -> Result<MailRow> {
    let r = sqlx::query(&format!(
        "SELECT {ROW_COLUMNS} FROM mail_outbox WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("There is no message {id}.")))?;
    row(&r)
}

pub async fn detail(store: &Store, id: i64) -> Result<MailDetail> {
    let row = get_row(store, id).await?;
    let r = sqlx::query(
        "SELECT body_text, body_html, secret_expires_at FROM mail_outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await?;
    // The stored body holds the placeholder, never the code; the window shows a mask.
    let mask = |t: String| t.replace(SECRET_PLACEHOLDER, SECRET_MASK);
    let attachments = sqlx::query_scalar(
        "SELECT filename FROM mail_attachments WHERE message_id = $1 AND content_id IS NULL ORDER BY id",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    let attempts =
        sqlx::query("SELECT at, ok, detail FROM mail_attempts WHERE message_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|a| {
                Ok(MailAttempt {
                    at: a.try_get("at")?,
                    ok: a.try_get::<i64, _>("ok")? == 1,
                    detail: a.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
    Ok(MailDetail {
        row,
        text: mask(r.try_get("body_text")?),
        html: r.try_get::<Option<String>, _>("body_html")?.map(mask),
        attachments,
        attempts,
        one_time_code: r.try_get::<Option<i64>, _>("secret_expires_at")?.is_some(),
    })
}

/// Queued or failed: due now (a failed one gets a fresh set of attempts). Cancelled: queued
/// again. Sent: a copy is queued under a new key, so the original's record stays true.
pub async fn resend(store: &Store, id: i64, now: i64) -> Result<MailRow> {
    let current = get_row(store, id).await?;
    // A message with a one-time code goes out only with its code still live and kept: a copy
    // of a sent one, or a failed or cancelled one, would carry a dead code (or none at all).
    let (live, expires): (i64, Option<i64>) = sqlx::query_as(
        "SELECT CASE WHEN secret IS NULL THEN 0 ELSE 1 END, secret_expires_at FROM mail_outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_one(store.pool())
    .await?;
    if let Some(expires) = expires
        && current.status != MailStatus::Sending
        && (live == 0 || expires <= now || current.status != MailStatus::Queued)
    {
        return Err(CoreError::Conflict {
            field: None,
            message: "This message carried a one-time code, which is not kept once the message is sent, fails, is cancelled or the code expires: it cannot be sent again. Ask for a new code instead (\"Forgot password?\").".into(),
        });
    }
    match current.status {
        MailStatus::Sending => Err(CoreError::Conflict {
            field: None,
            message: "This message is being sent right now.".into(),
        }),
        MailStatus::Sent => {
            let mut tx = store.pool().begin().await?;
            let copies: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key LIKE $1",
            )
            .bind(format!("resend:{id}:%"))
            .fetch_one(&mut *tx)
            .await?;
            queued();
            let new_id: i64 = sqlx::query_scalar(
                "INSERT INTO mail_outbox (idempotency_key, kind, recipients, subject, body_text, body_html, \
                 message_id, status, attempts, next_attempt_at, created_at, updated_at) \
                 SELECT $1, kind, recipients, subject, body_text, body_html, $2, 'queued', 0, $3, $3, $3 \
                 FROM mail_outbox WHERE id = $4 RETURNING id",
            )
            .bind(format!("resend:{id}:{}", copies + 1))
            .bind(new_message_id())
            .bind(now)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO mail_attachments (message_id, filename, content_type, content_id, data) \
                 SELECT $1, filename, content_type, content_id, data FROM mail_attachments WHERE message_id = $2",
            )
            .bind(new_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            get_row(store, new_id).await
        }
        MailStatus::Queued | MailStatus::Failed | MailStatus::Cancelled => {
            sqlx::query(
                "UPDATE mail_outbox SET status = 'queued', next_attempt_at = $1, updated_at = $1, \
                 attempts = CASE WHEN status = 'queued' THEN attempts ELSE 0 END \
                 WHERE id = $2 AND status IN ('queued', 'failed', 'cancelled')",
            )
            .bind(now)
            .bind(id)
            .execute(store.pool())
            .await?;
            get_row(store, id).await
        }
    }
}

/// Queued or failed messages can be cancelled; a sent one cannot be unsent.
pub async fn cancel(store: &Store, id: i64, now: i64) -> Result<MailRow> {
    let done = sqlx::query(
        "UPDATE mail_outbox SET status = 'cancelled', updated_at = $1, secret = NULL \
         WHERE id = $2 AND status IN ('queued', 'failed')",
    )
    .bind(now)
    .bind(id)
    .execute(store.pool())
    .await?
    .rows_affected();
    let row = get_row(store, id).await?;
    if done == 0 && row.status != MailStatus::Cancelled {
        return Err(CoreError::Conflict {
            field: None,
            message: match row.status {
                MailStatus::Sent => "This message was already sent.".into(),
                MailStatus::Sending => "This message is being sent right now.".into(),
                _ => "This message cannot be cancelled.".into(),
            },
        });
    }
    Ok(row)
}

/// Makes every queued message due now (`portdesk mail flush`, "Retry all now").
pub async fn make_all_due(store: &Store, now: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE mail_outbox SET next_attempt_at = $1 WHERE status = 'queued' AND next_attempt_at > $1",
    )
    .bind(now)
    .execute(store.pool())
    .await?
    .rows_affected())
}
