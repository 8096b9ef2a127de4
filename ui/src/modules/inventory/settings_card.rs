//! The Inventory card of the Settings window.

use crate::common::ipc::call;
use crate::common::widgets::Field;
use portdesk_types::ApiError;
use portdesk_types::api::*;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// The field the core names in its validation errors.
const AUTO_REFRESH_FIELD: &str = "auto_refresh_minutes";

#[function_component(InventorySettingsCard)]
pub fn inventory_settings_card() -> Html {
    use portdesk_types::inventory::InventorySettings;
    let minutes = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    let busy = use_state(|| false);
    // The card's version as read: a save from a card someone else saved since is refused.
    let version = use_state(|| None::<i64>);
    {
        let (minutes, error, version) = (minutes.clone(), error.clone(), version.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                match call::<GetInventorySettings>(&()).await {
                    Ok(s) => {
                        minutes.set(s.auto_refresh_minutes.to_string());
                        version.set(s.version);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    let save = {
        let (minutes, error, saved, busy, version) = (
            minutes.clone(),
            error.clone(),
            saved.clone(),
            busy.clone(),
            version.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            saved.set(false);
            let Ok(m) = minutes.trim().parse::<u32>() else {
                error.set(Some(ApiError::validation(
                    AUTO_REFRESH_FIELD,
                    "Enter the minutes as a whole number; 0 turns auto-refresh off.",
                )));
                return;
            };
            let req = InventorySettings {
                auto_refresh_minutes: m,
                version: *version,
            };
            let (minutes, error, saved, busy, version) = (
                minutes.clone(),
                error.clone(),
                saved.clone(),
                busy.clone(),
                version.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match call::<SaveInventorySettings>(&req).await {
                    Ok(s) => {
                        minutes.set(s.auto_refresh_minutes.to_string());
                        version.set(s.version);
                        error.set(None);
                        saved.set(true);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let oninput = {
        let (minutes, saved) = (minutes.clone(), saved.clone());
        Callback::from(move |v: String| {
            minutes.set(v);
            saved.set(false);
        })
    };
    let invalid = error
        .as_ref()
        .is_some_and(|e| e.field.as_deref() == Some(AUTO_REFRESH_FIELD));
    html! {
        <div class="card" id="inventory-settings">
            <h2>{ "Inventory" }</h2>
            <div class="grid2">
                <div><Field id="inv-auto-refresh" label="Refresh open Inventory windows from the ERP every (minutes)" kind="number"
                    value={(*minutes).clone()} {oninput} {invalid}
                    hint="0 = only when asked. Applies to every open Inventory window." /></div>
            </div>
            <div class="actions">
                <button id="inv-save" onclick={save} disabled={*busy}>{ "Save" }</button>
                if *saved { <span class="ok" id="inv-saved">{ "Saved." }</span> }
            </div>
            if let Some(e) = &*error {
                <p class="error" id="inv-error" role="alert" data-field={e.field.clone()}>{ e.message.clone() }</p>
            }
        </div>
    }
}
