//! Known-answer tests: the published RFC 6962 reference tree (roots and
//! proofs), and the optimised tree against a naive reference implementation
//! for every size up to 70, every index and every pair of sizes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing)]

mod common;

use common::{entry_hashes, hex32, leaf_hashes, read_json, ref_consistency, ref_leaf, ref_mth, ref_path};
use confidant_audit::{
    ConsistencyProof, InclusionProof, LeafHash, MerkleTree, TreeError, empty_root, verify_consistency, verify_inclusion,
};

fn reference_leaves() -> Vec<Vec<u8>> {
    read_json("rfc6962_reference.json")["leaves"].as_array().unwrap().iter().map(|v| hex::decode(v.as_str().unwrap()).unwrap()).collect()
}

fn reference_roots() -> Vec<[u8; 32]> {
    read_json("rfc6962_reference.json")["roots"].as_array().unwrap().iter().map(|v| hex32(v.as_str().unwrap())).collect()
}

fn reference_tree() -> MerkleTree {
    reference_leaves().iter().map(|l| LeafHash::of(l)).collect()
}

fn hashes(value: &serde_json::Value) -> Vec<[u8; 32]> {
    value.as_array().unwrap().iter().map(|v| hex32(v.as_str().unwrap())).collect()
}

#[test]
fn empty_tree_root_is_sha256_of_the_empty_string() {
    let expected = hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(empty_root(), expected);
    assert_eq!(MerkleTree::new().root(), expected);
    assert_eq!(MerkleTree::new().root_at(0), Ok(expected));
}

