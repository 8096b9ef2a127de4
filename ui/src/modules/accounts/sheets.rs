//! The Excel card of the Customers window: import (check / all or nothing / valid rows only) and export.

use crate::common::data::use_action;
use crate::common::widgets::{Field, import_issues, setter};
use portdesk_types::accounts::{
    AccountKind, AccountQuery, ExportRequest, ImportMode, ImportRequest,
};
use portdesk_types::api::{ExportAccounts, ImportAccounts};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct SheetsProps {
    pub(super) kind: AccountKind,
    pub(super) query: AccountQuery,
    pub(super) on_imported: Callback<()>,
}

/// Export of the filtered list, and (customers) import from a sheet with a full error report.
#[function_component(Sheets)]
pub(super) fn sheets(p: &SheetsProps) -> Html {
    let export_path = use_state(String::new);
    let export = use_action::<ExportAccounts>();
    let import_path = use_state(String::new);
    let import = use_action::<ImportAccounts>();
    // The mode of the import whose report is shown (set with the report, not at the click,
    // so a report never reads as another mode's).
    let mode = use_state(|| ImportMode::Check);
    let do_export = {
        let (export_path, export, query) = (export_path.clone(), export.clone(), p.query.clone());
        Callback::from(move |_| {
            let req = ExportRequest {
                query: AccountQuery {
                    page: 0,
                    ..query.clone()
                },
                path: (*export_path).clone(),
            };
            export.run(req, |_| ());
        })
    };
    let run = |m: ImportMode| {
        let (import_path, import, mode, done) = (
            import_path.clone(),
            import.clone(),
            mode.clone(),
            p.on_imported.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let req = ImportRequest {
                path: (*import_path).clone(),
                mode: m,
            };
            let (mode, done) = (mode.clone(), done.clone());
            import.run(req, move |rep| {
                if rep.created > 0 {
                    done.emit(());
                }
                mode.set(m);
            });
        })
    };
    let report_view = match (import.error(), import.done()) {
        (Some(e), _) => html! { <p class="error" id="import-result">{ e.message.clone() }</p> },
        (None, None) => html! {},
        (None, Some(r)) => {
            let summary = match *mode {
                ImportMode::Check => format!(
                    "{} row(s) checked: {} valid, {} problem(s). Nothing was changed.",
                    r.rows,
                    r.valid,
                    r.issues.len()
                ),
                _ if r.created == 0 && !r.issues.is_empty() => format!(
                    "Nothing imported: {} problem(s) in {} row(s). Fix the sheet, or import the valid rows only.",
                    r.issues.len(),
                    r.rows
                ),
                _ => format!(
                    "{} account(s) created from {} row(s); {} problem(s).",
                    r.created,
                    r.rows,
                    r.issues.len()
                ),
            };
            html! {
                <>
                    <p id="import-result" class={if r.issues.is_empty() { "ok" } else { "error" }}>{ summary }</p>
                    if r.created > 0 { <p class="muted">{ "Imported accounts have no password yet: use Reset password to give each one a temporary password." }</p> }
                    if r.unverified > 0 { <p class="error">{ format!("{} account(s) could not be checked against the ERP and are marked unverified.", r.unverified) }</p> }
                    { import_issues("import-issues", &r.issues) }
                </>
            }
        }
    };
    html! {
        <div class="card">
            <h2>{ "Excel" }</h2>
            <div class="grid2">
                <div><Field id="accounts-export-path" label="Export the list above to (.xlsx)" value={(*export_path).clone()} oninput={setter(&export_path)} hint="Empty: a dated file in your Downloads folder." /></div>
                <div class="actions" style="align-items:end"><button id="accounts-export" class="secondary" onclick={do_export}>{ "Export to Excel" }</button></div>
            </div>
            if let Some(e) = export.error() {
                <p class="error" id="accounts-export-result">{ e.message.clone() }</p>
            } else if let Some(r) = export.done() {
                <p class="ok" id="accounts-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p>
            }
            if p.kind == AccountKind::Customers {
                <Field id="import-path" label="Import customer accounts from (.xlsx)" value={(*import_path).clone()} oninput={setter(&import_path)}
                    hint="Columns: Name, E-mail, ERP customer, and ERP customer code (header in row 1). Without a code a row is linked by its ERP customer name when exactly one ERP customer has it. Check first; nothing is changed until you import." />
                <div class="actions">
                    <button id="import-check" class="secondary" onclick={run(ImportMode::Check)} disabled={import.busy()}>{ "Check sheet" }</button>
                    <button id="import-all" onclick={run(ImportMode::AllOrNothing)} disabled={import.busy()}>{ "Import (only if every row is valid)" }</button>
                    <button id="import-valid" class="secondary" onclick={run(ImportMode::ValidRowsOnly)} disabled={import.busy()}>{ "Import the valid rows only" }</button>
                </div>
                if import.busy() { <div class="banner info">{ "Reading the sheet…" }</div> }
                { report_view }
            }
        </div>
    }
}
