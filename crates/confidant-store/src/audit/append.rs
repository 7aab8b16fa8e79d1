//! Extending the log: attaching the signing key, appending a batch of events
//! (their rows, their commitments in the entry bundle, the tiles they
//! change, one signed checkpoint) inside the caller's transaction, and the
//! witness file written after commit.

use std::sync::Arc;

use confidant_audit::{
    Checkpoint, Hash, LogSigningKey, LogVerifyingKey, SignedTreeHead, TileBuilder, TileData, TileKind, TileSet, TreeHead, VerifierKey,
    empty_root, entry_commitment, partial_tiles,
};
use sqlx::{PgConnection, Row};

use super::pg_append;
use super::{
    AuditEvent, AuditSigner, CHECKPOINT_COLUMNS, CheckpointRow, ENTRY_COLUMNS, INSERT_CHUNK, StoredCheckpoint, append_lock,
    checkpoint_of_row, entry_bytes, multi_insert, now_ms, write_witness,
};
use crate::crypto::{DataKey, field_aad};
use crate::db::{Backend, Conn, NativePool, begin_write, on_conn};
use crate::error::StoreError;
use crate::vault::{Store, Tx, corrupt, join, new_id};

/// Reads the hash tiles named by `ids` (tile level, index) in one query.
pub(super) async fn fetch_tiles(conn: &mut Conn<'_>, ids: &[(u8, u64)]) -> Result<TileSet, StoreError> {
    let mut out = TileSet::new();
    if ids.is_empty() {
        return Ok(out);
    }
    // One indexed lookup per tile, joined with UNION ALL: an OR of the
    // pairs let PostgreSQL's planner pick a scan of the whole table.
    let mut sql = String::new();
    for i in 0..ids.len() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        sql.push_str(&format!("SELECT level, idx, hashes FROM audit_tiles WHERE level = ${} AND idx = ${}", 2 * i + 1, 2 * i + 2));
    }
    let rows: Vec<(i64, i64, Vec<u8>)> = on_conn!(conn, |c| {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for (level, index) in ids {
            query = query.bind(i64::from(*level)).bind(*index as i64);
        }
        query.fetch_all(&mut **c).await?
    });
    for (level, index, hashes) in rows {
        out.insert(u8::try_from(level).map_err(|_| corrupt("audit tile level"))?, index as u64, hashes);
    }
    Ok(out)
}

/// One entry bundle, if stored.
pub(super) async fn fetch_bundle(conn: &mut Conn<'_>, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
    let sql = "SELECT entries FROM audit_bundles WHERE idx = $1";
    let row: Option<(Vec<u8>,)> = on_conn!(conn, |c| sqlx::query_as(sql).bind(index as i64).fetch_optional(&mut **c).await?);
    Ok(row.map(|(bytes,)| bytes))
}

/// The latest checkpoint.
pub(super) async fn latest_checkpoint(conn: &mut Conn<'_>) -> Result<Option<StoredCheckpoint>, StoreError> {
    let sql = format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY size DESC LIMIT 1");
    let row: Option<CheckpointRow> = on_conn!(conn, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut **c).await?);
    row.map(checkpoint_of_row).transpose()
}

/// The hash tiles (level, index) and the entry bundle (index) a log of
/// `size` entries resumes from: its partial tiles.
pub(super) fn partial_ids(size: u64) -> (Vec<(u8, u64)>, Option<u64>) {
    let mut hashes = Vec::new();
    let mut bundle = None;
    for tile in partial_tiles(size) {
        match tile.kind {
            TileKind::Hashes(level) => hashes.push((level, tile.index)),
            TileKind::Entries => bundle = Some(tile.index),
        }
    }
    (hashes, bundle)
}

/// The builder resumed at `size` from the stored partial tiles (`tiles`
/// and `bundle`, read as [`partial_ids`] names them), and those tiles as
/// stored (so unchanged ones are not rewritten). `AuditDamaged` when they
/// do not fit `size`.
pub(super) fn resumed(size: u64, tiles: &TileSet, bundle: Option<Vec<u8>>) -> Result<(TileBuilder, Vec<TileData>), StoreError> {
    let partial = partial_tiles(size);
    let mut loaded = Vec::with_capacity(partial.len());
    for id in partial {
        let bytes = match id.kind {
            TileKind::Hashes(level) => tiles.get(level, id.index).map(<[u8]>::to_vec),
            TileKind::Entries => bundle.clone(),
        };
        loaded.push(TileData { id, bytes: bytes.ok_or(StoreError::AuditDamaged)? });
    }
    let builder = TileBuilder::resume(size, tiles, bundle.unwrap_or_default()).map_err(|_| StoreError::AuditDamaged)?;
    Ok((builder, loaded))
}

