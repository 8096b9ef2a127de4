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
    // The card's version as read: a save from a card someone else saved since is refused.
    let version = use_state(|| None::<i64>);
    {
        let (limit, version) = (limit.clone(), version.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(s) = call::<GetProcurementSettings>(&()).await {
                    limit.set(money(s.approval_limit));
                    version.set(s.version);
                }
            });
        });
    }
    let save = {
        let (limit, error, saved, version) =
            (limit.clone(), error.clone(), saved.clone(), version.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, saved, version) = (error.clone(), saved.clone(), version.clone());
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
                    version: *version,
                })
                .await
                {
                    Ok(s) => {
                        version.set(s.version);
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
