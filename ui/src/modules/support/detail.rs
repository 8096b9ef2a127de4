//! A ticket's detail: header, the thread with its attachments, the reply box (files and, for
//! staff, internal notes), the staff controls (status, priority, assignee), and for the
//! customer call requests and feedback. It is read again whenever a live event is about it,
//! so a reply from another desktop appears by itself.

mod reply;
use reply::ReplyBox;

mod staff_controls;
use staff_controls::StaffControls;

mod thread;
use thread::Thread;

use super::use_live;
use crate::common::widgets::date_time;
use portdesk_types::api::GetTicket;
use portdesk_types::support::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DetailProps {
    pub id: i64,
    pub staff: bool,
    pub kiosk: bool,
    pub my_id: i64,
    /// Bumped by a live event about this ticket: it is read again.
    pub tick: u32,
    /// A change made here: the list shows it too.
    pub on_changed: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(TicketDetailView)]
pub fn ticket_detail(p: &DetailProps) -> Html {
    let (detail, shown) = use_live::<GetTicket>(TicketRef { id: p.id }, p.tick);
    // A command's reply is the ticket as it is now: shown at once.
    let on_detail = {
        let (detail, changed) = (detail.clone(), p.on_changed.clone());
        Callback::from(move |d: TicketDetail| {
            detail.replace(d);
            changed.emit(());
        })
    };
    // After a call request (its reply is the call, not the ticket): read again.
    let reload = {
        let (reload, changed) = (detail.reload(), p.on_changed.clone());
        Callback::from(move |_: ()| {
            reload.emit(());
            changed.emit(());
        })
    };
    let close = {
        let on_close = p.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let d = match &shown {
        None => return shell(p.id, html! { <p class="muted">{ "Loading…" }</p> }, close),
        Some(Err(e)) => {
            return shell(
                p.id,
                html! { <p class="error" id="detail-error">{ e.message.clone() }</p> },
                close,
            );
        }
        Some(Ok(d)) => d,
    };
    let t = &d.ticket;
    let customer = !p.staff;
    let body = html! {
        <>
            <h2><span id="detail-number">{ t.number.clone() }</span>{ " · " }<span id="detail-title">{ t.title.clone() }</span></h2>
            <div class="ticket-facts">
                <span>{ "Status: " }<strong id="detail-status" data-status={t.status.as_str()}>{ t.status.label() }</strong></span>
                <span>{ "Priority: " }<strong id="detail-priority">{ t.priority.label() }</strong></span>
                <span>{ "Assignee: " }<strong id="detail-assignee">{ t.assignee_name.clone().unwrap_or_else(|| "Nobody yet".into()) }</strong></span>
                <span>{ "Category: " }<strong id="detail-category">{ t.category.clone() }</strong></span>
                if p.staff { <span>{ "Customer: " }<strong id="detail-customer">{ t.customer_name.clone() }</strong></span> }
                <span class="muted">{ format!("Opened {}", date_time(t.created_at)) }</span>
            </div>
            if let Some(b) = &t.breach { <p class="breach-text" id="detail-breach">{ b.clone() }</p> }
            if !t.description.is_empty() { <p class="ticket-description" id="detail-description">{ t.description.clone() }</p> }
            if p.staff {
                <StaffControls ticket={t.clone()} my_id={p.my_id} on_detail={on_detail.clone()} />
            }
            <Thread messages={d.messages.clone()} />
            <ReplyBox ticket_id={t.id} staff={p.staff} kiosk={p.kiosk} resolved={t.status == TicketStatus::Resolved} on_detail={on_detail.clone()} />
            { calls(&d.calls) }
            if customer { <super::customer::CallForm ticket_id={t.id} on_done={reload} /> }
            if let Some(f) = &d.feedback {
                <div id="feedback-given" class="card inset" data-rating={f.rating.to_string()}>
                    <strong>{ "Feedback: " }</strong><span class="stars" aria-label={format!("{} of 5", f.rating)}>{ stars(f.rating) }</span>
                    if !f.comment.is_empty() { <p class="feedback-comment">{ f.comment.clone() }</p> }
                </div>
            } else if customer && d.can_rate {
                <super::customer::FeedbackForm ticket_id={t.id} on_detail={on_detail.clone()} />
            }
        </>
    };
    shell(p.id, body, close)
}

fn shell(id: i64, body: Html, close: Callback<MouseEvent>) -> Html {
    html! {
        <section class="card ticket-detail" id="ticket-detail" data-ticket-id={id.to_string()} aria-label="Ticket">
            <div class="actions" style="margin:0;justify-content:flex-end">
                <button type="button" class="secondary" id="ticket-close" onclick={close}>{ "Close" }</button>
            </div>
            { body }
        </section>
    }
}

fn stars(n: u8) -> String {
    (1..=5).map(|i| if i <= n { '★' } else { '☆' }).collect()
}

fn calls(list: &[CallRequest]) -> Html {
    if list.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h3>{ "Call requests" }</h3>
            <ul id="ticket-calls" class="ticket-calls">{ for list.iter().map(|c| html! {
                <li class="ticket-call" data-call-id={c.id.to_string()} data-status={call_status(c.status)}>
                    { c.at.map(date_time).unwrap_or_else(|| "As soon as possible".into()) }
                    { format!(" · {} · ", c.phone) }
                    <strong>{ if c.status == CallStatus::Done { "Done" } else { "Pending" } }</strong>
                    if !c.outcome.is_empty() { <span class="call-outcome-text">{ format!(" · {}", c.outcome) }</span> }
                </li>
            }) }</ul>
        </>
    }
}

pub(super) fn call_status(s: CallStatus) -> &'static str {
    match s {
        CallStatus::Pending => "pending",
        CallStatus::Done => "done",
    }
}
