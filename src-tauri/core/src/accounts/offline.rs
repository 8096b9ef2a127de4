//! Signing in on a sales rep's laptop while the shared store is away. Each successful sign-in
//! of a rep keeps, in the desktop's local store, the store's own argon2id hash of the password
//! (a verifier, never the password); without the store, the rep signs in against it to the
//! offline-capable windows only. Failures are counted here (5 tries, then 15 minutes), and
//! every refusal is the one reply of any refused sign-in. When the store answers again the
//! session meets the store's account: deactivated, locked, a new password or another role
//! ends it (see `app::session`).

use super::User;
use crate::error::{CoreError, Result};
use crate::local::LocalStore;
use crate::store::Store;
use portdesk_types::password::normalize_email;
use portdesk_types::{Role, Secret};

const MAX_FAILED: i64 = super::DEFAULT_MAX_FAILED_LOGINS;
const LOCKOUT_MS: i64 = super::DEFAULT_LOCKOUT_MINUTES * 60_000;

/// Whether a role has a window that works offline (the forecast grid).
pub fn may_sign_in_offline(role: Role) -> bool {
    role == Role::SalesRep
}

/// The store's password hash for an account (`None`: no password).
pub async fn password_hash(store: &Store, user_id: i64) -> Result<Option<String>> {
    let (hash,): (Option<String>,) =
        sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(store.pool())
            .await?;
    Ok(hash)
}

/// Keeps (or refreshes) the verifier after a successful sign-in on the store; forgets it for a
/// role without offline windows.
pub async fn keep(local: &LocalStore, user: &User, hash: Option<&str>) -> Result<()> {
    let email = normalize_email(&user.email);
    match hash.filter(|_| may_sign_in_offline(user.role) && user.active) {
        Some(hash) => {
            sqlx::query(
                "INSERT INTO offline_verifiers (email, user_id, name, role, password_hash, failed, locked_until, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 0, NULL, $6) ON CONFLICT (email) DO UPDATE SET user_id = excluded.user_id, \
                 name = excluded.name, role = excluded.role, password_hash = excluded.password_hash, failed = 0, \
                 locked_until = NULL, updated_at = excluded.updated_at",
            )
            .bind(&email)
            .bind(user.id)
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(hash)
            .bind(crate::now_ms())
            .execute(local.pool())
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM offline_verifiers WHERE email = $1 OR user_id = $2")
                .bind(&email)
                .bind(user.id)
                .execute(local.pool())
                .await?;
        }
    }
    Ok(())
}

/// An offline sign-in: the account as this desktop last saw it, and the hash it was checked
/// against (compared with the store's when it answers again).
#[derive(Debug, Clone)]
pub struct OfflineSignIn {
    pub user: User,
    pub password_hash: String,
}

/// Checks `password` against the kept verifier: `None` when this desktop keeps none for the
/// e-mail (the caller says the store is unavailable: nothing else could let them in); a wrong
/// password and a local lockout get `refused`, after the same argon2 work.
pub async fn sign_in(
    local: &LocalStore,
    email: &str,
    password: &Secret,
    refused: impl Fn() -> CoreError,
) -> Result<Option<OfflineSignIn>> {
    let email = normalize_email(email);
    let now = crate::now_ms();
    let row: Option<(i64, String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT user_id, name, role, password_hash, failed, locked_until FROM offline_verifiers WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(local.pool())
    .await?;
    let Some((id, name, role, hash, _, locked_until)) = row else {
        super::verify_password(String::new(), password).await; // The same work as a check.
        return Ok(None);
    };
    if locked_until.is_some_and(|t| t > now) {
        super::verify_password(String::new(), password).await;
        return Err(refused());
    }
    if !super::verify_password(hash.clone(), password).await {
        // Reserved before the reply, as on the store: parallel tries cannot pass the limit.
        sqlx::query(
            "UPDATE offline_verifiers SET failed = failed + 1, \
             locked_until = CASE WHEN failed + 1 >= $1 THEN $2 ELSE locked_until END WHERE email = $3",
        )
        .bind(MAX_FAILED)
        .bind(now + LOCKOUT_MS)
        .bind(&email)
        .execute(local.pool())
        .await?;
        return Err(refused());
    }
    sqlx::query("UPDATE offline_verifiers SET failed = 0, locked_until = NULL WHERE email = $1")
        .bind(&email)
        .execute(local.pool())
        .await?;
    let role: Role = role.parse().map_err(CoreError::Internal)?;
    Ok(Some(OfflineSignIn {
        user: User {
            id,
            name,
            email,
            role,
            erp_customer: None,
            erp_customer_code: None,
            erp_link_problem: None,
            active: true,
            must_change_password: false,
            failed_logins: 0,
            locked_until: None,
            erp_verified: false,
            last_login_at: None,
            created_at: 0,
        },
        password_hash: hash,
    }))
}
