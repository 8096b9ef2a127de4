//! Checkout in one view: (1) the delivery address (choose, add, edit, delete), (2) a delivery
//! slot that serves it, (3) the review the customer confirms, then the confirmation on screen
//! (no printer needed). A conflict at placing (a price moved, the slot filled, stock ran short)
//! is shown and the slots and review are asked again, so the customer sees the change.
//!
//! Files: `addresses.rs` and `address_form.rs` (1), `delivery.rs` (2, and the frame of 3),
//! `review.rs` (3), `confirmation.rs`.

mod address_form;
mod addresses;
mod confirmation;
mod delivery;
mod form_text;
mod review;

use crate::common::data::use_action;
use crate::common::data::use_ended;
use addresses::AddressStep;
use confirmation::Confirmation;
use delivery::{Delivery, review_section, slot_section};
use portdesk_types::ErrorKind;
use portdesk_types::api::*;
use portdesk_types::orders::OrderDetail;
use portdesk_types::shop::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CheckoutProps {
    pub on_cart: Callback<Cart>,
    pub on_back: Callback<()>,
    pub on_orders: Callback<()>,
    pub on_browse: Callback<()>,
}

#[function_component(CheckoutView)]
pub fn checkout_view(p: &CheckoutProps) -> Html {
    let address = use_state(|| None::<i64>);
    let slot = use_state(|| None::<i64>);
    // Bumped after a refused order: slots and review are asked again.
    let again = use_state(|| 0u32);
    let place = use_action::<PlaceShopOrder>();
    let cart = use_action::<GetCart>();
    let placed = use_state(|| None::<(OrderDetail, CheckoutReview)>);
    {
        // Something moved (a price, the slot's room, the stock): nothing was ordered, and the
        // slots and review are asked again to show it.
        let (place, again) = (place.clone(), again.clone());
        use_ended(
            place.busy(),
            Callback::from(move |()| {
                if place
                    .error()
                    .as_ref()
                    .is_some_and(|e| e.kind != ErrorKind::Unauthenticated)
                {
                    again.set(*again + 1);
                }
            }),
        );
    }

    if let Some((order, review)) = &*placed {
        return html! {
            <Confirmation order={order.clone()} review={review.clone()} on_orders={p.on_orders.clone()} on_browse={p.on_browse.clone()} />
        };
    }

    let on_address = {
        let (address, slot) = (address.clone(), slot.clone());
        Callback::from(move |a: Option<i64>| {
            // With no address there is no slot to keep.
            if a.is_none() {
                slot.set(None);
            }
            address.set(a);
        })
    };
    let on_slot = {
        let (slot, place) = (slot.clone(), place.clone());
        Callback::from(move |id: i64| {
            place.clear();
            slot.set(Some(id));
        })
    };
    let on_unoffered = {
        let slot = slot.clone();
        Callback::from(move |()| slot.set(None))
    };
    let on_place = {
        let (place, cart, placed, on_cart) = (
            place.clone(),
            cart.clone(),
            placed.clone(),
            p.on_cart.clone(),
        );
        Callback::from(move |rv: CheckoutReview| {
            let req = Checkout {
                address_id: rv.address.id,
                slot_id: rv.slot.id,
                expected_total: rv.total,
                // The review's key: a repeat returns the order placed first instead of
                // placing a second.
                key: Some(rv.key.clone()),
            };
            let (cart, placed, on_cart) = (cart.clone(), placed.clone(), on_cart.clone());
            place.run(req, move |order| {
                // The core emptied the cart: the header says so at once, then shows the
                // store's copy.
                on_cart.emit(Cart::default());
                cart.run((), move |c| on_cart.emit(c));
                placed.set(Some((order, rv)));
            });
        })
    };
    let back = {
        let go = p.on_back.clone();
        Callback::from(move |_: MouseEvent| go.emit(()))
    };
    html! {
        <div class="card" id="checkout">
            <div class="actions" style="margin:0">
                <h2 style="flex:1;margin:0">{ "Checkout" }</h2>
                <button type="button" class="secondary" id="checkout-back" onclick={back}>{ "Back to the cart" }</button>
            </div>
            <AddressStep chosen={*address} {on_address} />
            if let Some(address_id) = *address {
                // A new address or a refused order starts the slots and review over.
                <Delivery key={format!("{address_id}-{}", *again)} {address_id} slot={*slot} {on_slot} {on_unoffered}
                    error={place.error().clone()} busy={place.busy()} {on_place} />
            } else {
                { slot_section(html! { <p class="muted">{ "Choose an address first." }</p> }) }
                { review_section(place.error(), html! { <p class="muted">{ "Choose a delivery slot to see the total." }</p> }) }
            }
        </div>
    }
}
