//! Confidant's decision engine: *may (or must) this discloser give these
//! categories of this client's information to this recipient, for this
//! purpose, on this date?*
//!
//! The facade is small: [`parse_input`] / [`parse_request`] validate JSON into
//! a [`Request`] (or an [`InputError`] naming the field), and
//! [`Engine::decide`] answers it with a [`Decision`] in the shape of
//! `spec/decisions.md`. The rules are Cedar policies embedded from
//! `policies/`, one file per layer; their precedence is applied in one place
//! (`combine`). The engine does no I/O.

#![deny(missing_docs)]

pub mod accounting;
pub mod authorization;
pub mod authorship;
mod catalog;
mod cite;
mod combine;
mod date;
mod decision;
mod docs;
mod engine;
mod explain;
mod index;
mod lint;
pub mod packs;
mod render;
mod request;
pub mod scenario;
mod typed;
pub mod vocab;

pub use catalog::{Catalog, CatalogError, Duty, PACKS, Rule, SCHEMA};
pub use cite::provisions;
pub use date::Date;
pub use decision::{AuthorizationReport, CategoryDecision, Decision, FiredRule, Obligation, Remedy};
pub use engine::{Engine, EngineError};
pub use explain::{obligation_detail, plain_category, remedy_detail};
pub use request::{
    Authorization, AuthorizedRecipient, Client, Discloser, Facts, Input, InputError, MAX_AGE, MAX_BATCH_BYTES, MAX_INPUT_BYTES, Recipient,
    Request, Restriction, Statements, parse_input, parse_request, request_from_value, request_to_value,
};
pub use typed::parse_request_typed;
