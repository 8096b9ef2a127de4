//! S&OP forecasts: cycles (draft → open → closed, reopened with a reason), which rep plans
//! which ERP customer, the customer-product matrix, and the forecast cells. Every cell has a
//! version; a save names the version its editor saw, and a cell changed since then comes back
//! as a conflict with both values instead of being overwritten. Edits may carry an
//! idempotency key (the offline journal's), so replaying a journal twice applies it once.
//!
//! Owns `forecast_assignments`, `forecast_matrix`, `forecast_cycles`,
//! `forecast_submissions`, `forecast_cells`, `forecast_edit_keys`, `forecast_history`.
//!
//! The laptop's offline copy and journal: [`offline`]. Excel in and out: `xlsx.rs` (the grid),
//! `masters.rs` (assignments and the matrix).

mod cells;
pub mod commands;
pub mod masters;
pub mod offline;
pub mod reminders;
pub mod report;
pub mod xlsx;

pub use cells::save_cells;
pub(crate) use cells::{ensure_open, quantity};

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::mail::templates::{self, Template};
use crate::store::Store;
use portdesk_types::Role;
use portdesk_types::forecasts::*;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// The largest quantity a forecast cell takes.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// `"2027-01"` → (2027, 1).
pub fn parse_month(field: &'static str, s: &str) -> Result<(i32, u32)> {
    let bad =
        || CoreError::validation(field, format!("\"{}\" is not a month (YYYY-MM).", s.trim()));
    let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(2000..=2200).contains(&y) || !(1..=12).contains(&m) || s.trim().len() != 7 {
        return Err(bad());
    }
    Ok((y, m))
}

/// The `horizon` months from `first`, as `YYYY-MM`.
pub fn months(first: (i32, u32), horizon: u32) -> Vec<String> {
    (0..horizon)
        .map(|i| {
            let n = first.0 * 12 + first.1 as i32 - 1 + i as i32;
            format!("{:04}-{:02}", n / 12, n % 12 + 1)
        })
        .collect()
}

fn cycle_of(r: &sqlx::any::AnyRow) -> Result<Cycle> {
    let first: String = r.try_get("first_month")?;
    let horizon = r.try_get::<i64, _>("horizon")? as u32;
    let status: String = r.try_get("status")?;
    Ok(Cycle {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        months: months(parse_month("first_month", &first)?, horizon),
        first_month: first,
        horizon,
        deadline: r.try_get("deadline")?,
        status: CycleStatus::parse(&status)
            .ok_or_else(|| CoreError::Internal(format!("unknown cycle status {status}")))?,
    })
}

const CYCLE_COLS: &str = "id, name, first_month, horizon, deadline, status";

