//! One folder per business module: its window and its settings card. The frame in
//! `window.rs` puts them in their native windows.

pub mod accounts;
pub mod forecasts;
pub mod inventory;
pub mod mail;
pub mod orders;
pub mod procurement;
pub mod session;
pub mod settings;
pub mod shop;
pub mod support;
