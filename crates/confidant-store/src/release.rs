//! A release as one unit of work. Everything a release decides on — the
//! client's status, authorizations and restrictions, the releaser — is read
//! inside the transaction that then records the disclosure, its accounting
//! entry and its audit leaf. A revocation, restriction, discharge or death
//! therefore commits either before the release reads (and is seen) or after
//! the release commits (and the release came first); it can never slip in
//! between the decision and the record.
//!
//! SQLite: the transaction is `BEGIN IMMEDIATE`, so it holds the one write
//! lock from its first read. PostgreSQL: the client's row, its authorizations
//! and its restrictions are locked `FOR UPDATE` first. That blocks a
//! revocation (an update of an authorization row), a discharge or death (an
//! update of the client row) and a new authorization or restriction (whose
//! foreign key needs a share lock on the client row) until the release ends.

use confidant_audit::SignedTreeHead;
use confidant_policy::Request;
use sqlx::Row;

use crate::assemble::{RequestSpec, assemble, check_categories};
use crate::audit::AuditEvent;
use crate::db::Backend;
use crate::disclosure::{NewDisclosure, RecordedDisclosure};
use crate::error::StoreError;
use crate::model::{Client, Record, Staff, StoredAscmi, StoredAuthorization};
use crate::vault::{Store, Tx};

/// An open release of one client's information (see the module docs).
/// Dropping it without [`ReleaseTx::record_disclosure`] or
/// [`ReleaseTx::record_decision`] rolls back: nothing is recorded.
pub struct ReleaseTx<'s> {
    store: &'s Store,
    tx: Tx,
    client: Client,
    authorizations: Vec<StoredAuthorization>,
    ascmis: Vec<StoredAscmi>,
}

impl std::fmt::Debug for ReleaseTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseTx").field("client", &self.client.id).finish_non_exhaustive()
    }
}

/// Locks, on PostgreSQL, what a release of `$1`'s information decides on.
const POSTGRES_LOCKS: [&str; 4] = [
    "SELECT id FROM clients WHERE id = $1 FOR UPDATE",
    "SELECT id FROM authorizations WHERE client_id = $1 FOR UPDATE",
    "SELECT id FROM ascmi_forms WHERE client_id = $1 FOR UPDATE",
    "SELECT id FROM restrictions WHERE client_id = $1 FOR UPDATE",
];

impl Store {
    /// Opens a release of `client_id`'s information: the write transaction
    /// begins, the client's row and consents are locked where the backend
    /// needs it, and the client and its authorizations are read inside it.
    pub async fn begin_release(&self, client_id: &str) -> Result<ReleaseTx<'_>, StoreError> {
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            for lock in POSTGRES_LOCKS {
                sqlx::query(lock).bind(client_id.to_string()).execute(&mut *tx).await?;
            }
        }
        let client = self.client_on(&mut tx, client_id).await?;
        let authorizations = self.authorizations_on(&mut tx, client_id).await?;
        let ascmis = self.ascmis_on(&mut tx, client_id).await?;
        Ok(ReleaseTx { store: self, tx, client, authorizations, ascmis })
    }
}

impl ReleaseTx<'_> {
    /// The client, as read inside the release.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The client's authorizations and consents, as read inside the release.
    pub fn authorizations(&self) -> &[StoredAuthorization] {
        &self.authorizations
    }

    /// The releasing staff member, read inside the release (a deactivation
    /// that committed first is seen).
    pub async fn staff(&mut self, id: &str) -> Result<Staff, StoreError> {
        self.store.staff_on(&mut self.tx, id).await
    }

    /// The engine's request for this client, from what the release read.
    /// `spec.client_id` must be the client the release was opened for.
    pub async fn request_for(&mut self, spec: RequestSpec) -> Result<Request, StoreError> {
        if spec.client_id != self.client.id {
            return Err(StoreError::invalid("client", format!("the client this release was opened for, `{}`", self.client.id)));
        }
        check_categories(&spec)?;
        let restrictions = self.store.restrictions_on(&mut self.tx, &self.client.id).await?;
        assemble(spec, &self.client, &self.authorizations, &self.ascmis, &restrictions)
    }

    /// The client's records that `keep` accepts; only those are decrypted.
    /// A version that a correction replaced is never handed over: the
    /// recipient gets each record as it now stands (the history stays in
    /// the vault).
    pub async fn records_selected(&mut self, keep: &(dyn Fn(&Record) -> bool + Sync)) -> Result<Vec<Record>, StoreError> {
        let client_id = self.client.id.clone();
        let rows = sqlx::query(
            "SELECT corrects FROM records WHERE client_id = $1 AND corrects IS NOT NULL \
             UNION ALL SELECT corrects FROM psychotherapy_notes WHERE client_id = $1 AND corrects IS NOT NULL",
        )
        .bind(client_id.clone())
        .fetch_all(&mut *self.tx)
        .await?;
        let replaced: std::collections::HashSet<String> =
            rows.iter().map(|r| r.try_get::<String, _>("corrects")).collect::<Result<_, _>>()?;
        let current = |r: &Record| !replaced.contains(&r.id) && keep(r);
        self.store.records_selected_on(&mut crate::db::Conn::Any(&mut self.tx), &client_id, true, &current).await
    }

    /// Records the disclosure, its accounting entry and its audit leaf, and
    /// commits the release. Returns the new signed tree head with it.
    pub async fn record_disclosure(mut self, new: NewDisclosure) -> Result<(RecordedDisclosure, Option<SignedTreeHead>), StoreError> {
        if new.client_id != self.client.id {
            return Err(StoreError::invalid("client", format!("the client this release was opened for, `{}`", self.client.id)));
        }
        let (recorded, head) = self.store.record_disclosure_in(&mut self.tx, new).await?;
        self.tx.commit().await?;
        self.store.after_audit_commit(head.as_ref());
        Ok((recorded, head))
    }

    /// Ends a release that released nothing: audits the decision and commits.
    pub async fn record_decision(mut self, event: AuditEvent) -> Result<u64, StoreError> {
        let (seqs, head) = self.store.append_audit_in(&mut self.tx, &[event]).await?;
        self.tx.commit().await?;
        self.store.after_audit_commit(head.as_ref());
        seqs.first().copied().ok_or_else(|| StoreError::invalid("audit", "one appended event"))
    }
}
