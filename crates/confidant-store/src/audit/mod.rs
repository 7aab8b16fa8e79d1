//! The audit log kept in the database, as a C2SP transparency log: every
//! decision, disclosure, record read, authorization change, sign-in and
//! break-glass is stored as an event row, and the log proper holds one
//! 32-byte commitment per event (SHA-256 of the stored row, sealed details
//! included), in the `tlog-tiles` layout — hash tiles of 256 per level and
//! entry bundles of 256, stored tile by tile — with a checkpoint signed at
//! each commit, both as the timestamped tree head used by proofs and the
//! witness, and as a C2SP signed note. The published log reveals nothing
//! about any client; the vault keeps the events.
//!
//! Appends run inside the caller's write transaction, so an event is durable
//! exactly when the act it records is: a disclosure is never reported as
//! done before its entry is committed, and a batch lands whole or not at
//! all. Appends are serialized (SQLite's single writer; on PostgreSQL an
//! exclusive lock on the checkpoints) because each extends the tree from the
//! last checkpoint, reading only the last tile of each level.
//!
//! An event holds ids, its kind and categories in clear and everything else
//! sealed (one data key per appended batch). Its commitment covers every
//! stored column, ciphertext included, so key rotation changes no entry.
//!
//! The latest signed head is also written to a witness file outside the
//! database, so deleting the tail of the log together with its heads is
//! still detected.
//!
//! `append` extends the log (`sqlite_append` runs a server's appends
//! through SQLite's own library), `read` serves entries, proofs, the checkpoint
//! and tiles, `cache` keeps the newest checkpoint and recent tiles for
//! proofs, `verify` recomputes everything, and `v1` verifies a log of the
//! earlier layout and re-commits it.

mod append;
mod cache;
mod pg_append;
mod pg_pages;
mod read;
mod sqlite_append;
mod sqlite_pages;
mod v1;
mod verify;
mod witness;

use std::path::{Path, PathBuf};

use confidant_audit::{CommitmentHasher, Hash, LeafHash, LogSigningKey, SignedTreeHead, TreeHead, VerifierKey};
use confidant_policy::vocab::Category;
use serde_json::Value;
use sqlx::Row;

use crate::audit_detail::{Detail, Details};
use crate::error::StoreError;
use crate::keys::write_secret_file;
use crate::vault::corrupt;

pub(crate) use cache::ProofCache;
pub use read::LogFile;
pub(crate) use sqlite_append::SqliteAppender;

macro_rules! audit_kinds {
    ($($variant:ident = $wire:literal),+ $(,)?) => {
        /// What an audit entry records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum AuditKind { $(#[doc = concat!("Entries of kind `", $wire, "`.")] $variant),+ }

        impl AuditKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [AuditKind] = &[$(AuditKind::$variant),+];

            /// The kind as stored and shown.
            pub const fn as_str(self) -> &'static str {
                match self { $(AuditKind::$variant => $wire),+ }
            }

            /// The kind a stored name names.
            pub fn parse(text: &str) -> Option<AuditKind> {
                match text { $($wire => Some(AuditKind::$variant),)+ _ => None }
            }
        }
    };
}

