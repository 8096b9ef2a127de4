//! The Settings window: connections to the ERP and the portal store, and sign-in protection.
//! Other modules' settings cards sit beside these in the window (see `window.rs`).

mod backups;
mod erp;
mod security;
mod store;
mod store_move;
mod trusted;
pub use backups::BackupsCard;
pub use security::SecurityCard;
pub use store_move::StoreMoveCard;

use crate::common::data::{Action, use_action, use_command, use_job};
use crate::common::ipc::open_one_dialog;
use crate::common::widgets::error_line;
use erp::ErpCard;
use portdesk_types::api::*;
use portdesk_types::settings::TlsSettings;
use portdesk_types::{ApiError, ErrorKind, Secret};
use store::StoreCard;
use trusted::TrustedCard;
use yew::prelude::*;

/// The hint under a password field. A saved password is used only with the server and user
/// it was saved for (the core refuses otherwise), so after either changes it must be typed.
fn password_hint(saved: bool, server_changed: bool) -> &'static str {
    match (saved, server_changed) {
        (true, true) => portdesk_types::settings::RETYPE_PASSWORD,
        (true, false) => "Saved in the OS keyring; leave empty to keep it.",
        (false, _) => "Stored in the OS keyring, never in a file.",
    }
}

/// Sets `state` from a card's callback.
fn set<T: 'static>(state: &UseStateHandle<T>) -> Callback<T> {
    let state = state.clone();
    Callback::from(move |v| state.set(v))
}

/// A typed password; an empty field keeps the saved one.
fn typed_secret(password: &str) -> Option<Secret> {
    Some(password).filter(|p| !p.is_empty()).map(Secret::new)
}

/// A connection test's latest outcome; a refusal reads as a failed test.
fn test_outcome<C>(test: &Action<C>) -> Option<ConnectionTest>
where
    C: Command<Reply = ConnectionTest> + 'static,
    C::Request: 'static,
{
    match test.error() {
        Some(e) => Some(ConnectionTest {
            ok: false,
            message: e.message.clone(),
            elapsed_ms: 0,
        }),
        None => test.done().cloned(),
    }
}

#[function_component(SettingsPage)]
pub fn settings_view() -> Html {
    let loaded = use_command::<GetSettings>(());
    let on_saved = {
        let loaded = loaded.clone();
        Callback::from(move |v: SettingsView| loaded.replace(v))
    };
    match (loaded.data(), loaded.error()) {
        (Some(v), _) => html! { <SettingsForm view={v.clone()} {on_saved} /> },
        (None, Some(e)) => html! { <div class="banner err">{ e.message.clone() }</div> },
        (None, None) => html! { <p class="muted">{ "Loading settings…" }</p> },
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    /// The settings as the core last answered: as read, then as saved.
    view: SettingsView,
    on_saved: Callback<SettingsView>,
}

/// The ERP, store and certificate cards and their save. The form starts from the settings as
/// read and keeps what the user typed when a save brings the settings as stored.
#[function_component(SettingsForm)]
fn settings_form(p: &FormProps) -> Html {
    let view = &p.view;
    let erp = use_state(|| view.erp.clone());
    let store = use_state(|| view.store.clone());
    let trusted = use_state(|| view.tls.trusted_certificates.clone().unwrap_or_default());
    let erp_password = use_state(String::new);
    let store_password = use_state(String::new);
    let erp_test = use_action::<TestErpConnection>();
    let store_test = use_action::<TestStoreConnection>();
    let save = use_action::<SaveSettings>();
    let browse = use_job();

    let test_erp = {
        let (test, erp, password) = (erp_test.clone(), erp.clone(), erp_password.clone());
        Callback::from(move |_| {
            let req = TestErpRequest {
                erp: (*erp).clone(),
                password: typed_secret(&password),
            };
            test.run(req, |_| ());
        })
    };
    let test_store = {
        let (test, store, password) = (store_test.clone(), store.clone(), store_password.clone());
        Callback::from(move |_| {
            let req = TestStoreRequest {
                store: (*store).clone(),
                password: typed_secret(&password),
            };
            test.run(req, |_| ());
        })
    };
    let on_browse = {
        let (browse, trusted) = (browse.clone(), trusted.clone());
        Callback::from(move |_| {
            let trusted = trusted.clone();
            browse.run(async move {
                if let Some(path) =
                    open_one_dialog("Certificates (PEM)", &["pem", "crt", "cer"]).await?
                {
                    trusted.set(path);
                }
                Ok(())
            });
        })
    };
    let on_save = {
        let (save, erp, store, trusted, ep, sp, on_saved) = (
            save.clone(),
            erp.clone(),
            store.clone(),
            trusted.clone(),
            erp_password.clone(),
            store_password.clone(),
            p.on_saved.clone(),
        );
        Callback::from(move |_| {
            let req = SaveSettingsRequest {
                erp: (*erp).clone(),
                store: (*store).clone(),
                erp_password: typed_secret(&ep),
                store_password: typed_secret(&sp),
                tls: TlsSettings {
                    trusted_certificates: Some(trusted.trim().to_owned()).filter(|p| !p.is_empty()),
                },
            };
            let (ep, sp, on_saved) = (ep.clone(), sp.clone(), on_saved.clone());
            save.run(req, move |v| {
                // Saved in the keyring: the fields go back to "leave empty to keep it".
                ep.set(String::new());
                sp.set(String::new());
                on_saved.emit(v);
            });
        })
    };

    let busy = if erp_test.busy() {
        Some("Testing the ERP connection…")
    } else if store_test.busy() {
        Some("Testing the store connection…")
    } else {
        None
    };
    let saved = save.done().is_some() && save.error().is_none();
    let error = save.error().clone().or_else(|| {
        browse
            .error()
            .map(|e| ApiError::new(ErrorKind::Internal, e))
    });
    html! {
        <>
            if let Some(b) = busy { <div class="banner info" id="busy">{ b }</div> }
            <ErpCard erp={(*erp).clone()} on_change={set(&erp)}
                password={(*erp_password).clone()} on_password={set(&erp_password)}
                password_hint={password_hint(view.erp_password_saved, view.erp.secret_server() != erp.secret_server())}
                testing={busy.is_some()} on_test={test_erp} result={test_outcome(&erp_test)} />
            <StoreCard store={(*store).clone()} on_change={set(&store)} data_dir={view.data_dir.clone()}
                password={(*store_password).clone()} on_password={set(&store_password)}
                password_hint={password_hint(view.store_password_saved, view.store.secret_server() != store.secret_server())}
                testing={busy.is_some()} on_test={test_store} result={test_outcome(&store_test)} />
            <TrustedCard path={(*trusted).clone()} on_path={set(&trusted)} {on_browse}
                problem={view.trusted_certificates_problem.clone()} certificates={view.trusted_certificates.clone()} />
            <div class="card">
                <div class="actions" style="margin-top:0">
                    <button id="settings-save" onclick={on_save}>{ "Save settings" }</button>
                    if saved { <span class="ok" id="settings-saved">{ "Saved." }</span> }
                </div>
                { error_line("settings-error", &error) }
                if view.restart_required { <div class="banner warn" style="margin-top:1rem">{ "The store change applies when Portdesk is started again." }</div> }
                <p class="muted">{ format!("Config: {} · Data: {} · Logs: {}", view.config_path, view.data_dir, view.log_dir) }</p>
            </div>
        </>
    }
}
