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
    let row = sqlx::query("SELECT name, email, phone, role, erp_customer FROM users WHERE id = $1")
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
    sqlx::query("UPDATE users SET version = version + 1, name = $2, phone = $3, updated_at = $4 WHERE id = $1")
        .bind(user.id)
        .bind(&name)
        .bind(phone.as_deref())
        .bind(crate::now_ms())
        .execute(&mut *tx)
        .await?;
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
