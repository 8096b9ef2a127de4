//! Accounts: staff and customer users, argon2id passwords, sign-in with lockout.

mod admin;
pub mod commands;
mod erp_link;
pub mod offline;
pub mod profile;
pub mod requests;
pub mod reset_codes;
pub mod xlsx;

pub use admin::*;
pub use erp_link::*;

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::settings;
use crate::store::Backend;
use crate::store::Store;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use portdesk_types::accounts::{
    AccountKind, AccountPage, AccountQuery, AccountRow, AccountSort, AccountStatus, AccountUpdate,
    ErpLinkProblem,
};
use portdesk_types::api::{ErpCustomer, SessionInfo};
use portdesk_types::password::{check_email, check_password, normalize_email};
use portdesk_types::{Role, Secret};
use rand_core::{OsRng, RngCore};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::sync::OnceLock;

pub const DEFAULT_MAX_FAILED_LOGINS: i64 = 5;
pub const DEFAULT_LOCKOUT_MINUTES: i64 = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The ERP customer's name, for display (refreshed from the ERP).
    pub erp_customer: Option<String>,
    /// The ERP customer code: the only thing that decides whose stock a customer sees.
    pub erp_customer_code: Option<String>,
    pub erp_link_problem: Option<ErpLinkProblem>,
    pub active: bool,
    pub must_change_password: bool,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub erp_verified: bool,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
    /// Rises with every change of what an admin edits (name, e-mail, role, ERP link).
    pub version: i64,
}

impl User {
    pub fn to_row(&self, now: i64) -> AccountRow {
        AccountRow {
            id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            erp_customer: self.erp_customer.clone(),
            erp_customer_code: self.erp_customer_code.clone(),
            erp_link_problem: self.erp_link_problem,
            erp_verified: self.erp_verified,
            active: self.active,
            locked: self.locked_until.is_some_and(|u| u > now),
            must_change_password: self.must_change_password,
            last_login_at: self.last_login_at,
            created_at: self.created_at,
            version: self.version,
        }
    }

    pub fn session_info(&self) -> SessionInfo {
        SessionInfo {
            user_id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role,
            must_change_password: self.must_change_password,
            erp_customer: self.erp_customer.clone(),
            erp_customer_code: self.erp_customer_code.clone(),
            offline: false,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::user(self.id, &self.email)
    }

    fn from_row(r: &AnyRow) -> Result<User> {
        let role: String = r.try_get("role")?;
        Ok(User {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            email: r.try_get("email")?,
            role: role.parse().map_err(CoreError::Internal)?,
            erp_customer: r.try_get("erp_customer")?,
            erp_customer_code: r.try_get("erp_customer_code")?,
            erp_link_problem: r
                .try_get::<Option<String>, _>("erp_link_problem")?
                .as_deref()
                .and_then(ErpLinkProblem::parse),
            active: r.try_get::<i64, _>("active")? != 0,
            must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            failed_logins: r.try_get("failed_logins")?,
            locked_until: r.try_get("locked_until")?,
            erp_verified: r.try_get::<i64, _>("erp_verified")? != 0,
            last_login_at: r.try_get("last_login_at")?,
            created_at: r.try_get("created_at")?,
            version: r.try_get("version")?,
        })
    }
}

const USER_COLS: &str = "id, name, email, role, erp_customer, erp_customer_code, erp_link_problem, active, must_change_password, failed_logins, locked_until, erp_verified, last_login_at, created_at, version";

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The ERP customer's name (display; linked by it at the next ERP read when no code).
    pub erp_customer: Option<String>,
    pub erp_customer_code: Option<String>,
    pub password: Secret,
    pub must_change_password: bool,
}

impl NewUser {
    /// An account made by an admin: a temporary password that must be changed at first sign-in.
    pub fn by_admin(
        name: &str,
        email: &str,
        role: Role,
        erp_customer: Option<String>,
        erp_customer_code: Option<String>,
        password: Secret,
    ) -> Self {
        NewUser {
            name: name.to_owned(),
            email: email.to_owned(),
            role,
            erp_customer,
            erp_customer_code,
            password,
            must_change_password: true,
        }
    }
}

/// argon2id with OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"),
    )
}

/// Hashing costs tens of milliseconds of CPU: keep it off the async executor.
pub async fn hash_password(password: &Secret) -> Result<String> {
    let pw = password.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(pw.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))?
}

