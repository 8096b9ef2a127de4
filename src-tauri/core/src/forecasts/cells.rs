//! Saving forecast cells: every value checked, each cell written only at the version its
//! editor saw (else a conflict with both values), each journal key applied once; a batch's
//! keys and new cells in multi-row statements.

use super::{MAX_QUANTITY, cycle, submission};
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::store::Store;
use portdesk_types::forecasts::*;
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

/// A typed value checked: a whole, non-negative number up to [`MAX_QUANTITY`].
pub(crate) fn quantity(q: f64, at: &str) -> Result<i64> {
    if !q.is_finite() || q < 0.0 {
        return Err(CoreError::validation(
            "quantity",
            format!("{at}: a forecast is 0 or more."),
        ));
    }
    if q.fract() != 0.0 {
        return Err(CoreError::validation(
            "quantity",
            format!("{at}: {q} is not a whole number of units."),
        ));
    }
    if q > MAX_QUANTITY as f64 {
        return Err(CoreError::validation(
            "quantity",
            format!("{at}: {q} is more than {MAX_QUANTITY}."),
        ));
    }
    Ok(q as i64)
}

/// Forecasts change only while their cycle is open; "closed" is named when it is.
pub(crate) fn ensure_open(c: &Cycle) -> Result<()> {
    if c.status == CycleStatus::Open {
        return Ok(());
    }
    Err(CoreError::Conflict {
        field: None,
        message: format!(
            "The cycle {} is {}: forecasts cannot be changed.",
            c.name,
            if c.status == CycleStatus::Closed {
                "closed"
            } else {
                "not open yet"
            }
        ),
    })
}

