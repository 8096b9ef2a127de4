//! The Procurement card of the Settings window: the approval limit.

use crate::common::ipc::call;
use crate::common::widgets::{Field, error_line};
use portdesk_types::ApiError;
use portdesk_types::api::{GetProcurementSettings, SaveProcurementSettings};
use portdesk_types::procurement::{ProcurementSettings, money, parse_price_text};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[function_component(ProcurementSettingsCard)]
pub fn procurement_settings_card() -> Html {
    let limit = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    {
        let limit = limit.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(s) = call::<GetProcurementSettings>(&()).await {
                    limit.set(money(s.approval_limit));
                }
            });
        });
    }
    let save = {
        let (limit, error, saved) = (limit.clone(), error.clone(), saved.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, saved) = (error.clone(), saved.clone());
            let Some(cents) = parse_price_text(&limit) else {
                error.set(Some(ApiError::new(
                    portdesk_types::ErrorKind::Validation,
                    format!(
                        "\"{}\" is not an amount (for example 1000.00).",
                        limit.trim()
                    ),
                )));
                return;
            };
            spawn_local(async move {
                match call::<SaveProcurementSettings>(&ProcurementSettings {
                    approval_limit: cents,
                })
                .await
                {
                    Ok(_) => {
                        error.set(None);
                        saved.set(true);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <div class="card" id="procurement-settings">
            <h2>{ "Procurement" }</h2>
            <Field id="approval-limit" label="Approval limit (order value)" value={(*limit).clone()} oninput={{ let s = limit.clone(); let saved = saved.clone(); Callback::from(move |v| { saved.set(false); s.set(v) }) }}
                hint="Requests worth more than this need an administrator to approve; 0: no limit." />
            <div class="actions"><button id="approval-limit-save" onclick={save}>{ "Save" }</button>
                if *saved { <span class="ok">{ "Saved." }</span> }</div>
            { error_line("approval-limit-error", &error) }
        </div>
    }
}
