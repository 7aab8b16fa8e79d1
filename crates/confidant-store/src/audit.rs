//! The audit log kept in the database: every decision, disclosure, record
//! read, authorization change, sign-in and break-glass appended as a leaf of
//! an RFC 6962 Merkle tree (`confidant-audit` does the hashing), with every
//! complete subtree stored so proofs need O(log n) lookups, and a tree head
//! signed with the log key at each commit.
//!
//! Appends run inside the caller's write transaction, so an event is durable
//! exactly when the act it records is: a disclosure is never reported as
//! done before its leaf is committed. Appends are serialized (SQLite's single
//! writer; on PostgreSQL an exclusive lock on the tree heads) because each
//! extends the tree from the last head.
//!
//! An entry holds ids, its kind and categories in clear and everything else
//! sealed (one data key per appended batch). Its leaf hash covers every
//! stored column, ciphertext included, so key rotation changes no leaf.
//!
//! The latest signed head is also written to a witness file outside the
//! database, so deleting the tail of the log together with its heads is
//! still detected.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use confidant_audit::{
    ConsistencyProof, Frontier, Hash, InclusionProof, LeafHash, LogError, LogSigningKey, LogVerifyingKey, MerkleTree, NodeId, NodeSource,
    SignedTreeHead, TreeHead, consistency_nodes, consistency_proof_from, empty_root, inclusion_nodes, inclusion_proof_from, verify_log,
};
use confidant_policy::vocab::Category;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit_detail::{Detail, Details};
use crate::crypto::field_aad;
use crate::error::StoreError;
use crate::keys::write_secret_file;
use crate::vault::{KeyCache, Store, Tx, corrupt, join, split};

macro_rules! audit_kinds {
    ($($variant:ident = $wire:literal),+ $(,)?) => {
        /// What an audit entry records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum AuditKind { $($variant),+ }

        impl AuditKind {
            pub const ALL: &'static [AuditKind] = &[$(AuditKind::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $(AuditKind::$variant => $wire),+ }
            }

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
}

impl std::fmt::Display for AuditKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to append. `details` is sealed at rest and may hold names.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    pub kind: AuditKind,
    /// The staff member who acted, when one did.
    pub actor: Option<String>,
    pub client_id: Option<String>,
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

    pub fn client(mut self, client_id: &str) -> AuditEvent {
        self.client_id = Some(client_id.to_string());
        self
    }

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

    pub fn break_glass(mut self, flagged: bool) -> AuditEvent {
        self.break_glass = flagged;
        self
    }
}

/// A stored entry. `details` is `None` unless asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub seq: u64,
    pub at_ms: i64,
    pub kind: AuditKind,
    pub actor: Option<String>,
    pub client_id: Option<String>,
    pub categories: Vec<Category>,
    pub break_glass: bool,
    pub details: Option<Value>,
    pub leaf_hash: LeafHash,
}

/// Which entries [`Store::audit_entries`] returns.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub client_id: Option<String>,
    pub since_ms: Option<i64>,
    pub kind: Option<AuditKind>,
    /// Newest entries first when set; oldest first otherwise.
    pub newest_first: bool,
    pub limit: Option<u64>,
    pub with_details: bool,
}

