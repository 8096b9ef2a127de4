//! "Forgot password": a one-time code e-mailed through the outbox, then a new password set
//! with it. The code is queued in the same transaction that stores its hash, so a failed
//! request sends nothing and a sent code always exists. The stored message never holds the
//! code: it waits in the outbox's `secret` column only until the message is sent (see
//! `mail::outbox`).

use super::{User, by_email, dummy_hash, hash_password, load, verify_password};
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::mail::outbox;
use crate::mail::templates::{PasswordReset, Template};
use crate::mail::{Mail, SECRET_PLACEHOLDER};
use crate::store::{Backend, Store};
use portdesk_types::Secret;
use portdesk_types::password::{check_password, normalize_email};
use rand_core::{OsRng, RngCore};

/// How long a code works.
pub const VALID_MINUTES: u32 = 15;
/// Tries per code, wrong or right; each is reserved before the code is compared.
pub const MAX_TRIES: i64 = 5;
/// Codes per account within `VALID_MINUTES`: more requests send nothing (no mail bombing).
pub const MAX_CODES: i64 = 3;
/// Codes per account within 24 hours: caps the guesses a patient attacker gets in a day
/// (`MAX_CODES_PER_DAY` x `MAX_TRIES` in a million) and the mail one address can be sent.
pub const MAX_CODES_PER_DAY: i64 = 10;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn wrong_code() -> CoreError {
    CoreError::validation(
        "code",
        "The code is wrong or has expired. Ask for a new one.",
    )
}

/// Queues a code for an active account. Unknown, inactive or rate-limited addresses get the
/// same silence as a known one, so the reply does not tell who has an account. Returns the
/// outbox id when a message was queued.
pub async fn request(store: &Store, email: &str) -> Result<Option<i64>> {
    let now = crate::now_ms();
    crate::mail::outbox::forget_dead_secrets(store, now).await?;
    let user = by_email(store, email).await?.filter(|u| u.active);
    let Some(user) = user else {
        // As long as a real request takes (one hash), so timing does not tell either.
        let _ = verify_password(dummy_hash(), &Secret::new("x")).await;
        audit::record_on(
            store,
            &Actor::system("anonymous"),
            "auth.reset_code_unknown",
            None,
            None,
        )
        .await?;
        return Ok(None);
    };
    let code = format!("{:06}", OsRng.next_u32() % 1_000_000);
    let hash = hash_password(&Secret::new(code.clone())).await?;
    let mut tx = store.pool().begin().await?;
    // Take the account's lock first, so parallel requests count each other's codes and the
    // caps hold exactly.
    lock_user(&mut tx, store.backend(), user.id).await?;
    let (recent, today): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN created_at > $2 THEN 1 ELSE 0 END), 0), COUNT(*) \
         FROM password_reset_codes WHERE user_id = $1 AND created_at > $3",
    )
    .bind(user.id)
    .bind(now - i64::from(VALID_MINUTES) * 60_000)
    .bind(now - DAY_MS)
    .fetch_one(&mut *tx)
    .await?;
    let refused = if recent >= MAX_CODES {
        Some("auth.reset_code_rate_limited")
    } else if today >= MAX_CODES_PER_DAY {
        Some("auth.reset_code_daily_cap")
    } else {
        None
    };
    if let Some(action) = refused {
        audit::record(
            &mut tx,
            &user.actor(),
            action,
            Some(("user", user.id.to_string())),
            None,
        )
        .await?;
        tx.commit().await?;
        return Ok(None);
    }
    let expires_at = now + i64::from(VALID_MINUTES) * 60_000;
    let code_id: i64 = sqlx::query_scalar(
        "INSERT INTO password_reset_codes (user_id, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user.id)
    .bind(hash)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    // The stored message shows a placeholder; the code travels beside it until sent.
    let template = Template::PasswordReset(PasswordReset {
        name: user.name.clone(),
        code: SECRET_PLACEHOLDER.into(),
        valid_minutes: VALID_MINUTES,
    });
    let settings = crate::mail::load_settings(&mut *tx).await?;
    let mail = Mail::compose(
        vec![user.email.clone()],
        &template,
        &crate::mail::brand(&settings),
    )?
    .with_secret(Secret::new(code), expires_at)?;
    let queued = outbox::enqueue(&mut tx, &message_key(code_id), &mail).await?;
    audit::record(
        &mut tx,
        &user.actor(),
        "auth.reset_code_sent",
        Some(("user", user.id.to_string())),
        Some(&format!("mail {}", queued.id)),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(queued.id))
}

