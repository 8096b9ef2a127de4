//! The Support window: tickets (a customer's own, or the staff queues), a ticket's thread with
//! replies, attachments, staff controls, call requests and feedback, the knowledge base, and
//! for staff the call list and (admins) the settings. A notification bell sits in the header.
//!
//! Live updates: every open window subscribes to `SupportChangedEvent` (the core sends it for
//! changes on this desktop and, on a shared PostgreSQL store, on others). An event bumps the
//! list's tick (list and notifications are read again) and, when it is about the open ticket
//! or about no ticket in particular, the detail's tick too.
//!
//! Files: `tickets.rs` (list, new ticket), `detail.rs` (thread, attachments, reply, staff
//! controls, the ticket's calls), `customer.rs` (call request and feedback forms), `kb.rs`
//! (knowledge base), `admin.rs` (calls tab, settings).

mod admin;
mod customer;
mod detail;
mod kb;
mod tickets;

use crate::common::ipc::{call, subscribe};
use crate::common::widgets::date_time;
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::events::SupportChangedEvent;
use portdesk_types::support::Notifications;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SupportProps {
    pub me: SessionInfo,
    /// A customer kiosk: large touch targets and no file pickers.
    pub kiosk: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Tickets,
    Calls,
    Kb,
    Settings,
}

/// Counters the views watch: a change re-reads what they show.
#[derive(Default, PartialEq)]
struct Ticks {
    list: u32,
    detail: u32,
}

enum Bump {
    /// The list and notifications.
    List,
    /// Those and the open ticket.
    All,
}

impl Reducible for Ticks {
    type Action = Bump;
    fn reduce(self: Rc<Self>, a: Bump) -> Rc<Self> {
        Rc::new(Ticks {
            list: self.list.wrapping_add(1),
            detail: self.detail.wrapping_add(u32::from(matches!(a, Bump::All))),
        })
    }
}

