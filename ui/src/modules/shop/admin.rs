//! The admin tabs for listings (name, description, category, variants and picture) and the
//! shop's settings (postcode rules, default country). Delivery slots are in `slots.rs`.

use super::catalogue::{ListingPicture, forget_picture};
use super::{checked_of, field_error, form_error, value_of};
use crate::common::ipc::call;
use crate::common::widgets::error_line;
use portdesk_types::ApiError;
use portdesk_types::api::*;
use portdesk_types::procurement::{Product, ProductQuery, money};
use portdesk_types::shop::*;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

fn edit_of(l: &Listing) -> ListingEdit {
    ListingEdit {
        id: Some(l.id),
        version: Some(l.version),
        name: l.name.clone(),
        description: l.description.clone(),
        category: l.category.clone(),
        active: l.active,
        variants: l
            .variants
            .iter()
            .map(|v| VariantEdit {
                product_id: v.product_id,
                size: v.size.clone(),
                colour: v.colour.clone(),
                weight: v.weight.clone(),
                flavour: v.flavour.clone(),
            })
            .collect(),
    }
}

#[derive(Properties, PartialEq)]
pub struct ListingsProps {
    /// No file picker at a kiosk.
    pub kiosk: bool,
}

#[function_component(Listings)]
pub fn listings(p: &ListingsProps) -> Html {
    let page = use_state(|| None::<Result<CataloguePage, ApiError>>);
    let products = use_state(Vec::<Product>::new);
    let editing = use_state(|| None::<ListingEdit>);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| None::<String>);
    let reload = use_state(|| 0u32);
    {
        let page = page.clone();
        use_effect_with(*reload, move |_| {
            let q = CatalogueQuery {
                include_inactive: true,
                limit: 500,
                ..Default::default()
            };
            spawn_local(async move { page.set(Some(call::<Catalogue>(&q).await)) });
        });
    }
    {
        let products = products.clone();
        use_effect_with((), move |_| {
            let q = ProductQuery {
                limit: 1000,
                ..Default::default()
            };
            spawn_local(async move {
                if let Ok(pg) = call::<OrderProducts>(&q).await {
                    products.set(pg.rows);
                }
            });
        });
    }
    let open = |l: Option<&Listing>| {
        let (editing, error, saved) = (editing.clone(), error.clone(), saved.clone());
        let e = l.map(edit_of).unwrap_or(ListingEdit {
            active: true,
            variants: vec![VariantEdit::default()],
            ..Default::default()
        });
        Callback::from(move |_: MouseEvent| {
            error.set(None);
            saved.set(None);
            editing.set(Some(e.clone()));
        })
    };
    let table = match &*page {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(pg)) => html! {
            <table id="listings">
                <thead><tr><th>{ "Listing" }</th><th>{ "Category" }</th><th class="num">{ "Variants" }</th><th class="num">{ "From" }</th><th>{ "Picture" }</th><th></th></tr></thead>
                <tbody>{ for pg.rows.iter().map(|l| html! {
                    <tr class={classes!("listing-row", (!l.active).then_some("muted"))} data-listing-id={l.id.to_string()}>
                        <td>{ l.name.clone() }{ if l.active { "" } else { " (inactive)" } }</td>
                        <td>{ l.category.clone() }</td>
                        <td class="num">{ l.variants.len() }</td>
                        <td class="num">{ l.price_from().map(money).unwrap_or_default() }</td>
                        <td>{ if l.has_picture { "yes" } else { "" } }</td>
                        <td><button type="button" class="link listing-edit" onclick={open(Some(l))}>{ "Edit" }</button></td>
                    </tr>
                }) }</tbody>
            </table>
        },
    };
    let on_saved = {
        let (editing, saved, reload) = (editing.clone(), saved.clone(), reload.clone());
        Callback::from(move |l: Listing| {
            saved.set(Some(format!("Saved {}.", l.name)));
            editing.set(Some(edit_of(&l)));
            reload.set(*reload + 1);
        })
    };
    html! {
        <>
            <div class="card" id="shop-listings">
                <div class="actions" style="margin:0 0 .6rem">
                    <h2 style="flex:1;margin:0">{ "Listings" }</h2>
                    <button type="button" id="listing-new" onclick={open(None)}>{ "New listing" }</button>
                </div>
                { table }
            </div>
            if editing.is_some() {
                <ListingEditor editing={editing.clone()} error={error.clone()} products={(*products).clone()} kiosk={p.kiosk} on_saved={on_saved} />
                if let Some(s) = &*saved { <p class="ok" id="listing-saved">{ s.clone() }</p> }
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct EditorProps {
    editing: UseStateHandle<Option<ListingEdit>>,
    error: UseStateHandle<Option<ApiError>>,
    products: Vec<Product>,
    kiosk: bool,
    on_saved: Callback<Listing>,
}

#[function_component(ListingEditor)]
fn listing_editor(p: &EditorProps) -> Html {
    let path = use_state(String::new);
    let pic_error = use_state(|| None::<ApiError>);
    // Bumped after a new picture: the preview is fetched again.
    let pic_version = use_state(|| 0u32);
    let Some(e) = (*p.editing).clone() else {
        return html! {};
    };
    let (editing, error) = (p.editing.clone(), p.error.clone());
    let set = |f: fn(&mut ListingEdit, String)| {
        let editing = editing.clone();
        Callback::from(move |ev: InputEvent| {
            if let Some(mut l) = (*editing).clone() {
                f(
                    &mut l,
                    ev.target_unchecked_into::<web_sys::HtmlInputElement>()
                        .value(),
                );
                editing.set(Some(l));
            }
        })
    };
    let set_variant = |i: usize, f: fn(&mut VariantEdit, String)| {
        let editing = editing.clone();
        Callback::from(move |ev: Event| {
            if let Some(mut l) = (*editing).clone() {
                if let Some(v) = l.variants.get_mut(i) {
                    f(v, value_of(&ev));
                }
                editing.set(Some(l));
            }
        })
    };
    let remove_variant = |i: usize| {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(mut l) = (*editing).clone() {
                l.variants.remove(i);
                editing.set(Some(l));
            }
        })
    };
    let add_variant = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(mut l) = (*editing).clone() {
                l.variants.push(VariantEdit::default());
                editing.set(Some(l));
            }
        })
    };
    let on_active = {
        let editing = editing.clone();
        Callback::from(move |ev: Event| {
            if let Some(mut l) = (*editing).clone() {
                l.active = checked_of(&ev);
                editing.set(Some(l));
            }
        })
    };
    let save = {
        let (error, on_saved) = (error.clone(), p.on_saved.clone());
        let req = e.clone();
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            let (error, on_saved, req) = (error.clone(), on_saved.clone(), req.clone());
            spawn_local(async move {
                match call::<SaveListing>(&req).await {
                    Ok(l) => {
                        error.set(None);
                        on_saved.emit(l);
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let close = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(None))
    };
    let product_options = |chosen: i64| {
        let known = p.products.iter().any(|x| x.id == chosen);
        html! {
            <>
                <option value="0" selected={chosen == 0}>{ "Choose a product…" }</option>
                // A product no longer active keeps its row, named by its id.
                if chosen != 0 && !known { <option value={chosen.to_string()} selected=true>{ format!("Product #{chosen}") }</option> }
                { for p.products.iter().map(|x| html! {
                    <option value={x.id.to_string()} selected={x.id == chosen}>{ format!("{} · {} · {}", x.sku, x.name, money(x.unit_price)) }</option>
                }) }
            </>
        }
    };
    let variant_row = |(i, v): (usize, &VariantEdit)| {
        let attr = |cls: &'static str,
                    label: &'static str,
                    value: &str,
                    f: fn(&mut VariantEdit, String)| {
            html! {
                <td><input type="text" class={cls} aria-label={label} value={value.to_string()} oninput={set_variant(i, f).reform(|ev: InputEvent| Event::from(ev))} /></td>
            }
        };
        html! {
            <tr class="variant-row" data-index={i.to_string()}>
                <td><select class="variant-product" aria-label="Product" onchange={set_variant(i, |v, s| v.product_id = s.parse().unwrap_or(0))}>{ product_options(v.product_id) }</select></td>
                { attr("variant-size", "Size", &v.size, |v, s| v.size = s) }
                { attr("variant-colour", "Colour", &v.colour, |v, s| v.colour = s) }
                { attr("variant-weight", "Weight", &v.weight, |v, s| v.weight = s) }
                { attr("variant-flavour", "Flavour", &v.flavour, |v, s| v.flavour = s) }
                <td><button type="button" class="secondary variant-remove" onclick={remove_variant(i)}>{ "Remove" }</button></td>
            </tr>
        }
    };
    let choose = {
        let (path, pic_error) = (path.clone(), pic_error.clone());
        Callback::from(move |_: MouseEvent| {
            let (path, pic_error) = (path.clone(), pic_error.clone());
            spawn_local(async move {
                match crate::common::ipc::open_image_dialog().await {
                    Ok(Some(p)) => path.set(p),
                    Ok(None) => {}
                    Err(m) => pic_error.set(Some(ApiError::new(
                        portdesk_types::ErrorKind::Internal,
                        format!("The file dialog cannot open ({m}): type the file's path instead."),
                    ))),
                }
            });
        })
    };
    let set_picture = {
        let (path, pic_error, pic_version, on_saved) = (
            path.clone(),
            pic_error.clone(),
            pic_version.clone(),
            p.on_saved.clone(),
        );
        let id = e.id;
        Callback::from(move |_: MouseEvent| {
            let Some(listing_id) = id else { return };
            let req = SetPicture {
                listing_id,
                path: path.trim().to_string(),
            };
            let (pic_error, pic_version, on_saved) =
                (pic_error.clone(), pic_version.clone(), on_saved.clone());
            spawn_local(async move {
                match call::<SetListingPicture>(&req).await {
                    Ok(l) => {
                        pic_error.set(None);
                        forget_picture(listing_id);
                        pic_version.set(*pic_version + 1);
                        on_saved.emit(l);
                    }
                    Err(err) => pic_error.set(Some(err)),
                }
            });
        })
    };
    let names = [
        "name",
        "description",
        "category",
        "active",
        "variants",
        "product_id",
    ];
    html! {
        <form class="card" id="listing-editor" onsubmit={save}>
            <h3>{ if e.id.is_some() { "Edit listing" } else { "New listing" } }</h3>
            <div class="grid2">
                <div>
                    <label for="listing-name">{ "Name" }</label>
                    <input id="listing-name" type="text" value={e.name.clone()} oninput={set(|l, v| l.name = v)} />
                    { field_error(&error, "listing-name", &["name"]) }
                </div>
                <div>
                    <label for="listing-category">{ "Category" }</label>
                    <input id="listing-category" type="text" value={e.category.clone()} oninput={set(|l, v| l.category = v)} />
                    { field_error(&error, "listing-category", &["category"]) }
                </div>
            </div>
            <label for="listing-description">{ "Description" }</label>
            <textarea id="listing-description" rows="3" value={e.description.clone()} oninput={set(|l, v| l.description = v)} />
            { field_error(&error, "listing-description", &["description"]) }
            <label class="check"><input type="checkbox" id="listing-active" checked={e.active} onchange={on_active} />{ " Sold (active)" }</label>
            <h3>{ "Variants" }</h3>
            <p class="muted">{ "Each variant is a product of the catalogue: its own SKU, price and stock." }</p>
            <table id="listing-variants">
                <thead><tr><th>{ "Product" }</th><th>{ "Size" }</th><th>{ "Colour" }</th><th>{ "Weight" }</th><th>{ "Flavour" }</th><th></th></tr></thead>
                <tbody>{ for e.variants.iter().enumerate().map(variant_row) }</tbody>
            </table>
            { field_error(&error, "listing-variants", &["variants", "product_id", "size", "colour", "weight", "flavour"]) }
            <div class="actions">
                <button type="button" class="secondary" id="variant-add" onclick={add_variant}>{ "Add a variant" }</button>
                <button type="submit" id="listing-save">{ "Save listing" }</button>
                <button type="button" class="secondary" id="listing-close" onclick={close}>{ "Close" }</button>
            </div>
            { form_error("listing-error", &error, &names) }
            <h3>{ "Picture" }</h3>
            if let Some(id) = e.id {
                <div class="shop-detail-pic"><ListingPicture key={format!("{id}-{}", *pic_version)} listing_id={id} /></div>
                if p.kiosk {
                    <p class="muted">{ "Pictures are set from a staff desktop." }</p>
                } else {
                    <div class="grid2">
                        <div>
                            <label for="listing-picture-path">{ "Picture file (PNG, JPEG, GIF or WebP, up to 10 MB)" }</label>
                            <input id="listing-picture-path" type="text" value={(*path).clone()}
                                oninput={{ let path = path.clone(); Callback::from(move |ev: InputEvent| path.set(ev.target_unchecked_into::<web_sys::HtmlInputElement>().value())) }} />
                        </div>
                        <div class="actions" style="align-items:end">
                            <button type="button" class="secondary" id="listing-picture-choose" onclick={choose}>{ "Choose…" }</button>
                            <button type="button" id="listing-picture-set" onclick={set_picture} disabled={path.trim().is_empty()}>{ "Set picture" }</button>
                        </div>
                    </div>
                    { error_line("listing-picture-error", &pic_error) }
                }
            } else {
                <p class="muted">{ "Save the listing first, then choose its picture." }</p>
            }
        </form>
    }
}

#[function_component(ShopSettingsCard)]
pub fn shop_settings_card() -> Html {
    let settings = use_state(|| None::<ShopSettings>);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    {
        let (settings, error) = (settings.clone(), error.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match call::<GetShopSettings>(&()).await {
                    Ok(s) => settings.set(Some(s)),
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    let Some(s) = (*settings).clone() else {
        return html! { <div class="card" id="shop-settings">{ error_line("shop-settings-error", &error) }</div> };
    };
    let set = |f: fn(&mut ShopSettings, String)| {
        let (settings, saved) = (settings.clone(), saved.clone());
        Callback::from(move |ev: InputEvent| {
            if let Some(mut s) = (*settings).clone() {
                f(
                    &mut s,
                    ev.target_unchecked_into::<web_sys::HtmlInputElement>()
                        .value(),
                );
                saved.set(false);
                settings.set(Some(s));
            }
        })
    };
    let save = {
        let (settings, error, saved) = (settings.clone(), error.clone(), saved.clone());
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            let Some(req) = (*settings).clone() else {
                return;
            };
            let (settings, error, saved) = (settings.clone(), error.clone(), saved.clone());
            spawn_local(async move {
                match call::<SaveShopSettings>(&req).await {
                    Ok(s) => {
                        error.set(None);
                        saved.set(true);
                        settings.set(Some(s));
                    }
                    Err(e) => {
                        saved.set(false);
                        error.set(Some(e));
                    }
                }
            });
        })
    };
    html! {
        <form class="card" id="shop-settings" onsubmit={save}>
            <h2>{ "Shop settings" }</h2>
            <label for="shop-postcode-rules">{ "Postcode rules" }</label>
            <textarea id="shop-postcode-rules" rows="6" value={s.postcode_rules.clone()} oninput={set(|s, v| s.postcode_rules = v)}
                placeholder="IN ^[0-9]{6}$" />
            <div class="hint">{ "One rule a line: a two-letter country code, a space and a regular expression (IN ^[0-9]{6}$). A country without a rule takes 2 to 10 letters, digits, spaces or dashes." }</div>
            { field_error(&error, "shop-postcode-rules", &["postcode_rules"]) }
            <label for="shop-default-country">{ "Default country (two letters)" }</label>
            <input id="shop-default-country" type="text" value={s.default_country.clone()} oninput={set(|s, v| s.default_country = v)} />
            { field_error(&error, "shop-default-country", &["default_country"]) }
            <div class="actions"><button type="submit" id="shop-settings-save">{ "Save" }</button></div>
            { form_error("shop-settings-error", &error, &["postcode_rules", "default_country"]) }
            if *saved { <p class="ok" id="shop-settings-saved">{ "Saved." }</p> }
        </form>
    }
}
