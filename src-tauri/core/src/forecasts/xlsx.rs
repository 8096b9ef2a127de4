//! A rep's forecast grid to and from Excel. The export writes one row per customer × part
//! with the cycle's months as columns, and each cell's version on a hidden second sheet of the
//! same layout, so a sheet brought back names the versions it was edited from: a cell changed
//! on the server since the export comes back as a conflict with both values, never silently
//! overwritten. The import reads through [`crate::sheets`] (limits before expansion), checks
//! every row and cell against the rep's grid, and applies the changed cells through
//! [`super::save_cells`] in one transaction — its rules, not a copy of them.

use super::{MAX_QUANTITY, ensure_open, grid, parse_month, save_cells};
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::sheets::{Column, Limits, Sheet, Value};
use crate::store::Store;
use portdesk_types::accounts::{ImportIssue, ImportMode};
use portdesk_types::forecasts::{CellEdit, ForecastImportReport, Grid, SaveCells};
use std::collections::{HashMap, HashSet};
use std::path::Path;

pub const CUSTOMER_CODE: &str = "Customer code";
pub const CUSTOMER: &str = "Customer";
pub const PART: &str = "Part";
pub const DESCRIPTION: &str = "Description";
pub const LAST_12: &str = "Last 12 months";
pub const TOTAL: &str = "Total";
/// The data sheet's name, and the hidden sheet holding each cell's version.
pub const SHEET: &str = "Forecast";
pub const VERSIONS_SHEET: &str = "Versions";

/// Columns shown for reading only; the import ignores what is in them.
const SHOWN_ONLY: [&str; 4] = [CUSTOMER, DESCRIPTION, LAST_12, TOTAL];

/// The export's header: four label columns, last year, the months, the total.
pub fn header(months: &[String]) -> Vec<String> {
    let mut h: Vec<String> = [CUSTOMER_CODE, CUSTOMER, PART, DESCRIPTION, LAST_12]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    h.extend(months.iter().cloned());
    h.push(TOTAL.into());
    h
}

/// Writes `rep`'s grid of `cycle_id` to `path`; returns the number of rows.
pub async fn export(store: &Store, cycle_id: i64, rep: i64, path: &Path) -> Result<u64> {
    let g = grid(store, cycle_id, rep).await?;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || write(&g, &path))
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?
}

fn write(g: &Grid, path: &Path) -> Result<u64> {
    use crate::files::{finish_sheet, save_workbook, start_sheet, xlsx_error as xerr};
    use rust_xlsxwriter::utility::cell_range;
    let months = &g.cycle.months;
    let names = header(months);
    let widths: Vec<f64> = names
        .iter()
        .enumerate()
        .map(|(i, _)| match i {
            0 | 2 => 16.0,
            1 | 3 => 30.0,
            4 => 14.0,
            _ => 11.0,
        })
        .collect();
    let cols: Vec<(&str, f64)> = names.iter().map(String::as_str).zip(widths).collect();
    let first_month = 5u16;
    let total_col = first_month + months.len() as u16;
    let qty = rust_xlsxwriter::Format::new().set_num_format("#,##0");
    let mut wb = rust_xlsxwriter::Workbook::new();
    {
        let ws = start_sheet(&mut wb, SHEET, &cols)?;
        for (i, row) in g.rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, &row.customer_code).map_err(xerr)?;
            ws.write_string(r, 1, &row.customer).map_err(xerr)?;
            ws.write_string(r, 2, &row.part).map_err(xerr)?;
            ws.write_string(r, 3, &row.description).map_err(xerr)?;
            ws.write_number_with_format(r, 4, row.last_12_months as f64, &qty)
                .map_err(xerr)?;
            for (m, cell) in row.cells.iter().enumerate() {
                if let Some(q) = cell.quantity {
                    ws.write_number_with_format(r, first_month + m as u16, q as f64, &qty)
                        .map_err(xerr)?;
                }
            }
            // A formula, so the total follows edits made in Excel; its cached value is ours.
            let sum = rust_xlsxwriter::Formula::new(format!(
                "=SUM({})",
                cell_range(r, first_month, r, total_col - 1)
            ))
            .set_result(row.total.to_string());
            ws.write_formula_with_format(r, total_col, sum, &qty)
                .map_err(xerr)?;
        }
        finish_sheet(ws, g.rows.len() as u32, names.len())?;
        // The labels stay in view beside the months, too.
        ws.set_freeze_panes(1, 4).map_err(xerr)?;
    }
    {
        let ws = start_sheet(&mut wb, VERSIONS_SHEET, &cols)?;
        for (i, row) in g.rows.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string(r, 0, &row.customer_code).map_err(xerr)?;
            ws.write_string(r, 1, &row.customer).map_err(xerr)?;
            ws.write_string(r, 2, &row.part).map_err(xerr)?;
            ws.write_string(r, 3, &row.description).map_err(xerr)?;
            // Version 0 too: "empty when exported" is a base like any other.
            for (m, cell) in row.cells.iter().enumerate() {
                ws.write_number(r, first_month + m as u16, cell.version as f64)
                    .map_err(xerr)?;
            }
        }
        ws.set_hidden(true);
    }
    save_workbook(&mut wb, path)?;
    Ok(g.rows.len() as u64)
}