/// Saves cells for `rep` (an admin may save any rep's). Everything is checked first — cycle
/// open, the rep's forecast not submitted, each month in the cycle, each customer the rep's
/// and each product in the matrix, each value — and one bad cell refuses the whole batch.
/// Then, in one transaction, each cell is written only if its version is still the editor's
/// base; otherwise it is returned as a conflict (both values) and left as it is.
pub async fn save_cells(
    store: &Store,
    actor: &Actor,
    rep: i64,
    admin: bool,
    req: &SaveCells,
) -> Result<SaveReply> {
    let c = cycle(store, req.cycle_id).await?;
    ensure_open(&c)?;
    if req.edits.len() > 100_000 {
        return Err(CoreError::validation(
            "edits",
            "At most 100,000 cells per save.",
        ));
    }
    let owned = owned_rows(store, rep, admin, &req.edits).await?;
    let in_cycle: std::collections::HashSet<&str> = c.months.iter().map(String::as_str).collect();
    let mut checked = Vec::with_capacity(req.edits.len());
    for e in &req.edits {
        let at = format!("{} {} {}", e.customer_code, e.part, e.month);
        if !in_cycle.contains(e.month.as_str()) {
            return Err(CoreError::validation(
                "month",
                format!(
                    "{at}: {} is outside the cycle ({} to {}).",
                    e.month,
                    c.months[0],
                    c.months[c.months.len() - 1]
                ),
            ));
        }
        if !owned.contains(&(e.customer_code.clone(), e.part.clone())) {
            return Err(CoreError::validation(
                "customer_code",
                format!("{at}: not a customer and product of this forecast."),
            ));
        }
        checked.push((e, quantity(e.quantity, &at)?));
    }
    let mut tx = store.pool().begin().await?;
    if submission(&mut tx, req.cycle_id, rep).await? == SubmissionStatus::Submitted && !admin {
        return Err(CoreError::Conflict {
            field: None,
            message: "This forecast is submitted: take it back to change it.".into(),
        });
    }
    let now = crate::now_ms();
    let mut reply = SaveReply {
        applied: 0,
        versions: Vec::new(),
        conflicts: Vec::new(),
    };
    // A replayed journal or an import sends thousands of cells: their keys, and the cells new
    // to the store (base 0, the common case), go in multi-row statements first. Whatever those
    // did not take (a key seen before, a cell that exists, a cell twice) takes the one-cell
    // path below, which decides and words every outcome.
    let keys: Vec<&str> = checked
        .iter()
        .filter_map(|(e, _)| e.key.as_deref())
        .collect();
    let fresh = bulk_keys(&mut tx, req.cycle_id, &keys, now).await?;
    let mut seen_cell = HashSet::new();
    let new_cells: Vec<(&CellEdit, i64)> = checked
        .iter()
        .filter(|(e, _)| {
            e.base_version == 0
                && e.key.as_deref().is_none_or(|k| fresh.contains(k))
                && seen_cell.insert((&e.customer_code, &e.part, &e.month))
        })
        .map(|(e, q)| (*e, *q))
        .collect();
    let inserted = bulk_new_cells(&mut tx, req.cycle_id, &new_cells, actor.id, now).await?;
    // Likewise the updates of cells at their editor's version (a paste, an import): once
    // each cell; whatever they did not take (the version moved on) is a conflict below.
    let mut seen_cell = HashSet::new();
    let updates: Vec<(&CellEdit, i64)> = checked
        .iter()
        .filter(|(e, _)| {
            e.base_version > 0
                && e.key.as_deref().is_none_or(|k| fresh.contains(k))
                && seen_cell.insert((&e.customer_code, &e.part, &e.month))
        })
        .map(|(e, q)| (*e, *q))
        .collect();
    let mut updated_in_bulk = bulk_updates(&mut tx, req.cycle_id, &updates, actor.id, now).await?;
    let mut bulk_done: HashSet<(&str, &str, &str)> = HashSet::new();
    for (e, q) in checked {
        if e.key.as_deref().is_some_and(|k| !fresh.contains(k)) {
            // Applied by an earlier replay of the same journal entry.
            let (v,): (i64,) = sqlx::query_as(
                "SELECT version FROM forecast_cells WHERE cycle_id = $1 AND erp_customer_code = $2 AND part = $3 AND month = $4",
            )
            .bind(req.cycle_id)
            .bind(&e.customer_code)
            .bind(&e.part)
            .bind(&e.month)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or((0,));
            reply.applied += 1;
            reply.versions.push(v);
            continue;
        }
        let cell = (e.customer_code.as_str(), e.part.as_str(), e.month.as_str());
        if e.base_version == 0 && inserted.contains(&cell) && bulk_done.insert(cell) {
            reply.applied += 1;
            reply.versions.push(1);
            continue;
        }
        if e.base_version > 0
            && let Some(v) = updated_in_bulk.remove(&cell)
        {
            reply.applied += 1;
            reply.versions.push(v);
            continue;
        }
        // Written only when the stored version is still the editor's base: a new cell only if
        // there is none (base 0), else an update of exactly that version. One statement each.
        let sql = if e.base_version == 0 {
            "INSERT INTO forecast_cells (cycle_id, erp_customer_code, part, month, quantity, version, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7) ON CONFLICT (cycle_id, erp_customer_code, part, month) DO NOTHING \
             RETURNING version"
        } else {
            "UPDATE forecast_cells SET quantity = $5, version = version + 1, updated_by = $6, updated_at = $7 \
             WHERE cycle_id = $1 AND erp_customer_code = $2 AND part = $3 AND month = $4 AND version = $8 RETURNING version"
        };
        let mut stmt = sqlx::query_as::<_, (i64,)>(sql)
            .bind(req.cycle_id)
            .bind(&e.customer_code)
            .bind(&e.part)
            .bind(&e.month)
            .bind(q)
            .bind(actor.id)
            .bind(now);
        if e.base_version != 0 {
            stmt = stmt.bind(e.base_version);
        }
        // A new cell the bulk insert did not take exists already: no need to try it again.
        let updated = if e.base_version == 0 && bulk_done.contains(&cell) {
            None
        } else {
            stmt.fetch_optional(&mut *tx).await?
        };
        match updated {
            Some((v,)) => {
                reply.applied += 1;
                reply.versions.push(v);
            }
            None => {
                let theirs: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT quantity, version FROM forecast_cells WHERE cycle_id = $1 AND erp_customer_code = $2 AND part = $3 AND month = $4",
                )
                .bind(req.cycle_id)
                .bind(&e.customer_code)
                .bind(&e.part)
                .bind(&e.month)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(key) = &e.key {
                    // A conflict is not applied: its key must not count as applied.
                    sqlx::query("DELETE FROM forecast_edit_keys WHERE idempotency_key = $1")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                reply.conflicts.push(CellConflict {
                    customer_code: e.customer_code.clone(),
                    part: e.part.clone(),
                    month: e.month.clone(),
                    yours: q,
                    theirs: theirs.map(|(q, _)| q),
                    version: theirs.map_or(0, |(_, v)| v),
                });
            }
        }
    }
    if reply.applied > 0 {
        audit::record(
            &mut tx,
            actor,
            "forecast.edit",
            Some(("forecast_cycle", req.cycle_id.to_string())),
            Some(&format!(
                "rep {rep}: {} cell(s), {} conflict(s)",
                reply.applied,
                reply.conflicts.len()
            )),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(reply)
}

/// Rows per multi-row statement: well under SQLite's 32,766 and PostgreSQL's 65,535 binds.
const BULK_ROWS: usize = 500;

/// Which of the edits' (customer, part) rows `rep` may forecast (an admin: any planned row):
/// the customer assigned to the rep and active, the product active in the matrix. A few rows
/// are looked up by key; many, in one read of the rep's rows.
async fn owned_rows(
    store: &Store,
    rep: i64,
    admin: bool,
    edits: &[CellEdit],
) -> Result<HashSet<(String, String)>> {
    let rule = format!("{} AND ($1 = 1 OR a.rep_id = $2)", super::PLANNED_ROWS);
    let wanted: HashSet<(&str, &str)> = edits
        .iter()
        .map(|e| (e.customer_code.as_str(), e.part.as_str()))
        .collect();
    if wanted.len() > 40 * BULK_ROWS {
        let all: Vec<(String, String)> =
            sqlx::query_as(&format!("SELECT a.erp_customer_code, m.part {rule}"))
                .bind(i64::from(admin))
                .bind(rep)
                .fetch_all(store.pool())
                .await?;
        return Ok(all.into_iter().collect());
    }
    let wanted: Vec<(&str, &str)> = wanted.into_iter().collect();
    let mut owned = HashSet::with_capacity(wanted.len());
    for chunk in wanted.chunks(BULK_ROWS) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", i * 2 + 3, i * 2 + 4))
            .collect();
        let sql = format!(
            "SELECT a.erp_customer_code, m.part {rule} AND (m.erp_customer_code, m.part) IN (VALUES {})",
            values.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql)
            .bind(i64::from(admin))
            .bind(rep);
        for (c, p) in chunk {
            q = q.bind(*c).bind(*p);
        }
        owned.extend(q.fetch_all(store.pool()).await?);
    }
    Ok(owned)
}

/// The cells of a batch by key, borrowed from the edits (a statement's rows name them by value).
fn by_cell<'a>(
    chunk: &[(&'a CellEdit, i64)],
) -> HashMap<(&'a str, &'a str, &'a str), (&'a str, &'a str, &'a str)> {
    chunk
        .iter()
        .map(|(e, _)| {
            let k = (e.customer_code.as_str(), e.part.as_str(), e.month.as_str());
            (k, k)
        })
        .collect()
}

/// Updates cells still at their editor's base version in as few statements as possible;
/// returns each updated cell's new version (a cell whose version moved on is left for the
/// one-cell path, which reports the conflict).
async fn bulk_updates<'a>(
    tx: &mut AnyConnection,
    cycle_id: i64,
    cells: &[(&'a CellEdit, i64)],
    by: Option<i64>,
    now: i64,
) -> Result<HashMap<(&'a str, &'a str, &'a str), i64>> {
    let mut done = HashMap::with_capacity(cells.len());
    for chunk in cells.chunks(BULK_ROWS) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 5 + 4;
                format!("(${}, ${}, ${}, ${}, ${})", b, b + 1, b + 2, b + 3, b + 4)
            })
            .collect();
        // The same text on SQLite (3.33+) and PostgreSQL: the rows as a named CTE.
        let sql = format!(
            "WITH v (c, p, m, q, b) AS (VALUES {}) \
             UPDATE forecast_cells SET quantity = v.q, version = forecast_cells.version + 1, updated_by = $2, updated_at = $3 \
             FROM v WHERE forecast_cells.cycle_id = $1 AND forecast_cells.erp_customer_code = v.c \
             AND forecast_cells.part = v.p AND forecast_cells.month = v.m AND forecast_cells.version = v.b \
             RETURNING forecast_cells.erp_customer_code, forecast_cells.part, forecast_cells.month, forecast_cells.version",
            values.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, String, String, i64)>(&sql)
            .bind(cycle_id)
            .bind(by)
            .bind(now);
        for (e, qty) in chunk {
            q = q
                .bind(&e.customer_code)
                .bind(&e.part)
                .bind(&e.month)
                .bind(*qty)
                .bind(e.base_version);
        }
        let rows = q.fetch_all(&mut *tx).await?;
        let index = by_cell(chunk);
        for (c, p, m, v) in &rows {
            if let Some(cell) = index.get(&(c.as_str(), p.as_str(), m.as_str())) {
                done.insert(*cell, *v);
            }
        }
    }
    Ok(done)
}

