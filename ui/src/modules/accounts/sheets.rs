//! The Excel card of the Customers window: import (check / all or nothing / valid rows only) and export.

use super::*;

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
    let export = use_state(|| None::<Result<ExportReply, ApiError>>);
    let import_path = use_state(String::new);
    let report = use_state(|| None::<Result<(ImportMode, ImportReport), ApiError>>);
    let busy = use_state(|| false);
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
            let export = export.clone();
            spawn_local(async move { export.set(Some(call::<ExportAccounts>(&req).await)) });
        })
    };
    let run = |mode: ImportMode| {
        let (import_path, report, busy, done) = (
            import_path.clone(),
            report.clone(),
            busy.clone(),
            p.on_imported.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let req = ImportRequest {
                path: (*import_path).clone(),
                mode,
            };
            let (report, busy, done) = (report.clone(), busy.clone(), done.clone());
            busy.set(true);
            spawn_local(async move {
                let r = call::<ImportAccounts>(&req).await;
                if matches!(&r, Ok(rep) if rep.created > 0) {
                    done.emit(());
                }
                report.set(Some(r.map(|rep| (mode, rep))));
                busy.set(false);
            });
        })
    };
    let report_view = match &*report {
        None => html! {},
        Some(Err(e)) => html! { <p class="error" id="import-result">{ e.message.clone() }</p> },
        Some(Ok((mode, r))) => {
            let summary = match mode {
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
                    { crate::common::widgets::import_issues("import-issues", &r.issues) }
                </>
            }
        }
    };
    let setp = |st: &UseStateHandle<String>| {
        let st = st.clone();
        Callback::from(move |v: String| st.set(v))
    };
    html! {
        <div class="card">
            <h2>{ "Excel" }</h2>
            <div class="grid2">
                <div><Field id="accounts-export-path" label="Export the list above to (.xlsx)" value={(*export_path).clone()} oninput={setp(&export_path)} hint="Empty: a dated file in your Downloads folder." /></div>
                <div class="actions" style="align-items:end"><button id="accounts-export" class="secondary" onclick={do_export}>{ "Export to Excel" }</button></div>
            </div>
            { match &*export {
                Some(Ok(r)) => html! { <p class="ok" id="accounts-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p> },
                Some(Err(e)) => html! { <p class="error" id="accounts-export-result">{ e.message.clone() }</p> },
                None => html! {},
            } }
            if p.kind == AccountKind::Customers {
                <Field id="import-path" label="Import customer accounts from (.xlsx)" value={(*import_path).clone()} oninput={setp(&import_path)}
                    hint="Columns: Name, E-mail, ERP customer, and ERP customer code (header in row 1). Without a code a row is linked by its ERP customer name when exactly one ERP customer has it. Check first; nothing is changed until you import." />
                <div class="actions">
                    <button id="import-check" class="secondary" onclick={run(ImportMode::Check)} disabled={*busy}>{ "Check sheet" }</button>
                    <button id="import-all" onclick={run(ImportMode::AllOrNothing)} disabled={*busy}>{ "Import (only if every row is valid)" }</button>
                    <button id="import-valid" class="secondary" onclick={run(ImportMode::ValidRowsOnly)} disabled={*busy}>{ "Import the valid rows only" }</button>
                </div>
                if *busy { <div class="banner info">{ "Reading the sheet…" }</div> }
                { report_view }
            }
        </div>
    }
}
