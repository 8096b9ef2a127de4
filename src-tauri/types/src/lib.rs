//! Types shared by the Portdesk UI (compiled to wasm32) and the backend.
//!
//! Every command the UI can call is a zero-sized type implementing [`Command`]: its name,
//! request and reply are defined here once, so the two sides cannot drift apart.

pub mod accounts;
pub mod api;
pub mod error;
pub mod events;
pub mod forecasts;
pub mod inventory;
pub mod mail;
pub mod modules;
pub mod money;
pub mod orders;
pub mod password;
pub mod procurement;
pub mod roles;
pub mod secret;
pub mod settings;
pub mod shop;
pub mod support;

pub use api::Command;
pub use error::{ApiError, ErrorKind};
pub use events::Event;
pub use modules::ModuleId;
pub use roles::Role;
pub use secret::Secret;
