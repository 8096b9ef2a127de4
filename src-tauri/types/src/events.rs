//! Every event the core sends to the windows: its name and payload type, defined once for the
//! shell, the core and the UI (as commands are). The core emits `(E::NAME, payload as JSON)`;
//! the shell forwards it to every window; the UI subscribes by type. A transport between
//! desktops (PostgreSQL LISTEN/NOTIFY) can carry the same name and JSON payload.

use crate::api::SessionEnded;
use crate::inventory::RefreshProgress;
use crate::settings::StoreMoveProgress;
use crate::support::SupportChange;
use serde::{Serialize, de::DeserializeOwned};

pub trait Event {
    const NAME: &'static str;
    type Payload: Serialize + DeserializeOwned;
}

macro_rules! events {
    ($($(#[$doc:meta])* $ty:ident = $name:literal : $payload:ty;)*) => {
        $(
            $(#[$doc])*
            pub struct $ty;
            impl Event for $ty {
                const NAME: &'static str = $name;
                type Payload = $payload;
            }
        )*
        /// Every event's name.
        pub const ALL_EVENTS: &[&str] = &[$($name),*];
    };
}

/// What a desktop notification says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DesktopNotification {
    pub title: String,
    pub body: String,
}

events! {
    /// A session ended, however it ended: every window drops what it showed (the main window
    /// returns to sign-in; the shell closes the module windows).
    SessionEndedEvent = "session-ended": SessionEnded;
    /// Someone signed in or out: windows re-read the session.
    SessionChangedEvent = "session-changed": ();
    /// Progress of a running inventory refresh.
    InventoryRefreshEvent = "inventory-refresh": RefreshProgress;
    /// A ticket, message, call request or feedback changed (on this desktop or, on a shared
    /// PostgreSQL store, on another): windows showing it read it again.
    SupportChangedEvent = "support-changed": SupportChange;
    /// Rows copied by a running move of the store to PostgreSQL.
    StoreMoveEvent = "store-move": StoreMoveProgress;
    /// A line for the desktop's own notification area (never at a kiosk): the shell shows it,
    /// whichever module sent it.
    NotificationEvent = "notification": DesktopNotification;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_unique() {
        let mut names = ALL_EVENTS.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL_EVENTS.len());
    }
}
