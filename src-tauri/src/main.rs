//! Portdesk: the desktop app (no arguments) and its headless CLI (`portdesk admin ...`).
// A release build on Windows opens no console window for the GUI.
#![cfg_attr(
    all(not(debug_assertions), target_os = "windows"),
    windows_subsystem = "windows"
)]

mod cli;
mod shell;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Args::parse_for_gui_or_cli();
    if let Some(dir) = &args.data_dir {
        // SAFETY: set before any thread is started.
        unsafe { std::env::set_var(portdesk_core::paths::HOME_ENV, dir) };
    }
    match args.command {
        Some(cmd) => cli::run(cmd),
        None => shell::run(args.kiosk),
    }
}
