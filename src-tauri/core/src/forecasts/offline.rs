//! The sales rep's laptop: forecasts that open and edit without the shared store.
//!
//! Every grid read from the store is kept in the desktop's local store (with the rows' masters
//! and history, as the reply holds them); every edit goes to a local journal first, under an
//! idempotency key and the version of the cell it was made on, and is then replayed in order
//! through [`super::save_cells`] — the one place the rules live. The store records each key
//! it applied in the same transaction as the cell, so a replay cut short (kill -9 between the
//! store's commit and the journal's) and run again applies nothing twice. A cell changed on
//! the store since its base version comes back as a conflict and stays in the journal with
//! both values until the rep decides; an edit the store refuses (cycle closed, customer moved
//! to another rep, account no longer a rep) stays with the reason. On the embedded SQLite
//! default the same path runs with a store that always answers.

use crate::audit::Actor;
use crate::error::{CoreError, Result};
use crate::local::LocalStore;
use crate::store::Store;
use portdesk_types::forecasts::*;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Edits sent to the store in one transaction.
const BATCH: usize = 2_000;

/// Who replays: the journal's entries apply with this account's rights as the store knows
/// them now (not as they were when the edit was made).
#[derive(Debug, Clone)]
pub struct Replayer {
    pub user_id: i64,
    pub actor: Actor,
    pub admin: bool,
}

#[derive(Debug, Default)]
pub struct Replayed {
    pub applied: u32,
    pub conflicts: u32,
    pub refused: u32,
    /// Still pending: the store stopped answering.
    pub remaining: u32,
    /// Why each refused save was refused, by save id (see [`record`]).
    pub refusals: Vec<(String, CoreError)>,
}

fn json_err(e: serde_json::Error) -> CoreError {
    CoreError::Internal(format!("the local forecast copy cannot be read: {e}"))
}

/// Keeps the grid as read from the store, for the next time it does not answer.
pub async fn keep_grid(local: &LocalStore, user_id: i64, grid: &Grid) -> Result<()> {
    let json = serde_json::to_string(grid).map_err(json_err)?;
    sqlx::query(
        "INSERT INTO forecast_snapshots (user_id, cycle_id, grid, fetched_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, cycle_id) DO UPDATE SET grid = excluded.grid, fetched_at = excluded.fetched_at",
    )
    .bind(user_id)
    .bind(grid.cycle.id)
    .bind(json)
    .bind(crate::now_ms())
    .execute(local.pool())
    .await?;
    Ok(())
}

/// The grid as last read, and when; `None` if this desktop never read it.
pub async fn kept_grid(local: &LocalStore, user_id: i64, cycle_id: i64) -> Result<Option<Grid>> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT grid, fetched_at FROM forecast_snapshots WHERE user_id = $1 AND cycle_id = $2",
    )
    .bind(user_id)
    .bind(cycle_id)
    .fetch_optional(local.pool())
    .await?;
    row.map(|(json, at)| {
        let mut g: Grid = serde_json::from_str(&json).map_err(json_err)?;
        g.sync.offline_as_of = Some(at);
        Ok(g)
    })
    .transpose()
}

