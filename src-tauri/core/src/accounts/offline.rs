//! Signing in on a sales rep's laptop while the shared store is away, trusting only what this
//! desktop can check.
//!
//! Each online sign-in or password change of a rep keeps, in the desktop's local store, an
//! **offline record**: a verifier derived for this desktop (argon2id of the password with a
//! salt of its own, tagged with the desktop's key from the OS keyring — never the password,
//! never the store's hash), a tag of the store's hash (to notice a new password at the next
//! contact), the last contact with the store, the failure count, and a tag over the whole
//! row ([`DeviceKey`]). Without the store the rep signs in against it to the offline-capable
//! windows only, as the account the record names. A record copied from another desktop, or
//! edited (another user id, another role, the failure count), fails its check and is
//! refused with the reply of any refused sign-in; one older than `max_days` without contact
//! lets nobody in. Failures are counted here (5 tries, then 15 minutes). When the store
//! answers again the session meets the store's account: deactivated, locked, a new password
//! or another role ends it and deletes the record (see `app::session`).

use super::User;
use crate::device::DeviceKey;
use crate::error::{CoreError, Result};
use crate::local::LocalStore;
use crate::secrets::SecretStore;
use crate::store::Store;
use portdesk_types::password::normalize_email;
use portdesk_types::{Role, Secret};

const MAX_FAILED: i64 = super::DEFAULT_MAX_FAILED_LOGINS;
const LOCKOUT_MS: i64 = super::DEFAULT_LOCKOUT_MINUTES * 60_000;
/// Days an offline record lasts without a contact with the store, unless configured.
pub const DEFAULT_MAX_DAYS: u32 = 14;

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

/// The store's hash as this desktop remembers it: a tag, so the file holds nothing to guess
/// passwords against or to present elsewhere.
pub fn server_tag(key: &DeviceKey, server_hash: &str) -> String {
    key.sign("offline-server-hash", &[server_hash.as_bytes()])
}

/// argon2id of `password` with `salt` (the store's cost). Kept only as the device key's tag
/// ([`VERIFIER`]), so a copy of the file cannot be guessed against elsewhere.
async fn stretched(salt: &str, password: &Secret) -> Result<[u8; 32]> {
    let (pw, salt_bytes) = (password.clone(), salt.as_bytes().to_vec());
    let raw = tokio::task::spawn_blocking(move || {
        let mut out = [0u8; 32];
        super::hasher()
            .hash_password_into(pw.expose().as_bytes(), &salt_bytes, &mut out)
            .map(|_| out)
            .map_err(|e| CoreError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))??;
    Ok(raw)
}

/// What the device key tags a stretched password as.
const VERIFIER: &str = "offline-verifier";

/// One row of `offline_records`, as kept and as tagged.
#[derive(Debug, Clone)]
struct Record {
    email: String,
    user_id: i64,
    name: String,
    role: String,
    salt: String,
    verifier: String,
    server_tag: String,
    last_contact: i64,
    failed: i64,
    locked_until: Option<i64>,
}

impl Record {
    fn tag(&self, key: &DeviceKey) -> String {
        key.sign_texts("offline-record", &self.parts())
    }

    fn parts(&self) -> [String; 10] {
        [
            self.email.clone(),
            self.user_id.to_string(),
            self.name.clone(),
            self.role.clone(),
            self.salt.clone(),
            self.verifier.clone(),
            self.server_tag.clone(),
            self.last_contact.to_string(),
            self.failed.to_string(),
            self.locked_until.map(|t| t.to_string()).unwrap_or_default(),
        ]
    }

    async fn write(&self, local: &LocalStore, key: &DeviceKey) -> Result<()> {
        sqlx::query(
            "INSERT INTO offline_records (email, user_id, name, role, salt, verifier, server_tag, last_contact, \
             failed, locked_until, tag) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (email) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, \
             role = excluded.role, salt = excluded.salt, verifier = excluded.verifier, \
             server_tag = excluded.server_tag, last_contact = excluded.last_contact, failed = excluded.failed, \
             locked_until = excluded.locked_until, tag = excluded.tag",
        )
        .bind(&self.email)
        .bind(self.user_id)
        .bind(&self.name)
        .bind(&self.role)
        .bind(&self.salt)
        .bind(&self.verifier)
        .bind(&self.server_tag)
        .bind(self.last_contact)
        .bind(self.failed)
        .bind(self.locked_until)
        .bind(self.tag(key))
        .execute(local.pool())
        .await?;
        Ok(())
    }

    /// The record for `email` if its tag checks out; a row that fails is deleted and said
    /// so in the log (a copy from another desktop, or an edit of the file).
    async fn read(local: &LocalStore, key: &DeviceKey, email: &str) -> Result<Option<Record>> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            i64,
            i64,
            Option<i64>,
            String,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT user_id, name, role, salt, verifier, server_tag, last_contact, failed, locked_until, tag \
             FROM offline_records WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(local.pool())
        .await?;
        let Some((
            user_id,
            name,
            role,
            salt,
            verifier,
            server_tag,
            last_contact,
            failed,
            locked_until,
            tag,
        )) = row
        else {
            return Ok(None);
        };
        let r = Record {
            email: email.to_owned(),
            user_id,
            name,
            role,
            salt,
            verifier,
            server_tag,
            last_contact,
            failed,
            locked_until,
        };
        if !key.verify_texts("offline-record", &r.parts(), &tag) {
            tracing::warn!(
                "an offline sign-in record failed its check (copied from another desktop or edited): deleted"
            );
            forget(local, email, None).await?;
            return Ok(None);
        }
        Ok(Some(r))
    }
}