/// [`resumed`], reading the partial tiles of `size` on `conn`.
pub(super) async fn resume(conn: &mut Conn<'_>, size: u64) -> Result<(TileBuilder, Vec<TileData>), StoreError> {
    let (hash_ids, bundle_index) = partial_ids(size);
    let tiles = fetch_tiles(conn, &hash_ids).await?;
    let bundle = match bundle_index {
        Some(index) => fetch_bundle(conn, index).await?,
        None => None,
    };
    resumed(size, &tiles, bundle)
}

/// Writes tiles and bundles, replacing the stored ones of the same index
/// (a partial tile grows in place).
pub(super) async fn write_tiles(backend: Backend, conn: &mut Conn<'_>, tiles: &[TileData]) -> Result<(), StoreError> {
    let (hashes, bundles): (Vec<&TileData>, Vec<&TileData>) = tiles.iter().partition(|t| matches!(t.id.kind, TileKind::Hashes(_)));
    for chunk in hashes.chunks(INSERT_CHUNK) {
        let sql = multi_insert(backend, "audit_tiles", "level, idx, hashes", chunk.len())
            + " ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes";
        on_conn!(&mut *conn, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for tile in chunk {
                let level = match tile.id.kind {
                    TileKind::Hashes(level) => i64::from(level),
                    TileKind::Entries => 0,
                };
                q = q.bind(level).bind(tile.id.index as i64).bind(tile.bytes.as_slice());
            }
            q.execute(&mut **c).await?;
        });
    }
    for chunk in bundles.chunks(INSERT_CHUNK) {
        let sql = multi_insert(backend, "audit_bundles", "idx, entries", chunk.len())
            + " ON CONFLICT (idx) DO UPDATE SET entries = excluded.entries";
        on_conn!(&mut *conn, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for tile in chunk {
                q = q.bind(tile.id.index as i64).bind(tile.bytes.as_slice());
            }
            q.execute(&mut **c).await?;
        });
    }
    Ok(())
}

/// The end of the log as read inside an append's transaction.
pub(super) struct LogEnd {
    /// The latest checkpoint.
    pub(super) latest: Option<StoredCheckpoint>,
    /// A log of the earlier layout is there (read only without a checkpoint).
    pub(super) earlier_layout: bool,
    /// The builder resumed at the checkpoint's size, and its partial tiles as stored.
    pub(super) resumed: (TileBuilder, Vec<TileData>),
    /// The largest sequence stored.
    pub(super) largest: Option<i64>,
}

/// One event's sequence, categories (joined) and sealed details.
pub(super) type EntryRow = (u64, String, Vec<u8>);

/// What one append writes, computed from the end of the log and the events.
pub(super) struct Extension {
    /// The events' sequence numbers.
    pub(super) seqs: Vec<u64>,
    /// The time stamped on every entry and on the checkpoint.
    pub(super) at_ms: i64,
    /// Per event (in order): its sequence, its categories and its sealed details.
    pub(super) rows: Vec<EntryRow>,
    /// Tiles and bundles to write (new, or grown in place).
    pub(super) tiles: Vec<TileData>,
    /// The new checkpoint.
    pub(super) checkpoint: StoredCheckpoint,
}