/// Writes cells the store has just taken into the kept grid (values, versions, totals),
/// keeping when it was read: the grid window shows a save before it reads the grid again, and
/// a store gone away in between must not leave this desktop's copy without it.
pub async fn keep_saved_cells(
    local: &LocalStore,
    user_id: i64,
    cycle_id: i64,
    saved: &HashMap<(String, String, String), (Option<i64>, i64)>,
) -> Result<()> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT grid FROM forecast_snapshots WHERE user_id = $1 AND cycle_id = $2")
            .bind(user_id)
            .bind(cycle_id)
            .fetch_optional(local.pool())
            .await?;
    let Some((json,)) = row else { return Ok(()) };
    let mut g: Grid = serde_json::from_str(&json).map_err(json_err)?;
    if g.rep_id != user_id {
        return Ok(());
    }
    for row in &mut g.rows {
        for cell in &mut row.cells {
            let key = (
                row.customer_code.clone(),
                row.part.clone(),
                cell.month.clone(),
            );
            if let Some((quantity, version)) = saved.get(&key) {
                cell.quantity = *quantity;
                cell.version = *version;
            }
        }
        row.total = row.cells.iter().filter_map(|c| c.quantity).sum();
    }
    for (m, total) in g.month_totals.iter_mut().enumerate() {
        *total = g
            .rows
            .iter()
            .filter_map(|r| r.cells.get(m).and_then(|c| c.quantity))
            .sum();
    }
    let json = serde_json::to_string(&g).map_err(json_err)?;
    sqlx::query("UPDATE forecast_snapshots SET grid = $1 WHERE user_id = $2 AND cycle_id = $3")
        .bind(json)
        .bind(user_id)
        .bind(cycle_id)
        .execute(local.pool())
        .await?;
    Ok(())
}

pub async fn keep_cycles(local: &LocalStore, user_id: i64, cycles: &[Cycle]) -> Result<()> {
    let json = serde_json::to_string(cycles).map_err(json_err)?;
    sqlx::query(
        "INSERT INTO forecast_cycles_seen (user_id, cycles, fetched_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET cycles = excluded.cycles, fetched_at = excluded.fetched_at",
    )
    .bind(user_id)
    .bind(json)
    .bind(crate::now_ms())
    .execute(local.pool())
    .await?;
    Ok(())
}

pub async fn kept_cycles(local: &LocalStore, user_id: i64) -> Result<Option<Vec<Cycle>>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT cycles FROM forecast_cycles_seen WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(local.pool())
            .await?;
    row.map(|(json,)| serde_json::from_str(&json).map_err(json_err))
        .transpose()
}

/// Puts edits into the journal, all or none. Values are checked here as the store would
/// (text, negative, fractional, absurd: refused by name); whether the customer and month are
/// the rep's is the store's to say at replay.
pub async fn record(
    local: &LocalStore,
    editor: &Actor,
    rep: i64,
    cycle_id: i64,
    edits: &[CellEdit],
) -> Result<String> {
    let mut checked = Vec::with_capacity(edits.len());
    for e in edits {
        let at = format!("{} {} {}", e.customer_code, e.part, e.month);
        super::parse_month("month", &e.month)?;
        checked.push((e, super::quantity(e.quantity, &at)?));
    }
    let now = crate::now_ms();
    let new_key = || {
        format!(
            "fj-{}-{now}-{:016x}{:016x}",
            editor.id.unwrap_or(0),
            fastrand::u64(..),
            fastrand::u64(..)
        )
    };
    let save_id = new_key();
    let user_id = editor.id.unwrap_or(0);
    let rows: Vec<(Entry, Option<String>)> = checked
        .iter()
        .map(|(e, qty)| {
            let entry = Entry {
                id: 0,
                key: e.key.clone().unwrap_or_else(new_key),
                save_id: save_id.clone(),
                user_id,
                actor: editor.label.clone(),
                cycle_id,
                rep_id: rep,
                cell: (e.customer_code.clone(), e.part.clone(), e.month.clone()),
                quantity: *qty,
                base_version: e.base_version,
            };
            let tag = local.device_key().map(|k| entry.tag(k));
            (entry, tag)
        })
        .collect();
    let mut tx = local.pool().begin().await?;
    // Multi-row statements: a pasted block or an import is thousands of edits.
    for chunk in rows.chunks(500) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 13;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, 'pending', ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11,
                    b + 12,
                    b + 13
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO forecast_journal (idempotency_key, save_id, user_id, actor, cycle_id, rep_id, erp_customer_code, \
             part, month, quantity, base_version, state, created_at, tag) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (e, tag) in chunk {
            q = q
                .bind(&e.key)
                .bind(&e.save_id)
                .bind(e.user_id)
                .bind(&e.actor)
                .bind(e.cycle_id)
                .bind(e.rep_id)
                .bind(&e.cell.0)
                .bind(&e.cell.1)
                .bind(&e.cell.2)
                .bind(e.quantity)
                .bind(e.base_version)
                .bind(now)
                .bind(tag);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(save_id)
}

#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    key: String,
    save_id: String,
    /// Who made the edit (the session that wrote it), and their label for the trail.
    user_id: i64,
    actor: String,
    cycle_id: i64,
    rep_id: i64,
    cell: (String, String, String),
    quantity: i64,
    base_version: i64,
}

