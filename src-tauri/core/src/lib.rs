//! Portdesk's core: everything the app does, without Tauri or a webview.
//!
//! The Tauri shell holds one [`app::Portdesk`] and forwards every UI command to
//! [`app::Portdesk::dispatch`], which is where roles are checked.

pub mod accounts;
pub mod app;
pub mod audit;
pub mod backup;
pub mod bus;
pub mod config;
pub mod device;
pub mod erp;
pub mod error;
pub mod files;
pub mod forecasts;
pub mod inventory;
pub mod local;
pub mod logging;
pub mod mail;
pub mod orders;
pub mod paths;
pub mod procurement;
pub mod schema;
pub mod search;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod sheets;
pub mod shop;
pub mod stale;
pub mod store;
pub mod store_move;
pub mod support;
pub mod tls;

pub use app::Portdesk;
pub use error::CoreError;

/// Milliseconds since the Unix epoch: the one timestamp format of the portal store,
/// identical on SQLite and PostgreSQL.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
