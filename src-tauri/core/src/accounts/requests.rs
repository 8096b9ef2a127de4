//! "Request an account": someone without an account asks at the sign-in screen; the admins
//! are mailed; an admin approves (a customer account is created, linked to the ERP customer
//! they pick) or rejects with a reason. A request never creates an account by itself.
//!
//! Abuse guards: one pending request per e-mail (a partial unique index), and at most
//! [`MAX_PENDING_PER_HOUR`] pending requests created in the last hour. An e-mail that already
//! has an account is treated like any other (stored, mailed, refused as a duplicate while
//! pending), so the replies never tell whether an account exists; the admin sees it in the list.

use super::{NewUser, User, create_in, hash_password, validate_new};
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::mail::templates::{AccountRequested, Template};
use crate::store::{Backend, Store};
use portdesk_types::accounts::{
    AccountRequestQuery, AccountRequestRow, AccountRequestStatus, NewAccountRequest, check_name,
    check_phone,
};
use portdesk_types::password::{check_email, normalize_email};
use portdesk_types::{Role, Secret};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Pending requests created within the last hour above which new ones wait ("try later").
pub const MAX_PENDING_PER_HOUR: i64 = 20;
const HOUR_MS: i64 = 3_600_000;
const MAX_COMPANY_CHARS: usize = 200;
const MAX_MESSAGE_CHARS: usize = 2_000;
const MAX_REASON_CHARS: usize = 500;
/// Serialises submissions on PostgreSQL, so the hourly cap holds under parallel requests.
const PG_LOCK_KEY: i64 = 7_263_100_014;

/// The reply to a second request while one is pending: the same whether or not the e-mail
/// has an account.
pub const ALREADY_PENDING: &str = "A request for this e-mail address is already waiting for an administrator. You will hear from us by e-mail; there is no need to ask again.";
pub const TRY_LATER: &str =
    "Many account requests have arrived in the last hour. Please try again later.";

const COLS: &str = "r.id, r.name, r.email, r.phone, r.company, r.message, r.status, r.created_at, \
     d.email AS decided_by, r.decided_at, r.user_id, r.reason, \
     (SELECT COUNT(*) FROM users x WHERE lower(x.email) = r.email) AS accounts";
const FROM: &str = "account_requests r LEFT JOIN users d ON d.id = r.decided_by";

fn from_row(r: &AnyRow) -> Result<AccountRequestRow> {
    let status: String = r.try_get("status")?;
    Ok(AccountRequestRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        company: r.try_get("company")?,
        message: r.try_get("message")?,
        status: AccountRequestStatus::parse(&status)
            .ok_or_else(|| CoreError::Internal(format!("unknown request status {status:?}")))?,
        created_at: r.try_get("created_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        user_id: r.try_get("user_id")?,
        reason: r.try_get("reason")?,
        has_account: r.try_get::<i64, _>("accounts")? > 0,
    })
}

/// The fields of a request, checked one by one (the error names the field) and trimmed.
fn checked(req: &NewAccountRequest) -> Result<NewAccountRequest> {
    let name = check_name(&req.name).map_err(|m| CoreError::validation("name", m))?;
    check_email(&req.email).map_err(|m| CoreError::validation("email", m))?;
    let phone = check_phone(req.phone.as_deref().unwrap_or_default())
        .map_err(|m| CoreError::validation("phone", m))?;
    let company = req.company.trim();
    if company.is_empty() {
        return Err(CoreError::validation("company", "Company is required."));
    }
    if company.chars().count() > MAX_COMPANY_CHARS {
        return Err(CoreError::validation(
            "company",
            format!("Company must be at most {MAX_COMPANY_CHARS} characters."),
        ));
    }
    let message = req.message.as_deref().map(str::trim).unwrap_or_default();
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(CoreError::validation(
            "message",
            format!("The message must be at most {MAX_MESSAGE_CHARS} characters."),
        ));
    }
    Ok(NewAccountRequest {
        name,
        email: normalize_email(&req.email),
        phone,
        company: company.to_owned(),
        message: (!message.is_empty()).then(|| message.to_owned()),
    })
}

/// Stores a request and queues one message to the active admins, in one transaction.
/// Returns the request's id.
pub async fn submit(store: &Store, req: &NewAccountRequest) -> Result<i64> {
    let req = checked(req)?;
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
    }
    // The insert comes first: on SQLite it takes the write lock at once (no read lock to
    // upgrade), and the unique index refuses a second pending request for the e-mail.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO account_requests (name, email, phone, company, message, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
    )
    .bind(&req.name)
    .bind(&req.email)
    .bind(req.phone.as_deref())
    .bind(&req.company)
    .bind(req.message.as_deref())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => CoreError::Conflict {
            field: Some("email"),
            message: ALREADY_PENDING.into(),
        },
        _ => e.into(),
    })?;
    let (recent,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM account_requests WHERE status = 'pending' AND created_at > $1",
    )
    .bind(now - HOUR_MS)
    .fetch_one(&mut *tx)
    .await?;
    if recent > MAX_PENDING_PER_HOUR {
        // Dropping the transaction rolls the insert back.
        tracing::warn!(recent, "account request refused: hourly cap reached");
        return Err(CoreError::Conflict {
            field: None,
            message: TRY_LATER.into(),
        });
    }
    let mut admins = Vec::new();
    for email in super::emails_with_role(&mut tx, Role::Admin).await? {
        // An admin address the transports would refuse must not refuse the request.
        match crate::mail::check_address("to", &email) {
            Ok(_) => admins.push(email),
            Err(_) => tracing::warn!("an admin's e-mail address is not deliverable; skipped"),
        }
    }
    let template = Template::AccountRequested(AccountRequested {
        name: req.name.clone(),
        email: req.email.clone(),
        phone: req.phone.clone().unwrap_or_default(),
        company: req.company.clone(),
        message: req.message.clone().unwrap_or_default(),
    });
    let mail = if admins.is_empty() {
        "no admin to mail".to_owned()
    } else {
        let queued =
            crate::mail::enqueue_template(&mut tx, &message_key(id), admins, &template).await?;
        format!("mail {}", queued.id)
    };
    audit::record(
        &mut tx,
        &Actor::system("account-request"),
        "account_request.create",
        Some(("account_request", id.to_string())),
        Some(&format!("company {:?}; {mail}", req.company)),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(request = id, "account request stored");
    Ok(id)
}

