use serde::{Deserialize, Serialize};

/// What went wrong, in terms the UI can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Input failed a rule; `field` names the input.
    Validation,
    /// Wrong e-mail or password (deliberately the same for both).
    InvalidCredentials,
    /// Too many failed sign-ins; the account is locked for a while.
    Locked,
    /// Nobody is signed in.
    Unauthenticated,
    /// Signed in, but the role may not do this.
    Forbidden,
    NotFound,
    /// The change conflicts with stored data (e.g. a duplicate e-mail).
    Conflict,
    /// The record changed since the form was read: nothing was saved; reload and redo.
    Stale,
    /// The user stopped a long job; nothing was changed.
    Cancelled,
    /// The same job (e.g. a refresh of that customer) is already running; its events tell
    /// how it goes.
    AlreadyRunning,
    /// The signed-in user must choose a new password before anything else.
    PasswordChangeRequired,
    /// A server or file the action needs cannot be reached.
    Unavailable,
    Internal,
}

/// The error every command returns. `message` is written for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    /// The input field the message is about, when there is one.
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            field: None,
        }
    }
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Validation,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }
    pub fn forbidden() -> Self {
        Self::new(
            ErrorKind::Forbidden,
            "Your role does not allow this action.",
        )
    }
    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated, "Please sign in first.")
    }
}
