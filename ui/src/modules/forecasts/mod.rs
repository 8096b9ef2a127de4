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

use crate::common::data::use_command;
use admin::CyclesAdmin;
use portdesk_types::api::*;
use portdesk_types::forecasts::*;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ForecastsProps {
    pub me: SessionInfo,
}

#[function_component(ForecastsWindow)]
pub fn forecasts_window(p: &ForecastsProps) -> Html {
    // The commands' own declaration, the one the core enforces.
    let admin = may::<CreateCycle>(p.me.role);
    let cycles = use_command::<ListCycles>(());
    let chosen = use_state(|| None::<i64>);
    let rep = use_state(|| None::<i64>);
    // Each change the admin makes: the cycles and the grid are read again.
    let changes = use_state(|| 0u32);
    // The cycle picked; until then the open one (else the first) of the first list read,
    // pinned below so that a later list does not move it.
    let shown = (*chosen).or_else(|| {
        let list = cycles.data()?;
        list.iter()
            .find(|c| c.status == CycleStatus::Open)
            .or(list.first())
            .map(|c| c.id)
    });
    {
        let chosen = chosen.clone();
        use_effect_with(shown, move |id| {
            if chosen.is_none() && id.is_some() {
                chosen.set(*id);
            }
        });
    }
    let bump = {
        let (changes, reload) = (changes.clone(), cycles.reload());
        Callback::from(move |_: ()| {
            changes.set(*changes + 1);
            reload.emit(());
        })
    };
    let list = match (cycles.data(), cycles.error()) {
        (Some(l), _) => l,
        (_, Some(e)) => return html! { <p class="error">{ e.message.clone() }</p> },
        _ => return html! { <p class="muted">{ "Loading…" }</p> },
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
    let cycle = list.iter().find(|c| Some(c.id) == shown).cloned();
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
                            <option value={c.id.to_string()} selected={Some(c.id) == shown}>{ format!("{} · {} + {} months · {}", c.name, c.first_month, c.horizon, c.status.as_str()) }</option>
                        }) }
                    </select>
                }
            </div>
            if admin { <CyclesAdmin cycle={cycle.clone()} on_changed={bump.clone()} on_rep={{ let rep = rep.clone(); Callback::from(move |r| rep.set(Some(r))) }} /> }
            if let Some(c) = cycle {
                if !admin || grid_rep.is_some() {
                    <ForecastGrid cycle_id={c.id} rep_id={grid_rep} reload={*changes} />
                }
            }
        </>
    }
}
