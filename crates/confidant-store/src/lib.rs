//! Confidant's records vault: staff, care teams, clients, records,
//! authorizations, Part 2 consents and restrictions, kept in SQLite (the
//! default) or PostgreSQL with envelope encryption.
//!
//! Entry points: [`Store::create`] / [`Store::open`] with a [`DatabaseUrl`]
//! and a [`KeyRing`] (from the key file or `CONFIDANT_KEY`), then the
//! store's methods; [`Store::request_for`] assembles an engine request from
//! stored data; [`demo::fill`] makes a fictional organization.
//!
//! Invariants: only this crate knows SQL; nothing identifying and no record
//! content reaches the database unencrypted; every write is one transaction.

mod assemble;
pub mod crypto;
pub mod db;
pub mod demo;
mod error;
pub mod keys;
mod model;
mod vault;

pub use assemble::RequestSpec;
pub use db::{Backend, DatabaseUrl};
pub use error::StoreError;
pub use keys::{KEY_ENV, KEY_FILE_NAME, KeyError, KeyRing, KeySource};
pub use model::{
    Birth, CareTeam, Client, NewClient, NewRecord, NewStaff, Record, Staff, StaffRole, StoredAuthorization,
    StoredRestriction, date_from_unix_days, now_secs, today,
};
pub use vault::{Rotation, Store, VaultCheck};

/// The SQLite file's name in the data directory.
pub const DATABASE_FILE_NAME: &str = "confidant.sqlite";
