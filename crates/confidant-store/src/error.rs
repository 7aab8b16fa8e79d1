//! The vault's one error type: what went wrong, in words for people, with
//! the field at fault for bad input. `thiserror` derives the messages.

use confidant_policy::authorization::Reason;

use crate::crypto::CryptoError;
use crate::keys::KeyError;

/// Why a vault operation failed. A failed write has changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Bad input: the field and what it should have held.
    #[error("{field}: {expected}")]
    Invalid {
        /// The field at fault.
        field: String,
        /// What it should have held.
        expected: String,
    },
    /// No row of that kind has the id.
    #[error("{kind}: no {kind} with id `{id}`")]
    NotFound {
        /// What was looked up (`client`, `staff`, …).
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// An id that is already taken.
    #[error("{kind}: `{id}` already exists")]
    Duplicate {
        /// What was added (`client`, `staff`, …).
        kind: &'static str,
        /// The id already in use.
        id: String,
    },
    /// An authorization that lacks core elements or statements; every defect is listed.
    #[error("authorization: not valid as written: {}", list_defects(.0))]
    IncompleteAuthorization(Vec<Reason>),
    /// A revocation that lost to an earlier one (or a second revocation).
    #[error("authorization: `{id}` already revoked on {on} by {by}")]
    AlreadyRevoked {
        /// The authorization's id.
        id: String,
        /// The day of the earlier revocation (ISO date).
        on: String,
        /// Who revoked it.
        by: String,
    },
    /// One record of a batch failed; the batch stored nothing. `index` counts from 0.
    #[error("record {index} of the batch: {source}")]
    InBatch {
        /// The failed record's position in the batch.
        index: usize,
        /// Why it failed.
        source: Box<StoreError>,
    },
    /// The key file or `CONFIDANT_KEY` could not be read or written.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// None of the keys at hand is a current key of this vault.
    #[error("key: the key does not open this vault ({0})")]
    WrongKey(String),
    /// Stored data did not decrypt: it was altered, or the key is wrong.
    #[error("{what}: {source}")]
    Crypto {
        /// What was being sealed or opened.
        what: String,
        /// The cipher's error (which says nothing about the plaintext).
        source: CryptoError,
    },
    /// A stored value is not what the schema allows (edited outside the vault).
    #[error("{what}: stored value is not valid")]
    Corrupt {
        /// Which value.
        what: String,
    },
    /// The database holds no vault yet.
    #[error("vault: not initialized (run `confidant init`)")]
    NotInitialized,
    /// `create` found a vault already in the database.
    #[error("vault: already initialized")]
    AlreadyInitialized,
    /// Key rotation happened while this write was under way; retry it.
    #[error("key: the key was rotated while writing; retry")]
    KeyRotated,
    /// The stored log no longer matches its last signed head; nothing more
    /// is appended (or done) until `confidant audit verify` is looked at.
    #[error("audit: the log does not match its last signed tree head; run `confidant audit verify`")]
    AuditDamaged,
    /// The database refused or failed a statement, or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A read through SQLite's own library (`sqlite_reads`) failed.
    #[error("database: {0}")]
    SqliteRead(#[from] rusqlite::Error),
    /// A read's thread ended without an answer.
    #[error("database: a read did not finish: {0}")]
    ReadTask(#[source] tokio::task::JoinError),
    /// The schema migrations could not be applied.
    #[error("database: migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Bad input in `field`, which should have held `expected`.
    pub fn invalid(field: impl Into<String>, expected: impl Into<String>) -> StoreError {
        StoreError::Invalid { field: field.into(), expected: expected.into() }
    }

    pub(crate) fn crypto(what: impl Into<String>) -> impl FnOnce(CryptoError) -> StoreError {
        let what = what.into();
        move |source| StoreError::Crypto { what, source }
    }

    /// Whether the caller is at fault (exit 2) rather than the system (exit 1).
    pub fn is_bad_input(&self) -> bool {
        if let StoreError::InBatch { source, .. } = self {
            return source.is_bad_input();
        }
        matches!(
            self,
            StoreError::Invalid { .. }
                | StoreError::NotFound { .. }
                | StoreError::Duplicate { .. }
                | StoreError::IncompleteAuthorization(_)
                | StoreError::AlreadyRevoked { .. }
                | StoreError::Key(_)
                | StoreError::WrongKey(_)
                | StoreError::NotInitialized
                | StoreError::AlreadyInitialized
        )
    }
}

fn list_defects(defects: &[Reason]) -> String {
    defects
        .iter()
        .map(|r| match r {
            Reason::MissingElement(e) => format!("`{}` ({})", r.code(), e.describe()),
            Reason::MissingStatement(s) => format!("`{}` ({})", r.code(), s.describe()),
            other => format!("`{}`", other.code()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
