//! The audit append of [`crate::Store::append_audit`] on SQLite, through
//! SQLite's own library on one blocking thread.
//!
//! Why: through sqlx an append is eleven statements (begin, the log's end,
//! the data key, the rows, the tiles, the checkpoint, commit), each handed
//! to the connection's worker thread and answered over a channel. On a busy
//! server every hand-off waits for that thread to be scheduled, and the
//! server's reads wait for their entry's commit (group commit through this
//! path). Here the statements run in the thread that asked, prepared once
//! per connection. What is written is computed by the same code as on the
//! other path ([`super::append`]'s `LogEnd` and `AuditSigner::extend`); only
//! the statements' driver differs. Appends inside a caller's transaction
//! (a change and its entry together) stay on sqlx.
//!
//! The connection has the vault's settings: `synchronous = FULL` (a commit
//! is durable when it returns), foreign keys on, the busy timeout (it
//! queues with the pools' writers for SQLite's one write lock, beginning
//! `IMMEDIATE` as they do), and checkpoints left to the store's checkpoint
//! thread but for a long WAL (see `wal`).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use confidant_audit::{SignedTreeHead, TileData, TileKind, TileSet};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::append::{INSERT_CHECKPOINT, LogEnd, partial_ids, resumed};
use super::{AuditEvent, AuditSigner, CHECKPOINT_COLUMNS, CheckpointRow, ENTRY_COLUMNS, checkpoint_of_row};
use crate::crypto::DataKey;
use crate::db::{BUSY_TIMEOUT_MS, MMAP_BYTES};
use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::vault::new_id;

/// The audit writer's connection to one SQLite file, opened on first use
/// and kept (closed after a failed append).
pub(crate) struct SqliteAppender {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for SqliteAppender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteAppender").finish_non_exhaustive()
    }
}

impl SqliteAppender {
    /// Appends to the SQLite file at `path` (created and migrated).
    pub(crate) fn new(path: PathBuf) -> SqliteAppender {
        SqliteAppender { path, conn: Mutex::new(None) }
    }

    /// Appends `events` (at least one) in a transaction of their own and
    /// commits. Blocking: call it on the blocking pool.
    pub(crate) fn append(
        &self,
        signer: &AuditSigner,
        keys: &KeyRing,
        events: &[AuditEvent],
    ) -> Result<(Vec<u64>, SignedTreeHead), StoreError> {
        let mut kept = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut conn = match kept.take() {
            Some(conn) => conn,
            None => open_write_connection(&self.path)?,
        };
        let appended = append_on(&mut conn, signer, keys, events)?;
        // Kept only after a success: a failed append's connection is closed.
        *kept = Some(conn);
        Ok(appended)
    }

    /// Closes the kept connection.
    pub(crate) fn close(&self) {
        drop(self.conn.lock().unwrap_or_else(PoisonError::into_inner).take());
    }
}

/// A write connection with the vault's settings (see the module note).
fn open_write_connection(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "wal_autocheckpoint", crate::wal::COMMIT_CHECKPOINT_FRAMES)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "mmap_size", i64::try_from(MMAP_BYTES).unwrap_or(i64::MAX))?;
    Ok(conn)
}

