//! Confidant's operations on client data, written once for every front end.
//!
//! Each operation takes an [`Actor`] (who acts, and through which front end),
//! checks need-to-know ([`access`]), acts on the vault, and writes its audit
//! entry — in the same transaction as the change, for writes — and returns a
//! typed [`AppError`]. The server maps the error to problem+json, the CLI to
//! an exit code; neither decides who may do what.
//!
//! Layering: this crate sits on the store, the engine and the release step
//! (`confidant-disclosure`), below the server and the CLI. It does no I/O of
//! its own beyond the vault, and parses nothing: front ends parse their
//! input into the typed values taken here.

#![deny(missing_docs)]

pub mod access;
mod accounting;
mod accounts;
mod actor;
mod admin;
mod ascmi;
mod audit;
mod clients;
pub mod credentials;
mod error;
mod lists;
pub mod notes;
pub mod ops;
pub mod passwords;
pub mod training;

pub use access::Access;
pub use accounting::SuspensionRequest;
pub use accounts::{Session, SignInAttempt, TotpEnrolment};
pub use actor::{Actor, Channel};
pub use error::AppError;
pub use notes::{RecordHistory, writable_categories};
pub use ops::*;
pub use passwords::PasswordChange;
pub use training::{BankView, ExamAnswer, ExamRequest, Submitted};