audit_kinds! {
    Decision = "decision",
    Disclosure = "disclosure",
    RecordRead = "record_read",
    ClientRead = "client_read",
    RecordAdded = "record_added",
    RecordCorrected = "record_corrected",
    ClientAdded = "client_added",
    ClientChanged = "client_changed",
    AuthorizationAdded = "authorization_added",
    AuthorizationRevoked = "authorization_revoked",
    AuthorizationDocumentRead = "authorization_document_read",
    RestrictionAdded = "restriction_added",
    AccountingViewed = "accounting_viewed",
    AccountingCorrected = "accounting_corrected",
    AccountingSuspended = "accounting_suspended",
    AuditViewed = "audit_viewed",
    SignIn = "sign_in",
    SignInFailed = "sign_in_failed",
    SignOut = "sign_out",
    BreakGlass = "break_glass",
    BreakGlassReviewed = "break_glass_reviewed",
    AccessDenied = "access_denied",
    StaffChanged = "staff_changed",
    StaffAdded = "staff_added",
    StaffActiveChanged = "staff_active_changed",
    PasswordSet = "password_set",
    TotpChanged = "totp_changed",
    TokenCreated = "token_created",
    TokenRevoked = "token_revoked",
    TeamAdded = "team_added",
    TeamMemberAdded = "team_member_added",
    CaseloadAssigned = "caseload_assigned",
    AuthorizationReviewed = "authorization_reviewed",
    PrivacyNoticeAcknowledged = "privacy_notice_acknowledged",
    PrivacyNoticeNotObtained = "privacy_notice_not_obtained",
    RestrictionDecided = "restriction_decided",
    KeyRotated = "key_rotated",
    BackupMade = "backup_made",
    VaultRestored = "vault_restored",
    RulesReloaded = "rules_reloaded",
    ExamDrawn = "exam_drawn",
    ExamAnswered = "exam_answered",
    ExamCompleted = "exam_completed",
    TrainingViewed = "training_viewed",
    TrainingPolicyChanged = "training_policy_changed",
    LogRecommitted = "log_recommitted",
    AscmiFiled = "ascmi_filed",
    AscmiRevoked = "ascmi_revoked",
    AscmiDocumentAttached = "ascmi_document_attached",
    AscmiDocumentRead = "ascmi_document_read",
}

impl std::fmt::Display for AuditKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to append. `details` is sealed at rest and may hold names.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// What happened.
    pub kind: AuditKind,
    /// The staff member who acted, when one did.
    pub actor: Option<String>,
    /// The client it concerns, if one.
    pub client_id: Option<String>,
    /// The categories of information involved.
    pub categories: Vec<Category>,
    /// Access outside the actor's caseload, under a stated reason.
    pub break_glass: bool,
    /// Typed facts, stored as one sealed JSON object.
    pub details: Details,
}

impl AuditEvent {
    /// An event with no client, categories or details.
    pub fn new(kind: AuditKind, actor: Option<&str>) -> AuditEvent {
        AuditEvent {
            kind,
            actor: actor.map(str::to_string),
            client_id: None,
            categories: Vec::new(),
            break_glass: false,
            details: Details::new(),
        }
    }

    /// Names the client.
    pub fn client(mut self, client_id: &str) -> AuditEvent {
        self.client_id = Some(client_id.to_string());
        self
    }

    /// Names the categories involved.
    pub fn categories(mut self, categories: &[Category]) -> AuditEvent {
        self.categories = categories.to_vec();
        self
    }

    /// Adds one fact to the details (replacing one with the same key).
    pub fn with(mut self, detail: Detail) -> AuditEvent {
        self.details.push(detail);
        self
    }

    /// Adds several facts to the details.
    pub fn with_all(mut self, details: impl IntoIterator<Item = Detail>) -> AuditEvent {
        for d in details {
            self.details.push(d);
        }
        self
    }

    /// Flags access under break-glass.
    pub fn break_glass(mut self, flagged: bool) -> AuditEvent {
        self.break_glass = flagged;
        self
    }
}

/// A stored entry. `details` is `None` unless asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Its index in the log, from 0.
    pub seq: u64,
    /// When it was appended, in Unix milliseconds (server time).
    pub at_ms: i64,
    /// What happened.
    pub kind: AuditKind,
    /// The staff member who acted, when one did.
    pub actor: Option<String>,
    /// The client it concerns, if one.
    pub client_id: Option<String>,
    /// The categories of information involved.
    pub categories: Vec<Category>,
    /// Access under break-glass.
    pub break_glass: bool,
    /// The unsealed details, when asked for (they may name people).
    pub details: Option<Value>,
    /// The log entry: SHA-256 of the stored row (what the entry bundle holds).
    pub commitment: Hash,
    /// The tree leaf: `SHA-256(0x00 || commitment)`.
    pub leaf_hash: LeafHash,
}

