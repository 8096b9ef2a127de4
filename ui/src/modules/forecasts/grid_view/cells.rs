//! A row's cells: typed into, saved when left, moved between with the arrow keys, and filled
//! from a range pasted from Excel.

use super::sheet::Sheet;
use portdesk_types::forecasts::*;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The cell to focus after the next render (row, month): arrow keys move between cells.
pub(super) type FocusAt = UseStateHandle<Option<(u32, String)>>;

/// The cell to focus, focused (its text selected) once the render that shows it is done.
#[hook]
pub(super) fn use_focus_cell() -> FocusAt {
    let focus_at = use_state(|| None::<(u32, String)>);
    use_effect_with((*focus_at).clone(), move |want| {
        if let Some((row, month)) = want {
            let css = format!("#fc-grid .fc-row[data-index='{row}'] input[data-month='{month}']");
            if let Some(input) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(&css).ok().flatten())
                .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                let _ = input.focus();
                input.select();
            }
        }
    });
    focus_at
}

/// The edit that puts `quantity` into `cell` of `row`, against the version it shows.
pub(super) fn edit(row: &GridRow, cell: &Cell, quantity: f64) -> CellEdit {
    CellEdit {
        customer_code: row.customer_code.clone(),
        part: row.part.clone(),
        month: cell.month.clone(),
        quantity,
        base_version: cell.version,
        key: None,
    }
}

/// A cell's text as a quantity: empty is 0; what is not a number reaches the core as NaN,
/// which names the cell.
fn quantity(v: &str) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.parse().unwrap_or(f64::NAN)
    }
}

/// A range copied from Excel (rows by line, cells by tab) as edits from row `i`, month `m`;
/// cells beyond the grid are left out.
fn pasted(g: &Grid, i: usize, m: usize, text: &str) -> Vec<CellEdit> {
    let mut edits = Vec::new();
    for (dr, line) in text.trim_end_matches(['\r', '\n']).split('\n').enumerate() {
        let Some(row) = g.rows.get(i + dr) else {
            continue;
        };
        for (dc, v) in line.trim_end_matches('\r').split('\t').enumerate() {
            if let Some(cell) = row.cells.get(m + dc) {
                edits.push(edit(
                    row,
                    cell,
                    quantity(&v.trim().replace([' ', '\u{a0}'], "")),
                ));
            }
        }
    }
    edits
}

/// The cells of row `i` of `g` for the virtual grid, as it asks for them.
pub(super) fn row_cells(
    g: &Rc<Grid>,
    sheet: &Rc<Sheet>,
    focus_at: &FocusAt,
    editable: bool,
) -> Callback<u32, Option<Html>> {
    let (g, sheet, focus_at) = (g.clone(), sheet.clone(), focus_at.clone());
    Callback::from(move |i: u32| {
        let r = g.rows.get(i as usize)?;
        let cells = r.cells.iter().enumerate().map(|(m, c)| {
            // Up and down go to the same month of the next row (the grid moves the
            // selection and scrolls); left and right at the text's edge to the next month.
            let onkeydown = {
                let focus_at = focus_at.clone();
                let last = g.rows.len().saturating_sub(1) as u32;
                let months: Vec<String> = r.cells.iter().map(|c| c.month.clone()).collect();
                Callback::from(move |e: KeyboardEvent| {
                    let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                    let caret = input.selection_start().ok().flatten();
                    let at_end = caret == Some(input.value().chars().count() as u32);
                    let go = match e.key().as_str() {
                        "ArrowDown" => Some(((i + 1).min(last), m)),
                        "ArrowUp" => Some((i.saturating_sub(1), m)),
                        "ArrowRight" if at_end && m + 1 < months.len() => Some((i, m + 1)),
                        "ArrowLeft" if caret == Some(0) && m > 0 => Some((i, m - 1)),
                        _ => None,
                    };
                    if let Some((row, month)) = go {
                        if row == i {
                            e.prevent_default();
                            e.stop_propagation();
                        }
                        focus_at.set(Some((row, months[month].clone())));
                    }
                })
            };
            let shown = sheet
                .drafts
                .get(&(i as usize, m))
                .cloned()
                .unwrap_or_else(|| c.quantity.map(|q| q.to_string()).unwrap_or_default());
            let oninput = {
                let drafts = sheet.drafts.clone();
                Callback::from(move |e: InputEvent| {
                    let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                    let mut d = (*drafts).clone();
                    d.insert((i as usize, m), v);
                    drafts.set(d);
                })
            };
            // Leaving a changed cell saves it against the version it showed.
            let onchange = {
                let (sheet, r, c) = (sheet.clone(), r.clone(), c.clone());
                Callback::from(move |e: Event| {
                    let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                    sheet.save("the edit", vec![edit(&r, &c, quantity(v.trim()))]);
                })
            };
            let onpaste = {
                let (sheet, g) = (sheet.clone(), g.clone());
                Callback::from(move |e: Event| {
                    let Ok(e) = e.dyn_into::<web_sys::ClipboardEvent>() else { return };
                    let Some(text) = e.clipboard_data().and_then(|d| d.get_data("text").ok())
                    else {
                        return;
                    };
                    if !text.contains('\t') && !text.trim_end().contains('\n') {
                        return; // One value: the input takes it as typed.
                    }
                    e.prevent_default();
                    sheet.save("the paste", pasted(&g, i as usize, m, &text));
                })
            };
            html! {
                <div><input class={classes!("fc-cell", c.pending.then_some("pending"))} data-month={c.month.clone()} value={shown} disabled={!editable}
                    {oninput} {onchange} {onpaste} {onkeydown} aria-label={format!("{} {} {}", r.customer, r.part, c.month)} /></div>
            }
        });
        Some(html! {
            <>
                <div class="fc-label" title={r.description.clone()}>{ format!("{} · {}", r.customer, r.part) }</div>
                <div class="num muted fc-history" title="Sales in the 12 months before the cycle">{ r.last_12_months }</div>
                { for cells }
                <div class="num fc-total">{ r.total }</div>
            </>
        })
    })
}
