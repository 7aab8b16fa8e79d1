//! Shared test helpers: a deliberately naive reference implementation of
//! RFC 6962 §2.1 (the textbook recursions, hashing with `sha2` directly and
//! sharing no code with the crate), test leaves, and test-data loading.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing)]

use std::path::PathBuf;

use confidant_audit::{LeafHash, ProofError};
use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`.
pub fn ref_leaf(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn ref_node(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Largest power of two strictly less than `n`, found by counting up.
fn ref_split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]) over leaf hashes, exactly as written in RFC 6962 §2.1.
pub fn ref_mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = ref_split(n);
            ref_node(&ref_mth(&leaves[..k]), &ref_mth(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]) from RFC 6962 §2.1.1.
pub fn ref_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = ref_split(n);
    if m < k {
        let mut p = ref_path(m, &leaves[..k]);
        p.push(ref_mth(&leaves[k..]));
        p
    } else {
        let mut p = ref_path(m - k, &leaves[k..]);
        p.push(ref_mth(&leaves[..k]));
        p
    }
}

/// PROOF(m, D[n]) = SUBPROOF(m, D[n], true) from RFC 6962 §2.1.2.
pub fn ref_consistency(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    if m == 0 || m == leaves.len() {
        return Vec::new();
    }
    ref_subproof(m, leaves, true)
}

fn ref_subproof(m: usize, leaves: &[Hash], b: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if b { Vec::new() } else { vec![ref_mth(leaves)] };
    }
    let k = ref_split(n);
    if m <= k {
        let mut p = ref_subproof(m, &leaves[..k], b);
        p.push(ref_mth(&leaves[k..]));
        p
    } else {
        let mut p = ref_subproof(m - k, &leaves[k..], false);
        p.push(ref_mth(&leaves[..k]));
        p
    }
}

/// Distinct, deterministic entries for trees of any size.
pub fn entry(i: usize) -> Vec<u8> {
    format!("confidant test entry {i}").into_bytes()
}

pub fn entry_hashes(n: usize) -> Vec<Hash> {
    (0..n).map(|i| ref_leaf(&entry(i))).collect()
}

pub fn leaf_hashes(n: usize) -> Vec<LeafHash> {
    entry_hashes(n).into_iter().map(LeafHash::from_bytes).collect()
}

pub fn hex32(text: &str) -> Hash {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).expect("64 hex digits");
    out
}

pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("data").join(name)
}

pub fn read_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(data_path(name)).expect("test data file");
    serde_json::from_str(&text).expect("valid JSON")
}

/// The variant name, as written in the JSON test data.
pub fn error_name(result: Result<(), ProofError>) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(ProofError::IndexOutOfRange { .. }) => "IndexOutOfRange",
        Err(ProofError::OldSizeExceedsNewSize { .. }) => "OldSizeExceedsNewSize",
        Err(ProofError::WrongProofLength { .. }) => "WrongProofLength",
        Err(ProofError::RootMismatch) => "RootMismatch",
        Err(ProofError::OldRootMismatch) => "OldRootMismatch",
        Err(ProofError::NewRootMismatch) => "NewRootMismatch",
    }
}

/// `hash` with one bit inverted.
pub fn flip_bit(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

/// Where each proof hash sits relative to the running hash, leaf level
/// first: `true` = sibling on the right. Two sizes whose proofs have the
/// same shape for a leaf are indistinguishable to a verifier holding only
/// the proof and the root; that is why sizes must come from a signed head.
pub fn ref_inclusion_shape(m: usize, n: usize) -> Vec<bool> {
    if n <= 1 {
        return Vec::new();
    }
    let k = ref_split(n);
    let mut shape = if m < k { ref_inclusion_shape(m, k) } else { ref_inclusion_shape(m - k, n - k) };
    shape.push(m < k);
    shape
}

/// The SUBPROOF recursion's decisions for `PROOF(m, D[n])`, bottom first:
/// whether the seed is the old root itself, then which side each hash is on.
pub fn ref_consistency_shape(m: usize, n: usize) -> (bool, Vec<bool>) {
    fn walk(m: usize, n: usize, b: bool) -> (bool, Vec<bool>) {
        if m == n {
            return (b, Vec::new());
        }
        let k = ref_split(n);
        let (seed, mut sides) = if m <= k { walk(m, k, b) } else { walk(m - k, n - k, false) };
        sides.push(m <= k);
        (seed, sides)
    }
    walk(m, n, true)
}