/// Which entries [`Store::audit_entries`] returns.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only entries about this client.
    pub client_id: Option<String>,
    /// Only entries appended at or after this time, in Unix milliseconds.
    pub since_ms: Option<i64>,
    /// Only entries of this kind.
    pub kind: Option<AuditKind>,
    /// Newest entries first when set; oldest first otherwise.
    pub newest_first: bool,
    /// At most this many.
    pub limit: Option<u64>,
    /// Unseal each entry's details.
    pub with_details: bool,
}

/// The first thing found wrong with the stored log, naming where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditProblem {
    /// An entry is missing from the sequence.
    #[error("entry {seq} is missing (the log jumps from {before} to {seq_after})", before = .seq.wrapping_sub(1), seq_after = .next)]
    EntryMissing {
        /// The entry's index.
        seq: u64,
        /// The next index present.
        next: u64,
    },
    /// An entry no longer hashes to its commitment.
    #[error("entry {seq} was altered: its contents no longer hash to the commitment the log holds for it")]
    EntryAltered {
        /// The entry's index.
        seq: u64,
    },
    /// An entry has no leaf hash.
    #[error("entry {seq} has no leaf hash")]
    LeafMissing {
        /// The entry's index.
        seq: u64,
    },
    /// An entry cannot be read or unsealed.
    #[error("entry {seq} is unreadable: {what}")]
    EntryUnreadable {
        /// The entry's index.
        seq: u64,
        /// What is wrong.
        what: String,
    },
    /// A tree head's signature does not verify.
    #[error("tree head at size {size} has a bad signature: it was altered, replaced or signed by another key")]
    HeadSignature {
        /// The tree size.
        size: u64,
    },
    /// A checkpoint's signature does not verify.
    #[error("the checkpoint at size {size} has a bad signed-note signature: it was altered, replaced or signed by another key")]
    CheckpointSignature {
        /// The tree size.
        size: u64,
    },
    /// A signed head no longer matches the entries.
    #[error(
        "an entry in {from}..{to} was altered, removed, reordered or inserted: the tree head signed at size {to} no longer matches the log"
    )]
    HeadMismatch {
        /// The first entry of the range.
        from: u64,
        /// The end of the range (exclusive).
        to: u64,
    },
    /// A signed head covers entries that are gone.
    #[error("the tree head at size {size} covers entries the log no longer has (it has {log_size}): the tail was truncated")]
    HeadBeyondLog {
        /// The tree size.
        size: u64,
        /// How many entries the log holds.
        log_size: u64,
    },
    /// Entries no signed head covers.
    #[error("entries {from}..{to} are covered by no signed tree head: heads were removed or entries added outside the log")]
    UnsignedEntries {
        /// The first entry of the range.
        from: u64,
        /// The end of the range (exclusive).
        to: u64,
    },
    /// A stored tree node differs from the recomputed one.
    #[error("stored tree node (level {level}, index {index}) differs from the tree recomputed from the entries")]
    NodeAltered {
        /// The node's level.
        level: u32,
        /// The node's index at its level.
        index: u64,
    },
    /// Tree nodes are missing.
    #[error("the log should hold {expected} tree nodes but holds {found}")]
    NodesMissing {
        /// How many there should be.
        expected: u64,
        /// How many there are.
        found: u64,
    },
    /// A tile or bundle differs from the recomputed one.
    #[error("{path} was altered: it differs from the tile recomputed from the entries")]
    TileAltered {
        /// The tile's path.
        path: String,
    },
    /// A tile or bundle is missing.
    #[error("{path} is missing")]
    TileMissing {
        /// The tile's path.
        path: String,
    },
    /// Tiles or bundles exist that the tree does not have.
    #[error("the log holds {found} tiles and entry bundles where a tree of {size} entries has {expected}")]
    TileCount {
        /// The tree size.
        size: u64,
        /// How many there should be.
        expected: u64,
        /// How many there are.
        found: u64,
    },
    /// An old-layout log not yet re-committed.
    #[error("the log of {size} entries has not been re-committed as a transparency log (open the vault with its audit signing key)")]
    NotRecommitted {
        /// The tree size.
        size: u64,
    },
    /// The witness outside the database disagrees with the log.
    #[error("the witness outside the database records a head of size {size} that the log {what}")]
    Witness {
        /// The tree size.
        size: u64,
        /// What is wrong.
        what: &'static str,
    },
}

