//! The Customers window's list of accounts: sortable columns, each row's actions, and pages.

use super::erp::erp_cell;
use super::when;
use portdesk_types::accounts::{AccountKind, AccountPage, AccountQuery, AccountRow, AccountSort};
use yew::prelude::*;

/// What a row's buttons ask of the core.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum RowAction {
    Activate,
    Deactivate,
    Unlock,
    ResetPassword,
}

#[derive(Properties, PartialEq)]
pub(super) struct TableProps {
    pub(super) kind: AccountKind,
    pub(super) page: AccountPage,
    /// The query the page answers: its sort and page number, changed here.
    pub(super) query: AccountQuery,
    pub(super) on_query: Callback<AccountQuery>,
    pub(super) on_edit: Callback<AccountRow>,
    pub(super) on_action: Callback<(i64, RowAction)>,
}

#[function_component(AccountTable)]
pub(super) fn account_table(p: &TableProps) -> Html {
    let pg = &p.page;
    let customers = p.kind == AccountKind::Customers;
    let pages = pg.total.div_ceil(u64::from(pg.page_size.max(1))).max(1);
    let sort_header = |sort: AccountSort, label: &'static str| {
        let (query, on_query) = (p.query.clone(), p.on_query.clone());
        let arrow = if query.sort == sort {
            if query.descending { " ▼" } else { " ▲" }
        } else {
            ""
        };
        let onclick = Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let mut q = query.clone();
            q.descending = q.sort == sort && !q.descending;
            q.sort = sort;
            on_query.emit(q);
        });
        html! { <th><a href="#" {onclick}>{ format!("{label}{arrow}") }</a></th> }
    };
    let go = |delta: i64| {
        let (query, on_query) = (p.query.clone(), p.on_query.clone());
        let max = pages as i64 - 1;
        Callback::from(move |_: MouseEvent| {
            let mut q = query.clone();
            q.page = (i64::from(q.page) + delta).clamp(0, max) as u32;
            on_query.emit(q);
        })
    };
    let act = |r: &AccountRow, what: RowAction| {
        let id = r.id;
        p.on_action.reform(move |_: MouseEvent| (id, what))
    };
    html! {
        <>
            <p class="muted" id="accounts-count">{ format!("{} account(s) · page {} of {}", pg.total, pg.page + 1, pages) }</p>
            <table id="accounts-table">
                <thead><tr>
                    { sort_header(AccountSort::Name, "Name") }
                    { sort_header(AccountSort::Email, "E-mail") }
                    if customers { { sort_header(AccountSort::ErpCustomer, "ERP customer") } } else { { sort_header(AccountSort::Role, "Role") } }
                    <th>{ "State" }</th>
                    { sort_header(AccountSort::LastLogin, "Last sign-in") }
                    <th>{ "Actions" }</th>
                </tr></thead>
                <tbody>
                { for pg.rows.iter().map(|r| {
                    let edit = { let r = r.clone(); p.on_edit.reform(move |_: MouseEvent| r.clone()) };
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
                            <td>{ if customers { erp_cell(r) } else { html! { <>{ r.role.label() }</> } } }</td>
                            <td class="state">{ if state.is_empty() { "active".to_owned() } else { state } }</td>
                            <td>{ when(r.last_login_at) }</td>
                            <td class="row-actions">
                                <button class="secondary" onclick={edit}>{ "Edit" }</button>{ " " }
                                if r.active { <button class="secondary act-deactivate" onclick={act(r, RowAction::Deactivate)}>{ "Deactivate" }</button> }
                                else { <button class="secondary act-activate" onclick={act(r, RowAction::Activate)}>{ "Activate" }</button> }{ " " }
                                if r.locked { <button class="secondary act-unlock" onclick={act(r, RowAction::Unlock)}>{ "Unlock" }</button>{ " " } }
                                <button class="secondary act-reset" onclick={act(r, RowAction::ResetPassword)}>{ "Reset password" }</button>
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
