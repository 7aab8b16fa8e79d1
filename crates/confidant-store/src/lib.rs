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

#![deny(missing_docs)]

mod accounting;
mod accounting_details;
mod accounting_read;
mod accounts;
mod ascmi;
mod assemble;
pub mod audit;
mod audit_detail;
mod audit_key;
mod authorizations;
pub mod backup;
mod clients;
pub mod crypto;
mod db;
pub mod demo;
mod disclosure;
mod error;
mod exams;
mod keys;
mod model;
mod pg_copy;
mod records;
mod release;
mod restrictions;
mod shared;
mod sqlite_reads;
mod staff;
#[cfg(feature = "testing")]
pub mod testing;
mod training;
mod vault;
mod wal;

pub use accounts::{ApiToken, BreakGlass, Credential, SessionRecord};
pub use ascmi::check_ascmi;
pub use assemble::RequestSpec;
pub use audit::{AuditEntry, AuditEvent, AuditFilter, AuditKind, AuditProblem, AuditVerification, LogFile, read_witness, write_witness};
pub use audit_detail::{Detail, Details, StatusSnapshot, decision_details};
pub use audit_key::{AUDIT_KEY_ENV, AUDIT_KEY_FILE_NAME, create_audit_key, load_audit_key, load_or_create_audit_key};
pub use backup::{BackupError, BackupSummary, RestoreKeys, RestoreReport, inspect_backup, restore_backup};
pub use db::{Backend, DatabaseUrl, NativePool};
pub use disclosure::{
    Accounting, AccountingBasis, AccountingCorrection, AccountingEntry, NewDisclosure, NewSuspension, RecordedDisclosure, StoredDisclosure,
    Suspension,
};
pub use error::StoreError;
pub use exams::{DrawnQuestion, ExamCompletion, ExamDraw, TopicTally, TrainingPolicy};
pub use keys::{KEY_ENV, KEY_FILE_NAME, KeyError, KeyRing};
pub use model::{
    Ascmi, AwaitingReview, Birth, CarePartner, CareTeam, Client, Clock, NewClient, NewRecord, NewStaff, NoticeNotObtained, NoticeStatus,
    Record, RestrictionDecision, Staff, StaffRole, StoredAscmi, StoredAuthorization, StoredRestriction, date_from_unix_days, now_secs,
    plus_days, today, unix_days,
};
pub use release::ReleaseTx;
pub use shared::CountedAttempt;
pub use training::{TrainingCard, TrainingExam, TrainingReview};
pub use vault::{Rotation, Store, VaultCheck, needs_privacy_review};

/// The SQLite file's name in the data directory.
pub const DATABASE_FILE_NAME: &str = "confidant.sqlite";

/// The witness file (the latest signed tree head) in the data directory.
pub const WITNESS_FILE_NAME: &str = "audit-witness.json";