async fn forget(local: &LocalStore, email: &str, user_id: Option<i64>) -> Result<()> {
    sqlx::query("DELETE FROM offline_records WHERE email = $1 OR user_id = $2")
        .bind(email)
        .bind(user_id.unwrap_or(-1))
        .execute(local.pool())
        .await?;
    Ok(())
}

/// What `keep` is given after a successful online sign-in or password change.
pub struct Contact<'a> {
    /// The password just checked or chosen.
    pub password: &'a Secret,
    /// The store's hash of it.
    pub server_hash: &'a str,
}

/// Keeps (or refreshes) this desktop's record after an online sign-in or a password change;
/// forgets it for a role without offline windows, an inactive account, or `None`.
pub async fn keep(
    local: &LocalStore,
    secrets: &dyn SecretStore,
    user: &User,
    contact: Option<Contact<'_>>,
) -> Result<()> {
    let email = normalize_email(&user.email);
    let Some(c) = contact.filter(|_| may_sign_in_offline(user.role) && user.active) else {
        return forget(local, &email, Some(user.id)).await;
    };
    let key = DeviceKey::get_or_create(secrets)?;
    let mut salt = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut salt);
    let salt: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    let record = Record {
        email,
        user_id: user.id,
        name: user.name.clone(),
        role: user.role.as_str().to_owned(),
        verifier: key.sign(VERIFIER, &[&stretched(&salt, c.password).await?]),
        salt,
        server_tag: server_tag(&key, c.server_hash),
        last_contact: crate::now_ms(),
        failed: 0,
        locked_until: None,
    };
    record.write(local, &key).await
}

/// Deletes this desktop's record of an account the store no longer lets in as it was
/// (deactivated, locked, a new password, another role).
pub async fn forget_account(local: &LocalStore, user: &User) -> Result<()> {
    forget(local, &normalize_email(&user.email), Some(user.id)).await
}

/// An offline sign-in: the account as this desktop's checked record names it, and the tag of
/// the store's hash it was kept with (compared with the store's when it answers again).
#[derive(Debug, Clone)]
pub struct OfflineSignIn {
    pub user: User,
    pub server_tag: String,
}

/// Checks `password` against this desktop's record: `None` when there is none to check
/// against (none kept, failed its check, expired after `max_days` without contact, or no
/// device key: the caller says the store is unavailable); a wrong password and a local
/// lockout get `refused`, after the same argon2 work.
pub async fn sign_in(
    local: &LocalStore,
    secrets: &dyn SecretStore,
    email: &str,
    password: &Secret,
    max_days: u32,
    refused: impl Fn() -> CoreError,
) -> Result<Option<OfflineSignIn>> {
    let email = normalize_email(email);
    let now = crate::now_ms();
    let key = DeviceKey::existing(secrets)?;
    let record = match &key {
        Some(k) => Record::read(local, k, &email).await?,
        None => None,
    };
    let (Some(key), Some(mut r)) = (key, record) else {
        super::verify_password(String::new(), password).await; // The same work as a check.
        return Ok(None);
    };
    if now - r.last_contact > i64::from(max_days) * 86_400_000 {
        tracing::info!(
            days = max_days,
            "an offline sign-in record expired without contact with the store: deleted"
        );
        forget(local, &email, None).await?;
        super::verify_password(String::new(), password).await;
        return Ok(None);
    }
    if r.locked_until.is_some_and(|t| t > now) {
        stretched(&r.salt, password).await?;
        return Err(refused());
    }
    let typed = stretched(&r.salt, password).await?;
    // The tag comparison is constant-time (HMAC's own).
    if !key.verify(VERIFIER, &[&typed], &r.verifier) {
        r.failed += 1;
        if r.failed >= MAX_FAILED {
            r.locked_until = Some(now + LOCKOUT_MS);
        }
        r.write(local, &key).await?;
        return Err(refused());
    }
    if r.failed != 0 || r.locked_until.is_some() {
        r.failed = 0;
        r.locked_until = None;
        r.write(local, &key).await?;
    }
    let role: Role = r.role.parse().map_err(CoreError::Internal)?;
    Ok(Some(OfflineSignIn {
        user: User {
            id: r.user_id,
            name: r.name,
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
            version: 0,
        },
        server_tag: r.server_tag,
    }))
}

/// Test support: moves this desktop's last contact with the store `days` into the past, as
/// that many days away from the office would (re-tagged, as the app itself writes it).
#[doc(hidden)]
pub async fn age_contact(
    local: &LocalStore,
    secrets: &dyn SecretStore,
    email: &str,
    days: i64,
) -> Result<()> {
    let Some(key) = DeviceKey::existing(secrets)? else {
        return Ok(());
    };
    if let Some(mut r) = Record::read(local, &key, &normalize_email(email)).await? {
        r.last_contact -= days * 86_400_000;
        r.write(local, &key).await?;
    }
    Ok(())
}

/// Test support: ends a local lockout as the 15 minutes passing would (re-tagged, as the app
/// itself writes it; an edit of the file would fail the check).
#[doc(hidden)]
pub async fn end_lockout(local: &LocalStore, secrets: &dyn SecretStore, email: &str) -> Result<()> {
    let Some(key) = DeviceKey::existing(secrets)? else {
        return Ok(());
    };
    if let Some(mut r) = Record::read(local, &key, &normalize_email(email)).await? {
        r.failed = 0;
        r.locked_until = None;
        r.write(local, &key).await?;
    }
    Ok(())
}
