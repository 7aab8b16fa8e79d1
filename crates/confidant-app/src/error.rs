//! Why an operation did nothing. Each variant says whose fault it is, so a
//! front end can answer without looking inside: the server maps
//! [`AppError::Refused`] and [`AppError::NotFound`] to 404,
//! [`AppError::SignIn`] to 401, [`AppError::Forbidden`] to 403, [`AppError::Conflict`] to 409,
//! [`AppError::Input`] to 422; the CLI maps
//! the caller's faults to exit 2.

use confidant_disclosure::DiscloseError;
use confidant_store::StoreError;

/// A failed operation. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The client is not on the actor's caseload or care team (or does not
    /// exist: the wording is the same, so ids cannot be probed).
    #[error("client `{0}`: not on your caseload or care team; if you must open it now, use break-glass with a reason")]
    Refused(String),
    /// The actor's role does not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with what is stored (an exam already submitted).
    #[error("{0}")]
    Conflict(String),
    /// Something named in the request does not exist (past need-to-know).
    #[error("{0}")]
    NotFound(String),
    /// The input is wrong: `field: expected`.
    #[error("{field}: {expected}")]
    Input {
        /// The field at fault, as the caller named it.
        field: String,
        /// What was expected there.
        expected: String,
    },
    /// The vault refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The release step refused or failed.
    #[error(transparent)]
    Disclose(#[from] DiscloseError),
    /// The audit log could not be written (nothing was returned or changed).
    #[error("audit log: {0}")]
    Audit(#[source] std::sync::Arc<StoreError>),
    /// A sign-in was refused. The wording is the same for an unknown id, a
    /// wrong password or code, and a locked or inactive account.
    #[error("wrong staff id, password or code (or the account is locked for a while after repeated failures)")]
    SignIn,
    /// Hashing a password or reading a second factor failed (not the caller's fault).
    #[error("credentials: {doing}")]
    Credentials {
        /// What was being done.
        doing: &'static str,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The engine failed (not the caller's fault).
    #[error("engine: {0}")]
    Engine(#[source] confidant_policy::EngineError),
}

impl AppError {
    /// `field: expected`.
    pub fn input(field: impl Into<String>, expected: impl Into<String>) -> AppError {
        AppError::Input { field: field.into(), expected: expected.into() }
    }

    /// Whether the caller is at fault (bad input, refused, not found) rather than the system.
    pub fn is_callers(&self) -> bool {
        match self {
            AppError::Refused(_)
            | AppError::Forbidden(_)
            | AppError::NotFound(_)
            | AppError::Conflict(_)
            | AppError::Input { .. }
            | AppError::SignIn => true,
            AppError::Store(e) => e.is_bad_input() || matches!(e, StoreError::NotFound { .. } | StoreError::Duplicate { .. }),
            AppError::Disclose(e) => e.is_bad_input(),
            AppError::Engine(_) | AppError::Audit(_) | AppError::Credentials { .. } => false,
        }
    }
}

impl From<confidant_policy::EngineError> for AppError {
    fn from(e: confidant_policy::EngineError) -> AppError {
        match e {
            // The request names what the loaded packs do not cover.
            confidant_policy::EngineError::Input(input) => AppError::input(input.pointer.clone(), input.expected.clone()),
            other => AppError::Engine(other),
        }
    }
}