pub async fn cycle(store: &Store, id: i64) -> Result<Cycle> {
    let r = sqlx::query(&format!(
        "SELECT {CYCLE_COLS} FROM forecast_cycles WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| CoreError::NotFound(format!("There is no cycle {id}.")))?;
    cycle_of(&r)
}

pub async fn list_cycles(store: &Store) -> Result<Vec<Cycle>> {
    sqlx::query(&format!(
        "SELECT {CYCLE_COLS} FROM forecast_cycles ORDER BY first_month DESC, id DESC"
    ))
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(cycle_of)
    .collect()
}

pub async fn create_cycle(store: &Store, actor: &Actor, c: &NewCycle) -> Result<Cycle> {
    let name = c.name.trim();
    if name.is_empty() {
        return Err(CoreError::validation("name", "Give the cycle a name."));
    }
    let first = parse_month("first_month", &c.first_month)?;
    if !(12..=18).contains(&c.horizon) {
        return Err(CoreError::validation(
            "horizon",
            "The horizon must be 12 to 18 months.",
        ));
    }
    let starts = chrono::NaiveDate::from_ymd_opt(first.0, first.1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
        .ok_or_else(|| CoreError::validation("first_month", "Not a month."))?;
    if c.deadline < starts {
        return Err(CoreError::validation(
            "deadline",
            format!(
                "The deadline is before the cycle's first month ({}).",
                c.first_month.trim()
            ),
        ));
    }
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO forecast_cycles (name, first_month, horizon, deadline, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'draft', $5, $5) RETURNING id",
    )
    .bind(name)
    .bind(c.first_month.trim())
    .bind(i64::from(c.horizon))
    .bind(c.deadline)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        "forecast.cycle_create",
        Some(("forecast_cycle", id.to_string())),
        Some(&format!(
            "{name}: {} + {} months",
            c.first_month.trim(),
            c.horizon
        )),
    )
    .await?;
    tx.commit().await?;
    cycle(store, id).await
}

/// One status step of a cycle, decided by a conditional UPDATE.
async fn step(
    store: &Store,
    actor: &Actor,
    id: i64,
    from: CycleStatus,
    to: CycleStatus,
    detail: &str,
) -> Result<AnyTx> {
    let mut tx = store.pool().begin().await?;
    let moved: Option<(i64,)> = sqlx::query_as(
        "UPDATE forecast_cycles SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4 RETURNING id",
    )
    .bind(to.as_str())
    .bind(crate::now_ms())
    .bind(id)
    .bind(from.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    if moved.is_none() {
        drop(tx);
        let now = cycle(store, id).await?;
        return Err(CoreError::Conflict {
            field: None,
            message: format!(
                "The cycle {} is {}; it cannot become {}.",
                now.name,
                now.status.as_str(),
                to.as_str()
            ),
        });
    }
    audit::record(
        &mut tx,
        actor,
        &format!("forecast.cycle_{}", to.as_str()),
        Some(("forecast_cycle", id.to_string())),
        Some(&format!("{} → {}{detail}", from.as_str(), to.as_str())),
    )
    .await?;
    Ok(tx)
}

type AnyTx = sqlx::Transaction<'static, sqlx::Any>;

/// Opens a draft cycle and e-mails every active rep who has customers, in one transaction.
pub async fn open_cycle(store: &Store, actor: &Actor, id: i64) -> Result<Cycle> {
    let c = cycle(store, id).await?;
    let mut tx = step(store, actor, id, CycleStatus::Draft, CycleStatus::Open, "").await?;
    let reps: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT DISTINCT u.id, u.name, u.email FROM users u JOIN forecast_assignments a ON a.rep_id = u.id \
         WHERE u.active = 1 AND u.role = 'sales_rep' AND a.active = 1 ORDER BY u.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let deadline = chrono::DateTime::from_timestamp_millis(c.deadline)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let period = format!("{} to {}", c.months[0], c.months[c.months.len() - 1]);
    for (rep, name, email) in reps {
        let t = Template::ForecastCycleOpened(templates::ForecastCycleOpened {
            name,
            cycle: c.name.clone(),
            period: period.clone(),
            deadline: deadline.clone(),
        });
        crate::mail::enqueue_template(
            &mut tx,
            &format!("forecast-open:{id}:{rep}"),
            vec![email],
            &t,
        )
        .await?;
    }
    tx.commit().await?;
    cycle(store, id).await
}

pub async fn close_cycle(store: &Store, actor: &Actor, id: i64) -> Result<Cycle> {
    step(store, actor, id, CycleStatus::Open, CycleStatus::Closed, "")
        .await?
        .commit()
        .await?;
    cycle(store, id).await
}

pub async fn reopen_cycle(store: &Store, actor: &Actor, id: i64, reason: &str) -> Result<Cycle> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CoreError::validation(
            "reason",
            "Give a reason; it goes into the audit trail.",
        ));
    }
    step(
        store,
        actor,
        id,
        CycleStatus::Closed,
        CycleStatus::Open,
        &format!(": {reason}"),
    )
    .await?
    .commit()
    .await?;
    cycle(store, id).await
}

pub async fn assign(store: &Store, actor: &Actor, a: &Assignment) -> Result<Assignment> {
    let code = a.customer_code.trim();
    if code.is_empty() {
        return Err(CoreError::validation(
            "customer_code",
            "Choose the ERP customer.",
        ));
    }
    let mut tx = store.pool().begin().await?;
    if let Some(rep) = a.rep_id {
        let role: Option<(String, i64)> =
            sqlx::query_as("SELECT role, active FROM users WHERE id = $1")
                .bind(rep)
                .fetch_optional(&mut *tx)
                .await?;
        if !matches!(role, Some((r, 1)) if r == Role::SalesRep.as_str()) {
            return Err(CoreError::validation(
                "rep_id",
                "Choose an active sales rep.",
            ));
        }
    }
    sqlx::query(
        "INSERT INTO forecast_assignments (erp_customer_code, customer_name, rep_id, active, updated_at) \
         VALUES ($1, $2, $3, 1, $4) ON CONFLICT (erp_customer_code) DO UPDATE SET customer_name = excluded.customer_name, \
         rep_id = excluded.rep_id, updated_at = excluded.updated_at",
    )
    .bind(code)
    .bind(a.customer.trim())
    .bind(a.rep_id)
    .bind(crate::now_ms())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        "forecast.assign",
        Some(("erp_customer", code.to_owned())),
        Some(&format!(
            "rep {}",
            a.rep_id.map_or("none".into(), |r| r.to_string())
        )),
    )
    .await?;
    tx.commit().await?;
    Ok(Assignment {
        customer_code: code.to_owned(),
        customer: a.customer.trim().to_owned(),
        rep_id: a.rep_id,
    })
}

