//! "My profile" on the home page: the signed-in user's own name and phone (e-mail and role
//! shown only), and the way to the password change.

use crate::common::data::{use_action, use_command};
use crate::common::widgets::{Field, about, field_error, form_error};
use portdesk_types::ApiError;
use portdesk_types::accounts::{ProfileUpdate, check_name, check_phone};
use portdesk_types::api::{GetProfile, UpdateProfile};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProfileProps {
    /// Saved: the page's name (the session's) follows.
    pub on_saved: Callback<()>,
    /// Opens the change-password form.
    pub on_change_password: Callback<()>,
}

/// The profile as read (the home page is the signed-in user's: another user, another card).
#[function_component(ProfileCard)]
pub fn profile_card(p: &ProfileProps) -> Html {
    let loaded = use_command::<GetProfile>(());
    let save = use_action::<UpdateProfile>();
    // What the user typed since the profile was last read or saved.
    let name = use_state(|| None::<String>);
    let phone = use_state(|| None::<String>);
    // A mistake found before asking the core; it replaces the core's last refusal.
    let typo = use_state(|| None::<ApiError>);
    let me = match (loaded.data(), loaded.error()) {
        (Some(me), _) => me.clone(),
        (None, Some(e)) => {
            return html! { <div class="card" id="profile-card"><p class="error">{ e.message.clone() }</p></div> };
        }
        (None, None) => {
            return html! { <div class="card" id="profile-card"><p class="muted">{ "Loading your profile…" }</p></div> };
        }
    };
    let name_now = (*name).clone().unwrap_or_else(|| me.name.clone());
    let phone_now = (*phone)
        .clone()
        .unwrap_or_else(|| me.phone.clone().unwrap_or_default());
    let onsubmit = {
        let (loaded, save, name, phone, typo, on_saved) = (
            loaded.clone(),
            save.clone(),
            name.clone(),
            phone.clone(),
            typo.clone(),
            p.on_saved.clone(),
        );
        let (name_now, phone_now) = (name_now.clone(), phone_now.clone());
        // The profile as read (or as the last save left it).
        let version = me.version;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let local = check_name(&name_now)
                .err()
                .map(|m| ApiError::validation("name", m))
                .or_else(|| {
                    check_phone(&phone_now)
                        .err()
                        .map(|m| ApiError::validation("phone", m))
                });
            if local.is_some() {
                typo.set(local);
                save.clear();
                return;
            }
            let req = ProfileUpdate {
                version: Some(version),
                name: name_now.clone(),
                phone: Some(phone_now.trim().to_owned()).filter(|p| !p.is_empty()),
            };
            let (loaded, name, phone, typo, on_saved) = (
                loaded.clone(),
                name.clone(),
                phone.clone(),
                typo.clone(),
                on_saved.clone(),
            );
            save.run(req, move |me| {
                loaded.replace(me);
                name.set(None);
                phone.set(None);
                typo.set(None);
                on_saved.emit(());
            });
        })
    };
    let error = save.error().clone().or_else(|| (*typo).clone());
    let saved = save.done().is_some()
        && error.is_none()
        && !save.busy()
        && name.is_none()
        && phone.is_none();
    let on_edit = |s: &UseStateHandle<Option<String>>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(Some(v)))
    };
    html! {
        <form class="card" id="profile-card" {onsubmit}>
            <h2>{ "My profile" }</h2>
            <p class="muted" id="profile-email">{ format!("{} · {}", me.email, me.role.label()) }
                if let Some(c) = &me.erp_customer { { format!(" · {c}") } }
            </p>
            <div class="grid2">
                <div>
                    <Field id="profile-name" label="Name" value={name_now} oninput={on_edit(&name)} autocomplete="name" invalid={about(&error, &["name"])} />
                    { field_error(&error, "profile-name", &["name"]) }
                </div>
                <div>
                    <Field id="profile-phone" label="Phone (optional)" kind="tel" value={phone_now} oninput={on_edit(&phone)} autocomplete="tel" invalid={about(&error, &["phone"])} hint="Digits, spaces and + - ( ); 6 to 20 digits." />
                    { field_error(&error, "profile-phone", &["phone"]) }
                </div>
            </div>
            { form_error("profile-error", &error, &["name", "phone"]) }
            if saved { <p class="ok" id="profile-saved">{ "Your profile was saved." }</p> }
            <div class="actions">
                <button id="profile-save" type="submit" disabled={save.busy()}>{ "Save profile" }</button>
                <button id="profile-change-password" type="button" class="secondary" onclick={p.on_change_password.reform(|_: MouseEvent| ())}>{ "Change password" }</button>
            </div>
        </form>
    }
}
