//! One product's editor: its fields (saved at the version they were read at: a stale save
//! is refused with what changed and offers to reload) and, for an existing product, a stock
//! adjustment with a reason — the form never writes stock.

use crate::common::data::use_action;
use crate::common::widgets::{Field, error_line, setter};
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::procurement::*;
use portdesk_types::{ApiError, ErrorKind};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// A count as typed; text that is no number is sent as -1, which the core refuses by name.
fn int(v: &str) -> i64 {
    v.trim().parse::<i64>().unwrap_or(-1)
}

/// The form of a product as read.
pub fn edit_of(p: &Product) -> ProductEdit {
    ProductEdit {
        id: Some(p.id),
        version: Some(p.version),
        sku: p.sku.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        category: p.category.clone(),
        unit_price: money(p.unit_price),
        stock: p.stock,
        reorder_level: p.reorder_level,
        reorder_quantity: p.reorder_quantity,
        pack_size: p.pack_size,
        supplier_id: p.supplier_id,
        active: p.active,
    }
}

#[derive(Properties, PartialEq)]
pub struct ProductEditorProps {
    pub edit: ProductEdit,
    pub suppliers: Vec<Supplier>,
    /// Something was stored (a save or an adjustment): the list reloads.
    pub on_changed: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(ProductEditor)]
