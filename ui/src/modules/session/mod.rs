//! The main window: first run, sign-in (and "Request an account"), forced password change,
//! and the home page of modules with the user's own profile.

mod forgot;
use forgot::ForgotPassword;

mod profile;
mod request_account;

use crate::common::ipc::{call, listen};
use crate::common::widgets::{Field, error_line, setter};
use portdesk_types::api::*;
use portdesk_types::events::{SessionChangedEvent, SessionEndedEvent};
use portdesk_types::mail::{ResetCodeRequest, ResetWithCodeRequest};
use portdesk_types::modules::ModuleInfo;
use portdesk_types::password::{MIN_PASSWORD_LEN, check_email, check_password, strength};
use portdesk_types::{ApiError, Secret};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

#[function_component(MainWindow)]
pub fn main_window() -> Html {
    let status = use_state(|| None::<Result<StatusReply, ApiError>>);
    let refresh = {
        let status = status.clone();
        Callback::from(move |_: ()| {
            let status = status.clone();
            spawn_local(async move { status.set(Some(call::<AppStatus>(&()).await)) });
        })
    };
    {
        let refresh = refresh.clone();
        let status = status.clone();
        use_effect_with((), move |_| {
            refresh.emit(());
            let r = refresh.clone();
            listen::<SessionChangedEvent>(move || r.emit(()));
            // However the session ended, nothing of the user stays on screen, not even for
            // the moment the new status takes to arrive.
            let r = refresh.clone();
            listen::<SessionEndedEvent>(move || {
                status.set(None);
                r.emit(());
            });
        });
    }
    // On a kiosk, watch for idleness while someone is signed in.
    let kiosk_session = match &*status {
        Some(Ok(s)) => s.kiosk.clone().filter(|_| s.session.is_some()),
        _ => None,
    };
    {
        let refresh = refresh.clone();
        use_effect_with(kiosk_session.is_some(), move |on| {
            let guard = on.then(|| crate::common::kiosk::install(true, move || refresh.emit(())));
            move || drop(guard)
        });
    }
    let body = match &*status {
        None => html! { <p class="muted">{ "Starting…" }</p> },
        Some(Err(e)) => html! { <div class="banner err">{ e.message.clone() }</div> },
        Some(Ok(s)) => {
            let banners = html! {
                <>
                    if let Some(w) = &s.config_warning { <div id="config-warning" class="banner warn">{ w.clone() }</div> }
                    if let Some(w) = &s.security_warning { <div id="security-warning" class="banner warn" role="status">{ w.clone() }</div> }
                    if let Some(e) = &s.store_error { <div id="store-error" class="banner err">{ e.clone() }</div> }
                    if let Some(k) = &s.kiosk {
                        <div id="kiosk-banner" class="banner info">{ format!("Customer kiosk: sign in with your customer account. You are signed out after {} seconds without activity.", k.idle_seconds) }</div>
                    }
                </>
            };
            // Without the store a kiosk shows nothing more; a desktop still offers the sign-in,
            // for a sales rep who signed in here before (offline, Forecasts only).
            let view = if s.store_error.is_some()
                && (s.kiosk.is_some() || s.session.is_none() && s.first_run)
            {
                html! {}
            } else if s.store_error.is_some() && s.session.is_none() {
                html! {
                    <>
                        <div id="offline-signin-hint" class="banner info">{ "A sales rep who has signed in on this desktop before can still sign in, to Forecasts; edits wait here until the store answers." }</div>
                        <LoginForm on_done={refresh.clone()} />
                    </>
                }
            } else if s.first_run {
                html! { <FirstRun on_done={refresh.clone()} /> }
            } else {
                match &s.session {
                    None => html! { <LoginForm on_done={refresh.clone()} /> },
                    Some(me) if me.must_change_password => {
                        html! { <ChangePasswordForm on_done={refresh.clone()} /> }
                    }
                    Some(me) => {
                        html! { <Home me={me.clone()} status={s.clone()} on_logout={refresh.clone()} /> }
                    }
                }
            };
            html! { <>{ banners }{ view }</> }
        }
    };
    html! {
        <>
            <header class="bar"><h1>{ "Portdesk" }</h1></header>
            <main>{ body }</main>
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

#[function_component(FirstRun)]
fn first_run(p: &DoneProps) -> Html {
    let name = use_state(String::new);
    let email = use_state(String::new);
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (name, email, password, confirm, error, busy, done) = (
            name.clone(),
            email.clone(),
            password.clone(),
            confirm.clone(),
            error.clone(),
            busy.clone(),
            p.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *password != *confirm {
                error.set(Some(ApiError::validation(
                    "confirm",
                    "The two passwords differ.",
                )));
                return;
            }
            if let Err(m) = check_password(&password, &email) {
                error.set(Some(ApiError::validation("password", m)));
                return;
            }
            let req = NewAdmin {
                name: (*name).clone(),
                email: (*email).clone(),
                password: Secret::new((*password).clone()),
            };
            let (error, busy, done) = (error.clone(), busy.clone(), done.clone());
            busy.set(true);
            spawn_local(async move {
                match call::<CreateFirstAdmin>(&req).await {
                    Ok(_) => done.emit(()),
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
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
            <div class="actions"><button id="fr-submit" type="submit" disabled={*busy}>{ "Create administrator" }</button></div>
        </form>
    }
}

#[function_component(LoginForm)]
fn login_form(p: &DoneProps) -> Html {
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let forgot = use_state(|| false);
    let requesting = use_state(|| false);
    if *requesting {
        let back = {
            let requesting = requesting.clone();
            Callback::from(move |_: ()| requesting.set(false))
        };
        return html! { <request_account::RequestAccountForm email={(*email).clone()} on_back={back} /> };
    }
    if *forgot {
        let back = {
            let forgot = forgot.clone();
            Callback::from(move |_: ()| forgot.set(false))
        };
        return html! { <ForgotPassword email={(*email).clone()} on_done={p.on_done.clone()} on_back={back} /> };
    }
    let onsubmit = {
        let (email, password, error, busy, done) = (
            email.clone(),
            password.clone(),
            error.clone(),
            busy.clone(),
            p.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let req = LoginRequest {
                email: (*email).clone(),
                password: Secret::new((*password).clone()),
            };
            let (error, busy, done, password) =
                (error.clone(), busy.clone(), done.clone(), password.clone());
            busy.set(true);
            spawn_local(async move {
                match call::<Login>(&req).await {
                    Ok(_) => done.emit(()),
                    Err(e) => {
                        password.set(String::new());
                        error.set(Some(e));
                    }
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form id="login-form" class="card narrow" {onsubmit}>
            <h2>{ "Sign in" }</h2>
            <Field id="login-email" label="E-mail" kind="email" value={(*email).clone()} oninput={setter(&email)} autocomplete="username" />
            <Field id="login-password" label="Password" kind="password" value={(*password).clone()} oninput={setter(&password)} autocomplete="current-password" />
            { error_line("login-error", &error) }
            <div class="actions"><button id="login-submit" type="submit" disabled={*busy}>{ "Sign in" }</button></div>
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
    let error = use_state(|| None::<ApiError>);
    let onsubmit = {
        let (current, new, confirm, error, done) = (
            current.clone(),
            new.clone(),
            confirm.clone(),
            error.clone(),
            p.on_done.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *new != *confirm {
                error.set(Some(ApiError::validation(
                    "confirm",
                    "The two new passwords differ.",
                )));
                return;
            }
            let req = ChangePasswordRequest {
                current: Secret::new((*current).clone()),
                new: Secret::new((*new).clone()),
            };
            let (error, done) = (error.clone(), done.clone());
            spawn_local(async move {
                match call::<ChangePassword>(&req).await {
                    Ok(_) => done.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let logout = {
        let done = p.on_done.clone();
        Callback::from(move |_| {
            let done = done.clone();
            spawn_local(async move {
                let _ = call::<Logout>(&()).await;
                done.emit(());
            });
        })
    };
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

#[derive(Properties, PartialEq)]
pub struct HomeProps {
    pub me: SessionInfo,
    pub status: StatusReply,
    pub on_logout: Callback<()>,
}

#[function_component(Home)]
fn home(p: &HomeProps) -> Html {
    let modules = use_state(|| None::<Result<Vec<ModuleInfo>, ApiError>>);
    let open_error = use_state(|| None::<ApiError>);
    let changing = use_state(|| false);
    let changed = use_state(|| false);
    {
        let modules = modules.clone();
        use_effect_with(p.me.user_id, move |_| {
            spawn_local(async move { modules.set(Some(call::<ListModules>(&()).await)) });
        });
    }
    let logout = {
        let done = p.on_logout.clone();
        Callback::from(move |_| {
            let done = done.clone();
            spawn_local(async move {
                let _ = call::<Logout>(&()).await;
                done.emit(());
            });
        })
    };
    let tiles = match &*modules {
        None => html! { <p class="muted">{ "Loading modules…" }</p> },
        Some(Err(e)) => html! { <p class="error">{ e.message.clone() }</p> },
        Some(Ok(list)) => html! {
            <div class="tiles" id="module-list">
                { for list.iter().map(|m| {
                    let id = m.id;
                    let open_error = open_error.clone();
                    let onclick = Callback::from(move |_| {
                        let open_error = open_error.clone();
                        spawn_local(async move {
                            open_error.set(call::<OpenModule>(&id).await.err());
                        });
                    });
                    html! {
                        <button class="tile" id={format!("open-{}", m.id.as_str())} {onclick}>
                            <h3>{ m.title.clone() }</h3>
                            <div class="muted">{ m.description.clone() }</div>
                            if !m.built { <span class="tag">{ "not built yet" }</span> }
                        </button>
                    }
                }) }
            </div>
        },
    };
    html! {
        <>
            <div class="card">
                <div class="actions" style="margin-top:0">
                    <h2 id="home-title" style="flex:1;margin:0">{ format!("Welcome, {}", p.me.name) }</h2>
                    <span class="muted" id="home-role">{ p.me.role.label() }</span>
                    <button id="change-password" class="secondary" onclick={{ let c = changing.clone(); move |_| c.set(true) }}>{ "Change password" }</button>
                    <button id="logout" class="secondary" onclick={logout}>{ "Sign out" }</button>
                </div>
                <p class="muted" id="home-sources">{ format!("ERP: {} · Store: {}", p.status.erp, p.status.store) }</p>
            </div>
            if p.me.offline {
                <div class="banner warn" id="home-offline">{ "Signed in without the shared store, on this desktop's record of your last sign-in: only Forecasts opens, and your edits wait here until the store answers. Then the store checks your account again." }</div>
            }
            if *changed { <div class="banner info" id="password-changed">{ "Your password was changed." }</div> }
            if *changing {
                <ChangePasswordForm on_cancel={{ let c = changing.clone(); Callback::from(move |_| c.set(false)) }} on_done={{ let (c, d) = (changing.clone(), changed.clone()); Callback::from(move |_| { c.set(false); d.set(true); }) }} />
            }
            { error_line("open-error", &open_error) }
            { tiles }
            if !p.me.offline {
                <profile::ProfileCard user_id={p.me.user_id} on_saved={p.on_logout.clone()}
                    on_change_password={{ let c = changing.clone(); Callback::from(move |_| c.set(true)) }} />
            }
        </>
    }
}
