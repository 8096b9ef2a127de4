//! "My profile" on the home page: the signed-in user's own name and phone (e-mail and role
//! shown only), and the way to the password change.

use super::request_account::field_error;
use crate::common::ipc::call;
use crate::common::widgets::{Field, error_line};
use portdesk_types::ApiError;
use portdesk_types::accounts::{Profile, ProfileUpdate, check_name, check_phone};
use portdesk_types::api::{GetProfile, UpdateProfile};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProfileProps {
    pub user_id: i64,
    /// Saved: the page's name (the session's) follows.
    pub on_saved: Callback<()>,
    /// Opens the change-password form.
    pub on_change_password: Callback<()>,
}

#[function_component(ProfileCard)]
pub fn profile_card(p: &ProfileProps) -> Html {
    let loaded = use_state(|| None::<Result<Profile, ApiError>>);
    let name = use_state(String::new);
    let phone = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    let busy = use_state(|| false);
    {
        let (loaded, name, phone) = (loaded.clone(), name.clone(), phone.clone());
        use_effect_with(p.user_id, move |_| {
            spawn_local(async move {
                let r = call::<GetProfile>(&()).await;
                if let Ok(me) = &r {
                    name.set(me.name.clone());
                    phone.set(me.phone.clone().unwrap_or_default());
                }
                loaded.set(Some(r));
            });
        });
    }
    let me = match &*loaded {
        None => {
            return html! { <div class="card" id="profile-card"><p class="muted">{ "Loading your profile…" }</p></div> };
        }
        Some(Err(e)) => {
            return html! { <div class="card" id="profile-card"><p class="error">{ e.message.clone() }</p></div> };
        }
        Some(Ok(me)) => me.clone(),
    };
    let onsubmit = {
        let (name, phone, error, saved, busy, loaded, on_saved) = (
            name.clone(),
            phone.clone(),
            error.clone(),
            saved.clone(),
            busy.clone(),
            loaded.clone(),
            p.on_saved.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            saved.set(false);
            let local = check_name(&name)
                .err()
                .map(|m| ApiError::validation("name", m))
                .or_else(|| {
                    check_phone(&phone)
                        .err()
                        .map(|m| ApiError::validation("phone", m))
                });
            if local.is_some() {
                error.set(local);
                return;
            }
            let req = ProfileUpdate {
                // The profile as read (or as the last save left it).
                version: match &*loaded {
                    Some(Ok(p)) => Some(p.version),
                    _ => None,
                },
                name: (*name).clone(),
                phone: Some(phone.trim().to_owned()).filter(|p| !p.is_empty()),
            };
            let (error, saved, busy, loaded, on_saved, name, phone) = (
                error.clone(),
                saved.clone(),
                busy.clone(),
                loaded.clone(),
                on_saved.clone(),
                name.clone(),
                phone.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match call::<UpdateProfile>(&req).await {
                    Ok(me) => {
                        error.set(None);
                        name.set(me.name.clone());
                        phone.set(me.phone.clone().unwrap_or_default());
                        loaded.set(Some(Ok(me)));
                        saved.set(true);
                        on_saved.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let about = |f: &str| error.as_ref().and_then(|e| e.field.as_deref()) == Some(f);
    let other = match &*error {
        Some(e) if matches!(e.field.as_deref(), Some("name" | "phone")) => html! {},
        _ => error_line("profile-error", &error),
    };
    let on_edit = {
        let saved = saved.clone();
        move |s: &UseStateHandle<String>| {
            let (s, saved) = (s.clone(), saved.clone());
            Callback::from(move |v: String| {
                saved.set(false);
                s.set(v);
            })
        }
    };
    html! {
        <form class="card" id="profile-card" {onsubmit}>
            <h2>{ "My profile" }</h2>
            <p class="muted" id="profile-email">{ format!("{} · {}", me.email, me.role.label()) }
                if let Some(c) = &me.erp_customer { { format!(" · {c}") } }
            </p>
            <div class="grid2">
                <div>
                    <Field id="profile-name" label="Name" value={(*name).clone()} oninput={on_edit(&name)} autocomplete="name" invalid={about("name")} />
                    { field_error("profile-name-error", &error, "name") }
                </div>
                <div>
                    <Field id="profile-phone" label="Phone (optional)" kind="tel" value={(*phone).clone()} oninput={on_edit(&phone)} autocomplete="tel" invalid={about("phone")} hint="Digits, spaces and + - ( ); 6 to 20 digits." />
                    { field_error("profile-phone-error", &error, "phone") }
                </div>
            </div>
            { other }
            if *saved { <p class="ok" id="profile-saved">{ "Your profile was saved." }</p> }
            <div class="actions">
                <button id="profile-save" type="submit" disabled={*busy}>{ "Save profile" }</button>
                <button id="profile-change-password" type="button" class="secondary" onclick={p.on_change_password.reform(|_: MouseEvent| ())}>{ "Change password" }</button>
            </div>
        </form>
    }
}
