//! The Customers window (admin): customer and staff accounts, account requests, and the
//! audit log.

mod requests;

use crate::common::ipc::call;
use crate::common::widgets::{Field, date_time, error_line};
use portdesk_types::accounts::*;
use portdesk_types::api::{
    CreateAccount, ErpCustomer, ErpCustomerQuery, ErpCustomers, ExportAudit, ListAccounts,
    ListAudit, ResetAccountPassword, SetAccountActive, UnlockAccount, UpdateAccount,
};
use portdesk_types::api::{ExportAccounts, ImportAccounts};
use portdesk_types::{ApiError, Role, Secret};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Customers,
    Staff,
    Requests,
    Audit,
}

#[function_component(CustomersPage)]
pub fn customers_page() -> Html {
    let tab = use_state(|| Tab::Customers);
    let button = |t: Tab, id: &'static str, label: &'static str| {
        let tab2 = tab.clone();
        let class = if *tab == t { "" } else { "secondary" };
        html! { <button id={id} class={class} onclick={Callback::from(move |_| tab2.set(t))}>{ label }</button> }
    };
    html! {
        <>
            <div class="actions" style="margin:0 0 1rem">
                { button(Tab::Customers, "tab-customers", "Customer accounts") }
                { button(Tab::Staff, "tab-staff", "Staff accounts") }
                { button(Tab::Requests, "tab-requests", "Account requests") }
                { button(Tab::Audit, "tab-audit", "Audit log") }
            </div>
            { match *tab {
                Tab::Customers => html! { <Accounts kind={AccountKind::Customers} key="c" /> },
                Tab::Staff => html! { <Accounts kind={AccountKind::Staff} key="s" /> },
                Tab::Requests => html! { <requests::AccountRequests /> },
                Tab::Audit => html! { <AuditLog /> },
            } }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct AccountsProps {
    kind: AccountKind,
}

fn when(ms: Option<i64>) -> String {
    ms.map_or_else(|| "never".into(), date_time)
}

#[derive(Clone, PartialEq)]
enum Editor {
    Closed,
    New,
    Edit(AccountRow),
}

#[function_component(Accounts)]
fn accounts(p: &AccountsProps) -> Html {
    let query = use_state(|| AccountQuery {
        kind: p.kind,
        page_size: 25,
        ..Default::default()
    });
    let page = use_state(|| None::<Result<AccountPage, ApiError>>);
    let reload = use_state(|| 0u32);
    let editor = use_state(|| Editor::Closed);
    let notice = use_state(|| None::<Html>);
    let action_error = use_state(|| None::<ApiError>);
    {
        let page = page.clone();
        use_effect_with(((*query).clone(), *reload), move |(q, _)| {
            let q = q.clone();
            spawn_local(async move { page.set(Some(call::<ListAccounts>(&q).await)) });
        });
    }
    let bump = {
        let reload = reload.clone();
        Callback::from(move |_: ()| reload.set(*reload + 1))
    };
    let set_query = |f: fn(&mut AccountQuery, String)| {
        let query = query.clone();
        Callback::from(move |v: String| {
            let mut q = (*query).clone();
            f(&mut q, v);
            q.page = 0;
            query.set(q);
        })
    };
    let on_status = {
        let query = query.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let mut q = (*query).clone();
            q.status = match v.as_str() {
                "active" => AccountStatus::Active,
                "inactive" => AccountStatus::Inactive,
                "locked" => AccountStatus::Locked,
                _ => AccountStatus::All,
            };
            q.page = 0;
            query.set(q);
        })
    };
    let sort_header = |sort: AccountSort, label: &'static str| {
        let query = query.clone();
        let arrow = if query.sort == sort {
            if query.descending { " ▼" } else { " ▲" }
        } else {
            ""
        };
        let onclick = Callback::from(move |_| {
            let mut q = (*query).clone();
            q.descending = q.sort == sort && !q.descending;
            q.sort = sort;
            query.set(q);
        });
        html! { <th><a href="#" onclick={onclick.reform(|e: MouseEvent| e.prevent_default())}>{ format!("{label}{arrow}") }</a></th> }
    };
    let act = |row: &AccountRow, what: &'static str| {
        let (row, bump, notice, action_error) = (
            row.clone(),
            bump.clone(),
            notice.clone(),
            action_error.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (row, bump, notice, action_error) = (
                row.clone(),
                bump.clone(),
                notice.clone(),
                action_error.clone(),
            );
            spawn_local(async move {
                let r = match what {
                    "activate" => call::<SetAccountActive>(&SetActiveRequest { id: row.id, active: true }).await.map(|_| None),
                    "deactivate" => call::<SetAccountActive>(&SetActiveRequest { id: row.id, active: false }).await.map(|_| None),
                    "unlock" => call::<UnlockAccount>(&AccountRef { id: row.id }).await.map(|_| None),
                    _ => call::<ResetAccountPassword>(&ResetPasswordRequest { id: row.id, temporary_password: None }).await.map(|r| {
                        Some(html! {
                            <div class="banner info" id="temp-password-box">
                                { format!("Temporary password for {} (shown once; they must change it at the next sign-in): ", r.email) }
                                <strong id="temp-password">{ r.temporary_password.expose().to_owned() }</strong>
                            </div>
                        })
                    }),
                };
                match r {
                    Ok(n) => {
                        action_error.set(None);
                        notice.set(n);
                        bump.emit(());
                    }
                    Err(e) => action_error.set(Some(e)),
                }
            });
        })
    };
    let table = match &*page {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(pg)) => {
            let pages = pg.total.div_ceil(u64::from(pg.page_size.max(1))).max(1);
            let go = |delta: i64| {
                let query = query.clone();
                let max = pages as i64 - 1;
                Callback::from(move |_: MouseEvent| {
                    let mut q = (*query).clone();
                    q.page = (i64::from(q.page) + delta).clamp(0, max) as u32;
                    query.set(q);
                })
            };
            html! {
                <>
                    <p class="muted" id="accounts-count">{ format!("{} account(s) · page {} of {}", pg.total, pg.page + 1, pages) }</p>
                    <table id="accounts-table">
                        <thead><tr>
                            { sort_header(AccountSort::Name, "Name") }
                            { sort_header(AccountSort::Email, "E-mail") }
                            if p.kind == AccountKind::Customers { { sort_header(AccountSort::ErpCustomer, "ERP customer") } } else { { sort_header(AccountSort::Role, "Role") } }
                            <th>{ "State" }</th>
                            { sort_header(AccountSort::LastLogin, "Last sign-in") }
                            <th>{ "Actions" }</th>
                        </tr></thead>
                        <tbody>
                        { for pg.rows.iter().map(|r| {
                            let edit = { let editor = editor.clone(); let r = r.clone(); Callback::from(move |_: MouseEvent| editor.set(Editor::Edit(r.clone()))) };
                            let state = [
                                (!r.active).then_some("inactive"),
                                r.locked.then_some("locked"),
                                r.must_change_password.then_some("temporary password"),
                                (!r.erp_verified).then_some("ERP unverified"),
                            ].into_iter().flatten().collect::<Vec<_>>().join(", ");
                            html! {
                                <tr data-email={r.email.clone()}>
                                    <td>{ r.name.clone() }</td>
                                    <td>{ r.email.clone() }</td>
                                    <td>{ if p.kind == AccountKind::Customers { erp_cell(r) } else { html! { <>{ r.role.label() }</> } } }</td>
                                    <td class="state">{ if state.is_empty() { "active".to_owned() } else { state } }</td>
                                    <td>{ when(r.last_login_at) }</td>
                                    <td class="row-actions">
                                        <button class="secondary" onclick={edit}>{ "Edit" }</button>{ " " }
                                        if r.active { <button class="secondary act-deactivate" onclick={act(r, "deactivate")}>{ "Deactivate" }</button> }
                                        else { <button class="secondary act-activate" onclick={act(r, "activate")}>{ "Activate" }</button> }{ " " }
                                        if r.locked { <button class="secondary act-unlock" onclick={act(r, "unlock")}>{ "Unlock" }</button>{ " " } }
                                        <button class="secondary act-reset" onclick={act(r, "reset")}>{ "Reset password" }</button>
                                    </td>
                                </tr>
                            }
                        }) }
                        </tbody>
                    </table>
                    <div class="actions">
                        <button class="secondary" id="page-prev" onclick={go(-1)} disabled={pg.page == 0}>{ "Previous" }</button>
                        <button class="secondary" id="page-next" onclick={go(1)} disabled={u64::from(pg.page) + 1 >= pages}>{ "Next" }</button>
                    </div>
                </>
            }
        }
    };
    let open_new = {
        let editor = editor.clone();
        Callback::from(move |_| editor.set(Editor::New))
    };
    let on_saved = {
        let (editor, bump, notice) = (editor.clone(), bump.clone(), notice.clone());
        Callback::from(move |n: Option<Html>| {
            editor.set(Editor::Closed);
            notice.set(n);
            bump.emit(());
        })
    };
    let on_cancel = {
        let editor = editor.clone();
        Callback::from(move |_| editor.set(Editor::Closed))
    };
    html! {
        <>
            if let Some(n) = &*notice { { n.clone() } }
            { error_line("account-action-error", &action_error) }
            if *editor != Editor::Closed {
                <AccountEditor kind={p.kind} editing={match &*editor { Editor::Edit(r) => Some(r.clone()), _ => None }} on_saved={on_saved} on_cancel={on_cancel} />
            }
            <div class="card">
                <div class="grid2">
                    <div><Field id="accounts-search" label="Search" value={query.search.clone()} oninput={set_query(|q, v| q.search = v)} hint="Name, e-mail or ERP customer." /></div>
                    <div>
                        <label for="accounts-status">{ "Show" }</label>
                        <select id="accounts-status" onchange={on_status}>
                            <option value="all">{ "All" }</option>
                            <option value="active">{ "Active" }</option>
                            <option value="inactive">{ "Inactive" }</option>
                            <option value="locked">{ "Locked" }</option>
                        </select>
                    </div>
                </div>
                <div class="actions"><button id="account-new" onclick={open_new}>{ if p.kind == AccountKind::Customers { "New customer account" } else { "New staff account" } }</button></div>
                { table }
            </div>
            <Sheets kind={p.kind} query={(*query).clone()} on_imported={bump.clone()} />
        </>
    }
}

