//! The link of a customer account to its ERP customer: codes found by name, and flags for an
//! admin where a name is ambiguous or unknown.

use super::*;

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
                            "UPDATE users SET version = version + 1, erp_customer = $2, erp_verified = 1, erp_link_problem = NULL, updated_at = $4 \
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
                        "UPDATE users SET version = version + 1, erp_customer_code = $2, erp_customer = $3, erp_verified = 1, updated_at = $4 \
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
        "UPDATE users SET version = version + 1, erp_customer = $2, updated_at = $3 \
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
