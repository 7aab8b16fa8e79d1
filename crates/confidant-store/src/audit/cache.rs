//! What a store keeps in memory to answer proofs without the database: the
//! newest checkpoint it has seen and recently used hash tiles with their
//! interior nodes worked out.
//!
//! Correctness with other processes appending to the same database (two
//! servers on one PostgreSQL):
//! - A cached tile is keyed by (tile level, index) and holds a width. It
//!   serves a tree only when the tile that tree needs there is at most that
//!   wide; a partial tile of a smaller tree is a prefix of a larger tree's,
//!   so the nodes it holds are the larger tree's too. A wider tile than the
//!   cache holds is read again, never made up from the narrower one.
//! - Tiles come only from committed reads, never from an append before its
//!   commit, so a rolled-back append leaves nothing behind.
//! - The checkpoint is this process's own last commit or the newest one
//!   read, and is used for "the latest" only while younger than
//!   [`CHECKPOINT_FRESH`] and only for entries below its size: an entry
//!   another process appended since is never proved against an older
//!   checkpoint, and another process's checkpoint is picked up within that
//!   window. Every answer is a proof against the signed head returned with
//!   it, whichever that is.
//!
//! Memory is bounded: at most [`TILE_CAPACITY`] tiles (about 16 KiB each
//! with their interiors), the least recently used evicted first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use confidant_audit::{NodeId, SignedTreeHead, TileKind, TileNodeSet, TileNodes, TileSet};

use super::append::fetch_tiles;
use crate::db::{Conn, native};
use crate::error::StoreError;
use crate::vault::Store;

/// How long the newest checkpoint seen stands for "the latest" when no
/// newer entry is asked about.
pub(crate) const CHECKPOINT_FRESH: Duration = Duration::from_millis(50);

/// Tiles kept at most (about 16 MiB for full tiles with their interiors).
pub(crate) const TILE_CAPACITY: usize = 1024;

struct CachedTile {
    nodes: Arc<TileNodes>,
    used: u64,
}

#[derive(Default)]
struct Inner {
    latest: Option<(SignedTreeHead, Instant)>,
    tiles: HashMap<(u8, u64), CachedTile>,
    clock: u64,
}

/// The proof cache of one open store (see the module's note).
#[derive(Default)]
pub(crate) struct ProofCache {
    inner: Mutex<Inner>,
}

impl ProofCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing half-written that
        // matters: every field is replaced whole.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The newest checkpoint seen, if it is fresh and covers entry `seq`.
    pub(crate) fn latest_covering(&self, seq: u64) -> Option<SignedTreeHead> {
        let inner = self.lock();
        let (head, seen) = inner.latest.as_ref()?;
        (seen.elapsed() < CHECKPOINT_FRESH && seq < head.head.size).then(|| head.clone())
    }

    /// The checkpoint at exactly `size`, when it is the one held.
    pub(crate) fn head_at(&self, size: u64) -> Option<SignedTreeHead> {
        let inner = self.lock();
        inner.latest.as_ref().filter(|(head, _)| head.head.size == size).map(|(head, _)| head.clone())
    }

    /// Notes a committed checkpoint (this process's own, or one read). The
    /// larger of it and the one held is kept, as of now.
    pub(crate) fn saw(&self, head: &SignedTreeHead) {
        let mut inner = self.lock();
        let keep = match inner.latest.take() {
            Some((held, _)) if held.head.size > head.head.size => held,
            _ => head.clone(),
        };
        inner.latest = Some((keep, Instant::now()));
    }

    /// The cached tiles among `wanted` (tile level, index, width needed),
    /// and those missing or too narrow.
    fn lookup(&self, wanted: &[(u8, u64, u64)]) -> (TileNodeSet, Vec<(u8, u64, u64)>) {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let mut found = TileNodeSet::new();
        let mut missing = Vec::new();
        for &(level, index, width) in wanted {
            match inner.tiles.get_mut(&(level, index)) {
                Some(cached) if cached.nodes.width() >= width => {
                    cached.used = now;
                    found.insert(level, index, Arc::clone(&cached.nodes));
                }
                _ => missing.push((level, index, width)),
            }
        }
        (found, missing)
    }

    /// Keeps a tile read from the database, unless a wider one is held.
    fn keep(&self, level: u8, index: u64, nodes: Arc<TileNodes>) {
        let mut inner = self.lock();
        inner.clock += 1;
        let used = inner.clock;
        if inner.tiles.get(&(level, index)).is_some_and(|held| held.nodes.width() >= nodes.width()) {
            return;
        }
        if inner.tiles.len() >= TILE_CAPACITY && !inner.tiles.contains_key(&(level, index)) {
            let oldest = inner.tiles.iter().min_by_key(|(_, tile)| tile.used).map(|(key, _)| *key);
            if let Some(oldest) = oldest {
                inner.tiles.remove(&oldest);
            }
        }
        inner.tiles.insert((level, index), CachedTile { nodes, used });
    }

    /// Tiles held (for tests of the bound).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().tiles.len()
    }
}