/// Verifies in constant time (argon2's own comparison). A stored value that is no hash (an
/// imported account's "!") fails after the same work, against the dummy hash, so such an
/// account answers as slowly as one with a password.
pub(crate) async fn verify_password(hash: String, password: &Secret) -> bool {
    let pw = password.clone();
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(h) => hasher().verify_password(pw.expose().as_bytes(), &h).is_ok(),
        Err(_) => {
            let dummy = dummy_hash();
            if let Ok(h) = PasswordHash::new(&dummy) {
                let _ = hasher().verify_password(pw.expose().as_bytes(), &h);
            }
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A hash of nothing in particular, verified against when the e-mail is unknown, so an unknown
/// e-mail costs the same time as a wrong password.
fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            hasher()
                .hash_password(b"portdesk-timing-equaliser", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

fn validate_new(u: &NewUser) -> Result<()> {
    if u.name.trim().is_empty() {
        return Err(CoreError::validation("name", "Name is required."));
    }
    if u.name.trim().chars().count() > 200 {
        return Err(CoreError::validation(
            "name",
            "Name must be at most 200 characters.",
        ));
    }
    check_email(&u.email).map_err(|m| CoreError::validation("email", m))?;
    check_password(u.password.expose(), &u.email)
        .map_err(|m| CoreError::validation("password", m))?;
    if u.role == Role::Customer
        && u.erp_customer
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
        && u.erp_customer_code
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        return Err(CoreError::validation(
            "erp_customer",
            "A customer account must be linked to an ERP customer.",
        ));
    }
    Ok(())
}

fn map_unique(e: sqlx::Error, email: &str) -> CoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => CoreError::Conflict {
            field: Some("email"),
            message: format!("An account with the e-mail {email} already exists."),
        },
        _ => e.into(),
    }
}

pub async fn count(store: &Store) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(store.pool())
        .await?;
    Ok(n)
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<User>> {
    let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(User::from_row).transpose()
}

/// The e-mail addresses of the active accounts with `role` (for internal alerts).
pub async fn emails_with_role(conn: &mut sqlx::AnyConnection, role: Role) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT email FROM users WHERE role = $1 AND active = 1 ORDER BY id")
            .bind(role.as_str())
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().map(|(e,)| e).collect())
}

/// Active customer accounts linked to an ERP customer: who an order can be for.
pub async fn linked_customers(store: &Store) -> Result<Vec<User>> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLS} FROM users WHERE role = 'customer' AND active = 1 \
         AND erp_customer_code IS NOT NULL AND erp_link_problem IS NULL ORDER BY lower(name), id"
    ))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(User::from_row).collect()
}

pub async fn by_email(store: &Store, email: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLS} FROM users WHERE lower(email) = $1"
    ))
    .bind(normalize_email(email))
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(User::from_row).transpose()
}

/// Creates a user after checking every rule; the insert and its audit entry commit together.
pub async fn create(store: &Store, actor: &Actor, new: NewUser) -> Result<User> {
    create_checked(store, actor, new, true).await
}

/// As [`create`], recording whether the ERP customer was confirmed by the ERP.
pub async fn create_checked(
    store: &Store,
    actor: &Actor,
    new: NewUser,
    erp_verified: bool,
) -> Result<User> {
    validate_new(&new)?;
    let hash = hash_password(&new.password).await?;
    let mut tx = store.pool().begin().await?;
    let user = create_in(&mut tx, actor, &new, &hash, erp_verified).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, role = %user.role, "account created");
    Ok(user)
}

/// [`create_checked`]'s insert and audit entry inside the caller's transaction (an approved
/// account request commits the account with the request's new status). `new` must have
/// passed `validate_new` and `hash` be its password's.
async fn create_in(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    new: &NewUser,
    hash: &str,
    erp_verified: bool,
) -> Result<User> {
    let mut user = insert(&mut *conn, new, hash).await?;
    if !erp_verified {
        sqlx::query("UPDATE users SET erp_verified = 0 WHERE id = $1")
            .bind(user.id)
            .execute(&mut *conn)
            .await?;
        user.erp_verified = false;
    }
    audit::record(
        &mut *conn,
        actor,
        "user.create",
        Some(("user", user.id.to_string())),
        Some(&format!("role={}", user.role)),
    )
    .await?;
    Ok(user)
}

async fn insert(conn: &mut sqlx::AnyConnection, new: &NewUser, hash: &str) -> Result<User> {
    let email = normalize_email(&new.email);
    let now = crate::now_ms();
    let row = sqlx::query(&format!(
        "INSERT INTO users (name, email, role, erp_customer, erp_customer_code, password_hash, active, must_change_password, failed_logins, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $8, $5, 1, $6, 0, $7, $7) RETURNING {USER_COLS}"
    ))
    .bind(new.name.trim())
    .bind(&email)
    .bind(new.role.as_str())
    .bind(display_name(
        new.erp_customer.as_deref(),
        new.erp_customer_code.as_deref(),
    ))
    .bind(hash)
    .bind(i64::from(new.must_change_password))
    .bind(now)
    .bind(trimmed(new.erp_customer_code.as_deref()))
    .fetch_one(conn)
    .await
    .map_err(|e| map_unique(e, &email))?;
    User::from_row(&row)
}

