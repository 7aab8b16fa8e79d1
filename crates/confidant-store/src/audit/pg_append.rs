//! The audit append of [`crate::Store::append_audit`] on PostgreSQL's own
//! driver, in three round trips after `BEGIN`: the log's end, its partial
//! tiles, and one statement writing everything.
//!
//! Why: the statement-per-table append was twenty round trips per batch
//! (the lock, five reads, the data key, ten inserts of 100 rows, the tiles,
//! the bundles, the checkpoint). The server ran the statements themselves
//! in about a third of the batch's time; the rest went to the round trips,
//! each a wake-up of the client and of the server's backend, which on a
//! busy 2-core machine waits to be scheduled. Here the lock rides with
//! `BEGIN` (sqlx queues the transaction's opening statement and sends it
//! with the first query), the end of the log is one query, the tiles and
//! bundle one, and the rows, tiles, bundle, data key and checkpoint one
//! statement of data-modifying CTEs over `unnest` arrays (one prepared
//! statement whatever the batch's size). What is written is computed by the
//! same code as on the other paths ([`super::append`]'s `LogEnd` and
//! `AuditSigner::extend`); durability is unchanged: one transaction, one
//! commit.

use confidant_audit::{TileData, TileKind, TileSet};
use sqlx::PgConnection;

use super::append::{Extension, partial_ids};
use super::{AuditEvent, CheckpointRow, checkpoint_of_row};
use crate::error::StoreError;
use crate::vault::corrupt;

/// The opening of an append's transaction: `BEGIN` and the lock that keeps
/// other appenders out until commit, sent together.
pub(super) const BEGIN_LOCKED: &str = "BEGIN; LOCK TABLE audit_checkpoints IN EXCLUSIVE MODE";

/// The end of the log in one query: the latest checkpoint (absent on an
/// empty log), the largest sequence, and whether a log of the earlier
/// layout is there.
const LOG_END: &str = "SELECT c.size, c.root, c.timestamp_ms, c.signature, c.note_signature, \
     (SELECT max(seq) FROM audit_entries), EXISTS (SELECT 1 FROM audit_tree_heads) \
     FROM (SELECT 1) AS one LEFT JOIN \
     (SELECT size, root, timestamp_ms, signature, note_signature FROM audit_checkpoints ORDER BY size DESC LIMIT 1) AS c ON true";

type LogEndRow = (Option<i64>, Option<Vec<u8>>, Option<i64>, Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>, bool);

/// The latest checkpoint, the largest sequence and whether the earlier
/// layout's heads are there.
pub(super) async fn log_end(c: &mut PgConnection) -> Result<(Option<super::StoredCheckpoint>, Option<i64>, bool), StoreError> {
    let (size, root, at, signature, note, largest, earlier): LogEndRow = sqlx::query_as(LOG_END).fetch_one(&mut *c).await?;
    let latest = match (size, root, at, signature, note) {
        (Some(size), Some(root), Some(at), Some(signature), Some(note)) => {
            let row: CheckpointRow = (size, root, at, signature, note);
            Some(checkpoint_of_row(row)?)
        }
        (None, None, None, None, None) => None,
        _ => return Err(corrupt("audit checkpoint")),
    };
    Ok((latest, largest, earlier))
}

/// The partial hash tiles and entry bundle of a log of `size` entries, in
/// one query (each an indexed lookup, joined with UNION ALL: an OR of the
/// pairs let the planner scan the whole table). The bundle comes back as
/// level -1.
pub(super) async fn partial_tiles(c: &mut PgConnection, size: u64) -> Result<(TileSet, Option<Vec<u8>>), StoreError> {
    let (ids, bundle_index) = partial_ids(size);
    let mut parts = Vec::new();
    for i in 0..ids.len() {
        parts.push(format!("SELECT level, idx, hashes FROM audit_tiles WHERE level = ${} AND idx = ${}", 2 * i + 1, 2 * i + 2));
    }
    if bundle_index.is_some() {
        parts.push(format!("SELECT -1, idx, entries FROM audit_bundles WHERE idx = ${}", 2 * ids.len() + 1));
    }
    let mut tiles = TileSet::new();
    if parts.is_empty() {
        return Ok((tiles, None));
    }
    let sql = parts.join(" UNION ALL ");
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for (level, index) in &ids {
        query = query.bind(i64::from(*level)).bind(*index as i64);
    }
    if let Some(index) = bundle_index {
        query = query.bind(index as i64);
    }
    let rows: Vec<(i64, i64, Vec<u8>)> = query.fetch_all(&mut *c).await?;
    let mut bundle = None;
    for (level, index, bytes) in rows {
        if level < 0 {
            bundle = Some(bytes);
        } else {
            tiles.insert(u8::try_from(level).map_err(|_| corrupt("audit tile level"))?, index as u64, bytes);
        }
    }
    Ok((tiles, bundle))
}

