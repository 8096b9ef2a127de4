//! "Request an account" from the sign-in screen: stored for an administrator, who creates the
//! account (or says why not). The reply never tells whether the e-mail has an account.

use crate::common::data::use_action;
use crate::common::widgets::{Field, about, field_error, form_error, input_value, setter};
use portdesk_types::ApiError;
use portdesk_types::accounts::{NewAccountRequest, check_name, check_phone};
use portdesk_types::api::RequestAccount;
use portdesk_types::password::check_email;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RequestAccountProps {
    /// What was typed in the sign-in form, as a start.
    pub email: String,
    pub on_back: Callback<()>,
}

const FIELDS: &[&str] = &["name", "email", "phone", "company", "message"];

#[function_component(RequestAccountForm)]
pub fn request_account_form(p: &RequestAccountProps) -> Html {
    let name = use_state(String::new);
    let email = use_state(|| p.email.clone());
    let phone = use_state(String::new);
    let company = use_state(String::new);
    let message = use_state(String::new);
    let send = use_action::<RequestAccount>();
    // A mistake found before asking the core; it replaces the core's last refusal.
    let typo = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (name, email, phone, company, message, send, typo) = (
            name.clone(),
            email.clone(),
            phone.clone(),
            company.clone(),
            message.clone(),
            send.clone(),
            typo.clone(),
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
                typo.set(local);
                send.clear();
                return;
            }
            let req = NewAccountRequest {
                name: (*name).clone(),
                email: email.trim().to_owned(),
                phone: Some((*phone).clone()).filter(|p| !p.trim().is_empty()),
                company: (*company).clone(),
                message: Some((*message).clone()).filter(|m| !m.trim().is_empty()),
            };
            send.run(req, |()| ());
        })
    };
    let error = send.error().clone().or_else(|| (*typo).clone());
    let back = p.on_back.reform(|_: MouseEvent| ());
    if send.done().is_some() {
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
        Callback::from(move |e: InputEvent| message.set(input_value(&e)))
    };
    html! {
        <form id="request-account-form" class="card narrow" {onsubmit}>
            <h2>{ "Request an account" }</h2>
            <p class="muted">{ "Tell us who you are. An administrator checks the request and sends you your sign-in details." }</p>
            <Field id="ra-name" label="Full name" value={(*name).clone()} oninput={setter(&name)} autocomplete="name" invalid={about(&error, &["name"])} />
            { field_error(&error, "ra-name", &["name"]) }
            <Field id="ra-email" label="E-mail" kind="email" value={(*email).clone()} oninput={setter(&email)} autocomplete="email" invalid={about(&error, &["email"])} />
            { field_error(&error, "ra-email", &["email"]) }
            <Field id="ra-phone" label="Phone (optional)" kind="tel" value={(*phone).clone()} oninput={setter(&phone)} autocomplete="tel" invalid={about(&error, &["phone"])} />
            { field_error(&error, "ra-phone", &["phone"]) }
            <Field id="ra-company" label="Company" value={(*company).clone()} oninput={setter(&company)} autocomplete="organization" invalid={about(&error, &["company"])} />
            { field_error(&error, "ra-company", &["company"]) }
            <label for="ra-message">{ "Message (optional)" }</label>
            <textarea id="ra-message" rows="3" value={(*message).clone()} oninput={on_message} />
            { field_error(&error, "ra-message", &["message"]) }
            { form_error("ra-error", &error, FIELDS) }
            <div class="actions">
                <button id="ra-submit" type="submit" disabled={send.busy()}>{ "Send request" }</button>
                <button id="ra-back" type="button" class="secondary" onclick={back}>{ "Back to sign in" }</button>
            </div>
        </form>
    }
}
