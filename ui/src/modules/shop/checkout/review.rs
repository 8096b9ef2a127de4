//! Step 3: the cart, delivery and total as they are now, and the button that places the order.

use crate::common::data::use_command;
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::shop::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ReviewProps {
    pub address_id: i64,
    pub slot_id: i64,
    /// An order is being placed.
    pub busy: bool,
    /// Places the order as reviewed.
    pub on_place: Callback<CheckoutReview>,
}

#[function_component(ReviewStep)]
pub(super) fn review_step(p: &ReviewProps) -> Html {
    let review = use_command::<ReviewCheckout>(CheckoutChoice {
        address_id: p.address_id,
        slot_id: p.slot_id,
    });
    let rv = match review.answer() {
        None => return html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => {
            return html! { <p class="error" id="review-error">{ e.message.clone() }</p> };
        }
        Some(Ok(rv)) => rv,
    };
    let place = {
        let (on_place, rv) = (p.on_place.clone(), rv.clone());
        Callback::from(move |_: MouseEvent| on_place.emit(rv.clone()))
    };
    let blocked = rv.cart.lines.is_empty() || rv.cart.lines.iter().any(|l| l.problem.is_some());
    html! {
        <div id="review">
            <table id="review-lines">
                <thead><tr><th>{ "Product" }</th><th class="num">{ "Qty" }</th><th class="num">{ "Price" }</th><th class="num">{ "Total" }</th></tr></thead>
                <tbody>{ for rv.cart.lines.iter().map(|l| html! {
                    <tr class="review-line" data-product-id={l.product_id.to_string()}>
                        <td>{ format!("{} · {}", l.name, l.variant) }
                            if let Some(pr) = &l.problem { <div class="error">{ pr.clone() }</div> }</td>
                        <td class="num">{ l.quantity }</td>
                        <td class="num">{ money(l.unit_price) }
                            if l.price_when_added != l.unit_price { <div class="muted cart-was">{ format!("was {}", money(l.price_when_added)) }</div> }</td>
                        <td class="num">{ money(l.line_total) }</td>
                    </tr>
                }) }</tbody>
                <tfoot>
                    <tr><th colspan="3">{ "Items" }</th><td class="num" id="review-subtotal">{ money(rv.cart.total) }</td></tr>
                    <tr><th colspan="3">{ "Delivery" }</th><td class="num" id="review-delivery">{ if rv.delivery_charge == 0 { "Free".to_string() } else { money(rv.delivery_charge) } }</td></tr>
                    <tr><th colspan="3">{ "Total" }</th><td class="num" id="review-total"><strong>{ money(rv.total) }</strong></td></tr>
                </tfoot>
            </table>
            <p class="muted">{ format!("Delivered {} to {}", rv.slot.label, rv.address.one_line()) }</p>
            <div class="actions">
                <button type="button" id="checkout-place" onclick={place} disabled={p.busy || blocked}>{ if p.busy { "Placing…" } else { "Place order" } }</button>
            </div>
        </div>
    }
}
