//! Property tests: for random trees up to 300 leaves, every generated
//! inclusion and consistency proof verifies, and flipping any single bit of
//! any proof hash makes it fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing)]

mod common;

use common::{flip_bit, leaf_hashes};
use confidant_audit::{MerkleTree, ProofError, verify_consistency, verify_inclusion};
use proptest::prelude::*;
use proptest::sample::Index;

const MAX: u64 = 300;

fn tree(size: u64) -> MerkleTree {
    MerkleTree::from_leaf_hashes(leaf_hashes(size as usize))
}

proptest! {
    #[test]
    fn inclusion_proofs_verify_and_any_bit_flip_fails(
        size in 1..=MAX,
        index in any::<Index>(),
        hash_at in any::<Index>(),
        bit in 0usize..256,
    ) {
        let tree = tree(size);
        let index = index.index(size as usize) as u64;
        let root = tree.root();
        let leaf = tree.leaf(index).unwrap();
        let proof = tree.inclusion_proof(index, size).unwrap();
        prop_assert_eq!(proof.verify(&leaf, &root), Ok(()));

        if !proof.path.is_empty() {
            let at = hash_at.index(proof.path.len());
            let mut bad = proof.path.clone();
            bad[at] = flip_bit(&bad[at], bit);
            prop_assert_eq!(
                verify_inclusion(&leaf, index, size, &bad, &root),
                Err(ProofError::RootMismatch)
            );
        }
    }

    #[test]
    fn inclusion_proofs_for_a_smaller_tree_verify(
        size in 1..=MAX,
        smaller in any::<Index>(),
        index in any::<Index>(),
    ) {
        // Proofs against an earlier tree size, served by the grown tree.
        let tree = tree(size);
        let at_size = smaller.index(size as usize) as u64 + 1;
        let index = index.index(at_size as usize) as u64;
        let proof = tree.inclusion_proof(index, at_size).unwrap();
        let root = tree.root_at(at_size).unwrap();
        prop_assert_eq!(proof.verify(&tree.leaf(index).unwrap(), &root), Ok(()));
    }

    #[test]
    fn consistency_proofs_verify_and_any_bit_flip_fails(
        new_size in 0..=MAX,
        old_size in any::<Index>(),
        hash_at in any::<Index>(),
        bit in 0usize..256,
    ) {
        let tree = tree(new_size);
        let old_size = old_size.index(new_size as usize + 1) as u64;
        let old_root = tree.root_at(old_size).unwrap();
        let new_root = tree.root();
        let proof = tree.consistency_proof(old_size, new_size).unwrap();
        prop_assert_eq!(proof.verify(&old_root, &new_root), Ok(()));

        if !proof.path.is_empty() {
            let at = hash_at.index(proof.path.len());
            let mut bad = proof.path.clone();
            bad[at] = flip_bit(&bad[at], bit);
            let result = verify_consistency(old_size, new_size, &bad, &old_root, &new_root);
            prop_assert!(
                matches!(result, Err(ProofError::OldRootMismatch | ProofError::NewRootMismatch)),
                "{:?}", result
            );
        }
    }
}

#[test]
fn every_bit_of_every_hash_matters_in_one_large_proof_of_each_kind() {
    let tree = tree(MAX);
    let root = tree.root();
    let leaf = tree.leaf(123).unwrap();
    let proof = tree.inclusion_proof(123, MAX).unwrap();
    for at in 0..proof.path.len() {
        for bit in 0..256 {
            let mut bad = proof.path.clone();
            bad[at] = flip_bit(&bad[at], bit);
            assert!(verify_inclusion(&leaf, 123, MAX, &bad, &root).is_err());
        }
    }
    let old_root = tree.root_at(123).unwrap();
    let proof = tree.consistency_proof(123, MAX).unwrap();
    for at in 0..proof.path.len() {
        for bit in 0..256 {
            let mut bad = proof.path.clone();
            bad[at] = flip_bit(&bad[at], bit);
            assert!(verify_consistency(123, MAX, &bad, &old_root, &root).is_err());
        }
    }
}
