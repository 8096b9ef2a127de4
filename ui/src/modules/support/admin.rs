//! Staff tabs: the call requests to handle (pending first, as the core sorts them; "Done" asks
//! for the outcome), and for admins the support settings (business hours, targets per
//! priority, the attachment size limit).

use super::detail::call_status;
use super::tickets::priorities;
use super::{about, checked_of, field_error, form_error, input_value, use_live};
use crate::common::data::{use_action, use_command};
use crate::common::widgets::{date_time, num};
use portdesk_types::api::*;
use portdesk_types::support::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CallsProps {
    /// Bumped by a live event: the calls are read again.
    pub tick: u32,
    pub on_open: Callback<i64>,
}

#[function_component(CallsTab)]
pub fn calls_tab(p: &CallsProps) -> Html {
    let (calls, shown) = use_live::<ListCalls>((), p.tick);
    let closing = use_state(|| None::<i64>);
    let outcome = use_state(String::new);
    let complete = use_action::<CompleteCall>();
    let save = {
        let (closing, outcome, complete, reload) = (
            closing.clone(),
            outcome.clone(),
            complete.clone(),
            calls.reload(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(id) = *closing else { return };
            let req = CallDone {
                id,
                outcome: (*outcome).clone(),
            };
            let (closing, outcome, reload) = (closing.clone(), outcome.clone(), reload.clone());
            complete.run(req, move |_| {
                closing.set(None);
                outcome.set(String::new());
                reload.emit(());
            });
        })
    };
    let row = |c: &CallRequest| {
        let done = {
            let (closing, outcome, complete, id) =
                (closing.clone(), outcome.clone(), complete.clone(), c.id);
            Callback::from(move |_: MouseEvent| {
                complete.clear();
                outcome.set(String::new());
                closing.set(Some(id));
            })
        };
        let ticket = c.ticket_id.map(|tid| {
            let on_open = p.on_open.clone();
            html! {
                <button type="button" class="link call-ticket" data-ticket-id={tid.to_string()}
                    onclick={Callback::from(move |_: MouseEvent| on_open.emit(tid))}>{ "Open ticket" }</button>
            }
        });
        let pending = c.status == CallStatus::Pending;
        html! {
            <>
                <tr class={classes!("call-row", format!("st-{}", call_status(c.status)))} data-call-id={c.id.to_string()} data-status={call_status(c.status)}>
                    <td class="call-customer">{ c.customer_name.clone() }</td>
                    <td class="call-phone"><a href={format!("tel:{}", c.phone)}>{ c.phone.clone() }</a></td>
                    <td class="call-when">{ c.at.map(date_time).unwrap_or_else(|| "As soon as possible".into()) }</td>
                    <td class="call-note">{ c.note.clone() }{ for ticket }</td>
                    <td class="call-status">
                        { if pending { "Pending".to_string() } else { format!("Done: {}", c.outcome) } }
                    </td>
                    <td>if pending { <button type="button" class="call-done" data-call-id={c.id.to_string()} onclick={done}>{ "Done" }</button> }</td>
                </tr>
                if *closing == Some(c.id) {
                    <tr class="call-outcome-row"><td colspan="6">
                        <form class="call-outcome-form" onsubmit={save.clone()}>
                            <label for="call-outcome">{ "Outcome" }</label>
                            <input id="call-outcome" type="text" value={(*outcome).clone()} autofocus=true
                                oninput={{ let outcome = outcome.clone(); Callback::from(move |e: InputEvent| outcome.set(input_value(&e))) }} />
                            { field_error(complete.error(), "call-outcome", &["outcome"]) }
                            <div class="actions">
                                <button type="submit" id="call-outcome-save">{ "Save" }</button>
                                <button type="button" class="secondary" id="call-outcome-cancel"
                                    onclick={{ let closing = closing.clone(); Callback::from(move |_: MouseEvent| closing.set(None)) }}>{ "Cancel" }</button>
                            </div>
                            { form_error("call-outcome-error", complete.error(), &["outcome"]) }
                        </form>
                    </td></tr>
                }
            </>
        }
    };
    let body = match &shown {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error" id="calls-error">{ e.message.clone() }</p> },
        Some(Ok(l)) if l.is_empty() => {
            html! { <p class="muted" id="calls-empty">{ "No call requests." }</p> }
        }
        Some(Ok(l)) => html! {
            <table id="calls">
                <thead><tr>
                    <th>{ "Customer" }</th><th>{ "Phone" }</th><th>{ "When" }</th><th>{ "Note" }</th><th>{ "Status" }</th><th></th>
                </tr></thead>
                <tbody>{ for l.iter().map(row) }</tbody>
            </table>
        },
    };
    html! { <div class="card"><h2>{ "Call requests" }</h2>{ body }</div> }
}

