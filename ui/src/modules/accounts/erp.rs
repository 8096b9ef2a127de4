//! The ERP customer an account is linked to: the input that lists the ERP's matches as the
//! user types, and how the typed or picked text becomes the code and name sent to the core.

use crate::common::data::use_command;
use crate::common::widgets::input_value;
use portdesk_types::accounts::AccountRow;
use portdesk_types::api::{ErpCustomer, ErpCustomerQuery, ErpCustomers};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ErpInputProps {
    pub(super) id: AttrValue,
    pub(super) list_id: AttrValue,
    /// "name (code)" from the list, or a name alone.
    pub(super) value: AttrValue,
    pub(super) oninput: Callback<String>,
    /// The matches as last read, shown in the list.
    pub(super) list: Vec<ErpCustomer>,
    /// Each new reading of the matches (the form picks from them when it is sent).
    pub(super) on_list: Callback<Vec<ErpCustomer>>,
}

/// The label, the input and its list of the ERP's matches. Shown only where an account is
/// linked, so only there is the ERP asked; a failed reading keeps the last list.
#[function_component(ErpInput)]
pub(super) fn erp_input(p: &ErpInputProps) -> Html {
    let found = use_command::<ErpCustomers>(ErpCustomerQuery {
        search: Some(split_label(&p.value).0.to_owned()),
    });
    {
        let on_list = p.on_list.clone();
        let first = found
            .data()
            .map(|l| l.iter().take(50).cloned().collect::<Vec<_>>());
        use_effect_with(first, move |list| {
            if let Some(list) = list {
                on_list.emit(list.clone());
            }
        });
    }
    html! {
        <>
            <label for={p.id.clone()}>{ "ERP customer" }</label>
            <input id={p.id.clone()} list={p.list_id.clone()} value={p.value.clone()} oninput={p.oninput.reform(|e: InputEvent| input_value(&e))} />
            <datalist id={p.list_id.clone()}>{ for p.list.iter().map(|c| html! { <option value={c.label()}>{ c.city.clone().unwrap_or_default() }</option> }) }</datalist>
        </>
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
