//! The orders (staff: all, filtered by customer, status and dates; a customer: their own) and
//! the one opened, which staff who may move orders advance or cancel.

use crate::common::data::use_reload_on;
use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, date_time, error_line};
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::orders::*;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ListProps {
    pub staff: bool,
    pub can_move: bool,
    pub reload: u32,
    pub on_changed: Callback<()>,
}

#[function_component(OrderList)]
pub(super) fn order_list(p: &ListProps) -> Html {
    let query = use_state(OrderQuery::default);
    let page = use_command::<ListOrders>((*query).clone());
    use_reload_on(p.reload, page.reload());
    let show = use_action::<GetOrder>();
    let advance = use_action::<AdvanceOrderStatus>();
    // The order opened: as read, or as the last move left it.
    let open = use_state(|| None::<OrderDetail>);
    let from = use_state(String::new);
    let to = use_state(String::new);
    let on_customer = {
        let query = query.clone();
        Callback::from(move |customer_id: Option<i64>| {
            query.set(OrderQuery {
                customer_id,
                ..(*query).clone()
            });
        })
    };
    let on_status = {
        let query = query.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            query.set(OrderQuery {
                status: OrderStatus::parse(&v),
                ..(*query).clone()
            });
        })
    };
    let date = |s: &str, end: bool| -> Option<i64> {
        let d = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_str(s.trim()));
        let ms = d.get_time();
        (!s.trim().is_empty() && ms.is_finite())
            .then(|| ms as i64 + if end { 86_400_000 } else { 0 })
    };
    let set_date = |state: &UseStateHandle<String>, end: bool| {
        let (state, query) = (state.clone(), query.clone());
        Callback::from(move |v: String| {
            state.set(v.clone());
            let mut q = (*query).clone();
            if end {
                q.to = date(&v, true);
            } else {
                q.from = date(&v, false);
            }
            query.set(q);
        })
    };
    let on_show = |id: i64| {
        let (show, open) = (show.clone(), open.clone());
        Callback::from(move |_: MouseEvent| {
            let open = open.clone();
            show.run(OrderRef { id }, move |d| open.set(Some(d)));
        })
    };
    let step = |d: &OrderDetail, to: OrderStatus| {
        let (advance, open, on_changed) = (advance.clone(), open.clone(), p.on_changed.clone());
        let req = AdvanceOrder {
            id: d.order.id,
            from: d.order.status,
            to,
        };
        Callback::from(move |_: MouseEvent| {
            let (open, on_changed) = (open.clone(), on_changed.clone());
            advance.run(req.clone(), move |d| {
                open.set(Some(d));
                on_changed.emit(());
            });
        })
    };
    // A failed read shows in the detail's place.
    let detail = match (show.error(), &*open) {
        (Some(e), _) => html! { <p class="error">{ e.message.clone() }</p> },
        (None, Some(d)) => order_detail(d, p.can_move.then_some(|to| step(d, to)), advance.error()),
        (None, None) => html! {},
    };
    html! {
        <>
            <div class="card">
                <h2>{ if p.staff { "Orders" } else { "My orders" } }</h2>
                if p.staff { <CustomerFilter on_change={on_customer} /> }
                <div class="grid3">
                    <div>
                        <label for="order-status">{ "Status" }</label>
                        <select id="order-status" onchange={on_status}>
                            <option value="">{ "All" }</option>
                            { for OrderStatus::ALL.iter().map(|s| html! { <option value={s.as_str()}>{ s.label() }</option> }) }
                        </select>
                    </div>
                    <div><Field id="order-from" label="Placed from (YYYY-MM-DD)" value={(*from).clone()} oninput={set_date(&from, false)} /></div>
                    <div><Field id="order-to" label="Placed until (YYYY-MM-DD)" value={(*to).clone()} oninput={set_date(&to, true)} /></div>
                </div>
                { match (page.data(), page.error()) {
                    (Some(pg), _) if pg.rows.is_empty() => html! { <p class="muted" id="orders-empty">{ "No orders." }</p> },
                    (Some(pg), _) => html! {
                        <table id="orders">
                            <thead><tr><th>{ "Order" }</th>if p.staff { <th>{ "Customer" }</th> }<th>{ "Status" }</th><th class="num">{ "Lines" }</th><th class="num">{ "Total" }</th><th>{ "Placed" }</th></tr></thead>
                            <tbody>{ for pg.rows.iter().map(|r| html! {
                                <tr class="mail-row" data-order={r.number.clone()} onclick={on_show(r.id)} tabindex="0">
                                    <td>{ r.number.clone() }</td>
                                    if p.staff { <td>{ r.customer.clone() }</td> }
                                    <td class="order-status">{ r.status.label() }</td>
                                    <td class="num">{ r.lines }</td><td class="num">{ money(r.total) }</td>
                                    <td>{ date_time(r.created_at) }</td>
                                </tr>
                            }) }</tbody>
                        </table>
                    },
                    (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
                    (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
                } }
            </div>
            { detail }
        </>
    }
}

/// The order opened: its lines and totals; `step` (for who may move orders) advances or
/// cancels it, `error` is the last move's refusal.
fn order_detail(
    d: &OrderDetail,
    step: Option<impl Fn(OrderStatus) -> Callback<MouseEvent>>,
    error: &Option<ApiError>,
) -> Html {
    html! {
        <div class="card" id="order-detail">
            <h3>{ format!("{} · {} · {}", d.order.number, d.order.customer, d.order.status.label()) }</h3>
            <table>
                <thead><tr><th>{ "SKU" }</th><th>{ "Product" }</th><th class="num">{ "Qty" }</th><th class="num">{ "Price" }</th><th class="num">{ "Total" }</th></tr></thead>
                <tbody>{ for d.lines.iter().map(|l| html! {
                    <tr><td>{ l.sku.clone() }</td><td>{ l.name.clone() }</td><td class="num">{ l.quantity }</td><td class="num">{ money(l.unit_price) }</td><td class="num">{ money(l.line_total) }</td></tr>
                }) }</tbody>
            </table>
            <p class="muted">{ format!("Total {} · placed by {} on {}", money(d.order.total), d.placed_by, date_time(d.order.created_at)) }
                { if d.raised.is_empty() { String::new() } else { format!(" · raised {}", d.raised.join(", ")) } }</p>
            if let Some(step) = step {
                <div class="actions">
                    if let Some(next) = d.order.status.next() {
                        <button id="order-advance" onclick={step(next)}>{ format!("Mark {}", next.label().to_lowercase()) }</button>
                    }
                    if d.order.status.can_cancel() {
                        <button class="secondary" id="order-cancel" onclick={step(OrderStatus::Cancelled)}>{ "Cancel order (stock returns)" }</button>
                    }
                </div>
            }
            { error_line("order-action-error", error) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct FilterProps {
    on_change: Callback<Option<i64>>,
}

/// Staff: the orders of one customer, once there are customers to choose from.
#[function_component(CustomerFilter)]
fn customer_filter(p: &FilterProps) -> Html {
    let customers = use_command::<OrderCustomers>(());
    // A filter is a help: a failed read offers none.
    let Some(list) = customers.data().filter(|l| !l.is_empty()) else {
        return html! {};
    };
    let on_change = p.on_change.reform(|e: Event| {
        e.target_unchecked_into::<HtmlSelectElement>()
            .value()
            .parse()
            .ok()
    });
    html! {
        <>
            <label for="order-filter-customer">{ "Customer" }</label>
            <select id="order-filter-customer" onchange={on_change}>
                <option value="">{ "All customers" }</option>
                { for list.iter().map(|c| html! { <option value={c.id.to_string()}>{ format!("{} · {}", c.erp_customer, c.name) }</option> }) }
            </select>
        </>
    }
}
