//! The Tauri shell: windows, the command bridge, events, tray. No business logic here: every
//! command goes to `Portdesk::dispatch`, which checks the caller's role.

use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::KeyringSecrets;
use portdesk_core::{Portdesk, logging};
use portdesk_types::api::{CreateFirstAdmin, Login, Logout, OpenModule};
use portdesk_types::{ApiError, Command, ModuleId};
use serde_json::Value;
use std::process::ExitCode;
use std::sync::Arc;
use tauri::ipc::{InvokeBody, InvokeError};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};

const MODULE_PREFIX: &str = "module-";
/// Emitted to every window when someone signs in or out.
const SESSION_CHANGED: &str = "session-changed";

pub fn run(kiosk: bool) -> ExitCode {
    let paths = match AppPaths::detect() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Portdesk cannot start: {e}");
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

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
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
        .setup(|app| {
            setup_tray(app.handle())?;
            let core = app.state::<Arc<Portdesk>>().inner().clone();
            // Core events (refresh progress) go to every window; each filters what it shows.
            let handle = app.handle().clone();
            core.set_event_sink(Arc::new(move |name, payload| {
                let _ = handle.emit(name, payload);
            }));
            if tauri::async_runtime::block_on(core.kiosk()).is_some()
                && let Some(main) = app.get_webview_window("main")
            {
                main.set_fullscreen(true)?;
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the main window ends the app, module windows included.
            if window.label() == "main"
                && matches!(event, tauri::WindowEvent::CloseRequested { .. })
            {
                window.app_handle().exit(0);
            }
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("Portdesk stopped: {e}");
            eprintln!("Portdesk stopped: {e}");
            ExitCode::FAILURE
        }
    }
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
            for (label, window) in app.webview_windows() {
                if label.starts_with(MODULE_PREFIX) {
                    let _ = window.close();
                }
            }
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

fn open_module_window(app: &AppHandle, module: ModuleId, kiosk: bool) -> Result<(), ApiError> {
    let label = format!("{MODULE_PREFIX}{}", module.as_str());
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