/// The declared columns: the row's key, then one optional column per cycle month. The months
/// may be in any order and any may be left out (nothing changes in a month not in the sheet).
fn columns(months: &[String], max: i64) -> Vec<Column> {
    let mut c = vec![
        Column::code(CUSTOMER_CODE, 64).required(),
        Column::code(PART, 64).required(),
    ];
    c.extend(
        months
            .iter()
            .map(|m| Column::integer(m.as_str(), 0, max).may_be_absent()),
    );
    c
}

/// Reads the sheet at `path` into `rep`'s grid of `cycle_id` and, per `mode`, applies the
/// cells that differ from the store (`admin`: an administrator imports for the rep).
pub async fn import(
    store: &Store,
    actor: &Actor,
    rep: i64,
    admin: bool,
    cycle_id: i64,
    path: &Path,
    mode: ImportMode,
) -> Result<ForecastImportReport> {
    let c = super::cycle(store, cycle_id).await?;
    ensure_open(&c)?;
    // The sheet is read on a blocking thread while the store answers: the two are about
    // equally slow on a large grid.
    let read = {
        let (p, months) = (path.to_path_buf(), c.months.clone());
        tokio::task::spawn_blocking(move || {
            crate::sheets::read_with(
                &p,
                &columns(&months, MAX_QUANTITY),
                (VERSIONS_SHEET, &columns(&months, i64::MAX)),
                &Limits::DEFAULT,
            )
        })
    };
    let g = grid(store, cycle_id, rep).await?;
    let (main, versions) = read
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))??;
    let checked = check(&g, main, versions);
    let apply = match mode {
        ImportMode::Check => false,
        ImportMode::AllOrNothing => checked.issues.is_empty(),
        // The hidden versions are the only guard against overwriting: unreadable, nothing goes.
        ImportMode::ValidRowsOnly => !checked.versions_broken,
    };
    let mut report = ForecastImportReport {
        rows: checked.rows,
        valid: checked.valid,
        changed: checked.edits.len() as u32,
        issues: checked.issues,
        applied: 0,
        conflicts: Vec::new(),
    };
    if apply && !checked.edits.is_empty() {
        let saved = save_cells(
            store,
            actor,
            rep,
            admin,
            &SaveCells {
                cycle_id,
                edits: checked.edits,
            },
        )
        .await?;
        report.applied = saved.applied;
        report.conflicts = saved.conflicts;
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        audit::record_on(
            store,
            actor,
            "forecast.import",
            Some(("forecast_cycle", cycle_id.to_string())),
            Some(&format!(
                "rep {rep}: {file}, {} row(s), {} cell(s) applied, {} conflict(s), {} problem(s)",
                report.rows,
                report.applied,
                report.conflicts.len(),
                report.issues.len()
            )),
        )
        .await?;
    }
    Ok(report)
}

/// What a sheet asks for, checked against the grid.
#[derive(Debug, Default)]
struct Checked {
    rows: u32,
    valid: u32,
    issues: Vec<ImportIssue>,
    /// The changed cells of the valid rows.
    edits: Vec<CellEdit>,
    versions_broken: bool,
}

