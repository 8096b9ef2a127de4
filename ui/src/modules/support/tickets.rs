//! The tickets list: a customer's own with filters and counts; the staff queues with their
//! counts and breaches. The new-ticket form is in `tickets/new_ticket.rs`.

mod new_ticket;
pub use new_ticket::NewTicketForm;

use super::{use_live, value_of};
use crate::common::widgets::date_time;
use portdesk_types::api::*;
use portdesk_types::support::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ListProps {
    pub staff: bool,
    pub customer: bool,
    /// Bumped by a live event or a change made here: the list is read again.
    pub tick: u32,
    pub open: Option<i64>,
    pub on_open: Callback<i64>,
    pub on_new: Callback<()>,
}

#[function_component(TicketsList)]
pub fn tickets_list(p: &ListProps) -> Html {
    let queue = use_state(|| Queue::All);
    let status = use_state(|| None::<TicketStatus>);
    let priority = use_state(|| None::<Priority>);
    let (_, list) = use_live::<ListTickets>(
        TicketQuery {
            queue: *queue,
            status: *status,
            priority: *priority,
            open_only: false,
        },
        p.tick,
    );
    let counts = match &list {
        Some(Ok(l)) => l.counts.clone(),
        _ => TicketCounts::default(),
    };
    let queue_button = |q: Queue, id: &'static str, label: &'static str, n: u32| {
        let lit = *queue == q;
        let queue = queue.clone();
        html! {
            <button type="button" id={id} role="tab" aria-selected={lit.to_string()} class={classes!("queue-tab", (!lit).then_some("secondary"))}
                onclick={Callback::from(move |_: MouseEvent| queue.set(q))}>
                { label }{ " " }<span class="badge queue-count">{ n }</span>
            </button>
        }
    };
    let on_status = {
        let status = status.clone();
        Callback::from(move |e: Event| status.set(TicketStatus::parse(&value_of(&e))))
    };
    let on_priority = {
        let priority = priority.clone();
        Callback::from(move |e: Event| priority.set(Priority::parse(&value_of(&e))))
    };
    let table = match &list {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error" id="tickets-error">{ e.message.clone() }</p> },
        Some(Ok(l)) if l.rows.is_empty() => {
            html! { <p class="muted" id="tickets-empty">{ "No tickets here." }</p> }
        }
        Some(Ok(l)) => html! {
            <table id="tickets">
                <thead><tr>
                    <th>{ "Number" }</th><th>{ "Title" }</th>
                    if p.staff { <th>{ "Customer" }</th><th>{ "Assignee" }</th> }
                    <th>{ "Status" }</th><th>{ "Priority" }</th><th>{ "Updated" }</th><th class="num">{ "Messages" }</th>
                </tr></thead>
                <tbody>{ for l.rows.iter().map(|t| ticket_row(t, p)) }</tbody>
            </table>
        },
    };
    let new_ticket = {
        let on_new = p.on_new.clone();
        Callback::from(move |_: MouseEvent| on_new.emit(()))
    };
    html! {
        <div class="card support-list">
            if p.staff {
                <div class="queue-tabs" role="tablist" aria-label="Queues">
                    { queue_button(Queue::Unassigned, "queue-unassigned", "Unassigned", counts.unassigned) }
                    { queue_button(Queue::Mine, "queue-mine", "Mine", counts.mine) }
                    { queue_button(Queue::All, "queue-all", "All", counts.open) }
                    if counts.breached > 0 {
                        <span class="breach-count" id="count-breached">{ format!("{} past target", counts.breached) }</span>
                    }
                </div>
            } else {
                <div class="ticket-counts">
                    <span>{ "Open: " }<strong id="count-open">{ counts.open }</strong></span>
                    <span>{ "Resolved: " }<strong id="count-resolved">{ counts.resolved }</strong></span>
                    if p.customer {
                        <button type="button" id="ticket-new" onclick={new_ticket}>{ "New ticket" }</button>
                    }
                </div>
            }
            <div class="support-filters">
                <div>
                    <label for="ticket-status">{ "Status" }</label>
                    <select id="ticket-status" onchange={on_status}>
                        <option value="" selected={status.is_none()}>{ "Any status" }</option>
                        { for TicketStatus::ALL.iter().map(|s| html! {
                            <option value={s.as_str()} selected={*status == Some(*s)}>{ s.label() }</option>
                        }) }
                    </select>
                </div>
                <div>
                    <label for="ticket-priority">{ "Priority" }</label>
                    <select id="ticket-priority" onchange={on_priority}>
                        <option value="" selected={priority.is_none()}>{ "Any priority" }</option>
                        { for priorities().into_iter().map(|x| html! {
                            <option value={x.as_str()} selected={*priority == Some(x)}>{ x.label() }</option>
                        }) }
                    </select>
                </div>
            </div>
            { table }
        </div>
    }
}

/// One ticket: a click or Enter opens it.
fn ticket_row(t: &Ticket, p: &ListProps) -> Html {
    let sel = p.open == Some(t.id);
    let click = {
        let (on_open, id) = (p.on_open.clone(), t.id);
        Callback::from(move |_: MouseEvent| on_open.emit(id))
    };
    let key = {
        let (on_open, id) = (p.on_open.clone(), t.id);
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_open.emit(id);
            }
        })
    };
    let class = classes!(
        "ticket-row",
        format!("st-{}", t.status.as_str()),
        t.breach.is_some().then_some("breach"),
        sel.then_some("sel")
    );
    html! {
        <tr {class} tabindex="0" data-ticket-id={t.id.to_string()} data-status={t.status.as_str()} aria-selected={sel.to_string()}
            onclick={click} onkeydown={key}>
            <td class="ticket-number">{ t.number.clone() }</td>
            <td class="ticket-title">
                { t.title.clone() }
                if let Some(b) = &t.breach { <span class="breach-text">{ b.clone() }</span> }
            </td>
            if p.staff {
                <td class="ticket-customer">{ t.customer_name.clone() }</td>
                <td class="ticket-assignee">{ t.assignee_name.clone().unwrap_or_else(|| "Nobody".into()) }</td>
            }
            <td class="ticket-status">{ t.status.label() }</td>
            <td class={classes!("ticket-priority", format!("pr-{}", t.priority.as_str()))}>{ t.priority.label() }</td>
            <td class="ticket-updated">{ date_time(t.updated_at) }</td>
            <td class="ticket-messages num">{ t.messages }</td>
        </tr>
    }
}

/// The priorities from low to urgent (the enum lists Normal first, as the default).
pub(super) fn priorities() -> Vec<Priority> {
    let mut all = Priority::ALL.to_vec();
    all.sort_by_key(|x| x.index());
    all
}