pub async fn set_matrix(store: &Store, m: &MatrixEntry) -> Result<MatrixEntry> {
    if m.customer_code.trim().is_empty() || m.part.trim().is_empty() {
        return Err(CoreError::validation(
            "part",
            "Choose the customer and the product.",
        ));
    }
    sqlx::query(
        "INSERT INTO forecast_matrix (erp_customer_code, part, description, active) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (erp_customer_code, part) DO UPDATE SET description = excluded.description, active = 1",
    )
    .bind(m.customer_code.trim())
    .bind(m.part.trim())
    .bind(m.description.trim())
    .execute(store.pool())
    .await?;
    Ok(m.clone())
}

async fn submission(conn: &mut AnyConnection, cycle_id: i64, rep: i64) -> Result<SubmissionStatus> {
    let s: Option<(String,)> = sqlx::query_as(
        "SELECT status FROM forecast_submissions WHERE cycle_id = $1 AND rep_id = $2",
    )
    .bind(cycle_id)
    .bind(rep)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match s {
        Some((s,)) if s == "submitted" => SubmissionStatus::Submitted,
        _ => SubmissionStatus::Draft,
    })
}

/// The rep's grid: their active customers × the matrix's products × the cycle's months.
/// Which rows are planned (the customer assigned and active, the product active in the
/// matrix), as `FROM … WHERE …` for `a` (assignments) and `m` (matrix): the grid's rows, the
/// import's check and the save's, from one rule.
pub(crate) const PLANNED_ROWS: &str = "FROM forecast_assignments a \
    JOIN forecast_matrix m ON m.erp_customer_code = a.erp_customer_code \
    WHERE a.active = 1 AND m.active = 1";

/// The rows of a rep's grid (customer × part), without their cells: what an import checks a
/// sheet's rows against.
#[derive(Debug, Default)]
pub struct GridKeys {
    /// Customer code → its parts.
    pub parts: HashMap<String, std::collections::HashSet<String>>,
}

impl GridKeys {
    pub fn has(&self, customer_code: &str, part: &str) -> bool {
        self.parts
            .get(customer_code)
            .is_some_and(|p| p.contains(part))
    }
    pub fn has_customer(&self, customer_code: &str) -> bool {
        self.parts.contains_key(customer_code)
    }
}

/// The rows [`grid`] shows `rep` (same rule), keys only.
pub async fn grid_keys(store: &Store, rep: i64) -> Result<GridKeys> {
    let rows: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT a.erp_customer_code, m.part {PLANNED_ROWS} AND a.rep_id = $1"
    ))
    .bind(rep)
    .fetch_all(store.pool())
    .await?;
    let mut keys = GridKeys::default();
    for (c, p) in rows {
        keys.parts.entry(c).or_default().insert(p);
    }
    Ok(keys)
}

/// The stored value and version of each of `cells` (customer, part, month) in `cycle_id`;
/// a cell never filled is absent. Looked up by key, a few hundred per statement.
pub async fn stored_cells<'a>(
    store: &Store,
    cycle_id: i64,
    cells: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) -> Result<HashMap<(String, String, String), (Option<i64>, i64)>> {
    const PER_STATEMENT: usize = 300;
    let cells: Vec<_> = cells.collect();
    let mut out = HashMap::with_capacity(cells.len());
    for chunk in cells.chunks(PER_STATEMENT) {
        let mut sql = String::from(
            "SELECT erp_customer_code, part, month, quantity, version FROM forecast_cells \
             WHERE cycle_id = $1 AND (erp_customer_code, part, month) IN (VALUES ",
        );
        for i in 0..chunk.len() {
            let n = 2 + i * 3;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${n}, ${}, ${})", n + 1, n + 2));
        }
        sql.push(')');
        let mut q = sqlx::query_as::<_, (String, String, String, i64, i64)>(&sql).bind(cycle_id);
        for (c, p, m) in chunk {
            q = q.bind(*c).bind(*p).bind(*m);
        }
        for (c, p, m, quantity, version) in q.fetch_all(store.pool()).await? {
            out.insert((c, p, m), (Some(quantity), version));
        }
    }
    Ok(out)
}

