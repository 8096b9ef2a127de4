//! A listing's variants in the editor: each one a product of the catalogue, with its size,
//! colour, weight and flavour.

use crate::modules::shop::value_of;
use portdesk_types::money::money;
use portdesk_types::procurement::Product;
use portdesk_types::shop::VariantEdit;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct VariantsProps {
    pub variants: Vec<VariantEdit>,
    /// The products a variant may be.
    pub products: Vec<Product>,
    pub on_change: Callback<Vec<VariantEdit>>,
}

#[function_component(Variants)]
pub(super) fn variants(p: &VariantsProps) -> Html {
    let set_variant = |i: usize, f: fn(&mut VariantEdit, String)| {
        let (variants, on_change) = (p.variants.clone(), p.on_change.clone());
        Callback::from(move |ev: Event| {
            let mut variants = variants.clone();
            if let Some(v) = variants.get_mut(i) {
                f(v, value_of(&ev));
            }
            on_change.emit(variants);
        })
    };
    let remove_variant = |i: usize| {
        let (variants, on_change) = (p.variants.clone(), p.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let mut variants = variants.clone();
            variants.remove(i);
            on_change.emit(variants);
        })
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
    html! {
        <table id="listing-variants">
            <thead><tr><th>{ "Product" }</th><th>{ "Size" }</th><th>{ "Colour" }</th><th>{ "Weight" }</th><th>{ "Flavour" }</th><th></th></tr></thead>
            <tbody>{ for p.variants.iter().enumerate().map(variant_row) }</tbody>
        </table>
    }
}