impl Entry {
    /// The device key's tag over the edit and who made it: a row planted, edited or copied
    /// from another desktop does not carry a tag that checks out.
    fn tag(&self, key: &crate::device::DeviceKey) -> String {
        key.sign_texts("forecast-journal", &self.parts())
    }

    fn checks_out(&self, key: &crate::device::DeviceKey, tag: Option<&str>) -> bool {
        tag.is_some_and(|t| key.verify_texts("forecast-journal", &self.parts(), t))
    }

    fn parts(&self) -> [String; 11] {
        [
            self.key.clone(),
            self.save_id.clone(),
            self.user_id.to_string(),
            self.actor.clone(),
            self.cycle_id.to_string(),
            self.rep_id.to_string(),
            self.cell.0.clone(),
            self.cell.1.clone(),
            self.cell.2.clone(),
            self.quantity.to_string(),
            self.base_version.to_string(),
        ]
    }
}

/// Why a journal row that fails its check is not sent.
const TAMPERED: &str = "This edit was changed outside Portdesk (its check against this desktop's key failed): it was not sent.";

/// Replays `who`'s pending entries in order. Stops (with what remains) when the store stops
/// answering; any other error of a batch is pinned on its entries one by one.
pub async fn replay(local: &LocalStore, store: &Store, who: &Replayer) -> Result<Replayed> {
    let rows = sqlx::query(
        "SELECT id, idempotency_key, save_id, user_id, actor, cycle_id, rep_id, erp_customer_code, part, month, \
         quantity, base_version, tag FROM forecast_journal WHERE user_id = $1 AND state = 'pending' ORDER BY id",
    )
    .bind(who.user_id)
    .fetch_all(local.pool())
    .await?;
    let read = rows
        .iter()
        .map(|r| {
            Ok((
                Entry {
                    id: r.try_get("id")?,
                    key: r.try_get("idempotency_key")?,
                    save_id: r.try_get("save_id")?,
                    user_id: r.try_get("user_id")?,
                    actor: r.try_get("actor")?,
                    cycle_id: r.try_get("cycle_id")?,
                    rep_id: r.try_get("rep_id")?,
                    cell: (
                        r.try_get("erp_customer_code")?,
                        r.try_get("part")?,
                        r.try_get("month")?,
                    ),
                    quantity: r.try_get("quantity")?,
                    base_version: r.try_get("base_version")?,
                },
                r.try_get::<Option<String>, _>("tag")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out = Replayed::default();
    // Only what this desktop's key vouches for is sent; the rest is refused and reported,
    // with the whole save it claims to belong to (a save goes together or not at all).
    let bad: HashSet<String> = match local.device_key() {
        Some(k) => read
            .iter()
            .filter(|(e, tag)| !e.checks_out(k, tag.as_deref()))
            .map(|(e, _)| e.save_id.clone())
            .collect(),
        None => HashSet::new(),
    };
    let mut entries = Vec::with_capacity(read.len());
    for (e, _) in read {
        match bad.contains(&e.save_id) {
            true => {
                tracing::warn!(save = %e.save_id, "a journal row failed its check: refused, not sent");
                sqlx::query(
                    "UPDATE forecast_journal SET state = 'refused', detail = $1 WHERE id = $2 AND state = 'pending'",
                )
                .bind(TAMPERED)
                .bind(e.id)
                .execute(local.pool())
                .await?;
                out.refused += 1;
                if !out.refusals.iter().any(|(s, _)| *s == e.save_id) {
                    out.refusals.push((
                        e.save_id.clone(),
                        CoreError::Conflict {
                            field: None,
                            message: TAMPERED.into(),
                        },
                    ));
                }
            }
            false => entries.push(e),
        }
    }
    let mut at = 0;
    // After a refused batch, its saves go one at a time to find the refused ones.
    let mut single_until = 0;
    while at < entries.len() {
        let end = batch_end(&entries, at, at < single_until);
        let batch = &entries[at..end];
        let first = &batch[0];
        let req = SaveCells {
            cycle_id: first.cycle_id,
            edits: batch
                .iter()
                .map(|e| CellEdit {
                    customer_code: e.cell.0.clone(),
                    part: e.cell.1.clone(),
                    month: e.cell.2.clone(),
                    quantity: e.quantity as f64,
                    base_version: e.base_version,
                    key: Some(e.key.clone()),
                })
                .collect(),
        };
        match super::save_cells(store, &who.actor, first.rep_id, who.admin, &req).await {
            Ok(reply) => {
                let chained = settle(local, who.user_id, batch, &reply, &entries[end..]).await?;
                for (i, v) in chained {
                    entries[end + i].base_version = v;
                }
                out.applied += reply.applied;
                out.conflicts += reply.conflicts.len() as u32;
            }
            // The store away or refusing for the moment (restarting, deadlock, busy): the
            // batch stays pending and is tried again, never marked refused.
            Err(CoreError::Store(e)) if e.is_transient() => {
                out.remaining = (entries.len() - at) as u32;
                return Ok(out);
            }
            Err(e) if batch.iter().any(|x| x.save_id != first.save_id) => {
                tracing::info!(
                    "a journal batch was refused ({e}); replaying it one save at a time"
                );
                single_until = end;
                continue;
            }
            Err(e) => {
                sqlx::query(
                    "UPDATE forecast_journal SET state = 'refused', detail = $1 WHERE save_id = $2 AND state = 'pending'",
                )
                .bind(e.to_string())
                .bind(&first.save_id)
                .execute(local.pool())
                .await?;
                out.refused += batch.len() as u32;
                out.refusals.push((first.save_id.clone(), e));
            }
        }
        at = end;
    }
    Ok(out)
}

/// Where the batch starting at `at` ends: whole saves of one cycle and grid, up to [`BATCH`]
/// edits (a larger save goes whole), and a cell at most once unless one save repeats it
/// (the store then answers the repeat with a conflict, as it would online). `single`: one save.
fn batch_end(entries: &[Entry], at: usize, single: bool) -> usize {
    let first = &entries[at];
    let mut cells = HashSet::new();
    let mut end = at;
    while end < entries.len() {
        let e = &entries[end];
        let same_save = e.save_id == entries[end.max(1) - 1].save_id && end > at;
        if !same_save {
            // A new save starts here: does it fit?
            let save_end = entries[end..]
                .iter()
                .position(|x| x.save_id != e.save_id)
                .map_or(entries.len(), |n| end + n);
            let fits = e.cycle_id == first.cycle_id
                && e.rep_id == first.rep_id
                && (end == at || (!single && save_end - at <= BATCH))
                && entries[end..save_end]
                    .iter()
                    .all(|x| !cells.contains(&x.cell));
            if !fits {
                break;
            }
        }
        cells.insert(e.cell.clone());
        end += 1;
    }
    end
}

/// Records a batch's outcome in the journal in one transaction: applied entries leave it,
/// conflicts keep both values. Later entries on a cell this batch moved were made on top of
/// the edit just applied, so their base becomes its new version; returns those (index in
/// `later`, new base).
async fn settle(
    local: &LocalStore,
    user_id: i64,
    batch: &[Entry],
    reply: &SaveReply,
    later: &[Entry],
) -> Result<Vec<(usize, i64)>> {
    let conflicts: HashMap<(&str, &str, &str), &CellConflict> = reply
        .conflicts
        .iter()
        .map(|c| {
            (
                (c.customer_code.as_str(), c.part.as_str(), c.month.as_str()),
                c,
            )
        })
        .collect();
    let mut versions = reply.versions.iter();
    let mut moved: HashMap<&(String, String, String), (i64, i64)> = HashMap::new();
    let mut tx = local.pool().begin().await?;
    for e in batch {
        let cell = (e.cell.0.as_str(), e.cell.1.as_str(), e.cell.2.as_str());
        if let Some(c) = conflicts.get(&cell) {
            sqlx::query(
                "UPDATE forecast_journal SET state = 'conflict', theirs = $1, their_version = $2 WHERE id = $3",
            )
            .bind(c.theirs)
            .bind(c.version)
            .bind(e.id)
            .execute(&mut *tx)
            .await?;
        } else if let Some(v) = versions.next() {
            moved.insert(&e.cell, (e.base_version, *v));
        }
    }
    // The batch is one run of this user's pending entries: what is still pending in it applied.
    sqlx::query(
        "DELETE FROM forecast_journal WHERE user_id = $1 AND state = 'pending' AND id >= $2 AND id <= $3",
    )
    .bind(user_id)
    .bind(batch[0].id)
    .bind(batch[batch.len() - 1].id)
    .execute(&mut *tx)
    .await?;
    let mut chained = Vec::new();
    for (i, e) in later.iter().enumerate() {
        if let Some(&(old, new)) = moved.get(&e.cell)
            && e.base_version == old
        {
            // The row changes, so does its tag (this desktop's own write).
            let moved_on = Entry {
                base_version: new,
                ..e.clone()
            };
            sqlx::query("UPDATE forecast_journal SET base_version = $1, tag = $2 WHERE id = $3")
                .bind(new)
                .bind(local.device_key().map(|k| moved_on.tag(k)))
                .bind(e.id)
                .execute(&mut *tx)
                .await?;
            chained.push((i, new));
        }
    }
    tx.commit().await?;
    Ok(chained)
}

/// Shows the journal on a grid: pending values in their cells (marked), and what waits for
/// the rep (conflicts with both values, refused edits with the reason).
pub async fn overlay(local: &LocalStore, user_id: i64, grid: &mut Grid) -> Result<()> {
    let rows = sqlx::query(
        "SELECT erp_customer_code, part, month, quantity, state, theirs, their_version, detail \
         FROM forecast_journal WHERE user_id = $1 AND cycle_id = $2 AND rep_id = $3 ORDER BY id",
    )
    .bind(user_id)
    .bind(grid.cycle.id)
    .bind(grid.rep_id)
    .fetch_all(local.pool())
    .await?;
    let index: HashMap<(String, String), usize> = grid
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.customer_code.clone(), r.part.clone()), i))
        .collect();
    let mut sync = SyncState {
        offline_as_of: grid.sync.offline_as_of,
        ..SyncState::default()
    };
    for r in &rows {
        let (code, part, month): (String, String, String) = (
            r.try_get("erp_customer_code")?,
            r.try_get("part")?,
            r.try_get("month")?,
        );
        let quantity: i64 = r.try_get("quantity")?;
        match r.try_get::<String, _>("state")?.as_str() {
            "pending" => {
                sync.pending += 1;
                if let Some(&i) = index.get(&(code.clone(), part.clone()))
                    && let Some(c) = grid.rows[i].cells.iter_mut().find(|c| c.month == month)
                {
                    c.quantity = Some(quantity);
                    c.pending = true;
                }
            }
            "conflict" => sync.conflicts.push(CellConflict {
                customer_code: code,
                part,
                month,
                yours: quantity,
                theirs: r.try_get("theirs")?,
                version: r.try_get::<Option<i64>, _>("their_version")?.unwrap_or(0),
            }),
            _ => sync.refused.push(RefusedEdit {
                customer_code: code,
                part,
                month,
                quantity,
                reason: r
                    .try_get::<Option<String>, _>("detail")?
                    .unwrap_or_default(),
            }),
        }
    }
    // Totals follow what is shown.
    let n = grid.cycle.months.len();
    grid.month_totals = vec![0; n];
    for row in &mut grid.rows {
        row.total = row.cells.iter().filter_map(|c| c.quantity).sum();
        for (t, c) in grid.month_totals.iter_mut().zip(&row.cells) {
            *t += c.quantity.unwrap_or(0);
        }
    }
    grid.sync = sync;
    Ok(())
}

/// The rep's decision on a conflict or a refused edit: either way it leaves the journal
/// ("keep mine" then goes in again as a new edit on the store's version, by the caller).
pub async fn settle_cell(
    local: &LocalStore,
    user_id: i64,
    cycle_id: i64,
    cell: (&str, &str, &str),
) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM forecast_journal WHERE user_id = $1 AND cycle_id = $2 AND state IN ('conflict', 'refused') \
         AND erp_customer_code = $3 AND part = $4 AND month = $5",
    )
    .bind(user_id)
    .bind(cycle_id)
    .bind(cell.0)
    .bind(cell.1)
    .bind(cell.2)
    .execute(local.pool())
    .await?
    .rows_affected())
}

