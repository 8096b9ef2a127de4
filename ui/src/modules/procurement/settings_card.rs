//! The Procurement card of the Settings window: the approval limit. Loaded and saved through
//! the data layer (`common::data`): the card shows what the core last answered, and what the
//! user typed until it is saved.

use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, error_line};
use portdesk_types::ApiError;
use portdesk_types::api::{GetProcurementSettings, SaveProcurementSettings};
use portdesk_types::money::{money, parse_price_text};
use portdesk_types::procurement::ProcurementSettings;
use yew::prelude::*;

#[function_component(ProcurementSettingsCard)]
pub fn procurement_settings_card() -> Html {
    let loaded = use_command::<GetProcurementSettings>(());
    let save = use_action::<SaveProcurementSettings>();
    // What the user typed since the card was last loaded or saved.
    let typed = use_state(|| None::<String>);
    let typo = use_state(|| None::<ApiError>);
    // The card as the core last answered: the save's reply, else the load's.
    let current = save.done().or(loaded.data()).copied();
    let text = (*typed)
        .clone()
        .or_else(|| current.map(|s| money(s.approval_limit)))
        .unwrap_or_default();
    let on_save = {
        let (save, typed, typo, text) = (save.clone(), typed.clone(), typo.clone(), text.clone());
        // The card's version as read: a save from a card someone else saved since is refused.
        let version = current.and_then(|s| s.version);
        Callback::from(move |_: MouseEvent| {
            let Some(cents) = parse_price_text(&text) else {
                typo.set(Some(ApiError::new(
                    portdesk_types::ErrorKind::Validation,
                    format!(
                        "\"{}\" is not an amount (for example 1000.00).",
                        text.trim()
                    ),
                )));
                return;
            };
            typo.set(None);
            let typed = typed.clone();
            save.run(
                ProcurementSettings {
                    approval_limit: cents,
                    version,
                },
                move |_| typed.set(None),
            );
        })
    };
    let saved = save.done().is_some() && typed.is_none() && save.error().is_none();
    // A refusal about the limit goes under it; any other (a stale card, the store away) and a
    // failed load under the buttons.
    let field = save.error_for(&["approval_limit"]).cloned();
    let error = if typo.is_some() {
        (*typo).clone()
    } else if field.is_none() {
        save.error().clone().or_else(|| loaded.error().cloned())
    } else {
        None
    };
    html! {
        <div class="card" id="procurement-settings">
            <h2>{ "Procurement" }</h2>
            <Field id="approval-limit" label="Approval limit (order value)" value={text}
                oninput={{ let typed = typed.clone(); Callback::from(move |v| typed.set(Some(v))) }}
                hint="Requests worth more than this need an administrator to approve; 0: no limit." />
            { error_line("approval-limit-field-error", &field) }
            <div class="actions"><button id="approval-limit-save" onclick={on_save} disabled={save.busy()}>{ "Save" }</button>
                if saved { <span class="ok">{ "Saved." }</span> }</div>
            { error_line("approval-limit-error", &error) }
        </div>
    }
}
