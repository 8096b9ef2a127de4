//! The shop's settings (admin): postcode rules and the default country.

use crate::common::data::{use_action, use_command};
use crate::common::widgets::error_line;
use crate::modules::shop::{field_error, form_error};
use portdesk_types::api::{GetShopSettings, SaveShopSettings};
use portdesk_types::shop::ShopSettings;
use yew::prelude::*;

#[function_component(ShopSettingsCard)]
pub fn shop_settings_card() -> Html {
    let loaded = use_command::<GetShopSettings>(());
    let save = use_action::<SaveShopSettings>();
    // The card as typed since it was last loaded or saved.
    let typed = use_state(|| None::<ShopSettings>);
    // What the card shows: the typing, else the save's reply (its new version), else the load's.
    let Some(s) = (*typed)
        .clone()
        .or_else(|| save.done().or(loaded.data()).cloned())
    else {
        return html! { <div class="card" id="shop-settings">{ error_line("shop-settings-error", &loaded.error().cloned()) }</div> };
    };
    let saved = save.done().is_some() && typed.is_none() && save.error().is_none();
    let set = |f: fn(&mut ShopSettings, String)| {
        let (typed, s) = (typed.clone(), s.clone());
        Callback::from(move |ev: InputEvent| {
            let mut s = s.clone();
            f(
                &mut s,
                ev.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            );
            typed.set(Some(s));
        })
    };
    let on_save = {
        let (save, typed, req) = (save.clone(), typed.clone(), s.clone());
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            let typed = typed.clone();
            save.run(req.clone(), move |_| typed.set(None));
        })
    };
    let error = save.error();
    html! {
        <form class="card" id="shop-settings" onsubmit={on_save}>
            <h2>{ "Shop settings" }</h2>
            <label for="shop-postcode-rules">{ "Postcode rules" }</label>
            <textarea id="shop-postcode-rules" rows="6" value={s.postcode_rules.clone()} oninput={set(|s, v| s.postcode_rules = v)}
                placeholder="IN ^[0-9]{6}$" />
            <div class="hint">{ "One rule a line: a two-letter country code, a space and a regular expression (IN ^[0-9]{6}$). A country without a rule takes 2 to 10 letters, digits, spaces or dashes." }</div>
            { field_error(error, "shop-postcode-rules", &["postcode_rules"]) }
            <label for="shop-default-country">{ "Default country (two letters)" }</label>
            <input id="shop-default-country" type="text" value={s.default_country.clone()} oninput={set(|s, v| s.default_country = v)} />
            { field_error(error, "shop-default-country", &["default_country"]) }
            <div class="actions"><button type="submit" id="shop-settings-save">{ "Save" }</button></div>
            { form_error("shop-settings-error", error, &["postcode_rules", "default_country"]) }
            if saved { <p class="ok" id="shop-settings-saved">{ "Saved." }</p> }
        </form>
    }
}
