//! Mail (admin): the outbox window with live statuses, resend and cancel; and the mail
//! transport card of the Settings window.

mod card;
mod detail;

pub use card::MailCard;
use detail::MailDetailPane;

use crate::common::ipc::call;
use crate::common::widgets::{Field, date_time};
use crate::common::widgets::{edit, num, test_result};
use gloo_timers::callback::Interval;
use portdesk_types::api::{
    CancelMail, ConnectionTest, GetMail, GetMailSettings, ListMail, ResendMail, SaveMailSettings,
    SendTestMail,
};
use portdesk_types::mail::*;
use portdesk_types::{ApiError, Secret};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Rows per page of the outbox.
const PAGE: u64 = 100;
/// How often an open Mail window asks for the outbox again.
const POLL_MS: u32 = 5_000;

fn status_label(s: MailStatus) -> &'static str {
    match s {
        MailStatus::Queued => "Queued",
        MailStatus::Sending => "Sending",
        MailStatus::Sent => "Sent",
        MailStatus::Failed => "Failed",
        MailStatus::Cancelled => "Cancelled",
    }
}

fn status_count(c: &MailCounts, s: MailStatus) -> u64 {
    match s {
        MailStatus::Queued => c.queued,
        MailStatus::Sending => c.sending,
        MailStatus::Sent => c.sent,
        MailStatus::Failed => c.failed,
        MailStatus::Cancelled => c.cancelled,
    }
}

/// "password_reset" → "password reset".
fn kind_label(kind: &str) -> String {
    kind.replace('_', " ")
}

/// The last column: when it was sent, or when the next attempt is due.
fn timing(r: &MailRow) -> String {
    match (r.sent_at, r.next_attempt_at) {
        (Some(t), _) => format!("sent {}", date_time(t)),
        (None, Some(t)) if r.status == MailStatus::Queued => format!("next {}", date_time(t)),
        _ => String::new(),
    }
}

fn can_resend(s: MailStatus) -> bool {
    s != MailStatus::Sending
}

fn can_cancel(s: MailStatus) -> bool {
    matches!(s, MailStatus::Queued | MailStatus::Failed)
}

