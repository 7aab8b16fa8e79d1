//! The log's earlier layout (one row per tree node in `audit_nodes`, heads
//! in `audit_tree_heads`, leaves hashing the stored rows themselves):
//! verified as it was, then re-committed as a transparency log in one
//! transaction — every stored row's commitment appended in order, tiles
//! and bundles written, a checkpoint signed — followed by a
//! `log_recommitted` event naming the old size and root. `audit_nodes` is
//! then emptied; `audit_tree_heads` stays as that tree's signed history.

use std::collections::HashMap;

use crate::audit_detail::Detail;
use confidant_audit::{
    Hash, LeafHash, LogError, LogVerifyingKey, MerkleTree, NodeId, NodeSource, SignedTreeHead, TileBuilder, empty_root, entry_commitment,
    verify_log,
};
use sqlx::{AnyConnection, Row};

use super::append::write_tiles;
use super::{AuditEvent, AuditKind, AuditProblem, AuditVerification, ENTRY_COLUMNS, PAGE, append_lock, head_of_row, now_ms, row_bytes};
use crate::db::Conn;
use crate::error::StoreError;
use crate::vault::Store;

impl Store {
    /// True when the log holds heads of the earlier layout and no checkpoint.
    pub(super) async fn needs_recommit(conn: &mut AnyConnection) -> Result<bool, StoreError> {
        let checkpoints = sqlx::query("SELECT size FROM audit_checkpoints LIMIT 1").fetch_optional(&mut *conn).await?;
        let heads = sqlx::query("SELECT size FROM audit_tree_heads LIMIT 1").fetch_optional(&mut *conn).await?;
        Ok(checkpoints.is_none() && heads.is_some())
    }