/// An edit of one setting from an input's text.
type SettingsEdit = Box<dyn Fn(&mut SupportSettings, String)>;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[function_component(SupportSettingsCard)]
pub fn support_settings_card() -> Html {
    let loaded = use_command::<GetSupportSettings>(());
    let save = use_action::<SaveSupportSettings>();
    // The settings as edited since last loaded or saved; nothing is sent before "Save".
    let edited = use_state(|| None::<SupportSettings>);
    if let Some(e) = loaded.error() {
        return html! { <div class="card"><p class="error" id="s-load-error">{ e.message.clone() }</p></div> };
    }
    let Some(s) = (*edited)
        .clone()
        .or_else(|| save.done().or(loaded.data()).cloned())
    else {
        return html! { <div class="card"><p class="muted">{ "Loading…" }</p></div> };
    };
    let saved = save.done().is_some() && edited.is_none() && save.error().is_none();
    // Each edit changes a copy of the settings shown.
    let change = |f: SettingsEdit| {
        let (edited, s) = (edited.clone(), s.clone());
        Callback::from(move |e: InputEvent| {
            let mut next = s.clone();
            f(&mut next, input_value(&e));
            edited.set(Some(next));
        })
    };
    let day = |d: u8| {
        let (edited, s) = (edited.clone(), s.clone());
        Callback::from(move |e: Event| {
            let mut next = s.clone();
            next.days.retain(|x| *x != d);
            if checked_of(&e) {
                next.days.push(d);
                next.days.sort_unstable();
            }
            edited.set(Some(next));
        })
    };
    let on_save = {
        let (save, edited, s) = (save.clone(), edited.clone(), s.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let edited = edited.clone();
            save.run(s.clone(), move |_| edited.set(None));
        })
    };
    let error = save.error();
    let invalid = |n: &str| about(error, &[n]).then_some("invalid");
    let target_row = |x: Priority| {
        let i = x.index();
        html! {
            <tr>
                <th>{ x.label() }</th>
                <td><input id={format!("s-first-{i}")} type="number" min="1" step="1" aria-label={format!("First response, {}", x.label())}
                    value={s.first_response_hours[i].to_string()} class={invalid("first_response_hours")}
                    oninput={change(Box::new(move |s, v| s.first_response_hours[i] = num(&v)))} /></td>
                <td><input id={format!("s-res-{i}")} type="number" min="1" step="1" aria-label={format!("Resolution, {}", x.label())}
                    value={s.resolution_hours[i].to_string()} class={invalid("resolution_hours")}
                    oninput={change(Box::new(move |s, v| s.resolution_hours[i] = num(&v)))} /></td>
            </tr>
        }
    };
    let names = [
        "opens",
        "closes",
        "days",
        "first_response_hours",
        "resolution_hours",
        "max_attachment_mb",
    ];
    html! {
        <form class="card" id="support-settings" onsubmit={on_save}>
            <h2>{ "Support settings" }</h2>
            <h3>{ "Business hours" }</h3>
            <p class="muted">{ "Calls are booked within these hours." }</p>
            <div class="grid2">
                <div>
                    <label for="s-opens">{ "Opens" }</label>
                    <input id="s-opens" type="time" value={s.opens.clone()} class={invalid("opens")}
                        oninput={change(Box::new(|s, v| s.opens = v))} />
                    { field_error(error, "s-opens", &["opens"]) }
                </div>
                <div>
                    <label for="s-closes">{ "Closes" }</label>
                    <input id="s-closes" type="time" value={s.closes.clone()} class={invalid("closes")}
                        oninput={change(Box::new(|s, v| s.closes = v))} />
                    { field_error(error, "s-closes", &["closes"]) }
                </div>
            </div>
            <div class="s-days" role="group" aria-label="Open on">
                { for (1u8..=7).map(|d| html! {
                    <label class="check inline">
                        <input type="checkbox" class="s-day" value={d.to_string()} data-day={d.to_string()}
                            checked={s.days.contains(&d)} onchange={day(d)} />
                        { format!(" {}", DAYS[usize::from(d - 1)]) }
                    </label>
                }) }
            </div>
            { field_error(error, "s-days", &["days"]) }
            <h3>{ "Targets (hours)" }</h3>
            <table id="s-targets">
                <thead><tr><th>{ "Priority" }</th><th>{ "First response" }</th><th>{ "Resolution" }</th></tr></thead>
                <tbody>{ for priorities().into_iter().map(target_row) }</tbody>
            </table>
            { field_error(error, "s-first", &["first_response_hours"]) }
            { field_error(error, "s-res", &["resolution_hours"]) }
            <label for="s-max-mb">{ "Largest attachment (MB)" }</label>
            <input id="s-max-mb" type="number" min="1" step="1" value={s.max_attachment_mb.to_string()} class={invalid("max_attachment_mb")}
                oninput={change(Box::new(|s, v| s.max_attachment_mb = num(&v)))} />
            { field_error(error, "s-max-mb", &["max_attachment_mb"]) }
            { form_error("s-error", error, &names) }
            <div class="actions">
                <button type="submit" id="s-save" disabled={save.busy()}>{ "Save" }</button>
                if saved { <span class="ok" id="s-saved" role="status">{ "Saved." }</span> }
            </div>
        </form>
    }
}
