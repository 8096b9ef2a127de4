//! Excel beside the forecast grid: export the grid (typed path, the "Save as" dialog, or a dated
//! file in Downloads) and import it back with "check", "all or nothing" or "valid rows only";
//! every problem in a table by row and column. Conflicts go to the grid's "Keep mine" banner.

use crate::common::data::{use_action, use_job};
use crate::common::ipc::save_xlsx_dialog;
use crate::common::widgets::{Field, import_issues, setter};
use portdesk_types::accounts::{ExportRequest, ImportMode};
use portdesk_types::api::{ExportForecast, ImportForecast};
use portdesk_types::forecasts::{CellChange, ForecastImport, GridRequest};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ExcelProps {
    pub cycle_id: i64,
    pub rep_id: Option<i64>,
    /// The cycle is open and the forecast a draft: import is offered.
    pub editable: bool,
    /// After an import that applied something: the cells it changed, one undoable step (the
    /// grid reloads, and shows the conflicts from the journal).
    pub on_imported: Callback<Vec<CellChange>>,
}

#[function_component(ForecastExcel)]
pub fn forecast_excel(p: &ExcelProps) -> Html {
    let import_path = use_state(String::new);
    let export_path = use_state(String::new);
    let export = use_action::<ExportForecast>();
    let import = use_action::<ImportForecast>();
    // The last import's mode, for the line shown while it runs.
    let mode = use_state(|| ImportMode::Check);
    let dialog = use_job();
    let choose = {
        let (dialog, export_path) = (dialog.clone(), export_path.clone());
        Callback::from(move |_: MouseEvent| {
            let export_path = export_path.clone();
            dialog.run(async move {
                // A dialog that cannot open leaves the path as typed.
                if let Ok(Some(p)) = save_xlsx_dialog("forecast.xlsx").await {
                    export_path.set(p);
                }
                Ok(())
            });
        })
    };
    let on_export = {
        let (path, export) = (export_path.clone(), export.clone());
        let query = GridRequest {
            cycle_id: p.cycle_id,
            rep_id: p.rep_id,
        };
        Callback::from(move |_: MouseEvent| {
            let req = ExportRequest {
                path: (*path).clone(),
                query: query.clone(),
            };
            export.run(req, |_| ());
        })
    };
    let on_import = |m: ImportMode| {
        let (path, import, mode) = (import_path.clone(), import.clone(), mode.clone());
        let (cycle_id, rep_id, done) = (p.cycle_id, p.rep_id, p.on_imported.clone());
        Callback::from(move |_: MouseEvent| {
            let req = ForecastImport {
                cycle_id,
                rep_id,
                path: (*path).clone(),
                mode: m,
            };
            mode.set(m);
            let done = done.clone();
            import.run(req, move |r| {
                if r.applied + r.conflicts.len() as u32 > 0 {
                    done.emit(r.changes);
                }
            });
        })
    };
    let busy = if export.busy() {
        Some("Writing the workbook…")
    } else if import.busy() {
        Some(if *mode == ImportMode::Check {
            "Checking the sheet…"
        } else {
            "Importing…"
        })
    } else {
        None
    };
    let idle = busy.is_none();
    html! {
        <div class="card" id="fc-excel">
            <h3>{ "Excel" }</h3>
            <div class="grid2">
                <div>
                    <Field id="fc-export-path" label="Export to (.xlsx)" value={(*export_path).clone()}
                        oninput={setter(&export_path)}
                        hint="Empty: a dated file in your Downloads folder. The sheet has a row per customer and product, a column per month." />
                    <div class="actions">
                        <button class="secondary" id="fc-export-choose" onclick={choose} disabled={!idle}>{ "Choose…" }</button>
                        <button id="fc-export" onclick={on_export} disabled={!idle}>{ "Export to Excel" }</button>
                    </div>
                </div>
                if p.editable {
                    <div>
                        <Field id="fc-import-path" label="Import from Excel… (.xlsx)" value={(*import_path).clone()}
                            oninput={setter(&import_path)}
                            hint="A sheet exported here, edited in Excel. Empty cells change nothing; a cell changed here since the export is shown for a decision." />
                        <div class="actions">
                            <button class="secondary" id="fc-import-check" onclick={on_import(ImportMode::Check)} disabled={!idle}>{ "Check the sheet" }</button>
                            <button id="fc-import" onclick={on_import(ImportMode::AllOrNothing)} disabled={!idle}>{ "Import (all or nothing)" }</button>
                            <button class="secondary" id="fc-import-valid" onclick={on_import(ImportMode::ValidRowsOnly)} disabled={!idle}>{ "Import valid rows only" }</button>
                        </div>
                    </div>
                }
            </div>
            if let Some(what) = busy { <p class="muted" id="fc-excel-busy">{ what }</p> }
            { match (import.error(), import.done()) {
                (None, Some(r)) => html! {
                    <div id="fc-import-report">
                        <p class={if r.issues.is_empty() { "ok" } else { "error" }}>{ format!(
                            "{} row(s), {} valid, {} changed cell(s), {} applied, {} conflict(s), {} problem(s)",
                            r.rows, r.valid, r.changed, r.applied, r.conflicts.len(), r.issues.len()) }</p>
                        { import_issues("fc-import-issues", &r.issues) }
                    </div>
                },
                (Some(e), _) => html! { <p class="error" id="fc-import-report">{ e.message.clone() }</p> },
                (None, None) => html! {},
            } }
            { match (export.error(), export.done()) {
                (None, Some(r)) => html! { <p class="ok" id="fc-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p> },
                (Some(e), _) => html! { <p class="error" id="fc-export-result">{ e.message.clone() }</p> },
                (None, None) => html! {},
            } }
        </div>
    }
}
