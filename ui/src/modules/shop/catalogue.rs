//! The catalogue: search as you type, a category filter, grid or list, and a listing's detail
//! with its variants; customers add a variant to the cart from there.

use super::{field_error, form_error, value_of};
use crate::common::ipc::call;
use gloo_timers::callback::Timeout;
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::procurement::money;
use portdesk_types::shop::*;
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

thread_local! {
    /// Pictures already fetched in this window, by listing (`None`: it has none). A card and
    /// the detail show the same picture without asking twice.
    static PICTURES: RefCell<HashMap<i64, Option<Picture>>> = RefCell::new(HashMap::new());
}

/// Forgets a listing's picture after an admin set a new one.
pub(super) fn forget_picture(listing_id: i64) {
    PICTURES.with(|p| p.borrow_mut().remove(&listing_id));
}

#[derive(Properties, PartialEq)]
pub struct CatalogueProps {
    /// Only customers have a cart.
    pub customer: bool,
    pub on_cart: Callback<Cart>,
}

#[function_component(CatalogueView)]
pub fn catalogue(p: &CatalogueProps) -> Html {
    // What the box shows at once, and the search sent once typing pauses.
    let typed = use_state(String::new);
    let search = use_state(String::new);
    let category = use_state(String::new);
    let list_view = use_state(|| false);
    let page = use_state(|| None::<Result<CataloguePage, ApiError>>);
    let open = use_state(|| None::<i64>);
    let timer = use_mut_ref(|| None::<Timeout>);
    let seq = use_mut_ref(|| 0u32);
    {
        let (page, seq) = (page.clone(), seq.clone());
        use_effect_with(
            ((*search).clone(), (*category).clone()),
            move |(search, category)| {
                let q = CatalogueQuery {
                    search: search.clone(),
                    category: category.clone(),
                    ..Default::default()
                };
                // Replies may come back out of order: only the latest query's is shown.
                *seq.borrow_mut() += 1;
                let mine = *seq.borrow();
                spawn_local(async move {
                    let r = call::<Catalogue>(&q).await;
                    if *seq.borrow() == mine {
                        page.set(Some(r));
                    }
                });
            },
        );
    }
    let on_search = {
        let (typed, search, timer) = (typed.clone(), search.clone(), timer.clone());
        Callback::from(move |e: InputEvent| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .value();
            typed.set(v.clone());
            let search = search.clone();
            // Replacing the timeout drops (cancels) the previous one.
            *timer.borrow_mut() = Some(Timeout::new(250, move || search.set(v)));
        })
    };
    let on_category = {
        let category = category.clone();
        Callback::from(move |e: Event| category.set(value_of(&e)))
    };
    let toggle = {
        let list_view = list_view.clone();
        Callback::from(move |_: MouseEvent| list_view.set(!*list_view))
    };
    let categories = match &*page {
        Some(Ok(pg)) => pg.categories.clone(),
        _ => Vec::new(),
    };
    // The next page, appended (the core pages by 60); a new search starts over.
    let more = {
        let (page, seq, search, category) =
            (page.clone(), seq.clone(), search.clone(), category.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(Ok(current)) = (*page).clone() else {
                return;
            };
            let q = CatalogueQuery {
                search: (*search).clone(),
                category: (*category).clone(),
                offset: current.rows.len() as u32,
                ..Default::default()
            };
            let (page, seq) = (page.clone(), seq.clone());
            let mine = *seq.borrow();
            spawn_local(async move {
                let r = call::<Catalogue>(&q).await;
                if *seq.borrow() != mine {
                    return;
                }
                page.set(Some(r.map(|next| {
                    let mut all = current;
                    all.rows.extend(next.rows);
                    all.total = next.total;
                    all
                })));
            });
        })
    };
    let card = |l: &Listing| {
        let (open, id) = (open.clone(), l.id);
        let price = l
            .price_from()
            .map(|c| format!("from {}", money(c)))
            .unwrap_or_default();
        html! {
            <button type="button" class="shop-card" data-listing-id={l.id.to_string()} onclick={Callback::from(move |_: MouseEvent| open.set(Some(id)))}>
                <span class="shop-pic">if l.has_picture { <ListingPicture listing_id={l.id} /> }</span>
                <span class="shop-card-text">
                    <span class="shop-name">{ l.name.clone() }</span>
                    if !l.category.is_empty() { <span class="muted shop-cat">{ l.category.clone() }</span> }
                    <span class="shop-price">{ price }</span>
                    if l.in_stock() { <span class="stock-in">{ "In stock" }</span> } else { <span class="stock-out">{ "Out of stock" }</span> }
                </span>
            </button>
        }
    };
    let results = match &*page {
        Some(Ok(pg)) if pg.rows.is_empty() => {
            html! { <p class="muted" id="shop-empty">{ "Nothing matches." }</p> }
        }
        Some(Ok(pg)) => html! {
            <>
                <p class="muted" id="shop-count">{ format!("{} product(s)", pg.total) }</p>
                <div id="shop-results" class={if *list_view { "shop-list" } else { "shop-grid" }}>
                    { for pg.rows.iter().map(card) }
                </div>
                if (pg.rows.len() as u64) < pg.total {
                    <div class="actions">
                        <button type="button" class="secondary" id="shop-more" onclick={more}>
                            { format!("Show more ({} of {} shown)", pg.rows.len(), pg.total) }
                        </button>
                    </div>
                }
            </>
        },
        Some(Err(e)) => html! { <p class="error" id="shop-error">{ e.message.clone() }</p> },
        None => html! { <p class="muted">{ "Loading…" }</p> },
    };
    html! {
        <>
            <div class="card">
                <div class="shop-filters">
                    <div class="shop-search-box">
                        <label for="shop-search">{ "Search" }</label>
                        <input id="shop-search" type="search" value={(*typed).clone()} oninput={on_search} placeholder="Name or description" autocomplete="off" />
                    </div>
                    <div>
                        <label for="shop-category">{ "Category" }</label>
                        <select id="shop-category" onchange={on_category}>
                            <option value="" selected={category.is_empty()}>{ "All categories" }</option>
                            { for categories.iter().map(|c| html! { <option value={c.clone()} selected={*category == *c}>{ c.clone() }</option> }) }
                        </select>
                    </div>
                    <button type="button" class="secondary" id="shop-view-toggle" aria-pressed={list_view.to_string()} onclick={toggle}>
                        { if *list_view { "Grid view" } else { "List view" } }
                    </button>
                </div>
                { results }
            </div>
            if let Some(id) = *open {
                <ListingDetail key={id} id={id} customer={p.customer} on_cart={p.on_cart.clone()}
                    on_close={{ let open = open.clone(); Callback::from(move |_: ()| open.set(None)) }} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct PictureProps {
    pub listing_id: i64,
}

/// A listing's picture, fetched when it is first shown.
#[function_component(ListingPicture)]
pub fn listing_picture(p: &PictureProps) -> Html {
    let pic = use_state(|| PICTURES.with(|c| c.borrow().get(&p.listing_id).cloned()));
    {
        let pic = pic.clone();
        use_effect_with(p.listing_id, move |id| {
            let id = *id;
            let known = PICTURES.with(|c| c.borrow().get(&id).cloned());
            match known {
                Some(k) => pic.set(Some(k)),
                None => spawn_local(async move {
                    // A picture that cannot be fetched is simply not shown.
                    let got = call::<GetPicture>(&ListingRef { id }).await.ok().flatten();
                    PICTURES.with(|c| c.borrow_mut().insert(id, got.clone()));
                    pic.set(Some(got));
                }),
            }
        });
    }
    match &*pic {
        Some(Some(pc)) => html! {
            <img class="shop-img" alt="" width={pc.width.to_string()} height={pc.height.to_string()}
                src={format!("data:{};base64,{}", pc.mime, pc.data)} />
        },
        _ => html! { <span class="shop-img placeholder"></span> },
    }
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    id: i64,
    customer: bool,
    on_cart: Callback<Cart>,
    on_close: Callback<()>,
}

#[function_component(ListingDetail)]
fn listing_detail(p: &DetailProps) -> Html {
    let listing = use_state(|| None::<Result<Listing, ApiError>>);
    let chosen = use_state(|| None::<i64>);
    let qty = use_state(|| "1".to_string());
    let error = use_state(|| None::<ApiError>);
    let added = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let node = use_node_ref();
    {
        // Asked again on opening: the stock shown is the stock now.
        let (listing, chosen, node) = (listing.clone(), chosen.clone(), node.clone());
        use_effect_with(p.id, move |id| {
            let id = *id;
            spawn_local(async move {
                let l = call::<GetListing>(&ListingRef { id }).await;
                if let Ok(l) = &l {
                    // The first variant in stock, else the first.
                    let first = l
                        .variants
                        .iter()
                        .find(|v| v.stock > 0)
                        .or(l.variants.first());
                    chosen.set(first.map(|v| v.product_id));
                }
                listing.set(Some(l));
                if let Some(el) = node.cast::<web_sys::Element>() {
                    el.scroll_into_view();
                }
            });
        });
    }
    let close = {
        let on_close = p.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let body = match &*listing {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(l)) => {
            let add = {
                let (chosen, qty, error, added, busy, on_cart) = (
                    chosen.clone(),
                    qty.clone(),
                    error.clone(),
                    added.clone(),
                    busy.clone(),
                    p.on_cart.clone(),
                );
                let variants = l.variants.clone();
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    let Some(product_id) = *chosen else { return };
                    // Text that is no number goes as 0 (NaN would reach the core as null): refused by name.
                    let quantity = qty.trim().parse::<f64>().unwrap_or(0.0);
                    let label = variants
                        .iter()
                        .find(|v| v.product_id == product_id)
                        .map(|v| v.label.clone())
                        .unwrap_or_default();
                    let (error, added, busy, on_cart) =
                        (error.clone(), added.clone(), busy.clone(), on_cart.clone());
                    busy.set(true);
                    spawn_local(async move {
                        match call::<AddToCart>(&CartChange {
                            product_id,
                            quantity,
                        })
                        .await
                        {
                            Ok(cart) => {
                                error.set(None);
                                added.set(Some(format!("Added to the cart: {label}.")));
                                on_cart.emit(cart);
                            }
                            Err(err) => {
                                added.set(None);
                                error.set(Some(err));
                            }
                        }
                        busy.set(false);
                    });
                })
            };
            let variant = |v: &Variant| {
                let sel = *chosen == Some(v.product_id);
                let (chosen, id) = (chosen.clone(), v.product_id);
                html! {
                    <button type="button" class={classes!("shop-variant", (!sel).then_some("secondary"), (v.stock <= 0).then_some("out"))}
                        data-product-id={v.product_id.to_string()} aria-pressed={sel.to_string()}
                        onclick={Callback::from(move |_: MouseEvent| chosen.set(Some(id)))}>
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
            let bad_qty = super::about(&error, &["quantity"]);
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
                        <form class="shop-add-form" onsubmit={add}>
                            <div>
                                <label for="shop-qty">{ "Quantity" }</label>
                                <input id="shop-qty" type="number" min="1" step="1" inputmode="numeric" value={(*qty).clone()} oninput={on_qty}
                                    class={bad_qty.then_some("invalid")} aria-invalid={bad_qty.then_some("true")} />
                                { field_error(&error, "shop-qty", &["quantity"]) }
                            </div>
                            <button type="submit" id="shop-add" disabled={*busy || chosen.is_none()}>{ "Add to cart" }</button>
                        </form>
                        { form_error("shop-add-error", &error, &["quantity"]) }
                        if let Some(msg) = &*added { <p class="ok" id="shop-added" role="status">{ msg.clone() }</p> }
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
