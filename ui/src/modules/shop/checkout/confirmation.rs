//! The order placed, on screen (no printer needed).

use portdesk_types::money::money;
use portdesk_types::orders::OrderDetail;
use portdesk_types::shop::CheckoutReview;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ConfirmationProps {
    pub order: OrderDetail,
    /// The review the customer confirmed.
    pub review: CheckoutReview,
    pub on_orders: Callback<()>,
    pub on_browse: Callback<()>,
}

#[function_component(Confirmation)]
pub(super) fn confirmation(p: &ConfirmationProps) -> Html {
    let (order, rv) = (&p.order, &p.review);
    let orders = p.on_orders.reform(|_: MouseEvent| ());
    let browse = p.on_browse.reform(|_: MouseEvent| ());
    html! {
        <div class="card" id="order-confirmation" role="status">
            <h2>{ "Thank you: your order is placed" }</h2>
            <p class="confirm-number-line">{ "Order number " }<strong id="confirm-number">{ order.order.number.clone() }</strong></p>
            <table class="mail-meta"><tbody>
                <tr><th>{ "Delivery" }</th><td id="confirm-slot">{ rv.slot.label.clone() }</td></tr>
                <tr><th>{ "Address" }</th><td id="confirm-address">{ rv.address.one_line() }</td></tr>
                <tr><th>{ "Items" }</th><td>{ format!("{} line(s)", order.lines.len()) }</td></tr>
                <tr><th>{ "Total" }</th><td id="confirm-total">{ money(rv.total) }</td></tr>
            </tbody></table>
            <p class="muted">{ "A confirmation is on its way by e-mail. You can follow the order under My orders." }</p>
            <div class="actions">
                <button type="button" id="confirm-orders" onclick={orders}>{ "My orders" }</button>
                <button type="button" class="secondary" id="confirm-continue" onclick={browse}>{ "Continue shopping" }</button>
            </div>
        </div>
    }
}
