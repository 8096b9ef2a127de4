//! The form for a new cycle: its name, first month, horizon and submission deadline.

use crate::common::widgets::{Field, setter};
use portdesk_types::forecasts::NewCycle;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct NewCycleProps {
    pub(super) on_create: Callback<NewCycle>,
}

#[function_component(NewCycleForm)]
pub(super) fn new_cycle_form(p: &NewCycleProps) -> Html {
    let name = use_state(String::new);
    let first = use_state(String::new);
    let horizon = use_state(|| "12".to_string());
    let deadline = use_state(String::new);
    let create = {
        let (name, first, horizon, deadline) = (
            name.clone(),
            first.clone(),
            horizon.clone(),
            deadline.clone(),
        );
        let on_create = p.on_create.clone();
        Callback::from(move |_: MouseEvent| {
            let d = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_str(deadline.trim()))
                .get_time();
            on_create.emit(NewCycle {
                name: (*name).clone(),
                first_month: (*first).clone(),
                horizon: horizon.trim().parse().unwrap_or(0),
                deadline: if d.is_finite() { d as i64 } else { 0 },
            });
        })
    };
    html! {
        <>
            <h3>{ "New cycle" }</h3>
            <div class="grid2">
                <div><Field id="fc-name" label="Name" value={(*name).clone()} oninput={setter(&name)} /></div>
                <div><Field id="fc-first" label="First month (YYYY-MM)" value={(*first).clone()} oninput={setter(&first)} /></div>
                <div><Field id="fc-horizon" label="Horizon (12-18 months)" value={(*horizon).clone()} oninput={setter(&horizon)} /></div>
                <div><Field id="fc-deadline" label="Submission deadline (YYYY-MM-DD)" value={(*deadline).clone()} oninput={setter(&deadline)} /></div>
            </div>
            <div class="actions"><button id="fc-create" onclick={create}>{ "Create" }</button></div>
        </>
    }
}