/// The first thing found wrong with the stored log, naming where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditProblem {
    #[error("entry {seq} is missing (the log jumps from {before} to {seq_after})", before = .seq.wrapping_sub(1), seq_after = .next)]
    EntryMissing { seq: u64, next: u64 },
    #[error("entry {seq} was altered: its contents no longer hash to the leaf stored for it")]
    EntryAltered { seq: u64 },
    #[error("entry {seq} has no leaf hash")]
    LeafMissing { seq: u64 },
    #[error("entry {seq} is unreadable: {what}")]
    EntryUnreadable { seq: u64, what: String },
    #[error("tree head at size {size} has a bad signature: it was altered, replaced or signed by another key")]
    HeadSignature { size: u64 },
    #[error(
        "an entry in {from}..{to} was altered, removed, reordered or inserted: the tree head signed at size {to} no longer matches the log"
    )]
    HeadMismatch { from: u64, to: u64 },
    #[error("the tree head at size {size} covers entries the log no longer has (it has {log_size}): the tail was truncated")]
    HeadBeyondLog { size: u64, log_size: u64 },
    #[error("entries {from}..{to} are covered by no signed tree head: heads were removed or entries added outside the log")]
    UnsignedEntries { from: u64, to: u64 },
    #[error("stored tree node (level {level}, index {index}) differs from the tree recomputed from the entries")]
    NodeAltered { level: u32, index: u64 },
    #[error("the log should hold {expected} tree nodes but holds {found}")]
    NodesMissing { expected: u64, found: u64 },
    #[error("the witness outside the database records a head of size {size} that the log {what}")]
    Witness { size: u64, what: &'static str },
}

/// What [`Store::verify_audit`] found.
#[derive(Clone, Debug)]
pub struct AuditVerification {
    pub size: u64,
    pub root: Hash,
    pub heads_checked: usize,
    pub latest: Option<SignedTreeHead>,
    /// `None` when the log is intact.
    pub problem: Option<AuditProblem>,
}

/// The log key and where the witness goes, held by an open store.
pub(crate) struct AuditSigner {
    key: LogSigningKey,
    witness: Option<PathBuf>,
}

/// The bytes an entry's leaf hash covers: a domain tag, then each stored
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
    out.extend_from_slice(b"confidant-audit-entry-v1\0");
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&at_ms.to_be_bytes());
    for field in [Some(kind), actor, client, Some(categories), Some(data_key_id)] {
        match field {
            // A missing value and an empty one differ.
            None => out.push(0),
            Some(text) => {
                out.push(1);
                push_len_prefixed(&mut out, text.as_bytes());
            }
        }
    }
    out.push(u8::from(break_glass));
    push_len_prefixed(&mut out, details);
    out
}

fn push_len_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The leaf hash of a row whose first columns are [`ENTRY_COLUMNS`], in that
/// order (read by position: this runs once per entry in `verify_audit`).
fn leaf_of_row(row: &AnyRow) -> Result<LeafHash, StoreError> {
    let seq: i64 = row.try_get(0)?;
    let at_ms: i64 = row.try_get(1)?;
    let kind: &str = row.try_get(2)?;
    let actor: Option<&str> = row.try_get(3)?;
    let client: Option<&str> = row.try_get(4)?;
    let categories: &str = row.try_get(5)?;
    let break_glass: i64 = row.try_get(6)?;
    let data_key_id: &str = row.try_get(7)?;
    let details: &[u8] = row.try_get(8)?;
    Ok(LeafHash::of(&entry_bytes(seq as u64, at_ms, kind, actor, client, categories, break_glass != 0, data_key_id, details)))
}

fn hash_of(row: &AnyRow, column: &str) -> Result<Hash, StoreError> {
    let bytes: Vec<u8> = row.try_get(column)?;
    bytes.try_into().map_err(|_| corrupt(format!("audit {column}")))
}

fn head_of_row(row: &AnyRow) -> Result<SignedTreeHead, StoreError> {
    let size: i64 = row.try_get("size")?;
    let timestamp: i64 = row.try_get("timestamp_ms")?;
    let signature: Vec<u8> = row.try_get("signature")?;
    Ok(SignedTreeHead {
        head: TreeHead { size: size as u64, root: hash_of(row, "root")?, timestamp_ms: timestamp as u64 },
        signature: signature.try_into().map_err(|_| corrupt("audit tree head signature"))?,
    })
}

const ENTRY_COLUMNS: &str = "seq, at_ms, kind, actor_id, client_id, categories, break_glass, data_key_id, details";

/// Rows per multi-row INSERT: well under SQLite's bound-parameter limit.
const INSERT_CHUNK: usize = 100;

