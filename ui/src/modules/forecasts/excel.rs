//! Excel beside the forecast grid: export the grid (typed path, the "Save as" dialog, or a dated
//! file in Downloads) and import it back with "check", "all or nothing" or "valid rows only";
//! every problem in a table by row and column. Conflicts go to the grid's "Keep mine" banner.

use crate::common::ipc::call;
use crate::common::widgets::Field;
use portdesk_types::ApiError;
use portdesk_types::accounts::{ExportReply, ExportRequest, ImportMode};
use portdesk_types::api::{ExportForecast, ImportForecast};
use portdesk_types::forecasts::{CellChange, ForecastImport, ForecastImportReport, GridRequest};
use wasm_bindgen_futures::spawn_local;
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
    let busy = use_state(|| None::<&'static str>);
    let report = use_state(|| None::<Result<ForecastImportReport, ApiError>>);
    let exported = use_state(|| None::<Result<ExportReply, ApiError>>);
    let choose = {
        let export_path = export_path.clone();
        Callback::from(move |_: MouseEvent| {
            let export_path = export_path.clone();
            spawn_local(async move {
                if let Ok(Some(p)) = crate::common::ipc::save_xlsx_dialog("forecast.xlsx").await {
                    export_path.set(p);
                }
            });
        })
    };
    let export = {
        let (path, exported, busy) = (export_path.clone(), exported.clone(), busy.clone());
        let query = GridRequest {
            cycle_id: p.cycle_id,
            rep_id: p.rep_id,
        };
        Callback::from(move |_: MouseEvent| {
            let req = ExportRequest {
                path: (*path).clone(),
                query: query.clone(),
            };
            let (exported, busy) = (exported.clone(), busy.clone());
            busy.set(Some("Writing the workbook…"));
            spawn_local(async move {
                exported.set(Some(call::<ExportForecast>(&req).await));
                busy.set(None);
            });
        })
    };
    let import = |mode: ImportMode| {
        let (path, report, busy, done) = (
            import_path.clone(),
            report.clone(),
            busy.clone(),
            p.on_imported.clone(),
        );
        let (cycle_id, rep_id) = (p.cycle_id, p.rep_id);
        Callback::from(move |_: MouseEvent| {
            let req = ForecastImport {
                cycle_id,
                rep_id,
                path: (*path).clone(),
                mode,
            };
            let (report, busy, done) = (report.clone(), busy.clone(), done.clone());
            busy.set(Some(if mode == ImportMode::Check {
                "Checking the sheet…"
            } else {
                "Importing…"
            }));
            spawn_local(async move {
                let r = call::<ImportForecast>(&req).await;
                if let Ok(r) = &r
                    && r.applied + r.conflicts.len() as u32 > 0
                {
                    done.emit(r.changes.clone());
                }
                report.set(Some(r));
                busy.set(None);
            });
        })
    };
    let idle = busy.is_none();
    html! {
        <div class="card" id="fc-excel">
            <h3>{ "Excel" }</h3>
            <div class="grid2">
                <div>
                    <Field id="fc-export-path" label="Export to (.xlsx)" value={(*export_path).clone()}
                        oninput={{ let s = export_path.clone(); Callback::from(move |v| s.set(v)) }}
                        hint="Empty: a dated file in your Downloads folder. The sheet has a row per customer and product, a column per month." />
                    <div class="actions">
                        <button class="secondary" id="fc-export-choose" onclick={choose} disabled={!idle}>{ "Choose…" }</button>
                        <button id="fc-export" onclick={export} disabled={!idle}>{ "Export to Excel" }</button>
                    </div>
                </div>
                if p.editable {
                    <div>
                        <Field id="fc-import-path" label="Import from Excel… (.xlsx)" value={(*import_path).clone()}
                            oninput={{ let s = import_path.clone(); Callback::from(move |v| s.set(v)) }}
                            hint="A sheet exported here, edited in Excel. Empty cells change nothing; a cell changed here since the export is shown for a decision." />
                        <div class="actions">
                            <button class="secondary" id="fc-import-check" onclick={import(ImportMode::Check)} disabled={!idle}>{ "Check the sheet" }</button>
                            <button id="fc-import" onclick={import(ImportMode::AllOrNothing)} disabled={!idle}>{ "Import (all or nothing)" }</button>
                            <button class="secondary" id="fc-import-valid" onclick={import(ImportMode::ValidRowsOnly)} disabled={!idle}>{ "Import valid rows only" }</button>
                        </div>
                    </div>
                }
            </div>
            if let Some(what) = *busy { <p class="muted" id="fc-excel-busy">{ what }</p> }
            { match &*report {
                Some(Ok(r)) => html! {
                    <div id="fc-import-report">
                        <p class={if r.issues.is_empty() { "ok" } else { "error" }}>{ format!(
                            "{} row(s), {} valid, {} changed cell(s), {} applied, {} conflict(s), {} problem(s)",
                            r.rows, r.valid, r.changed, r.applied, r.conflicts.len(), r.issues.len()) }</p>
                        { crate::common::widgets::import_issues("fc-import-issues", &r.issues) }
                    </div>
                },
                Some(Err(e)) => html! { <p class="error" id="fc-import-report">{ e.message.clone() }</p> },
                None => html! {},
            } }
            { match &*exported {
                Some(Ok(r)) => html! { <p class="ok" id="fc-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p> },
                Some(Err(e)) => html! { <p class="error" id="fc-export-result">{ e.message.clone() }</p> },
                None => html! {},
            } }
        </div>
    }
}
