//! The Tauri shell: windows, the command bridge, events, tray. No business logic here: every
//! command goes to `Portdesk::dispatch`, which checks the caller's role.
//!
//! A kiosk is locked down here: its windows have their own labels ("kiosk", "kiosk-module-*"),
//! which `capabilities/kiosk.json` grants no dialog and no opener (and those plugins are not
//! even registered); it has no tray; closing its main window does nothing.

use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::KeyringSecrets;
use portdesk_core::{Portdesk, logging};
use portdesk_types::Event;
use portdesk_types::api::{CreateFirstAdmin, Login, Logout, OpenModule};
use portdesk_types::events::{
    DesktopNotification, NotificationEvent, SessionChangedEvent, SessionEndedEvent,
};
use portdesk_types::{ApiError, Command, ModuleId};
use serde_json::Value;
use std::process::ExitCode;
use std::sync::Arc;
use tauri::ipc::{InvokeBody, InvokeError};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

const MODULE_PREFIX: &str = "module-";
/// Window labels at a kiosk: `capabilities/kiosk.json` applies to them, not `default.json`.
const KIOSK_MAIN: &str = "kiosk";
const KIOSK_MODULE_PREFIX: &str = "kiosk-module-";
/// Emitted to every window when someone signs in or out.
const SESSION_CHANGED: &str = SessionChangedEvent::NAME;

/// Said instead of Tauri's panic when there is no screen to open a window on (an SSH session,
/// a service, a container).
const NO_DISPLAY: &str = "Portdesk needs a graphical display; none could be opened here. To \
    work without one, use the command line: portdesk --help";

pub fn run(kiosk: bool) -> ExitCode {
    if !display_available() {
        eprintln!("{NO_DISPLAY}");
        return ExitCode::FAILURE;
    }
    let paths = match AppPaths::detect() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Portdesk cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _lock = match paths.lock_data_dir() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("Portdesk is not started: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (_log_guard, log_warning) = logging::init(&paths.log_dir, "info");
    if let Some(w) = log_warning {
        eprintln!("{w}");
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data = %paths.data_dir.display(), "Portdesk starting");
    let core = tauri::async_runtime::block_on(Portdesk::start_with(
        paths,
        Arc::new(KeyringSecrets::default()),
        kiosk,
    ));
    tauri::async_runtime::block_on(
        core.start_mail_sender(portdesk_core::mail::sender::SenderConfig::default()),
    );

    let kiosk = tauri::async_runtime::block_on(core.kiosk()).is_some();
    let mut builder = tauri::Builder::default();
    if !kiosk {
        // A kiosk gets no file dialogs and no "Show in folder": they open a file browser.
        builder = builder
            .plugin(tauri_plugin_dialog::init())
            .plugin(tauri_plugin_opener::init())
            .plugin(tauri_plugin_notification::init());
    }
    let at_exit = core.clone();
    let result = builder
        .manage(core)
        .invoke_handler(|invoke| {
            let command = invoke.message.command().to_owned();
            let payload = match invoke.message.payload() {
                InvokeBody::Json(v) => v.get("req").cloned().unwrap_or(Value::Null),
                InvokeBody::Raw(_) => Value::Null,
            };
            let app = invoke.message.webview().app_handle().clone();
            let core = app.state::<Arc<Portdesk>>().inner().clone();
            invoke.resolver.respond_async(async move {
                let reply = core
                    .dispatch(&command, payload.clone())
                    .await
                    .map_err(to_invoke_error)?;
                after_command(&app, &core, &command, payload)
                    .await
                    .map_err(to_invoke_error)?;
                Ok(reply)
            });
            true
        })
        .setup(move |app| {
            let core = app.state::<Arc<Portdesk>>().inner().clone();
            // Core events (refresh progress, session end) go to every window; each filters
            // what it shows. A session end also closes every module window, whatever ended it.
            let handle = app.handle().clone();
            if !kiosk {
                // A support attachment opens in the system's viewer (never at a kiosk).
                let h = handle.clone();
                core.set_file_opener(Arc::new(move |path: &std::path::Path| {
                    use tauri_plugin_opener::OpenerExt;
                    h.opener()
                        .open_path(path.to_string_lossy(), None::<&str>)
                        .map_err(|e| e.to_string())
                }));
            }
            core.set_event_sink(Arc::new(move |name, payload| {
                if name == NotificationEvent::NAME {
                    // Whichever module sent it; never at a kiosk (no notification plugin there).
                    if !kiosk && let Ok(n) = serde_json::from_value::<DesktopNotification>(payload)
                    {
                        use tauri_plugin_notification::NotificationExt;
                        let _ = handle
                            .notification()
                            .builder()
                            .title(n.title)
                            .body(n.body)
                            .show();
                    }
                } else if name == SessionEndedEvent::NAME {
                    close_module_windows(&handle);
                    let _ = handle.emit(name, payload);
                    let _ = handle.emit(SESSION_CHANGED, ());
                } else {
                    let _ = handle.emit(name, payload);
                }
            }));
            open_main_window(app.handle(), kiosk)?;
            if !kiosk {
                setup_tray(app.handle())?;
            }
            Ok(())
        })
        .on_window_event(move |window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                match window.label() {
                    // A kiosk is never ended from its screen; module windows may close.
                    KIOSK_MAIN => api.prevent_close(),
                    // Closing the main window ends the app, module windows included.
                    "main" => window.app_handle().exit(0),
                    _ => {}
                }
            }
        })
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(move |_, event| {
                // The embedded store's backup at exit (when the settings ask for it), before
                // the process ends.
                if let tauri::RunEvent::Exit = event {
                    tauri::async_runtime::block_on(at_exit.backup_at_exit());
                }
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("Portdesk stopped: {e}");
            eprintln!("Portdesk stopped: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether a window can be opened. On Linux GTK is initialised here, on this (the main)
/// thread, where Tauri would otherwise panic on failure; Tauri's own init then finds it done.
#[cfg(target_os = "linux")]
fn display_available() -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|d| !d.is_empty());
    (set("DISPLAY") || set("WAYLAND_DISPLAY")) && gtk::init().is_ok()
}

#[cfg(not(target_os = "linux"))]
fn display_available() -> bool {
    true
}

fn to_invoke_error(e: ApiError) -> InvokeError {
    InvokeError(serde_json::to_value(e).unwrap_or(Value::Null))
}

/// Window effects of a command the core has already allowed and carried out.
async fn after_command(
    app: &AppHandle,
    core: &Portdesk,
    command: &str,
    payload: Value,
) -> Result<(), ApiError> {
    match command {
        OpenModule::NAME => {
            let module: ModuleId = serde_json::from_value(payload)
                .map_err(|e| ApiError::validation("module", e.to_string()))?;
            open_module_window(app, module, core.kiosk().await.is_some())
        }
        Logout::NAME => {
            // The core's session-ended event has done this if a session ended; a sign-out
            // without one clears the windows all the same.
            close_module_windows(app);
            let _ = app.emit(SESSION_CHANGED, ());
            Ok(())
        }
        Login::NAME | CreateFirstAdmin::NAME => {
            let _ = app.emit(SESSION_CHANGED, ());
            Ok(())
        }
        _ => Ok(()),
    }
}

fn is_module_window(label: &str) -> bool {
    label.starts_with(MODULE_PREFIX) || label.starts_with(KIOSK_MODULE_PREFIX)
}

fn close_module_windows(app: &AppHandle) {
    for (label, window) in app.webview_windows() {
        if is_module_window(&label) {
            // destroy, not close: nothing may keep a module window (and its data) alive.
            if let Err(e) = window.destroy() {
                tracing::warn!(label = %label, "cannot close a module window: {e}");
            }
        }
    }
}

/// The main window, from tauri.conf.json (`create: false` there), labelled for its capability
/// set: "main" on a desktop, "kiosk" full-screen at a kiosk.
fn open_main_window(app: &AppHandle, kiosk: bool) -> tauri::Result<()> {
    let mut config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .unwrap_or_default();
    if kiosk {
        config.label = KIOSK_MAIN.into();
        config.fullscreen = true;
        config.closable = false;
    }
    WebviewWindowBuilder::from_config(app, &config)?
        .on_navigation(stays_in_app)
        .build()?;
    Ok(())
}

/// Every window refuses navigation away from the app: a link in an article, a planted
/// `location = …`, a redirect. The app's own pages are `tauri://localhost` (Linux, macOS) or
/// `http(s)://tauri.localhost` (Windows); links the user chooses to follow open in the
/// system browser, never in a Portdesk window (a kiosk's window must stay the kiosk).
fn stays_in_app(url: &tauri::Url) -> bool {
    let ok = match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        "about" => url.path() == "blank",
        _ => false,
    };
    if !ok {
        tracing::warn!(url = %url, "navigation away from the app refused");
    }
    ok
}

