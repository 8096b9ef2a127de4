//! The Orders window. Staff place an order on a customer's behalf (customer, products,
//! quantities) and move orders from placed to delivered, or cancel before shipping; a customer
//! sees their own orders and their status. The stock shown is the catalogue's, now.

use crate::common::ipc::call;
use crate::common::widgets::{Field, date_time, error_line};
use portdesk_types::api::*;
use portdesk_types::orders::*;
use portdesk_types::procurement::{Product, ProductPage, ProductQuery, money};
use portdesk_types::{ApiError, Role};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OrdersProps {
    pub me: SessionInfo,
}

#[function_component(OrdersWindow)]
pub fn orders_window(p: &OrdersProps) -> Html {
    // What this role may do is the commands' own declaration, the one the core enforces.
    // A view choice (procurement looks at the staff view without ordering); what each role
    // may do is the commands' own declaration, the one the core enforces.
    let staff = p.me.role != Role::Customer;
    let can_move = may::<AdvanceOrderStatus>(p.me.role);
    let can_place = may::<OrderCustomers>(p.me.role);
    let reload = use_state(|| 0u32);
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };
    html! {
        <>
            if staff { <PlaceOrderCard can_place={can_place} on_placed={bump.clone()} reload={*reload} /> }
            <OrderList staff={staff} can_move={can_move} reload={*reload} on_changed={bump} />
        </>
    }
}

#[derive(Properties, PartialEq)]
struct PlaceProps {
    /// Shows the stock to every staff role; only these may order.
    can_place: bool,
    on_placed: Callback<()>,
    reload: u32,
}

