//! The forecast grid's undo history and its edits shown at once: what a save changes, the
//! grid with it applied before the store's reply is read back, and the edits that take a step
//! back.

use portdesk_types::forecasts::*;

/// One step of the grid's undo history: an edit, a paste, a fill or a whole import.
#[derive(Clone, PartialEq)]
pub(super) struct UndoStep {
    pub(super) what: &'static str,
    pub(super) changes: Vec<CellChange>,
}

/// The grid's rows by (customer code, part).
fn rows_by_key(g: &Grid) -> std::collections::HashMap<(&str, &str), &GridRow> {
    g.rows
        .iter()
        .map(|r| ((r.customer_code.as_str(), r.part.as_str()), r))
        .collect()
}

/// What `edits` change in `g`: each cell's value now and the one asked for (cells already
/// holding it, and values the store will refuse, are left out).
pub(super) fn changes_of(g: &Grid, edits: &[CellEdit]) -> Vec<CellChange> {
    let rows = rows_by_key(g);
    edits
        .iter()
        .filter(|e| e.quantity.is_finite() && e.quantity >= 0.0 && e.quantity.fract() == 0.0)
        .filter_map(|e| {
            let row = rows.get(&(e.customer_code.as_str(), e.part.as_str()))?;
            let cell = row.cells.iter().find(|c| c.month == e.month)?;
            let after = e.quantity as i64;
            (cell.quantity != Some(after)).then(|| CellChange {
                customer_code: e.customer_code.clone(),
                part: e.part.clone(),
                month: e.month.clone(),
                before: cell.quantity,
                after,
            })
        })
        .collect()
}

/// `g` with `changes` shown at once, before the grid is read again: the values and totals;
/// versions one up where the store took them (`applied`), else the cells marked pending.
pub(super) fn patched(g: &Grid, changes: &[CellChange], applied: bool) -> Grid {
    let mut out = g.clone();
    let at: std::collections::HashMap<(&str, &str, &str), i64> = changes
        .iter()
        .map(|c| {
            (
                (c.customer_code.as_str(), c.part.as_str(), c.month.as_str()),
                c.after,
            )
        })
        .collect();
    for row in &mut out.rows {
        let mut touched = false;
        for cell in &mut row.cells {
            if let Some(q) = at.get(&(
                row.customer_code.as_str(),
                row.part.as_str(),
                cell.month.as_str(),
            )) {
                cell.quantity = Some(*q);
                if applied {
                    cell.version += 1;
                } else {
                    cell.pending = true;
                }
                touched = true;
            }
        }
        if touched {
            row.total = row.cells.iter().filter_map(|c| c.quantity).sum();
        }
    }
    for (m, total) in out.month_totals.iter_mut().enumerate() {
        *total = out
            .rows
            .iter()
            .filter_map(|r| r.cells.get(m).and_then(|c| c.quantity))
            .sum();
    }
    out
}

/// The edits that take `step` back, on the versions `g` shows now; a cell changed again since
/// (by anyone) is left as it is and counted.
pub(super) fn undo_edits(g: &Grid, step: &UndoStep) -> (Vec<CellEdit>, usize) {
    let rows = rows_by_key(g);
    let mut moved_on = 0;
    let edits = step
        .changes
        .iter()
        .filter_map(|c| {
            let cell = rows
                .get(&(c.customer_code.as_str(), c.part.as_str()))
                .and_then(|r| r.cells.iter().find(|x| x.month == c.month));
            match cell {
                Some(cell) if cell.quantity == Some(c.after) => Some(CellEdit {
                    customer_code: c.customer_code.clone(),
                    part: c.part.clone(),
                    month: c.month.clone(),
                    // An emptied cell cannot be stored; it goes back to 0.
                    quantity: c.before.unwrap_or(0) as f64,
                    base_version: cell.version,
                    key: None,
                }),
                _ => {
                    moved_on += 1;
                    None
                }
            }
        })
        .collect();
    (edits, moved_on)
}
