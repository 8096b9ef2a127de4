//! The Support window: tickets (a customer's own, or the staff queues), a ticket's thread with
//! replies, attachments, staff controls, call requests and feedback, the knowledge base, and
//! for staff the call list and (admins) the settings. A notification bell sits in the header.
//!
//! Live updates: every open window subscribes to `SupportChangedEvent` (the core sends it for
//! changes on this desktop and, on a shared PostgreSQL store, on others). An event bumps the
//! list's tick (list and notifications are read again) and, when it is about the open ticket
//! or about no ticket in particular, the detail's tick too.
//!
//! Files: `head.rs` (tabs and notifications), `tickets.rs` (list; the new ticket in
//! `tickets/`), `detail.rs` (the ticket; its thread, reply box and staff controls in
//! `detail/`), `customer.rs` (call request and feedback forms), `kb.rs` (knowledge base),
//! `admin.rs` (calls tab, settings).

mod admin;
mod customer;
mod detail;
mod head;
mod kb;
mod tickets;

use crate::common::data::{Loaded, use_command, use_event};
use portdesk_types::api::*;
use portdesk_types::events::SupportChangedEvent;
use portdesk_types::support::SupportChange;
use portdesk_types::{ApiError, Command};
use std::rc::Rc;
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
    let notif_open = use_state(|| false);
    {
        // The latest render's callback runs: `shown` is the ticket open now.
        let (ticks, shown) = (ticks.clone(), *open);
        use_event::<SupportChangedEvent>(Callback::from(move |c: SupportChange| {
            let about_open = c.ticket_id.is_none() || (shown.is_some() && c.ticket_id == shown);
            ticks.dispatch(if about_open { Bump::All } else { Bump::List });
        }));
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
        let notif_open = notif_open.clone();
        Callback::from(move |_: ()| notif_open.set(!*notif_open))
    };
    let tab_button = |t: Tab, id: &'static str, label: &'static str| {
        let lit = *tab == t;
        let tab = tab.clone();
        html! {
            <button type="button" id={id} role="tab" aria-selected={lit.to_string()} class={classes!("support-tab", (!lit).then_some("secondary"))}
                onclick={Callback::from(move |_: MouseEvent| tab.set(t))}>{ label }</button>
        }
    };
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
            <head::Head tick={ticks.list} open={*notif_open} on_toggle={toggle_notifs} on_open={open_ticket}>
                { tab_button(Tab::Tickets, "tab-tickets", if staff { "Queues" } else { "My tickets" }) }
                if staff { { tab_button(Tab::Calls, "tab-calls", "Call requests") } }
                { tab_button(Tab::Kb, "tab-kb", "Knowledge base") }
                if admin { { tab_button(Tab::Settings, "tab-support-settings", "Settings") } }
            </head::Head>
            { body }
        </div>
    }
}

/// `C`'s reply for `req`, read again when `tick` changes (a live event, or a change made in
/// another view), and what to show of it: a failed reload keeps the last good reply (the
/// thread being answered stays), the error shows only when there is none.
#[hook]
fn use_live<C>(req: C::Request, tick: u32) -> (Loaded<C>, Option<Result<C::Reply, ApiError>>)
where
    C: Command + 'static,
    C::Request: Clone + PartialEq + 'static,
    C::Reply: Clone + 'static,
{
    let loaded = use_command::<C>(req);
    crate::common::data::use_reload_on(tick, loaded.reload());
    let good = use_mut_ref(|| None::<C::Reply>);
    let shown = match (loaded.data(), loaded.error()) {
        (Some(d), _) => {
            *good.borrow_mut() = Some(d.clone());
            Some(Ok(d.clone()))
        }
        (None, Some(e)) => Some(good.borrow().clone().ok_or_else(|| e.clone())),
        (None, None) => None,
    };
    (loaded, shown)
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
