//! Accounts: staff and customer users, argon2id passwords, sign-in with lockout.

pub mod commands;
pub mod offline;
pub mod profile;
pub mod requests;
pub mod reset_codes;
pub mod xlsx;

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
        })
    }
}

const USER_COLS: &str = "id, name, email, role, erp_customer, erp_customer_code, erp_link_problem, active, must_change_password, failed_logins, locked_until, erp_verified, last_login_at, created_at";

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

// ---- administration ----

/// Inserts an account whose password cannot be used until an admin resets it (imports).
pub async fn insert_without_password(
    conn: &mut sqlx::AnyConnection,
    name: &str,
    email: &str,
    role: Role,
    erp_customer: Option<&str>,
    erp_customer_code: Option<&str>,
    erp_verified: bool,
) -> Result<User> {
    let email = normalize_email(email);
    let now = crate::now_ms();
    let row = sqlx::query(&format!(
        "INSERT INTO users (name, email, role, erp_customer, erp_customer_code, password_hash, active, must_change_password, failed_logins, erp_verified, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $7, '!', 1, 1, 0, $5, $6, $6) RETURNING {USER_COLS}"
    ))
    .bind(name.trim())
    .bind(&email)
    .bind(role.as_str())
    .bind(display_name(erp_customer, erp_customer_code))
    .bind(i64::from(erp_verified))
    .bind(now)
    .bind(trimmed(erp_customer_code))
    .fetch_one(conn)
    .await
    .map_err(|e| map_unique(e, &email))?;
    User::from_row(&row)
}

fn trimmed(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The name shown for a link: the ERP's name, or the code until the ERP has been asked.
fn display_name<'a>(name: Option<&'a str>, code: Option<&'a str>) -> Option<&'a str> {
    trimmed(name).or(trimmed(code))
}

fn not_found(id: i64) -> CoreError {
    CoreError::NotFound(format!("No account has the id {id}."))
}

async fn load(conn: &mut sqlx::AnyConnection, id: i64) -> Result<User> {
    let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref()
        .map(User::from_row)
        .transpose()?
        .ok_or_else(|| not_found(id))
}

/// One page of accounts. Sorting comes from a fixed list of columns; every value is bound.
pub async fn list(store: &Store, q: &AccountQuery) -> Result<AccountPage> {
    let now = crate::now_ms();
    let order = match q.sort {
        AccountSort::Name => "lower(name)",
        AccountSort::Email => "email",
        AccountSort::ErpCustomer => "lower(coalesce(erp_customer, ''))",
        AccountSort::Role => "role",
        AccountSort::LastLogin => "coalesce(last_login_at, 0)",
        AccountSort::Created => "created_at",
    };
    let dir = if q.descending { "DESC" } else { "ASC" };
    let kind = match q.kind {
        AccountKind::Customers => "customers",
        AccountKind::Staff => "staff",
    };
    let status = match q.status {
        AccountStatus::All => "all",
        AccountStatus::Active => "active",
        AccountStatus::Inactive => "inactive",
        AccountStatus::Locked => "locked",
    };
    let search = q.search.trim().to_lowercase();
    let pattern = crate::erp::demo::like_contains(&search);
    let filter = "WHERE (($1 = 'customers' AND role = 'customer') OR ($1 = 'staff' AND role <> 'customer')) \
         AND ($2 = '' OR lower(name) LIKE $3 ESCAPE '\\' OR lower(email) LIKE $3 ESCAPE '\\' OR lower(coalesce(erp_customer, '')) LIKE $3 ESCAPE '\\' OR lower(coalesce(erp_customer_code, '')) LIKE $3 ESCAPE '\\') \
         AND ($4 = 'all' OR ($4 = 'active' AND active = 1) OR ($4 = 'inactive' AND active = 0) OR ($4 = 'locked' AND coalesce(locked_until, 0) > $5))";
    let page_size = q.page_size.clamp(1, 500);
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM users {filter}"))
        .bind(kind)
        .bind(&search)
        .bind(&pattern)
        .bind(status)
        .bind(now)
        .fetch_one(store.pool())
        .await?;
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLS} FROM users {filter} ORDER BY {order} {dir}, id {dir} LIMIT $6 OFFSET $7"
    ))
    .bind(kind)
    .bind(&search)
    .bind(&pattern)
    .bind(status)
    .bind(now)
    .bind(i64::from(page_size))
    .bind(i64::from(q.page) * i64::from(page_size))
    .fetch_all(store.pool())
    .await?;
    let rows = rows
        .iter()
        .map(|r| User::from_row(r).map(|u| u.to_row(now)))
        .collect::<Result<Vec<_>>>()?;
    Ok(AccountPage {
        rows,
        total: total as u64,
        page: q.page,
        page_size,
    })
}

