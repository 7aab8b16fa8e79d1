//! A hash tile with every complete subtree inside it worked out once: the
//! tile's hashes (tree level `8·L`) and the seven levels above them, up to
//! the tile's root. A proof step then costs one lookup instead of up to 127
//! node hashes, which is what makes a cache of tiles worth keeping.
//!
//! A partial tile of width `W` holds exactly the subtrees that lie within
//! its first `W` hashes; those are the same in every larger tree (a partial
//! tile is a prefix of the later one), so a tile worked out at width `W`
//! serves any tree whose tile there is at most `W` wide, and never more.

use std::collections::HashMap;
use std::sync::Arc;

use crate::hash::{Hash, node_hash};
use crate::nodes::{NodeId, NodeSource};
use crate::tiles::{TILE_HEIGHT, TILE_WIDTH};

/// One hash tile and all its interior nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileNodes {
    /// `levels[k]` holds the subtrees of `2^k` tile hashes, left to right:
    /// `levels[0]` the tile's own hashes, `levels[8]` (full tiles only) its root.
    levels: Vec<Vec<Hash>>,
}

impl TileNodes {
    /// Works out the interior of a tile from its stored bytes, 32 per
    /// hash (at most 256 hashes; a trailing fragment is ignored).
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let hashes: Vec<Hash> =
            bytes.chunks_exact(32).take(TILE_WIDTH as usize).filter_map(|chunk| <[u8; 32]>::try_from(chunk).ok()).collect();
        let mut levels = vec![hashes];
        for _ in 0..TILE_HEIGHT {
            let Some(below) = levels.last() else { break };
            let above: Vec<Hash> =
                below.chunks_exact(2).filter_map(|pair| pair.first().zip(pair.get(1))).map(|(l, r)| node_hash(l, r)).collect();
            if above.is_empty() {
                break;
            }
            levels.push(above);
        }
        Self { levels }
    }

    /// How many hashes the tile holds (1–256).
    #[must_use]
    pub fn width(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Bytes held, for bounding a cache.
    #[must_use]
    pub fn byte_size(&self) -> usize {
        self.levels.iter().map(|l| l.len() * 32).sum()
    }

    /// The subtree of `2^within` tile hashes at position `local` (counted
    /// at that height), if the tile holds all of it.
    #[must_use]
    pub fn node(&self, within: u32, local: u64) -> Option<Hash> {
        self.levels.get(usize::try_from(within).ok()?)?.get(usize::try_from(local).ok()?).copied()
    }
}

/// Tiles with their interiors, keyed by (tile level, index), as a
/// [`NodeSource`]: every complete subtree is one lookup.
#[derive(Debug, Clone, Default)]
pub struct TileNodeSet {
    tiles: HashMap<(u8, u64), Arc<TileNodes>>,
}

impl TileNodeSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) tile `index` at tile `level`.
    pub fn insert(&mut self, level: u8, index: u64, tile: Arc<TileNodes>) {
        self.tiles.insert((level, index), tile);
    }
}

impl NodeSource for TileNodeSet {
    fn node(&self, id: NodeId) -> Option<Hash> {
        let level = u8::try_from(id.level / TILE_HEIGHT).ok()?;
        let within = id.level % TILE_HEIGHT;
        let per_tile = TILE_WIDTH >> within;
        self.tiles.get(&(level, id.index / per_tile))?.node(within, id.index % per_tile)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::hash::LeafHash;
    use crate::nodes::{consistency_proof_from, inclusion_proof_from};
    use crate::tiles::{TileBuilder, TileKind, TileSet};
    use crate::tree::MerkleTree;

    fn tiles_of(size: u64) -> (TileSet, TileNodeSet) {
        let mut builder = TileBuilder::new();
        let mut tiles = Vec::new();
        for i in 0..size {
            builder.push(&i.to_be_bytes(), |t| tiles.push(t));
        }
        tiles.extend(builder.partials());
        let (mut plain, mut worked) = (TileSet::new(), TileNodeSet::new());
        for tile in tiles {
            if let TileKind::Hashes(level) = tile.id.kind {
                worked.insert(level, tile.id.index, Arc::new(TileNodes::from_bytes(&tile.bytes)));
                plain.insert(level, tile.id.index, tile.bytes);
            }
        }
        (plain, worked)
    }

    #[test]
    fn worked_out_tiles_give_the_same_proofs_as_the_tree() {
        let size = 256 * 256 + 777;
        let (plain, worked) = tiles_of(size);
        let tree: MerkleTree = (0..size).map(|i| LeafHash::of(&i.to_be_bytes())).collect();
        for index in [0, 1, 255, 256, 513, 40_000, 65_535, 65_536, size - 2, size - 1] {
            let expected = tree.inclusion_proof(index, size).unwrap();
            assert_eq!(inclusion_proof_from(&worked, index, size).unwrap(), expected, "entry {index}");
            assert_eq!(inclusion_proof_from(&plain, index, size).unwrap(), expected, "entry {index}");
        }
        for old in [1, 255, 256, 1000, 65_536, size - 1] {
            assert_eq!(consistency_proof_from(&worked, old, size).unwrap(), tree.consistency_proof(old, size).unwrap(), "old {old}");
        }
    }

    #[test]
    fn a_partial_tile_holds_only_the_subtrees_within_its_width() {
        let hashes: Vec<u8> = (0..5u8).flat_map(|i| [i; 32]).collect();
        let tile = TileNodes::from_bytes(&hashes);
        assert_eq!(tile.width(), 5);
        assert!(tile.node(0, 4).is_some());
        assert!(tile.node(0, 5).is_none());
        assert!(tile.node(1, 1).is_some());
        assert!(tile.node(1, 2).is_none(), "hashes 4 and 5 would be needed; only 4 is there");
        assert!(tile.node(2, 0).is_some());
        assert!(tile.node(3, 0).is_none());
        assert_eq!(tile.node(1, 0), Some(node_hash(&[0; 32], &[1; 32])));
    }
}