/// Everything an append writes, in one statement. The data key is inserted
/// only while its KEK is active (a rotation that retired it makes that
/// insert nothing), and the statement answers how many key rows it wrote.
const WRITE_ALL: &str = "WITH dk AS (\
       INSERT INTO data_keys (id, kek_id, wrapped) \
       SELECT $1, id, $3 FROM key_encryption_keys WHERE id = $2 AND retired_at IS NULL RETURNING 1), \
     e AS (\
       INSERT INTO audit_entries (seq, at_ms, kind, actor_id, client_id, categories, break_glass, data_key_id, details) \
       SELECT s, $4, k, a, cl, cat, b, $1, d \
       FROM unnest($5::int8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int8[], $11::bytea[]) AS u (s, k, a, cl, cat, b, d)), \
     t AS (\
       INSERT INTO audit_tiles (level, idx, hashes) SELECT * FROM unnest($12::int8[], $13::int8[], $14::bytea[]) \
       ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes), \
     bu AS (\
       INSERT INTO audit_bundles (idx, entries) SELECT * FROM unnest($15::int8[], $16::bytea[]) \
       ON CONFLICT (idx) DO UPDATE SET entries = excluded.entries), \
     cp AS (\
       INSERT INTO audit_checkpoints (size, root, timestamp_ms, signature, note_signature) VALUES ($17, $18, $19, $20, $21)) \
     SELECT count(*) FROM dk";

/// The batch's data key as stored: its id, the KEK wrapping it and the wrapped bytes.
pub(super) struct WrappedKey<'a> {
    pub(super) id: &'a str,
    pub(super) kek_id: &'a str,
    pub(super) wrapped: &'a [u8],
}

/// Writes the data key, the rows, the tiles and bundles, and the checkpoint
/// of `extension` in one statement. `KeyRotated` when the KEK was retired
/// meanwhile (the caller's transaction then rolls back).
pub(super) async fn write_all(
    c: &mut PgConnection,
    key: &WrappedKey<'_>,
    extension: &Extension,
    events: &[AuditEvent],
) -> Result<(), StoreError> {
    let n = extension.rows.len();
    let (mut seqs, mut kinds, mut actors, mut clients, mut categories, mut glass, mut details) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for ((seq, joined, sealed), event) in extension.rows.iter().zip(events) {
        seqs.push(*seq as i64);
        kinds.push(event.kind.as_str());
        actors.push(event.actor.as_deref());
        clients.push(event.client_id.as_deref());
        categories.push(joined.as_str());
        glass.push(i64::from(event.break_glass));
        details.push(sealed.as_slice());
    }
    let (mut levels, mut tile_indexes, mut hashes, mut bundle_indexes, mut bundles) =
        (Vec::new(), Vec::new(), Vec::<&[u8]>::new(), Vec::new(), Vec::<&[u8]>::new());
    for TileData { id, bytes } in &extension.tiles {
        match id.kind {
            TileKind::Hashes(level) => {
                levels.push(i64::from(level));
                tile_indexes.push(id.index as i64);
                hashes.push(bytes.as_slice());
            }
            TileKind::Entries => {
                bundle_indexes.push(id.index as i64);
                bundles.push(bytes.as_slice());
            }
        }
    }
    let head = &extension.checkpoint.head;
    let (keys,): (i64,) = sqlx::query_as(WRITE_ALL)
        .bind(key.id)
        .bind(key.kek_id)
        .bind(key.wrapped)
        .bind(extension.at_ms)
        .bind(seqs)
        .bind(kinds)
        .bind(actors)
        .bind(clients)
        .bind(categories)
        .bind(glass)
        .bind(details)
        .bind(levels)
        .bind(tile_indexes)
        .bind(hashes)
        .bind(bundle_indexes)
        .bind(bundles)
        .bind(head.head.size as i64)
        .bind(head.head.root.as_slice())
        .bind(head.head.timestamp_ms as i64)
        .bind(head.signature.as_slice())
        .bind(extension.checkpoint.note_signature.as_slice())
        .fetch_one(&mut *c)
        .await?;
    if keys != 1 {
        return Err(StoreError::KeyRotated);
    }
    Ok(())
}