/// Rows read per page when walking the whole log.
const PAGE: i64 = 20_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `INSERT INTO table (columns) VALUES ($1, …), (…)` for `rows` rows.
fn multi_insert(table: &str, columns: &str, rows: usize) -> String {
    crate::vault::multi_row_insert(&format!("INSERT INTO {table} ({columns}) VALUES "), columns.split(',').count(), rows)
}

/// Reads the nodes named by `ids` in one query.
async fn fetch_nodes<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(e: E, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    if ids.is_empty() {
        return Ok(out);
    }
    // One indexed lookup per node, joined with UNION ALL: an OR of the
    // pairs let PostgreSQL's planner pick a scan of the whole table.
    let mut sql = String::new();
    for i in 0..ids.len() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str(&format!("SELECT level, idx, hash FROM audit_nodes WHERE level = ${} AND idx = ${}", 2 * i + 1, 2 * i + 2));
    }
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(i64::from(id.level)).bind(id.index as i64);
    }
    for row in query.fetch_all(e).await? {
        let level: i64 = row.try_get("level")?;
        let index: i64 = row.try_get("idx")?;
        out.insert(NodeId { level: level as u32, index: index as u64 }, hash_of(&row, "hash")?);
    }
    Ok(out)
}

/// The statement that keeps other appenders out until commit (PostgreSQL;
/// SQLite's `BEGIN IMMEDIATE` already has).
fn append_lock(backend: crate::db::Backend) -> Option<&'static str> {
    match backend {
        crate::db::Backend::Sqlite => None,
        crate::db::Backend::Postgres => Some("LOCK TABLE audit_tree_heads IN EXCLUSIVE MODE"),
    }
}

