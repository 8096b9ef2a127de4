//! Auto-refresh: the interval set in Settings, and the timer that refreshes the stock on
//! screen.

use crate::common::data::use_action;
use gloo_timers::callback::Interval;
use portdesk_types::api::GetInventorySettings;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

/// The auto-refresh interval in minutes (0: off), with `tick` run at each one. Read on
/// opening and whenever the window gets the focus, so a change in Settings reaches windows
/// already open; a failure leaves it as it was (off unless read before). No timer polls it:
/// any command would count as activity. At a kiosk it stays off.
#[hook]
pub(super) fn use_auto_refresh(kiosk: bool, tick: Callback<()>) -> u32 {
    let minutes = use_state_eq(|| 0u32);
    let settings = use_action::<GetInventorySettings>();
    {
        let minutes = minutes.clone();
        use_effect_with(kiosk, move |&kiosk| {
            minutes.set(0);
            let load = move || {
                if kiosk {
                    return;
                }
                let minutes = minutes.clone();
                settings.run((), move |s| minutes.set(s.auto_refresh_minutes.min(1440)));
            };
            load();
            let on_focus = Closure::<dyn FnMut()>::new(load);
            let win = web_sys::window();
            if let Some(w) = &win {
                let _ =
                    w.add_event_listener_with_callback("focus", on_focus.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &win {
                    let _ = w.remove_event_listener_with_callback(
                        "focus",
                        on_focus.as_ref().unchecked_ref(),
                    );
                }
                drop(on_focus);
            }
        });
    }
    // The latest `tick`: each one acts on what the window shows at that moment.
    let current = use_mut_ref(Callback::<()>::noop);
    *current.borrow_mut() = tick;
    use_effect_with(*minutes, move |m| {
        let every = (*m > 0).then(|| {
            Interval::new(m.min(&1440) * 60_000, move || {
                let cb = current.borrow().clone();
                cb.emit(());
            })
        });
        move || drop(every)
    });
    *minutes
}
