//! The Inventory card of the Settings window. Loaded and saved through the data layer: the
//! card shows what the core last answered, and what the user typed until it is saved.

use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, about};
use portdesk_types::ApiError;
use portdesk_types::api::{GetInventorySettings, SaveInventorySettings};
use portdesk_types::inventory::InventorySettings;
use yew::prelude::*;

/// The field the core names in its validation errors.
const AUTO_REFRESH_FIELD: &str = "auto_refresh_minutes";

#[function_component(InventorySettingsCard)]
pub fn inventory_settings_card() -> Html {
    let loaded = use_command::<GetInventorySettings>(());
    let save = use_action::<SaveInventorySettings>();
    // What the user typed since the card was last loaded or saved.
    let typed = use_state(|| None::<String>);
    // Minutes that are no number, found before asking the core.
    let typo = use_state(|| None::<ApiError>);
    let minutes = (*typed).clone().unwrap_or_else(|| {
        loaded
            .data()
            .map(|s| s.auto_refresh_minutes.to_string())
            .unwrap_or_default()
    });
    let on_save = {
        let (loaded, save, typed, typo, minutes) = (
            loaded.clone(),
            save.clone(),
            typed.clone(),
            typo.clone(),
            minutes.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Ok(m) = minutes.trim().parse::<u32>() else {
                typo.set(Some(ApiError::validation(
                    AUTO_REFRESH_FIELD,
                    "Enter the minutes as a whole number; 0 turns auto-refresh off.",
                )));
                save.clear();
                return;
            };
            let req = InventorySettings {
                auto_refresh_minutes: m,
                // The card's version as read: a save from a card someone else saved since is
                // refused.
                version: loaded.data().and_then(|s| s.version),
            };
            let (loaded, typed, typo) = (loaded.clone(), typed.clone(), typo.clone());
            save.run(req, move |s| {
                loaded.replace(s);
                typed.set(None);
                typo.set(None);
            });
        })
    };
    let oninput = {
        let typed = typed.clone();
        Callback::from(move |v: String| typed.set(Some(v)))
    };
    // The last word on the card: the core's refusal of the last save, else the minutes found
    // wrong here (which clears that refusal), else a failed load.
    let error = save
        .error()
        .clone()
        .or_else(|| (*typo).clone())
        .or_else(|| loaded.error().cloned());
    let saved = save.done().is_some() && typed.is_none() && !save.busy() && error.is_none();
    let invalid = about(&error, &[AUTO_REFRESH_FIELD]);
    html! {
        <div class="card" id="inventory-settings">
            <h2>{ "Inventory" }</h2>
            <div class="grid2">
                <div><Field id="inv-auto-refresh" label="Refresh open Inventory windows from the ERP every (minutes)" kind="number"
                    value={minutes} {oninput} {invalid}
                    hint="0 = only when asked. Applies to every open Inventory window." /></div>
            </div>
            <div class="actions">
                <button id="inv-save" onclick={on_save} disabled={save.busy()}>{ "Save" }</button>
                if saved { <span class="ok" id="inv-saved">{ "Saved." }</span> }
            </div>
            if let Some(e) = &error {
                <p class="error" id="inv-error" role="alert" data-field={e.field.clone()}>{ e.message.clone() }</p>
            }
        </div>
    }
}
