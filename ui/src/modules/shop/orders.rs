//! My orders: the customer's shop orders with their delivery and where each one is; an order
//! not yet being picked may be cancelled (its stock returns and its slot's place is freed).

use super::confirm;
use crate::common::data::use_ended;
use crate::common::data::{use_action, use_command};
use crate::common::widgets::{date_time, error_line};
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::orders::OrderStatus;
use portdesk_types::shop::*;
use yew::prelude::*;

/// The status as a customer reads it: a shipped order is out for delivery.
pub fn status_label(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Shipped => "Out for delivery",
        other => other.label(),
    }
}

/// The steps an order goes through, for the tracker.
const STEPS: [OrderStatus; 5] = [
    OrderStatus::Placed,
    OrderStatus::Confirmed,
    OrderStatus::Picking,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
];

fn tracker(s: OrderStatus) -> Html {
    if s == OrderStatus::Cancelled {
        return html! {};
    }
    let at = STEPS.iter().position(|x| *x == s).unwrap_or(0);
    html! {
        <ol class="order-track" aria-label="Progress">{ for STEPS.iter().enumerate().map(|(i, step)| html! {
            <li class={classes!(if i <= at { "done" } else { "todo" }, (i == at).then_some("now"))}>{ status_label(*step) }</li>
        }) }</ol>
    }
}

#[function_component(MyOrders)]
pub fn my_orders() -> Html {
    let list = use_command::<MyShopOrders>(());
    let cancel = use_action::<CancelShopOrder>();
    // Cancelled or refused, the list shows where the order is now.
    use_ended(cancel.busy(), list.reload());
    let on_cancel = |o: &ShopOrder| {
        let cancel = cancel.clone();
        let (order_id, number) = (o.order.id, o.order.number.clone());
        Callback::from(move |_: MouseEvent| {
            if !confirm(&format!(
                "Cancel order {number}? Its items return to stock and the delivery slot is released."
            )) {
                return;
            }
            cancel.run(ShopOrderRef { order_id }, |_| ());
        })
    };
    let refresh = list.reload().reform(|_: MouseEvent| ());
    let body = match list.answer() {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(l)) if l.is_empty() => {
            html! { <p class="muted" id="my-orders-empty">{ "No orders yet." }</p> }
        }
        Some(Ok(l)) => html! {
            <table id="my-orders-table">
                <thead><tr><th>{ "Order" }</th><th>{ "Placed" }</th><th>{ "Status" }</th><th>{ "Delivery" }</th><th class="num">{ "Total" }</th><th></th></tr></thead>
                <tbody>{ for l.iter().map(|o| html! {
                    <tr class="my-order" data-order-id={o.order.id.to_string()} data-status={o.order.status.as_str()}>
                        <td class="order-number">{ o.order.number.clone() }</td>
                        <td>{ date_time(o.order.created_at) }</td>
                        <td><span class="order-status">{ status_label(o.order.status) }</span>{ tracker(o.order.status) }</td>
                        <td><div class="order-slot">{ o.slot.clone() }</div><div class="muted">{ o.address.clone() }</div></td>
                        <td class="num order-total">{ money(o.total) }
                            if o.delivery_charge > 0 { <div class="muted">{ format!("incl. delivery {}", money(o.delivery_charge)) }</div> }</td>
                        <td>if o.can_cancel { <button type="button" class="secondary order-cancel" onclick={on_cancel(o)}>{ "Cancel" }</button> }</td>
                    </tr>
                }) }</tbody>
            </table>
        },
    };
    html! {
        <div class="card" id="my-orders">
            <div class="actions" style="margin:0 0 .6rem">
                <h2 style="flex:1;margin:0">{ "My orders" }</h2>
                <button type="button" class="secondary" id="my-orders-refresh" onclick={refresh}>{ "Refresh" }</button>
            </div>
            { error_line("my-orders-error", cancel.error()) }
            { body }
        </div>
    }
}
