//! The main window: first run, sign-in (and "Request an account"), forced password change,
//! and the home page of modules with the user's own profile.

mod forgot;
mod home;
mod profile;
mod request_account;

use crate::common::data::{use_action, use_command_live, use_event};
use crate::common::widgets::{Field, error_line, setter};
use forgot::ForgotPassword;
use home::Home;
use portdesk_types::api::{
    AppStatus, ChangePassword, ChangePasswordRequest, CreateFirstAdmin, Login, LoginRequest,
    Logout, NewAdmin, StatusReply,
};
use portdesk_types::events::{SessionChangedEvent, SessionEndedEvent};
use portdesk_types::password::{MIN_PASSWORD_LEN, check_password, strength};
use portdesk_types::{ApiError, Secret};
use request_account::RequestAccountForm;
use yew::prelude::*;

#[function_component(MainWindow)]
pub fn main_window() -> Html {
    // However the session ended, nothing of the user stays on screen, not even for the
    // moment the new status takes to arrive: the page starts again.
    let ended = use_state(|| 0u32);
    {
        let ended = ended.clone();
        use_event::<SessionEndedEvent>(Callback::from(move |_| ended.set(*ended + 1)));
    }
    html! {
        <>
            <header class="bar"><h1>{ "Portdesk" }</h1></header>
            <main><Page key={*ended} /></main>
        </>
    }
}

/// What the status calls for: first run, sign-in, a password change, or the home page.
#[function_component(Page)]
fn page() -> Html {
    let status = use_command_live::<AppStatus, SessionChangedEvent>(());
    let refresh = status.reload();
    // On a kiosk, watch for idleness while someone is signed in.
    let kiosk_session = status
        .data()
        .is_some_and(|s| s.kiosk.is_some() && s.session.is_some());
    {
        let refresh = refresh.clone();
        use_effect_with(kiosk_session, move |on| {
            let guard = on.then(|| crate::common::kiosk::install(true, move || refresh.emit(())));
            move || drop(guard)
        });
    }
    let Some(s) = status.data() else {
        return match status.error() {
            Some(e) => html! { <div class="banner err">{ e.message.clone() }</div> },
            None => html! { <p class="muted">{ "Starting…" }</p> },
        };
    };
    // Without the store a kiosk shows nothing more; a desktop still offers the sign-in, for a
    // sales rep who signed in here before (offline, Forecasts only).
    let view = if s.store_error.is_some()
        && (s.kiosk.is_some() || s.session.is_none() && s.first_run)
    {
        html! {}
    } else if s.store_error.is_some() && s.session.is_none() {
        html! {
            <>
                <div id="offline-signin-hint" class="banner info">{ "A sales rep who has signed in on this desktop before can still sign in, to Forecasts; edits wait here until the store answers." }</div>
                <LoginForm on_done={refresh} />
            </>
        }
    } else if s.first_run {
        html! { <FirstRun on_done={refresh} /> }
    } else {
        match &s.session {
            None => html! { <LoginForm on_done={refresh} /> },
            Some(me) if me.must_change_password => {
                html! { <ChangePasswordForm on_done={refresh} /> }
            }
            // Another user's home is another page: their modules, their profile.
            Some(me) => {
                html! { <Home key={me.user_id} me={me.clone()} status={s.clone()} on_logout={refresh} /> }
            }
        }
    };
    html! { <>{ banners(s) }{ view }</> }
}

