//! The catalogue and suppliers tabs: search, create, edit, deactivate; Excel in and out.

use super::product_editor::{ProductEditor, edit_of};
use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, error_line, import_issues};
use portdesk_types::accounts::{ExportRequest, ImportMode};
use portdesk_types::api::*;
use portdesk_types::money::money;
use portdesk_types::procurement::*;
use yew::prelude::*;

#[function_component(Catalogue)]
pub fn catalogue() -> Html {
    let query = use_state(|| ProductQuery {
        include_inactive: true,
        ..Default::default()
    });
    // The list follows the query; both reload after a save, an adjustment or an import.
    let page = use_command::<ListProducts>((*query).clone());
    let suppliers = use_command::<ListSuppliers>(());
    let reload = {
        let (page, suppliers) = (page.reload(), suppliers.reload());
        Callback::from(move |_: ()| {
            page.emit(());
            suppliers.emit(());
        })
    };
    let editing = use_state(|| None::<ProductEdit>);
    let import_path = use_state(String::new);
    let export_path = use_state(String::new);
    let import = use_action::<ImportProducts>();
    let export = use_action::<ExportProducts>();
    let on_import = |mode: ImportMode| {
        let (import, path, reload) = (import.clone(), import_path.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let req = CatalogueImport {
                path: (*path).clone(),
                mode,
            };
            let reload = reload.clone();
            import.run(req, move |_| reload.emit(()));
        })
    };
    let on_export = {
        let (export, path, query) = (export.clone(), export_path.clone(), query.clone());
        Callback::from(move |_: MouseEvent| {
            let req = ExportRequest {
                path: (*path).clone(),
                query: (*query).clone(),
            };
            export.run(req, |_| ());
        })
    };
    let editor = match &*editing {
        Some(e) => {
            let reload = reload.clone();
            let suppliers = suppliers.data().cloned().unwrap_or_default();
            let ed = editing.clone();
            html! { <ProductEditor edit={e.clone()} suppliers={suppliers}
            on_changed={reload}
            on_close={Callback::from(move |_| ed.set(None))} /> }
        }
        None => html! {},
    };
    let open = |p: &Product| {
        let (editing, p) = (editing.clone(), edit_of(p));
        Callback::from(move |_: MouseEvent| editing.set(Some(p.clone())))
    };
    let new = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| {
            editing.set(Some(ProductEdit {
                active: true,
                unit_price: "0.00".into(),
                ..Default::default()
            }))
        })
    };
    html! {
        <>
            <div class="card">
                <h2>{ "Catalogue" }</h2>
                <div class="grid2">
                    <div><Field id="cat-search" label="Search" value={query.search.clone()} oninput={{ let q = query.clone(); Callback::from(move |v| q.set(ProductQuery { search: v, offset: 0, ..(*q).clone() })) }} /></div>
                    <div class="actions" style="align-items:end">
                        <button class="secondary" id="cat-low" onclick={{ let q = query.clone(); Callback::from(move |_: MouseEvent| q.set(ProductQuery { low_only: !q.low_only, ..(*q).clone() })) }}>{ if query.low_only { "Show all" } else { "Low stock only" } }</button>
                        <button id="cat-new" onclick={new}>{ "New product" }</button>
                    </div>
                </div>
                { page.view("cat-error", |pg| html! {
                        <>
                        <p class="muted">{ format!("{} product(s)", pg.total) }</p>
                        <table id="catalogue">
                            <thead><tr><th>{ "SKU" }</th><th>{ "Name" }</th><th>{ "Supplier" }</th><th class="num">{ "Price" }</th><th class="num">{ "Stock" }</th><th class="num">{ "Level" }</th><th class="num">{ "On order" }</th><th></th></tr></thead>
                            <tbody>{ for pg.rows.iter().map(|p| html! {
                                <tr data-sku={p.sku.clone()} class={(!p.active).then_some("muted")}>
                                    <td>{ p.sku.clone() }</td><td>{ p.name.clone() }{ if p.active { "" } else { " (inactive)" } }</td>
                                    <td>{ p.supplier.clone().unwrap_or_default() }</td><td class="num">{ money(p.unit_price) }</td>
                                    <td class="num stock">{ p.stock }</td><td class="num">{ p.reorder_level }</td><td class="num">{ p.on_order }</td>
                                    <td><button class="link" onclick={open(p)}>{ "Edit" }</button></td>
                                </tr>
                            }) }</tbody>
                        </table>
                        </>
                }) }
            </div>
            { editor }
            <div class="card">
                <h3>{ "Excel" }</h3>
                <div class="grid2">
                    <div><Field id="cat-import-path" label="Import from (.xlsx)" value={(*import_path).clone()} oninput={{ let s = import_path.clone(); Callback::from(move |v| s.set(v)) }}
                        hint="Columns: SKU, Name, Description, Category, Unit price, Stock, Reorder level, Reorder quantity, Pack size, Supplier. A known SKU updates its product (its stock stays: use Adjust stock)." /></div>
                    <div><Field id="cat-export-path" label="Export to (.xlsx)" value={(*export_path).clone()} oninput={{ let s = export_path.clone(); Callback::from(move |v| s.set(v)) }} hint="Empty: a dated file in your Downloads folder." /></div>
                </div>
                <div class="actions">
                    <button class="secondary" id="cat-check" onclick={on_import(ImportMode::Check)}>{ "Check the sheet" }</button>
                    <button id="cat-import" onclick={on_import(ImportMode::AllOrNothing)}>{ "Import (all or nothing)" }</button>
                    <button class="secondary" id="cat-import-valid" onclick={on_import(ImportMode::ValidRowsOnly)}>{ "Import valid rows only" }</button>
                    <button class="secondary" id="cat-export" onclick={on_export}>{ "Export" }</button>
                </div>
                { match (import.error(), import.done()) {
                    (Some(e), _) => html! { <p class="error" id="cat-import-report">{ e.message.clone() }</p> },
                    (None, Some(r)) => html! {
                        <div id="cat-import-report">
                            <p class={if r.issues.is_empty() { "ok" } else { "error" }}>{ format!("{} row(s), {} valid, {} applied, {} problem(s)", r.rows, r.valid, r.created, r.issues.len()) }</p>
                            { import_issues("cat-import-issues", &r.issues) }
                        </div>
                    },
                    (None, None) => html! {},
                } }
                { match (export.error(), export.done()) {
                    (Some(e), _) => html! { <p class="error" id="cat-export-result">{ e.message.clone() }</p> },
                    (None, Some(r)) => html! { <p class="ok" id="cat-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p> },
                    (None, None) => html! {},
                } }
            </div>
        </>
    }
}

