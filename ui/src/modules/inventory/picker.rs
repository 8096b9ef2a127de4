//! A staff member picks the ERP customer whose stock the Inventory window shows (by name or code).

use crate::common::data::use_command;
use crate::common::widgets::Field;
use portdesk_types::api::{ErpCustomer, ErpCustomerQuery, ErpCustomers};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct PickerProps {
    pub(super) on_pick: Callback<ErpCustomer>,
    /// The code on screen.
    pub(super) current: Option<String>,
}

/// Staff choose whose stock to see from the ERP's customer list.
#[function_component(CustomerPicker)]
pub(super) fn customer_picker(p: &PickerProps) -> Html {
    let search = use_state(String::new);
    let list = use_command::<ErpCustomers>(ErpCustomerQuery {
        search: Some((*search).clone()).filter(|s| !s.is_empty()),
    });
    let s = search.clone();
    html! {
        <div class="card">
            <Field id="erp-customer-search" label="ERP customer" value={(*search).clone()} oninput={Callback::from(move |v| s.set(v))} hint="Type to search by name or code, then pick one." />
            { match (list.data(), list.error()) {
                (Some(l), _) => html! {
                    <>
                        <p class="muted" id="erp-customer-count">{ format!("{} ERP customer(s)", l.len()) }</p>
                        <div class="chips" id="erp-customers">
                            { for l.iter().take(30).map(|c| {
                                let picked = c.clone();
                                let pick = p.on_pick.reform(move |_: MouseEvent| picked.clone());
                                let class = if p.current.as_deref() == Some(c.code.as_str()) { "" } else { "secondary" };
                                // Names can repeat in the ERP: the code tells them apart.
                                html! { <button class={class} data-customer={c.name.clone()} data-code={c.code.clone()} onclick={pick}>{ c.label() }</button> }
                            }) }
                        </div>
                    </>
                },
                (None, Some(e)) => html! { <p class="error" id="erp-error">{ e.message.clone() }</p> },
                (None, None) => html! { <p class="muted">{ "Reading the ERP…" }</p> },
            } }
        </div>
    }
}
