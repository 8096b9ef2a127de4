//! The Customers window (admin): customer and staff accounts, account requests, and the
//! audit log.

mod audit;
mod editor;
mod requests;
mod sheets;

use audit::AuditLog;
use editor::{AccountEditor, erp_cell};
use sheets::Sheets;

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