pub async fn grid(store: &Store, cycle_id: i64, rep: i64) -> Result<Grid> {
    let c = cycle(store, cycle_id).await?;
    let rows = sqlx::query(&format!(
        "SELECT a.erp_customer_code, a.customer_name, m.part, m.description {PLANNED_ROWS} \
         AND a.rep_id = $1 ORDER BY a.customer_name, a.erp_customer_code, m.part"
    ))
    .bind(rep)
    .fetch_all(store.pool())
    .await?;
    let cells = sqlx::query(
        "SELECT c.erp_customer_code, c.part, c.month, c.quantity, c.version FROM forecast_cells c \
         JOIN forecast_assignments a ON a.erp_customer_code = c.erp_customer_code \
         WHERE c.cycle_id = $1 AND a.rep_id = $2",
    )
    .bind(cycle_id)
    .bind(rep)
    .fetch_all(store.pool())
    .await?;
    let mut by_key: HashMap<(String, String, String), (i64, i64)> = HashMap::new();
    for r in &cells {
        by_key.insert(
            (
                r.try_get("erp_customer_code")?,
                r.try_get("part")?,
                r.try_get("month")?,
            ),
            (r.try_get("quantity")?, r.try_get("version")?),
        );
    }
    // From the kept ERP history: the 12 months before the cycle, and each cycle month's
    // counterpart a year earlier (for the chart and the report), in one read.
    let first = parse_month("first_month", &c.first_month)?;
    let year_ago = months((first.0 - 1, first.1), 1)[0].clone();
    let span = c.months.len().max(12) as u32;
    let end = months((first.0 - 1, first.1), span + 1)[span as usize].clone();
    let history = sqlx::query(
        "SELECT h.erp_customer_code, h.part, h.month, h.quantity FROM forecast_history h \
         JOIN forecast_assignments a ON a.erp_customer_code = h.erp_customer_code \
         WHERE a.rep_id = $1 AND h.month >= $2 AND h.month < $3",
    )
    .bind(rep)
    .bind(&year_ago)
    .bind(&end)
    .fetch_all(store.pool())
    .await?;
    let a_year_before: HashMap<String, usize> = c
        .months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (y, mo) = parse_month("month", m)?;
            Ok((months((y - 1, mo), 1)[0].clone(), i))
        })
        .collect::<Result<_>>()?;
    let mut last_12: HashMap<(String, String), i64> = HashMap::new();
    let mut by_month: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for r in &history {
        let key: (String, String) = (r.try_get("erp_customer_code")?, r.try_get("part")?);
        let month: String = r.try_get("month")?;
        let q: i64 = r.try_get("quantity")?;
        if month < c.first_month {
            *last_12.entry(key.clone()).or_default() += q;
        }
        if let Some(&i) = a_year_before.get(&month) {
            by_month
                .entry(key)
                .or_insert_with(|| vec![0; c.months.len()])[i] += q;
        }
    }
    let mut history_totals = vec![0i64; c.months.len()];
    let mut month_totals = vec![0i64; c.months.len()];
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let code: String = r.try_get("erp_customer_code")?;
        let part: String = r.try_get("part")?;
        let mut total = 0;
        let cells = c
            .months
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let got = by_key.get(&(code.clone(), part.clone(), m.clone()));
                if let Some((q, _)) = got {
                    total += q;
                    month_totals[i] += q;
                }
                Cell {
                    month: m.clone(),
                    quantity: got.map(|(q, _)| *q),
                    version: got.map_or(0, |(_, v)| *v),
                    pending: false,
                }
            })
            .collect();
        let history = by_month
            .remove(&(code.clone(), part.clone()))
            .unwrap_or_else(|| vec![0; c.months.len()]);
        for (t, h) in history_totals.iter_mut().zip(&history) {
            *t += h;
        }
        out.push(GridRow {
            history,
            last_12_months: last_12
                .get(&(code.clone(), part.clone()))
                .copied()
                .unwrap_or(0),
            customer: r.try_get("customer_name")?,
            customer_code: code,
            part,
            description: r.try_get("description")?,
            cells,
            total,
        });
    }
    let mut conn = store.pool().acquire().await?;
    Ok(Grid {
        status: submission(&mut conn, cycle_id, rep).await?,
        cycle: c,
        rep_id: rep,
        rows: out,
        month_totals,
        history_totals,
        sync: SyncState::default(),
    })
}

