//! A rep's forecast grid to and from Excel. The export writes one row per customer × part
//! with the cycle's months as columns, and each cell's version on a hidden second sheet of the
//! same layout, so a sheet brought back names the versions it was edited from: a cell the rep
//! changed that was also changed on the server since the export comes back as a conflict with
//! both values, never silently overwritten. The import reads through [`crate::sheets`] (limits
//! before expansion), checks every row and cell against the rep's grid, and applies the changed
//! cells through [`super::save_cells`] in one transaction — its rules, not a copy of them.
//!
//! A hidden cell holds the version and the value exported with it, as one number (see
//! [`hidden`]), so a cell the rep left alone is not taken for an edit when the server's value
//! moved on since the export. Sheets from before that hold the version alone.

use super::{MAX_QUANTITY, ensure_open, grid, parse_month, save_cells};
use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::sheets::{Column, Limits, Sheet, Value};
use crate::store::Store;
use portdesk_types::accounts::{ImportIssue, ImportMode};
use portdesk_types::forecasts::{CellChange, CellEdit, ForecastImportReport, Grid, SaveCells};
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

/// Above this many cells to look up, the import reads the rep's whole grid instead.
const LOOKUP_AT_MOST: usize = 50_000;

/// Versions below this fit beside the exported value in one hidden number.
const VERSION_SPAN: i64 = 1_000_000;

/// The hidden number for a cell: `version + VERSION_SPAN × (value + 1)`, 0 for "empty" in the
/// value part (exact in an f64: values are at most [`MAX_QUANTITY`]). A version too large for
/// that is written negated, with the value left unknown.
pub fn hidden(version: i64, value: Option<i64>) -> i64 {
    if version >= VERSION_SPAN {
        return -version;
    }
    version + VERSION_SPAN * value.map_or(0, |v| v + 1)
}

/// Reads [`hidden`] back: the base version and, when the sheet says, the exported value
/// (`Some(None)`: exported empty). A bare version (older exports) has no value.
fn unhide(n: i64) -> (i64, Option<Option<i64>>) {
    if n < 0 {
        return (-n, None);
    }
    if n < VERSION_SPAN {
        return (n, None);
    }
    let value = n / VERSION_SPAN - 1;
    (n % VERSION_SPAN, Some((value >= 0).then_some(value)))
}

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
                let n = hidden(cell.version, cell.quantity);
                ws.write_number(r, first_month + m as u16, n as f64)
                    .map_err(xerr)?;
            }
        }
        ws.set_hidden(true);
    }
    save_workbook(&mut wb, path)?;
    Ok(g.rows.len() as u64)
}

/// The declared columns: the row's key, then one column per cycle month, read wherever it
/// stands. A month left out or out of place is reported by [`check`] (nothing changes in a
/// month not in the sheet).
fn columns(months: &[String], min: i64, max: i64) -> Vec<Column> {
    let mut c = vec![
        Column::code(CUSTOMER_CODE, 64).required(),
        Column::code(PART, 64).required(),
    ];
    c.extend(
        months
            .iter()
            .map(|m| Column::integer(m.as_str(), min, max).may_be_absent()),
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
    // The sheet is read on blocking threads while the store answers with the rep's rows.
    let read = {
        let (p, months) = (path.to_path_buf(), c.months.clone());
        tokio::task::spawn_blocking(move || {
            crate::sheets::read_with(
                &p,
                &columns(&months, 0, MAX_QUANTITY),
                (VERSIONS_SHEET, &columns(&months, i64::MIN, i64::MAX)),
                &Limits::DEFAULT,
            )
        })
    };
    let keys = super::grid_keys(store, rep).await?;
    let (main, versions) = read
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))??;
    let candidates = check(&c.months, &keys, main, versions);
    // Only the cells the sheet may change are looked up in the store; a sheet without its
    // hidden sheet (typed by hand) may name them all, and then one read of the grid is cheaper.
    let stored = if candidates.edits.len() > LOOKUP_AT_MOST {
        let g = grid(store, cycle_id, rep).await?;
        g.rows
            .iter()
            .flat_map(|r| {
                r.cells.iter().map(|cell| {
                    (
                        (r.customer_code.clone(), r.part.clone(), cell.month.clone()),
                        (cell.quantity, cell.version),
                    )
                })
            })
            .collect()
    } else {
        super::stored_cells(
            store,
            cycle_id,
            candidates
                .edits
                .iter()
                .map(|e| (e.customer_code.as_str(), e.part.as_str(), e.month.as_str())),
        )
        .await?
    };
    let mut checked = resolve(candidates, &stored);
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
        issues: std::mem::take(&mut checked.issues),
        applied: 0,
        conflicts: Vec::new(),
        changes: Vec::new(),
    };
    if apply && !checked.edits.is_empty() {
        let saved = save_cells(
            store,
            actor,
            rep,
            admin,
            &SaveCells {
                cycle_id,
                edits: std::mem::take(&mut checked.edits),
            },
        )
        .await?;
        report.applied = saved.applied;
        let conflicted: HashSet<(&str, &str, &str)> = saved
            .conflicts
            .iter()
            .map(|c| (c.customer_code.as_str(), c.part.as_str(), c.month.as_str()))
            .collect();
        report.changes = checked
            .changes
            .iter()
            .filter(|c| {
                !conflicted.contains(&(c.customer_code.as_str(), c.part.as_str(), c.month.as_str()))
            })
            .cloned()
            .collect();
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
    /// The same cells with their stored values (what an undo puts back).
    changes: Vec<CellChange>,
    versions_broken: bool,
}