/// The first run: creates the first admin, refused as soon as any account exists. A settings
/// row with a unique key makes two racing first runs (two windows, two desktops) create one.
pub async fn create_first_admin(
    store: &Store,
    name: &str,
    email: &str,
    password: &Secret,
) -> Result<User> {
    let new = NewUser {
        name: name.to_owned(),
        email: email.to_owned(),
        role: Role::Admin,
        erp_customer: None,
        erp_customer_code: None,
        password: password.clone(),
        must_change_password: false,
    };
    validate_new(&new)?;
    let hash = hash_password(password).await?;
    let mut tx = store.pool().begin().await?;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *tx)
        .await?;
    let guard = sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ('setup.first_admin', $1, $2)",
    )
    .bind(normalize_email(email))
    .bind(crate::now_ms())
    .execute(&mut *tx)
    .await;
    if n > 0 || guard.is_err() {
        return Err(CoreError::Conflict {
            field: None,
            message: "Portdesk is already set up: sign in instead.".into(),
        });
    }
    let user = insert(&mut tx, &new, &hash).await?;
    audit::record(
        &mut tx,
        &Actor::system("first-run"),
        "user.create_first_admin",
        Some(("user", user.id.to_string())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Where a sign-in happens: a kiosk signs in customer accounts only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInPlace {
    Desktop,
    Kiosk,
}

/// Signs a user in on a staff desktop; see [`authenticate_at`].
pub async fn authenticate(store: &Store, email: &str, password: &Secret) -> Result<User> {
    authenticate_at(store, email, password, SignInPlace::Desktop).await
}

/// Signs a user in. Every refusal (unknown e-mail, wrong password, an imported account
/// without a password, a locked account, a staff account at a kiosk) gets the same error and
/// costs one argon2 verification, so neither the reply nor its time tells them apart; the
/// audit log records which it was.
///
/// A failure is counted before the password is checked, in one statement that also locks the
/// account at the threshold, so parallel attempts cannot all pass the lockout check: once
/// locked, attempts are refused without checking the password. A right password clears the
/// count.
pub async fn authenticate_at(
    store: &Store,
    email: &str,
    password: &Secret,
    place: SignInPlace,
) -> Result<User> {
    let now = crate::now_ms();
    let max = settings::get_i64(
        store.pool(),
        settings::MAX_FAILED_LOGINS,
        DEFAULT_MAX_FAILED_LOGINS,
    )
    .await?;
    let minutes = settings::get_i64(
        store.pool(),
        settings::LOCKOUT_MINUTES,
        DEFAULT_LOCKOUT_MINUTES,
    )
    .await?;
    let refused = CoreError::InvalidCredentials {
        max_failed: max,
        lockout_minutes: minutes,
        kiosk: place == SignInPlace::Kiosk,
    };
    let Some(user) = by_email(store, email).await? else {
        let _ = verify_password(dummy_hash(), password).await;
        audit::record_on(
            store,
            &Actor::system("anonymous"),
            "auth.sign_in_failed",
            None,
            Some("unknown e-mail"),
        )
        .await?;
        return Err(refused);
    };
    let target = || Some(("user", user.id.to_string()));
    if place == SignInPlace::Kiosk && user.role != Role::Customer {
        // Refused before the password is looked at: a kiosk must not confirm a staff password.
        let _ = verify_password(dummy_hash(), password).await;
        audit::record_on(
            store,
            &user.actor(),
            "auth.kiosk_staff_refused",
            target(),
            Some("staff account at a kiosk; password not checked"),
        )
        .await?;
        return Err(refused);
    }
    // Reserve the attempt as a failure; an expired lock starts the count again.
    let reserved: Option<(i64, String)> = sqlx::query_as(
        "UPDATE users SET \
           failed_logins = CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END, \
           locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END) >= $2 \
                          THEN $3 ELSE NULL END, \
           updated_at = $4 \
         WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $4) \
         RETURNING failed_logins, password_hash",
    )
    .bind(user.id)
    .bind(max)
    .bind(now + minutes * 60_000)
    .bind(now)
    .fetch_optional(store.pool())
    .await?;
    let Some((failures, hash)) = reserved else {
        let _ = verify_password(dummy_hash(), password).await;
        audit::record_on(
            store,
            &user.actor(),
            "auth.sign_in_while_locked",
            target(),
            Some("password not checked"),
        )
        .await?;
        return Err(refused);
    };
    let has_password = PasswordHash::new(&hash).is_ok();
    if !verify_password(hash, password).await {
        let action = if failures >= max {
            "auth.account_locked"
        } else {
            "auth.sign_in_failed"
        };
        let detail = if has_password {
            format!("wrong password (failure {failures} of {max})")
        } else {
            format!("no password set yet (failure {failures} of {max})")
        };
        audit::record_on(store, &user.actor(), action, target(), Some(&detail)).await?;
        return Err(refused);
    }
    let mut tx = store.pool().begin().await?;
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    if !user.active {
        // Only a right password learns this: it tells the owner why, and nobody else.
        audit::record(
            &mut tx,
            &user.actor(),
            "auth.sign_in_deactivated",
            target(),
            None,
        )
        .await?;
        tx.commit().await?;
        return Err(CoreError::Conflict {
            field: None,
            message: "This account is deactivated. Ask an administrator to activate it.".into(),
        });
    }
    sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
        .bind(user.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, &user.actor(), "auth.sign_in", target(), None).await?;
    tx.commit().await?;
    Ok(User {
        failed_logins: 0,
        locked_until: None,
        last_login_at: Some(now),
        ..user
    })
}

/// The user's own change: needs the current password; clears "must change".
pub async fn change_password(
    store: &Store,
    user_id: i64,
    current: &Secret,
    new: &Secret,
) -> Result<User> {
    let user = by_id(store, user_id)
        .await?
        .ok_or(CoreError::Unauthenticated)?;
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(store.pool())
        .await?;
    if !verify_password(hash, current).await {
        return Err(CoreError::validation(
            "current",
            "The current password is wrong.",
        ));
    }
    if current == new {
        return Err(CoreError::validation(
            "new",
            "The new password must differ from the current one.",
        ));
    }
    check_password(new.expose(), &user.email).map_err(|m| CoreError::validation("new", m))?;
    let hash = hash_password(new).await?;
    let mut tx = store.pool().begin().await?;
    sqlx::query("UPDATE users SET password_hash = $2, must_change_password = 0, updated_at = $3 WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .bind(crate::now_ms())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &user.actor(),
        "auth.password_changed",
        Some(("user", user_id.to_string())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(User {
        must_change_password: false,
        ..user
    })
}

/// An admin's local reset: sets a temporary password (generated when none is given) that the
/// user must replace at the next sign-in; also lifts a lockout. Returns the temporary password
/// so it can be shown once; it is never stored or logged in clear.
pub async fn reset_password(
    store: &Store,
    actor: &Actor,
    email: &str,
    temporary: Option<Secret>,
) -> Result<(User, Secret)> {
    let user = by_email(store, email).await?.ok_or_else(|| {
        CoreError::NotFound(format!(
            "No account has the e-mail {}.",
            normalize_email(email)
        ))
    })?;
    let temp = match temporary {
        Some(t) => {
            check_password(t.expose(), &user.email)
                .map_err(|m| CoreError::validation("password", m))?;
            t
        }
        None => generate_password(&user.email),
    };
    let hash = hash_password(&temp).await?;
    let mut tx = store.pool().begin().await?;
    sqlx::query("UPDATE users SET password_hash = $2, must_change_password = 1, failed_logins = 0, locked_until = NULL, updated_at = $3 WHERE id = $1")
        .bind(user.id)
        .bind(hash)
        .bind(crate::now_ms())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "user.password_reset",
        Some(("user", user.id.to_string())),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok((
        User {
            must_change_password: true,
            failed_logins: 0,
            locked_until: None,
            ..user
        },
        temp,
    ))
}

pub async fn reset_password_by_id(
    store: &Store,
    actor: &Actor,
    id: i64,
    temporary: Option<Secret>,
) -> Result<(User, Secret)> {
    let user = by_id(store, id).await?.ok_or_else(|| not_found(id))?;
    reset_password(store, actor, &user.email, temporary).await
}

/// A 16-character random password from the OS generator; 64 symbols, so no modulo bias.
pub fn generate_password(email: &str) -> Secret {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-+=!@#*";
    loop {
        let mut bytes = [0u8; 16];
        OsRng.fill_bytes(&mut bytes);
        let pw: String = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(b & 63)] as char)
            .collect();
        if check_password(&pw, email).is_ok() {
            return Secret::new(pw);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let pw = Secret::new("Forklift-Harbour-42");
        let a = hash_password(&pw).await.unwrap();
        let b = hash_password(&pw).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password(a.clone(), &pw).await);
        assert!(!verify_password(a, &Secret::new("Forklift-Harbour-43")).await);
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate_password("ann@example.com");
        let b = generate_password("ann@example.com");
        assert_eq!(a.expose().len(), 16);
        assert_ne!(a, b);
        assert!(check_password(a.expose(), "ann@example.com").is_ok());
    }
}