#[derive(Properties, PartialEq)]
struct SheetsProps {
    kind: AccountKind,
    query: AccountQuery,
    on_imported: Callback<()>,
}

/// Export of the filtered list, and (customers) import from a sheet with a full error report.
#[function_component(Sheets)]
fn sheets(p: &SheetsProps) -> Html {
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

#[derive(Properties, PartialEq)]
struct EditorProps {
    kind: AccountKind,
    editing: Option<AccountRow>,
    on_saved: Callback<Option<Html>>,
    on_cancel: Callback<()>,
}

#[function_component(AccountEditor)]
fn account_editor(p: &EditorProps) -> Html {
    let e = p.editing.clone();
    let name = use_state(|| e.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let email = use_state(|| e.as_ref().map(|r| r.email.clone()).unwrap_or_default());
    // The ERP customer as typed or picked: "name (code)" from the list, or a name alone
    // (linked by the core only when exactly one ERP customer has it).
    let erp = use_state(|| e.as_ref().map(erp_label).unwrap_or_default());
    let role = use_state(|| {
        e.as_ref()
            .map(|r| r.role)
            .unwrap_or(if p.kind == AccountKind::Customers {
                Role::Customer
            } else {
                Role::Warehouse
            })
    });
    let temp = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let erp_list = use_state(Vec::<ErpCustomer>::new);
    {
        let erp_list = erp_list.clone();
        let is_customer = p.kind == AccountKind::Customers;
        use_effect_with((*erp).clone(), move |q| {
            if is_customer {
                let req = ErpCustomerQuery {
                    search: Some(split_label(q).0.to_owned()),
                };
                spawn_local(async move {
                    if let Ok(list) = call::<ErpCustomers>(&req).await {
                        erp_list.set(list.into_iter().take(50).collect());
                    }
                });
            }
        });
    }
    let s = |st: &UseStateHandle<String>| {
        let st = st.clone();
        Callback::from(move |v: String| st.set(v))
    };
    let on_role = {
        let role = role.clone();
        Callback::from(move |ev: Event| {
            if let Ok(r) = ev
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .parse::<Role>()
            {
                role.set(r);
            }
        })
    };
    let onsubmit = {
        let (name, email, erp, erp_list, role, temp, error, saved, editing) = (
            name.clone(),
            email.clone(),
            erp.clone(),
            erp_list.clone(),
            role.clone(),
            temp.clone(),
            error.clone(),
            p.on_saved.clone(),
            p.editing.clone(),
        );
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            let (erp_customer_code, erp_customer) = pick_erp(&erp, &erp_list, editing.as_ref());
            let (error, saved) = (error.clone(), saved.clone());
            match &editing {
                Some(row) => {
                    let req = AccountUpdate {
                        id: row.id,
                        version: Some(row.version),
                        name: (*name).clone(),
                        email: (*email).clone(),
                        role: *role,
                        erp_customer_code,
                        erp_customer,
                    };
                    spawn_local(async move {
                        match call::<UpdateAccount>(&req).await {
                            Ok(r) => saved.emit(Some(html! { <div class="banner info" id="account-saved">{ format!("Saved {}.", r.email) }</div> })),
                            Err(e) => error.set(Some(e)),
                        }
                    });
                }
                None => {
                    let req = NewAccount {
                        name: (*name).clone(),
                        email: (*email).clone(),
                        role: *role,
                        erp_customer_code,
                        erp_customer,
                        temporary_password: Some((*temp).clone())
                            .filter(|t| !t.is_empty())
                            .map(Secret::new),
                    };
                    spawn_local(async move {
                        match call::<CreateAccount>(&req).await {
                            Ok(c) => saved.emit(Some(html! {
                                <div class="banner info" id="temp-password-box">
                                    { format!("Account {} created. Temporary password (shown once; to be changed at the first sign-in): ", c.account.email) }
                                    <strong id="temp-password">{ c.temporary_password.expose().to_owned() }</strong>
                                    if let Some(w) = c.erp_warning { <p class="error">{ w }</p> }
                                </div>
                            })),
                            Err(e) => error.set(Some(e)),
                        }
                    });
                }
            }
        })
    };
    let reset = {
        let (temp, error, saved, editing) = (
            temp.clone(),
            error.clone(),
            p.on_saved.clone(),
            p.editing.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(row) = editing.clone() else { return };
            let req = ResetPasswordRequest {
                id: row.id,
                temporary_password: Some((*temp).clone())
                    .filter(|t| !t.is_empty())
                    .map(Secret::new),
            };
            let (error, saved) = (error.clone(), saved.clone());
            spawn_local(async move {
                match call::<ResetAccountPassword>(&req).await {
                    Ok(r) => saved.emit(Some(html! {
                        <div class="banner info" id="temp-password-box">
                            { format!("Temporary password for {} (shown once; they must change it at the next sign-in): ", r.email) }
                            <strong id="temp-password">{ r.temporary_password.expose().to_owned() }</strong>
                        </div>
                    })),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let cancel = p.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="card" id="account-editor" {onsubmit}>
            <h2>{ if p.editing.is_some() { "Edit account" } else if p.kind == AccountKind::Customers { "New customer account" } else { "New staff account" } }</h2>
            <div class="grid2">
                <div><Field id="acc-name" label="Name" value={(*name).clone()} oninput={s(&name)} /></div>
                <div><Field id="acc-email" label="E-mail" kind="email" value={(*email).clone()} oninput={s(&email)} /></div>
                if p.kind == AccountKind::Customers {
                    <div>
                        <label for="acc-erp">{ "ERP customer" }</label>
                        <input id="acc-erp" list="erp-options" value={(*erp).clone()} oninput={s(&erp).reform(|e: InputEvent| e.target_unchecked_into::<web_sys::HtmlInputElement>().value())} />
                        <datalist id="erp-options">{ for erp_list.iter().map(|c| html! { <option value={c.label()}>{ c.city.clone().unwrap_or_default() }</option> }) }</datalist>
                        <div class="hint" id="acc-erp-link">{ link_hint(&erp, &erp_list, p.editing.as_ref()) }</div>
                    </div>
                } else {
                    <div>
                        <label for="acc-role">{ "Role" }</label>
                        <select id="acc-role" onchange={on_role}>
                            { for Role::STAFF.iter().map(|r| html! { <option value={r.as_str()} selected={*role == *r}>{ r.label() }</option> }) }
                        </select>
                    </div>
                }
                <div><Field id="acc-temp" label={if p.editing.is_none() { "Temporary password (optional)" } else { "New temporary password (optional)" }} kind="password" value={(*temp).clone()} oninput={s(&temp)} hint="Leave empty to generate one." /></div>
            </div>
            <p class="muted">{ "Users can also reset their own password from the sign-in screen with a code e-mailed to them (once mail is set up in Settings)." }</p>
            { error_line("account-error", &error) }
            <div class="actions">
                <button id="acc-save" type="submit">{ if p.editing.is_some() { "Save" } else { "Create account" } }</button>
                if p.editing.is_some() { <button type="button" class="secondary" id="acc-reset" onclick={reset}>{ "Reset password" }</button> }
                <button type="button" class="secondary" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}

/// "name (code)", or the name alone while the account has no code.
fn erp_label(r: &AccountRow) -> String {
    let name = r.erp_customer.clone().unwrap_or_default();
    match &r.erp_customer_code {
        Some(code) => format!("{name} ({code})"),
        None => name,
    }
}

/// The list's ERP customer cell: who it is linked to, or what an admin must resolve.
fn erp_cell(r: &AccountRow) -> Html {
    let label = erp_label(r);
    match (r.erp_link_problem, &r.erp_customer_code) {
        (Some(problem), _) => html! {
            <>{ label }<div class="error link-problem">{ format!("To resolve: {}.", problem.label()) }</div></>
        },
        (None, None) => html! {
            <>{ label }<div class="muted link-problem">{ "Not linked to an ERP code yet (linked by name at the next ERP read)." }</div></>
        },
        (None, Some(_)) => html! { <>{ label }</> },
    }
}

/// Splits "name (code)" into its parts; other text is a name.
fn split_label(text: &str) -> (&str, Option<&str>) {
    let t = text.trim();
    if let Some(open) = t.rfind(" (")
        && t.ends_with(')')
    {
        return (&t[..open], Some(&t[open + 2..t.len() - 1]));
    }
    (t, None)
}

/// The (code, name) an editor sends: a code only for a label the ERP listed (or the one the
/// account already has), so a name with brackets is never taken for a code.
fn pick_erp(
    text: &str,
    list: &[ErpCustomer],
    editing: Option<&AccountRow>,
) -> (Option<String>, Option<String>) {
    let t = text.trim();
    if t.is_empty() {
        return (None, None);
    }
    if let Some(c) = list.iter().find(|c| c.label() == t) {
        return (Some(c.code.clone()), Some(c.name.clone()));
    }
    if let Some(r) = editing.filter(|r| r.erp_customer_code.is_some() && erp_label(r) == t) {
        return (r.erp_customer_code.clone(), r.erp_customer.clone());
    }
    (None, Some(split_label(t).0.to_owned()))
}

fn link_hint(text: &str, list: &[ErpCustomer], editing: Option<&AccountRow>) -> String {
    let t = text.trim();
    match pick_erp(t, list, editing) {
        (Some(code), _) => format!("Linked by the ERP customer code {code}."),
        (None, Some(name)) => {
            let same = list
                .iter()
                .filter(|c| c.name.trim().eq_ignore_ascii_case(&name))
                .count();
            if same > 1 {
                format!(
                    "{same} ERP customers are named \"{name}\": pick one from the list (name and code)."
                )
            } else {
                "Pick from the list (name and code). A name alone is linked when exactly one ERP customer has it; if the ERP is offline the account is marked unverified.".into()
            }
        }
        (None, None) => "Type a name or code and pick from the list.".into(),
    }
}

fn date_to_ms(s: &str, end_of_day: bool) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let d = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&format!("{s}T00:00:00")));
    let ms = d.get_time();
    if ms.is_nan() {
        return None;
    }
    Some(ms as i64 + if end_of_day { 86_400_000 } else { 0 })
}

#[function_component(AuditLog)]
fn audit_log() -> Html {
    let actor = use_state(String::new);
    let action = use_state(String::new);
    let from = use_state(String::new);
    let to = use_state(String::new);
    let page = use_state(|| 0u32);
    let data = use_state(|| None::<Result<AuditPage, ApiError>>);
    let path = use_state(String::new);
    let export = use_state(|| None::<Result<ExportReply, ApiError>>);
    let query = AuditQuery {
        actor: (*actor).clone(),
        action: (*action).clone(),
        from_ms: date_to_ms(&from, false),
        to_ms: date_to_ms(&to, true),
        page: *page,
        page_size: 100,
    };
    {
        let data = data.clone();
        use_effect_with(query.clone(), move |q| {
            let q = q.clone();
            spawn_local(async move { data.set(Some(call::<ListAudit>(&q).await)) });
        });
    }
    let s = |st: &UseStateHandle<String>| {
        let (st, page) = (st.clone(), page.clone());
        Callback::from(move |v: String| {
            st.set(v);
            page.set(0);
        })
    };
    let do_export = {
        let (export, path, query) = (export.clone(), path.clone(), query.clone());
        Callback::from(move |_| {
            let req = ExportRequest {
                query: AuditQuery {
                    page: 0,
                    ..query.clone()
                },
                path: (*path).clone(),
            };
            let export = export.clone();
            spawn_local(async move { export.set(Some(call::<ExportAudit>(&req).await)) });
        })
    };
    let list = match &*data {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(d)) => html! {
            <>
                <p class="muted" id="audit-count">{ format!("{} entr{}", d.total, if d.total == 1 { "y" } else { "ies" }) }</p>
                <table id="audit-table">
                    <thead><tr><th>{ "When" }</th><th>{ "Who" }</th><th>{ "Action" }</th><th>{ "Record" }</th><th>{ "Detail" }</th></tr></thead>
                    <tbody>
                        { for d.rows.iter().map(|r| html! {
                            <tr>
                                <td>{ when(Some(r.at)) }</td><td>{ r.actor.clone() }</td><td>{ r.action.clone() }</td>
                                <td>{ format!("{} {}", r.target_type.clone().unwrap_or_default(), r.target_id.clone().unwrap_or_default()) }</td>
                                <td>{ r.detail.clone().unwrap_or_default() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                <div class="actions">
                    <button class="secondary" onclick={{ let page = page.clone(); move |_| page.set(page.saturating_sub(1)) }} disabled={*page == 0}>{ "Newer" }</button>
                    <button class="secondary" onclick={{ let page = page.clone(); move |_| page.set(*page + 1) }} disabled={u64::from(*page + 1) * 100 >= d.total}>{ "Older" }</button>
                </div>
            </>
        },
    };
    html! {
        <div class="card">
            <div class="grid2">
                <div><Field id="audit-actor" label="Who" value={(*actor).clone()} oninput={s(&actor)} hint="Part of the e-mail." /></div>
                <div><Field id="audit-action" label="Action" value={(*action).clone()} oninput={s(&action)} hint="Starts with, e.g. auth. or user." /></div>
                <div><Field id="audit-from" label="From" kind="date" value={(*from).clone()} oninput={s(&from)} /></div>
                <div><Field id="audit-to" label="To (inclusive)" kind="date" value={(*to).clone()} oninput={s(&to)} /></div>
            </div>
            <div class="grid2">
                <div><Field id="audit-export-path" label="Export to (.xlsx)" value={(*path).clone()} oninput={{ let p = path.clone(); Callback::from(move |v| p.set(v)) }} hint="Empty: a dated file in your Downloads folder." /></div>
                <div class="actions" style="align-items:end"><button id="audit-export" onclick={do_export}>{ "Export to Excel" }</button></div>
            </div>
            { match &*export {
                Some(Ok(r)) => html! { <p class="ok" id="audit-export-result">{ format!("Exported {} row(s) to {}", r.rows, r.path) }</p> },
                Some(Err(e)) => html! { <p class="error" id="audit-export-result">{ e.message.clone() }</p> },
                None => html! {},
            } }
            { list }
        </div>
    }
}
