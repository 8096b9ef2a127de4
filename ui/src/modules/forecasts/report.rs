//! The cycle report in the window (admin): the forecast by rep, by customer or by product,
//! beside the same months a year earlier. The .xlsx report (`ReportFile`) holds the same and
//! every line.

use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, setter};
use portdesk_types::accounts::ExportRequest;
use portdesk_types::api::{ForecastReport, GetForecastSummary};
use portdesk_types::forecasts::{CycleRef, SummaryRow};
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
    let summary = use_command::<GetForecastSummary>(CycleRef { id: p.cycle_id });
    let view = use_state(|| View::Rep);
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
    let body = match (summary.data(), summary.error()) {
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
        (_, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        (Some(s), _) => {
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
                <button class="link" onclick={summary.reload().reform(|_: MouseEvent| ())}>{ "Refresh" }</button>
            </div>
            { body }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct ReportFileProps {
    pub cycle_id: i64,
}

/// The cycle report as an .xlsx file, where the admin says or in Downloads.
#[function_component(ReportFile)]
pub fn report_file(p: &ReportFileProps) -> Html {
    let path = use_state(String::new);
    let report = use_action::<ForecastReport>();
    let make = {
        let (path, report, id) = (path.clone(), report.clone(), p.cycle_id);
        Callback::from(move |_: MouseEvent| {
            let req = ExportRequest {
                query: CycleRef { id },
                path: (*path).clone(),
            };
            report.run(req, |_| ());
        })
    };
    html! {
        <div class="actions">
            <Field id="fc-report-path" label="Report file (.xlsx; empty: Downloads)" value={(*path).clone()} oninput={setter(&path)} />
            <button class="secondary" id="fc-report" onclick={make}>{ "Report (.xlsx)" }</button>
            { match (report.error(), report.done()) {
                (Some(e), _) => html! { <span class="error" id="fc-report-error">{ e.message.clone() }</span> },
                (None, Some(r)) => html! { <span class="ok" id="fc-report-done">{ format!("{} line(s) written to {}", r.rows, r.path) }</span> },
                (None, None) => html! {},
            } }
        </div>
    }
}
