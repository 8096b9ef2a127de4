//! The rep's forecast grid: cells saved as they are left, paste, fill, undo, totals, the chart.
//! The card is the sync banners (`banners.rs`), the table (`table.rs`) with each row's cells
//! (`cells.rs`) and the actions below; what is read and sent is in `sheet.rs`.

mod banners;
mod cells;
mod sheet;
mod table;

use super::excel::ForecastExcel;
use crate::common::widgets::{date_time, error_line};
use banners::SyncBanners;
use portdesk_types::forecasts::*;
use sheet::use_sheet;
use std::rc::Rc;
use table::GridTable;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct GridProps {
    pub(super) cycle_id: i64,
    pub(super) rep_id: Option<i64>,
    pub(super) reload: u32,
}

/// A cell being typed: (row, month index) → text.
type Drafts = std::collections::HashMap<(usize, usize), String>;

#[function_component(ForecastGrid)]
pub(super) fn forecast_grid(p: &GridProps) -> Html {
    let sheet = Rc::new(use_sheet(p.cycle_id, p.rep_id, p.reload));
    let first = use_state(|| 0u32);
    let selected = use_state(|| 0u32);
    let whole_chart = use_state(|| true);
    let focus_at = cells::use_focus_cell();
    let g = match &*sheet.grid {
        Some(Ok(g)) => g.clone(),
        Some(Err(e)) => {
            return html! { <p class="error" id="fc-grid-error">{ e.message.clone() }</p> };
        }
        None => return html! { <p class="muted">{ "Loading…" }</p> },
    };
    let editable = g.cycle.status == CycleStatus::Open && g.status == SubmissionStatus::Draft;
    // Fill right: the selected row's first filled month is copied into every month after it.
    let fill_right = {
        let (sheet, g, selected) = (sheet.clone(), g.clone(), selected.clone());
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
                .map(|c| cells::edit(row, c, q))
                .collect();
            sheet.save("fill right", edits);
        })
    };
    let undo_click = {
        let sheet = sheet.clone();
        Callback::from(move |_: MouseEvent| sheet.undo())
    };
    // Ctrl+Z (or Cmd+Z) anywhere in the grid's card, unless a cell is being typed in (then the
    // text field's own undo applies).
    let undo_key = {
        let sheet = sheet.clone();
        Callback::from(move |e: KeyboardEvent| {
            if (e.ctrl_key() || e.meta_key())
                && !e.shift_key()
                && e.key().eq_ignore_ascii_case("z")
                && sheet.drafts.is_empty()
            {
                e.prevent_default();
                sheet.undo();
            }
        })
    };
    let submit = |take_back: bool| {
        let sheet = sheet.clone();
        Callback::from(move |_: MouseEvent| sheet.submit(take_back))
    };
    let last_step = sheet.history.last().map(|s| {
        format!(
            "Undo {} ({} cell(s))",
            s.what.trim_start_matches("the "),
            s.changes.len()
        )
    });
    let open = g.cycle.status == CycleStatus::Open;
    html! {
        <>
        <div class="card" id="fc-grid-card" onkeydown={undo_key}>
            <h2>{ format!("Forecast · {}", g.cycle.name) }<span class="muted" id="fc-status">{ format!("  {}", g.status.as_str()) }</span></h2>
            <SyncBanners closed={g.cycle.status == CycleStatus::Closed} sync={g.sync.clone()}
                on_sync={{ let sheet = sheet.clone(); Callback::from(move |_| sheet.read_again()) }}
                on_resolve={{ let sheet = sheet.clone(); Callback::from(move |(c, keep_mine)| sheet.resolve(&c, keep_mine)) }} />
            if g.rows.is_empty() {
                <p class="muted" id="fc-empty">{ "No customers and products to forecast: an administrator assigns customers and their products." }</p>
            } else {
                <GridTable grid={g.clone()} row={cells::row_cells(&g, &sheet, &focus_at, editable)}
                    first={*first} on_first={{ let f = first.clone(); Callback::from(move |i| f.set(i)) }}
                    selected={*selected} on_select={{ let s = selected.clone(); Callback::from(move |i| s.set(i)) }}
                    whole_chart={*whole_chart} on_whole_chart={{ let w = whole_chart.clone(); Callback::from(move |_| w.set(!*w)) }} />
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
                if let Some(said) = &*sheet.undone { <span class="ok" id="fc-undone">{ said.clone() }</span> }
                if g.status == SubmissionStatus::Draft && open {
                    <button id="fc-submit" onclick={submit(false)}>{ "Submit" }</button>
                }
                if g.status == SubmissionStatus::Submitted && open {
                    <button class="secondary" id="fc-take-back" onclick={submit(true)}>{ "Take back to edit" }</button>
                }
                <span class="muted">{ format!("Deadline {}", date_time(g.cycle.deadline)) }</span>
            </div>
            { error_line("fc-error", &sheet.error) }
        </div>
        <ForecastExcel cycle_id={p.cycle_id} rep_id={p.rep_id} {editable}
            on_imported={{ let sheet = sheet.clone(); Callback::from(move |changes| sheet.imported(changes)) }} />
        </>
    }
}