/// The outbox idempotency key of a request's message to the admins.
fn message_key(id: i64) -> String {
    format!("account_request:{id}")
}

/// Pending requests first (oldest first: who has waited longest), then, when asked, the
/// decided ones (latest first); at most 500.
pub async fn list(store: &Store, q: &AccountRequestQuery) -> Result<Vec<AccountRequestRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM {FROM} WHERE ($1 = 1 OR r.status = 'pending') \
         ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END, \
         CASE WHEN r.status = 'pending' THEN r.created_at ELSE -coalesce(r.decided_at, 0) END, r.id \
         LIMIT 500"
    ))
    .bind(i64::from(q.include_decided))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn by_id(store: &Store, id: i64) -> Result<AccountRequestRow> {
    load(&mut *store.pool().acquire().await?, id).await
}

async fn load(conn: &mut sqlx::AnyConnection, id: i64) -> Result<AccountRequestRow> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM {FROM} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref()
        .map(from_row)
        .transpose()?
        .ok_or_else(|| CoreError::NotFound(format!("No account request has the id {id}.")))
}

fn already_decided(r: &AccountRequestRow) -> CoreError {
    CoreError::Conflict {
        field: None,
        message: format!(
            "This request was already {} by {}.",
            r.status.as_str(),
            r.decided_by.as_deref().unwrap_or("an administrator")
        ),
    }
}

/// The ERP customer an approval links the account to, as the caller resolved it (see the
/// Customers window's `CreateAccount`).
#[derive(Debug, Clone)]
pub struct ErpLink {
    pub code: Option<String>,
    pub name: Option<String>,
    pub verified: bool,
}

/// Approves a pending request: one customer account with the request's name, e-mail and
/// phone, linked to `link`, with the temporary password `password`. The request's status
/// changes by one conditional UPDATE (`WHERE status = 'pending'`) in the transaction that
/// creates the account, so two admins approving at once create one account, and a refused
/// account (an e-mail taken meanwhile) leaves the request pending.
pub async fn approve(
    store: &Store,
    admin: &User,
    id: i64,
    link: ErpLink,
    password: Secret,
) -> Result<(AccountRequestRow, User)> {
    let request = by_id(store, id).await?;
    if request.status != AccountRequestStatus::Pending {
        return Err(already_decided(&request));
    }
    let new = NewUser::by_admin(
        &request.name,
        &request.email,
        Role::Customer,
        link.name,
        link.code,
        password,
    );
    validate_new(&new)?;
    let hash = hash_password(&new.password).await?;
    let actor = admin.actor();
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let taken = sqlx::query(
        "UPDATE account_requests SET status = 'approved', decided_by = $2, decided_at = $3 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(admin.id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if taken == 0 {
        drop(tx);
        return Err(already_decided(&by_id(store, id).await?));
    }
    // An e-mail with an account refuses here (the unique index); the request stays pending.
    let user = create_in(&mut tx, &actor, &new, &hash, link.verified).await?;
    super::profile::set_phone(&mut tx, user.id, request.phone.as_deref()).await?;
    sqlx::query("UPDATE account_requests SET user_id = $2 WHERE id = $1")
        .bind(id)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &actor,
        "account_request.approve",
        Some(("account_request", id.to_string())),
        Some(&format!("account {}", user.id)),
    )
    .await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(request = id, user_id = user.id, "account request approved");
    Ok((after, user))
}

/// Rejects a pending request with the admin's reason (kept with the request).
pub async fn reject(
    store: &Store,
    admin: &User,
    id: i64,
    reason: &str,
) -> Result<AccountRequestRow> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CoreError::validation(
            "reason",
            "Say why the request is rejected.",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(CoreError::validation(
            "reason",
            format!("The reason must be at most {MAX_REASON_CHARS} characters."),
        ));
    }
    let mut tx = store.pool().begin().await?;
    let taken = sqlx::query(
        "UPDATE account_requests SET status = 'rejected', decided_by = $2, decided_at = $3, reason = $4 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(admin.id)
    .bind(crate::now_ms())
    .bind(reason)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if taken == 0 {
        drop(tx);
        return Err(already_decided(&by_id(store, id).await?));
    }
    audit::record(
        &mut tx,
        &admin.actor(),
        "account_request.reject",
        Some(("account_request", id.to_string())),
        Some(reason),
    )
    .await?;
    let after = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(after)
}
