//! The append-only Merkle tree over leaf hashes: roots of any prefix and the
//! RFC 6962 §2.1.1 / §2.1.2 inclusion and consistency proofs, served from
//! cached interior nodes.

use crate::hash::{Hash, LeafHash, empty_root, node_hash};
use crate::nodes::{NodeId, NodeSource, consistency_proof_from, inclusion_proof_from, subtree};
use crate::proof::{ConsistencyProof, InclusionProof};

/// What a tree cannot answer because it does not hold those leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// A tree size larger than the number of leaves appended so far.
    #[error("tree size {size} is larger than the {tree_size} leaves appended")]
    SizeBeyondTree {
        /// The size asked for.
        size: u64,
        /// Leaves in the tree.
        tree_size: u64,
    },
    /// A leaf index that is not inside the tree size asked for.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree size it was asked against.
        size: u64,
    },
    /// A complete subtree the node store does not hold (a store that lost
    /// nodes, or a size beyond what it holds).
    #[error("the tree has no node at level {level}, index {index}")]
    MissingNode {
        /// Height of the subtree (0 = a leaf).
        level: u32,
        /// Position of the subtree among those of its height.
        index: u64,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("old size {old_size} is larger than new size {new_size}")]
    OldSizeExceedsNewSize {
        /// The earlier tree size.
        old_size: u64,
        /// The later tree size.
        new_size: u64,
    },
}

/// An append-only RFC 6962 Merkle tree.
///
/// Keeps every complete subtree's hash: `levels[k][i]` is the root of the
/// perfect subtree over leaves `i·2^k .. (i+1)·2^k`. Appending costs one leaf
/// store plus amortised one node hash; any prefix root or proof then needs
/// O(log n) lookups and at most O(log n) hashes for the ragged right edge.
/// Memory is about 64 bytes per leaf (64 MB for a million entries).
#[derive(Clone, Debug, Default)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// The empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a tree from leaf hashes in log order (e.g. read back from
    /// storage).
    pub fn from_leaf_hashes<I: IntoIterator<Item = LeafHash>>(leaves: I) -> Self {
        let leaves = leaves.into_iter();
        let mut tree = Self::new();
        let (lower, _) = leaves.size_hint();
        if lower > 0 {
            tree.levels.push(Vec::with_capacity(lower));
        }
        tree.extend(leaves);
        tree
    }

    /// Appends one leaf and returns its index.
    pub fn append(&mut self, leaf: LeafHash) -> u64 {
        let index = self.size();
        let mut hash = *leaf.as_bytes();
        let mut level = 0;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                break;
            };
            row.push(hash);
            // An odd count means the new node has no sibling yet.
            if row.len() % 2 == 1 {
                break;
            }
            let [.., left, right] = row.as_slice() else {
                break;
            };
            hash = node_hash(left, right);
            level += 1;
        }
        index
    }

    /// Number of leaves appended.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// True when no leaf has been appended.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.size() == 0
    }

    /// The leaf hash at `index`, if appended.
    #[must_use]
    pub fn leaf(&self, index: u64) -> Option<LeafHash> {
        self.node(0, index).map(LeafHash::from_bytes)
    }

    /// The root of the whole tree.
    #[must_use]
    pub fn root(&self) -> Hash {
        subtree(self, 0, self.size()).unwrap_or_else(empty_root)
    }

    /// The root the tree had when it held its first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError> {
        self.check_size(size)?;
        subtree(self, 0, size).ok_or(TreeError::SizeBeyondTree { size, tree_size: self.size() })
    }

    /// The audit path (RFC 6962 §2.1.1 `PATH(index, D[size])`) proving that
    /// leaf `index` is in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, TreeError> {
        self.check_size(size)?;
        inclusion_proof_from(self, index, size)
    }

    /// The consistency proof (RFC 6962 §2.1.2 `PROOF(old_size, D[new_size])`)
    /// that the tree of `old_size` leaves is a prefix of the tree of
    /// `new_size` leaves. Empty when `old_size` is 0 or equals `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<ConsistencyProof, TreeError> {
        self.check_size(new_size)?;
        consistency_proof_from(self, old_size, new_size)
    }

    fn check_size(&self, size: u64) -> Result<(), TreeError> {
        if size > self.size() {
            return Err(TreeError::SizeBeyondTree { size, tree_size: self.size() });
        }
        Ok(())
    }

    /// A cached complete subtree: `levels[level][index]`.
    fn node(&self, level: u32, index: u64) -> Option<Hash> {
        let row = self.levels.get(usize::try_from(level).ok()?)?;
        row.get(usize::try_from(index).ok()?).copied()
    }
}

impl NodeSource for MerkleTree {
    fn node(&self, id: NodeId) -> Option<Hash> {
        MerkleTree::node(self, id.level, id.index)
    }
}

impl Extend<LeafHash> for MerkleTree {
    fn extend<I: IntoIterator<Item = LeafHash>>(&mut self, leaves: I) {
        for leaf in leaves {
            self.append(leaf);
        }
    }
}

impl FromIterator<LeafHash> for MerkleTree {
    fn from_iter<I: IntoIterator<Item = LeafHash>>(leaves: I) -> Self {
        Self::from_leaf_hashes(leaves)
    }
}