/// The append itself, in one `IMMEDIATE` transaction on `conn`.
fn append_on(
    conn: &mut Connection,
    signer: &AuditSigner,
    keys: &KeyRing,
    events: &[AuditEvent],
) -> Result<(Vec<u64>, SignedTreeHead), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let latest: Option<CheckpointRow> = tx
        .prepare_cached(&format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY size DESC LIMIT 1"))?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    let latest = latest.map(checkpoint_of_row).transpose()?;
    let earlier_layout = latest.is_none() && tx.prepare_cached("SELECT size FROM audit_tree_heads LIMIT 1")?.exists([])?;
    let size = latest.as_ref().map_or(0, |c| c.head.head.size);
    let (hash_ids, bundle_index) = partial_ids(size);
    let mut tiles = TileSet::new();
    {
        let mut tile = tx.prepare_cached("SELECT hashes FROM audit_tiles WHERE level = ?1 AND idx = ?2")?;
        for (level, index) in hash_ids {
            if let Some(hashes) = tile.query_row(params![i64::from(level), index as i64], |r| r.get::<_, Vec<u8>>(0)).optional()? {
                tiles.insert(level, index, hashes);
            }
        }
    }
    let bundle = match bundle_index {
        Some(index) => tx
            .prepare_cached("SELECT entries FROM audit_bundles WHERE idx = ?1")?
            .query_row([index as i64], |r| r.get::<_, Vec<u8>>(0))
            .optional()?,
        None => None,
    };
    let resumed = resumed(size, &tiles, bundle)?;
    let largest: Option<i64> = tx.prepare_cached("SELECT max(seq) FROM audit_entries")?.query_row([], |r| r.get(0))?;
    let end = LogEnd { latest, earlier_layout, resumed, largest };

    // The batch's data key, wrapped by the current KEK; only an active KEK
    // may wrap (a rotation that retired it makes this insert nothing).
    let kek = keys.current().ok_or_else(|| StoreError::invalid("key", "at least one key"))?;
    let key_id = new_id("dk");
    let data_key = DataKey::generate();
    let wrapped = kek.wrap(&key_id, &data_key).map_err(StoreError::crypto("data key"))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO data_keys (id, kek_id, wrapped) SELECT ?1, id, ?3 FROM key_encryption_keys WHERE id = ?2 AND retired_at IS NULL",
        )?
        .execute(params![key_id, kek.id(), wrapped])?;
    if inserted != 1 {
        return Err(StoreError::KeyRotated);
    }

    let extension = signer.extend(end, &key_id, &data_key, events)?;
    {
        let placeholders = (1..=ENTRY_COLUMNS.split(',').count()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
        let mut entry = tx.prepare_cached(&format!("INSERT INTO audit_entries ({ENTRY_COLUMNS}) VALUES ({placeholders})"))?;
        for ((seq, categories, sealed), event) in extension.rows.iter().zip(events) {
            entry.execute(params![
                *seq as i64,
                extension.at_ms,
                event.kind.as_str(),
                event.actor.as_deref(),
                event.client_id.as_deref(),
                categories.as_str(),
                i64::from(event.break_glass),
                key_id.as_str(),
                sealed.as_slice(),
            ])?;
        }
    }
    write_tiles(&tx, &extension.tiles)?;
    let head = &extension.checkpoint.head;
    tx.prepare_cached(INSERT_CHECKPOINT)?.execute(params![
        head.head.size as i64,
        head.head.root.as_slice(),
        head.head.timestamp_ms as i64,
        head.signature.as_slice(),
        extension.checkpoint.note_signature.as_slice(),
    ])?;
    tx.commit()?;
    Ok((extension.seqs, extension.checkpoint.head))
}

/// Writes tiles and bundles, replacing the stored ones of the same index
/// (a partial tile grows in place).
fn write_tiles(tx: &rusqlite::Transaction<'_>, tiles: &[TileData]) -> Result<(), rusqlite::Error> {
    let mut hashes = tx.prepare_cached(
        "INSERT INTO audit_tiles (level, idx, hashes) VALUES (?1, ?2, ?3) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
    )?;
    let mut bundles = tx.prepare_cached(
        "INSERT INTO audit_bundles (idx, entries) VALUES (?1, ?2) ON CONFLICT (idx) DO UPDATE SET entries = excluded.entries",
    )?;
    for tile in tiles {
        match tile.id.kind {
            TileKind::Hashes(level) => hashes.execute(params![i64::from(level), tile.id.index as i64, tile.bytes.as_slice()])?,
            TileKind::Entries => bundles.execute(params![tile.id.index as i64, tile.bytes.as_slice()])?,
        };
    }
    Ok(())
}
