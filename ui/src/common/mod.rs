//! What every module's window uses: calls to the core and event subscriptions (`ipc`), form
//! widgets, the virtualised keyboard grid, and the kiosk guard. No module imports another
//! module's files; what they share lives here.

pub mod data;
pub mod grid;
pub mod ipc;
pub mod kiosk;
pub mod widgets;
