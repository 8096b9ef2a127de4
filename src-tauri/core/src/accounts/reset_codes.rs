//! "Forgot password": a one-time code e-mailed through the outbox, then a new password set
//! with it. The code is queued in the same transaction that stores its hash, so a failed
//! request sends nothing and a sent code always exists.

use super::{User, by_email, dummy_hash, hash_password, load, verify_password};
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::mail::templates::{PasswordReset, Template};
use crate::store::Store;
use portdesk_types::Secret;
use portdesk_types::password::check_password;
use rand_core::{OsRng, RngCore};

/// How long a code works.
pub const VALID_MINUTES: u32 = 15;
/// Wrong tries before a code is spent.
pub const MAX_TRIES: i64 = 5;
/// Codes per account within `VALID_MINUTES`: more requests send nothing (no mail bombing).
pub const MAX_CODES: i64 = 3;

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
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM password_reset_codes WHERE user_id = $1 AND created_at > $2",
    )
    .bind(user.id)
    .bind(now - i64::from(VALID_MINUTES) * 60_000)
    .fetch_one(&mut *tx)
    .await?;
    if recent >= MAX_CODES {
        audit::record(
            &mut tx,
            &user.actor(),
            "auth.reset_code_rate_limited",
            Some(("user", user.id.to_string())),
            None,
        )
        .await?;
        tx.commit().await?;
        return Ok(None);
    }
    let code_id: i64 = sqlx::query_scalar(
        "INSERT INTO password_reset_codes (user_id, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user.id)
    .bind(hash)
    .bind(now)
    .bind(now + i64::from(VALID_MINUTES) * 60_000)
    .fetch_one(&mut *tx)
    .await?;
    let template = Template::PasswordReset(PasswordReset {
        name: user.name.clone(),
        code,
        valid_minutes: VALID_MINUTES,
    });
    let queued = crate::mail::enqueue_template(
        &mut tx,
        &format!("password_reset:{code_id}"),
        vec![user.email.clone()],
        &template,
    )
    .await?;
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

/// Sets a new password with a code. The newest unexpired, unused code counts; a wrong code
/// uses up one of its tries. Success also lifts a lockout (the owner proved the mailbox).
pub async fn reset(store: &Store, email: &str, code: &Secret, new: &Secret) -> Result<User> {
    let now = crate::now_ms();
    let Some(user) = by_email(store, email).await?.filter(|u| u.active) else {
        let _ = verify_password(dummy_hash(), code).await;
        return Err(wrong_code());
    };
    let row: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, code_hash, attempts FROM password_reset_codes \
         WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(user.id)
    .bind(now)
    .fetch_optional(store.pool())
    .await?;
    let Some((code_id, hash, tries)) = row.filter(|r| r.2 < MAX_TRIES) else {
        let _ = verify_password(dummy_hash(), code).await;
        return Err(wrong_code());
    };
    if !verify_password(hash, &Secret::new(code.expose().trim())).await {
        sqlx::query("UPDATE password_reset_codes SET attempts = attempts + 1 WHERE id = $1")
            .bind(code_id)
            .execute(store.pool())
            .await?;
        audit::record_on(
            store,
            &user.actor(),
            "auth.reset_code_wrong",
            Some(("user", user.id.to_string())),
            Some(&format!("try {} of {MAX_TRIES}", tries + 1)),
        )
        .await?;
        return Err(wrong_code());
    }
    check_password(new.expose(), &user.email).map_err(|m| CoreError::validation("new", m))?;
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
    audit::record(
        &mut tx,
        &user.actor(),
        "auth.password_reset_by_code",
        Some(("user", user.id.to_string())),
        None,
    )
    .await?;
    let user = load(&mut tx, user.id).await?;
    tx.commit().await?;
    Ok(user)
}