/// Refuses a change that would leave no active admin. The admin rows are locked first, so
/// two admins demoting each other at once cannot both succeed.
async fn guard_last_admin(conn: &mut sqlx::AnyConnection, backend: Backend, id: i64) -> Result<()> {
    match backend {
        Backend::Postgres => {
            sqlx::query("SELECT id FROM users WHERE role = 'admin' AND active = 1 FOR UPDATE")
                .fetch_all(&mut *conn)
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
    let (others,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    if others == 0 {
        return Err(CoreError::Conflict {
            field: None,
            message: "Portdesk needs at least one active administrator; this is the last one."
                .into(),
        });
    }
    Ok(())
}

/// Edits name, e-mail, role and ERP customer (code and display name, as resolved by the
/// caller; saving a link clears a link problem). `erp_verified` says whether the ERP
/// confirmed the customer.
pub async fn update(
    store: &Store,
    actor: &Actor,
    upd: &AccountUpdate,
    erp_verified: bool,
) -> Result<AccountRow> {
    if upd.name.trim().is_empty() {
        return Err(CoreError::validation("name", "Name is required."));
    }
    check_email(&upd.email).map_err(|m| CoreError::validation("email", m))?;
    let erp_code = trimmed(upd.erp_customer_code.as_deref());
    let erp_customer = display_name(upd.erp_customer.as_deref(), erp_code);
    if upd.role == Role::Customer && erp_customer.is_none() {
        return Err(CoreError::validation(
            "erp_customer",
            "A customer account must be linked to an ERP customer.",
        ));
    }
    let mut tx = store.pool().begin().await?;
    let before = load(&mut tx, upd.id).await?;
    if (before.role == Role::Customer) != (upd.role == Role::Customer) {
        return Err(CoreError::validation(
            "role",
            "A customer account cannot become a staff account or the other way round; create a new account.",
        ));
    }
    if before.role == Role::Admin && before.active && upd.role != Role::Admin {
        guard_last_admin(&mut tx, store.backend(), upd.id).await?;
    }
    let email = normalize_email(&upd.email);
    sqlx::query(
        "UPDATE users SET name = $2, email = $3, role = $4, erp_customer = $5, erp_verified = $6, updated_at = $7, \
         erp_customer_code = $8, erp_link_problem = NULL WHERE id = $1",
    )
    .bind(upd.id)
    .bind(upd.name.trim())
    .bind(&email)
    .bind(upd.role.as_str())
    .bind(erp_customer)
    .bind(i64::from(erp_verified))
    .bind(crate::now_ms())
    .bind(erp_code)
    .execute(&mut *tx)
    .await
    .map_err(|e| map_unique(e, &email))?;
    let mut changes = Vec::new();
    if before.email != email {
        changes.push(format!("email {} -> {email}", before.email));
    }
    if before.role != upd.role {
        changes.push(format!("role {} -> {}", before.role, upd.role));
    }
    if before.erp_customer_code.as_deref() != erp_code {
        changes.push(format!(
            "erp_customer_code {:?} -> {:?}",
            before.erp_customer_code.clone().unwrap_or_default(),
            erp_code.unwrap_or_default()
        ));
    }
    if before.erp_customer.as_deref() != erp_customer {
        changes.push(format!(
            "erp_customer {:?} -> {:?}",
            before.erp_customer.unwrap_or_default(),
            erp_customer.unwrap_or_default()
        ));
    }
    if before.name != upd.name.trim() {
        changes.push("name".into());
    }
    audit::record(
        &mut tx,
        actor,
        "user.update",
        Some(("user", upd.id.to_string())),
        Some(&changes.join("; ")),
    )
    .await?;
    let after = load(&mut tx, upd.id).await?;
    tx.commit().await?;
    Ok(after.to_row(crate::now_ms()))
}

/// Activates or deactivates. A deactivated user cannot sign in, and their open session ends
/// at their next action (the session is re-read on every command).
pub async fn set_active(store: &Store, actor: &Actor, id: i64, active: bool) -> Result<AccountRow> {
    let mut tx = store.pool().begin().await?;
    let before = load(&mut tx, id).await?;
    if !active && before.role == Role::Admin && before.active {
        guard_last_admin(&mut tx, store.backend(), id).await?;
    }
    sqlx::query("UPDATE users SET active = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(i64::from(active))
        .bind(crate::now_ms())
        .execute(&mut *tx)
        .await?;
    let action = if active {
        "user.activate"
    } else {
        "user.deactivate"
    };
    audit::record(&mut tx, actor, action, Some(("user", id.to_string())), None).await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after.to_row(crate::now_ms()))
}

/// Lifts a lockout and clears the failure count.
pub async fn unlock(store: &Store, actor: &Actor, id: i64) -> Result<AccountRow> {
    let mut tx = store.pool().begin().await?;
    load(&mut tx, id).await?;
    sqlx::query(
        "UPDATE users SET locked_until = NULL, failed_logins = 0, updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(crate::now_ms())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        "user.unlock",
        Some(("user", id.to_string())),
        None,
    )
    .await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after.to_row(crate::now_ms()))
}

pub async fn unlock_by_email(store: &Store, actor: &Actor, email: &str) -> Result<AccountRow> {
    let user = by_email(store, email).await?.ok_or_else(|| {
        CoreError::NotFound(format!(
            "No account has the e-mail {}.",
            normalize_email(email)
        ))
    })?;
    unlock(store, actor, user.id).await
}

// ---- the link to the ERP customer ----

/// What [`sync_erp_links`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkSummary {
    /// Accounts linked to a code by their (unique) name.
    pub linked: u32,
    /// Accounts flagged for an admin: a name of several ERP customers, or of none.
    pub flagged: u32,
    /// Linked accounts whose display name followed a rename in the ERP.
    pub renamed: u32,
}

/// Brings customer accounts in line with the ERP's customer list. Idempotent; run at the
/// first ERP read of a process and whenever the full list is read:
/// - an account without a code and without a problem (from before codes, or saved while the
///   ERP was down) is linked by its name when exactly one ERP customer has it, else flagged
///   `ambiguous` or `not_found` for an admin to resolve (it sees no stock until then);
/// - a linked account's display name follows the ERP's (a rename keeps the link);
/// - a code typed while the ERP was down is confirmed, or flagged `not_found`.
///
/// Every write is guarded by the state it was decided on, so desktops running this at once
/// (or an admin saving the account meanwhile) cannot overwrite each other's result.
pub async fn sync_erp_links(store: &Store, erp: &[ErpCustomer]) -> Result<LinkSummary> {
    use std::collections::HashMap;
    let mut by_code: HashMap<&str, &ErpCustomer> = HashMap::new();
    let mut by_name: HashMap<String, Vec<&ErpCustomer>> = HashMap::new();
    for c in erp {
        by_code.insert(c.code.trim(), c);
        by_name
            .entry(c.name.trim().to_lowercase())
            .or_default()
            .push(c);
    }
    type LinkRow = (i64, Option<String>, Option<String>, Option<String>, i64);
    let accounts: Vec<LinkRow> = sqlx::query_as(
        "SELECT id, erp_customer, erp_customer_code, erp_link_problem, erp_verified FROM users WHERE role = 'customer'",
    )
    .fetch_all(store.pool())
    .await?;
    let actor = Actor::system("erp-link");
    let now = crate::now_ms();
    let mut sum = LinkSummary::default();
    let mut tx = store.pool().begin().await?;
    for (id, name, code, problem, verified) in accounts {
        let target = Some(("user", id.to_string()));
        match (code.as_deref().map(str::trim), problem.as_deref()) {
            (Some(code), _) => {
                if let Some(c) = by_code.get(code) {
                    if name.as_deref() != Some(c.name.as_str())
                        || verified == 0
                        || problem.is_some()
                    {
                        let n = sqlx::query(
                            "UPDATE users SET erp_customer = $2, erp_verified = 1, erp_link_problem = NULL, updated_at = $4 \
                             WHERE id = $1 AND erp_customer_code = $3",
                        )
                        .bind(id)
                        .bind(&c.name)
                        .bind(code)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        sum.renamed += u32::from(n > 0 && name.as_deref() != Some(c.name.as_str()));
                    }
                } else if verified == 0 && problem.is_none() {
                    let n = flag(&mut tx, id, ErpLinkProblem::NotFound, Some(code), now).await?;
                    if n > 0 {
                        sum.flagged += 1;
                        let detail = format!("the ERP has no customer with the code {code}");
                        audit::record(
                            &mut tx,
                            &actor,
                            "user.erp_link_problem",
                            target,
                            Some(&detail),
                        )
                        .await?;
                    }
                }
            }
            (None, None) => {
                let key = name.as_deref().unwrap_or_default().trim().to_lowercase();
                let hits = by_name.get(&key).map(Vec::as_slice).unwrap_or_default();
                if let [c] = hits {
                    let n = sqlx::query(
                        "UPDATE users SET erp_customer_code = $2, erp_customer = $3, erp_verified = 1, updated_at = $4 \
                         WHERE id = $1 AND erp_customer_code IS NULL AND erp_link_problem IS NULL",
                    )
                    .bind(id)
                    .bind(c.code.trim())
                    .bind(&c.name)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n > 0 {
                        sum.linked += 1;
                        let detail = format!("linked by name to ERP customer {}", c.label());
                        audit::record(&mut tx, &actor, "user.erp_link", target, Some(&detail))
                            .await?;
                    }
                } else {
                    let (problem, detail) = if hits.is_empty() {
                        (
                            ErpLinkProblem::NotFound,
                            "no ERP customer has this name".to_owned(),
                        )
                    } else {
                        let mut codes: Vec<&str> = hits.iter().map(|c| c.code.as_str()).collect();
                        codes.sort_unstable();
                        (
                            ErpLinkProblem::Ambiguous,
                            format!(
                                "{} ERP customers have this name: {}",
                                hits.len(),
                                codes.join(", ")
                            ),
                        )
                    };
                    if flag(&mut tx, id, problem, None, now).await? > 0 {
                        sum.flagged += 1;
                        audit::record(
                            &mut tx,
                            &actor,
                            "user.erp_link_problem",
                            target,
                            Some(&detail),
                        )
                        .await?;
                    }
                }
            }
            // Flagged: waits for an admin.
            (None, Some(_)) => {}
        }
    }
    tx.commit().await?;
    if sum != LinkSummary::default() {
        tracing::info!(
            linked = sum.linked,
            flagged = sum.flagged,
            renamed = sum.renamed,
            "customer accounts synced with the ERP's customer list"
        );
    }
    Ok(sum)
}

/// Customer accounts waiting for the link-by-name step (no code, no problem recorded).
pub async fn unlinked_customers(store: &Store) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE role = 'customer' AND erp_customer_code IS NULL AND erp_link_problem IS NULL",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(n)
}