fn open_module_window(app: &AppHandle, module: ModuleId, kiosk: bool) -> Result<(), ApiError> {
    let prefix = if kiosk {
        KIOSK_MODULE_PREFIX
    } else {
        MODULE_PREFIX
    };
    let label = format!("{prefix}{}", module.as_str());
    if let Some(existing) = app.get_webview_window(&label) {
        let _ = existing.unminimize();
        let _ = existing.set_focus();
        return Ok(());
    }
    WebviewWindowBuilder::new(app, &label, WebviewUrl::App("index.html".into()))
        .title(format!("Portdesk — {}", module.title()))
        .inner_size(1100.0, 720.0)
        .min_inner_size(640.0, 480.0)
        .fullscreen(kiosk)
        .on_navigation(stays_in_app)
        // The UI routes on this: one Yew app, one view per window.
        .initialization_script(format!(
            "window.__PORTDESK_MODULE__ = {:?};",
            module.as_str()
        ))
        .build()
        .map(|_| ())
        .map_err(|e| {
            ApiError::new(
                portdesk_types::ErrorKind::Internal,
                format!("Cannot open the {} window: {e}", module.title()),
            )
        })
}

fn setup_tray(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show Portdesk", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut tray = TrayIconBuilder::with_id("portdesk")
        .tooltip("Portdesk")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.show();
                    let _ = w.unminimize();
                    let _ = w.set_focus();
                }
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::stays_in_app;

    #[test]
    fn only_the_apps_own_pages_may_be_navigated_to() {
        let ok = |u: &str| stays_in_app(&tauri::Url::parse(u).unwrap());
        assert!(ok("tauri://localhost/index.html"));
        assert!(ok("http://tauri.localhost/index.html"));
        assert!(ok("https://tauri.localhost/"));
        assert!(ok("about:blank"));
        for away in [
            "https://example.com/",
            "http://localhost:8080/",
            "https://tauri.localhost.evil.example/",
            "file:///etc/passwd",
            "mailto:help@example.com",
            "tauri://evil/",
            "data:text/html,<script>alert(1)</script>",
        ] {
            assert!(!ok(away), "{away} must be refused");
        }
    }
}
