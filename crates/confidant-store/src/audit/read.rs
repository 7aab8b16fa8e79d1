//! Reading the log: the latest and past checkpoints, entries (details
//! opened when asked), inclusion and consistency proofs served from tiles,
//! and the published form — the checkpoint note, one tile or bundle by its
//! path, and an export of the whole tiled log to a directory.

use std::path::Path;

use confidant_audit::{
    Checkpoint, ConsistencyProof, InclusionProof, LeafHash, SignedTreeHead, TILE_WIDTH, TileId, TileKind, VerifierKey, bundle_entries,
    consistency_nodes, consistency_proof_from, inclusion_nodes, inclusion_proof_from, push_bundle_entry, tiles_for_size,
};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::append::latest_checkpoint;
use super::{AuditEntry, AuditFilter, AuditKind, ENTRY_COLUMNS, HeadRow, PAGE, StoredCheckpoint, commitment_of_row, head_of_row};
use crate::crypto::field_aad;
use crate::db::{Conn, native};
use crate::error::StoreError;
use crate::vault::{KeyCache, Store, corrupt, split};
use confidant_policy::vocab::Category;

/// A file of the published log: its path under the log's root and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFile {
    /// `checkpoint`, `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`.
    pub path: String,
    /// Its bytes, exactly as served.
    pub bytes: Vec<u8>,
}

/// The first `width` hashes or entries of a stored tile: the tile as it was
/// at a smaller tree size. `None` when the stored tile is shorter.
fn prefix(id: TileId, stored: &[u8]) -> Option<Vec<u8>> {
    let width = usize::try_from(id.width).ok()?;
    match id.kind {
        TileKind::Hashes(_) => stored.get(..width * 32).map(<[u8]>::to_vec),
        TileKind::Entries => {
            let entries = bundle_entries(stored).ok()?;
            let mut out = Vec::with_capacity(width * 34);
            for entry in entries.get(..width)? {
                push_bundle_entry(&mut out, entry);
            }
            Some(out)
        }
    }
}

/// How many hashes (or entries) tile `index` of `kind` holds in a tree of
/// `size` entries (0 when it does not exist yet).
pub(super) fn width_at(kind: TileKind, index: u64, size: u64) -> u64 {
    let count = match kind {
        TileKind::Hashes(level) => size.checked_shr(8 * u32::from(level)).unwrap_or(0),
        TileKind::Entries => size,
    };
    count.saturating_sub(index.saturating_mul(TILE_WIDTH)).min(TILE_WIDTH)
}

impl Store {
    /// The log's verifier key in signed-note form, once a key is registered.
    pub async fn audit_verifier_key(&self) -> Result<Option<VerifierKey>, StoreError> {
        Ok(self.audit_public_key().await?.map(VerifierKey::for_log))
    }

    pub(super) async fn latest(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        native!(&self.native, |p| latest_checkpoint(&mut Conn::from(&mut *p.acquire().await?)).await)
    }

    /// The latest checkpoint as a C2SP signed note (`None` for an empty log).
    pub async fn audit_checkpoint(&self) -> Result<Option<String>, StoreError> {
        let (Some(latest), Some(verifier)) = (self.latest().await?, self.audit_verifier_key().await?) else {
            return Ok(None);
        };
        Ok(Some(note_of(&latest, &verifier)))
    }

