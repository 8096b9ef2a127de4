//! The cycle report in the window (admin): the forecast by rep, by customer or by product,
//! beside the same months a year earlier. The .xlsx report holds the same and every line.

use crate::common::ipc::call;
use portdesk_types::ApiError;
use portdesk_types::api::GetForecastSummary;
use portdesk_types::forecasts::{CycleRef, ForecastSummary, SummaryRow};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ReportProps {
    pub cycle_id: i64,
}

#[derive(Clone, Copy, PartialEq)]
enum View {
    Rep,
    Customer,
    Product,
}

#[function_component(CycleReport)]
pub fn cycle_report(p: &ReportProps) -> Html {
    let summary = use_state(|| None::<Result<ForecastSummary, ApiError>>);
    let view = use_state(|| View::Rep);
    let tick = use_state(|| 0u32);
    {
        let summary = summary.clone();
        let r = CycleRef { id: p.cycle_id };
        use_effect_with((p.cycle_id, *tick), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                summary.set(Some(call::<GetForecastSummary>(&r).await));
            });
        });
    }
    let pick = |v: View| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(v))
    };
    let tab = |v: View, id: &'static str, label: &'static str| {
        let on = *view == v;
        html! { <button id={id} class={if on { "" } else { "secondary" }} aria-pressed={on.to_string()} onclick={pick(v)}>{ label }</button> }
    };
    let (head, detail): (&str, &str) = match *view {
        View::Rep => ("Sales rep", "Status"),
        View::Customer => ("Customer", "Sales rep"),
        View::Product => ("Product", ""),
    };
    let body = match &*summary {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(s)) => {
            let rows: &[SummaryRow] = match *view {
                View::Rep => &s.by_rep,
                View::Customer => &s.by_customer,
                View::Product => &s.by_product,
            };
            html! {
                <table id="fc-summary">
                    <thead><tr><th>{ head }</th><th>{ detail }</th><th class="num">{ "Forecast" }</th><th class="num">{ "A year earlier" }</th><th class="num">{ "Change" }</th></tr></thead>
                    <tbody>{ for rows.iter().map(|r| html! {
                        <tr><td>{ if r.key != r.label && *view == View::Customer { format!("{} ({})", r.label, r.key) } else { r.label.clone() } }</td>
                            <td>{ r.detail.clone() }</td>
                            <td class="num">{ r.forecast }</td><td class="num">{ r.year_before }</td>
                            <td class="num">{ if r.year_before > 0 { format!("{:+.1}%", (r.forecast - r.year_before) as f64 * 100.0 / r.year_before as f64) } else { "—".into() } }</td></tr>
                    }) }</tbody>
                </table>
            }
        }
    };
    html! {
        <>
            <h3>{ "Report" }</h3>
            <div class="actions">
                { tab(View::Rep, "fc-summary-rep", "By rep") }
                { tab(View::Customer, "fc-summary-customer", "By customer") }
                { tab(View::Product, "fc-summary-product", "By product") }
                <button class="link" onclick={{ let t = tick.clone(); Callback::from(move |_: MouseEvent| t.set(*t + 1)) }}>{ "Refresh" }</button>
            </div>
            { body }
        </>
    }
}
