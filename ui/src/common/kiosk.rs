//! Kiosk behaviour in the UI: user input in any window reports activity to the core (at most
//! every 10 s). The core ends an idle session on its own timer and tells every window
//! ("session-ended"; the shell closes the module windows). As a second line, the main window
//! checks the session every few seconds and, once it is gone, signs out (which succeeds without
//! a session and makes the shell close every module window again).

use crate::common::data::send;
use gloo_timers::callback::Interval;
use portdesk_types::api::{AppStatus, KeepAlive, Logout};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

fn now() -> f64 {
    web_sys::js_sys::Date::now()
}

type Listener = (&'static str, Closure<dyn FnMut(web_sys::Event)>);

/// Keeps the returned guard alive while the kiosk session lasts; dropping it stops everything.
pub struct KioskGuard {
    _interval: Option<Interval>,
    listeners: Vec<Listener>,
}

impl Drop for KioskGuard {
    fn drop(&mut self) {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            for (name, cb) in &self.listeners {
                let _ = doc.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
            }
        }
    }
}

/// `on_signed_out` runs in the main window when the core has ended the session. The guard is
/// no component (the main window's and the module windows' effects hold it), so its listeners
/// and timer call the core directly: no hook state to show, only fire and check.
pub fn install(main_window: bool, on_signed_out: impl Fn() + 'static) -> KioskGuard {
    let last_sent = Rc::new(Cell::new(0.0));
    let mut listeners = Vec::new();
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        for name in ["keydown", "pointerdown", "wheel", "touchstart"] {
            let last_sent = last_sent.clone();
            let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                if now() - last_sent.get() > 10_000.0 {
                    last_sent.set(now());
                    send::<KeepAlive>((), |_| ());
                }
            });
            let _ = doc.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
            listeners.push((name, cb));
        }
    }
    let interval = main_window.then(|| {
        let on_signed_out = Rc::new(on_signed_out);
        Interval::new(5_000, move || {
            let on_signed_out = on_signed_out.clone();
            send::<AppStatus>((), move |status| {
                if let Ok(s) = status
                    && s.session.is_none()
                {
                    // Succeeds without a session; the shell closes the module windows.
                    send::<Logout>((), move |_| on_signed_out());
                }
            });
        })
    });
    KioskGuard {
        _interval: interval,
        listeners,
    }
}
