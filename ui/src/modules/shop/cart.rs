//! The cart: the lines as the core holds them (today's price, and the price when added when it
//! moved), quantities changed in place, remove, clear, and the way to checkout.

use crate::common::data::use_action;
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::shop::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CartProps {
    pub cart: Option<Result<Cart, ApiError>>,
    pub on_cart: Callback<Cart>,
    pub on_checkout: Callback<()>,
    pub on_browse: Callback<()>,
}

/// The cart command that ran last, and the line it was about: its refusal is the one shown.
#[derive(Clone, Copy, PartialEq)]
enum Ran {
    Quantity(i64),
    Remove(i64),
    Clear,
}

#[function_component(CartPanel)]
pub fn cart_panel(p: &CartProps) -> Html {
    let set_qty = use_action::<SetCartQuantity>();
    let remove = use_action::<RemoveFromCart>();
    let clear = use_action::<ClearCart>();
    let ran = use_state(|| None::<Ran>);
    let busy = set_qty.busy() || remove.busy() || clear.busy();
    // The last error and the line it is about (`None`: the whole cart).
    let error = match *ran {
        Some(Ran::Quantity(id)) => set_qty.error().clone().map(|e| (Some(id), e)),
        Some(Ran::Remove(id)) => remove.error().clone().map(|e| (Some(id), e)),
        Some(Ran::Clear) => clear.error().clone().map(|e| (None, e)),
        None => None,
    };
    let Some(Ok(cart)) = &p.cart else {
        return match &p.cart {
            Some(Err(e)) => {
                html! { <div class="card" id="shop-cart"><p class="error">{ e.message.clone() }</p></div> }
            }
            _ => {
                html! { <div class="card" id="shop-cart"><p class="muted">{ "Loading…" }</p></div> }
            }
        };
    };
    let line = |l: &CartLine| {
        let product_id = l.product_id;
        let set_qty = {
            let (set_qty, ran, on_cart) = (set_qty.clone(), ran.clone(), p.on_cart.clone());
            Callback::from(move |e: Event| {
                let v = super::value_of(&e);
                // Text that is no number goes as 0 (NaN would reach the core as null): refused by name.
                let quantity = v.trim().parse::<f64>().unwrap_or(0.0);
                ran.set(Some(Ran::Quantity(product_id)));
                let on_cart = on_cart.clone();
                set_qty.run(
                    CartChange {
                        product_id,
                        quantity,
                    },
                    move |c| on_cart.emit(c),
                );
            })
        };
        let remove = {
            let (remove, ran, on_cart) = (remove.clone(), ran.clone(), p.on_cart.clone());
            Callback::from(move |_: MouseEvent| {
                ran.set(Some(Ran::Remove(product_id)));
                let on_cart = on_cart.clone();
                remove.run(ProductRef { product_id }, move |c| on_cart.emit(c));
            })
        };
        let qty_id = format!("cart-qty-{product_id}");
        let line_err = match &error {
            Some((Some(id), e)) if *id == product_id => Some(e.clone()),
            _ => None,
        };
        html! {
            <tr class={classes!("cart-line", l.problem.is_some().then_some("has-problem"))} data-product-id={product_id.to_string()}>
                <td>
                    <div class="cart-name">{ l.name.clone() }</div>
                    <div class="muted cart-variant">{ l.variant.clone() }</div>
                    if let Some(pr) = &l.problem { <div class="error cart-problem" role="alert">{ pr.clone() }</div> }
                </td>
                <td class="num cart-price">
                    { money(l.unit_price) }
                    if l.price_when_added != l.unit_price { <div class="muted cart-was">{ format!("was {}", money(l.price_when_added)) }</div> }
                </td>
                <td class="cart-qty-cell">
                    <label class="sr-only" for={qty_id.clone()}>{ format!("Quantity of {} {}", l.name, l.variant) }</label>
                    <input id={qty_id} class={classes!("cart-qty", line_err.is_some().then_some("invalid"))} type="number" min="1" step="1" inputmode="numeric"
                        value={l.quantity.to_string()} onchange={set_qty} disabled={busy} />
                    if let Some(e) = line_err { <div class="error cart-line-error" role="alert">{ e.message }</div> }
                </td>
                <td class="num cart-line-total">{ money(l.line_total) }</td>
                <td><button type="button" class="secondary cart-remove" onclick={remove} disabled={busy}
                    aria-label={format!("Remove {} {}", l.name, l.variant)}>{ "Remove" }</button></td>
            </tr>
        }
    };
    let clear = {
        let (clear, ran, on_cart) = (clear.clone(), ran.clone(), p.on_cart.clone());
        Callback::from(move |_: MouseEvent| {
            ran.set(Some(Ran::Clear));
            let on_cart = on_cart.clone();
            clear.run((), move |c| on_cart.emit(c));
        })
    };
    let checkout = {
        let go = p.on_checkout.clone();
        Callback::from(move |_: MouseEvent| go.emit(()))
    };
    let browse = {
        let go = p.on_browse.clone();
        Callback::from(move |_: MouseEvent| go.emit(()))
    };
    let cart_err = match &error {
        Some((None, e)) => Some(e.clone()),
        _ => None,
    };
    html! {
        <div class="card" id="shop-cart">
            <h2>{ "Cart" }</h2>
            if cart.lines.is_empty() {
                <p class="muted" id="cart-empty">{ "Your cart is empty." }</p>
                <div class="actions"><button type="button" id="cart-browse" onclick={browse}>{ "Browse the catalogue" }</button></div>
            } else {
                <table id="cart-lines">
                    <thead><tr><th>{ "Product" }</th><th class="num">{ "Price" }</th><th>{ "Quantity" }</th><th class="num">{ "Total" }</th><th></th></tr></thead>
                    <tbody>{ for cart.lines.iter().map(line) }</tbody>
                    <tfoot><tr><th colspan="3">{ format!("{} item(s)", cart.units) }</th><th class="num" id="cart-total">{ money(cart.total) }</th><th></th></tr></tfoot>
                </table>
                <div class="actions">
                    <button type="button" id="cart-checkout" onclick={checkout} disabled={busy}>{ "Checkout" }</button>
                    <button type="button" class="secondary" id="cart-clear" onclick={clear} disabled={busy}>{ "Clear cart" }</button>
                </div>
            }
            { crate::common::widgets::error_line("cart-error", &cart_err) }
        </div>
    }
}
