//! The cart: the lines as the core holds them (today's price, and the price when added when it
//! moved), quantities changed in place, remove, clear, and the way to checkout.

use crate::common::ipc::call;
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::procurement::money;
use portdesk_types::shop::*;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CartProps {
    pub cart: Option<Result<Cart, ApiError>>,
    pub on_cart: Callback<Cart>,
    pub on_checkout: Callback<()>,
    pub on_browse: Callback<()>,
}

#[function_component(CartPanel)]
pub fn cart_panel(p: &CartProps) -> Html {
    // The last error and the line it is about (`None`: the whole cart).
    let error = use_state(|| None::<(Option<i64>, ApiError)>);
    let busy = use_state(|| false);
    // Runs one cart command; its reply is the new cart.
    let run = {
        let (error, busy, on_cart) = (error.clone(), busy.clone(), p.on_cart.clone());
        move |line: Option<i64>,
              fut: std::pin::Pin<Box<dyn std::future::Future<Output = Result<Cart, ApiError>>>>| {
            let (error, busy, on_cart) = (error.clone(), busy.clone(), on_cart.clone());
            busy.set(true);
            spawn_local(async move {
                match fut.await {
                    Ok(c) => {
                        error.set(None);
                        on_cart.emit(c);
                    }
                    Err(e) => error.set(Some((line, e))),
                }
                busy.set(false);
            });
        }
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
            let run = run.clone();
            Callback::from(move |e: Event| {
                let v = super::value_of(&e);
                // Text that is no number goes as 0 (NaN would reach the core as null): refused by name.
                let quantity = v.trim().parse::<f64>().unwrap_or(0.0);
                run(
                    Some(product_id),
                    Box::pin(async move {
                        call::<SetCartQuantity>(&CartChange {
                            product_id,
                            quantity,
                        })
                        .await
                    }),
                );
            })
        };
        let remove = {
            let run = run.clone();
            Callback::from(move |_: MouseEvent| {
                run(
                    Some(product_id),
                    Box::pin(
                        async move { call::<RemoveFromCart>(&ProductRef { product_id }).await },
                    ),
                )
            })
        };
        let qty_id = format!("cart-qty-{product_id}");
        let line_err = match &*error {
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
                        value={l.quantity.to_string()} onchange={set_qty} disabled={*busy} />
                    if let Some(e) = line_err { <div class="error cart-line-error" role="alert">{ e.message }</div> }
                </td>
                <td class="num cart-line-total">{ money(l.line_total) }</td>
                <td><button type="button" class="secondary cart-remove" onclick={remove} disabled={*busy}
                    aria-label={format!("Remove {} {}", l.name, l.variant)}>{ "Remove" }</button></td>
            </tr>
        }
    };
    let clear = {
        let run = run.clone();
        Callback::from(move |_: MouseEvent| {
            run(None, Box::pin(async move { call::<ClearCart>(&()).await }))
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
    let cart_err = match &*error {
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
                    <button type="button" id="cart-checkout" onclick={checkout} disabled={*busy}>{ "Checkout" }</button>
                    <button type="button" class="secondary" id="cart-clear" onclick={clear} disabled={*busy}>{ "Clear cart" }</button>
                </div>
            }
            { crate::common::widgets::error_line("cart-error", &cart_err) }
        </div>
    }
}
