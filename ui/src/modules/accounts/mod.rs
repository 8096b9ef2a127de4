//! The Customers window (admin): customer and staff accounts, account requests, and the
//! audit log.

mod audit;
mod editor;
mod erp;
mod requests;
mod sheets;
mod table;

use audit::AuditLog;
use editor::AccountEditor;
use sheets::Sheets;
use table::{AccountTable, RowAction};

use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, date_time, error_line};
use portdesk_types::Secret;
use portdesk_types::accounts::{
    AccountKind, AccountQuery, AccountRef, AccountRow, AccountStatus, ResetPasswordReply,
    ResetPasswordRequest, SetActiveRequest,
};
use portdesk_types::api::{ListAccounts, ResetAccountPassword, SetAccountActive, UnlockAccount};
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

fn when(ms: Option<i64>) -> String {
    ms.map_or_else(|| "never".into(), date_time)
}

/// A temporary password as typed; empty: the core generates one.
fn temporary(typed: &str) -> Option<Secret> {
    Some(typed).filter(|t| !t.is_empty()).map(Secret::new)
}

/// A reset's temporary password, shown once above the list.
fn reset_notice(r: &ResetPasswordReply) -> Html {
    html! {
        <div class="banner info" id="temp-password-box">
            { format!("Temporary password for {} (shown once; they must change it at the next sign-in): ", r.email) }
            <strong id="temp-password">{ r.temporary_password.expose().to_owned() }</strong>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct AccountsProps {
    kind: AccountKind,
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
    let page = use_command::<ListAccounts>((*query).clone());
    let editor = use_state(|| Editor::Closed);
    let notice = use_state(|| None::<Html>);
    let set_active = use_action::<SetAccountActive>();
    let unlock = use_action::<UnlockAccount>();
    let reset = use_action::<ResetAccountPassword>();
    // A new search or filter starts at the first page.
    let filter = |f: fn(&mut AccountQuery, String)| {
        let query = query.clone();
        Callback::from(move |v: String| {
            let mut q = (*query).clone();
            f(&mut q, v);
            q.page = 0;
            query.set(q);
        })
    };
    let on_status = filter(|q, v| {
        q.status = match v.as_str() {
            "active" => AccountStatus::Active,
            "inactive" => AccountStatus::Inactive,
            "locked" => AccountStatus::Locked,
            _ => AccountStatus::All,
        }
    })
    .reform(|e: Event| e.target_unchecked_into::<HtmlSelectElement>().value());
    let on_action = {
        let (set_active, unlock, reset) = (set_active.clone(), unlock.clone(), reset.clone());
        let (notice, reload) = (notice.clone(), page.reload());
        Callback::from(move |(id, what): (i64, RowAction)| {
            // One error line for the rows' buttons: the latest click's.
            set_active.clear();
            unlock.clear();
            reset.clear();
            let done = {
                let (notice, reload) = (notice.clone(), reload.clone());
                move |n: Option<Html>| {
                    notice.set(n);
                    reload.emit(());
                }
            };
            match what {
                RowAction::Activate | RowAction::Deactivate => {
                    let active = what == RowAction::Activate;
                    set_active.run(SetActiveRequest { id, active }, move |_| done(None));
                }
                RowAction::Unlock => unlock.run(AccountRef { id }, move |_| done(None)),
                RowAction::ResetPassword => {
                    let req = ResetPasswordRequest {
                        id,
                        temporary_password: None,
                    };
                    reset.run(req, move |r| done(Some(reset_notice(&r))));
                }
            }
        })
    };
    let action_error = set_active
        .error()
        .clone()
        .or_else(|| unlock.error().clone())
        .or_else(|| reset.error().clone());
    let table = match (page.data(), page.error()) {
        (Some(pg), _) => html! {
            <AccountTable kind={p.kind} page={pg.clone()} query={(*query).clone()}
                on_query={{ let query = query.clone(); Callback::from(move |q| query.set(q)) }}
                on_edit={{ let editor = editor.clone(); Callback::from(move |r| editor.set(Editor::Edit(r))) }}
                {on_action} />
        },
        (None, Some(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        (None, None) => html! { <p class="muted">{ "Loading…" }</p> },
    };
    let open_new = {
        let editor = editor.clone();
        Callback::from(move |_| editor.set(Editor::New))
    };
    let on_saved = {
        let (editor, notice, reload) = (editor.clone(), notice.clone(), page.reload());
        Callback::from(move |n: Option<Html>| {
            editor.set(Editor::Closed);
            notice.set(n);
            reload.emit(());
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
                    <div><Field id="accounts-search" label="Search" value={query.search.clone()} oninput={filter(|q, v| q.search = v)} hint="Name, e-mail or ERP customer." /></div>
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
            <Sheets kind={p.kind} query={(*query).clone()} on_imported={page.reload()} />
        </>
    }
}