/// Records edit keys in as few statements as possible; returns those that were new.
async fn bulk_keys(
    tx: &mut AnyConnection,
    cycle_id: i64,
    keys: &[&str],
    now: i64,
) -> Result<HashSet<String>> {
    let mut fresh = HashSet::with_capacity(keys.len());
    for chunk in keys.chunks(BULK_ROWS) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
            .collect();
        let sql = format!(
            "INSERT INTO forecast_edit_keys (idempotency_key, cycle_id, applied_at) VALUES {} \
             ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key",
            values.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String,)>(&sql);
        for k in chunk {
            q = q.bind(*k).bind(cycle_id).bind(now);
        }
        fresh.extend(q.fetch_all(&mut *tx).await?.into_iter().map(|(k,)| k));
    }
    Ok(fresh)
}

/// Inserts cells new to the store (version 1) in as few statements as possible; returns the
/// cells it inserted (a cell that exists already is left for the one-cell path).
async fn bulk_new_cells<'a>(
    tx: &mut AnyConnection,
    cycle_id: i64,
    cells: &[(&'a CellEdit, i64)],
    by: Option<i64>,
    now: i64,
) -> Result<HashSet<(&'a str, &'a str, &'a str)>> {
    let mut done = HashSet::with_capacity(cells.len());
    for chunk in cells.chunks(BULK_ROWS) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, 1, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO forecast_cells (cycle_id, erp_customer_code, part, month, quantity, version, updated_by, updated_at) \
             VALUES {} ON CONFLICT (cycle_id, erp_customer_code, part, month) DO NOTHING \
             RETURNING erp_customer_code, part, month",
            values.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
        for (e, qty) in chunk {
            q = q
                .bind(cycle_id)
                .bind(&e.customer_code)
                .bind(&e.part)
                .bind(&e.month)
                .bind(*qty)
                .bind(by)
                .bind(now);
        }
        let rows = q.fetch_all(&mut *tx).await?;
        let index = by_cell(chunk);
        for (c, p, m) in &rows {
            if let Some(cell) = index.get(&(c.as_str(), p.as_str(), m.as_str())) {
                done.insert(*cell);
            }
        }
    }
    Ok(done)
}