/// Writes `head` to the witness file (mode 0600) unless it already holds a
/// larger one.
pub fn write_witness(path: &Path, head: &SignedTreeHead) -> Result<(), StoreError> {
    if let Ok(Some(existing)) = read_witness(path)
        && existing.head.size >= head.head.size
    {
        return Ok(());
    }
    let text = serde_json::to_vec_pretty(head).map_err(|_| corrupt("witness"))?;
    write_secret_file(path, &text)?;
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

impl Store {
    /// Attaches the log's signing key (and the witness file) to this store.
    /// The first key used is registered; a different key is refused, so a
    /// log is never signed by two keys.
    pub async fn enable_audit(&mut self, key: LogSigningKey, witness: Option<PathBuf>) -> Result<(), StoreError> {
        let public = key.verifying_key().to_hex();
        let mut tx = self.begin().await?;
        let known: Vec<String> = sqlx::query("SELECT public_key FROM audit_log_keys")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("public_key"))
            .collect::<Result<_, _>>()?;
        if known.is_empty() {
            sqlx::query("INSERT INTO audit_log_keys (public_key, created_at) VALUES ($1, $2)")
                .bind(public)
                .bind(crate::now_secs())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        } else if !known.contains(&public) {
            return Err(StoreError::WrongKey(format!(
                "the audit signing key is not this vault's (the log is signed by {})",
                known.join(", ")
            )));
        }
        self.audit = Some(Arc::new(AuditSigner { key, witness }));
        Ok(())
    }

    /// Where this store writes its witness head, when it has one.
    pub fn witness_path(&self) -> Option<PathBuf> {
        self.audit.as_ref().and_then(|a| a.witness.clone())
    }

    /// The public half of the key this store signs with: held outside the
    /// database, so a head re-signed by whoever can write the database does
    /// not check out against it.
    pub fn audit_verifying_key(&self) -> Option<LogVerifyingKey> {
        self.audit.as_ref().map(|a| a.key.verifying_key())
    }

    /// The public key the log is signed with, once one is registered.
    pub async fn audit_public_key(&self) -> Result<Option<LogVerifyingKey>, StoreError> {
        let row = sqlx::query("SELECT public_key FROM audit_log_keys ORDER BY created_at LIMIT 1").fetch_optional(self.pool()).await?;
        row.map(|r| {
            let text: String = r.try_get("public_key")?;
            text.parse().map_err(|_| corrupt("audit log key"))
        })
        .transpose()
    }

    /// Appends events in a transaction of their own and returns their
    /// sequence numbers.
    pub async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<Vec<u64>, StoreError> {
        let mut tx = self.begin().await?;
        let (seqs, head) = self.append_audit_in(&mut tx, &events).await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        Ok(seqs)
    }

    /// Appends `event` inside `tx` and commits: a change and its audit
    /// entry land together or not at all. Returns the entry's sequence.
    pub(crate) async fn commit_audited(&self, mut tx: Tx, event: AuditEvent) -> Result<u64, StoreError> {
        let (seqs, head) = self.append_audit_in(&mut tx, std::slice::from_ref(&event)).await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        seqs.first().copied().ok_or_else(|| corrupt("audit sequence"))
    }

    /// Appends events inside `tx`, signs the new head and stores it. Call
    /// [`Store::after_audit_commit`] with the head once `tx` commits.
    pub(crate) async fn append_audit_in(
        &self,
        tx: &mut Tx,
        events: &[AuditEvent],
    ) -> Result<(Vec<u64>, Option<SignedTreeHead>), StoreError> {
        if events.is_empty() {
            return Ok((Vec::new(), None));
        }
        let signer =
            self.audit.clone().ok_or_else(|| StoreError::invalid("audit", "an audit signing key (the store was opened without one)"))?;
        if let Some(lock) = append_lock(self.backend()) {
            sqlx::query(lock).execute(&mut **tx).await?;
        }
        let latest = sqlx::query("SELECT size, root, timestamp_ms, signature FROM audit_tree_heads ORDER BY size DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| head_of_row(&r))
            .transpose()?;
        let (size, root, last_ms) = latest.map_or((0, empty_root(), 0), |h| (h.head.size, h.head.root, h.head.timestamp_ms));
        // Extend only a log that still matches its last signed head: signing
        // on top of a damaged log would bless the damage.
        let peak_ids = Frontier::peak_ids(size);
        let peaks = fetch_nodes(&mut **tx, &peak_ids).await?;
        let frontier = peak_ids.iter().map(|id| peaks.get(id).copied()).collect::<Option<Vec<Hash>>>();
        let mut frontier =
            frontier.and_then(|p| Frontier::from_peaks(size, p)).filter(|f| f.root() == root).ok_or(StoreError::AuditDamaged)?;
        // The last signed entry is still there and nothing follows it (two
        // primary-key lookups; the full check is `verify_audit`).
        let beyond =
            sqlx::query("SELECT seq FROM audit_entries WHERE seq >= $1 LIMIT 1").bind(size as i64).fetch_optional(&mut **tx).await?;
        let last = match size.checked_sub(1) {
            Some(last) => {
                sqlx::query("SELECT seq FROM audit_entries WHERE seq = $1").bind(last as i64).fetch_optional(&mut **tx).await?.is_some()
            }
            None => true,
        };
        if beyond.is_some() || !last {
            return Err(StoreError::AuditDamaged);
        }

        let (key_id, data_key) = self.new_data_key(tx).await?;
        let at_ms = now_ms().max(last_ms as i64);
        let mut seqs = Vec::with_capacity(events.len());
        let mut nodes: Vec<(NodeId, Hash)> = Vec::with_capacity(events.len() * 2);
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            let seq = frontier.size();
            let categories = join(&event.categories);
            let details = serde_json::to_vec(&event.details.to_value()).map_err(|_| corrupt("audit details"))?;
            let sealed = data_key
                .seal(&field_aad("audit_entries", "details", &seq.to_string()), &details)
                .map_err(StoreError::crypto("audit entry"))?;
            let leaf = LeafHash::of(&entry_bytes(
                seq,
                at_ms,
                event.kind.as_str(),
                event.actor.as_deref(),
                event.client_id.as_deref(),
                &categories,
                event.break_glass,
                &key_id,
                &sealed,
            ));
            frontier.push_reporting(leaf, |id, hash| nodes.push((id, hash)));
            seqs.push(seq);
            rows.push((seq, event, categories, sealed));
        }
        for chunk in rows.chunks(INSERT_CHUNK) {
            let sql = multi_insert("audit_entries", ENTRY_COLUMNS, chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (seq, event, categories, sealed) in chunk {
                q = q
                    .bind(*seq as i64)
                    .bind(at_ms)
                    .bind(event.kind.as_str())
                    .bind(event.actor.clone())
                    .bind(event.client_id.clone())
                    .bind(categories.clone())
                    .bind(i64::from(event.break_glass))
                    .bind(key_id.clone())
                    .bind(sealed.clone());
            }
            q.execute(&mut **tx).await?;
        }
        for chunk in nodes.chunks(INSERT_CHUNK) {
            let sql = multi_insert("audit_nodes", "level, idx, hash", chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, hash) in chunk {
                q = q.bind(i64::from(id.level)).bind(id.index as i64).bind(hash.to_vec());
            }
            q.execute(&mut **tx).await?;
        }
        let head = signer.key.sign(TreeHead { size: frontier.size(), root: frontier.root(), timestamp_ms: at_ms as u64 });
        sqlx::query("INSERT INTO audit_tree_heads (size, root, timestamp_ms, signature) VALUES ($1, $2, $3, $4)")
            .bind(head.head.size as i64)
            .bind(head.head.root.to_vec())
            .bind(at_ms)
            .bind(head.signature.to_vec())
            .execute(&mut **tx)
            .await?;
        Ok((seqs, Some(head)))
    }

    /// Records a committed head in the witness file. A failure here loses no
    /// data (the head is in the database), so it is logged, not returned.
    pub(crate) fn after_audit_commit(&self, head: Option<&SignedTreeHead>) {
        if let (Some(head), Some(signer)) = (head, &self.audit)
            && let Some(path) = &signer.witness
            && let Err(e) = write_witness(path, head)
        {
            eprintln!("warning: audit witness not updated: {e}");
        }
    }

    /// The latest signed tree head.
    pub async fn tree_head(&self) -> Result<Option<SignedTreeHead>, StoreError> {
        sqlx::query("SELECT size, root, timestamp_ms, signature FROM audit_tree_heads ORDER BY size DESC LIMIT 1")
            .fetch_optional(self.pool())
            .await?
            .map(|r| head_of_row(&r))
            .transpose()
    }

    /// The signed head at exactly `size`.
    pub async fn tree_head_at(&self, size: u64) -> Result<SignedTreeHead, StoreError> {
        sqlx::query("SELECT size, root, timestamp_ms, signature FROM audit_tree_heads WHERE size = $1")
            .bind(size as i64)
            .fetch_optional(self.pool())
            .await?
            .map(|r| head_of_row(&r))
            .transpose()?
            .ok_or_else(|| StoreError::invalid("size", format!("the size of a signed tree head; none was signed at {size}")))
    }

    /// The requests behind the decisions and disclosures recorded from
    /// `since_ms` on (each kept sealed in its entry's details), with their
    /// entry numbers, in log order; with a `limit`, only the newest that many.
    /// `rules diff --since` and a server's reload replay them.
    pub async fn recorded_requests(&self, since_ms: i64, limit: Option<u64>) -> Result<Vec<(u64, Value)>, StoreError> {
        let mut out = Vec::new();
        for kind in [AuditKind::Decision, AuditKind::Disclosure] {
            let filter = AuditFilter {
                since_ms: Some(since_ms),
                kind: Some(kind),
                newest_first: limit.is_some(),
                limit,
                with_details: true,
                ..AuditFilter::default()
            };
            for entry in self.audit_entries(&filter).await? {
                if let Some(request) = entry.details.as_ref().and_then(|d| d.get("request")) {
                    out.push((entry.seq, request.clone()));
                }
            }
        }
        out.sort_by_key(|(seq, _)| *seq);
        if let Some(limit) = limit.and_then(|l| usize::try_from(l).ok()) {
            out.drain(..out.len().saturating_sub(limit));
        }
        Ok(out)
    }

    /// Entries in log order (or newest first), details opened when asked.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM audit_entries WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        if filter.client_id.is_some() {
            sql.push_str(&format!(" AND client_id = ${}", next()));
        }
        if filter.since_ms.is_some() {
            sql.push_str(&format!(" AND at_ms >= ${}", next()));
        }
        if filter.kind.is_some() {
            sql.push_str(&format!(" AND kind = ${}", next()));
        }
        sql.push_str(if filter.newest_first { " ORDER BY seq DESC" } else { " ORDER BY seq" });
        if filter.limit.is_some() {
            sql.push_str(&format!(" LIMIT ${}", next()));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(client) = &filter.client_id {
            q = q.bind(client.clone());
        }
        if let Some(since) = filter.since_ms {
            q = q.bind(since);
        }
        if let Some(kind) = filter.kind {
            q = q.bind(kind.as_str());
        }
        if let Some(limit) = filter.limit {
            q = q.bind(limit as i64);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut keys = KeyCache::default();
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.entry_of_row(row, filter.with_details, &mut keys).await?);
        }
        Ok(out)
    }

    /// One entry by sequence number, details opened.
    pub async fn audit_entry(&self, seq: u64) -> Result<AuditEntry, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ENTRY_COLUMNS} FROM audit_entries WHERE seq = $1")))
            .bind(seq as i64)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound { kind: "audit entry", id: seq.to_string() })?;
        self.entry_of_row(&row, true, &mut KeyCache::default()).await
    }

    async fn entry_of_row(&self, row: &AnyRow, with_details: bool, keys: &mut KeyCache) -> Result<AuditEntry, StoreError> {
        let seq: i64 = row.try_get("seq")?;
        let kind: String = row.try_get("kind")?;
        let categories: String = row.try_get("categories")?;
        let break_glass: i64 = row.try_get("break_glass")?;
        let details = if with_details {
            let key_id: String = row.try_get("data_key_id")?;
            let key = self.cached_key(keys, &key_id).await?;
            let sealed: Vec<u8> = row.try_get("details")?;
            let plain = key
                .open(&field_aad("audit_entries", "details", &seq.to_string()), &sealed)
                .map_err(StoreError::crypto(format!("audit entry {seq}")))?;
            Some(serde_json::from_slice(&plain).map_err(|_| corrupt(format!("audit entry {seq} details")))?)
        } else {
            None
        };
        Ok(AuditEntry {
            seq: seq as u64,
            at_ms: row.try_get("at_ms")?,
            kind: AuditKind::parse(&kind).ok_or_else(|| corrupt(format!("audit entry {seq} kind")))?,
            actor: row.try_get("actor_id")?,
            client_id: row.try_get("client_id")?,
            categories: split(&categories, Category::parse, "audit categories")?,
            break_glass: break_glass != 0,
            details,
            leaf_hash: leaf_of_row(row)?,
        })
    }

    /// The inclusion proof of entry `seq` in the tree of the signed head at
    /// `size` (the latest head when `None`), with that head.
    pub async fn audit_inclusion_proof(&self, seq: u64, size: Option<u64>) -> Result<(InclusionProof, SignedTreeHead), StoreError> {
        let head = match size {
            Some(size) => self.tree_head_at(size).await?,
            None => self.tree_head().await?.ok_or_else(|| StoreError::invalid("entry", "an entry of a non-empty log"))?,
        };
        if seq >= head.head.size {
            return Err(StoreError::invalid("entry", format!("an entry below the tree size {}", head.head.size)));
        }
        let nodes = fetch_nodes(self.pool(), &inclusion_nodes(seq, head.head.size)).await?;
        let proof = inclusion_proof_from(&nodes, seq, head.head.size).map_err(|e| corrupt(format!("audit tree: {e}")))?;
        Ok((proof, head))
    }

    /// The consistency proof between two signed sizes, with both heads.
    pub async fn audit_consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<(ConsistencyProof, SignedTreeHead, SignedTreeHead), StoreError> {
        if old_size > new_size {
            return Err(StoreError::invalid("old_size", format!("at most the new size {new_size}")));
        }
        let old = self.tree_head_at(old_size).await?;
        let new = self.tree_head_at(new_size).await?;
        let nodes = fetch_nodes(self.pool(), &consistency_nodes(old_size, new_size)).await?;
        let proof = consistency_proof_from(&nodes, old_size, new_size).map_err(|e| corrupt(format!("audit tree: {e}")))?;
        Ok((proof, old, new))
    }

    /// Reads every entry in order and recomputes its leaf; the first gap or
    /// entry that no longer matches its stored leaf is the inner error.
    async fn check_entries(&self, size: u64) -> Result<Result<Vec<LeafHash>, AuditProblem>, StoreError> {
        let mut leaves: Vec<LeafHash> = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        // Seq ranges rather than OFFSET/LIMIT: an index range scan per page.
        let mut from: i64 = 0;
        loop {
            let to = from + PAGE;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq"
            )))
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                // Anything stored beyond a gap of a whole page is still a gap.
                let beyond =
                    sqlx::query("SELECT MIN(seq) AS seq FROM audit_entries WHERE seq >= $1").bind(from).fetch_one(self.pool()).await?;
                if let Some(next) = beyond.try_get::<Option<i64>, _>(0)? {
                    return Ok(Err(AuditProblem::EntryMissing { seq: leaves.len() as u64, next: next as u64 }));
                }
                break;
            }
            for row in &rows {
                let seq = row.try_get::<i64, _>(0)? as u64;
                let expected = leaves.len() as u64;
                if seq != expected {
                    return Ok(Err(AuditProblem::EntryMissing { seq: expected, next: seq }));
                }
                match leaf_of_row(row) {
                    Ok(leaf) => leaves.push(leaf),
                    Err(e) => return Ok(Err(AuditProblem::EntryUnreadable { seq, what: e.to_string() })),
                }
            }
            from = to;
        }
        Ok(Ok(leaves))
    }

    /// Every stored node, leaves first, level by level in index order, read
    /// in index ranges (an OR-ed keyset condition would rescan).
    async fn stored_nodes(&self, size: u64) -> Result<Vec<(NodeId, Hash)>, StoreError> {
        let mut out = Vec::new();
        for level in 0..64u32 {
            let count = (size >> level) as i64;
            // Read past the expected count so extra nodes are seen too.
            let mut from: i64 = 0;
            loop {
                let rows = sqlx::query("SELECT idx, hash FROM audit_nodes WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx")
                    .bind(i64::from(level))
                    .bind(from)
                    .bind(from + PAGE)
                    .fetch_all(self.pool())
                    .await?;
                for row in &rows {
                    let index: i64 = row.try_get(0)?;
                    let hash: &[u8] = row.try_get(1)?;
                    // A hash of the wrong length can match nothing: all zeros stands in.
                    out.push((NodeId { level, index: index as u64 }, hash.try_into().unwrap_or([0; 32])));
                }
                from += PAGE;
                if from > count {
                    break;
                }
            }
            if count == 0 {
                break;
            }
        }
        Ok(out)
    }

    /// Recomputes the whole log from its entries and checks every stored
    /// leaf and node, every signed head (under `key`) and the witness head.
    /// Names the first problem found; database failures are errors.
    pub async fn verify_audit(&self, key: &LogVerifyingKey, witness: Option<&SignedTreeHead>) -> Result<AuditVerification, StoreError> {
        let heads: Vec<SignedTreeHead> = sqlx::query("SELECT size, root, timestamp_ms, signature FROM audit_tree_heads ORDER BY size")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(head_of_row)
            .collect::<Result<_, _>>()?;
        let latest = heads.last().cloned();
        let mut result = AuditVerification { size: 0, root: empty_root(), heads_checked: 0, latest, problem: None };

        // 1. Every entry in order, its contents against its stored leaf,
        // while the interior nodes are read on a second connection.
        let signed = heads.last().map_or(0, |h| h.head.size);
        let (entries, nodes) = tokio::join!(self.check_entries(signed), self.stored_nodes(signed));
        let leaves = match entries? {
            Ok(leaves) => leaves,
            Err(problem) => {
                result.problem = Some(problem);
                return Ok(result);
            }
        };
        let nodes = nodes?;
        // Each entry against the leaf hash stored for it.
        let stored_leaves: HashMap<u64, &Hash> = nodes.iter().take_while(|(id, _)| id.level == 0).map(|(id, h)| (id.index, h)).collect();
        for (seq, leaf) in leaves.iter().enumerate() {
            match stored_leaves.get(&(seq as u64)) {
                None => {
                    result.problem = Some(AuditProblem::LeafMissing { seq: seq as u64 });
                    return Ok(result);
                }
                Some(stored) if *stored != leaf.as_bytes() => {
                    result.problem = Some(AuditProblem::EntryAltered { seq: seq as u64 });
                    return Ok(result);
                }
                Some(_) => {}
            }
        }
        drop(stored_leaves);
        let size = leaves.len() as u64;
        result.size = size;

        // 2. The signed heads against the recomputed tree.
        match verify_log(leaves.iter().copied(), &heads, key) {
            Ok(verified) => {
                result.root = verified.root;
                result.heads_checked = verified.heads_checked;
            }
            Err(e) => {
                result.problem = Some(match e {
                    LogError::BadSignature { position, size } => {
                        let _ = position;
                        AuditProblem::HeadSignature { size }
                    }
                    LogError::HeadMismatch { size, .. } => {
                        let from = heads.iter().map(|h| h.head.size).filter(|s| *s < size).max().unwrap_or(0);
                        AuditProblem::HeadMismatch { from, to: size }
                    }
                    LogError::HeadBeyondLog { head_size, log_size, .. } => AuditProblem::HeadBeyondLog { size: head_size, log_size },
                    LogError::LeafMismatch { index, .. } => AuditProblem::EntryAltered { seq: index },
                    LogError::LeafCountMismatch { recomputed, .. } => AuditProblem::LeafMissing { seq: recomputed },
                });
                return Ok(result);
            }
        }
        if signed < size {
            result.problem = Some(AuditProblem::UnsignedEntries { from: signed, to: size });
            return Ok(result);
        }

        // 3. The interior nodes proofs are served from.
        let tree = MerkleTree::from_leaf_hashes(leaves);
        for (id, stored) in &nodes {
            if NodeSource::node(&tree, *id).is_none_or(|h| &h != stored) {
                result.problem = Some(AuditProblem::NodeAltered { level: id.level, index: id.index });
                return Ok(result);
            }
        }
        // Every complete subtree of `size` leaves, the leaves included.
        let expected: u64 = (0..64).map(|level| size >> level).sum();
        if nodes.len() as u64 != expected {
            result.problem = Some(AuditProblem::NodesMissing { expected, found: nodes.len() as u64 });
            return Ok(result);
        }

        // 4. The witness kept outside the database.
        if let Some(witness) = witness {
            let size = witness.head.size;
            if witness.verify(key).is_err() {
                result.problem = Some(AuditProblem::Witness { size, what: "cannot trust: its signature is bad" });
            } else if size > result.size {
                result.problem = Some(AuditProblem::Witness { size, what: "no longer reaches: the tail was truncated" });
            } else if !heads.iter().any(|h| h.head == witness.head) {
                result.problem = Some(AuditProblem::Witness { size, what: "holds with a different root or time" });
            }
        }
        Ok(result)
    }
}