/// How many hashes tile `index` at tile `level` holds in a tree of `size`.
fn width_in(level: u8, index: u64, size: u64) -> u64 {
    super::read::width_at(TileKind::Hashes(level), index, size)
}

impl Store {
    /// The tiles holding `ids` in the tree of `size` entries, each with its
    /// interior worked out: from the cache when it holds them at least as
    /// wide as that tree has them, else read (in one query) and kept.
    pub(super) async fn proof_nodes(&self, ids: &[NodeId], size: u64) -> Result<TileNodeSet, StoreError> {
        let wanted: Vec<(u8, u64, u64)> =
            TileSet::tiles_holding(ids).into_iter().map(|(level, index)| (level, index, width_in(level, index, size))).collect();
        let (mut found, missing) = self.audit_cache.lookup(&wanted);
        if missing.is_empty() {
            return Ok(found);
        }
        let ids: Vec<(u8, u64)> = missing.iter().map(|&(level, index, _)| (level, index)).collect();
        let read = native!(&self.native, |p| fetch_tiles(&mut Conn::from(&mut *p.acquire().await?), &ids).await)?;
        for (level, index, width) in missing {
            let Some(bytes) = read.get(level, index) else { continue };
            let nodes = Arc::new(TileNodes::from_bytes(bytes));
            // A stored tile narrower than the tree needs is damage: it is
            // used as it is (the proof then names a missing node), not kept.
            if nodes.width() >= width {
                self.audit_cache.keep(level, index, Arc::clone(&nodes));
            }
            found.insert(level, index, nodes);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use confidant_audit::{LogSigningKey, NodeSource, TreeHead};

    fn head(size: u64) -> SignedTreeHead {
        LogSigningKey::from_seed(&[1; 32]).sign(TreeHead { size, root: [0; 32], timestamp_ms: 0 })
    }

    #[test]
    fn a_cached_partial_tile_serves_only_trees_no_wider_there() {
        let cache = ProofCache::default();
        let narrow = Arc::new(TileNodes::from_bytes(&[7u8; 32 * 10]));
        cache.keep(0, 3, narrow);
        let (found, missing) = cache.lookup(&[(0, 3, 10)]);
        assert!(missing.is_empty());
        assert!(found.node(NodeId { level: 0, index: 3 * 256 + 9 }).is_some());
        let (_, missing) = cache.lookup(&[(0, 3, 11)]);
        assert_eq!(missing, vec![(0, 3, 11)], "a tree with an 11-wide tile must read it again");
        // A narrower tile read later does not replace the wider one.
        cache.keep(0, 3, Arc::new(TileNodes::from_bytes(&[7u8; 32 * 4])));
        assert!(cache.lookup(&[(0, 3, 10)]).1.is_empty());
    }

    #[test]
    fn the_tile_cache_is_bounded_and_evicts_the_least_recently_used() {
        let cache = ProofCache::default();
        let tile = Arc::new(TileNodes::from_bytes(&[1u8; 32 * 256]));
        for index in 0..TILE_CAPACITY as u64 {
            cache.keep(0, index, Arc::clone(&tile));
        }
        // Tile 0 is used again, so tile 1 is the oldest when room is needed.
        assert!(cache.lookup(&[(0, 0, 256)]).1.is_empty());
        cache.keep(1, 0, Arc::clone(&tile));
        assert_eq!(cache.len(), TILE_CAPACITY);
        assert!(cache.lookup(&[(0, 0, 256)]).1.is_empty());
        assert_eq!(cache.lookup(&[(0, 1, 256)]).1.len(), 1);
    }

    #[test]
    fn the_checkpoint_stands_for_the_latest_only_while_fresh_and_covering() {
        let cache = ProofCache::default();
        cache.saw(&head(10));
        assert_eq!(cache.latest_covering(9).map(|h| h.head.size), Some(10));
        assert!(cache.latest_covering(10).is_none(), "an entry beyond the held checkpoint needs a newer one");
        cache.saw(&head(4));
        assert_eq!(cache.head_at(10).map(|h| h.head.size), Some(10), "a smaller head read late does not replace a larger one");
        std::thread::sleep(CHECKPOINT_FRESH + Duration::from_millis(5));
        assert!(cache.latest_covering(0).is_none());
    }
}
