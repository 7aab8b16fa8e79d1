//! Roots and proofs computed from any store of complete-subtree hashes, so a
//! log kept in a database can answer a proof with O(log n) node lookups
//! instead of loading its leaves. [`MerkleTree`](crate::MerkleTree) is one
//! such store; the vault's `audit_nodes` table is another.
//!
//! A storage layer asks first which nodes a proof needs ([`inclusion_nodes`],
//! [`consistency_nodes`], [`root_nodes`]), fetches exactly those, then builds
//! the proof from them. [`Frontier`] is the O(log n) right edge that an
//! appender keeps to extend the log and compute the new root without reading
//! old leaves; it reports every subtree each append completes, so the store
//! can keep them.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::hash::{Hash, LeafHash, empty_root, node_hash};
use crate::proof::{ConsistencyProof, InclusionProof};
use crate::tree::TreeError;

/// A complete (perfect) subtree: the `index`-th subtree of `2^level`
/// leaves, covering leaves `index·2^level .. (index+1)·2^level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height of the subtree; 0 is a leaf.
    pub level: u32,
    /// Position among the subtrees of that height.
    pub index: u64,
}

/// Something that holds complete-subtree hashes.
pub trait NodeSource {
    /// The hash of a complete subtree, if held.
    fn node(&self, id: NodeId) -> Option<Hash>;
}

impl NodeSource for HashMap<NodeId, Hash> {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.get(&id).copied()
    }
}

/// `MTH(D[start:end])`. Ranges produced by the RFC recursion are either an
/// aligned perfect subtree (one lookup) or split into one plus a ragged
/// remainder, so this costs O(log n). `None` when a node is not held.
pub(crate) fn subtree<S: NodeSource + ?Sized>(src: &S, start: u64, end: u64) -> Option<Hash> {
    let n = end.checked_sub(start)?;
    if n == 0 {
        return Some(empty_root());
    }
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let level = n.trailing_zeros();
        return src.node(NodeId { level, index: start >> level });
    }
    let k = split(n);
    Some(node_hash(&subtree(src, start, start + k)?, &subtree(src, start + k, end)?))
}

/// The root of the first `size` leaves, from held nodes.
pub fn root_from<S: NodeSource + ?Sized>(src: &S, size: u64) -> Result<Hash, TreeError> {
    subtree(src, 0, size).ok_or_else(|| first_missing(src, &root_nodes(size)))
}

/// RFC 6962 §2.1.1 `PATH(index, D[size])` from held nodes.
pub fn inclusion_proof_from<S: NodeSource + ?Sized>(src: &S, index: u64, size: u64) -> Result<InclusionProof, TreeError> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    // Walk down from the root; each step records the sibling subtree.
    let (mut lo, mut hi) = (0, size);
    let mut path = Vec::new();
    while hi - lo > 1 {
        let k = split(hi - lo);
        let (start, end) = if index < lo + k {
            let range = (lo + k, hi);
            hi = lo + k;
            range
        } else {
            let range = (lo, lo + k);
            lo += k;
            range
        };
        path.push(subtree(src, start, end).ok_or_else(|| first_missing(src, &inclusion_nodes(index, size)))?);
    }
    // The RFC lists the path leaf-first.
    path.reverse();
    Ok(InclusionProof { leaf_index: index, tree_size: size, path })
}

/// RFC 6962 §2.1.2 `PROOF(old_size, D[new_size])` from held nodes. Empty when
/// `old_size` is 0 or equals `new_size`.
pub fn consistency_proof_from<S: NodeSource + ?Sized>(src: &S, old_size: u64, new_size: u64) -> Result<ConsistencyProof, TreeError> {
    if old_size > new_size {
        return Err(TreeError::OldSizeExceedsNewSize { old_size, new_size });
    }
    let missing = || first_missing(src, &consistency_nodes(old_size, new_size));
    let mut path = Vec::new();
    if old_size > 0 && old_size < new_size {
        // SUBPROOF(m, D[lo:hi], b) unrolled; `m` stays absolute.
        let (mut lo, mut hi) = (0, new_size);
        let mut whole_old_tree = true;
        loop {
            if old_size == hi {
                // The verifier already knows the old root, so it is sent
                // only when this subtree is not the whole old tree.
                if !whole_old_tree {
                    path.push(subtree(src, lo, hi).ok_or_else(missing)?);
                }
                break;
            }
            let k = split(hi - lo);
            let node = if old_size <= lo + k {
                let node = subtree(src, lo + k, hi);
                hi = lo + k;
                node
            } else {
                let node = subtree(src, lo, lo + k);
                lo += k;
                whole_old_tree = false;
                node
            };
            path.push(node.ok_or_else(missing)?);
        }
        path.reverse();
    }
    Ok(ConsistencyProof { old_size, new_size, path })
}

