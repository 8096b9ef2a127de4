//! One account's form in the Customers window: create or edit (at the version read), the ERP
//! customer picked by code or name.

use super::erp::{ErpInput, erp_label, link_hint, pick_erp};
use super::{reset_notice, temporary};
use crate::common::data::use_action;
use crate::common::widgets::{Field, error_line, setter, value_of};
use portdesk_types::Role;
use portdesk_types::accounts::{
    AccountKind, AccountRow, AccountUpdate, NewAccount, ResetPasswordRequest,
};
use portdesk_types::api::{CreateAccount, ErpCustomer, ResetAccountPassword, UpdateAccount};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct EditorProps {
    pub(super) kind: AccountKind,
    pub(super) editing: Option<AccountRow>,
    pub(super) on_saved: Callback<Option<Html>>,
    pub(super) on_cancel: Callback<()>,
}

#[function_component(AccountEditor)]
pub(super) fn account_editor(p: &EditorProps) -> Html {
    let e = p.editing.as_ref();
    let customers = p.kind == AccountKind::Customers;
    let name = use_state(|| e.map(|r| r.name.clone()).unwrap_or_default());
    let email = use_state(|| e.map(|r| r.email.clone()).unwrap_or_default());
    // The ERP customer as typed or picked: "name (code)" from the list, or a name alone
    // (linked by the core only when exactly one ERP customer has it).
    let erp = use_state(|| e.map(erp_label).unwrap_or_default());
    let erp_list = use_state(Vec::<ErpCustomer>::new);
    let default_role = if customers {
        Role::Customer
    } else {
        Role::Warehouse
    };
    let role = use_state(|| e.map_or(default_role, |r| r.role));
    let temp = use_state(String::new);
    let create = use_action::<CreateAccount>();
    let update = use_action::<UpdateAccount>();
    let reset = use_action::<ResetAccountPassword>();
    let on_role = {
        let role = role.clone();
        Callback::from(move |ev: Event| {
            if let Ok(r) = value_of(&ev).parse::<Role>() {
                role.set(r);
            }
        })
    };
    let onsubmit = {
        let (name, email, erp, erp_list, role, temp) = (
            name.clone(),
            email.clone(),
            erp.clone(),
            erp_list.clone(),
            role.clone(),
            temp.clone(),
        );
        let (create, update, reset, saved, editing) = (
            create.clone(),
            update.clone(),
            reset.clone(),
            p.on_saved.clone(),
            p.editing.clone(),
        );
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            let (erp_customer_code, erp_customer) = pick_erp(&erp, &erp_list, editing.as_ref());
            let saved = saved.clone();
            match &editing {
                Some(row) => {
                    // One error line for the form: the latest button's.
                    reset.clear();
                    let req = AccountUpdate {
                        id: row.id,
                        version: Some(row.version),
                        name: (*name).clone(),
                        email: (*email).clone(),
                        role: *role,
                        erp_customer_code,
                        erp_customer,
                    };
                    update.run(req, move |r| {
                        saved.emit(Some(html! { <div class="banner info" id="account-saved">{ format!("Saved {}.", r.email) }</div> }))
                    });
                }
                None => {
                    let req = NewAccount {
                        name: (*name).clone(),
                        email: (*email).clone(),
                        role: *role,
                        erp_customer_code,
                        erp_customer,
                        temporary_password: temporary(&temp),
                    };
                    create.run(req, move |c| {
                        saved.emit(Some(html! {
                            <div class="banner info" id="temp-password-box">
                                { format!("Account {} created. Temporary password (shown once; to be changed at the first sign-in): ", c.account.email) }
                                <strong id="temp-password">{ c.temporary_password.expose().to_owned() }</strong>
                                if let Some(w) = c.erp_warning { <p class="error">{ w }</p> }
                            </div>
                        }))
                    });
                }
            }
        })
    };
    let on_reset = {
        let (temp, update, reset, saved, editing) = (
            temp.clone(),
            update.clone(),
            reset.clone(),
            p.on_saved.clone(),
            p.editing.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(row) = &editing else { return };
            update.clear();
            let req = ResetPasswordRequest {
                id: row.id,
                temporary_password: temporary(&temp),
            };
            let saved = saved.clone();
            reset.run(req, move |r| saved.emit(Some(reset_notice(&r))));
        })
    };
    let error = create
        .error()
        .clone()
        .or_else(|| update.error().clone())
        .or_else(|| reset.error().clone());
    let on_list = {
        let erp_list = erp_list.clone();
        Callback::from(move |list| erp_list.set(list))
    };
    let cancel = p.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <form class="card" id="account-editor" {onsubmit}>
            <h2>{ if p.editing.is_some() { "Edit account" } else if customers { "New customer account" } else { "New staff account" } }</h2>
            <div class="grid2">
                <div><Field id="acc-name" label="Name" value={(*name).clone()} oninput={setter(&name)} /></div>
                <div><Field id="acc-email" label="E-mail" kind="email" value={(*email).clone()} oninput={setter(&email)} /></div>
                if customers {
                    <div>
                        <ErpInput id="acc-erp" list_id="erp-options" value={(*erp).clone()} oninput={setter(&erp)} list={(*erp_list).clone()} {on_list} />
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
                <div><Field id="acc-temp" label={if p.editing.is_none() { "Temporary password (optional)" } else { "New temporary password (optional)" }} kind="password" value={(*temp).clone()} oninput={setter(&temp)} hint="Leave empty to generate one." /></div>
            </div>
            <p class="muted">{ "Users can also reset their own password from the sign-in screen with a code e-mailed to them (once mail is set up in Settings)." }</p>
            { error_line("account-error", &error) }
            <div class="actions">
                <button id="acc-save" type="submit">{ if p.editing.is_some() { "Save" } else { "Create account" } }</button>
                if p.editing.is_some() { <button type="button" class="secondary" id="acc-reset" onclick={on_reset}>{ "Reset password" }</button> }
                <button type="button" class="secondary" onclick={cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}