    /// Verifies and re-commits a log of the earlier layout (nothing to do
    /// for any other). `AuditDamaged` when it does not verify: it is left
    /// untouched for `audit verify` to name the problem.
    pub(super) async fn recommit_v1(&self) -> Result<(), StoreError> {
        {
            let mut conn = self.pool().acquire().await?;
            if !Self::needs_recommit(&mut conn).await? {
                return Ok(());
            }
        }
        let signer = self.audit.clone().ok_or_else(|| StoreError::invalid("audit", "an audit signing key"))?;
        let mut tx = self.begin().await?;
        let conn: &mut AnyConnection = &mut tx;
        if let Some(lock) = append_lock(self.backend()) {
            sqlx::query(lock).execute(&mut *conn).await?;
        }
        // Another process may have done it meanwhile.
        if !Self::needs_recommit(conn).await? {
            return Ok(());
        }
        let key = signer.key.verifying_key();
        // The witness too: a tail cut together with its heads must not be
        // re-committed as if it were the whole log.
        let witness = match &signer.witness {
            Some(path) => super::read_witness(path)?,
            None => None,
        };
        let old = self.verify_v1(&key, witness.as_ref()).await?;
        if old.problem.is_some() {
            return Err(StoreError::AuditDamaged);
        }
        let mut builder = TileBuilder::new();
        let mut from: i64 = 0;
        while (from as u64) < old.size {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq"
            )))
            .bind(from)
            .bind(from + PAGE)
            .fetch_all(&mut *conn)
            .await?;
            let mut full = Vec::new();
            for row in &rows {
                if row.try_get::<i64, _>(0)? as u64 != builder.size() {
                    return Err(StoreError::AuditDamaged);
                }
                builder.push(&entry_commitment(&row_bytes(row)?), |tile| full.push(tile));
            }
            write_tiles(self.backend(), &mut Conn::Any(&mut *conn), &full).await?;
            from += PAGE;
        }
        if builder.size() != old.size {
            return Err(StoreError::AuditDamaged);
        }
        write_tiles(self.backend(), &mut Conn::Any(&mut *conn), &builder.partials()).await?;
        let last_ms = old.latest.as_ref().map_or(0, |h| h.head.timestamp_ms as i64);
        signer.checkpoint(&mut Conn::Any(&mut *conn), builder.size(), builder.root(), now_ms().max(last_ms)).await?;
        sqlx::query("DELETE FROM audit_nodes").execute(&mut *conn).await?;
        let event = AuditEvent::new(AuditKind::LogRecommitted, None).with_all([
            Detail::LogLayoutFrom("one row per tree node, leaves hashing the stored rows"),
            Detail::LogLayoutTo("C2SP tlog-tiles, entries committing to the stored rows"),
            Detail::Size(old.size),
            Detail::Root(old.root.iter().map(|b| format!("{b:02x}")).collect::<String>()),
            Detail::HeadsVerified(old.heads_checked),
        ]);
        let (_, head) = self.append_audit_in(&mut tx, std::slice::from_ref(&event)).await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        Ok(())
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
                match row_bytes(row).map(|bytes| LeafHash::of(&bytes)) {
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

    /// Recomputes a log of the earlier layout from its entries and checks
    /// every stored leaf and node, every signed head (under `key`) and the
    /// witness head. Names the first problem found.
    pub(super) async fn verify_v1(&self, key: &LogVerifyingKey, witness: Option<&SignedTreeHead>) -> Result<AuditVerification, StoreError> {
        let heads: Vec<SignedTreeHead> = sqlx::query_as("SELECT size, root, timestamp_ms, signature FROM audit_tree_heads ORDER BY size")
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(head_of_row)
            .collect::<Result<_, _>>()?;
        let latest = heads.last().cloned();
        let mut result = AuditVerification { size: 0, root: empty_root(), heads_checked: 0, tiles_checked: 0, latest, problem: None };

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

#[cfg(feature = "testing")]
impl Store {
    /// Test support: appends `events` in the earlier layout (rows, one
    /// node row per complete subtree, one head signed by `key`), as a vault
    /// made before the transparency log holds them.
    pub async fn append_v1_for_tests(&self, key: &confidant_audit::LogSigningKey, events: &[AuditEvent]) -> Result<(), StoreError> {
        use confidant_audit::{Frontier, TreeHead};

        use super::{INSERT_CHUNK, multi_insert};

        let mut tx = self.begin().await?;
        let size: i64 = sqlx::query("SELECT COUNT(*) FROM audit_entries").fetch_one(&mut *tx).await?.try_get(0)?;
        let mut leaves = Vec::new();
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ENTRY_COLUMNS} FROM audit_entries ORDER BY seq"))).fetch_all(&mut *tx).await?;
        for row in &rows {
            leaves.push(LeafHash::of(&row_bytes(row)?));
        }
        let (key_id, data_key) = self.new_data_key(&mut tx).await?;
        let mut frontier = Frontier::default();
        for leaf in leaves {
            frontier.push(leaf);
        }
        let at_ms = now_ms();
        let mut nodes: Vec<(NodeId, Hash)> = Vec::new();
        for (i, event) in events.iter().enumerate() {
            let seq = size as u64 + i as u64;
            let (categories, sealed, bytes) = super::append::sealed_entry(&data_key, &key_id, seq, at_ms, event)?;
            frontier.push_reporting(LeafHash::of(&bytes), |id, hash| nodes.push((id, hash)));
            sqlx::query(sqlx::AssertSqlSafe(multi_insert(self.backend(), "audit_entries", ENTRY_COLUMNS, 1)))
                .bind(seq as i64)
                .bind(at_ms)
                .bind(event.kind.as_str())
                .bind(event.actor.clone())
                .bind(event.client_id.clone())
                .bind(categories)
                .bind(i64::from(event.break_glass))
                .bind(key_id.clone())
                .bind(sealed)
                .execute(&mut *tx)
                .await?;
        }
        for chunk in nodes.chunks(INSERT_CHUNK) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(multi_insert(self.backend(), "audit_nodes", "level, idx, hash", chunk.len())));
            for (id, hash) in chunk {
                q = q.bind(i64::from(id.level)).bind(id.index as i64).bind(hash.to_vec());
            }
            q.execute(&mut *tx).await?;
        }
        let head = key.sign(TreeHead { size: frontier.size(), root: frontier.root(), timestamp_ms: at_ms as u64 });
        sqlx::query("INSERT INTO audit_tree_heads (size, root, timestamp_ms, signature) VALUES ($1, $2, $3, $4)")
            .bind(head.head.size as i64)
            .bind(head.head.root.to_vec())
            .bind(at_ms)
            .bind(head.signature.to_vec())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
