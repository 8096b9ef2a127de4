//! The Forecasts window. A sales rep fills their grid (their customers × products × the
//! cycle's months) on the shared virtualised grid: each cell is saved when it is left, a range
//! copied from Excel can be pasted into any cell, totals follow; submit and take back. An
//! admin manages cycles, who plans which customer and the customer-product matrix, and sees
//! every rep's status and grid. A cell changed elsewhere meanwhile is shown with both values.
//! Excel export and import beside the grid: `excel.rs`; the admin's masters: `masters.rs`.

mod grid_view;
use grid_view::ForecastGrid;

mod admin;
mod excel;
mod history;
mod masters;

mod chart;
mod report;

use crate::common::grid::VirtualGrid;
use crate::common::ipc::call;
use crate::common::widgets::{date_time, error_line};
use admin::CyclesAdmin;
use excel::ForecastExcel;
use history::{UndoStep, changes_of, patched, undo_edits};
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::forecasts::*;
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
    // The commands' own declaration, the one the core enforces.
    let admin = may::<CreateCycle>(p.me.role);
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