fn check(g: &Grid, main: Sheet, versions: Option<Sheet>) -> Checked {
    let months = &g.cycle.months;
    let mut out = Checked {
        rows: main.rows.len() as u32,
        issues: main.issues,
        ..Default::default()
    };
    let header_row = main.header_row.max(1);
    let span = format!("{} to {}", months[0], months[months.len() - 1]);
    // Columns the declaration did not take: a month outside the cycle, a month twice, or a
    // column a forecast sheet does not have.
    for (_, text) in &main.unmatched {
        if SHOWN_ONLY.iter().any(|s| text.eq_ignore_ascii_case(s)) {
            continue;
        }
        let message = match parse_month("month", text) {
            Ok(_) if months.iter().any(|m| m == text.trim()) => format!(
                "The month {} has a second column; keep one column per month.",
                text.trim()
            ),
            Ok(_) => format!("{} is outside the cycle ({span}).", text.trim()),
            Err(_) => format!(
                "A forecast sheet has no column \"{text}\": its columns are {CUSTOMER_CODE}, {CUSTOMER}, {PART}, {DESCRIPTION}, {LAST_12}, one per month of the cycle ({span}) and {TOTAL}."
            ),
        };
        out.issues.push(ImportIssue {
            row: header_row,
            column: text.clone(),
            message,
        });
    }

    // Base versions from the hidden sheet, by (customer, part); each month None when unknown.
    let mut bases: HashMap<(String, String), Vec<Option<i64>>> = HashMap::new();
    if let Some(v) = versions {
        for i in &v.issues {
            out.issues.push(ImportIssue {
                row: i.row,
                column: format!("{VERSIONS_SHEET} sheet: {}", i.column),
                message: format!(
                    "{} (The hidden {VERSIONS_SHEET} sheet holds the versions the export was made from; export again rather than editing it.)",
                    i.message
                ),
            });
        }
        out.versions_broken = !v.issues.is_empty();
        for row in &v.rows {
            let (Some(code), Some(part)) = (row.text(0), row.text(1)) else {
                continue;
            };
            let b = (0..months.len())
                .map(|m| row.get(2 + m).and_then(Value::as_int))
                .collect();
            bases.insert((code.to_owned(), part.to_owned()), b);
        }
    }

    let index: HashMap<(&str, &str), usize> = g
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.customer_code.as_str(), r.part.as_str()), i))
        .collect();
    let customers: HashSet<&str> = g.rows.iter().map(|r| r.customer_code.as_str()).collect();
    // A customer × part on two rows: neither is applied, both are named.
    let mut on_rows: HashMap<(&str, &str), Vec<u32>> = HashMap::new();
    for row in &main.rows {
        if let (Some(code), Some(part)) = (row.text(0), row.text(1))
            && !code.is_empty()
            && !part.is_empty()
        {
            on_rows.entry((code, part)).or_default().push(row.number);
        }
    }
    for row in &main.rows {
        let before = out.issues.len();
        let mut refuse = |column: &str, message: String| {
            out.issues.push(ImportIssue {
                row: row.number,
                column: column.into(),
                message,
            })
        };
        let (Some(code), Some(part)) = (row.text(0), row.text(1)) else {
            continue; // The reader reported the bad key cell.
        };
        if code.is_empty() || part.is_empty() {
            continue; // Reported as required.
        }
        let found = index.get(&(code, part)).copied();
        if found.is_none() {
            if customers.contains(code) {
                refuse(
                    PART,
                    format!("Part {part} is not planned for customer {code} in this forecast."),
                );
            } else {
                refuse(
                    CUSTOMER_CODE,
                    format!("Customer {code} is not one of this sales rep's customers."),
                );
            }
        }
        let rows = &on_rows[&(code, part)];
        if rows.len() > 1 {
            let others: Vec<String> = rows
                .iter()
                .filter(|n| **n != row.number)
                .map(u32::to_string)
                .collect();
            refuse(
                PART,
                format!(
                    "{code} / {part} is also on row {}; neither row is applied.",
                    others.join(", ")
                ),
            );
        }
        let Some(at) = found else { continue };
        if !row.is_clean() || out.issues.len() != before {
            continue;
        }
        out.valid += 1;
        let stored = &g.rows[at];
        let base = bases.get(&(code.to_owned(), part.to_owned()));
        for (m, cell) in stored.cells.iter().enumerate() {
            // Empty means "no change"; the same value as stored is no change either.
            let Some(q) = row.get(2 + m).and_then(Value::as_int) else {
                continue;
            };
            if cell.quantity == Some(q) {
                continue;
            }
            out.edits.push(CellEdit {
                customer_code: code.to_owned(),
                part: part.to_owned(),
                month: cell.month.clone(),
                quantity: q as f64,
                base_version: base
                    .and_then(|b| b.get(m).copied().flatten())
                    .unwrap_or(cell.version),
                key: None,
            });
        }
    }
    // By row, then in the sheet's column order of this import.
    let order = |c: &str| -> usize {
        match c {
            CUSTOMER_CODE => 0,
            PART => 1,
            m => months
                .iter()
                .position(|x| x == m)
                .map_or(usize::MAX, |p| p + 2),
        }
    };
    out.issues.sort_by_key(|i| (i.row, order(&i.column)));
    out
}
