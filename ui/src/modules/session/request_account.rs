//! "Request an account" from the sign-in screen: stored for an administrator, who creates the
//! account (or says why not). The reply never tells whether the e-mail has an account.

use crate::common::ipc::call;
use crate::common::widgets::{Field, error_line, setter};
use portdesk_types::ApiError;
use portdesk_types::accounts::{NewAccountRequest, check_name, check_phone};
use portdesk_types::api::RequestAccount;
use portdesk_types::password::check_email;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RequestAccountProps {
    /// What was typed in the sign-in form, as a start.
    pub email: String,
    pub on_back: Callback<()>,
}

/// The error under the field it names (`id` is the error line's), nothing for another field.
pub fn field_error(id: &str, err: &Option<ApiError>, field: &str) -> Html {
    match err {
        Some(e) if e.field.as_deref() == Some(field) => error_line(id, err),
        _ => html! {},
    }
}

/// The error about no field of the form (or a field it does not show), under the form.
fn form_error(id: &str, err: &Option<ApiError>, fields: &[&str]) -> Html {
    match err {
        Some(e) if e.field.as_deref().is_some_and(|f| fields.contains(&f)) => html! {},
        _ => error_line(id, err),
    }
}

fn is_about(err: &Option<ApiError>, field: &str) -> bool {
    err.as_ref().and_then(|e| e.field.as_deref()) == Some(field)
}

const FIELDS: &[&str] = &["name", "email", "phone", "company", "message"];

#[function_component(RequestAccountForm)]
pub fn request_account_form(p: &RequestAccountProps) -> Html {
    let name = use_state(String::new);
    let email = use_state(|| p.email.clone());
    let phone = use_state(String::new);
    let company = use_state(String::new);
    let message = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let done = use_state(|| false);
    let onsubmit = {
        let (name, email, phone, company, message, error, busy, done) = (
            name.clone(),
            email.clone(),
            phone.clone(),
            company.clone(),
            message.clone(),
            error.clone(),
            busy.clone(),
            done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            // The core's own rules, so the verdict shows before a round trip.
            let local = check_name(&name)
                .err()
                .map(|m| ApiError::validation("name", m))
                .or_else(|| {
                    check_email(&email)
                        .err()
                        .map(|m| ApiError::validation("email", m))
                })
                .or_else(|| {
                    check_phone(&phone)
                        .err()
                        .map(|m| ApiError::validation("phone", m))
                })
                .or_else(|| {
                    company
                        .trim()
                        .is_empty()
                        .then(|| ApiError::validation("company", "Company is required."))
                });
            if local.is_some() {
                error.set(local);
                return;
            }
            let req = NewAccountRequest {
                name: (*name).clone(),
                email: email.trim().to_owned(),
                phone: Some((*phone).clone()).filter(|p| !p.trim().is_empty()),
                company: (*company).clone(),
                message: Some((*message).clone()).filter(|m| !m.trim().is_empty()),
            };
            let (error, busy, done) = (error.clone(), busy.clone(), done.clone());
            busy.set(true);
            spawn_local(async move {
                match call::<RequestAccount>(&req).await {
                    Ok(()) => {
                        error.set(None);
                        done.set(true);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let back = p.on_back.reform(|_: MouseEvent| ());
    if *done {
        return html! {
            <div class="card narrow" id="request-account-form">
                <h2>{ "Request an account" }</h2>
                <div class="banner info" id="ra-done">{ "Thank you. Your request is with our administrators; you will hear from us by e-mail." }</div>
                <div class="actions">
                    <button id="ra-back" type="button" class="secondary" onclick={back}>{ "Back to sign in" }</button>
                </div>
            </div>
        };
    }
    let on_message = {
        let message = message.clone();
        // A textarea's `value` is read like an input's (web-sys getters are structural), so
        // the crate needs no extra web-sys feature for it.
        Callback::from(move |e: InputEvent| {
            message.set(
                e.target_unchecked_into::<web_sys::HtmlInputElement>()
                    .value(),
            )
        })
    };
    html! {
        <form id="request-account-form" class="card narrow" {onsubmit}>
            <h2>{ "Request an account" }</h2>
            <p class="muted">{ "Tell us who you are. An administrator checks the request and sends you your sign-in details." }</p>
            <Field id="ra-name" label="Full name" value={(*name).clone()} oninput={setter(&name)} autocomplete="name" invalid={is_about(&error, "name")} />
            { field_error("ra-name-error", &error, "name") }
            <Field id="ra-email" label="E-mail" kind="email" value={(*email).clone()} oninput={setter(&email)} autocomplete="email" invalid={is_about(&error, "email")} />
            { field_error("ra-email-error", &error, "email") }
            <Field id="ra-phone" label="Phone (optional)" kind="tel" value={(*phone).clone()} oninput={setter(&phone)} autocomplete="tel" invalid={is_about(&error, "phone")} />
            { field_error("ra-phone-error", &error, "phone") }
            <Field id="ra-company" label="Company" value={(*company).clone()} oninput={setter(&company)} autocomplete="organization" invalid={is_about(&error, "company")} />
            { field_error("ra-company-error", &error, "company") }
            <label for="ra-message">{ "Message (optional)" }</label>
            <textarea id="ra-message" rows="3" value={(*message).clone()} oninput={on_message} />
            { field_error("ra-message-error", &error, "message") }
            { form_error("ra-error", &error, FIELDS) }
            <div class="actions">
                <button id="ra-submit" type="submit" disabled={*busy}>{ "Send request" }</button>
                <button id="ra-back" type="button" class="secondary" onclick={back}>{ "Back to sign in" }</button>
            </div>
        </form>
    }
}
