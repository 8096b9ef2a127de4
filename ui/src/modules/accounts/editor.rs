//! One account's form in the Customers window: create or edit (at the version read), the ERP
//! customer picked by code or name.

use super::*;

#[derive(Properties, PartialEq)]
pub(super) struct EditorProps {
    pub(super) kind: AccountKind,
    pub(super) editing: Option<AccountRow>,
    pub(super) on_saved: Callback<Option<Html>>,
    pub(super) on_cancel: Callback<()>,
}

#[function_component(AccountEditor)]
pub(super) fn account_editor(p: &EditorProps) -> Html {
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
pub(super) fn erp_label(r: &AccountRow) -> String {
    let name = r.erp_customer.clone().unwrap_or_default();
    match &r.erp_customer_code {
        Some(code) => format!("{name} ({code})"),
        None => name,
    }
}

/// The list's ERP customer cell: who it is linked to, or what an admin must resolve.
pub(super) fn erp_cell(r: &AccountRow) -> Html {
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
pub(super) fn split_label(text: &str) -> (&str, Option<&str>) {
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
pub(super) fn pick_erp(
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

pub(super) fn link_hint(text: &str, list: &[ErpCustomer], editing: Option<&AccountRow>) -> String {
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
