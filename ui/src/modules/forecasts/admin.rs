//! The cycle administration beside the grid (admin): create, open, close and reopen a cycle,
//! each rep's status, who plans which customer and product, and the deadline reminder.

use crate::common::ipc::call;
use crate::common::widgets::{Field, date_time, error_line};
use portdesk_types::ApiError;
use portdesk_types::accounts::{ExportReply, ExportRequest};
use portdesk_types::api::*;
use portdesk_types::forecasts::*;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct AdminProps {
    pub(super) cycle: Option<Cycle>,
    pub(super) on_changed: Callback<()>,
    pub(super) on_rep: Callback<i64>,
}

#[function_component(CyclesAdmin)]
pub(super) fn cycles_admin(p: &AdminProps) -> Html {
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
                <super::masters::MastersExcel on_imported={p.on_changed.clone()} />
                if let Some(c) = &p.cycle { <super::report::CycleReport cycle_id={c.id} /> }
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
                // The card's version as last read or saved.
                version: match &*saved {
                    Some(Ok(s)) => s.version,
                    _ => None,
                },
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
