//! The Forecasts window. A sales rep fills their grid (their customers × products × the
//! cycle's months) on the shared virtualised grid: each cell is saved when it is left, a range
//! copied from Excel can be pasted into any cell, totals follow; submit and take back. An
//! admin manages cycles, who plans which customer and the customer-product matrix, and sees
//! every rep's status and grid. A cell changed elsewhere meanwhile is shown with both values.
//! Excel export and import beside the grid: `excel.rs`; the admin's masters: `masters.rs`.

mod excel;
mod masters;

mod chart;
mod report;

use crate::common::grid::VirtualGrid;
use crate::common::ipc::call;
use crate::common::widgets::{Field, date_time, error_line};
use excel::ForecastExcel;
use portdesk_types::accounts::{ExportReply, ExportRequest};
use portdesk_types::api::*;
use portdesk_types::forecasts::*;
use portdesk_types::{ApiError, Role};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

const ROW_H: f64 = 34.0;
const VIEW_ROWS: u32 = 14;

#[derive(Properties, PartialEq)]
pub struct ForecastsProps {
    pub me: SessionInfo,
}

#[function_component(ForecastsWindow)]
pub fn forecasts_window(p: &ForecastsProps) -> Html {
    let admin = p.me.role == Role::Admin;
    let cycles = use_state(|| None::<Result<Vec<Cycle>, ApiError>>);
    let chosen = use_state(|| None::<i64>);
    let rep = use_state(|| None::<i64>);
    let reload = use_state(|| 0u32);
    {
        let (cycles, chosen) = (cycles.clone(), chosen.clone());
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                let r = call::<ListCycles>(&()).await;
                if let (Ok(list), None) = (&r, *chosen) {
                    chosen.set(
                        list.iter()
                            .find(|c| c.status == CycleStatus::Open)
                            .or(list.first())
                            .map(|c| c.id),
                    );
                }
                cycles.set(Some(r));
            });
        });
    }
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };
    let list = match &*cycles {
        Some(Ok(l)) => l.clone(),
        Some(Err(e)) => return html! { <p class="error">{ e.message.clone() }</p> },
        None => return html! { <p class="muted">{ "Loading…" }</p> },
    };
    let on_cycle = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            chosen.set(
                e.target_unchecked_into::<HtmlSelectElement>()
                    .value()
                    .parse()
                    .ok(),
            )
        })
    };
    let cycle = list.iter().find(|c| Some(c.id) == *chosen).cloned();
    let grid_rep = if admin { *rep } else { None };
    html! {
        <>
            <div class="card">
                <label for="fc-cycle">{ "Cycle" }</label>
                if list.is_empty() {
                    <p class="muted" id="fc-no-cycle">{ if admin { "No cycle yet: create one below." } else { "No cycle is open yet." } }</p>
                } else {
                    <select id="fc-cycle" onchange={on_cycle}>
                        { for list.iter().map(|c| html! {
                            <option value={c.id.to_string()} selected={Some(c.id) == *chosen}>{ format!("{} · {} + {} months · {}", c.name, c.first_month, c.horizon, c.status.as_str()) }</option>
                        }) }
                    </select>
                }
            </div>
            if admin { <CyclesAdmin cycle={cycle.clone()} on_changed={bump.clone()} on_rep={{ let rep = rep.clone(); Callback::from(move |r| rep.set(Some(r))) }} /> }
            if let Some(c) = cycle {
                if !admin || grid_rep.is_some() {
                    <ForecastGrid cycle_id={c.id} rep_id={grid_rep} reload={*reload} />
                }
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct GridProps {
    cycle_id: i64,
    rep_id: Option<i64>,
    reload: u32,
}

/// A cell being typed: (row, month index) → text.
type Drafts = std::collections::HashMap<(usize, usize), String>;

/// One step of the grid's undo history: an edit, a paste, a fill or a whole import.
#[derive(Clone, PartialEq)]
struct UndoStep {
    what: &'static str,
    changes: Vec<CellChange>,
}

/// What `edits` change in `g`: each cell's value now and the one asked for (cells already
/// holding it, and values the store will refuse, are left out).
fn changes_of(g: &Grid, edits: &[CellEdit]) -> Vec<CellChange> {
    let rows: std::collections::HashMap<(&str, &str), &GridRow> = g
        .rows
        .iter()
        .map(|r| ((r.customer_code.as_str(), r.part.as_str()), r))
        .collect();
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
fn patched(g: &Grid, changes: &[CellChange], applied: bool) -> Grid {
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
fn undo_edits(g: &Grid, step: &UndoStep) -> (Vec<CellEdit>, usize) {
    let rows: std::collections::HashMap<(&str, &str), &GridRow> = g
        .rows
        .iter()
        .map(|r| ((r.customer_code.as_str(), r.part.as_str()), r))
        .collect();
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

#[function_component(ForecastGrid)]
fn forecast_grid(p: &GridProps) -> Html {
    let grid = use_state(|| None::<Result<Rc<Grid>, ApiError>>);
    let drafts = use_state(Drafts::new);
    let error = use_state(|| None::<ApiError>);
    let first = use_state(|| 0u32);
    let selected = use_state(|| 0u32);
    let whole_chart = use_state(|| true);
    let tick = use_state(|| 0u32);
    // Newest last; a new cycle or rep starts afresh.
    let history = use_state(|| Rc::new(Vec::<UndoStep>::new()));
    let undone = use_state(|| None::<String>);
    {
        let (history, undone) = (history.clone(), undone.clone());
        use_effect_with((p.cycle_id, p.rep_id), move |_| {
            history.set(Rc::new(Vec::new()));
            undone.set(None);
        });
    }
    // The cell to focus after the next render (row, month): arrow keys move between cells.
    let focus_at = use_state(|| None::<(u32, String)>);
    {
        use_effect_with((*focus_at).clone(), move |want| {
            if let Some((row, month)) = want {
                let css =
                    format!("#fc-grid .fc-row[data-index='{row}'] input[data-month='{month}']");
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
    }
    // Reads overlap when edits come quickly: only the newest read is shown, so an older one
    // answering late never puts back values from before the last save.
    let reads = use_mut_ref(|| 0u64);
    {
        let (grid, reads) = (grid.clone(), reads.clone());
        let req = GridRequest {
            cycle_id: p.cycle_id,
            rep_id: p.rep_id,
        };
        use_effect_with((req.clone(), p.reload, *tick), move |_| {
            *reads.borrow_mut() += 1;
            let mine = *reads.borrow();
            spawn_local(async move {
                let read = call::<GetGrid>(&req).await.map(Rc::new);
                if *reads.borrow() == mine {
                    grid.set(Some(read));
                }
            });
        });
    }
    // While edits wait in the journal, look again every 10 s: they go when the store answers.
    {
        let tick = tick.clone();
        let waiting =
            matches!(&*grid, Some(Ok(g)) if g.sync.pending > 0 || g.sync.offline_as_of.is_some());
        use_effect_with((waiting, *tick), move |(waiting, _)| {
            let timer = waiting
                .then(|| gloo_timers::callback::Timeout::new(10_000, move || tick.set(*tick + 1)));
            move || drop(timer)
        });
    }
    let g = match &*grid {
        Some(Ok(g)) => g.clone(),
        Some(Err(e)) => {
            return html! { <p class="error" id="fc-grid-error">{ e.message.clone() }</p> };
        }
        None => return html! { <p class="muted">{ "Loading…" }</p> },
    };
    // Saves edits (into the journal, then the store); the grid is re-read with the outcome.
    // What was applied becomes a step of the undo history (`what` names it).
    let save = {
        let (error, tick, drafts) = (error.clone(), tick.clone(), drafts.clone());
        let (history, undone, g) = (history.clone(), undone.clone(), g.clone());
        let shown = grid.clone();
        let cycle_id = p.cycle_id;
        Rc::new(move |what: &'static str, edits: Vec<CellEdit>| {
            let (error, tick, drafts) = (error.clone(), tick.clone(), drafts.clone());
            let (history, undone, shown, g) =
                (history.clone(), undone.clone(), shown.clone(), g.clone());
            let mut changes = changes_of(&g, &edits);
            spawn_local(async move {
                match call::<SaveForecastCells>(&SaveCells { cycle_id, edits }).await {
                    Ok(reply) => {
                        error.set(None);
                        drafts.set(Drafts::new());
                        // A conflict was not applied: nothing of it to undo.
                        changes.retain(|c| {
                            !reply.conflicts.iter().any(|x| {
                                x.customer_code == c.customer_code
                                    && x.part == c.part
                                    && x.month == c.month
                            })
                        });
                        if !changes.is_empty() {
                            // Shown at once; the grid read again below brings the store's word.
                            let applied = reply.applied as usize >= changes.len();
                            shown.set(Some(Ok(Rc::new(patched(&g, &changes, applied)))));
                            let mut h = (**history).clone();
                            h.push(UndoStep { what, changes });
                            history.set(Rc::new(h));
                            undone.set(None);
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
                tick.set(*tick + 1);
            });
        })
    };
    // Takes the newest step back (saved like any edit, on the versions shown now).
    let undo = {
        let (error, tick, history, undone, g) = (
            error.clone(),
            tick.clone(),
            history.clone(),
            undone.clone(),
            g.clone(),
        );
        let cycle_id = p.cycle_id;
        Rc::new(move || {
            let Some(step) = history.last().cloned() else {
                return;
            };
            let (edits, moved_on) = undo_edits(&g, &step);
            let mut h = (**history).clone();
            h.pop();
            history.set(Rc::new(h));
            let (error, tick, undone) = (error.clone(), tick.clone(), undone.clone());
            spawn_local(async move {
                let n = edits.len();
                let r = if edits.is_empty() {
                    Ok(())
                } else {
                    call::<SaveForecastCells>(&SaveCells { cycle_id, edits })
                        .await
                        .map(|_| ())
                };
                match r {
                    Ok(()) => {
                        error.set(None);
                        let mut said = format!("Undone: {} ({n} cell(s) put back).", step.what);
                        if moved_on > 0 {
                            said.push_str(&format!(
                                " {moved_on} cell(s) changed again since were left as they are."
                            ));
                        }
                        undone.set(Some(said));
                    }
                    Err(e) => error.set(Some(e)),
                }
                tick.set(*tick + 1);
            });
        })
    };
    let editable = g.cycle.status == CycleStatus::Open && g.status == SubmissionStatus::Draft;
    let months = g.cycle.months.clone();
    let row = {
        let (g, drafts, save, focus_at) =
            (g.clone(), drafts.clone(), save.clone(), focus_at.clone());
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
                let shown = drafts
                    .get(&(i as usize, m))
                    .cloned()
                    .unwrap_or_else(|| c.quantity.map(|q| q.to_string()).unwrap_or_default());
                let oninput = {
                    let drafts = drafts.clone();
                    Callback::from(move |e: InputEvent| {
                        let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                        let mut d = (*drafts).clone();
                        d.insert((i as usize, m), v);
                        drafts.set(d);
                    })
                };
                // Leaving a changed cell saves it against the version it showed.
                let onchange = {
                    let (save, r, c) = (save.clone(), r.clone(), c.clone());
                    Callback::from(move |e: Event| {
                        let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                        let q = if v.trim().is_empty() { 0.0 } else { v.trim().parse::<f64>().unwrap_or(f64::NAN) };
                        save("the edit", vec![CellEdit {
                            customer_code: r.customer_code.clone(),
                            part: r.part.clone(),
                            month: c.month.clone(),
                            quantity: q,
                            base_version: c.version,
                            key: None,
                        }]);
                    })
                };
                // A range copied from Excel (rows by line, cells by tab) fills from this cell.
                let onpaste = {
                    let (save, g) = (save.clone(), g.clone());
                    Callback::from(move |e: Event| {
                        let Ok(e) = e.dyn_into::<web_sys::ClipboardEvent>() else { return };
                        let Some(text) = e.clipboard_data().and_then(|d| d.get_data("text").ok()) else { return };
                        if !text.contains('\t') && !text.trim_end().contains('\n') {
                            return; // One value: the input takes it as typed.
                        }
                        e.prevent_default();
                        let mut edits = Vec::new();
                        for (dr, line) in text.trim_end_matches(['\r', '\n']).split('\n').enumerate() {
                            for (dc, v) in line.trim_end_matches('\r').split('\t').enumerate() {
                                let (Some(row), Some(cell)) = (g.rows.get(i as usize + dr), g.rows.get(i as usize + dr).and_then(|r| r.cells.get(m + dc))) else {
                                    continue; // Beyond the grid: left out.
                                };
                                let v = v.trim().replace([' ', '\u{a0}'], "");
                                edits.push(CellEdit {
                                    customer_code: row.customer_code.clone(),
                                    part: row.part.clone(),
                                    month: cell.month.clone(),
                                    quantity: if v.is_empty() { 0.0 } else { v.parse().unwrap_or(f64::NAN) },
                                    base_version: cell.version,
                                    key: None,
                                });
                            }
                        }
                        save("the paste", edits);
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
    };
    let columns = format!(
        "grid-template-columns: 14rem repeat({}, 4.6rem) 5rem",
        months.len()
    );
    let submit = |take_back: bool| {
        let (tick, error) = (tick.clone(), error.clone());
        let id = p.cycle_id;
        Callback::from(move |_: MouseEvent| {
            let (tick, error) = (tick.clone(), error.clone());
            spawn_local(async move {
                let r = if take_back {
                    call::<TakeBackForecast>(&CycleRef { id }).await
                } else {
                    call::<SubmitForecast>(&CycleRef { id }).await
                };
                if let Err(e) = r {
                    error.set(Some(e));
                }
                tick.set(*tick + 1);
            });
        })
    };
    // Fill right: the selected row's first filled month is copied into every month after it.
    let fill_right = {
        let (save, g, selected) = (save.clone(), g.clone(), selected.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(row) = g.rows.get(*selected as usize) else {
                return;
            };
            let Some(start) = row.cells.iter().position(|c| c.quantity.is_some()) else {
                return;
            };
            let q = row.cells[start].quantity.unwrap_or(0) as f64;
            let edits = row.cells[start + 1..]
                .iter()
                .map(|c| CellEdit {
                    customer_code: row.customer_code.clone(),
                    part: row.part.clone(),
                    month: c.month.clone(),
                    quantity: q,
                    base_version: c.version,
                    key: None,
                })
                .collect();
            save("fill right", edits);
        })
    };
    // A conflict or refused edit kept in the journal: keep mine (saved on the store's
    // version) or the saved one.
    let resolve = |c: &CellConflict, keep_mine: bool| {
        let (tick, error, c) = (tick.clone(), error.clone(), c.clone());
        let cycle_id = p.cycle_id;
        Callback::from(move |_: MouseEvent| {
            let (tick, error) = (tick.clone(), error.clone());
            let req = ResolveCell {
                cycle_id,
                keep_mine,
                edit: CellEdit {
                    customer_code: c.customer_code.clone(),
                    part: c.part.clone(),
                    month: c.month.clone(),
                    quantity: c.yours as f64,
                    base_version: c.version,
                    key: None,
                },
            };
            spawn_local(async move {
                if let Err(e) = call::<ResolveForecastCell>(&req).await {
                    error.set(Some(e));
                }
                tick.set(*tick + 1);
            });
        })
    };
    let sync_now = {
        let tick = tick.clone();
        Callback::from(move |_: MouseEvent| tick.set(*tick + 1))
    };
    // An import is one step of the history; its conflicts are kept in the journal and shown
    // in the banner above.
    let imported = {
        let (tick, history, undone) = (tick.clone(), history.clone(), undone.clone());
        Callback::from(move |changes: Vec<CellChange>| {
            if !changes.is_empty() {
                let mut h = (**history).clone();
                h.push(UndoStep {
                    what: "the import",
                    changes,
                });
                history.set(Rc::new(h));
                undone.set(None);
            }
            tick.set(*tick + 1)
        })
    };
    let undo_click = {
        let undo = undo.clone();
        Callback::from(move |_: MouseEvent| undo())
    };
    // Ctrl+Z (or Cmd+Z) anywhere in the grid's card, unless a cell is being typed in (then the
    // text field's own undo applies).
    let undo_key = {
        let (undo, drafts) = (undo.clone(), drafts.clone());
        Callback::from(move |e: KeyboardEvent| {
            if (e.ctrl_key() || e.meta_key())
                && !e.shift_key()
                && e.key().eq_ignore_ascii_case("z")
                && drafts.is_empty()
            {
                e.prevent_default();
                undo();
            }
        })
    };
    let last_step = history.last().map(|s| {
        format!(
            "Undo {} ({} cell(s))",
            s.what.trim_start_matches("the "),
            s.changes.len()
        )
    });
    html! {
        <>
        <div class="card" id="fc-grid-card" onkeydown={undo_key}>
            <h2>{ format!("Forecast · {}", g.cycle.name) }<span class="muted" id="fc-status">{ format!("  {}", g.status.as_str()) }</span></h2>
            if g.cycle.status == CycleStatus::Closed { <p class="banner warn" id="fc-closed">{ "This cycle is closed: the forecast can no longer change." }</p> }
            if let Some(at) = g.sync.offline_as_of {
                <p class="banner warn" id="fc-offline">{ format!("The shared store does not answer: this is this desktop's copy from {}. Edits are kept here and sent when it answers.", date_time(at)) }</p>
            }
            if g.sync.pending > 0 {
                <p class="banner" id="fc-pending">{ format!("{} edit(s) not yet synced  ", g.sync.pending) }
                    <button class="link" id="fc-sync" onclick={sync_now}>{ "Sync now" }</button></p>
            }
            if !g.sync.conflicts.is_empty() {
                <div class="banner warn" id="fc-conflicts">
                    <p>{ "Changed elsewhere since you loaded it; nothing was overwritten. Keep which value?" }</p>
                    { for g.sync.conflicts.iter().map(|c| html! {
                        <p>{ format!("{} {} {}: yours {}, saved {}  ", c.customer_code, c.part, c.month, c.yours, c.theirs.map_or("(empty)".into(), |t| t.to_string())) }
                        <button class="link fc-keep-mine" onclick={resolve(c, true)}>{ "Keep mine" }</button>{ " · " }
                        <button class="link fc-keep-theirs" onclick={resolve(c, false)}>{ "Keep the saved one" }</button></p>
                    }) }
                </div>
            }
            if !g.sync.refused.is_empty() {
                <div class="banner warn" id="fc-refused">
                    <p>{ "Edits made offline that the shared store refused:" }</p>
                    { for g.sync.refused.iter().map(|r| {
                        let c = CellConflict { customer_code: r.customer_code.clone(), part: r.part.clone(), month: r.month.clone(), yours: r.quantity, theirs: None, version: 0 };
                        html! { <p>{ format!("{} {} {}: {} — {}  ", r.customer_code, r.part, r.month, r.quantity, r.reason) }
                            <button class="link" onclick={resolve(&c, false)}>{ "Dismiss" }</button></p> }
                    }) }
                </div>
            }
            if g.rows.is_empty() {
                <p class="muted" id="fc-empty">{ "No customers and products to forecast: an administrator assigns customers and their products." }</p>
            } else {
                <div class="fc-head" style={columns.clone()}>
                    <div>{ "Customer · product" }</div>
                    <div class="num" title="Sales in the 12 months before the cycle">{ "Last 12 m" }</div>
                    { for months.iter().map(|m| html! { <div class="num">{ m.clone() }</div> }) }
                    <div class="num">{ "Total" }</div>
                </div>
                <div style={format!("--fc-cols:{}", months.len())} class="fc-wrap" data-columns={columns.clone()}>
                    <VirtualGrid id="fc-grid" class="inv-grid fc-grid" row_class="fc-row" total={g.rows.len() as u32}
                        view_rows={VIEW_ROWS.min(g.rows.len() as u32).max(1)} row_height={ROW_H} first={*first}
                        on_first={{ let f = first.clone(); Callback::from(move |i| f.set(i)) }}
                        selected={*selected} on_select={{ let s = selected.clone(); Callback::from(move |i| s.set(i)) }} {row} />
                </div>
                <div class="fc-head" id="fc-month-totals" style={columns}>
                    <div>{ "Total" }</div>
                    <div class="num muted">{ g.rows.iter().map(|r| r.last_12_months).sum::<i64>() }</div>
                    { for g.month_totals.iter().map(|t| html! { <div class="num">{ *t }</div> }) }
                    <div class="num">{ g.month_totals.iter().sum::<i64>() }</div>
                </div>
                { match g.rows.get(*selected as usize).filter(|_| !*whole_chart) {
                    Some(r) => html! { <chart::ForecastChart title={format!("{} · {}", r.customer, r.part)} months={months.clone()}
                        forecast={r.cells.iter().map(|c| c.quantity.unwrap_or(0)).collect::<Vec<_>>()} year_before={r.history.clone()} /> },
                    None => html! { <chart::ForecastChart title="All lines" months={months.clone()}
                        forecast={g.month_totals.clone()} year_before={g.history_totals.clone()} /> },
                } }
                <label class="check"><input type="checkbox" id="fc-chart-all" checked={*whole_chart}
                    onchange={{ let w = whole_chart.clone(); Callback::from(move |_: Event| w.set(!*w)) }} />{ " Chart all lines (else the selected line)" }</label>
            }
            <div class="actions">
                if editable && !g.rows.is_empty() {
                    <button class="secondary" id="fc-fill-right" onclick={fill_right} title="Copies the selected row's first filled month into the months after it">{ "Fill right" }</button>
                }
                if editable {
                    if let Some(label) = last_step {
                        <button class="secondary" id="fc-undo" onclick={undo_click} title="Ctrl+Z: puts back what the last edit, paste, fill or import changed">{ label }</button>
                    }
                }
                if let Some(said) = &*undone { <span class="ok" id="fc-undone">{ said.clone() }</span> }
                if g.status == SubmissionStatus::Draft && g.cycle.status == CycleStatus::Open {
                    <button id="fc-submit" onclick={submit(false)}>{ "Submit" }</button>
                }
                if g.status == SubmissionStatus::Submitted && g.cycle.status == CycleStatus::Open {
                    <button class="secondary" id="fc-take-back" onclick={submit(true)}>{ "Take back to edit" }</button>
                }
                <span class="muted">{ format!("Deadline {}", date_time(g.cycle.deadline)) }</span>
            </div>
            { error_line("fc-error", &error) }
        </div>
        <ForecastExcel cycle_id={p.cycle_id} rep_id={p.rep_id} {editable} on_imported={imported} />
        </>
    }
}

#[derive(Properties, PartialEq)]
struct AdminProps {
    cycle: Option<Cycle>,
    on_changed: Callback<()>,
    on_rep: Callback<i64>,
}

#[function_component(CyclesAdmin)]
fn cycles_admin(p: &AdminProps) -> Html {
    let name = use_state(String::new);
    let first = use_state(String::new);
    let horizon = use_state(|| "12".to_string());
    let deadline = use_state(String::new);
    let reason = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let status = use_state(|| None::<Result<Vec<RepStatus>, ApiError>>);
    let (code, cust, part, rep_for) = (
        use_state(String::new),
        use_state(String::new),
        use_state(String::new),
        use_state(String::new),
    );
    let id = p.cycle.as_ref().map(|c| c.id);
    {
        let status = status.clone();
        use_effect_with(p.cycle.clone(), move |c| {
            if let Some(c) = c {
                let r = CycleRef { id: c.id };
                spawn_local(async move { status.set(Some(call::<ForecastStatus>(&r).await)) });
            }
        });
    }
    let done = |error: UseStateHandle<Option<ApiError>>, on_changed: Callback<()>| {
        move |r: Result<(), ApiError>| match r {
            Ok(()) => {
                error.set(None);
                on_changed.emit(());
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let create = {
        let (name, first, horizon, deadline) = (
            name.clone(),
            first.clone(),
            horizon.clone(),
            deadline.clone(),
        );
        let finish = done(error.clone(), p.on_changed.clone());
        Callback::from(move |_: MouseEvent| {
            let d = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_str(deadline.trim()))
                .get_time();
            let req = NewCycle {
                name: (*name).clone(),
                first_month: (*first).clone(),
                horizon: horizon.trim().parse().unwrap_or(0),
                deadline: if d.is_finite() { d as i64 } else { 0 },
            };
            let finish = finish.clone();
            spawn_local(async move { finish(call::<CreateCycle>(&req).await.map(|_| ())) });
        })
    };
    let act = |what: &'static str| {
        let finish = done(error.clone(), p.on_changed.clone());
        let reason = reason.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(id) = id else { return };
            let (finish, reason) = (finish.clone(), (*reason).clone());
            spawn_local(async move {
                let r = match what {
                    "open" => call::<OpenCycle>(&CycleRef { id }).await,
                    "close" => call::<CloseCycle>(&CycleRef { id }).await,
                    _ => call::<ReopenCycleCmd>(&ReopenCycle { id, reason }).await,
                };
                finish(r.map(|_| ()));
            });
        })
    };
    let plan = {
        let (code, cust, part, rep_for) =
            (code.clone(), cust.clone(), part.clone(), rep_for.clone());
        let finish = done(error.clone(), p.on_changed.clone());
        Callback::from(move |_: MouseEvent| {
            let a = Assignment {
                customer_code: (*code).clone(),
                customer: (*cust).clone(),
                rep_id: rep_for.trim().parse().ok(),
            };
            let m = MatrixEntry {
                customer_code: (*code).clone(),
                part: (*part).clone(),
                description: String::new(),
            };
            let finish = finish.clone();
            spawn_local(async move {
                let r = match call::<AssignCustomer>(&a).await {
                    Ok(_) if !m.part.trim().is_empty() => call::<SetMatrix>(&m).await.map(|_| ()),
                    other => other.map(|_| ()),
                };
                finish(r);
            });
        })
    };
    let report_path = use_state(String::new);
    let report = use_state(|| None::<Result<ExportReply, ApiError>>);
    let make_report = {
        let (report_path, report) = (report_path.clone(), report.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(id) = id else { return };
            let req = ExportRequest {
                query: CycleRef { id },
                path: (*report_path).clone(),
            };
            let report = report.clone();
            spawn_local(async move { report.set(Some(call::<ForecastReport>(&req).await)) });
        })
    };
    let derived = use_state(|| None::<DeriveReply>);
    let derive = {
        let (derived, error, on_changed) = (derived.clone(), error.clone(), p.on_changed.clone());
        Callback::from(move |_: MouseEvent| {
            let (derived, error, on_changed) = (derived.clone(), error.clone(), on_changed.clone());
            spawn_local(async move {
                match call::<DeriveMatrix>(&()).await {
                    Ok(d) => {
                        error.set(None);
                        derived.set(Some(d));
                        on_changed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v| s.set(v))
    };
    html! {
        <>
            <div class="card" id="fc-admin">
                <h3>{ "New cycle" }</h3>
                <div class="grid2">
                    <div><Field id="fc-name" label="Name" value={(*name).clone()} oninput={set(&name)} /></div>
                    <div><Field id="fc-first" label="First month (YYYY-MM)" value={(*first).clone()} oninput={set(&first)} /></div>
                    <div><Field id="fc-horizon" label="Horizon (12-18 months)" value={(*horizon).clone()} oninput={set(&horizon)} /></div>
                    <div><Field id="fc-deadline" label="Submission deadline (YYYY-MM-DD)" value={(*deadline).clone()} oninput={set(&deadline)} /></div>
                </div>
                <div class="actions"><button id="fc-create" onclick={create}>{ "Create" }</button></div>
                if let Some(c) = &p.cycle {
                    <h3>{ format!("{} ({})", c.name, c.status.as_str()) }</h3>
                    <div class="actions">
                        if c.status == CycleStatus::Draft { <button id="fc-open" onclick={act("open")}>{ "Open (e-mails the reps)" }</button> }
                        if c.status == CycleStatus::Open { <button id="fc-close" onclick={act("close")}>{ "Close (locks every forecast)" }</button> }
                    </div>
                    if c.status == CycleStatus::Closed {
                        <Field id="fc-reason" label="Reason to reopen" value={(*reason).clone()} oninput={set(&reason)} />
                        <div class="actions"><button id="fc-reopen" onclick={act("reopen")}>{ "Reopen" }</button></div>
                    }
                    <div class="actions">
                        <Field id="fc-report-path" label="Report file (.xlsx; empty: Downloads)" value={(*report_path).clone()} oninput={set(&report_path)} />
                        <button class="secondary" id="fc-report" onclick={make_report}>{ "Report (.xlsx)" }</button>
                        { match &*report {
                            Some(Ok(r)) => html! { <span class="ok" id="fc-report-done">{ format!("{} line(s) written to {}", r.rows, r.path) }</span> },
                            Some(Err(e)) => html! { <span class="error" id="fc-report-error">{ e.message.clone() }</span> },
                            None => html! {},
                        } }
                    </div>
                    { match &*status {
                        Some(Ok(list)) => html! {
                            <table id="fc-reps"><thead><tr><th>{ "Rep" }</th><th class="num">{ "Customers" }</th><th class="num">{ "Cells" }</th><th>{ "Status" }</th><th></th></tr></thead>
                            <tbody>{ for list.iter().map(|r| {
                                let on_rep = p.on_rep.clone();
                                let rep = r.rep_id;
                                html! { <tr><td>{ format!("{} (#{})", r.name, r.rep_id) }</td><td class="num">{ r.customers }</td><td class="num">{ r.cells }</td>
                                    <td>{ match r.status { SubmissionStatus::Draft => "draft".to_string(), SubmissionStatus::Submitted => format!("submitted {}", r.submitted_at.map(date_time).unwrap_or_default()) } }</td>
                                    <td><button class="link" onclick={Callback::from(move |_: MouseEvent| on_rep.emit(rep))}>{ "Show grid" }</button></td></tr> }
                            }) }</tbody></table>
                        },
                        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
                        None => html! {},
                    } }
                }
                <h3>{ "Planning: who forecasts which customer and product" }</h3>
                <div class="grid2">
                    <div><Field id="fc-code" label="ERP customer code" value={(*code).clone()} oninput={set(&code)} /></div>
                    <div><Field id="fc-customer" label="Customer name" value={(*cust).clone()} oninput={set(&cust)} /></div>
                    <div><Field id="fc-rep" label="Sales rep (# from the table)" value={(*rep_for).clone()} oninput={set(&rep_for)} /></div>
                    <div><Field id="fc-part" label="Product (ERP part), optional" value={(*part).clone()} oninput={set(&part)} /></div>
                </div>
                <div class="actions"><button id="fc-plan" onclick={plan}>{ "Save" }</button>
                    <button class="secondary" id="fc-derive" onclick={derive}>{ "Products from the ERP's sales history" }</button>
                    if let Some(d) = &*derived { <span class="ok" id="fc-derived">{ format!("{} customer(s), {} month row(s), {} product(s) added", d.customers, d.history_rows, d.matrix_added) }</span> }
                </div>
                { error_line("fc-admin-error", &error) }
                <masters::MastersExcel on_imported={p.on_changed.clone()} />
                if let Some(c) = &p.cycle { <report::CycleReport cycle_id={c.id} /> }
                <Reminder />
            </div>
        </>
    }
}

/// Settings → the deadline reminder (admin): days before the deadline that reps who have not
/// submitted are e-mailed.
#[function_component(Reminder)]
fn reminder() -> Html {
    let days = use_state(String::new);
    let saved = use_state(|| None::<Result<ForecastSettings, ApiError>>);
    {
        let (days, saved) = (days.clone(), saved.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                let r = call::<GetForecastSettings>(&()).await;
                if let Ok(s) = &r {
                    days.set(s.reminder_days.to_string());
                }
                saved.set(Some(r));
            })
        });
    }
    let save = {
        let (days, saved) = (days.clone(), saved.clone());
        Callback::from(move |_: MouseEvent| {
            let (days, saved) = (days.clone(), saved.clone());
            // Not a number: -1 reaches the core, which names the field and the range.
            let req = ForecastSettings {
                reminder_days: days.trim().parse().unwrap_or(-1),
            };
            spawn_local(async move { saved.set(Some(call::<SaveForecastSettings>(&req).await)) });
        })
    };
    html! {
        <>
            <h3>{ "Deadline reminder" }</h3>
            <Field id="fc-reminder-days" label="E-mail reps who have not submitted this many days before the deadline (0: never)"
                value={(*days).clone()} oninput={{ let d = days.clone(); Callback::from(move |v| d.set(v)) }} />
            <div class="actions"><button class="secondary" id="fc-reminder-save" onclick={save}>{ "Save" }</button>
                { match &*saved {
                    Some(Ok(s)) => html! { <span class="muted" id="fc-reminder-state">{ if s.reminder_days == 0 { "No reminder.".to_string() } else { format!("Reminder {} day(s) before the deadline.", s.reminder_days) } }</span> },
                    Some(Err(e)) => html! { <span class="error" id="fc-reminder-error">{ e.message.clone() }</span> },
                    None => html! {},
                } }
            </div>
        </>
    }
}