/// A source that holds every node and writes down which were asked for.
#[derive(Default)]
struct Recorder(RefCell<Vec<NodeId>>);

impl NodeSource for Recorder {
    fn node(&self, id: NodeId) -> Option<Hash> {
        self.0.borrow_mut().push(id);
        Some([0; 32])
    }
}

impl Recorder {
    fn into_ids(self) -> Vec<NodeId> {
        let mut ids = self.0.into_inner();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The complete subtrees [`root_from`] reads for a tree of `size` leaves:
/// one per set bit of `size`.
#[must_use]
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    let recorder = Recorder::default();
    let _ = subtree(&recorder, 0, size);
    recorder.into_ids()
}

/// The complete subtrees [`inclusion_proof_from`] reads.
#[must_use]
pub fn inclusion_nodes(index: u64, size: u64) -> Vec<NodeId> {
    let recorder = Recorder::default();
    let _ = inclusion_proof_from(&recorder, index, size);
    recorder.into_ids()
}

/// The complete subtrees [`consistency_proof_from`] reads.
#[must_use]
pub fn consistency_nodes(old_size: u64, new_size: u64) -> Vec<NodeId> {
    let recorder = Recorder::default();
    let _ = consistency_proof_from(&recorder, old_size, new_size);
    recorder.into_ids()
}

fn first_missing<S: NodeSource + ?Sized>(src: &S, needed: &[NodeId]) -> TreeError {
    let id = needed.iter().copied().find(|id| src.node(*id).is_none()).unwrap_or(NodeId { level: 0, index: 0 });
    TreeError::MissingNode { level: id.level, index: id.index }
}

/// The largest power of two strictly smaller than `n` (`n >= 2`): where
/// RFC 6962 splits a tree of `n` leaves.
pub(crate) fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The right edge of a tree being built leaf by leaf: the roots of its
/// perfect subtrees (its peaks), largest (leftmost) first — one per set bit
/// of `size`. Enough to append and to compute the root without the leaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    peaks: Vec<Hash>,
}