/// Takes a save out of the journal (the store refused it while the user waited for the answer).
pub async fn forget_save(local: &LocalStore, save_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM forecast_journal WHERE save_id = $1")
        .bind(save_id)
        .execute(local.pool())
        .await?;
    Ok(())
}

/// The conflicts waiting for the user's choice in a cycle.
pub async fn conflicts(
    local: &LocalStore,
    user_id: i64,
    cycle_id: i64,
) -> Result<Vec<CellConflict>> {
    type Row = (String, String, String, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT erp_customer_code, part, month, quantity, theirs, their_version FROM forecast_journal \
         WHERE user_id = $1 AND cycle_id = $2 AND state = 'conflict' ORDER BY id",
    )
    .bind(user_id)
    .bind(cycle_id)
    .fetch_all(local.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(customer_code, part, month, yours, theirs, v)| CellConflict {
                customer_code,
                part,
                month,
                yours,
                theirs,
                version: v.unwrap_or(0),
            },
        )
        .collect())
}

/// Conflicts found outside the journal (an Excel import) join it, so the grid shows them with
/// the others and the rep decides the same way.
pub async fn keep_conflicts(
    local: &LocalStore,
    editor: &Actor,
    rep: i64,
    cycle_id: i64,
    conflicts: &[CellConflict],
) -> Result<()> {
    let now = crate::now_ms();
    let save_id = format!(
        "fx-{}-{now}-{:016x}",
        editor.id.unwrap_or(0),
        fastrand::u64(..)
    );
    let mut tx = local.pool().begin().await?;
    for (i, c) in conflicts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO forecast_journal (idempotency_key, save_id, user_id, actor, cycle_id, rep_id, erp_customer_code, \
             part, month, quantity, base_version, state, theirs, their_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'conflict', $12, $11, $13)",
        )
        .bind(format!("{save_id}-{i}"))
        .bind(&save_id)
        .bind(editor.id.unwrap_or(0))
        .bind(&editor.label)
        .bind(cycle_id)
        .bind(rep)
        .bind(&c.customer_code)
        .bind(&c.part)
        .bind(&c.month)
        .bind(c.yours)
        .bind(c.version)
        .bind(c.theirs)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
