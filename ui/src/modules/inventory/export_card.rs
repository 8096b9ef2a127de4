//! The Inventory window's export card: exactly the rows shown, to .xlsx, with progress and
//! "Show in folder"; at a kiosk no path, no dialog and no file browser (the app names the file
//! in the kiosk's export folder). Run through the data layer (`use_action`, `use_job`).

use crate::common::data::{use_action, use_job};
use crate::common::ipc::{reveal_in_folder, save_xlsx_dialog};
use crate::common::widgets::Field;
use portdesk_types::accounts::ExportRequest;
use portdesk_types::api::ExportInventory;
use portdesk_types::inventory::InventoryFilter;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ExportProps {
    /// The filter of the rows on screen (with the customer's code).
    pub filter: InventoryFilter,
    pub kiosk: bool,
}

#[function_component(ExportCard)]
pub fn export_card(p: &ExportProps) -> Html {
    let export = use_action::<ExportInventory>();
    let path = use_state(String::new);
    let dialog = use_job();
    let folder = use_job();
    // The native dialog could not open: said where the result goes, until the next export
    // (so not the job's own error, which only the next dialog would clear).
    let dialog_error = use_state(|| None::<String>);
    let do_export = {
        let (export, path, filter, kiosk, dialog_error) = (
            export.clone(),
            path.clone(),
            p.filter.clone(),
            p.kiosk,
            dialog_error.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            dialog_error.set(None);
            let req = ExportRequest {
                query: filter.clone(),
                // A kiosk names the file itself, in its export folder.
                path: if kiosk {
                    String::new()
                } else {
                    (*path).clone()
                },
            };
            export.run(req, |_| ());
        })
    };
    // The native "Save as" dialog fills the path; typing one still works (and is what the
    // E2E test does, since a native dialog is outside the webview).
    let choose_path = {
        let (path, dialog_error) = (path.clone(), dialog_error.clone());
        Callback::from(move |_: MouseEvent| {
            let (path, dialog_error) = (path.clone(), dialog_error.clone());
            dialog.run(async move {
                match save_xlsx_dialog("inventory.xlsx").await {
                    Ok(Some(p)) => path.set(p),
                    Ok(None) => {}
                    Err(e) => dialog_error.set(Some(format!("The save dialog cannot open: {e}"))),
                }
                Ok(())
            });
        })
    };
    let busy = export.busy();
    let button = html! {
        <button id="inv-export" onclick={do_export} disabled={busy}>{ if busy { "Exporting…" } else { "Export to Excel" } }</button>
    };
    let result = if busy {
        html! { <progress id="inv-export-progress"></progress> }
    } else if let Some(why) = &*dialog_error {
        html! { <p class="error" id="inv-export-result">{ why.clone() }</p> }
    } else if let Some(e) = export.error() {
        html! { <p class="error" id="inv-export-result">{ e.message.clone() }</p> }
    } else if let Some(r) = export.done() {
        if p.kiosk {
            html! { <p class="ok" id="inv-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p> }
        } else {
            let path = r.path.clone();
            let reveal = Callback::from(move |_: MouseEvent| {
                let path = path.clone();
                folder.run(async move {
                    // The card has no place for it: the export itself went well.
                    if let Err(e) = reveal_in_folder(&path).await {
                        web_sys::console::warn_1(&e.into());
                    }
                    Ok(())
                });
            });
            html! { <p class="ok" id="inv-export-result">{ format!("Exported {} row(s) to {} ", r.rows, r.path) }<button id="inv-export-reveal" class="link" onclick={reveal}>{ "Show in folder" }</button></p> }
        }
    } else {
        html! {}
    };
    if p.kiosk {
        return html! {
            <div class="card">
                <div class="actions" style="margin-top:0">
                    { button }
                    <span class="muted">{ "The file is saved in this kiosk's export folder." }</span>
                </div>
                { result }
            </div>
        };
    }
    html! {
        <div class="card">
            <div class="grid2">
                <div><Field id="inv-export-path" label="Export the rows shown to (.xlsx)" value={(*path).clone()} oninput={{ let path = path.clone(); Callback::from(move |v| path.set(v)) }} hint="Empty: a dated file in your Downloads folder." /></div>
                <div class="actions" style="align-items:end">
                    <button id="inv-export-choose" class="secondary" onclick={choose_path} disabled={busy}>{ "Choose…" }</button>
                    { button }
                </div>
            </div>
            { result }
        </div>
    }
}
