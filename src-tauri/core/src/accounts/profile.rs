//! A user's own profile: name and phone, changed by the user themself. The account is always
//! the caller's (the request carries no id), so nobody edits another account this way.

use super::{User, not_found};
use crate::audit;
use crate::error::{CoreError, Result};
use crate::store::Store;
use portdesk_types::accounts::{Profile, ProfileUpdate, check_name, check_phone};
use sqlx::Row;

/// The account's profile as its owner sees it.
pub async fn get(store: &Store, id: i64) -> Result<Profile> {
    load(&mut *store.pool().acquire().await?, id).await
}

async fn load(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Profile> {
    let row = sqlx::query(
        "SELECT name, email, phone, role, erp_customer, version FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| not_found(id))?;
    let role: String = row.try_get("role")?;
    Ok(Profile {
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        role: role.parse().map_err(CoreError::Internal)?,
        erp_customer: row.try_get("erp_customer")?,
        version: row.try_get("version")?,
    })
}

/// Changes `user`'s own name and phone; refused input writes nothing. The audit entry names
/// the fields changed, not their values.
pub async fn update(store: &Store, user: &User, upd: &ProfileUpdate) -> Result<Profile> {
    let name = check_name(&upd.name).map_err(|m| CoreError::validation("name", m))?;
    let phone = check_phone(upd.phone.as_deref().unwrap_or_default())
        .map_err(|m| CoreError::validation("phone", m))?;
    let mut tx = store.pool().begin().await?;
    let before = load(&mut tx, user.id).await?;
    if let Some(read) = upd.version
        && read != before.version
    {
        let _ = tx.rollback().await;
        let none = |p: Option<&str>| p.unwrap_or("none").to_owned();
        let changed: Vec<crate::stale::Changed> = [
            crate::stale::Changed::field("name", &before.name, &name),
            crate::stale::Changed::field(
                "phone",
                none(before.phone.as_deref()),
                none(phone.as_deref()),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        return Err(crate::stale::refused_fields(
            "Your profile",
            &crate::stale::LastChange {
                version: before.version,
                by: None,
                at_ms: crate::now_ms(),
            },
            &changed,
        ));
    }
    // Conditional on the version just read: a change racing in between is not reverted.
    let written = sqlx::query(
        "UPDATE users SET version = version + 1, name = $2, phone = $3, updated_at = $4 WHERE id = $1 AND version = $5",
    )
    .bind(user.id)
    .bind(&name)
    .bind(phone.as_deref())
    .bind(crate::now_ms())
    .bind(before.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if written == 0 {
        let _ = tx.rollback().await;
        return Err(crate::stale::refused_fields(
            "Your profile",
            &crate::stale::LastChange {
                version: before.version + 1,
                by: None,
                at_ms: crate::now_ms(),
            },
            &[],
        ));
    }
    let mut changed = Vec::new();
    if before.name != name {
        changed.push("name");
    }
    if before.phone != phone {
        changed.push("phone");
    }
    audit::record(
        &mut tx,
        &user.actor(),
        "user.profile_update",
        Some(("user", user.id.to_string())),
        Some(&if changed.is_empty() {
            "no change".to_owned()
        } else {
            changed.join(", ")
        }),
    )
    .await?;
    let after = load(&mut tx, user.id).await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets an account's phone inside the caller's transaction (an approved account request
/// gives the new account the phone it asked with). `phone` has passed `check_phone`.
pub(crate) async fn set_phone(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    phone: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE users SET phone = $2 WHERE id = $1")
        .bind(id)
        .bind(phone)
        .execute(conn)
        .await?;
    Ok(())
}
