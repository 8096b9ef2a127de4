//! The planning masters in Excel (admin): "Export masters" writes who plans which customer
//! (sheet "Assignments") and the customer-product matrix (sheet "Matrix") to one workbook;
//! "Import assignments / matrix…" reads either sheet back with "check", "all or nothing" or
//! "valid rows only", every problem in a table by row and column (as the grid's Excel card).

use crate::common::ipc::call;
use crate::common::widgets::Field;
use portdesk_types::ApiError;
use portdesk_types::accounts::{ExportReply, ExportRequest, ImportMode};
use portdesk_types::api::{ExportForecastMasters, ImportForecastMasters};
use portdesk_types::forecasts::{MastersCounts, MastersImport, MastersImportReport};
use wasm_bindgen_futures::spawn_local;
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
    let busy = use_state(|| None::<&'static str>);
    let report = use_state(|| None::<Result<MastersImportReport, ApiError>>);
    let exported = use_state(|| None::<Result<ExportReply, ApiError>>);
    let choose = {
        let export_path = export_path.clone();
        Callback::from(move |_: MouseEvent| {
            let export_path = export_path.clone();
            spawn_local(async move {
                if let Ok(Some(p)) =
                    crate::common::ipc::save_xlsx_dialog("forecast-masters.xlsx").await
                {
                    export_path.set(p);
                }
            });
        })
    };
    let export = {
        let (path, exported, busy) = (export_path.clone(), exported.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            let req = ExportRequest {
                path: (*path).clone(),
                query: (),
            };
            let (exported, busy) = (exported.clone(), busy.clone());
            busy.set(Some("Writing the workbook…"));
            spawn_local(async move {
                exported.set(Some(call::<ExportForecastMasters>(&req).await));
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
        Callback::from(move |_: MouseEvent| {
            let req = MastersImport {
                path: (*path).clone(),
                mode,
            };
            let (report, busy, done) = (report.clone(), busy.clone(), done.clone());
            busy.set(Some(if mode == ImportMode::Check {
                "Checking the workbook…"
            } else {
                "Importing…"
            }));
            spawn_local(async move {
                let r = call::<ImportForecastMasters>(&req).await;
                if matches!(&r, Ok(r) if r.applied) {
                    done.emit(());
                }
                report.set(Some(r));
                busy.set(None);
            });
        })
    };
    let idle = busy.is_none();
    html! {
        <div id="fc-masters">
            <h3>{ "Planning masters in Excel" }</h3>
            <div class="grid2">
                <div>
                    <Field id="fc-masters-export-path" label="Export to (.xlsx)" value={(*export_path).clone()}
                        oninput={{ let s = export_path.clone(); Callback::from(move |v| s.set(v)) }}
                        hint="Empty: a dated file in your Downloads folder. Sheet Assignments: customer code, customer, rep e-mail, active. Sheet Matrix: customer code, part, description, active." />
                    <div class="actions">
                        <button class="secondary" id="fc-masters-export-choose" onclick={choose} disabled={!idle}>{ "Choose…" }</button>
                        <button id="fc-masters-export" onclick={export} disabled={!idle}>{ "Export masters" }</button>
                    </div>
                </div>
                <div>
                    <Field id="fc-masters-import-path" label="Import assignments / matrix… (.xlsx)" value={(*import_path).clone()}
                        oninput={{ let s = import_path.clone(); Callback::from(move |v| s.set(v)) }}
                        hint="Either sheet or both, by name. Active: yes or no (1 / 0); \"no\" retires a customer or a line; an empty cell keeps what is stored. Nothing is deleted." />
                    <div class="actions">
                        <button class="secondary" id="fc-masters-check" onclick={import(ImportMode::Check)} disabled={!idle}>{ "Check the workbook" }</button>
                        <button id="fc-masters-import" onclick={import(ImportMode::AllOrNothing)} disabled={!idle}>{ "Import (all or nothing)" }</button>
                        <button class="secondary" id="fc-masters-import-valid" onclick={import(ImportMode::ValidRowsOnly)} disabled={!idle}>{ "Import valid rows only" }</button>
                    </div>
                </div>
            </div>
            if let Some(what) = *busy { <p class="muted" id="fc-masters-busy">{ what }</p> }
            { match &*report {
                Some(Ok(r)) => html! {
                    <div id="fc-masters-report">
                        <p class={if r.issues.is_empty() { "ok" } else { "error" }}>{ format!(
                            "{}; {}; {} problem(s); {}",
                            counts("Assignments", &r.assignments), counts("Matrix", &r.matrix), r.issues.len(),
                            if r.applied { "applied" } else { "nothing applied" }) }</p>
                        { crate::common::widgets::import_issues("fc-masters-issues", &r.issues) }
                    </div>
                },
                Some(Err(e)) => html! { <p class="error" id="fc-masters-report">{ e.message.clone() }</p> },
                None => html! {},
            } }
            { match &*exported {
                Some(Ok(r)) => html! { <p class="ok" id="fc-masters-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p> },
                Some(Err(e)) => html! { <p class="error" id="fc-masters-export-result">{ e.message.clone() }</p> },
                None => html! {},
            } }
        </div>
    }
}
