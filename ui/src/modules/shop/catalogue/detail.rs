//! A listing's detail: its picture, description and variants; a customer adds the chosen
//! variant to the cart.

use super::ListingPicture;
use crate::common::data::{use_action, use_command};
use crate::modules::shop::{about, field_error, form_error};
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::shop::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct DetailProps {
    pub id: i64,
    pub customer: bool,
    pub on_cart: Callback<Cart>,
    pub on_close: Callback<()>,
}

#[function_component(ListingDetail)]
pub(super) fn listing_detail(p: &DetailProps) -> Html {
    // Asked again on opening (the parent keys this view by listing): the stock shown is the
    // stock now.
    let listing = use_command::<GetListing>(ListingRef { id: p.id });
    let picked = use_state(|| None::<i64>);
    let qty = use_state(|| "1".to_string());
    let add = use_action::<AddToCart>();
    let added = use_state(|| None::<String>);
    let node = use_node_ref();
    {
        let node = node.clone();
        let answered = listing.answer().is_some();
        use_effect_with(answered, move |answered| {
            if let (true, Some(el)) = (*answered, node.cast::<web_sys::Element>()) {
                el.scroll_into_view();
            }
        });
    }
    let close = {
        let on_close = p.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let body = match listing.answer() {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(l)) => {
            // Until the customer picks one: the first variant in stock, else the first.
            let chosen = (*picked).or_else(|| {
                l.variants
                    .iter()
                    .find(|v| v.stock > 0)
                    .or(l.variants.first())
                    .map(|v| v.product_id)
            });
            let on_add = {
                let (add, qty, added, on_cart) =
                    (add.clone(), qty.clone(), added.clone(), p.on_cart.clone());
                let variants = l.variants.clone();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let Some(product_id) = chosen else { return };
                    // Text that is no number goes as 0 (NaN would reach the core as null): refused by name.
                    let quantity = qty.trim().parse::<f64>().unwrap_or(0.0);
                    let label = variants
                        .iter()
                        .find(|v| v.product_id == product_id)
                        .map(|v| v.label.clone())
                        .unwrap_or_default();
                    let (added, on_cart) = (added.clone(), on_cart.clone());
                    add.run(
                        CartChange {
                            product_id,
                            quantity,
                        },
                        move |cart| {
                            added.set(Some(format!("Added to the cart: {label}.")));
                            on_cart.emit(cart);
                        },
                    );
                })
            };
            let variant = |v: &Variant| {
                let sel = chosen == Some(v.product_id);
                let (picked, id) = (picked.clone(), v.product_id);
                html! {
                    <button type="button" class={classes!("shop-variant", (!sel).then_some("secondary"), (v.stock <= 0).then_some("out"))}
                        data-product-id={v.product_id.to_string()} aria-pressed={sel.to_string()}
                        onclick={Callback::from(move |_: MouseEvent| picked.set(Some(id)))}>
                        <span class="variant-label">{ v.label.clone() }</span>
                        <span class="variant-price">{ money(v.unit_price) }</span>
                        <span class="variant-stock">{ if v.stock > 0 { format!("{} in stock", v.stock) } else { "Out of stock".into() } }</span>
                    </button>
                }
            };
            let on_qty = {
                let qty = qty.clone();
                Callback::from(move |e: InputEvent| {
                    qty.set(
                        e.target_unchecked_into::<web_sys::HtmlInputElement>()
                            .value(),
                    )
                })
            };
            let error = add.error();
            let bad_qty = about(error, &["quantity"]);
            // A refused add leaves no "Added" line behind.
            let added = added.as_ref().filter(|_| error.is_none());
            html! {
                <>
                    <h2>{ l.name.clone() }</h2>
                    <div class="shop-detail-body">
                        if l.has_picture { <div class="shop-detail-pic"><ListingPicture listing_id={l.id} /></div> }
                        <div>
                            if !l.category.is_empty() { <p class="muted">{ l.category.clone() }</p> }
                            <p id="shop-description" class="shop-description">{ l.description.clone() }</p>
                        </div>
                    </div>
                    if l.variants.is_empty() {
                        <p class="muted">{ "No variant of this product is sold now." }</p>
                    } else {
                        <h3>{ "Choose" }</h3>
                        <div class="shop-variants" role="group" aria-label="Variants">{ for l.variants.iter().map(variant) }</div>
                    }
                    if p.customer && !l.variants.is_empty() {
                        <form class="shop-add-form" onsubmit={on_add}>
                            <div>
                                <label for="shop-qty">{ "Quantity" }</label>
                                <input id="shop-qty" type="number" min="1" step="1" inputmode="numeric" value={(*qty).clone()} oninput={on_qty}
                                    class={bad_qty.then_some("invalid")} aria-invalid={bad_qty.then_some("true")} />
                                { field_error(error, "shop-qty", &["quantity"]) }
                            </div>
                            <button type="submit" id="shop-add" disabled={add.busy() || chosen.is_none()}>{ "Add to cart" }</button>
                        </form>
                        { form_error("shop-add-error", error, &["quantity"]) }
                        if let Some(msg) = added { <p class="ok" id="shop-added" role="status">{ msg.clone() }</p> }
                    }
                </>
            }
        }
    };
    html! {
        <div class="card" id="shop-detail" ref={node} data-listing-id={p.id.to_string()}>
            <div class="actions" style="margin:0;justify-content:flex-end">
                <button type="button" class="secondary" id="shop-detail-close" onclick={close}>{ "Close" }</button>
            </div>
            { body }
        </div>
    }
}