/// What [`Store::verify_audit`] found.
#[derive(Clone, Debug)]
pub struct AuditVerification {
    /// Entries verified.
    pub size: u64,
    /// The root hash of the verified tree.
    pub root: Hash,
    /// Signed tree heads checked.
    pub heads_checked: usize,
    /// Tiles and entry bundles compared with those recomputed.
    pub tiles_checked: u64,
    /// The newest signed tree head.
    pub latest: Option<SignedTreeHead>,
    /// `None` when the log is intact.
    pub problem: Option<AuditProblem>,
}

/// The log key and where the witness goes, held by an open store.
pub(crate) struct AuditSigner {
    key: LogSigningKey,
    verifier: VerifierKey,
    witness: Option<PathBuf>,
    /// The thread writing the witness, once a server asked for it.
    background: std::sync::OnceLock<witness::Background>,
}

/// The bytes an entry's commitment covers: a domain tag, then each stored
/// column length-prefixed, so no two different entries share an encoding.
#[allow(clippy::too_many_arguments)]
fn entry_bytes(
    seq: u64,
    at_ms: i64,
    kind: &str,
    actor: Option<&str>,
    client: Option<&str>,
    categories: &str,
    break_glass: bool,
    data_key_id: &str,
    details: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(96 + details.len());
    encode_entry(
        &mut |piece| out.extend_from_slice(piece),
        seq,
        at_ms,
        [Some(kind), actor, client, Some(categories), Some(data_key_id)],
        break_glass,
        details,
    );
    out
}

/// Hands [`entry_bytes`] to `emit` piece by piece (the one encoding, for
/// both the buffer and the streaming hash).
fn encode_entry(emit: &mut impl FnMut(&[u8]), seq: u64, at_ms: i64, texts: [Option<&str>; 5], break_glass: bool, details: &[u8]) {
    emit(b"confidant-audit-entry-v1\0");
    emit(&seq.to_be_bytes());
    emit(&at_ms.to_be_bytes());
    for field in texts {
        match field {
            // A missing value and an empty one differ.
            None => emit(&[0]),
            Some(text) => {
                emit(&[1]);
                emit(&(text.len() as u64).to_be_bytes());
                emit(text.as_bytes());
            }
        }
    }
    emit(&[u8::from(break_glass)]);
    emit(&(details.len() as u64).to_be_bytes());
    emit(details);
}

/// The stored bytes of a row whose first columns are [`ENTRY_COLUMNS`], in
/// that order (read by position: this runs once per entry in a verify).
fn row_bytes<'r, R>(row: &'r R) -> Result<Vec<u8>, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r [u8]: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut out = Vec::with_capacity(256);
    emit_row(row, &mut |piece| out.extend_from_slice(piece))?;
    Ok(out)
}

/// Reads a row's columns (in [`ENTRY_COLUMNS`] order) and hands its
/// stored bytes to `emit`.
fn emit_row<'r, R>(row: &'r R, emit: &mut impl FnMut(&[u8])) -> Result<(), StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r [u8]: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let seq: i64 = row.try_get(0)?;
    let at_ms: i64 = row.try_get(1)?;
    let kind: &str = row.try_get(2)?;
    let actor: Option<&str> = row.try_get(3)?;
    let client: Option<&str> = row.try_get(4)?;
    let categories: &str = row.try_get(5)?;
    let break_glass: i64 = row.try_get(6)?;
    let data_key_id: &str = row.try_get(7)?;
    let details: &[u8] = row.try_get(8)?;
    encode_entry(emit, seq as u64, at_ms, [Some(kind), actor, client, Some(categories), Some(data_key_id)], break_glass != 0, details);
    Ok(())
}

/// The commitment to a stored event row (columns in [`ENTRY_COLUMNS`]
/// order), hashed as its columns are read, with no copy of the row.
fn commitment_of_row<'r, R>(row: &'r R) -> Result<Hash, StoreError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'r [u8]: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut hasher = CommitmentHasher::new();
    emit_row(row, &mut |piece| hasher.update(piece))?;
    Ok(hasher.finish())
}