pub fn product_editor(props: &ProductEditorProps) -> Html {
    let editing = use_state(|| props.edit.clone());
    {
        // Another product opened in the same editor.
        let editing = editing.clone();
        use_effect_with(props.edit.clone(), move |e| editing.set(e.clone()));
    }
    let save = use_action::<SaveProduct>();
    let reread = use_action::<ListProducts>();
    // The product is no longer found under its SKU.
    let gone = use_state(|| None::<ApiError>);
    // One error line: a new try forgets the last refusal.
    let error = [&*gone, save.error(), reread.error()]
        .into_iter()
        .find_map(Option::clone);
    let field = |f: fn(&mut ProductEdit, String)| {
        let editing = editing.clone();
        Callback::from(move |v: String| {
            let mut e = (*editing).clone();
            f(&mut e, v);
            editing.set(e);
        })
    };
    let on_save = {
        let (editing, save, reread, gone) =
            (editing.clone(), save.clone(), reread.clone(), gone.clone());
        let (changed, close) = (props.on_changed.clone(), props.on_close.clone());
        Callback::from(move |_: MouseEvent| {
            reread.clear();
            gone.set(None);
            let (changed, close) = (changed.clone(), close.clone());
            save.run((*editing).clone(), move |_| {
                changed.emit(());
                close.emit(());
            });
        })
    };
    // After a stale refusal: the product as stored now, the user's typing dropped. The list
    // reads it again too.
    let reload = {
        let (editing, save, reread, gone) =
            (editing.clone(), save.clone(), reread.clone(), gone.clone());
        let changed = props.on_changed.clone();
        Callback::from(move |_: MouseEvent| {
            let (Some(id), sku) = (editing.id, editing.sku.clone()) else {
                return;
            };
            save.clear();
            gone.set(None);
            let q = ProductQuery {
                search: sku,
                include_inactive: true,
                ..Default::default()
            };
            let (editing, gone) = (editing.clone(), gone.clone());
            reread.run(q, move |page| match page.rows.iter().find(|p| p.id == id) {
                Some(p) => editing.set(edit_of(p)),
                None => gone.set(Some(ApiError::new(
                    ErrorKind::NotFound,
                    "The product is no longer found under its SKU: close the form and search again.",
                ))),
            });
            changed.emit(());
        })
    };
    let on_supplier = {
        let editing = editing.clone();
        Callback::from(move |ev: Event| {
            let v = ev.target_unchecked_into::<HtmlSelectElement>().value();
            let mut e = (*editing).clone();
            e.supplier_id = v.parse().ok();
            editing.set(e);
        })
    };
    let toggle = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| {
            let mut e = (*editing).clone();
            e.active = !e.active;
            editing.set(e);
        })
    };
    let e = &*editing;
    let pack = e.pack_size.map(|p| p.to_string()).unwrap_or_default();
    let stale = matches!(&error, Some(err) if err.kind == ErrorKind::Stale);
    let close = {
        let close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| close.emit(()))
    };
    html! {
        <div class="card" id="product-editor">
            <h3>{ if e.id.is_some() { "Edit product" } else { "New product" } }</h3>
            <div class="grid3">
                <div><Field id="prod-sku" label="SKU" value={e.sku.clone()} oninput={field(|e, v| e.sku = v)} /></div>
                <div><Field id="prod-name" label="Name" value={e.name.clone()} oninput={field(|e, v| e.name = v)} /></div>
                <div><Field id="prod-category" label="Category" value={e.category.clone()} oninput={field(|e, v| e.category = v)} /></div>
                <div><Field id="prod-price" label="Unit price" value={e.unit_price.clone()} oninput={field(|e, v| e.unit_price = v)} /></div>
                { if e.id.is_none() {
                    html! { <div><Field id="prod-stock" label="Opening stock" value={e.stock.to_string()} oninput={field(|e, v| e.stock = int(&v))} /></div> }
                } else {
                    html! { <div><label>{ "Stock" }</label><p id="prod-stock-now">{ format!("{} (changes through orders, receipts and adjustments)", e.stock) }</p></div> }
                } }
                <div><Field id="prod-level" label="Reorder level" value={e.reorder_level.to_string()} oninput={field(|e, v| e.reorder_level = int(&v))} /></div>
                <div><Field id="prod-reorder" label="Reorder quantity" value={e.reorder_quantity.to_string()} oninput={field(|e, v| e.reorder_quantity = int(&v))} /></div>
                <div><Field id="prod-pack" label="Supplier pack size (optional)" value={pack} oninput={field(|e, v| e.pack_size = if v.trim().is_empty() { None } else { Some(v.trim().parse().unwrap_or(0)) })} /></div>
                <div>
                    <label for="prod-supplier">{ "Supplier" }</label>
                    <select id="prod-supplier" onchange={on_supplier}>
                        <option value="" selected={e.supplier_id.is_none()}>{ "None" }</option>
                        { for props.suppliers.iter().map(|s| html! { <option value={s.id.to_string()} selected={e.supplier_id == Some(s.id)}>{ s.name.clone() }</option> }) }
                    </select>
                </div>
            </div>
            <Field id="prod-description" label="Description" value={e.description.clone()} oninput={field(|e, v| e.description = v)} />
            <div class="actions">
                <button id="prod-save" onclick={on_save}>{ "Save" }</button>
                <button class="secondary" id="prod-active" onclick={toggle}>{ if e.active { "Deactivate" } else { "Activate" } }</button>
                <button class="secondary" onclick={close}>{ "Close" }</button>
                { if stale { html! { <button id="prod-reload" onclick={reload}>{ "Reload the product" }</button> } } else { html! {} } }
            </div>
            { error_line("prod-error", &error) }
            { match e.id {
                Some(id) => html! { <StockAdjuster product_id={id} on_adjusted={{
                    let (editing, changed) = (editing.clone(), props.on_changed.clone());
                    Callback::from(move |p: Product| {
                        let mut e = (*editing).clone();
                        e.stock = p.stock;
                        editing.set(e);
                        changed.emit(());
                    })
                }} /> },
                None => html! {},
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct StockAdjusterProps {
    product_id: i64,
    on_adjusted: Callback<Product>,
}

/// Stock counted up or down by hand, with a reason (audited).
#[function_component(StockAdjuster)]
fn stock_adjuster(props: &StockAdjusterProps) -> Html {
    let change = use_state(String::new);
    let reason = use_state(String::new);
    let adjust = use_action::<AdjustStock>();
    let on_adjust = {
        let (adjust, change, reason) = (adjust.clone(), change.clone(), reason.clone());
        let (id, done) = (props.product_id, props.on_adjusted.clone());
        Callback::from(move |_: MouseEvent| {
            let req = StockAdjustment {
                product_id: id,
                // Text that is no number is sent as 0, which the core refuses by name.
                change: change.trim().trim_start_matches('+').parse().unwrap_or(0),
                reason: (*reason).clone(),
            };
            let (change, reason, done) = (change.clone(), reason.clone(), done.clone());
            adjust.run(req, move |p| {
                change.set(String::new());
                reason.set(String::new());
                done.emit(p);
            });
        })
    };
    html! {
        <div class="grid3" id="stock-adjust">
            <div><Field id="adj-change" label="Adjust stock by (e.g. 5 or -3)" value={(*change).clone()} oninput={setter(&change)} /></div>
            <div><Field id="adj-reason" label="Reason" value={(*reason).clone()} oninput={setter(&reason)} /></div>
            <div class="actions" style="align-items:end"><button class="secondary" id="adj-apply" onclick={on_adjust}>{ "Adjust stock" }</button></div>
            { match (adjust.error(), adjust.done()) {
                (Some(e), _) => html! { <p class="error" id="adj-result" role="alert">{ e.message.clone() }</p> },
                (None, Some(p)) => html! { <p class="ok" id="adj-result">{ format!("Stock is now {}.", p.stock) }</p> },
                (None, None) => html! {},
            } }
        </div>
    }
}
