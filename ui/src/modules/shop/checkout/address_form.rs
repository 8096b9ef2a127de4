//! The form for a new or an edited address, with the core's refusal by the field it names.

use crate::modules::shop::{about, checked_of, field_error, form_error, value_of};
use portdesk_types::ApiError;
use portdesk_types::shop::*;
use yew::prelude::*;

/// The address fields the core may name, and the input each shows by.
const ADDRESS_FIELDS: [(&str, &str); 9] = [
    ("kind", "addr-kind"),
    ("name", "addr-name"),
    ("line1", "addr-line1"),
    ("line2", "addr-line2"),
    ("city", "addr-city"),
    ("postcode", "addr-postcode"),
    ("country", "addr-country"),
    ("phone", "addr-phone"),
    ("is_default", "addr-default"),
];

#[derive(Properties, PartialEq)]
pub(super) struct AddressFormProps {
    pub edit: AddressEdit,
    /// The last save's (or delete's) refusal.
    pub error: Option<ApiError>,
    pub on_edit: Callback<AddressEdit>,
    pub on_save: Callback<AddressEdit>,
    pub on_cancel: Callback<()>,
}

#[function_component(AddressForm)]
pub(super) fn address_form(p: &AddressFormProps) -> Html {
    let (e, error) = (&p.edit, &p.error);
    let set = |f: fn(&mut AddressEdit, String)| {
        let (e, on_edit) = (e.clone(), p.on_edit.clone());
        Callback::from(move |ev: InputEvent| {
            let mut a = e.clone();
            f(
                &mut a,
                ev.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            );
            on_edit.emit(a);
        })
    };
    let on_kind = {
        let (e, on_edit) = (e.clone(), p.on_edit.clone());
        Callback::from(move |ev: Event| {
            let mut a = e.clone();
            a.kind = AddressKind::parse(&value_of(&ev)).unwrap_or_default();
            on_edit.emit(a);
        })
    };
    let on_default = {
        let (e, on_edit) = (e.clone(), p.on_edit.clone());
        Callback::from(move |ev: Event| {
            let mut a = e.clone();
            a.is_default = checked_of(&ev);
            on_edit.emit(a);
        })
    };
    let save = {
        let (e, on_save) = (e.clone(), p.on_save.clone());
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            on_save.emit(e.clone());
        })
    };
    let cancel = p.on_cancel.reform(|_: MouseEvent| ());
    let input = |id: &'static str,
                 label: &'static str,
                 name: &'static str,
                 value: &str,
                 f: fn(&mut AddressEdit, String),
                 auto: &'static str| {
        let bad = about(error, &[name]);
        html! {
            <div>
                <label for={id}>{ label }</label>
                <input id={id} type="text" value={value.to_string()} oninput={set(f)} autocomplete={auto}
                    class={bad.then_some("invalid")} aria-invalid={bad.then_some("true")} />
                { field_error(error, id, &[name]) }
            </div>
        }
    };
    let names: Vec<&str> = ADDRESS_FIELDS.iter().map(|(n, _)| *n).collect();
    html! {
        <form id="address-form" class="card inset" onsubmit={save}>
            <h3>{ if e.id.is_some() { "Edit address" } else { "New address" } }</h3>
            <div class="grid2">
                <div>
                    <label for="addr-kind">{ "Kind" }</label>
                    <select id="addr-kind" onchange={on_kind}>
                        { for AddressKind::ALL.iter().map(|k| html! { <option value={k.as_str()} selected={e.kind == *k}>{ k.label() }</option> }) }
                    </select>
                    { field_error(error, "addr-kind", &["kind"]) }
                </div>
                { input("addr-name", "Name", "name", &e.name, |a, v| a.name = v, "name") }
                { input("addr-line1", "Address line 1", "line1", &e.line1, |a, v| a.line1 = v, "address-line1") }
                { input("addr-line2", "Address line 2 (optional)", "line2", &e.line2, |a, v| a.line2 = v, "address-line2") }
                { input("addr-city", "City", "city", &e.city, |a, v| a.city = v, "address-level2") }
                { input("addr-postcode", "Postcode", "postcode", &e.postcode, |a, v| a.postcode = v, "postal-code") }
                { input("addr-country", "Country (two letters, e.g. IN, GB)", "country", &e.country, |a, v| a.country = v, "country") }
                { input("addr-phone", "Phone", "phone", &e.phone, |a, v| a.phone = v, "tel") }
            </div>
            <label class="check"><input type="checkbox" id="addr-default" checked={e.is_default} onchange={on_default} />{ " Default address" }</label>
            <div class="actions">
                <button type="submit" id="addr-save">{ "Save address" }</button>
                <button type="button" class="secondary" id="addr-cancel" onclick={cancel}>{ "Cancel" }</button>
            </div>
            { form_error("addr-error", error, &names) }
        </form>
    }
}
