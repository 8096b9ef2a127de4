//! Account administration: the list, edits, activation, unlock, and imports' accounts.

use super::*;
use crate::stale::{Changed, LastChange};

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

pub(super) fn trimmed(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The name shown for a link: the ERP's name, or the code until the ERP has been asked.
pub(super) fn display_name<'a>(name: Option<&'a str>, code: Option<&'a str>) -> Option<&'a str> {
    trimmed(name).or(trimmed(code))
}

pub(super) fn not_found(id: i64) -> CoreError {
    CoreError::NotFound(format!("No account has the id {id}."))
}

pub(super) async fn load(conn: &mut sqlx::AnyConnection, id: i64) -> Result<User> {
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
    let email = normalize_email(&upd.email);
    if let Some(read) = upd.version
        && read != before.version
    {
        let (by, at_ms): (Option<String>, i64) =
            sqlx::query_as("SELECT updated_by, updated_at FROM users WHERE id = $1")
                .bind(upd.id)
                .fetch_one(&mut *tx)
                .await?;
        let none = |s: Option<&str>| s.unwrap_or("none").to_owned();
        let changed: Vec<Changed> = [
            Changed::field("name", &before.name, upd.name.trim()),
            Changed::field("e-mail", &before.email, &email),
            Changed::field("role", before.role.label(), upd.role.label()),
            Changed::field(
                "ERP customer",
                none(before.erp_customer.as_deref()),
                none(erp_customer),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let last = LastChange {
            version: before.version,
            by,
            at_ms,
        };
        return Err(crate::stale::refused(
            &format!("The account {}", before.email),
            read,
            &last,
            &changed,
        ));
    }
    if (before.role == Role::Customer) != (upd.role == Role::Customer) {
        return Err(CoreError::validation(
            "role",
            "A customer account cannot become a staff account or the other way round; create a new account.",
        ));
    }
    if before.role == Role::Admin && before.active && upd.role != Role::Admin {
        guard_last_admin(&mut tx, store.backend(), upd.id).await?;
    }
    // Conditional on the version read above: a change that raced in between is not reverted.
    let written = sqlx::query(
        "UPDATE users SET name = $2, email = $3, role = $4, erp_customer = $5, erp_verified = $6, updated_at = $7, \
         erp_customer_code = $8, erp_link_problem = NULL, version = version + 1, updated_by = $9 \
         WHERE id = $1 AND version = $10",
    )
    .bind(upd.id)
    .bind(upd.name.trim())
    .bind(&email)
    .bind(upd.role.as_str())
    .bind(erp_customer)
    .bind(i64::from(erp_verified))
    .bind(crate::now_ms())
    .bind(erp_code)
    .bind(&actor.label)
    .bind(before.version)
    .execute(&mut *tx)
    .await;
    // A refused write ends its transaction here, not when the pool next hands the
    // connection out (on SQLite the write lock would wait that long).
    let written = match written {
        Ok(r) => r.rows_affected(),
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(map_unique(e, &email));
        }
    };
    if written == 0 {
        let _ = tx.rollback().await;
        return Err(crate::stale::refused(
            &format!("The account {}", before.email),
            before.version,
            &LastChange {
                version: before.version + 1,
                by: None,
                at_ms: crate::now_ms(),
            },
            &[],
        ));
    }
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