fn hash_of(bytes: Vec<u8>, column: &str) -> Result<Hash, StoreError> {
    bytes.try_into().map_err(|_| corrupt(format!("audit {column}")))
}

/// A tree head's columns: size, root, timestamp_ms, signature.
pub(crate) type HeadRow = (i64, Vec<u8>, i64, Vec<u8>);

/// A signed tree head from its stored columns.
fn head_of_row((size, root, timestamp, signature): HeadRow) -> Result<SignedTreeHead, StoreError> {
    Ok(SignedTreeHead {
        head: TreeHead { size: size as u64, root: hash_of(root, "root")?, timestamp_ms: timestamp as u64 },
        signature: signature.try_into().map_err(|_| corrupt("audit tree head signature"))?,
    })
}

/// A stored checkpoint: the tree head with both of its signatures.
#[derive(Clone, Debug)]
pub(crate) struct StoredCheckpoint {
    pub(crate) head: SignedTreeHead,
    pub(crate) note_signature: [u8; 64],
}

const CHECKPOINT_COLUMNS: &str = "size, root, timestamp_ms, signature, note_signature";

/// A checkpoint's columns, in [`CHECKPOINT_COLUMNS`] order.
pub(crate) type CheckpointRow = (i64, Vec<u8>, i64, Vec<u8>, Vec<u8>);

fn checkpoint_of_row((size, root, timestamp, signature, note): CheckpointRow) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        head: head_of_row((size, root, timestamp, signature))?,
        note_signature: note.try_into().map_err(|_| corrupt("audit checkpoint signature"))?,
    })
}

const ENTRY_COLUMNS: &str = "seq, at_ms, kind, actor_id, client_id, categories, break_glass, data_key_id, details";

/// Rows per multi-row INSERT: well under SQLite's bound-parameter limit.
const INSERT_CHUNK: usize = 100;

/// Rows read per page when walking the whole log: a whole number of tiles.
const PAGE: i64 = 80 * 256;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `INSERT INTO table (columns) VALUES (…), (…)` for `rows` rows, with the
/// backend's placeholders ([`crate::vault::multi_row_insert`]).
fn multi_insert(backend: crate::db::Backend, table: &str, columns: &str, rows: usize) -> String {
    let head = format!("INSERT INTO {table} ({columns}) VALUES ");
    crate::vault::multi_row_insert(backend, &head, columns.split(',').count(), rows)
}

/// The statement that keeps other appenders out until commit (PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already has).
fn append_lock(backend: crate::db::Backend) -> Option<&'static str> {
    match backend {
        crate::db::Backend::Sqlite => None,
        crate::db::Backend::Postgres => Some("LOCK TABLE audit_checkpoints IN EXCLUSIVE MODE"),
    }
}

/// Writes `head` to the witness file unless it already holds a larger one.
/// The read, the comparison and the write happen under an exclusive lock
/// on `<path>.lock`, so processes sharing the file (two servers with one
/// data directory) never shrink it or interleave their temporary files.
pub fn write_witness(path: &Path, head: &SignedTreeHead) -> Result<(), StoreError> {
    let mut lock_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    lock_name.push(".lock");
    let unlockable = |e: std::io::Error| StoreError::invalid("witness", format!("a lockable file beside `{}` ({e})", path.display()));
    let lock =
        std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path.with_file_name(lock_name)).map_err(unlockable)?;
    lock.lock().map_err(unlockable)?;
    if let Ok(Some(existing)) = read_witness(path)
        && existing.head.size >= head.head.size
    {
        return Ok(());
    }
    let text = serde_json::to_vec_pretty(head).map_err(|_| corrupt("witness"))?;
    write_secret_file(path, &text)?;
    // The lock is released when `lock` is closed.
    Ok(())
}

/// The signed head kept in a witness file, if the file exists.
pub fn read_witness(path: &Path) -> Result<Option<SignedTreeHead>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| StoreError::invalid("witness", format!("`{}` to hold a signed tree head", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::invalid("witness", format!("a readable file at `{}` ({e})", path.display()))),
    }
}
