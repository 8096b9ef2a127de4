//! The admin tabs for listings (name, description, category, variants and picture; the editor
//! is in `admin/`) and the shop's settings (postcode rules, default country, in
//! `admin/settings.rs`). Delivery slots are in `slots.rs`.

mod editor;
mod picture;
mod settings;
mod variants;

use crate::common::data::{use_action, use_command};
use editor::ListingEditor;
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::procurement::ProductQuery;
use portdesk_types::shop::*;
pub use settings::ShopSettingsCard;
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
    let page = use_command::<Catalogue>(CatalogueQuery {
        include_inactive: true,
        limit: 500,
        ..Default::default()
    });
    // Without the products (not readable, say) the editor offers none to choose.
    let products = use_command::<OrderProducts>(ProductQuery {
        limit: 1000,
        ..Default::default()
    });
    let editing = use_state(|| None::<ListingEdit>);
    let save = use_action::<SaveListing>();
    let saved = use_state(|| None::<String>);
    let open = |l: Option<&Listing>| {
        let (editing, save, saved) = (editing.clone(), save.clone(), saved.clone());
        let e = l.map(edit_of).unwrap_or(ListingEdit {
            active: true,
            variants: vec![VariantEdit::default()],
            ..Default::default()
        });
        Callback::from(move |_: MouseEvent| {
            save.clear();
            saved.set(None);
            editing.set(Some(e.clone()));
        })
    };
    let table = match page.answer() {
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
    // The listing as stored now, after a save or a new picture.
    let on_saved = {
        let (editing, saved, reload) = (editing.clone(), saved.clone(), page.reload());
        Callback::from(move |l: Listing| {
            saved.set(Some(format!("Saved {}.", l.name)));
            editing.set(Some(edit_of(&l)));
            reload.emit(());
        })
    };
    let on_save = {
        let (save, on_saved) = (save.clone(), on_saved.clone());
        Callback::from(move |req: ListingEdit| {
            let on_saved = on_saved.clone();
            save.run(req, move |l| on_saved.emit(l));
        })
    };
    let products = products
        .data()
        .map(|pg| pg.rows.clone())
        .unwrap_or_default();
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
                <ListingEditor editing={editing.clone()} error={save.error().clone()} {products} kiosk={p.kiosk} {on_save} {on_saved} />
                if let Some(s) = &*saved { <p class="ok" id="listing-saved">{ s.clone() }</p> }
            }
        </>
    }
}
