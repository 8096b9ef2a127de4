//! The new order (staff who may order): the customer, products found by a search with their
//! stock, the lines with quantities, a note. Other staff see the stock only.

use crate::common::data::use_reload_on;
use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, error_line};
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::orders::*;
use portdesk_types::procurement::{Product, ProductPage, ProductQuery};
use portdesk_types::{ApiError, ErrorKind};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct PlaceProps {
    /// Shows the stock to every staff role; only these may order.
    pub can_place: bool,
    pub on_placed: Callback<()>,
    pub reload: u32,
}

#[function_component(PlaceOrderCard)]
pub(super) fn place_order_card(p: &PlaceProps) -> Html {
    let search = use_state(String::new);
    let products = use_command::<OrderProducts>(ProductQuery {
        search: (*search).clone(),
        limit: 50,
        ..Default::default()
    });
    use_reload_on(p.reload, products.reload());
    let customer = use_state(|| None::<i64>);
    // (product, quantity as typed)
    let lines = use_state(Vec::<(Product, String)>::new);
    let note = use_state(String::new);
    // This form's request key: sent again by a retry, so a lost answer never orders twice;
    // a new one once the order is placed.
    let key = use_state(request_key);
    let place = use_action::<PlaceOrder>();
    // No customer chosen; placing again clears it.
    let local = use_state(|| None::<ApiError>);
    let add = {
        let lines = lines.clone();
        Callback::from(move |prod: Product| {
            let mut l = (*lines).clone();
            if !l.iter().any(|(p, _)| p.id == prod.id) {
                l.push((prod, "1".into()));
            }
            lines.set(l);
        })
    };
    let submit = {
        let (lines, customer, note, place, local, on_placed, key) = (
            lines.clone(),
            customer.clone(),
            note.clone(),
            place.clone(),
            local.clone(),
            p.on_placed.clone(),
            key.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(customer_id) = *customer else {
                local.set(Some(ApiError::new(
                    ErrorKind::Validation,
                    "Choose the customer the order is for.",
                )));
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
                key: Some((*key).clone()),
            };
            local.set(None);
            let (lines, note, on_placed, key) =
                (lines.clone(), note.clone(), on_placed.clone(), key.clone());
            place.run(req, move |_| {
                lines.set(Vec::new());
                note.set(String::new());
                key.set(request_key());
                on_placed.emit(());
            });
        })
    };
    let products = match (products.data(), products.error()) {
        (Some(pg), _) => product_table(pg, p.can_place.then_some(&add)),
        (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
    };
    let result = match (&*local, place.error(), place.done()) {
        (Some(e), _, _) | (None, Some(e), _) => error_line("place-order-error", &Some(e.clone())),
        (None, None, Some(d)) => html! {
            <p class="ok" id="place-order-result">{ format!("{} placed: {} line(s), total {}{}", d.order.number, d.lines.len(), money(d.order.total),
                if d.raised.is_empty() { String::new() } else { format!(". Stock ran low: procurement request {} raised.", d.raised.join(", ")) }) }</p>
        },
        (None, None, None) => html! {},
    };
    html! {
        <div class="card" id="place-order">
            <h2>{ if p.can_place { "New order" } else { "Stock" } }</h2>
            if p.can_place {
                <CustomerPicker value={*customer}
                    on_change={{ let c = customer.clone(); Callback::from(move |v| c.set(v)) }} />
            }
            <Field id="order-product-search" label="Find a product" value={(*search).clone()} oninput={{ let s = search.clone(); Callback::from(move |v| s.set(v)) }} placeholder="SKU, name or category" />
            { products }
            if !lines.is_empty() {
                <h3>{ "Lines" }</h3>
                <table id="order-lines"><tbody>{ for order_lines(&lines) }</tbody></table>
                <Field id="order-note" label="Note (optional)" value={(*note).clone()} oninput={{ let s = note.clone(); Callback::from(move |v| s.set(v)) }} />
            }
            if p.can_place {
            <div class="actions">
                <button id="place-order-submit" onclick={submit} disabled={place.busy() || lines.is_empty()}>{ if place.busy() { "Placing…" } else { "Place order" } }</button>
            </div>
            }
            { result }
        </div>
    }
}

/// The products found, with their stock; `add` (for who may order) puts one in the lines.
fn product_table(pg: &ProductPage, add: Option<&Callback<Product>>) -> Html {
    html! {
        <table id="order-products">
            <thead><tr><th>{ "SKU" }</th><th>{ "Product" }</th><th class="num">{ "Price" }</th><th class="num">{ "In stock" }</th><th></th></tr></thead>
            <tbody>
            { for pg.rows.iter().map(|prod| html! {
                <tr data-sku={prod.sku.clone()}>
                    <td>{ prod.sku.clone() }</td><td>{ prod.name.clone() }</td>
                    <td class="num">{ money(prod.unit_price) }</td>
                    <td class="num stock">{ prod.stock }</td>
                    <td>if let Some(add) = add { <button class="link add" onclick={add.reform({ let prod = prod.clone(); move |_: MouseEvent| prod.clone() })}>{ "Add" }</button> }</td>
                </tr>
            }) }
            </tbody>
        </table>
    }
}

/// The order's lines: each product with its quantity as typed, and a way to remove it.
fn order_lines(lines: &UseStateHandle<Vec<(Product, String)>>) -> impl Iterator<Item = Html> + '_ {
    lines.iter().enumerate().map(move |(i, (prod, q))| {
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
    })
}

#[derive(Properties, PartialEq)]
struct CustomerProps {
    value: Option<i64>,
    on_change: Callback<Option<i64>>,
}

/// The customer the order is for: the accounts linked to an ERP customer.
#[function_component(CustomerPicker)]
fn customer_picker(p: &CustomerProps) -> Html {
    let customers = use_command::<OrderCustomers>(());
    let on_change = p.on_change.reform(|e: Event| {
        e.target_unchecked_into::<HtmlSelectElement>()
            .value()
            .parse()
            .ok()
    });
    match (customers.data(), customers.error()) {
        (Some(list), _) if list.is_empty() => html! {
            <p class="muted" id="no-order-customers">{ "No customer account is linked to an ERP customer yet: link one in the Customers window." }</p>
        },
        (Some(list), _) => html! {
            <>
                <label for="order-customer">{ "Customer" }</label>
                <select id="order-customer" onchange={on_change}>
                    <option value="" selected={p.value.is_none()}>{ "Choose…" }</option>
                    { for list.iter().map(|c| html! {
                        <option value={c.id.to_string()} selected={p.value == Some(c.id)}>{ format!("{} · {} ({})", c.erp_customer, c.name, c.email) }</option>
                    }) }
                </select>
            </>
        },
        (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        (None, None) => html! {},
    }
}

/// A new order form's request key (random; the core keeps one order per key and customer).
fn request_key() -> String {
    let part = || (web_sys::js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{:08x}{:08x}{:08x}", part(), part(), part())
}
