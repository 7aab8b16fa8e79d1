//! Inclusion and consistency proofs and their verification, which needs only
//! the proof, the hashes and the sizes — never the tree (RFC 9162 §2.1.3.2
//! and §2.1.4.2).

use serde::{Deserialize, Serialize};

use crate::hash::{Hash, LeafHash, empty_root, hex_bytes, node_hash};

/// Why a proof does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree size.
    #[error("leaf index {index} is outside a tree of size {tree_size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        tree_size: u64,
    },
    /// A consistency proof from a larger tree to a smaller one.
    #[error("old size {old_size} is larger than new size {new_size}")]
    OldSizeExceedsNewSize {
        /// The earlier tree size.
        old_size: u64,
        /// The later tree size.
        new_size: u64,
    },
    /// The number of hashes does not fit the index and sizes: a hash was
    /// dropped or added, or the proof was made for other sizes.
    #[error("proof has {actual} hashes where {expected} are needed")]
    WrongProofLength {
        /// Hashes the sizes call for.
        expected: usize,
        /// Hashes in the proof.
        actual: usize,
    },
    /// The leaf and path hash to some other root.
    #[error("inclusion proof does not lead to the expected root")]
    RootMismatch,
    /// The consistency proof does not rebuild the old root.
    #[error("consistency proof does not rebuild the old root")]
    OldRootMismatch,
    /// The consistency proof does not rebuild the new root.
    #[error("consistency proof does not rebuild the new root")]
    NewRootMismatch,
}

/// Proof that one leaf is in the tree of `tree_size` leaves (RFC 6962
/// §2.1.1): the sibling hashes from the leaf up to the root.
///
/// The index and size travel with the proof for convenience; a verifier
/// should take `tree_size` from a tree head it trusts, not from the proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// Zero-based position of the leaf in the log.
    pub leaf_index: u64,
    /// Size of the tree the proof is for.
    pub tree_size: u64,
    /// Sibling hashes, leaf level first.
    #[serde(with = "hex_bytes::list")]
    pub path: Vec<Hash>,
}

impl InclusionProof {
    /// Checks that `leaf` sits at `leaf_index` in the tree with `root`.
    pub fn verify(&self, leaf: &LeafHash, root: &Hash) -> Result<(), ProofError> {
        verify_inclusion(leaf, self.leaf_index, self.tree_size, &self.path, root)
    }
}

/// Proof that the tree of `old_size` leaves is a prefix of the tree of
/// `new_size` leaves (RFC 6962 §2.1.2): nothing was changed or removed, only
/// appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// Size of the earlier tree.
    pub old_size: u64,
    /// Size of the later tree.
    pub new_size: u64,
    /// Subtree hashes, deepest first.
    #[serde(with = "hex_bytes::list")]
    pub path: Vec<Hash>,
}

impl ConsistencyProof {
    /// Checks that the tree with `old_root` is a prefix of the tree with
    /// `new_root`.
    pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), ProofError> {
        verify_consistency(self.old_size, self.new_size, &self.path, old_root, new_root)
    }
}

/// RFC 9162 §2.1.3.2: verifies that `leaf` is at `leaf_index` in the tree of
/// `tree_size` leaves whose root is `root`.
pub fn verify_inclusion(leaf: &LeafHash, leaf_index: u64, tree_size: u64, path: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if leaf_index >= tree_size {
        return Err(ProofError::IndexOutOfRange { index: leaf_index, tree_size });
    }
    // Checked up front so a dropped or extra hash is named as such rather
    // than as a root mismatch.
    let expected = inclusion_path_len(leaf_index, tree_size);
    if path.len() != expected {
        return Err(ProofError::WrongProofLength { expected, actual: path.len() });
    }
    let mut fn_ = leaf_index;
    let mut sn = tree_size - 1;
    let mut r = *leaf.as_bytes();
    for p in path {
        if sn == 0 {
            return Err(ProofError::WrongProofLength { expected, actual: path.len() });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            // Skip levels where this node is a lone right-edge child.
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofLength { expected, actual: path.len() });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: verifies that the tree of `old_size` leaves with
/// `old_root` is a prefix of the tree of `new_size` leaves with `new_root`.
///
/// Cases the RFC leaves to the caller: equal sizes need an empty proof and
/// equal roots; `old_size` 0 needs an empty proof and the empty-tree root
/// as `old_root` (the empty tree is a prefix of every tree, but a head
/// claiming size 0 with another root is still false).
pub fn verify_consistency(old_size: u64, new_size: u64, path: &[Hash], old_root: &Hash, new_root: &Hash) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeExceedsNewSize { old_size, new_size });
    }
    if old_size == new_size || old_size == 0 {
        if !path.is_empty() {
            return Err(ProofError::WrongProofLength { expected: 0, actual: path.len() });
        }
        if old_size == 0 && *old_root != empty_root() {
            return Err(ProofError::OldRootMismatch);
        }
        if old_size == new_size && old_root != new_root {
            return Err(ProofError::NewRootMismatch);
        }
        return Ok(());
    }
    let expected = consistency_path_len(old_size, new_size);
    if path.len() != expected {
        return Err(ProofError::WrongProofLength { expected, actual: path.len() });
    }
    let wrong_length = ProofError::WrongProofLength { expected, actual: path.len() };
    // When the old tree is a perfect subtree the proof omits its root, which
    // the verifier has; the RFC prepends it.
    let (seed, rest) = if old_size.is_power_of_two() { (old_root, path) } else { path.split_first().ok_or(wrong_length)? };
    let mut fn_ = old_size - 1;
    let mut sn = new_size - 1;
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut fr = *seed;
    let mut sr = *seed;
    for c in rest {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(wrong_length);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// Hashes in `PATH(index, D[size])`: one per level below the point where the
/// index's path leaves the right edge (`inner`), plus one per left sibling
/// above it (`border`). Requires `index < size`.
fn inclusion_path_len(index: u64, size: u64) -> usize {
    let (inner, border) = inner_and_border(index, size);
    (inner + border) as usize
}

/// Hashes in `PROOF(old_size, D[new_size])` for `0 < old_size < new_size`.
fn consistency_path_len(old_size: u64, new_size: u64) -> usize {
    let (inner, border) = inner_and_border(old_size - 1, new_size);
    // Levels below the old tree's lowest perfect subtree are not needed:
    // that subtree's root is sent (or known) whole.
    let shift = old_size.trailing_zeros();
    let seed = u32::from(!old_size.is_power_of_two());
    (seed + inner.saturating_sub(shift) + border) as usize
}

fn inner_and_border(index: u64, size: u64) -> (u32, u32) {
    let inner = u64::BITS - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner, border)
}
