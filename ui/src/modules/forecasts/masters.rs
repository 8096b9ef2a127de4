//! The planning masters in Excel (admin): "Export masters" writes who plans which customer
//! (sheet "Assignments") and the customer-product matrix (sheet "Matrix") to one workbook;
//! "Import assignments / matrix…" reads either sheet back with "check", "all or nothing" or
//! "valid rows only", every problem in a table by row and column (as the grid's Excel card).

use crate::common::data::{use_action, use_job};
use crate::common::ipc::save_xlsx_dialog;
use crate::common::widgets::{Field, import_issues, setter};
use portdesk_types::accounts::{ExportRequest, ImportMode};
use portdesk_types::api::{ExportForecastMasters, ImportForecastMasters};
use portdesk_types::forecasts::{MastersCounts, MastersImport};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct MastersProps {
    /// After an import that wrote something (the status table and grids reload).
    pub on_imported: Callback<()>,
}

fn counts(sheet: &str, c: &MastersCounts) -> String {
    if !c.found {
        return format!("{sheet}: no sheet");
    }
    format!(
        "{sheet}: {} row(s), {} valid, {} new, {} changed",
        c.rows, c.valid, c.added, c.changed
    )
}

#[function_component(MastersExcel)]
pub fn masters_excel(p: &MastersProps) -> Html {
    let import_path = use_state(String::new);
    let export_path = use_state(String::new);
    let export = use_action::<ExportForecastMasters>();
    let import = use_action::<ImportForecastMasters>();
    // The last import's mode, for the line shown while it runs.
    let mode = use_state(|| ImportMode::Check);
    let dialog = use_job();
    let choose = {
        let (dialog, export_path) = (dialog.clone(), export_path.clone());
        Callback::from(move |_: MouseEvent| {
            let export_path = export_path.clone();
            dialog.run(async move {
                // A dialog that cannot open leaves the path as typed.
                if let Ok(Some(p)) = save_xlsx_dialog("forecast-masters.xlsx").await {
                    export_path.set(p);
                }
                Ok(())
            });
        })
    };
    let on_export = {
        let (path, export) = (export_path.clone(), export.clone());
        Callback::from(move |_: MouseEvent| {
            let req = ExportRequest {
                path: (*path).clone(),
                query: (),
            };
            export.run(req, |_| ());
        })
    };
    let on_import = |m: ImportMode| {
        let (path, import, mode) = (import_path.clone(), import.clone(), mode.clone());
        let done = p.on_imported.clone();
        Callback::from(move |_: MouseEvent| {
            let req = MastersImport {
                path: (*path).clone(),
                mode: m,
            };
            mode.set(m);
            let done = done.clone();
            import.run(req, move |r| {
                if r.applied {
                    done.emit(());
                }
            });
        })
    };
    let busy = if export.busy() {
        Some("Writing the workbook…")
    } else if import.busy() {
        Some(if *mode == ImportMode::Check {
            "Checking the workbook…"
        } else {
            "Importing…"
        })
    } else {
        None
    };
    let idle = busy.is_none();
    html! {
        <div id="fc-masters">
            <h3>{ "Planning masters in Excel" }</h3>
            <div class="grid2">
                <div>
                    <Field id="fc-masters-export-path" label="Export to (.xlsx)" value={(*export_path).clone()}
                        oninput={setter(&export_path)}
                        hint="Empty: a dated file in your Downloads folder. Sheet Assignments: customer code, customer, rep e-mail, active. Sheet Matrix: customer code, part, description, active." />
                    <div class="actions">
                        <button class="secondary" id="fc-masters-export-choose" onclick={choose} disabled={!idle}>{ "Choose…" }</button>
                        <button id="fc-masters-export" onclick={on_export} disabled={!idle}>{ "Export masters" }</button>
                    </div>
                </div>
                <div>
                    <Field id="fc-masters-import-path" label="Import assignments / matrix… (.xlsx)" value={(*import_path).clone()}
                        oninput={setter(&import_path)}
                        hint="Either sheet or both, by name. Active: yes or no (1 / 0); \"no\" retires a customer or a line; an empty cell keeps what is stored. Nothing is deleted." />
                    <div class="actions">
                        <button class="secondary" id="fc-masters-check" onclick={on_import(ImportMode::Check)} disabled={!idle}>{ "Check the workbook" }</button>
                        <button id="fc-masters-import" onclick={on_import(ImportMode::AllOrNothing)} disabled={!idle}>{ "Import (all or nothing)" }</button>
                        <button class="secondary" id="fc-masters-import-valid" onclick={on_import(ImportMode::ValidRowsOnly)} disabled={!idle}>{ "Import valid rows only" }</button>
                    </div>
                </div>
            </div>
            if let Some(what) = busy { <p class="muted" id="fc-masters-busy">{ what }</p> }
            { match (import.error(), import.done()) {
                (None, Some(r)) => html! {
                    <div id="fc-masters-report">
                        <p class={if r.issues.is_empty() { "ok" } else { "error" }}>{ format!(
                            "{}; {}; {} problem(s); {}",
                            counts("Assignments", &r.assignments), counts("Matrix", &r.matrix), r.issues.len(),
                            if r.applied { "applied" } else { "nothing applied" }) }</p>
                        { import_issues("fc-masters-issues", &r.issues) }
                    </div>
                },
                (Some(e), _) => html! { <p class="error" id="fc-masters-report">{ e.message.clone() }</p> },
                (None, None) => html! {},
            } }
            { match (export.error(), export.done()) {
                (None, Some(r)) => html! { <p class="ok" id="fc-masters-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p> },
                (Some(e), _) => html! { <p class="error" id="fc-masters-export-result">{ e.message.clone() }</p> },
                (None, None) => html! {},
            } }
        </div>
    }
}