#[test]
fn leaf_hash_is_sha256_of_zero_byte_and_entry() {
    // The 1-leaf root of the reference tree is the leaf hash of "".
    assert_eq!(LeafHash::of(b"").to_hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    assert_eq!(*LeafHash::of(b"\x00").as_bytes(), ref_leaf(b"\x00"));
}

#[test]
fn published_roots_for_sizes_0_to_8() {
    let roots = reference_roots();
    assert_eq!(roots.len(), 9);
    // Spot-check the file against the values quoted in the brief.
    assert_eq!(hex::encode(roots[8]), "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    let tree = reference_tree();
    for (size, expected) in roots.iter().enumerate() {
        assert_eq!(tree.root_at(size as u64).unwrap(), *expected, "size {size}");
    }
    assert_eq!(tree.root(), roots[8]);
}

#[test]
fn reference_implementation_reproduces_published_roots() {
    // Guards the naive implementation the other tests compare against.
    let leaves: Vec<_> = reference_leaves().iter().map(|l| ref_leaf(l)).collect();
    for (size, expected) in reference_roots().iter().enumerate() {
        assert_eq!(ref_mth(&leaves[..size]), *expected, "size {size}");
    }
}

#[test]
fn published_inclusion_proofs_are_generated_and_verify() {
    let data = read_json("rfc6962_reference.json");
    let leaves = reference_leaves();
    let roots = reference_roots();
    let tree = reference_tree();
    let cases = data["inclusion"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let index = case["leaf_index"].as_u64().unwrap();
        let size = case["tree_size"].as_u64().unwrap();
        let path = hashes(&case["path"]);
        let proof = tree.inclusion_proof(index, size).unwrap();
        assert_eq!(proof.path, path, "PATH({index}, D[{size}])");
        let leaf = LeafHash::of(&leaves[index as usize]);
        verify_inclusion(&leaf, index, size, &path, &roots[size as usize]).unwrap();
    }
}

#[test]
fn published_consistency_proofs_are_generated_and_verify() {
    let data = read_json("rfc6962_reference.json");
    let roots = reference_roots();
    let tree = reference_tree();
    let cases = data["consistency"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let old = case["old_size"].as_u64().unwrap();
        let new = case["new_size"].as_u64().unwrap();
        let path = hashes(&case["path"]);
        let proof = tree.consistency_proof(old, new).unwrap();
        assert_eq!(proof.path, path, "PROOF({old}, D[{new}])");
        verify_consistency(old, new, &path, &roots[old as usize], &roots[new as usize]).unwrap();
    }
}

#[test]
fn roots_match_reference_for_every_size_to_70() {
    let leaves = entry_hashes(70);
    let tree = MerkleTree::from_leaf_hashes(leaf_hashes(70));
    let mut grown = MerkleTree::new();
    for size in 0..=70usize {
        let expected = ref_mth(&leaves[..size]);
        assert_eq!(tree.root_at(size as u64).unwrap(), expected, "root_at({size})");
        assert_eq!(grown.root(), expected, "root after {size} appends");
        if size < 70 {
            assert_eq!(grown.append(LeafHash::from_bytes(leaves[size])), size as u64);
        }
    }
}

#[test]
fn inclusion_proofs_match_reference_for_every_size_and_index_to_70() {
    let leaves = entry_hashes(70);
    let tree = MerkleTree::from_leaf_hashes(leaf_hashes(70));
    for size in 1..=70usize {
        let root = ref_mth(&leaves[..size]);
        for index in 0..size {
            let proof = tree.inclusion_proof(index as u64, size as u64).unwrap();
            assert_eq!(proof.path, ref_path(index, &leaves[..size]), "PATH({index}, D[{size}])");
            proof
                .verify(&LeafHash::from_bytes(leaves[index]), &root)
                .unwrap_or_else(|e| panic!("PATH({index}, D[{size}]) does not verify: {e}"));
        }
    }
}

#[test]
fn consistency_proofs_match_reference_for_every_pair_of_sizes_to_70() {
    let leaves = entry_hashes(70);
    let tree = MerkleTree::from_leaf_hashes(leaf_hashes(70));
    let roots: Vec<_> = (0..=70).map(|n| ref_mth(&leaves[..n])).collect();
    for new in 0..=70usize {
        for old in 0..=new {
            let proof = tree.consistency_proof(old as u64, new as u64).unwrap();
            assert_eq!(proof.path, ref_consistency(old, &leaves[..new]), "PROOF({old}, D[{new}])");
            proof.verify(&roots[old], &roots[new]).unwrap_or_else(|e| panic!("PROOF({old}, D[{new}]) does not verify: {e}"));
        }
    }
}

#[test]
fn leaves_are_kept_in_order() {
    let leaves = leaf_hashes(5);
    let tree = MerkleTree::from_leaf_hashes(leaves.clone());
    assert_eq!(tree.size(), 5);
    assert!(!tree.is_empty());
    for (i, leaf) in leaves.iter().enumerate() {
        assert_eq!(tree.leaf(i as u64), Some(*leaf));
    }
    assert_eq!(tree.leaf(5), None);
}

#[test]
fn tree_refuses_sizes_and_indices_it_does_not_hold() {
    let tree = MerkleTree::from_leaf_hashes(leaf_hashes(10));
    assert_eq!(tree.root_at(11), Err(TreeError::SizeBeyondTree { size: 11, tree_size: 10 }));
    assert_eq!(tree.inclusion_proof(3, 11), Err(TreeError::SizeBeyondTree { size: 11, tree_size: 10 }));
    assert_eq!(tree.inclusion_proof(10, 10), Err(TreeError::IndexOutOfRange { index: 10, size: 10 }));
    assert_eq!(tree.inclusion_proof(0, 0), Err(TreeError::IndexOutOfRange { index: 0, size: 0 }));
    assert_eq!(tree.consistency_proof(6, 4), Err(TreeError::OldSizeExceedsNewSize { old_size: 6, new_size: 4 }));
    assert_eq!(tree.consistency_proof(4, 12), Err(TreeError::SizeBeyondTree { size: 12, tree_size: 10 }));
}

#[test]
fn proofs_round_trip_through_json_with_hex_hashes() {
    let tree = reference_tree();
    let inclusion = tree.inclusion_proof(5, 8).unwrap();
    let json = serde_json::to_value(&inclusion).unwrap();
    assert_eq!(json["path"][0], "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
    assert_eq!(json["leaf_index"], 5);
    assert_eq!(json["tree_size"], 8);
    let back: InclusionProof = serde_json::from_value(json).unwrap();
    assert_eq!(back, inclusion);

    let consistency = tree.consistency_proof(6, 8).unwrap();
    let text = serde_json::to_string(&consistency).unwrap();
    let back: ConsistencyProof = serde_json::from_str(&text).unwrap();
    assert_eq!(back, consistency);

    // Malformed hashes and unknown fields are refused, not guessed at.
    let short = r#"{"old_size":1,"new_size":2,"path":["abcd"]}"#;
    assert!(serde_json::from_str::<ConsistencyProof>(short).is_err());
    let extra = r#"{"old_size":1,"new_size":2,"path":[],"note":"x"}"#;
    assert!(serde_json::from_str::<ConsistencyProof>(extra).is_err());

    let leaf: LeafHash = serde_json::from_str("\"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d\"").unwrap();
    assert_eq!(leaf, LeafHash::of(b""));
    assert_eq!(leaf.to_string().parse::<LeafHash>(), Ok(leaf));
}