/// Accounts linked to this customer's code take its current ERP name (display only).
pub async fn follow_erp_name(store: &Store, customer: &ErpCustomer) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE users SET erp_customer = $2, updated_at = $3 \
         WHERE erp_customer_code = $1 AND (erp_customer IS NULL OR erp_customer <> $2)",
    )
    .bind(customer.code.trim())
    .bind(&customer.name)
    .bind(crate::now_ms())
    .execute(store.pool())
    .await?
    .rows_affected())
}

async fn flag(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    problem: ErpLinkProblem,
    code: Option<&str>,
    now: i64,
) -> Result<u64> {
    let q = match code {
        Some(code) => sqlx::query(
            "UPDATE users SET erp_link_problem = $2, updated_at = $3 \
             WHERE id = $1 AND erp_link_problem IS NULL AND erp_customer_code = $4 AND erp_verified = 0",
        )
        .bind(id)
        .bind(problem.as_str())
        .bind(now)
        .bind(code),
        None => sqlx::query(
            "UPDATE users SET erp_link_problem = $2, updated_at = $3 \
             WHERE id = $1 AND erp_link_problem IS NULL AND erp_customer_code IS NULL",
        )
        .bind(id)
        .bind(problem.as_str())
        .bind(now),
    };
    Ok(q.execute(conn).await?.rows_affected())
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