/// For every active assignment: the ERP's sales history copied into `forecast_history`
/// (replaced per customer) and each part sold added to the matrix. One transaction per
/// customer; an ERP that cannot be read fails the step with its message, changing nothing more.
pub async fn derive_matrix(
    store: &Store,
    erp: &crate::erp::Erp,
    actor: &Actor,
) -> Result<DeriveReply> {
    let customers: Vec<(String,)> = sqlx::query_as(
        "SELECT erp_customer_code FROM forecast_assignments WHERE active = 1 ORDER BY erp_customer_code",
    )
    .fetch_all(store.pool())
    .await?;
    let mut reply = DeriveReply {
        customers: 0,
        history_rows: 0,
        matrix_added: 0,
    };
    for (code,) in customers {
        let rows = erp.sales_history(&code).await?;
        let mut tx = store.pool().begin().await?;
        sqlx::query("DELETE FROM forecast_history WHERE erp_customer_code = $1")
            .bind(&code)
            .execute(&mut *tx)
            .await?;
        let mut parts: std::collections::BTreeMap<&str, &str> = Default::default();
        for r in &rows {
            sqlx::query(
                "INSERT INTO forecast_history (erp_customer_code, part, month, quantity) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (erp_customer_code, part, month) DO UPDATE SET quantity = excluded.quantity",
            )
            .bind(&code)
            .bind(&r.part)
            .bind(&r.month)
            .bind(r.quantity.round() as i64)
            .execute(&mut *tx)
            .await?;
            parts.insert(&r.part, &r.description);
        }
        for (part, description) in parts {
            let added: Option<(String,)> = sqlx::query_as(
                "INSERT INTO forecast_matrix (erp_customer_code, part, description, active) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (erp_customer_code, part) DO NOTHING RETURNING part",
            )
            .bind(&code)
            .bind(part)
            .bind(description)
            .fetch_optional(&mut *tx)
            .await?;
            reply.matrix_added += u32::from(added.is_some());
        }
        tx.commit().await?;
        reply.customers += 1;
        reply.history_rows += rows.len() as u32;
    }
    audit::record_on(
        store,
        actor,
        "forecast.derive_matrix",
        None,
        Some(&format!(
            "{} customer(s), {} history row(s), {} matrix entr(ies) added",
            reply.customers, reply.history_rows, reply.matrix_added
        )),
    )
    .await?;
    Ok(reply)
}

/// Submits (`submit` true) or takes back the rep's forecast while the cycle is open.
pub async fn set_submitted(
    store: &Store,
    actor: &Actor,
    cycle_id: i64,
    rep: i64,
    submit: bool,
) -> Result<Grid> {
    let c = cycle(store, cycle_id).await?;
    if c.status != CycleStatus::Open {
        return Err(CoreError::Conflict {
            field: None,
            message: format!("The cycle {} is {}.", c.name, c.status.as_str()),
        });
    }
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let (to, at) = if submit {
        ("submitted", Some(now))
    } else {
        ("draft", None)
    };
    sqlx::query(
        "INSERT INTO forecast_submissions (cycle_id, rep_id, status, submitted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (cycle_id, rep_id) DO UPDATE SET status = excluded.status, submitted_at = excluded.submitted_at",
    )
    .bind(cycle_id)
    .bind(rep)
    .bind(to)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        if submit {
            "forecast.submit"
        } else {
            "forecast.take_back"
        },
        Some(("forecast_cycle", cycle_id.to_string())),
        Some(&format!("rep {rep}")),
    )
    .await?;
    tx.commit().await?;
    grid(store, cycle_id, rep).await
}

/// Every rep's status in a cycle (admin).
pub async fn status(store: &Store, cycle_id: i64) -> Result<Vec<RepStatus>> {
    let reps: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT u.id, u.name, (SELECT COUNT(*) FROM forecast_assignments a WHERE a.rep_id = u.id AND a.active = 1) \
         FROM users u WHERE u.role = 'sales_rep' AND u.active = 1 ORDER BY lower(u.name), u.id",
    )
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    let mut conn = store.pool().acquire().await?;
    for (id, name, customers) in reps {
        let (cells,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM forecast_cells c JOIN forecast_assignments a ON a.erp_customer_code = c.erp_customer_code \
             WHERE c.cycle_id = $1 AND a.rep_id = $2",
        )
        .bind(cycle_id)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        let at: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT submitted_at FROM forecast_submissions WHERE cycle_id = $1 AND rep_id = $2",
        )
        .bind(cycle_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        out.push(RepStatus {
            rep_id: id,
            name,
            customers: customers as u32,
            cells: cells as u32,
            status: submission(&mut conn, cycle_id, id).await?,
            submitted_at: at.and_then(|(a,)| a),
        });
    }
    Ok(out)
}
