//! Mail (admin): the outbox window with live statuses, resend and cancel; and the mail
//! transport card of the Settings window.

mod card;
mod detail;
mod outbox;
mod table;

pub use card::MailCard;
use detail::MailDetailPane;
use outbox::use_outbox;
use table::MailTable;

use crate::common::widgets::{Field, date_time};
use portdesk_types::mail::{MailCounts, MailQuery, MailRow, MailStatus};
use yew::prelude::*;

/// Rows per page of the outbox.
const PAGE: u64 = 100;

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

/// The outbox: status tabs, search, the table of messages, and the one open beside it.
#[function_component(MailWindow)]
pub fn mail_window() -> Html {
    let filter = use_state(|| None::<MailStatus>);
    let search = use_state(String::new);
    let offset = use_state(|| 0u64);
    let reload = use_state(|| 0u32);
    let selected = use_state(|| None::<i64>);
    let (page, list_error) = use_outbox(
        MailQuery {
            status: *filter,
            search: Some(search.trim().to_owned()).filter(|s| !s.is_empty()),
            offset: *offset,
            limit: PAGE,
        },
        *reload,
    );
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
    let table = match &*page {
        None if list_error.is_none() => html! { <p class="muted">{ "Loading…" }</p> },
        None => html! {},
        Some(pg) => html! {
            <MailTable page={pg.clone()} offset={*offset}
                on_offset={{ let offset = offset.clone(); Callback::from(move |to| offset.set(to)) }}
                selected={*selected}
                on_select={{ let selected = selected.clone(); Callback::from(move |id| selected.set(id)) }} />
        },
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
            html! { <MailDetailPane key={id.to_string()} {id} {row} on_changed={bump} {on_close} /> }
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
