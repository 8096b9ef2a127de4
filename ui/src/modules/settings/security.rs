//! Settings → Sign-in protection: how many failed sign-ins lock an account, and for how long.

use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, num};
use portdesk_types::api::{GetSecuritySettings, SaveSecuritySettings};
use portdesk_types::settings::SecuritySettings;
use yew::prelude::*;

#[function_component(SecurityCard)]
pub fn security_card() -> Html {
    let loaded = use_command::<GetSecuritySettings>(());
    let save = use_action::<SaveSecuritySettings>();
    // What the user typed; until then the field shows the value as read.
    let max = use_state(|| None::<String>);
    let minutes = use_state(|| None::<String>);
    let read = loaded.data();
    let text = |typed: &Option<String>, value: fn(&SecuritySettings) -> u32| {
        typed
            .clone()
            .or_else(|| read.map(|s| value(s).to_string()))
            .unwrap_or_default()
    };
    let max_text = text(&max, |s| s.max_failed_logins);
    let minutes_text = text(&minutes, |s| s.lockout_minutes);
    // The card's version as read, then as saved: a save from a card someone else saved since
    // is refused.
    let version = save.done().or(read).and_then(|s| s.version);
    let on_save = {
        let (save, max, minutes) = (save.clone(), max_text.clone(), minutes_text.clone());
        Callback::from(move |_| {
            let req = SecuritySettings {
                max_failed_logins: num(&max),
                lockout_minutes: num(&minutes),
                version,
            };
            save.run(req, |_| ());
        })
    };
    let typing = |st: &UseStateHandle<Option<String>>| {
        let st = st.clone();
        Callback::from(move |v: String| st.set(Some(v)))
    };
    html! {
        <div class="card">
            <h2>{ "Sign-in protection" }</h2>
            <div class="grid2">
                <div><Field id="sec-max" label="Failed sign-ins before a lockout" value={max_text} oninput={typing(&max)} /></div>
                <div><Field id="sec-minutes" label="Lockout (minutes)" value={minutes_text} oninput={typing(&minutes)} /></div>
            </div>
            <div class="actions"><button id="sec-save" onclick={on_save}>{ "Save" }</button></div>
            if let Some(e) = save.error() {
                <p class="error" id="sec-result">{ e.message.clone() }</p>
            } else if save.done().is_some() {
                <p class="ok" id="sec-result">{ "Saved. Applies to every desktop using this store." }</p>
            }
        </div>
    }
}