impl AuditSigner {
    /// Everything an append of `events` writes on top of `end`, sealing
    /// their details under `data_key` (stored as `key_id`) and signing the
    /// new checkpoint. Refuses (`AuditDamaged`) a log that no longer
    /// matches its last checkpoint: signing on top of it would bless the
    /// damage.
    pub(super) fn extend(&self, end: LogEnd, key_id: &str, data_key: &DataKey, events: &[AuditEvent]) -> Result<Extension, StoreError> {
        if end.latest.is_none() && end.earlier_layout {
            // A log of the earlier layout that did not verify, so was not
            // re-committed: nothing goes on top of it.
            return Err(StoreError::AuditDamaged);
        }
        let (size, root, last_ms) =
            end.latest.map_or((0, empty_root(), 0), |c| (c.head.head.size, c.head.head.root, c.head.head.timestamp_ms));
        let (mut builder, loaded) = end.resumed;
        if builder.size() != size || builder.root() != root {
            return Err(StoreError::AuditDamaged);
        }
        // The last signed entry is still there and nothing follows it: the
        // largest sequence is `size - 1` (the full check is `verify_audit`).
        if end.largest != size.checked_sub(1).map(|last| last as i64) {
            return Err(StoreError::AuditDamaged);
        }
        let at_ms = now_ms().max(last_ms as i64);
        let mut seqs = Vec::with_capacity(events.len());
        let mut tiles: Vec<TileData> = Vec::new();
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            let seq = builder.size();
            let (categories, sealed, stored) = sealed_entry(data_key, key_id, seq, at_ms, event)?;
            builder.push(&entry_commitment(&stored), |tile| tiles.push(tile));
            seqs.push(seq);
            rows.push((seq, categories, sealed));
        }
        tiles.extend(builder.partials().into_iter().filter(|tile| !loaded.contains(tile)));
        let checkpoint = self.sign(builder.size(), builder.root(), at_ms);
        Ok(Extension { seqs, at_ms, rows, tiles, checkpoint })
    }

    /// Signs the tree of `size` entries with `root` both ways.
    fn sign(&self, size: u64, root: Hash, at_ms: i64) -> StoredCheckpoint {
        let head = self.key.sign(TreeHead { size, root, timestamp_ms: at_ms as u64 });
        let note_signature = Checkpoint { origin: self.verifier.name().to_string(), size, root }.sign(&self.key);
        StoredCheckpoint { head, note_signature }
    }

    /// Signs the tree of `size` entries with `root` both ways and stores
    /// the checkpoint.
    pub(super) async fn checkpoint(&self, conn: &mut Conn<'_>, size: u64, root: Hash, at_ms: i64) -> Result<SignedTreeHead, StoreError> {
        let checkpoint = self.sign(size, root, at_ms);
        insert_checkpoint(conn, &checkpoint).await?;
        Ok(checkpoint.head)
    }
}

/// Stores a signed checkpoint.
async fn insert_checkpoint(conn: &mut Conn<'_>, checkpoint: &StoredCheckpoint) -> Result<(), StoreError> {
    let head = &checkpoint.head.head;
    on_conn!(conn, |c| sqlx::query(INSERT_CHECKPOINT)
        .bind(head.size as i64)
        .bind(head.root.to_vec())
        .bind(head.timestamp_ms as i64)
        .bind(checkpoint.head.signature.to_vec())
        .bind(checkpoint.note_signature.to_vec())
        .execute(&mut **c)
        .await?
        .rows_affected());
    Ok(())
}

/// The statement storing a checkpoint.
/// An event as the log stores it at `seq`: its joined categories, its
/// details sealed under `data_key`, and the row's bytes the log commits to.
pub(super) fn sealed_entry(
    data_key: &DataKey,
    key_id: &str,
    seq: u64,
    at_ms: i64,
    event: &AuditEvent,
) -> Result<(String, Vec<u8>, Vec<u8>), StoreError> {
    let categories = join(&event.categories);
    let details = serde_json::to_vec(&event.details.to_value()).map_err(|_| corrupt("audit details"))?;
    let sealed =
        data_key.seal(&field_aad("audit_entries", "details", &seq.to_string()), &details).map_err(StoreError::crypto("audit entry"))?;
    let stored = entry_bytes(
        seq,
        at_ms,
        event.kind.as_str(),
        event.actor.as_deref(),
        event.client_id.as_deref(),
        &categories,
        event.break_glass,
        key_id,
        &sealed,
    );
    Ok((categories, sealed, stored))
}

pub(super) const INSERT_CHECKPOINT: &str =
    "INSERT INTO audit_checkpoints (size, root, timestamp_ms, signature, note_signature) VALUES ($1, $2, $3, $4, $5)";