impl Frontier {
    /// The peaks of a tree of `size` leaves, largest first: the nodes to load
    /// before [`Frontier::from_peaks`].
    #[must_use]
    pub fn peak_ids(size: u64) -> Vec<NodeId> {
        let mut ids = Vec::new();
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            let width = 1u64 << level;
            if size & width != 0 {
                ids.push(NodeId { level, index: start >> level });
                start += width;
            }
        }
        ids
    }

    /// Resumes a frontier from its peaks (hashes of [`Frontier::peak_ids`],
    /// in that order). `None` when their number does not fit `size`.
    #[must_use]
    pub fn from_peaks(size: u64, peaks: Vec<Hash>) -> Option<Self> {
        (peaks.len() == size.count_ones() as usize).then_some(Self { size, peaks })
    }

    /// Leaves so far.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf.
    pub fn push(&mut self, leaf: LeafHash) {
        self.push_reporting(leaf, |_, _| {});
    }

    /// Appends a leaf and hands `completed` every complete subtree it
    /// finishes, the leaf itself (level 0) first.
    pub fn push_reporting(&mut self, leaf: LeafHash, mut completed: impl FnMut(NodeId, Hash)) {
        let index = self.size;
        let mut hash = *leaf.as_bytes();
        completed(NodeId { level: 0, index }, hash);
        // Each trailing one bit of the old size is a peak the new leaf
        // completes into a larger one.
        let mut carry = self.size;
        let mut level = 0u32;
        while carry & 1 == 1 {
            let Some(left) = self.peaks.pop() else { break };
            hash = node_hash(&left, &hash);
            carry >>= 1;
            level += 1;
            completed(NodeId { level, index: index >> level }, hash);
        }
        self.peaks.push(hash);
        self.size += 1;
    }

    /// RFC 6962 root: peaks folded from the right, since each split puts the
    /// largest perfect subtree on the left.
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(&last) = peaks.next() else {
            return empty_root();
        };
        peaks.fold(last, |acc, left| node_hash(left, &acc))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::MerkleTree;

    fn leaf(i: u64) -> LeafHash {
        LeafHash::of(&i.to_be_bytes())
    }

    #[test]
    fn split_is_the_largest_power_of_two_below_n() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1 << 40, 1 << 39)] {
            assert_eq!(split(n), k, "n = {n}");
        }
    }

    #[test]
    fn frontier_root_equals_the_full_tree_root_at_every_size() {
        let mut frontier = Frontier::default();
        let mut tree = MerkleTree::new();
        for i in 0u64..=300 {
            assert_eq!(frontier.root(), tree.root(), "size {i}");
            assert_eq!(frontier.peaks.len() as u32, i.count_ones());
            frontier.push(leaf(i));
            tree.append(leaf(i));
        }
    }

    /// A node map filled only from what the frontier reported completed.
    fn nodes_from_frontier(size: u64) -> (HashMap<NodeId, Hash>, Frontier) {
        let mut frontier = Frontier::default();
        let mut nodes = HashMap::new();
        for i in 0..size {
            frontier.push_reporting(leaf(i), |id, hash| {
                nodes.insert(id, hash);
            });
        }
        (nodes, frontier)
    }

    #[test]
    fn completed_nodes_are_the_full_trees_nodes() {
        let (nodes, _) = nodes_from_frontier(77);
        let tree: MerkleTree = (0..77).map(leaf).collect();
        for (id, hash) in &nodes {
            assert_eq!(NodeSource::node(&tree, *id), Some(*hash), "{id:?}");
        }
        // Every complete subtree of 77 leaves: 77 + 38 + 19 + 9 + 4 + 2 + 1.
        assert_eq!(nodes.len(), 150);
    }

    #[test]
    fn proofs_from_stored_nodes_equal_the_in_memory_trees() {
        let (nodes, frontier) = nodes_from_frontier(130);
        let tree: MerkleTree = (0..130).map(leaf).collect();
        for size in 1..=130 {
            assert_eq!(root_from(&nodes, size).unwrap(), tree.root_at(size).unwrap());
            for index in [0, size / 3, size - 1] {
                assert_eq!(inclusion_proof_from(&nodes, index, size).unwrap(), tree.inclusion_proof(index, size).unwrap());
            }
            for old in [0, 1, size / 2, size] {
                assert_eq!(consistency_proof_from(&nodes, old, size).unwrap(), tree.consistency_proof(old, size).unwrap());
            }
        }
        assert_eq!(frontier.root(), tree.root());
    }

    #[test]
    fn a_proof_needs_only_the_nodes_its_plan_names() {
        let (all, _) = nodes_from_frontier(1000);
        for (index, size) in [(0, 1000), (999, 1000), (517, 777), (3, 4)] {
            let plan = inclusion_nodes(index, size);
            assert!(plan.len() <= 2 * 64);
            let only: HashMap<NodeId, Hash> = plan.iter().map(|id| (*id, all[id])).collect();
            assert_eq!(inclusion_proof_from(&only, index, size).unwrap(), inclusion_proof_from(&all, index, size).unwrap());
        }
        for (old, new) in [(1, 1000), (500, 1000), (999, 1000), (3, 7)] {
            let plan = consistency_nodes(old, new);
            let only: HashMap<NodeId, Hash> = plan.iter().map(|id| (*id, all[id])).collect();
            assert_eq!(consistency_proof_from(&only, old, new).unwrap(), consistency_proof_from(&all, old, new).unwrap());
        }
        let plan = root_nodes(1000);
        assert_eq!(plan.len(), 1000u64.count_ones() as usize);
        assert_eq!(plan, {
            let mut peaks = Frontier::peak_ids(1000);
            peaks.sort_unstable();
            peaks
        });
    }

    #[test]
    fn a_missing_node_is_named() {
        let (mut nodes, _) = nodes_from_frontier(8);
        nodes.remove(&NodeId { level: 2, index: 1 });
        assert_eq!(inclusion_proof_from(&nodes, 0, 8).unwrap_err(), TreeError::MissingNode { level: 2, index: 1 });
    }

    #[test]
    fn a_frontier_resumes_from_its_peaks() {
        let (nodes, full) = nodes_from_frontier(45);
        let peaks = Frontier::peak_ids(45).iter().map(|id| nodes[id]).collect();
        let mut resumed = Frontier::from_peaks(45, peaks).unwrap();
        let mut full = full;
        for i in 45..100 {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            resumed.push_reporting(leaf(i), |id, h| a.push((id, h)));
            full.push_reporting(leaf(i), |id, h| b.push((id, h)));
            assert_eq!(a, b);
        }
        assert_eq!(resumed, full);
        assert!(Frontier::from_peaks(45, vec![[0; 32]]).is_none());
    }
}