#[function_component(PlaceOrderCard)]
fn place_order_card(p: &PlaceProps) -> Html {
    let customers = use_state(|| None::<Result<Vec<OrderCustomer>, ApiError>>);
    let products = use_state(|| None::<Result<ProductPage, ApiError>>);
    let search = use_state(String::new);
    let customer = use_state(|| None::<i64>);
    // (product, quantity as typed)
    let lines = use_state(Vec::<(Product, String)>::new);
    let result = use_state(|| None::<Result<OrderDetail, ApiError>>);
    let busy = use_state(|| false);
    let note = use_state(String::new);
    {
        let customers = customers.clone();
        use_effect_with(p.can_place, move |can| {
            if *can {
                spawn_local(async move { customers.set(Some(call::<OrderCustomers>(&()).await)) });
            }
        });
    }
    {
        let products = products.clone();
        use_effect_with(((*search).clone(), p.reload), move |(s, _)| {
            let q = ProductQuery {
                search: s.clone(),
                limit: 50,
                ..Default::default()
            };
            spawn_local(async move { products.set(Some(call::<OrderProducts>(&q).await)) });
        });
    }
    let on_customer = {
        let customer = customer.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            customer.set(v.parse().ok());
        })
    };
    let add = |prod: &Product| {
        let (lines, prod) = (lines.clone(), prod.clone());
        Callback::from(move |_: MouseEvent| {
            let mut l = (*lines).clone();
            if !l.iter().any(|(p, _)| p.id == prod.id) {
                l.push((prod.clone(), "1".into()));
            }
            lines.set(l);
        })
    };
    let place = {
        let (lines, customer, result, busy, on_placed, note) = (
            lines.clone(),
            customer.clone(),
            result.clone(),
            busy.clone(),
            p.on_placed.clone(),
            note.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(customer_id) = *customer else {
                result.set(Some(Err(ApiError::new(
                    portdesk_types::ErrorKind::Validation,
                    "Choose the customer the order is for.",
                ))));
                return;
            };
            let req = NewOrder {
                customer_id,
                lines: lines
                    .iter()
                    .map(|(p, q)| NewOrderLine {
                        product_id: p.id,
                        // Text that is no number is sent as 0: the core names the field.
                        quantity: q.trim().parse().unwrap_or(0.0),
                    })
                    .collect(),
                note: (*note).clone(),
            };
            let (lines, result, busy, on_placed, note) = (
                lines.clone(),
                result.clone(),
                busy.clone(),
                on_placed.clone(),
                note.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let r = call::<PlaceOrder>(&req).await;
                if r.is_ok() {
                    lines.set(Vec::new());
                    note.set(String::new());
                    on_placed.emit(());
                }
                result.set(Some(r));
                busy.set(false);
            });
        })
    };
    let product_rows = match &*products {
        Some(Ok(pg)) => html! {
            <table id="order-products">
                <thead><tr><th>{ "SKU" }</th><th>{ "Product" }</th><th class="num">{ "Price" }</th><th class="num">{ "In stock" }</th><th></th></tr></thead>
                <tbody>
                { for pg.rows.iter().map(|prod| html! {
                    <tr data-sku={prod.sku.clone()}>
                        <td>{ prod.sku.clone() }</td><td>{ prod.name.clone() }</td>
                        <td class="num">{ money(prod.unit_price) }</td>
                        <td class="num stock">{ prod.stock }</td>
                        <td>if p.can_place { <button class="link add" onclick={add(prod)}>{ "Add" }</button> }</td>
                    </tr>
                }) }
                </tbody>
            </table>
        },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        None => html! { <p class="muted">{ "Loading…" }</p> },
    };
    let line_rows = lines.iter().enumerate().map(|(i, (prod, q))| {
        let set_q = {
            let lines = lines.clone();
            Callback::from(move |v: String| {
                let mut l = (*lines).clone();
                l[i].1 = v;
                lines.set(l);
            })
        };
        let remove = {
            let lines = lines.clone();
            Callback::from(move |_: MouseEvent| {
                let mut l = (*lines).clone();
                l.remove(i);
                lines.set(l);
            })
        };
        html! {
            <tr data-sku={prod.sku.clone()}>
                <td>{ format!("{} {}", prod.sku, prod.name) }</td>
                <td style="width:8rem"><Field id={format!("qty-{}", prod.sku)} label="Quantity" value={q.clone()} oninput={set_q} /></td>
                <td><button class="link" onclick={remove}>{ "Remove" }</button></td>
            </tr>
        }
    });
    let customer_select = match &*customers {
        Some(Ok(list)) if list.is_empty() => html! {
            <p class="muted" id="no-order-customers">{ "No customer account is linked to an ERP customer yet: link one in the Customers window." }</p>
        },
        Some(Ok(list)) => html! {
            <>
                <label for="order-customer">{ "Customer" }</label>
                <select id="order-customer" onchange={on_customer}>
                    <option value="" selected={customer.is_none()}>{ "Choose…" }</option>
                    { for list.iter().map(|c| html! {
                        <option value={c.id.to_string()} selected={*customer == Some(c.id)}>{ format!("{} · {} ({})", c.erp_customer, c.name, c.email) }</option>
                    }) }
                </select>
            </>
        },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        None => html! {},
    };
    html! {
        <div class="card" id="place-order">
            <h2>{ if p.can_place { "New order" } else { "Stock" } }</h2>
            if p.can_place { { customer_select } }
            <Field id="order-product-search" label="Find a product" value={(*search).clone()} oninput={{ let s = search.clone(); Callback::from(move |v| s.set(v)) }} placeholder="SKU, name or category" />
            { product_rows }
            if !lines.is_empty() {
                <h3>{ "Lines" }</h3>
                <table id="order-lines"><tbody>{ for line_rows }</tbody></table>
                <Field id="order-note" label="Note (optional)" value={(*note).clone()} oninput={{ let s = note.clone(); Callback::from(move |v| s.set(v)) }} />
            }
            if p.can_place {
            <div class="actions">
                <button id="place-order-submit" onclick={place} disabled={*busy || lines.is_empty()}>{ if *busy { "Placing…" } else { "Place order" } }</button>
            </div>
            }
            { match &*result {
                Some(Ok(d)) => html! {
                    <p class="ok" id="place-order-result">{ format!("{} placed: {} line(s), total {}{}", d.order.number, d.lines.len(), money(d.order.total),
                        if d.raised.is_empty() { String::new() } else { format!(". Stock ran low: procurement request {} raised.", d.raised.join(", ")) }) }</p>
                },
                Some(Err(e)) => error_line("place-order-error", &Some(e.clone())),
                None => html! {},
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ListProps {
    staff: bool,
    can_move: bool,
    reload: u32,
    on_changed: Callback<()>,
}

#[function_component(OrderList)]
fn order_list(p: &ListProps) -> Html {
    let query = use_state(OrderQuery::default);
    let page = use_state(|| None::<Result<OrderPage, ApiError>>);
    let open = use_state(|| None::<Result<OrderDetail, ApiError>>);
    let action_error = use_state(|| None::<ApiError>);
    let from = use_state(String::new);
    let to = use_state(String::new);
    let customers = use_state(Vec::<OrderCustomer>::new);
    {
        let customers = customers.clone();
        use_effect_with(p.staff, move |staff| {
            if *staff {
                spawn_local(async move {
                    if let Ok(c) = call::<OrderCustomers>(&()).await {
                        customers.set(c);
                    }
                });
            }
        });
    }
    let on_customer = {
        let query = query.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            query.set(OrderQuery {
                customer_id: v.parse().ok(),
                ..(*query).clone()
            });
        })
    };
    {
        let page = page.clone();
        use_effect_with(((*query).clone(), p.reload), move |(q, _)| {
            let q = q.clone();
            spawn_local(async move { page.set(Some(call::<ListOrders>(&q).await)) });
        });
    }
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
    let show = |id: i64| {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| {
            let open = open.clone();
            spawn_local(async move { open.set(Some(call::<GetOrder>(&OrderRef { id }).await)) });
        })
    };
    let step = |d: &OrderDetail, to: OrderStatus| {
        let (open, action_error, on_changed) =
            (open.clone(), action_error.clone(), p.on_changed.clone());
        let req = AdvanceOrder {
            id: d.order.id,
            from: d.order.status,
            to,
        };
        Callback::from(move |_: MouseEvent| {
            let (open, action_error, on_changed, req) = (
                open.clone(),
                action_error.clone(),
                on_changed.clone(),
                req.clone(),
            );
            spawn_local(async move {
                match call::<AdvanceOrderStatus>(&req).await {
                    Ok(d) => {
                        action_error.set(None);
                        open.set(Some(Ok(d)));
                        on_changed.emit(());
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        })
    };
    let detail = match &*open {
        Some(Ok(d)) => html! {
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
                if p.can_move {
                    <div class="actions">
                        if let Some(next) = d.order.status.next() {
                            <button id="order-advance" onclick={step(d, next)}>{ format!("Mark {}", next.label().to_lowercase()) }</button>
                        }
                        if d.order.status.can_cancel() {
                            <button class="secondary" id="order-cancel" onclick={step(d, OrderStatus::Cancelled)}>{ "Cancel order (stock returns)" }</button>
                        }
                    </div>
                }
                { error_line("order-action-error", &action_error) }
            </div>
        },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        None => html! {},
    };
    html! {
        <>
            <div class="card">
                <h2>{ if p.staff { "Orders" } else { "My orders" } }</h2>
                if p.staff && !customers.is_empty() {
                    <label for="order-filter-customer">{ "Customer" }</label>
                    <select id="order-filter-customer" onchange={on_customer}>
                        <option value="">{ "All customers" }</option>
                        { for customers.iter().map(|c| html! { <option value={c.id.to_string()}>{ format!("{} · {}", c.erp_customer, c.name) }</option> }) }
                    </select>
                }
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
                { match &*page {
                    Some(Ok(pg)) if pg.rows.is_empty() => html! { <p class="muted" id="orders-empty">{ "No orders." }</p> },
                    Some(Ok(pg)) => html! {
                        <table id="orders">
                            <thead><tr><th>{ "Order" }</th>if p.staff { <th>{ "Customer" }</th> }<th>{ "Status" }</th><th class="num">{ "Lines" }</th><th class="num">{ "Total" }</th><th>{ "Placed" }</th></tr></thead>
                            <tbody>{ for pg.rows.iter().map(|r| html! {
                                <tr class="mail-row" data-order={r.number.clone()} onclick={show(r.id)} tabindex="0">
                                    <td>{ r.number.clone() }</td>
                                    if p.staff { <td>{ r.customer.clone() }</td> }
                                    <td class="order-status">{ r.status.label() }</td>
                                    <td class="num">{ r.lines }</td><td class="num">{ money(r.total) }</td>
                                    <td>{ date_time(r.created_at) }</td>
                                </tr>
                            }) }</tbody>
                        </table>
                    },
                    Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
                    None => html! { <p class="muted">{ "Loading…" }</p> },
                } }
            </div>
            { detail }
        </>
    }
}
