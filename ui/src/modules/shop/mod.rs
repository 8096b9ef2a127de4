//! The Shop window: the catalogue for everyone who may open it, the cart, checkout and order
//! tracking for customers, and delivery slots, listings and settings for admins. The cart lives
//! in the store (it follows the customer to another kiosk); this window keeps the last copy the
//! core sent so the header's count and the cart tab agree.
//!
//! Files: `catalogue.rs` (search, cards; `catalogue/` the detail and the pictures), `cart.rs`,
//! `checkout.rs` (`checkout/`: address, slot, review, confirmation), `orders.rs` (my orders),
//! `slots.rs` and `admin.rs` (admin tabs; `admin/` the listing editor and the settings).

mod admin;
mod cart;
mod catalogue;
mod checkout;
mod orders;
mod slots;

use crate::common::data::use_action;
use portdesk_types::api::*;
use portdesk_types::shop::Cart;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ShopProps {
    pub me: SessionInfo,
    /// A customer kiosk: large touch targets and no file pickers.
    pub kiosk: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Catalogue,
    Cart,
    /// Reached from the cart; the cart's tab stays lit.
    Checkout,
    Orders,
    Slots,
    Listings,
    Settings,
}

#[function_component(ShopWindow)]
pub fn shop_window(p: &ShopProps) -> Html {
    // Each from the commands' own declaration, the one the core enforces.
    let customer = may::<GetCart>(p.me.role);
    let admin = may::<SaveListing>(p.me.role);
    let tab = use_state(|| Tab::Catalogue);
    // The last copy of the cart the core sent; a failed refresh keeps it.
    let cart = use_state(|| None::<Cart>);
    let fetch = use_action::<GetCart>();
    let load = {
        let (fetch, cart) = (fetch.clone(), cart.clone());
        move || {
            let cart = cart.clone();
            fetch.run((), move |c| cart.set(Some(c)));
        }
    };
    {
        let load = load.clone();
        use_effect_with(customer, move |customer| {
            if *customer {
                load();
            }
        });
    }
    // Opening the cart asks for it again: stock, prices and problems as they are now, and
    // whatever another kiosk or desktop of the same account changed.
    use_effect_with(*tab == Tab::Cart && customer, move |open| {
        if *open {
            load();
        }
    });
    // Every view that changes the cart hands the core's new cart up here.
    let on_cart = {
        let cart = cart.clone();
        Callback::from(move |c: Cart| cart.set(Some(c)))
    };
    // The cart as shown: the copy, else why none came.
    let shown = match (&*cart, fetch.error()) {
        (Some(c), _) => Some(Ok(c.clone())),
        (None, Some(e)) => Some(Err(e.clone())),
        (None, None) => None,
    };
    let go = |t: Tab| {
        let tab = tab.clone();
        Callback::from(move |_: ()| tab.set(t))
    };
    let tab_button = |t: Tab, id: &'static str, label: Html| {
        let lit = *tab == t || (t == Tab::Cart && *tab == Tab::Checkout);
        let tab = tab.clone();
        html! {
            <button type="button" id={id} role="tab" aria-selected={lit.to_string()} class={classes!("shop-tab", (!lit).then_some("secondary"))}
                onclick={Callback::from(move |_: MouseEvent| tab.set(t))}>{ label }</button>
        }
    };
    let units = cart.as_ref().map_or(0, |c| c.units);
    let body = match *tab {
        Tab::Catalogue => html! {
            <catalogue::CatalogueView customer={customer} on_cart={on_cart.clone()} />
        },
        Tab::Cart => html! {
            <cart::CartPanel cart={shown.clone()} on_cart={on_cart.clone()} on_checkout={go(Tab::Checkout)} on_browse={go(Tab::Catalogue)} />
        },
        Tab::Checkout => html! {
            <checkout::CheckoutView on_cart={on_cart.clone()} on_back={go(Tab::Cart)} on_orders={go(Tab::Orders)} on_browse={go(Tab::Catalogue)} />
        },
        Tab::Orders => html! { <orders::MyOrders /> },
        Tab::Slots => html! { <slots::Slots /> },
        Tab::Listings => html! { <admin::Listings kiosk={p.kiosk} /> },
        Tab::Settings => html! { <admin::ShopSettingsCard /> },
    };
    html! {
        <div id="shop" class={classes!("shop", p.kiosk.then_some("kiosk"))}>
            <div class="shop-head" role="tablist">
                { tab_button(Tab::Catalogue, "tab-catalogue", html! { "Catalogue" }) }
                if customer {
                    { tab_button(Tab::Cart, "tab-cart", html! { <>{ "Cart " }<span id="cart-count" class="badge" aria-label="items in the cart">{ units }</span></> }) }
                    { tab_button(Tab::Orders, "tab-orders", html! { "My orders" }) }
                }
                if admin {
                    { tab_button(Tab::Slots, "tab-slots", html! { "Delivery slots" }) }
                    { tab_button(Tab::Listings, "tab-listings", html! { "Listings" }) }
                    { tab_button(Tab::Settings, "tab-shop-settings", html! { "Settings" }) }
                }
            </div>
            if let Some(Err(e)) = &shown { <p class="error" id="cart-load-error">{ e.message.clone() }</p> }
            { body }
        </div>
    }
}

pub(crate) use crate::common::widgets::{about, checked_of, field_error, form_error, value_of};

/// A browser confirmation ("Cancel this order?"); `false` when the page cannot ask.
fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}
