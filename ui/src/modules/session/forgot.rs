//! "Forgot password?": a code by e-mail, then a new password.

use super::strength_meter;
use crate::common::data::use_action;
use crate::common::widgets::{Field, error_line, setter};
use portdesk_types::api::{RequestResetCode, ResetWithCode};
use portdesk_types::mail::{ResetCodeRequest, ResetWithCodeRequest};
use portdesk_types::password::{check_email, check_password};
use portdesk_types::{ApiError, Secret};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct ForgotProps {
    /// What was typed in the sign-in form, as a start.
    pub(super) email: String,
    /// Signed in with the new password: the same as after a sign-in.
    pub(super) on_done: Callback<()>,
    pub(super) on_back: Callback<()>,
}

/// Forgot password: a one-time code by e-mail, then a new password, then signed in.
#[function_component(ForgotPassword)]
pub(super) fn forgot_password(p: &ForgotProps) -> Html {
    let email = use_state(|| p.email.clone());
    let sent = use_state(|| false);
    let code = use_state(String::new);
    let new = use_state(String::new);
    let confirm = use_state(String::new);
    let request = use_action::<RequestResetCode>();
    let reset = use_action::<ResetWithCode>();
    // A mistake found before asking the core. The error on screen is the last one: starting
    // one action clears the other's, and a mistake clears both.
    let typo = use_state(|| None::<ApiError>);
    let mistake = {
        let (typo, request, reset) = (typo.clone(), request.clone(), reset.clone());
        move |e: ApiError| {
            typo.set(Some(e));
            request.clear();
            reset.clear();
        }
    };
    let on_code = {
        let (email, sent, typo, request, reset, mistake) = (
            email.clone(),
            sent.clone(),
            typo.clone(),
            request.clone(),
            reset.clone(),
            mistake.clone(),
        );
        Callback::from(move |_: ()| {
            if let Err(m) = check_email(&email) {
                mistake(ApiError::validation("email", m));
                return;
            }
            let req = ResetCodeRequest {
                email: email.trim().to_owned(),
            };
            let (sent, typo) = (sent.clone(), typo.clone());
            reset.clear();
            request.run(req, move |()| {
                typo.set(None);
                sent.set(true);
            });
        })
    };
    let on_request = on_code.reform(|e: SubmitEvent| e.prevent_default());
    let on_reset = {
        let (email, code, new, confirm, request, reset, done) = (
            email.clone(),
            code.clone(),
            new.clone(),
            confirm.clone(),
            request.clone(),
            reset.clone(),
            p.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if code.trim().is_empty() {
                mistake(ApiError::validation(
                    "code",
                    "Enter the code from the e-mail.",
                ));
                return;
            }
            if *new != *confirm {
                mistake(ApiError::validation(
                    "confirm",
                    "The two new passwords differ.",
                ));
                return;
            }
            if let Err(m) = check_password(&new, &email) {
                mistake(ApiError::validation("new_password", m));
                return;
            }
            let req = ResetWithCodeRequest {
                email: email.trim().to_owned(),
                code: Secret::new(code.trim()),
                new_password: Secret::new((*new).clone()),
            };
            let done = done.clone();
            request.clear();
            reset.run(req, move |_| done.emit(()));
        })
    };
    let error = reset
        .error()
        .clone()
        .or_else(|| request.error().clone())
        .or_else(|| (*typo).clone());
    let busy = request.busy() || reset.busy();
    let back = p.on_back.reform(|_: MouseEvent| ());
    if !*sent {
        return html! {
            <form id="reset-request-form" class="card narrow" onsubmit={on_request}>
                <h2>{ "Forgot password" }</h2>
                <p class="muted">{ "Enter the e-mail address of your account. We send you a one-time code to choose a new password." }</p>
                <Field id="reset-email" label="E-mail" kind="email" value={(*email).clone()} oninput={setter(&email)} autocomplete="username" />
                { error_line("reset-error", &error) }
                <div class="actions">
                    <button id="reset-send-code" type="submit" disabled={busy}>{ "Send code" }</button>
                    <button id="reset-back" type="button" class="secondary" onclick={back}>{ "Back to sign in" }</button>
                </div>
            </form>
        };
    }
    html! {
        <form id="reset-form" class="card narrow" onsubmit={on_reset}>
            <h2>{ "Choose a new password" }</h2>
            <div class="banner info" id="reset-message">{ "If an account exists for that address, a code is on its way. It is valid for 15 minutes." }</div>
            <p class="muted" id="reset-address">{ format!("Code sent to: {}", email.trim()) }</p>
            <Field id="reset-code" label="Code from the e-mail" value={(*code).clone()} oninput={setter(&code)} autocomplete="one-time-code" />
            <Field id="reset-new-password" label="New password" kind="password" value={(*new).clone()} oninput={setter(&new)} autocomplete="new-password" />
            { strength_meter(&new) }
            <Field id="reset-confirm-password" label="Repeat new password" kind="password" value={(*confirm).clone()} oninput={setter(&confirm)} autocomplete="new-password" />
            { error_line("reset-error", &error) }
            <div class="actions">
                <button id="reset-submit" type="submit" disabled={busy}>{ "Set password and sign in" }</button>
                <button id="reset-resend-code" type="button" class="secondary" onclick={on_code.reform(|_: MouseEvent| ())} disabled={busy}>{ "Send another code" }</button>
            </div>
            <div class="actions">
                <button id="reset-back" type="button" class="link" onclick={back}>{ "Back to sign in" }</button>
            </div>
        </form>
    }
}