#[function_component(MailWindow)]
pub fn mail_window() -> Html {
    let filter = use_state(|| None::<MailStatus>);
    let search = use_state(String::new);
    let offset = use_state(|| 0u64);
    let reload = use_state(|| 0u32);
    let page = use_state_eq(|| None::<MailPage>);
    let list_error = use_state_eq(|| None::<ApiError>);
    let selected = use_state(|| None::<i64>);

    let query = MailQuery {
        status: *filter,
        search: Some(search.trim().to_owned()).filter(|s| !s.is_empty()),
        offset: *offset,
        limit: PAGE,
    };
    // Load now and every few seconds while the window is open; a new query or a reload
    // replaces the poll, and late answers to an old one are dropped.
    {
        let (page, list_error) = (page.clone(), list_error.clone());
        use_effect_with((query.clone(), *reload), move |(q, _)| {
            let live = Rc::new(Cell::new(true));
            let load = {
                let (q, live) = (q.clone(), live.clone());
                move || {
                    let (q, live, page, list_error) =
                        (q.clone(), live.clone(), page.clone(), list_error.clone());
                    spawn_local(async move {
                        let r = call::<ListMail>(&q).await;
                        if !live.get() {
                            return;
                        }
                        match r {
                            Ok(p) => {
                                page.set(Some(p));
                                list_error.set(None);
                            }
                            Err(e) => list_error.set(Some(e)),
                        }
                    });
                }
            };
            load();
            let interval = Interval::new(POLL_MS, load);
            move || {
                live.set(false);
                drop(interval);
            }
        });
    }
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };

    let counts = page.as_ref().map(|p| p.counts.clone()).unwrap_or_default();
    let tab = |s: Option<MailStatus>| {
        let (filter, offset) = (filter.clone(), offset.clone());
        let (id, label) = match s {
            Some(m) => (
                format!("mail-status-{}", m.as_str()),
                format!("{} {}", status_label(m), status_count(&counts, m)),
            ),
            None => ("mail-status-all".to_owned(), "All".to_owned()),
        };
        let active = *filter == s;
        let onclick = Callback::from(move |_: MouseEvent| {
            filter.set(s);
            offset.set(0);
        });
        html! {
            <button {id} class={if active { "" } else { "secondary" }} aria-pressed={active.to_string()} {onclick}>{ label }</button>
        }
    };
    let on_search = {
        let (search, offset) = (search.clone(), offset.clone());
        Callback::from(move |v: String| {
            search.set(v);
            offset.set(0);
        })
    };
    let open = |id: i64| {
        let selected = selected.clone();
        Callback::from(move |_: MouseEvent| selected.set(Some(id)))
    };
    let on_row_key = |id: i64| {
        let selected = selected.clone();
        Callback::from(move |e: KeyboardEvent| {
            let row: web_sys::Element = e.target_unchecked_into();
            let next = match e.key().as_str() {
                "Enter" => {
                    e.prevent_default();
                    selected.set(Some(id));
                    return;
                }
                "Escape" => {
                    selected.set(None);
                    return;
                }
                "ArrowDown" => row.next_element_sibling(),
                "ArrowUp" => row.previous_element_sibling(),
                "Home" => row.parent_element().and_then(|p| p.first_element_child()),
                "End" => row.parent_element().and_then(|p| p.last_element_child()),
                _ => return,
            };
            e.prevent_default();
            if let Some(el) = next.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        })
    };

    let table = match &*page {
        None if list_error.is_none() => html! { <p class="muted">{ "Loading…" }</p> },
        None => html! {},
        Some(pg) => {
            let first = pg.total.min(*offset + 1);
            let last = pg.total.min(*offset + pg.rows.len() as u64);
            let count = if pg.total == 0 {
                "No messages.".to_owned()
            } else {
                format!("{first}–{last} of {} message(s)", pg.total)
            };
            let go = |to: u64| {
                let offset = offset.clone();
                Callback::from(move |_: MouseEvent| offset.set(to))
            };
            html! {
                <>
                    <p class="muted" id="mail-count">{ count }</p>
                    <table id="mail-table">
                        <thead><tr>
                            <th>{ "Created" }</th><th>{ "Kind" }</th><th>{ "To" }</th><th>{ "Subject" }</th>
                            <th>{ "Status" }</th><th class="num">{ "Attempts" }</th><th>{ "Last error" }</th><th>{ "Next attempt / sent" }</th>
                        </tr></thead>
                        <tbody>
                        { for pg.rows.iter().map(|r| {
                            let sel = *selected == Some(r.id);
                            let class = classes!("mail-row", format!("st-{}", r.status.as_str()), sel.then_some("sel"));
                            html! {
                                <tr id={format!("mail-row-{}", r.id)} {class} tabindex="0" data-status={r.status.as_str()}
                                    aria-selected={sel.to_string()} onclick={open(r.id)} onkeydown={on_row_key(r.id)}>
                                    <td>{ date_time(r.created_at) }</td>
                                    <td>{ kind_label(&r.kind) }</td>
                                    <td>{ r.to.join(", ") }</td>
                                    <td>{ r.subject.clone() }</td>
                                    <td class="mail-status">{ status_label(r.status) }</td>
                                    <td class="num">{ r.attempts }</td>
                                    <td class="mail-error">{ r.last_error.clone().unwrap_or_default() }</td>
                                    <td>{ timing(r) }</td>
                                </tr>
                            }
                        }) }
                        </tbody>
                    </table>
                    <div class="actions">
                        <button class="secondary" id="mail-prev" onclick={go(offset.saturating_sub(PAGE))} disabled={*offset == 0}>{ "Previous" }</button>
                        <button class="secondary" id="mail-next" onclick={go(*offset + PAGE)} disabled={*offset + PAGE >= pg.total}>{ "Next" }</button>
                    </div>
                </>
            }
        }
    };
    let detail = match *selected {
        Some(id) => {
            let row = page
                .as_ref()
                .and_then(|p| p.rows.iter().find(|r| r.id == id).cloned());
            let on_close = {
                let selected = selected.clone();
                Callback::from(move |_: ()| selected.set(None))
            };
            html! { <MailDetailPane key={id.to_string()} {id} {row} on_changed={bump.clone()} {on_close} /> }
        }
        None => html! {},
    };
    html! {
        <div class={classes!("mail-split", selected.is_some().then_some("open"))}>
            <div class="card mail-list">
                <p id="mail-transport-line" style="margin-top:0">
                    <strong>{ "Transport: " }</strong>
                    { page.as_ref().map(|p| p.transport.clone()).unwrap_or_else(|| "…".into()) }
                </p>
                <div class="actions chips" id="mail-status-filter">
                    { for MailStatus::ALL.into_iter().map(|s| tab(Some(s))) }
                    { tab(None) }
                </div>
                <Field id="mail-search" label="Search" value={(*search).clone()} oninput={on_search} hint="Recipient or subject." />
                if let Some(e) = &*list_error {
                    <p class="error" id="mail-list-error" role="alert">{ format!("The outbox could not be read: {}", e.message) }</p>
                }
                { table }
            </div>
            { detail }
        </div>
    }
}
