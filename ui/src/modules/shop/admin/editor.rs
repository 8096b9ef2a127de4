//! The listing editor: name, category, description, whether it is sold, its variants and
//! (once saved) its picture.

use super::picture::PictureEditor;
use super::variants::Variants;
use crate::modules::shop::{checked_of, field_error, form_error};
use portdesk_types::ApiError;
use portdesk_types::procurement::Product;
use portdesk_types::shop::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct EditorProps {
    pub editing: UseStateHandle<Option<ListingEdit>>,
    /// The last save's refusal.
    pub error: Option<ApiError>,
    pub products: Vec<Product>,
    pub kiosk: bool,
    pub on_save: Callback<ListingEdit>,
    pub on_saved: Callback<Listing>,
}

/// The fields the core may name in a refused save.
const NAMES: [&str; 6] = [
    "name",
    "description",
    "category",
    "active",
    "variants",
    "product_id",
];

#[function_component(ListingEditor)]
pub(super) fn listing_editor(p: &EditorProps) -> Html {
    let Some(e) = (*p.editing).clone() else {
        return html! {};
    };
    let (editing, error) = (p.editing.clone(), &p.error);
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
    let on_variants = {
        let editing = editing.clone();
        Callback::from(move |variants: Vec<VariantEdit>| {
            if let Some(mut l) = (*editing).clone() {
                l.variants = variants;
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
        let (on_save, req) = (p.on_save.clone(), e.clone());
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            on_save.emit(req.clone());
        })
    };
    let close = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(None))
    };
    html! {
        <form class="card" id="listing-editor" onsubmit={save}>
            <h3>{ if e.id.is_some() { "Edit listing" } else { "New listing" } }</h3>
            <div class="grid2">
                <div>
                    <label for="listing-name">{ "Name" }</label>
                    <input id="listing-name" type="text" value={e.name.clone()} oninput={set(|l, v| l.name = v)} />
                    { field_error(error, "listing-name", &["name"]) }
                </div>
                <div>
                    <label for="listing-category">{ "Category" }</label>
                    <input id="listing-category" type="text" value={e.category.clone()} oninput={set(|l, v| l.category = v)} />
                    { field_error(error, "listing-category", &["category"]) }
                </div>
            </div>
            <label for="listing-description">{ "Description" }</label>
            <textarea id="listing-description" rows="3" value={e.description.clone()} oninput={set(|l, v| l.description = v)} />
            { field_error(error, "listing-description", &["description"]) }
            <label class="check"><input type="checkbox" id="listing-active" checked={e.active} onchange={on_active} />{ " Sold (active)" }</label>
            <h3>{ "Variants" }</h3>
            <p class="muted">{ "Each variant is a product of the catalogue: its own SKU, price and stock." }</p>
            <Variants variants={e.variants.clone()} products={p.products.clone()} on_change={on_variants} />
            { field_error(error, "listing-variants", &["variants", "product_id", "size", "colour", "weight", "flavour"]) }
            <div class="actions">
                <button type="button" class="secondary" id="variant-add" onclick={add_variant}>{ "Add a variant" }</button>
                <button type="submit" id="listing-save">{ "Save listing" }</button>
                <button type="button" class="secondary" id="listing-close" onclick={close}>{ "Close" }</button>
            </div>
            { form_error("listing-error", error, &NAMES) }
            <h3>{ "Picture" }</h3>
            <PictureEditor listing_id={e.id} kiosk={p.kiosk} on_saved={p.on_saved.clone()} />
        </form>
    }
}