#[function_component(Suppliers)]
pub fn suppliers() -> Html {
    let list = use_command::<ListSuppliers>(());
    let editing = use_state(|| None::<SupplierEdit>);
    let save = use_action::<SaveSupplier>();
    let field = |f: fn(&mut SupplierEdit, String)| {
        let editing = editing.clone();
        Callback::from(move |v: String| {
            if let Some(mut e) = (*editing).clone() {
                f(&mut e, v);
                editing.set(Some(e));
            }
        })
    };
    let on_save = {
        let (editing, save, reload) = (editing.clone(), save.clone(), list.reload());
        Callback::from(move |_: MouseEvent| {
            let Some(e) = (*editing).clone() else { return };
            let (editing, reload) = (editing.clone(), reload.clone());
            save.run(e, move |_| {
                editing.set(None);
                reload.emit(());
            });
        })
    };
    let open = |s: &Supplier| {
        let editing = editing.clone();
        let e = SupplierEdit {
            id: Some(s.id),
            name: s.name.clone(),
            email: s.email.clone().unwrap_or_default(),
            phone: s.phone.clone().unwrap_or_default(),
            lead_time_days: s.lead_time_days,
            active: s.active,
            version: Some(s.version),
        };
        Callback::from(move |_: MouseEvent| editing.set(Some(e.clone())))
    };
    html! {
        <>
            <div class="card">
                <h2>{ "Suppliers" }</h2>
                <div class="actions" style="margin-top:0"><button id="sup-new" onclick={{ let ed = editing.clone(); Callback::from(move |_: MouseEvent| ed.set(Some(SupplierEdit { active: true, lead_time_days: 7, ..Default::default() }))) }}>{ "New supplier" }</button></div>
                { match (list.data(), list.error()) {
                    (Some(l), _) => html! {
                        <table id="suppliers">
                            <thead><tr><th>{ "Name" }</th><th>{ "E-mail" }</th><th>{ "Phone" }</th><th class="num">{ "Lead time (days)" }</th><th></th></tr></thead>
                            <tbody>{ for l.iter().map(|s| html! {
                                <tr><td>{ s.name.clone() }{ if s.active { "" } else { " (inactive)" } }</td>
                                    <td>{ s.email.clone().unwrap_or_else(|| "none: requests are flagged \"cannot notify\"".into()) }</td>
                                    <td>{ s.phone.clone().unwrap_or_default() }</td><td class="num">{ s.lead_time_days }</td>
                                    <td><button class="link" onclick={open(s)}>{ "Edit" }</button></td></tr>
                            }) }</tbody>
                        </table>
                    },
                    (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
                    (None, None) => html! {},
                } }
            </div>
            if let Some(e) = &*editing {
                <div class="card" id="supplier-editor">
                    <div class="grid2">
                        <div><Field id="sup-name" label="Name" value={e.name.clone()} oninput={field(|e, v| e.name = v)} /></div>
                        <div><Field id="sup-email" label="E-mail" value={e.email.clone()} oninput={field(|e, v| e.email = v)} /></div>
                        <div><Field id="sup-phone" label="Phone" value={e.phone.clone()} oninput={field(|e, v| e.phone = v)} /></div>
                        <div><Field id="sup-lead" label="Lead time (days)" value={e.lead_time_days.to_string()} oninput={field(|e, v| e.lead_time_days = v.trim().parse().unwrap_or(u32::MAX))} /></div>
                    </div>
                    <div class="actions">
                        <button id="sup-save" onclick={on_save}>{ "Save" }</button>
                        <button class="secondary" onclick={{ let ed = editing.clone(); Callback::from(move |_: MouseEvent| ed.set(None)) }}>{ "Close" }</button>
                    </div>
                    { error_line("sup-error", save.error()) }
                </div>
            }
        </>
    }
}