#[function_component(SupportWindow)]
pub fn support_window(p: &SupportProps) -> Html {
    // Staff here means the support team: agents and admins (the module is theirs and customers').
    // Each from the commands' own declaration, the one the core enforces.
    let staff = may::<SaveArticle>(p.me.role);
    let admin = may::<SaveSupportSettings>(p.me.role);
    let customer = may::<CreateTicket>(p.me.role);
    let tab = use_state(|| Tab::Tickets);
    let open = use_state(|| None::<i64>);
    let creating = use_state(|| false);
    let ticks = use_reducer(Ticks::default);
    let notifs = use_state(|| None::<Result<Notifications, ApiError>>);
    let notif_open = use_state(|| false);
    // The event handler outlives renders: it reads the open ticket from here.
    let open_now = use_mut_ref(|| None::<i64>);
    *open_now.borrow_mut() = *open;
    {
        let (ticks, open_now) = (ticks.clone(), open_now.clone());
        use_effect_with((), move |_| {
            let sub = subscribe::<SupportChangedEvent>(move |c| {
                let shown = *open_now.borrow();
                let about_open = c.ticket_id.is_none() || (shown.is_some() && c.ticket_id == shown);
                ticks.dispatch(if about_open { Bump::All } else { Bump::List });
            });
            move || drop(sub)
        });
    }
    {
        let notifs = notifs.clone();
        let seq = use_mut_ref(|| 0u32);
        use_effect_with(ticks.list, move |_| {
            load_notifications(notifs, seq);
        });
    }
    let bump_list = {
        let ticks = ticks.clone();
        Callback::from(move |_: ()| ticks.dispatch(Bump::List))
    };
    let open_ticket = {
        let (open, creating, tab, notif_open) = (
            open.clone(),
            creating.clone(),
            tab.clone(),
            notif_open.clone(),
        );
        Callback::from(move |id: i64| {
            creating.set(false);
            notif_open.set(false);
            tab.set(Tab::Tickets);
            open.set(Some(id));
        })
    };
    let toggle_notifs = {
        let (notif_open, notifs) = (notif_open.clone(), notifs.clone());
        Callback::from(move |_: MouseEvent| {
            let now_open = !*notif_open;
            notif_open.set(now_open);
            if now_open {
                // Opening the list is reading it: the badge clears.
                let notifs = notifs.clone();
                spawn_local(async move {
                    if let Ok(n) = call::<MarkNotificationsRead>(&()).await {
                        notifs.set(Some(Ok(n)));
                    }
                });
            }
        })
    };
    let tab_button = |t: Tab, id: &'static str, label: &'static str| {
        let lit = *tab == t;
        let tab = tab.clone();
        html! {
            <button type="button" id={id} role="tab" aria-selected={lit.to_string()} class={classes!("support-tab", (!lit).then_some("secondary"))}
                onclick={Callback::from(move |_: MouseEvent| tab.set(t))}>{ label }</button>
        }
    };
    let unread = match &*notifs {
        Some(Ok(n)) => n.unread,
        _ => 0,
    };
    let panel = notif_open.then(|| {
        let rows = match &*notifs {
            Some(Ok(n)) if n.rows.is_empty() => {
                html! { <p class="muted" id="notif-empty">{ "No notifications." }</p> }
            }
            Some(Ok(n)) => html! {
                <ul class="notif-list">{ for n.rows.iter().map(|r| {
                    let go = r.ticket_id.map(|id| {
                        let open_ticket = open_ticket.clone();
                        Callback::from(move |_: MouseEvent| open_ticket.emit(id))
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
        html! { <div class="card notif-panel" id="notifications" aria-label="Notifications">{ rows }</div> }
    });
    let body = match *tab {
        Tab::Tickets if *creating => {
            let cancel = {
                let creating = creating.clone();
                Callback::from(move |_: ()| creating.set(false))
            };
            let created = {
                let (open_ticket, bump) = (open_ticket.clone(), bump_list.clone());
                Callback::from(move |id: i64| {
                    bump.emit(());
                    open_ticket.emit(id)
                })
            };
            html! { <tickets::NewTicketForm on_created={created} on_cancel={cancel} kiosk={p.kiosk} /> }
        }
        Tab::Tickets => {
            let on_new = {
                let (creating, open) = (creating.clone(), open.clone());
                Callback::from(move |_: ()| {
                    open.set(None);
                    creating.set(true)
                })
            };
            let on_close = {
                let open = open.clone();
                Callback::from(move |_: ()| open.set(None))
            };
            html! {
                <div class={classes!("support-split", open.is_some().then_some("open"))}>
                    <tickets::TicketsList staff={staff} customer={customer} tick={ticks.list} open={*open}
                        on_open={open_ticket.clone()} on_new={on_new} />
                    if let Some(id) = *open {
                        <detail::TicketDetailView key={id} id={id} staff={staff} kiosk={p.kiosk} my_id={p.me.user_id}
                            tick={ticks.detail} on_changed={bump_list.clone()} on_close={on_close} />
                    }
                </div>
            }
        }
        Tab::Calls => html! { <admin::CallsTab tick={ticks.list} on_open={open_ticket.clone()} /> },
        Tab::Kb => html! { <kb::KbView staff={staff} /> },
        Tab::Settings => html! { <admin::SupportSettingsCard /> },
    };
    html! {
        <div id="support" class={classes!("support", p.kiosk.then_some("kiosk"))}>
            <div class="support-head">
                <div class="support-tabs" role="tablist">
                    { tab_button(Tab::Tickets, "tab-tickets", if staff { "Queues" } else { "My tickets" }) }
                    if staff { { tab_button(Tab::Calls, "tab-calls", "Call requests") } }
                    { tab_button(Tab::Kb, "tab-kb", "Knowledge base") }
                    if admin { { tab_button(Tab::Settings, "tab-support-settings", "Settings") } }
                </div>
                <button type="button" id="notif-toggle" class={classes!("notif-bell", (!*notif_open).then_some("secondary"))}
                    aria-expanded={notif_open.to_string()} aria-controls="notifications" onclick={toggle_notifs}>
                    { "Notifications " }
                    <span id="notif-count" class={classes!("badge", (unread == 0).then_some("zero"))} aria-label="unread notifications">{ unread }</span>
                </button>
            </div>
            { for panel }
            { body }
        </div>
    }
}

/// Reads the notifications; a reply older than the latest request is dropped.
fn load_notifications(
    notifs: UseStateHandle<Option<Result<Notifications, ApiError>>>,
    seq: Rc<RefCell<u32>>,
) {
    *seq.borrow_mut() += 1;
    let mine = *seq.borrow();
    spawn_local(async move {
        let r = call::<ListNotifications>(&()).await;
        // A failed refresh keeps what is shown.
        if *seq.borrow() == mine && (r.is_ok() || notifs.is_none()) {
            notifs.set(Some(r));
        }
    });
}

pub(crate) use crate::common::widgets::{
    about, checked_of, field_error, form_error, input_value, value_of,
};

/// A size in bytes as people read it.
fn size_text(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    }
}
