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
    if std::env::args_os().len() > 1 {
        attach_parent_console();
    }
    let args = match cli::Args::parse_for_gui_or_cli() {
        Ok(args) => args,
        Err(code) => return code,
    };
    if let Some(dir) = &args.data_dir {
        // SAFETY: set before any thread is started.
        unsafe { std::env::set_var(portdesk_core::paths::HOME_ENV, dir) };
    }
    match args.command {
        Some(cmd) => cli::run(cmd),
        None => shell::run(args.kiosk),
    }
}

/// A GUI-subsystem program (the Windows release build) starts without a console, so what the
/// command line prints would vanish: borrow the console of the cmd.exe or PowerShell that
/// started it. Handles the caller redirected (a pipe, a file) are kept as they were.
#[cfg(windows)]
fn attach_parent_console() {
    use windows_sys::Win32::Foundation::{
        GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
    };
    use windows_sys::Win32::Storage::FileSystem::{
        CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
    };
    use windows_sys::Win32::System::Console::{
        ATTACH_PARENT_PROCESS, AttachConsole, GetStdHandle, STD_ERROR_HANDLE, STD_INPUT_HANDLE,
        STD_OUTPUT_HANDLE, SetStdHandle,
    };
    fn usable(h: HANDLE) -> bool {
        !h.is_null() && h != INVALID_HANDLE_VALUE
    }
    let streams = [
        (STD_INPUT_HANDLE, "CONIN$"),
        (STD_OUTPUT_HANDLE, "CONOUT$"),
        (STD_ERROR_HANDLE, "CONOUT$"),
    ];
    // SAFETY: plain Win32 calls on this process's standard handles, before any thread starts;
    // the device names are NUL-terminated UTF-16.
    unsafe {
        let before = streams.map(|(id, _)| GetStdHandle(id));
        if before.iter().all(|h| usable(*h)) {
            return; // every stream already goes somewhere (a pipe, a file, a console)
        }
        if AttachConsole(ATTACH_PARENT_PROCESS) == 0 {
            return; // started from Explorer or a shortcut: there is no console to borrow
        }
        // Only the streams the caller left unset go to the console; Windows does not always
        // fill them in on attach, so they are opened by name.
        for ((id, device), old) in streams.into_iter().zip(before) {
            if usable(old) {
                SetStdHandle(id, old);
                continue;
            }
            if usable(GetStdHandle(id)) {
                continue;
            }
            let name: Vec<u16> = device.encode_utf16().chain([0]).collect();
            let h = CreateFileW(
                name.as_ptr(),
                GENERIC_READ | GENERIC_WRITE,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                std::ptr::null(),
                OPEN_EXISTING,
                0,
                std::ptr::null_mut(),
            );
            if usable(h) {
                SetStdHandle(id, h);
            }
        }
    }
}

#[cfg(not(windows))]
fn attach_parent_console() {}
