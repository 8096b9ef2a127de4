//! The catalogue: search as you type, a category filter, grid or list, and a listing's detail
//! with its variants (`catalogue/detail.rs`); customers add a variant to the cart from there.

mod detail;
mod picture;

use super::value_of;
use crate::common::data::{use_action, use_command};
use detail::ListingDetail;
use gloo_timers::callback::Timeout;
pub(super) use picture::{ListingPicture, forget_picture};
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::shop::*;
use yew::prelude::*;

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
    let open = use_state(|| None::<i64>);
    let timer = use_mut_ref(|| None::<Timeout>);
    let query = CatalogueQuery {
        search: (*search).clone(),
        category: (*category).clone(),
        ..Default::default()
    };
    let page = use_command::<Catalogue>(query.clone());
    let more = use_action::<Catalogue>();
    // The query on screen now: a "Show more" answered after the search changed is dropped.
    let current = use_mut_ref(CatalogueQuery::default);
    *current.borrow_mut() = query.clone();
    {
        // A new search starts over: a failed "Show more" is forgotten.
        let more = more.clone();
        use_effect_with(query.clone(), move |_| {
            if more.error().is_some() {
                more.clear();
            }
        });
    }
    // A failed "Show more" shows in place of the list, as a failed search does.
    let shown = match more.error() {
        Some(e) => Some(Err(e)),
        None => page.answer(),
    };
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
    let categories = match shown {
        Some(Ok(pg)) => pg.categories.clone(),
        _ => Vec::new(),
    };
    // The next page, appended (the core pages by 60); a new search starts over.
    let on_more = {
        let (page, more, current) = (page.clone(), more.clone(), current.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(so_far) = page.data().cloned() else {
                return;
            };
            let req = CatalogueQuery {
                offset: so_far.rows.len() as u32,
                ..query.clone()
            };
            let (page, current, asked) = (page.clone(), current.clone(), query.clone());
            more.run(req, move |next| {
                if *current.borrow() != asked {
                    return;
                }
                let mut all = so_far;
                all.rows.extend(next.rows);
                all.total = next.total;
                page.replace(all);
            });
        })
    };
    let results = match shown {
        Some(Ok(pg)) if pg.rows.is_empty() => {
            html! { <p class="muted" id="shop-empty">{ "Nothing matches." }</p> }
        }
        Some(Ok(pg)) => html! {
            <>
                <p class="muted" id="shop-count">{ format!("{} product(s)", pg.total) }</p>
                <div id="shop-results" class={if *list_view { "shop-list" } else { "shop-grid" }}>
                    { for pg.rows.iter().map(|l| card(l, &open)) }
                </div>
                if (pg.rows.len() as u64) < pg.total {
                    <div class="actions">
                        <button type="button" class="secondary" id="shop-more" onclick={on_more}>
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

/// A listing's card in the results; a click opens its detail.
fn card(l: &Listing, open: &UseStateHandle<Option<i64>>) -> Html {
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
}