/// The outbox idempotency key of a code's message.
fn message_key(code_id: i64) -> String {
    format!("password_reset:{code_id}")
}

/// Serialises changes to one account for the rest of the transaction.
async fn lock_user(conn: &mut sqlx::AnyConnection, backend: Backend, id: i64) -> Result<()> {
    match backend {
        Backend::Postgres => {
            sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        }
        // A write takes SQLite's single write lock for the rest of the transaction.
        Backend::Sqlite => {
            sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Sets a new password with a code. The newest unexpired, unused code counts. A try is
/// reserved in one statement before the code is compared, so parallel guesses can never
/// compare more than `MAX_TRIES`. Success also lifts a lockout (the owner proved the mailbox).
pub async fn reset(store: &Store, email: &str, code: &Secret, new: &Secret) -> Result<User> {
    let now = crate::now_ms();
    // The policy first: a right code with a weak password must not cost a try. It says
    // nothing about the account, so it may come before the look-up.
    check_password(new.expose(), &normalize_email(email))
        .map_err(|m| CoreError::validation("new", m))?;
    let Some(user) = by_email(store, email).await?.filter(|u| u.active) else {
        let _ = verify_password(dummy_hash(), code).await;
        return Err(wrong_code());
    };
    let reserved: Option<(i64, String, i64)> = sqlx::query_as(
        "UPDATE password_reset_codes SET attempts = attempts + 1 \
         WHERE id = (SELECT id FROM password_reset_codes \
                     WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 \
                     ORDER BY id DESC LIMIT 1) \
           AND used_at IS NULL AND expires_at > $2 AND attempts < $3 \
         RETURNING id, code_hash, attempts",
    )
    .bind(user.id)
    .bind(now)
    .bind(MAX_TRIES)
    .fetch_optional(store.pool())
    .await?;
    let Some((code_id, hash, try_no)) = reserved else {
        // No live code, or its tries are used up: refused without comparing.
        let _ = verify_password(dummy_hash(), code).await;
        audit::record_on(
            store,
            &user.actor(),
            "auth.reset_code_refused",
            Some(("user", user.id.to_string())),
            Some("no unexpired code with tries left"),
        )
        .await?;
        return Err(wrong_code());
    };
    if !verify_password(hash, &Secret::new(code.expose().trim())).await {
        audit::record_on(
            store,
            &user.actor(),
            "auth.reset_code_wrong",
            Some(("user", user.id.to_string())),
            Some(&format!("try {try_no} of {MAX_TRIES}")),
        )
        .await?;
        return Err(wrong_code());
    }
    let new_hash = hash_password(new).await?;
    let mut tx = store.pool().begin().await?;
    // Spend the code first; if another desktop used it a moment ago, nothing else changes.
    let spent = sqlx::query(
        "UPDATE password_reset_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
    )
    .bind(code_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if spent == 0 {
        return Err(wrong_code());
    }
    sqlx::query(
        "UPDATE users SET password_hash = $2, must_change_password = 0, failed_logins = 0, \
         locked_until = NULL, updated_at = $3 WHERE id = $1",
    )
    .bind(user.id)
    .bind(new_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // A used code is worthless: it leaves the outbox even if its message is still queued.
    sqlx::query("UPDATE mail_outbox SET secret = NULL WHERE idempotency_key = $1")
        .bind(message_key(code_id))
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &user.actor(),
        "auth.reset_by_code",
        Some(("user", user.id.to_string())),
        Some("reset by e-mailed code"),
    )
    .await?;
    let user = load(&mut tx, user.id).await?;
    tx.commit().await?;
    Ok(user)
}
