//! The window's head: its tabs (the children) and the notification bell with the unread count;
//! under it, while open, the notifications, each leading to its ticket.

use super::use_live;
use crate::common::data::use_action;
use crate::common::widgets::date_time;
use portdesk_types::api::{ListNotifications, MarkNotificationsRead};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct HeadProps {
    /// Bumped by a live event or a change made here: the notifications are read again.
    pub tick: u32,
    /// The notifications are shown.
    pub open: bool,
    pub on_toggle: Callback<()>,
    pub on_open: Callback<i64>,
    pub children: Html,
}

#[function_component(Head)]
pub(super) fn head(p: &HeadProps) -> Html {
    let (notifs, shown) = use_live::<ListNotifications>((), p.tick);
    let mark = use_action::<MarkNotificationsRead>();
    let toggle = {
        let (open, on_toggle) = (p.open, p.on_toggle.clone());
        Callback::from(move |_: MouseEvent| {
            if !open {
                // Opening the list is reading it: the badge clears.
                let notifs = notifs.clone();
                mark.run((), move |n| notifs.replace(n));
            }
            on_toggle.emit(());
        })
    };
    let unread = match &shown {
        Some(Ok(n)) => n.unread,
        _ => 0,
    };
    let rows = match &shown {
        Some(Ok(n)) if n.rows.is_empty() => {
            html! { <p class="muted" id="notif-empty">{ "No notifications." }</p> }
        }
        Some(Ok(n)) => html! {
            <ul class="notif-list">{ for n.rows.iter().map(|r| {
                let go = r.ticket_id.map(|id| {
                    let on_open = p.on_open.clone();
                    Callback::from(move |_: MouseEvent| on_open.emit(id))
                });
                html! {
                    <li>
                        <button type="button" class={classes!("notification", "link-row", (!r.read).then_some("unread"))}
                            data-notification-id={r.id.to_string()} data-ticket-id={r.ticket_id.map(|i| i.to_string())}
                            disabled={go.is_none()} onclick={go}>
                            <span class="notif-text">{ r.text.clone() }</span>
                            <span class="muted notif-time">{ date_time(r.created_at) }</span>
                        </button>
                    </li>
                }
            }) }</ul>
        },
        Some(Err(e)) => html! { <p class="error" id="notif-error">{ e.message.clone() }</p> },
        None => html! { <p class="muted">{ "Loading…" }</p> },
    };
    html! {
        <>
            <div class="support-head">
                <div class="support-tabs" role="tablist">{ p.children.clone() }</div>
                <button type="button" id="notif-toggle" class={classes!("notif-bell", (!p.open).then_some("secondary"))}
                    aria-expanded={p.open.to_string()} aria-controls="notifications" onclick={toggle}>
                    { "Notifications " }
                    <span id="notif-count" class={classes!("badge", (unread == 0).then_some("zero"))} aria-label="unread notifications">{ unread }</span>
                </button>
            </div>
            if p.open {
                <div class="card notif-panel" id="notifications" aria-label="Notifications">{ rows }</div>
            }
        </>
    }
}
