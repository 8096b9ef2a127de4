use crate::erp::ErpError;
use crate::secrets::SecretError;
use crate::store::StoreError;
use portdesk_types::{ApiError, ErrorKind};

/// Every failure of a core operation. Turned into an [`ApiError`] (a user message) at the shell.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    /// Every refused sign-in, whatever the reason (unknown, wrong, locked, no password, staff
    /// at a kiosk): one reply, so it tells an attacker nothing. It names the lockout rule so
    /// a locked-out owner knows what may have happened.
    #[error("{}", sign_in_refused(.max_failed, .lockout_minutes, .kiosk))]
    InvalidCredentials {
        max_failed: i64,
        lockout_minutes: i64,
        kiosk: bool,
    },
    #[error("Please sign in first.")]
    Unauthenticated,
    #[error("Your role does not allow this action.")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict {
        field: Option<&'static str>,
        message: String,
    },
    /// A save made from a stale read (see `stale`): what changed, by whom, when.
    #[error("{0}")]
    Stale(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Erp(#[from] ErpError),
    #[error(transparent)]
    Secrets(#[from] SecretError),
    #[error("{0}")]
    Config(String),
    /// The user stopped a long job; nothing was changed.
    #[error("{0}")]
    Cancelled(String),
    /// The same long job is already running.
    #[error("{0}")]
    AlreadyRunning(String),
    #[error("Choose a new password first.")]
    PasswordChangeRequired,
    #[error("Internal error: {0}")]
    Internal(String),
}

fn sign_in_refused(max_failed: &i64, lockout_minutes: &i64, kiosk: &bool) -> String {
    let mut m = format!(
        "E-mail or password is wrong. After {max_failed} failed sign-ins an account is locked for {lockout_minutes} minute(s): try again then, use \"Forgot password?\", or ask an administrator."
    );
    if *kiosk {
        m.push_str(" This kiosk signs in customer accounts only.");
    }
    m
}

impl CoreError {
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        CoreError::Validation {
            field,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for CoreError {
    fn from(e: sqlx::Error) -> Self {
        CoreError::Store(StoreError::from(e))
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        CoreError::Store(StoreError::from(e))
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        let (kind, field) = match &e {
            CoreError::Validation { field, .. } => (ErrorKind::Validation, Some(*field)),
            CoreError::InvalidCredentials { .. } => (ErrorKind::InvalidCredentials, None),
            CoreError::Unauthenticated => (ErrorKind::Unauthenticated, None),
            CoreError::Forbidden => (ErrorKind::Forbidden, None),
            CoreError::NotFound(_) => (ErrorKind::NotFound, None),
            CoreError::Conflict { field, .. } => (ErrorKind::Conflict, *field),
            CoreError::Stale(_) => (ErrorKind::Stale, None),
            // No connection in time: the dispatch asks the server whether it is busy or away.
            CoreError::Store(crate::store::StoreError::Query(sqlx::Error::PoolTimedOut)) => {
                return ApiError::new(
                    ErrorKind::Unavailable,
                    portdesk_types::settings::STORE_NO_CONNECTION,
                );
            }
            CoreError::Store(s) if s.is_unavailable() => (ErrorKind::Unavailable, None),
            CoreError::Erp(e) if e.is_unavailable() => (ErrorKind::Unavailable, None),
            CoreError::Config(_) => (ErrorKind::Unavailable, None),
            CoreError::Cancelled(_) => (ErrorKind::Cancelled, None),
            CoreError::AlreadyRunning(_) => (ErrorKind::AlreadyRunning, None),
            CoreError::PasswordChangeRequired => (ErrorKind::PasswordChangeRequired, None),
            CoreError::Store(_)
            | CoreError::Erp(_)
            | CoreError::Secrets(_)
            | CoreError::Internal(_) => (ErrorKind::Internal, None),
        };
        ApiError {
            kind,
            message,
            field: field.map(str::to_owned),
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