/// The export's column order, checked on the header row: a month left out, or a known column
/// out of its place, is reported once (the cells are still read by their headers).
fn header_issues(main: &Sheet, months: &[String]) -> Vec<ImportIssue> {
    let expected = header(months);
    let row = main.header_row.max(1);
    let issue = |column: &str, message: String| ImportIssue {
        sheet: main.name.clone(),
        row,
        column: column.to_owned(),
        message,
    };
    let mut out = Vec::new();
    if main.header.is_empty() {
        return out;
    }
    let span = format!("{} to {}", months[0], months[months.len() - 1]);
    let place = |text: &str| {
        expected
            .iter()
            .position(|e| e.eq_ignore_ascii_case(text.trim()))
    };
    let present: Vec<(usize, &str)> = main
        .header
        .iter()
        .filter_map(|(_, t)| place(t).map(|p| (p, t.as_str())))
        .collect();
    // Without its key columns the sheet was not read: the reader named them, and that is all.
    if ![CUSTOMER_CODE, PART].iter().all(|k| {
        present
            .iter()
            .any(|(_, t)| t.trim().eq_ignore_ascii_case(k))
    }) {
        return out;
    }
    let missing: Vec<&String> = months
        .iter()
        .filter(|m| !present.iter().any(|(_, t)| t.trim() == m.as_str()))
        .collect();
    if let Some(first) = missing.first() {
        let which = if missing.len() == 1 {
            format!("The month {first} has no column")
        } else {
            format!(
                "{} months have no column ({})",
                missing.len(),
                missing
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(issue(
            first,
            format!("{which}: nothing changes there. A forecast sheet has one column per month of the cycle ({span}); export again for the whole layout."),
        ));
    }
    let mut highest: Option<(usize, &str)> = None;
    for &(p, text) in &present {
        match highest {
            Some((h, before)) if p < h => {
                out.push(issue(
                    text.trim(),
                    format!(
                        "The column {} stands after {}: keep the export's order ({CUSTOMER_CODE}, {CUSTOMER}, {PART}, {DESCRIPTION}, {LAST_12}, the months {span} in order, {TOTAL}).",
                        text.trim(),
                        before.trim()
                    ),
                ));
                break;
            }
            Some((h, _)) if p == h => {}
            _ => highest = Some((p, text)),
        }
    }
    out
}

/// The cells a checked sheet would change, each against what the store holds now (`stored`:
/// its value and version by cell; absent: never filled): the same value is no change; the
/// base is the hidden sheet's version, else the stored one.
fn resolve(
    mut c: Checked,
    stored: &HashMap<(String, String, String), (Option<i64>, i64)>,
) -> Checked {
    let candidates = std::mem::take(&mut c.edits);
    for mut e in candidates {
        let key = (e.customer_code, e.part, e.month);
        let (now, version) = stored.get(&key).copied().unwrap_or((None, 0));
        let q = e.quantity as i64;
        if now == Some(q) {
            continue;
        }
        if e.base_version < 0 {
            e.base_version = version;
        }
        let (customer_code, part, month) = key;
        c.changes.push(CellChange {
            customer_code: customer_code.clone(),
            part: part.clone(),
            month: month.clone(),
            before: now,
            after: q,
        });
        c.edits.push(CellEdit {
            customer_code,
            part,
            month,
            ..e
        });
    }
    c
}

/// Checks a sheet against the rep's grid (`keys`); its `edits` are the candidates for
/// [`resolve`]: every filled cell of a valid row that is not as exported, with the hidden base
/// version (-1: none).
fn check(
    months: &[String],
    keys: &super::GridKeys,
    main: Sheet,
    versions: Option<Sheet>,
) -> Checked {
    let mut out = Checked {
        rows: main.rows.len() as u32,
        issues: header_issues(&main, months),
        ..Default::default()
    };
    out.issues.extend(main.issues);
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
            sheet: main.name.clone(),
            row: header_row,
            column: text.clone(),
            message,
        });
    }

    // Base versions (and exported values) from the hidden sheet, by (customer, part); each
    // month None when unknown.
    let mut bases: HashMap<(&str, &str), Vec<Option<i64>>> = HashMap::new();
    if let Some(v) = &versions {
        for i in &v.issues {
            out.issues.push(ImportIssue {
                sheet: i.sheet.clone(),
                row: i.row,
                column: i.column.clone(),
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
            bases.insert((code, part), b);
        }
    }

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
                sheet: main.name.clone(),
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
        let found = keys.has(code, part);
        if !found {
            if keys.has_customer(code) {
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
        if !found || !row.is_clean() || out.issues.len() != before {
            continue;
        }
        out.valid += 1;
        let base = bases.get(&(code, part));
        for (m, month) in months.iter().enumerate() {
            // Empty means "no change".
            let Some(q) = row.get(2 + m).and_then(Value::as_int) else {
                continue;
            };
            let (base_version, exported) = match base.and_then(|b| b.get(m).copied().flatten()) {
                Some(n) => unhide(n),
                None => (-1, None),
            };
            // Left as exported: not the rep's edit, even where the server has moved on.
            if exported == Some(Some(q)) {
                continue;
            }
            out.edits.push(CellEdit {
                customer_code: code.to_owned(),
                part: part.to_owned(),
                month: month.clone(),
                quantity: q as f64,
                base_version,
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
    out.issues
        .sort_by_key(|i| (i.sheet != main.name, i.row, order(&i.column)));
    out
}
