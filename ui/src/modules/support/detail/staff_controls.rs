//! The staff's controls on a ticket: status, priority, assignee (each change made from what the form shows).

use super::super::{tickets::priorities, value_of};
use crate::common::data::{use_action, use_command};
use crate::common::widgets::error_line;
use portdesk_types::api::{SupportStaff, UpdateTicket};
use portdesk_types::support::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct StaffProps {
    pub(super) ticket: Ticket,
    pub(super) my_id: i64,
    pub(super) on_detail: Callback<TicketDetail>,
}

/// Status, priority and assignee: each change is sent at once.
#[function_component(StaffControls)]
pub(super) fn staff_controls(p: &StaffProps) -> Html {
    let staff = use_command::<SupportStaff>(());
    let update = use_action::<UpdateTicket>();
    let send = {
        let (update, on_detail, id) = (update.clone(), p.on_detail.clone(), p.ticket.id);
        // What this form shows: a field changed elsewhere since is refused, not overwritten.
        let seen = TicketSeen {
            status: p.ticket.status,
            priority: p.ticket.priority,
            assignee_id: p.ticket.assignee_id,
        };
        Callback::from(move |mut u: TicketUpdate| {
            u.id = id;
            u.seen = Some(seen.clone());
            let on_detail = on_detail.clone();
            update.run(u, move |d| on_detail.emit(d));
        })
    };
    // The staff list's failure shows until a change goes through.
    let error = match (update.error(), update.done()) {
        (Some(e), _) => Some(e.clone()),
        (None, None) => staff.error().cloned(),
        (None, Some(_)) => None,
    };
    let staff = staff.data().map_or(&[][..], Vec::as_slice);
    let on_status = send.reform(|e: Event| TicketUpdate {
        status: TicketStatus::parse(&value_of(&e)),
        ..Default::default()
    });
    let on_priority = send.reform(|e: Event| TicketUpdate {
        priority: Priority::parse(&value_of(&e)),
        ..Default::default()
    });
    let on_assignee = send.reform(|e: Event| TicketUpdate {
        assignee: Some(value_of(&e).parse::<i64>().ok()),
        ..Default::default()
    });
    let me = p.my_id;
    let assign_me = send.reform(move |_: MouseEvent| TicketUpdate {
        assignee: Some(Some(me)),
        ..Default::default()
    });
    let t = &p.ticket;
    html! {
        <div class="staff-controls" id="staff-controls">
            <div>
                <label for="ticket-status-set">{ "Status" }</label>
                <select id="ticket-status-set" onchange={on_status}>
                    { for TicketStatus::ALL.iter().map(|s| html! {
                        <option value={s.as_str()} selected={t.status == *s}>{ s.label() }</option>
                    }) }
                </select>
            </div>
            <div>
                <label for="ticket-priority-set">{ "Priority" }</label>
                <select id="ticket-priority-set" onchange={on_priority}>
                    { for priorities().into_iter().map(|x| html! {
                        <option value={x.as_str()} selected={t.priority == x}>{ x.label() }</option>
                    }) }
                </select>
            </div>
            <div>
                <label for="ticket-assignee">{ "Assignee" }</label>
                <select id="ticket-assignee" onchange={on_assignee}>
                    <option value="" selected={t.assignee_id.is_none()}>{ "Nobody" }</option>
                    { for staff.iter().map(|s| html! {
                        <option value={s.id.to_string()} selected={t.assignee_id == Some(s.id)}>{ s.name.clone() }</option>
                    }) }
                    // Someone no longer on the staff list still shows as the assignee.
                    if let (Some(id), Some(name)) = (t.assignee_id, &t.assignee_name) {
                        if !staff.iter().any(|s| s.id == id) {
                            <option value={id.to_string()} selected=true>{ name.clone() }</option>
                        }
                    }
                </select>
            </div>
            <button type="button" id="ticket-assign-me" class="secondary" disabled={t.assignee_id == Some(me)} onclick={assign_me}>
                { "Assign to me" }
            </button>
            { error_line("ticket-update-error", &error) }
        </div>
    }
}
