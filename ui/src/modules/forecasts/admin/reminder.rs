//! Settings → the deadline reminder (admin): days before the deadline that reps who have not
//! submitted are e-mailed.

use crate::common::data::{use_action, use_command};
use crate::common::widgets::Field;
use portdesk_types::api::{GetForecastSettings, SaveForecastSettings};
use portdesk_types::forecasts::ForecastSettings;
use yew::prelude::*;

#[function_component(Reminder)]
pub(super) fn reminder() -> Html {
    let loaded = use_command::<GetForecastSettings>(());
    let save = use_action::<SaveForecastSettings>();
    // What the user typed; until then the days as read.
    let typed = use_state(|| None::<String>);
    let days = (*typed)
        .clone()
        .or_else(|| loaded.data().map(|s| s.reminder_days.to_string()))
        .unwrap_or_default();
    // The card as last saved, else as read.
    let current = save.done().or(loaded.data()).copied();
    let on_save = {
        let (save, days) = (save.clone(), days.clone());
        Callback::from(move |_: MouseEvent| {
            // Not a number: -1 reaches the core, which names the field and the range.
            let req = ForecastSettings {
                reminder_days: days.trim().parse().unwrap_or(-1),
                // The card's version as last read or saved.
                version: current.and_then(|s| s.version),
            };
            save.run(req, |_| ());
        })
    };
    // The last answer's refusal: the last save's, else (no save yet) the read's.
    let error = match save.error() {
        Some(e) => Some(e),
        None if save.done().is_none() => loaded.error(),
        None => None,
    };
    html! {
        <>
            <h3>{ "Deadline reminder" }</h3>
            <Field id="fc-reminder-days" label="E-mail reps who have not submitted this many days before the deadline (0: never)"
                value={days} oninput={{ let t = typed.clone(); Callback::from(move |v| t.set(Some(v))) }} />
            <div class="actions"><button class="secondary" id="fc-reminder-save" onclick={on_save}>{ "Save" }</button>
                { match (error, current) {
                    (Some(e), _) => html! { <span class="error" id="fc-reminder-error">{ e.message.clone() }</span> },
                    (_, Some(s)) => html! { <span class="muted" id="fc-reminder-state">{ if s.reminder_days == 0 { "No reminder.".to_string() } else { format!("Reminder {} day(s) before the deadline.", s.reminder_days) } }</span> },
                    _ => html! {},
                } }
            </div>
        </>
    }
}