impl Store {
    /// Attaches the log's signing key (and the witness file) to this store.
    /// The first key used is registered; a different key is refused, so a
    /// log is never signed by two keys. A log of the earlier layout is
    /// verified and re-committed here (see `v1`); one that does not verify
    /// is left as it is, refusing appends, for `audit verify` to name.
    pub async fn enable_audit(&mut self, key: LogSigningKey, witness: Option<std::path::PathBuf>) -> Result<(), StoreError> {
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
        } else {
            drop(tx);
        }
        let verifier = VerifierKey::for_log(key.verifying_key());
        self.audit = Some(Arc::new(AuditSigner { key, verifier, witness, background: std::sync::OnceLock::new() }));
        match self.recommit_v1().await {
            Ok(()) | Err(StoreError::AuditDamaged) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Where this store writes its witness head, when it has one.
    pub fn witness_path(&self) -> Option<std::path::PathBuf> {
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

    /// Appends events in a transaction of their own, on the native driver
    /// (the group commit of the server's audit writer goes through here),
    /// and returns their sequence numbers. On SQLite the statements run
    /// through SQLite's own library on one blocking thread (see
    /// `sqlite_append`).
    pub async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<Vec<u64>, StoreError> {
        if let Some(appender) = self.sqlite_append.clone()
            && !events.is_empty()
        {
            let signer = self
                .audit
                .clone()
                .ok_or_else(|| StoreError::invalid("audit", "an audit signing key (the store was opened without one)"))?;
            let keys = self.keys.clone();
            let (seqs, head) =
                tokio::task::spawn_blocking(move || appender.append(&signer, &keys, &events)).await.map_err(StoreError::ReadTask)??;
            self.after_audit_commit(Some(&head));
            return Ok(seqs);
        }
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (seqs, head) = match &self.native {
            NativePool::Postgres(p) => {
                let mut tx = p.begin_with(pg_append::BEGIN_LOCKED).await?;
                let appended = self.append_on_postgres(&mut tx, &events).await?;
                tx.commit().await?;
                appended
            }
            NativePool::Sqlite(p) => {
                let mut tx = p.begin_with(begin_write(self.backend())).await?;
                let appended = self.append_on(&mut Conn::from(&mut *tx), &events).await?;
                tx.commit().await?;
                let (seqs, head) = appended;
                (seqs, head.ok_or_else(|| corrupt("audit head"))?)
            }
        };
        self.after_audit_commit(Some(&head));
        Ok(seqs)
    }

    /// [`Store::append_audit`] on PostgreSQL's own driver, inside `conn`'s
    /// transaction begun with [`pg_append::BEGIN_LOCKED`]: three round
    /// trips (see `pg_append`).
    async fn append_on_postgres(&self, conn: &mut PgConnection, events: &[AuditEvent]) -> Result<(Vec<u64>, SignedTreeHead), StoreError> {
        let signer =
            self.audit.clone().ok_or_else(|| StoreError::invalid("audit", "an audit signing key (the store was opened without one)"))?;
        let (latest, largest, earlier) = pg_append::log_end(conn).await?;
        let size = latest.as_ref().map_or(0, |c| c.head.head.size);
        let (tiles, bundle) = pg_append::partial_tiles(conn, size).await?;
        let end = LogEnd { earlier_layout: latest.is_none() && earlier, latest, resumed: resumed(size, &tiles, bundle)?, largest };
        // The batch's data key, wrapped by the current KEK; stored by the
        // one write below, which refuses a KEK retired meanwhile.
        let kek = self.keys.current().ok_or_else(|| StoreError::invalid("key", "at least one key"))?;
        let key_id = new_id("dk");
        let data_key = DataKey::generate();
        let wrapped = kek.wrap(&key_id, &data_key).map_err(StoreError::crypto("data key"))?;
        let extension = signer.extend(end, &key_id, &data_key, events)?;
        let key = pg_append::WrappedKey { id: &key_id, kek_id: kek.id(), wrapped: &wrapped };
        pg_append::write_all(conn, &key, &extension, events).await?;
        Ok((extension.seqs, extension.checkpoint.head))
    }

    /// Appends `event` inside `tx` and commits: a change and its audit
    /// entry land together or not at all. Returns the entry's sequence.
    pub(crate) async fn commit_audited(&self, mut tx: Tx, event: AuditEvent) -> Result<u64, StoreError> {
        let (seqs, head) = self.append_audit_in(&mut tx, std::slice::from_ref(&event)).await?;
        tx.commit().await?;
        self.after_audit_commit(head.as_ref());
        seqs.first().copied().ok_or_else(|| corrupt("audit sequence"))
    }

    /// Appends events inside `tx`, signs the new checkpoint and stores it.
    /// Call [`Store::after_audit_commit`] with the head once `tx` commits.
    pub(crate) async fn append_audit_in(
        &self,
        tx: &mut Tx,
        events: &[AuditEvent],
    ) -> Result<(Vec<u64>, Option<SignedTreeHead>), StoreError> {
        self.append_on(&mut Conn::Any(tx), events).await
    }

    /// [`Store::append_audit_in`] on a connection of either driver, inside
    /// the transaction it is in.
    async fn append_on(&self, conn: &mut Conn<'_>, events: &[AuditEvent]) -> Result<(Vec<u64>, Option<SignedTreeHead>), StoreError> {
        if events.is_empty() {
            return Ok((Vec::new(), None));
        }
        let signer =
            self.audit.clone().ok_or_else(|| StoreError::invalid("audit", "an audit signing key (the store was opened without one)"))?;
        if let Some(lock) = append_lock(self.backend()) {
            on_conn!(&mut *conn, |c| sqlx::query(lock).execute(&mut **c).await?.rows_affected());
        }
        let latest = latest_checkpoint(conn).await?;
        let earlier_layout = if latest.is_none() {
            let old_head: Option<(i64,)> =
                on_conn!(&mut *conn, |c| sqlx::query_as("SELECT size FROM audit_tree_heads LIMIT 1").fetch_optional(&mut **c).await?);
            old_head.is_some()
        } else {
            false
        };
        let resumed = resume(conn, latest.as_ref().map_or(0, |c| c.head.head.size)).await?;
        // Asked as `max`, not as `seq >= $1 LIMIT 1`: for that PostgreSQL's
        // generic plan, used after a prepared statement's fifth run, guessed
        // a third of the table matches and scanned it from the start, to
        // find nothing at its end (30-80 ms per append at 200k entries).
        let (largest,): (Option<i64>,) =
            on_conn!(&mut *conn, |c| sqlx::query_as("SELECT max(seq) FROM audit_entries").fetch_one(&mut **c).await?);
        let end = LogEnd { latest, earlier_layout, resumed, largest };

        let (key_id, data_key) = self.new_data_key_on(conn).await?;
        let extension = signer.extend(end, &key_id, &data_key, events)?;
        let at_ms = extension.at_ms;
        let rows: Vec<(&EntryRow, &AuditEvent)> = extension.rows.iter().zip(events).collect();
        for chunk in rows.chunks(INSERT_CHUNK) {
            let sql = multi_insert(self.backend(), "audit_entries", ENTRY_COLUMNS, chunk.len());
            on_conn!(&mut *conn, |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for ((seq, categories, sealed), event) in chunk {
                    q = q
                        .bind(*seq as i64)
                        .bind(at_ms)
                        .bind(event.kind.as_str())
                        .bind(event.actor.as_deref())
                        .bind(event.client_id.as_deref())
                        .bind(categories.as_str())
                        .bind(i64::from(event.break_glass))
                        .bind(key_id.as_str())
                        .bind(sealed.as_slice());
                }
                q.execute(&mut **c).await?;
            });
        }
        write_tiles(self.backend(), conn, &extension.tiles).await?;
        insert_checkpoint(conn, &extension.checkpoint).await?;
        Ok((extension.seqs, Some(extension.checkpoint.head)))
    }

    /// Records a committed head in the witness file. A failure here loses no
    /// data (the head is in the database), so it is logged, not returned.
    pub(crate) fn after_audit_commit(&self, head: Option<&SignedTreeHead>) {
        if let Some(head) = head {
            self.audit_cache.saw(head);
        }
        if let (Some(head), Some(background)) = (head, self.audit.as_ref().and_then(|s| s.background.get())) {
            background.record(head);
            return;
        }
        if let (Some(head), Some(signer)) = (head, &self.audit)
            && let Some(path) = &signer.witness
            && let Err(e) = write_witness(path, head)
        {
            eprintln!("warning: audit witness not updated: {e}");
        }
    }
}