    /// One published tile or bundle as of the latest checkpoint: a full
    /// tile once it is full, a partial one (`.p/<W>`) of any width up to
    /// what the tree holds. `None` when the tree does not (yet) have it.
    pub async fn audit_tile(&self, id: TileId) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(latest) = self.latest().await? else { return Ok(None) };
        let available = width_at(id.kind, id.index, latest.head.head.size);
        if id.width > available {
            return Ok(None);
        }
        let row: Option<(Vec<u8>,)> = native!(&self.native, |p| match id.kind {
            TileKind::Hashes(level) =>
                sqlx::query_as("SELECT hashes FROM audit_tiles WHERE level = $1 AND idx = $2")
                    .bind(i64::from(level))
                    .bind(id.index as i64)
                    .fetch_optional(p)
                    .await?,
            TileKind::Entries => {
                sqlx::query_as("SELECT entries FROM audit_bundles WHERE idx = $1").bind(id.index as i64).fetch_optional(p).await?
            }
        });
        let Some((stored,)) = row else { return Ok(None) };
        Ok(prefix(id, &stored))
    }

    /// Writes the published log as of the latest checkpoint under `dir`:
    /// every tile and bundle (`tile/…`), then `checkpoint`. Tiles grown by
    /// appends made meanwhile are cut back to the checkpoint's size, so the
    /// files always agree with the checkpoint. Returns the files' count and
    /// the checkpoint's size.
    pub async fn export_audit_log(&self, dir: &Path) -> Result<(u64, u64), StoreError> {
        let (Some(latest), Some(verifier)) = (self.latest().await?, self.audit_verifier_key().await?) else {
            return Err(StoreError::invalid("audit", "a log with at least one entry"));
        };
        let size = latest.head.head.size;
        let wanted = tiles_for_size(size);
        let mut written = 0u64;
        let mut kinds: Vec<TileKind> = wanted.iter().map(|t| t.kind).collect();
        kinds.dedup();
        for kind in kinds {
            let ids: Vec<TileId> = wanted.iter().copied().filter(|t| t.kind == kind).collect();
            for chunk in ids.chunks(usize::try_from(PAGE).unwrap_or(4096) / 64) {
                let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else { continue };
                let rows = match kind {
                    TileKind::Hashes(level) => {
                        sqlx::query("SELECT idx, hashes FROM audit_tiles WHERE level = $1 AND idx >= $2 AND idx <= $3 ORDER BY idx")
                            .bind(i64::from(level))
                    }
                    TileKind::Entries => sqlx::query("SELECT idx, entries FROM audit_bundles WHERE idx >= $1 AND idx <= $2 ORDER BY idx"),
                }
                .bind(first.index as i64)
                .bind(last.index as i64)
                .fetch_all(self.pool())
                .await?;
                let mut rows = rows.iter();
                for id in chunk {
                    let row = rows.next().ok_or_else(|| corrupt(format!("audit {id}: missing")))?;
                    let index: i64 = row.try_get(0)?;
                    let stored: Vec<u8> = row.try_get(1)?;
                    let bytes = prefix(*id, &stored).filter(|_| index as u64 == id.index).ok_or_else(|| corrupt(format!("audit {id}")))?;
                    write_file(dir, &id.path(), &bytes)?;
                    written += 1;
                }
            }
        }
        write_file(dir, "checkpoint", note_of(&latest, &verifier).as_bytes())?;
        Ok((written + 1, size))
    }

    /// The latest signed tree head.
    pub async fn tree_head(&self) -> Result<Option<SignedTreeHead>, StoreError> {
        let sql = "SELECT size, root, timestamp_ms, signature FROM audit_checkpoints ORDER BY size DESC LIMIT 1";
        let row: Option<HeadRow> = native!(&self.native, |p| sqlx::query_as(sql).fetch_optional(p).await?);
        row.map(head_of_row).transpose()
    }

    /// The signed head at exactly `size`.
    pub async fn tree_head_at(&self, size: u64) -> Result<SignedTreeHead, StoreError> {
        let sql = "SELECT size, root, timestamp_ms, signature FROM audit_checkpoints WHERE size = $1";
        let row: Option<HeadRow> = native!(&self.native, |p| sqlx::query_as(sql).bind(size as i64).fetch_optional(p).await?);
        row.map(head_of_row)
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
        let commitment = commitment_of_row(row)?;
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
            commitment,
            leaf_hash: LeafHash::of(&commitment),
        })
    }

    /// The inclusion proof of entry `seq` in the tree of the signed head at
    /// `size` (the latest head when `None`), with that head.
    pub async fn audit_inclusion_proof(&self, seq: u64, size: Option<u64>) -> Result<(InclusionProof, SignedTreeHead), StoreError> {
        let head = match size {
            Some(size) => match self.audit_cache.head_at(size) {
                Some(head) => head,
                None => self.tree_head_at(size).await?,
            },
            None => match self.audit_cache.latest_covering(seq) {
                Some(head) => head,
                None => {
                    let head = self.tree_head().await?.ok_or_else(|| StoreError::invalid("entry", "an entry of a non-empty log"))?;
                    self.audit_cache.saw(&head);
                    head
                }
            },
        };
        if seq >= head.head.size {
            return Err(StoreError::invalid("entry", format!("an entry below the tree size {}", head.head.size)));
        }
        let nodes = self.proof_nodes(&inclusion_nodes(seq, head.head.size), head.head.size).await?;
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
        let nodes = self.proof_nodes(&consistency_nodes(old_size, new_size), new_size).await?;
        let proof = consistency_proof_from(&nodes, old_size, new_size).map_err(|e| corrupt(format!("audit tree: {e}")))?;
        Ok((proof, old, new))
    }
}

/// The signed note of a stored checkpoint.
pub(super) fn note_of(checkpoint: &StoredCheckpoint, verifier: &VerifierKey) -> String {
    let body = Checkpoint { origin: verifier.name().to_string(), size: checkpoint.head.head.size, root: checkpoint.head.head.root };
    body.to_note(verifier, &checkpoint.note_signature)
}

fn write_file(dir: &Path, path: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let target = dir.join(path);
    let io = |e: std::io::Error| StoreError::invalid("dir", format!("a writable directory (`{}`: {e})", target.display()));
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(&target, bytes).map_err(io)
}
