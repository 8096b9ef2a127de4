//! The Inventory window: a customer's stock from the local cache, refreshed from the ERP.
//! The grid is virtualised: only the rows in view are in the page, fetched by offset.

mod auto_refresh;
mod export_card;
mod picker;
mod refresh;
mod refresh_line;
mod settings_card;
mod stock;
mod table;
mod text;

pub use settings_card::InventorySettingsCard;

use crate::common::data::use_action;
use auto_refresh::use_auto_refresh;
use picker::CustomerPicker;
use portdesk_types::Role;
use portdesk_types::api::{ErpCustomer, QueryInventory, SessionInfo};
use portdesk_types::inventory::InventoryQuery;
use refresh::use_refresh;
use stock::Stock;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InventoryProps {
    pub me: SessionInfo,
    pub allow_export: bool,
    /// At a kiosk there is no auto-refresh: every command counts as activity for the idle
    /// sign-out, so a timer would keep a forgotten session open.
    #[prop_or_default]
    pub kiosk: bool,
}

/// The window: whose stock it shows (picked by staff, a customer's own), and the refresh of
/// it; the stock itself is [`Stock`].
#[function_component(InventoryWindow)]
pub fn inventory_page(p: &InventoryProps) -> Html {
    let staff = p.me.role != Role::Customer;
    // The ERP customer code on screen (the cache and every command key on it) and its name
    // for display. A customer account's own code comes from the core, never from a pick.
    let customer = use_state(|| {
        if staff {
            None
        } else {
            p.me.erp_customer_code.clone()
        }
    });
    let customer_name = use_state(|| {
        if staff {
            None
        } else {
            p.me.erp_customer.clone()
        }
    });
    // A customer account signed in before it was linked: the core links it (or says why it
    // cannot) at the first inventory command.
    let link = use_action::<QueryInventory>();
    {
        let (link, customer, customer_name) =
            (link.clone(), customer.clone(), customer_name.clone());
        use_effect_with(!staff && customer.is_none(), move |&ask| {
            if ask {
                link.run(InventoryQuery::default(), move |pg| {
                    customer_name.set(Some(pg.customer_name));
                    customer.set(Some(pg.customer_code));
                });
            }
        });
    }
    // The first row in view: here, since picking a customer starts at the top.
    let first = use_state(|| 0u32);
    let (refresh, start, cancel) = use_refresh(&customer);
    let running = (*customer)
        .as_deref()
        .is_some_and(|c| refresh.shows(c) && refresh.running());
    let auto_minutes = use_auto_refresh(p.kiosk, {
        let start = start.clone();
        Callback::from(move |_: ()| {
            if !running {
                start.emit(());
            }
        })
    });

    let picker = if staff {
        let (c, n, f) = (customer.clone(), customer_name.clone(), first.clone());
        let on_pick = Callback::from(move |picked: ErpCustomer| {
            n.set(Some(picked.name));
            c.set(Some(picked.code));
            f.set(0);
        });
        html! { <CustomerPicker {on_pick} current={(*customer).clone()} /> }
    } else {
        html! {}
    };
    let Some(cust) = (*customer).clone() else {
        if let Some(e) = link.error() {
            return html! { <div class="card"><p class="error" id="inventory-unlinked">{ e.message.clone() }</p></div> };
        }
        let hint = if staff {
            "Choose an ERP customer to see their stock."
        } else {
            "Reading your account…"
        };
        return html! { <>{ picker }<div class="card"><p class="muted" id="inventory-hint">{ hint }</p></div></> };
    };
    let on_first = {
        let first = first.clone();
        Callback::from(move |i| first.set(i))
    };
    html! {
        <>
            { picker }
            <Stock customer={cust} picked_name={(*customer_name).clone()} first={*first} {on_first}
                refresh={(*refresh).clone()} {running} on_refresh={start} on_cancel={cancel} {auto_minutes}
                allow_export={p.allow_export} kiosk={p.kiosk} />
        </>
    }
}
