//! Step 1: the customer's delivery addresses, one chosen; add, edit or delete one.

use super::address_form::AddressForm;
use super::form_text::edit_of;
use crate::common::data::{use_action, use_command};
use crate::common::widgets::error_line;
use portdesk_types::api::*;
use portdesk_types::shop::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct AddressStepProps {
    pub chosen: Option<i64>,
    /// An address chosen (by the customer, or for them when the list changed), or none left.
    pub on_address: Callback<Option<i64>>,
}

/// The chosen address when it still exists, else the default (or the first).
fn pick(list: &[Address], chosen: Option<i64>) -> Option<i64> {
    chosen
        .filter(|id| list.iter().any(|a| a.id == *id))
        .or(list.iter().find(|a| a.is_default).map(|a| a.id))
        .or(list.first().map(|a| a.id))
}

#[function_component(AddressStep)]
pub(super) fn address_step(p: &AddressStepProps) -> Html {
    let addresses = use_command::<ListAddresses>(());
    // A new address starts in the shop's country; a customer who may not read the settings
    // types it.
    let settings = use_command::<GetShopSettings>(());
    let editing = use_state(|| None::<AddressEdit>);
    let save = use_action::<SaveAddress>();
    let delete = use_action::<DeleteAddress>();
    {
        // The first list chooses an address (the save and delete replies choose their own).
        let (on_address, list) = (p.on_address.clone(), addresses.data().cloned());
        use_effect_with(list.is_some(), move |_| {
            if let Some(l) = list {
                on_address.emit(pick(&l, None));
            }
        });
    }
    // Each of save and delete forgets the other's refusal when it runs: one error at a time.
    let error = save.error().clone().or_else(|| delete.error().clone());
    let open_edit = |a: Option<&Address>| {
        let (editing, save, delete) = (editing.clone(), save.clone(), delete.clone());
        let e = match a {
            Some(a) => edit_of(a),
            None => AddressEdit {
                country: settings
                    .data()
                    .map(|s| s.default_country.clone())
                    .unwrap_or_default(),
                ..Default::default()
            },
        };
        Callback::from(move |_: MouseEvent| {
            save.clear();
            delete.clear();
            editing.set(Some(e.clone()));
        })
    };
    let on_delete = |id: i64| {
        let (addresses, save, delete, on_address, chosen) = (
            addresses.clone(),
            save.clone(),
            delete.clone(),
            p.on_address.clone(),
            p.chosen,
        );
        Callback::from(move |_: MouseEvent| {
            save.clear();
            let (addresses, on_address) = (addresses.clone(), on_address.clone());
            delete.run(AddressRef { id }, move |l| {
                on_address.emit(pick(&l, chosen));
                addresses.replace(l);
            });
        })
    };
    let on_save = {
        let (addresses, save, delete, editing, on_address, chosen) = (
            addresses.clone(),
            save.clone(),
            delete.clone(),
            editing.clone(),
            p.on_address.clone(),
            p.chosen,
        );
        Callback::from(move |a: AddressEdit| {
            delete.clear();
            let (addresses, editing, on_address) =
                (addresses.clone(), editing.clone(), on_address.clone());
            // A new address is the one the customer means to use now.
            let saved_id = a.id;
            save.run(a, move |l| {
                let new_id = saved_id.or_else(|| l.iter().map(|x| x.id).max());
                editing.set(None);
                on_address.emit(new_id.or_else(|| pick(&l, chosen)));
                addresses.replace(l);
            });
        })
    };
    let on_cancel = {
        let (editing, save, delete) = (editing.clone(), save.clone(), delete.clone());
        Callback::from(move |()| {
            save.clear();
            delete.clear();
            editing.set(None);
        })
    };
    let list = match addresses.answer() {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(l)) if l.is_empty() => {
            html! { <p class="muted" id="no-addresses">{ "No address yet: add one to see the delivery slots." }</p> }
        }
        Some(Ok(l)) => html! {
            <div class="choices" id="addresses">{ for l.iter().map(|a| {
                let choose = {
                    let (on_address, id) = (p.on_address.clone(), a.id);
                    Callback::from(move |_: Event| on_address.emit(Some(id)))
                };
                html! {
                    <div class="choice-row">
                        <label class="choice">
                            <input type="radio" name="address" class="address-choice" data-address-id={a.id.to_string()}
                                checked={p.chosen == Some(a.id)} onchange={choose} />
                            <span><strong>{ a.kind.label() }</strong>{ if a.is_default { " (default)" } else { "" } }{ " · " }{ a.one_line() }</span>
                        </label>
                        <button type="button" class="secondary addr-edit" data-address-id={a.id.to_string()} onclick={open_edit(Some(a))}>{ "Edit" }</button>
                        <button type="button" class="secondary addr-delete" data-address-id={a.id.to_string()} onclick={on_delete(a.id)}>{ "Delete" }</button>
                    </div>
                }
            }) }</div>
        },
    };
    html! {
        <section class="checkout-step" id="checkout-address">
            <h3>{ "1. Delivery address" }</h3>
            { list }
            if let Some(e) = &*editing {
                <AddressForm edit={e.clone()} error={error.clone()} on_edit={{ let editing = editing.clone(); Callback::from(move |e| editing.set(Some(e))) }} {on_save} {on_cancel} />
            } else {
                <div class="actions"><button type="button" class="secondary" id="addr-add" onclick={open_edit(None)}>{ "Add address" }</button></div>
                { error_line("addr-error", &error) }
            }
        </section>
    }
}