/// What the status says about this desktop, above any page.
fn banners(s: &StatusReply) -> Html {
    html! {
        <>
            if let Some(w) = &s.config_warning { <div id="config-warning" class="banner warn">{ w.clone() }</div> }
            if let Some(w) = &s.security_warning { <div id="security-warning" class="banner warn" role="status">{ w.clone() }</div> }
            if let Some(w) = &s.backup_warning { <div id="backup-warning" class="banner warn" role="status">{ w.clone() }</div> }
            if s.store_busy { <div id="store-busy" class="banner warn" role="status">{ crate::window::STORE_BUSY_LINE }</div> }
            if let Some(e) = &s.store_error { <div id="store-error" class="banner err">{ e.clone() }</div> }
            if let Some(k) = &s.kiosk {
                <div id="kiosk-banner" class="banner info">{ format!("Customer kiosk: sign in with your customer account. You are signed out after {} seconds without activity.", k.idle_seconds) }</div>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
pub struct DoneProps {
    pub on_done: Callback<()>,
}

fn strength_meter(password: &str) -> Html {
    let s = strength(password);
    let (color, word) = match s {
        0 => ("#ef4444", "too short"),
        1 => ("#f59e0b", "fair"),
        2 => ("#eab308", "good"),
        _ => ("#16a34a", "strong"),
    };
    let width = format!("width:{}%;background:{color}", (u32::from(s) + 1) * 20);
    html! {
        <>
            <div class="meter"><div style={width}></div></div>
            <div class="hint" id="password-strength">{ format!("Strength: {word}. At least {MIN_PASSWORD_LEN} characters, not your e-mail, not a common password.") }</div>
        </>
    }
}

/// "Sign out", then `done` (the page reads the status again) whatever the core answered.
#[hook]
fn use_sign_out(done: Callback<()>) -> Callback<MouseEvent> {
    let logout = use_action::<Logout>();
    {
        // `run` calls back on success only.
        let done = done.clone();
        let refused = !logout.busy() && logout.error().is_some();
        use_effect_with(refused, move |&refused| {
            if refused {
                done.emit(());
            }
        });
    }
    Callback::from(move |_| {
        let done = done.clone();
        logout.run((), move |()| done.emit(()));
    })
}

#[function_component(FirstRun)]
fn first_run(p: &DoneProps) -> Html {
    let name = use_state(String::new);
    let email = use_state(String::new);
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let create = use_action::<CreateFirstAdmin>();
    // A mistake found before asking the core; it replaces the core's last refusal.
    let typo = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (name, email, password, confirm, create, typo, done) = (
            name.clone(),
            email.clone(),
            password.clone(),
            confirm.clone(),
            create.clone(),
            typo.clone(),
            p.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mistake = if *password != *confirm {
                Some(ApiError::validation("confirm", "The two passwords differ."))
            } else {
                check_password(&password, &email)
                    .err()
                    .map(|m| ApiError::validation("password", m))
            };
            if mistake.is_some() {
                typo.set(mistake);
                create.clear();
                return;
            }
            let req = NewAdmin {
                name: (*name).clone(),
                email: (*email).clone(),
                password: Secret::new((*password).clone()),
            };
            let done = done.clone();
            create.run(req, move |_| done.emit(()));
        })
    };
    let error = create.error().clone().or_else(|| (*typo).clone());
    html! {
        <form id="first-run-form" class="card narrow" {onsubmit}>
            <h2>{ "Welcome to Portdesk" }</h2>
            <p class="muted">{ "No account exists yet. Create the first administrator; they can add everyone else." }</p>
            <Field id="fr-name" label="Full name" value={(*name).clone()} oninput={setter(&name)} autocomplete="name" />
            <Field id="fr-email" label="E-mail" kind="email" value={(*email).clone()} oninput={setter(&email)} autocomplete="email" />
            <Field id="fr-password" label="Password" kind="password" value={(*password).clone()} oninput={setter(&password)} autocomplete="new-password" />
            { strength_meter(&password) }
            <Field id="fr-confirm" label="Repeat password" kind="password" value={(*confirm).clone()} oninput={setter(&confirm)} autocomplete="new-password" />
            { error_line("fr-error", &error) }
            <div class="actions"><button id="fr-submit" type="submit" disabled={create.busy()}>{ "Create administrator" }</button></div>
        </form>
    }
}

#[function_component(LoginForm)]
fn login_form(p: &DoneProps) -> Html {
    let email = use_state(String::new);
    let password = use_state(String::new);
    let login = use_action::<Login>();
    let forgot = use_state(|| false);
    let requesting = use_state(|| false);
    // A refused sign-in forgets the password typed for it (`run` calls back on success only).
    {
        let password = password.clone();
        let refused = !login.busy() && login.error().is_some();
        use_effect_with(refused, move |&refused| {
            if refused {
                password.set(String::new());
            }
        });
    }
    if *requesting {
        let back = {
            let requesting = requesting.clone();
            Callback::from(move |_: ()| requesting.set(false))
        };
        return html! { <RequestAccountForm email={(*email).clone()} on_back={back} /> };
    }
    if *forgot {
        let back = {
            let forgot = forgot.clone();
            Callback::from(move |_: ()| forgot.set(false))
        };
        return html! { <ForgotPassword email={(*email).clone()} on_done={p.on_done.clone()} on_back={back} /> };
    }
    let onsubmit = {
        let (email, password, login, done) = (
            email.clone(),
            password.clone(),
            login.clone(),
            p.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = LoginRequest {
                email: (*email).clone(),
                password: Secret::new((*password).clone()),
            };
            let done = done.clone();
            login.run(req, move |_| done.emit(()));
        })
    };
    html! {
        <form id="login-form" class="card narrow" {onsubmit}>
            <h2>{ "Sign in" }</h2>
            <Field id="login-email" label="E-mail" kind="email" value={(*email).clone()} oninput={setter(&email)} autocomplete="username" />
            <Field id="login-password" label="Password" kind="password" value={(*password).clone()} oninput={setter(&password)} autocomplete="current-password" />
            { error_line("login-error", login.error()) }
            <div class="actions"><button id="login-submit" type="submit" disabled={login.busy()}>{ "Sign in" }</button></div>
            <div class="actions">
                <button type="button" class="link" id="forgot-password" onclick={{ let f = forgot.clone(); move |_| f.set(true) }}>{ "Forgot password?" }</button>
                <button type="button" class="link" id="request-account" onclick={{ let r = requesting.clone(); move |_| r.set(true) }}>{ "Request an account" }</button>
            </div>
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct ChangeProps {
    pub on_done: Callback<()>,
    /// Set when opened from the home page (it can be cancelled) rather than forced after a reset.
    #[prop_or_default]
    pub on_cancel: Option<Callback<()>>,
}

#[function_component(ChangePasswordForm)]
fn change_password_form(p: &ChangeProps) -> Html {
    let current = use_state(String::new);
    let new = use_state(String::new);
    let confirm = use_state(String::new);
    let change = use_action::<ChangePassword>();
    // A mistake found before asking the core; it replaces the core's last refusal.
    let typo = use_state(|| None::<ApiError>);
    let logout = use_sign_out(p.on_done.clone());
    let onsubmit = {
        let (current, new, confirm, change, typo, done) = (
            current.clone(),
            new.clone(),
            confirm.clone(),
            change.clone(),
            typo.clone(),
            p.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *new != *confirm {
                typo.set(Some(ApiError::validation(
                    "confirm",
                    "The two new passwords differ.",
                )));
                change.clear();
                return;
            }
            let req = ChangePasswordRequest {
                current: Secret::new((*current).clone()),
                new: Secret::new((*new).clone()),
            };
            let done = done.clone();
            change.run(req, move |_| done.emit(()));
        })
    };
    let error = change.error().clone().or_else(|| (*typo).clone());
    html! {
        <form id="change-password-form" class="card narrow" {onsubmit}>
            <h2>{ "Choose a new password" }</h2>
            if p.on_cancel.is_none() { <p class="muted">{ "You signed in with a temporary password. Choose your own to continue." }</p> }
            <Field id="cp-current" label={if p.on_cancel.is_some() { "Current password" } else { "Temporary password" }} kind="password" value={(*current).clone()} oninput={setter(&current)} autocomplete="current-password" />
            <Field id="cp-new" label="New password" kind="password" value={(*new).clone()} oninput={setter(&new)} autocomplete="new-password" />
            { strength_meter(&new) }
            <Field id="cp-confirm" label="Repeat new password" kind="password" value={(*confirm).clone()} oninput={setter(&confirm)} autocomplete="new-password" />
            { error_line("cp-error", &error) }
            <div class="actions">
                <button id="cp-submit" type="submit">{ "Save password" }</button>
                if let Some(cancel) = &p.on_cancel {
                    <button type="button" class="secondary" id="cp-cancel" onclick={cancel.reform(|_: MouseEvent| ())}>{ "Cancel" }</button>
                } else {
                    <button type="button" class="secondary" onclick={logout}>{ "Sign out" }</button>
                }
            </div>
        </form>
    }
}
