//! Corrupted proofs are rejected, and with the error that names what is
//! wrong: the fixed vectors in `tests/data/proof_rejections.json`, then the
//! same classes generated exhaustively for small trees.
//!
//! Regenerate the data file (from the reference implementation, not the
//! crate's generator) with
//! `cargo test -p confidant-audit --test proof_rejection -- --ignored`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing)]

mod common;

use common::{
    Hash, entry, entry_hashes, error_name, flip_bit, hex32, read_json, ref_consistency, ref_consistency_shape, ref_inclusion_shape,
    ref_leaf, ref_mth, ref_path,
};
use confidant_audit::{LeafHash, MerkleTree, ProofError, empty_root, verify_consistency, verify_inclusion};
use serde_json::{Value, json};

const DATA_FILE: &str = "proof_rejections.json";

fn hexes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(hex::encode).collect()
}

fn parse_hashes(value: &Value) -> Vec<Hash> {
    value.as_array().unwrap().iter().map(|v| hex32(v.as_str().unwrap())).collect()
}

/// Builds the data file's cases from the reference implementation. Each
/// expected outcome is written down here by hand, not taken from the crate.
fn build_vectors() -> Value {
    let leaves = entry_hashes(11);
    let root = |n: usize| ref_mth(&leaves[..n]);
    let path5 = ref_path(5, &leaves);
    let path10 = ref_path(10, &leaves);

    let incl = |name: &str, leaf: Hash, index: u64, size: u64, path: &[Hash], root: Hash, expect: &str| {
        json!({
            "name": name,
            "leaf_hash": hex::encode(leaf),
            "leaf_index": index,
            "tree_size": size,
            "path": hexes(path),
            "root": hex::encode(root),
            "expect": expect,
        })
    };
    let mut reversed5 = path5.clone();
    reversed5.reverse();
    let mut flipped_first = path5.clone();
    flipped_first[0] = flip_bit(&flipped_first[0], 0);
    let mut flipped_last = path5.clone();
    let last = flipped_last.len() - 1;
    flipped_last[last] = flip_bit(&flipped_last[last], 255);
    let with_extra = [path5.clone(), vec![root(11)]].concat();
    let with_extra_first = [vec![leaves[0]], path5.clone()].concat();

    let inclusion = vec![
        incl("valid: leaf 5 of 11", leaves[5], 5, 11, &path5, root(11), "ok"),
        incl("valid: last leaf 10 of 11", leaves[10], 10, 11, &path10, root(11), "ok"),
        incl("valid: only leaf of a 1-leaf tree", leaves[0], 0, 1, &[], root(1), "ok"),
        incl("wrong tree size 7 (changes the path's shape)", leaves[5], 5, 7, &path5, root(11), "WrongProofLength"),
        incl("wrong tree size 8", leaves[5], 5, 8, &path5, root(11), "WrongProofLength"),
        incl("wrong tree size 12 for the last leaf 10", leaves[10], 10, 12, &path10, root(11), "WrongProofLength"),
        incl(
            "not caught by the proof alone: size 12 gives leaf 5 the same path shape as 11, so the size must come from a signed tree head",
            leaves[5],
            5,
            12,
            &path5,
            root(11),
            "ok",
        ),
        incl("tree size not above the index", leaves[5], 5, 5, &path5, root(11), "IndexOutOfRange"),
        incl("tree size 0", leaves[0], 0, 0, &[], empty_root(), "IndexOutOfRange"),
        incl("index past the end of the tree", leaves[5], 11, 11, &path5, root(11), "IndexOutOfRange"),
        incl("wrong index 4", leaves[5], 4, 11, &path5, root(11), "RootMismatch"),
        incl("wrong index 6", leaves[5], 6, 11, &path5, root(11), "RootMismatch"),
        incl("missing last hash", leaves[5], 5, 11, &path5[..3], root(11), "WrongProofLength"),
        incl("missing first hash", leaves[5], 5, 11, &path5[1..], root(11), "WrongProofLength"),
        incl("empty path", leaves[5], 5, 11, &[], root(11), "WrongProofLength"),
        incl("extra hash appended", leaves[5], 5, 11, &with_extra, root(11), "WrongProofLength"),
        incl("extra hash prepended", leaves[5], 5, 11, &with_extra_first, root(11), "WrongProofLength"),
        incl("1-leaf tree with a non-empty path", leaves[0], 0, 1, &[leaves[1]], root(1), "WrongProofLength"),
        incl("bit 0 flipped in the first hash", leaves[5], 5, 11, &flipped_first, root(11), "RootMismatch"),
        incl("bit 255 flipped in the last hash", leaves[5], 5, 11, &flipped_last, root(11), "RootMismatch"),
        incl("bit flipped in the leaf hash", flip_bit(&leaves[5], 9), 5, 11, &path5, root(11), "RootMismatch"),
        incl("hashes in reverse order", leaves[5], 5, 11, &reversed5, root(11), "RootMismatch"),
        incl("proof for leaf 4 presented for leaf 5", leaves[5], 5, 11, &ref_path(4, &leaves), root(11), "RootMismatch"),
        incl("proof for leaf 6 presented for leaf 5", leaves[5], 5, 11, &ref_path(6, &leaves), root(11), "RootMismatch"),
        incl("leaf 6's hash with leaf 5's proof", leaves[6], 5, 11, &path5, root(11), "RootMismatch"),
        incl("root of the tree of 10", leaves[5], 5, 11, &path5, root(10), "RootMismatch"),
        incl("empty-tree root", leaves[5], 5, 11, &path5, empty_root(), "RootMismatch"),
    ];

    let cons = |name: &str, old: u64, new: u64, path: &[Hash], old_root: Hash, new_root: Hash, expect: &str| {
        json!({
            "name": name,
            "old_size": old,
            "new_size": new,
            "path": hexes(path),
            "old_root": hex::encode(old_root),
            "new_root": hex::encode(new_root),
            "expect": expect,
        })
    };
    let p6 = ref_consistency(6, &leaves);
    assert_eq!(p6.len(), 4);
    let flip_at = |i: usize| {
        let mut p = p6.clone();
        p[i] = flip_bit(&p[i], 100);
        p
    };
    let mut rewritten = leaves.clone();
    rewritten[2] = ref_leaf(b"a rewritten entry");
    let consistency = vec![
        cons("valid: 6 to 11", 6, 11, &p6, root(6), root(11), "ok"),
        cons("valid: 4 to 11 (old size a power of two)", 4, 11, &ref_consistency(4, &leaves), root(4), root(11), "ok"),
        cons("valid: 1 to 11", 1, 11, &ref_consistency(1, &leaves), root(1), root(11), "ok"),
        cons("valid: 10 to 11", 10, 11, &ref_consistency(10, &leaves), root(10), root(11), "ok"),
        cons("valid: 0 to 11 (empty proof, empty-tree root)", 0, 11, &[], empty_root(), root(11), "ok"),
        cons("valid: 11 to 11 (equal sizes, empty proof)", 11, 11, &[], root(11), root(11), "ok"),
        cons("old size 0 with a non-empty proof", 0, 11, &p6, empty_root(), root(11), "WrongProofLength"),
        cons("old size 0 with a root other than the empty-tree root", 0, 11, &[], root(6), root(11), "OldRootMismatch"),
        cons("equal sizes with a non-empty proof", 11, 11, &p6, root(11), root(11), "WrongProofLength"),
        cons("equal sizes with different roots", 11, 11, &[], root(11), root(10), "NewRootMismatch"),
        cons("old size larger than new size", 11, 6, &p6, root(11), root(6), "OldSizeExceedsNewSize"),
        cons("wrong old size 5", 5, 11, &p6, root(6), root(11), "WrongProofLength"),
        cons("wrong old size 7", 7, 11, &p6, root(6), root(11), "WrongProofLength"),
        cons("wrong new size 8", 6, 8, &p6, root(6), root(11), "WrongProofLength"),
        cons("missing last hash", 6, 11, &p6[..3], root(6), root(11), "WrongProofLength"),
        cons("missing first hash", 6, 11, &p6[1..], root(6), root(11), "WrongProofLength"),
        cons("empty proof", 6, 11, &[], root(6), root(11), "WrongProofLength"),
        cons("extra hash appended", 6, 11, &[p6.clone(), vec![root(11)]].concat(), root(6), root(11), "WrongProofLength"),
        cons("bit flipped in hash 0 (the old tree's lowest subtree)", 6, 11, &flip_at(0), root(6), root(11), "OldRootMismatch"),
        cons("bit flipped in hash 1 (new leaves only)", 6, 11, &flip_at(1), root(6), root(11), "NewRootMismatch"),
        cons("bit flipped in hash 2 (shared left subtree)", 6, 11, &flip_at(2), root(6), root(11), "OldRootMismatch"),
        cons("bit flipped in hash 3 (new leaves only)", 6, 11, &flip_at(3), root(6), root(11), "NewRootMismatch"),
        cons("wrong old root", 6, 11, &p6, root(5), root(11), "OldRootMismatch"),
        cons("wrong new root", 6, 11, &p6, root(6), root(10), "NewRootMismatch"),
        cons("roots swapped", 6, 11, &p6, root(11), root(6), "OldRootMismatch"),
        cons(
            "wrong old root where the old size is a power of two (it seeds the new root)",
            4,
            11,
            &ref_consistency(4, &leaves),
            root(5),
            root(11),
            "NewRootMismatch",
        ),
        cons(
            "proof for 6 to 10 presented with the root of 11",
            6,
            11,
            &ref_consistency(6, &leaves[..10]),
            root(6),
            root(11),
            "NewRootMismatch",
        ),
        cons(
            "entry 2 rewritten: proof from the rewritten log against the old signed root",
            6,
            11,
            &ref_consistency(6, &rewritten),
            root(6),
            ref_mth(&rewritten),
            "OldRootMismatch",
        ),
    ];

    json!({
        "description": "Inclusion and consistency proofs over an 11-leaf RFC 6962 tree (leaf i = SHA-256(0x00 || \"confidant test entry i\")), valid and corrupted, with the expected outcome: \"ok\" or the ProofError variant. Generated from the naive reference implementation in tests/common; expectations written by hand.",
        "inclusion": inclusion,
        "consistency": consistency,
    })
}

#[test]
#[ignore = "writes tests/data/proof_rejections.json"]
fn regenerate_rejection_vectors() {
    let text = serde_json::to_string_pretty(&build_vectors()).unwrap() + "\n";
    std::fs::write(common::data_path(DATA_FILE), text).unwrap();
}

#[test]
fn data_file_is_what_the_reference_implementation_builds() {
    assert_eq!(read_json(DATA_FILE), build_vectors());
}

#[test]
fn inclusion_vectors_from_data_file() {
    let data = read_json(DATA_FILE);
    let cases = data["inclusion"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let leaf = LeafHash::from_bytes(hex32(case["leaf_hash"].as_str().unwrap()));
        let result = verify_inclusion(
            &leaf,
            case["leaf_index"].as_u64().unwrap(),
            case["tree_size"].as_u64().unwrap(),
            &parse_hashes(&case["path"]),
            &hex32(case["root"].as_str().unwrap()),
        );
        assert_eq!(error_name(result), case["expect"], "{name}: {result:?}");
    }
}

#[test]
fn consistency_vectors_from_data_file() {
    let data = read_json(DATA_FILE);
    let cases = data["consistency"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let result = verify_consistency(
            case["old_size"].as_u64().unwrap(),
            case["new_size"].as_u64().unwrap(),
            &parse_hashes(&case["path"]),
            &hex32(case["old_root"].as_str().unwrap()),
            &hex32(case["new_root"].as_str().unwrap()),
        );
        assert_eq!(error_name(result), case["expect"], "{name}: {result:?}");
    }
}

#[test]
fn the_data_file_entries_are_the_documented_leaves() {
    assert_eq!(entry_hashes(11)[3], ref_leaf(b"confidant test entry 3"));
    assert_eq!(entry(3), b"confidant test entry 3");
}

const N: usize = 40;

struct Fixture {
    leaves: Vec<Hash>,
    tree: MerkleTree,
    roots: Vec<Hash>,
}

fn fixture() -> Fixture {
    let leaves = entry_hashes(N + 8);
    let tree = MerkleTree::from_leaf_hashes(leaves.iter().copied().map(LeafHash::from_bytes));
    let roots = (0..=N + 8).map(|n| tree.root_at(n as u64).unwrap()).collect();
    Fixture { leaves, tree, roots }
}

#[test]
fn wrong_tree_size_is_rejected_unless_it_has_the_same_path_shape() {
    let f = fixture();
    let mut rejected = 0;
    for size in 1..=N {
        for index in 0..size {
            let proof = f.tree.inclusion_proof(index as u64, size as u64).unwrap();
            let leaf = LeafHash::from_bytes(f.leaves[index]);
            for other in 0..=N + 8 {
                if other == size {
                    continue;
                }
                let result = verify_inclusion(&leaf, index as u64, other as u64, &proof.path, &f.roots[size]);
                let same_shape = index < other && ref_inclusion_shape(index, other) == ref_inclusion_shape(index, size);
                assert_eq!(result.is_ok(), same_shape, "leaf {index}, size {size} claimed as {other}");
                if other <= index {
                    assert!(matches!(result, Err(ProofError::IndexOutOfRange { .. })));
                }
                rejected += usize::from(result.is_err());
            }
        }
    }
    assert!(rejected > 10_000);
}

#[test]
fn wrong_index_is_rejected() {
    let f = fixture();
    for size in 1..=N {
        for index in 0..size {
            let proof = f.tree.inclusion_proof(index as u64, size as u64).unwrap();
            let leaf = LeafHash::from_bytes(f.leaves[index]);
            for other in (0..size + 2).filter(|&o| o != index) {
                let result = verify_inclusion(&leaf, other as u64, size as u64, &proof.path, &f.roots[size]);
                assert!(result.is_err(), "leaf {index} of {size} claimed at {other}");
            }
        }
    }
}

#[test]
fn missing_or_extra_hash_in_an_inclusion_proof_is_rejected() {
    let f = fixture();
    for size in 1..=N {
        for index in 0..size {
            let path = f.tree.inclusion_proof(index as u64, size as u64).unwrap().path;
            let leaf = LeafHash::from_bytes(f.leaves[index]);
            let check = |path: &[Hash], what: &str| {
                let result = verify_inclusion(&leaf, index as u64, size as u64, path, &f.roots[size]);
                assert!(matches!(result, Err(ProofError::WrongProofLength { .. })), "{what}, leaf {index} of {size}: {result:?}");
            };
            for at in 0..path.len() {
                let mut shorter = path.clone();
                shorter.remove(at);
                check(&shorter, "hash removed");
            }
            for at in 0..=path.len() {
                let mut longer = path.clone();
                longer.insert(at, f.roots[size]);
                check(&longer, "hash inserted");
            }
        }
    }
}

#[test]
fn flipped_bit_in_inclusion_proof_leaf_or_root_is_rejected() {
    let f = fixture();
    for size in 1..=N {
        for index in 0..size {
            let path = f.tree.inclusion_proof(index as u64, size as u64).unwrap().path;
            let leaf = LeafHash::from_bytes(f.leaves[index]);
            for at in 0..path.len() {
                for bit in [0, 7, 8, 100, 255] {
                    let mut bad = path.clone();
                    bad[at] = flip_bit(&bad[at], bit);
                    let result = verify_inclusion(&leaf, index as u64, size as u64, &bad, &f.roots[size]);
                    assert_eq!(result, Err(ProofError::RootMismatch), "hash {at} bit {bit}");
                }
            }
            let bad_leaf = LeafHash::from_bytes(flip_bit(&f.leaves[index], 3));
            let result = verify_inclusion(&bad_leaf, index as u64, size as u64, &path, &f.roots[size]);
            assert_eq!(result, Err(ProofError::RootMismatch));
            let bad_root = flip_bit(&f.roots[size], 200);
            let result = verify_inclusion(&leaf, index as u64, size as u64, &path, &bad_root);
            assert_eq!(result, Err(ProofError::RootMismatch));
        }
    }
}

#[test]
fn proof_for_another_leaf_is_rejected() {
    let f = fixture();
    for size in 2..=N {
        for index in 0..size {
            let leaf = LeafHash::from_bytes(f.leaves[index]);
            for other in (0..size).filter(|&o| o != index) {
                let other_path = f.tree.inclusion_proof(other as u64, size as u64).unwrap().path;
                // Another leaf's proof, and another leaf presented with its own index.
                assert!(verify_inclusion(&leaf, index as u64, size as u64, &other_path, &f.roots[size]).is_err());
                assert!(verify_inclusion(&leaf, other as u64, size as u64, &other_path, &f.roots[size]).is_err());
            }
        }
    }
}

#[test]
fn wrong_sizes_in_a_consistency_proof_are_rejected_unless_the_shape_is_the_same() {
    let f = fixture();
    for new in 2..=N {
        for old in 1..new {
            let path = f.tree.consistency_proof(old as u64, new as u64).unwrap().path;
            let shape = ref_consistency_shape(old, new);
            for other_old in (1..new).filter(|&o| o != old) {
                let result = verify_consistency(other_old as u64, new as u64, &path, &f.roots[old], &f.roots[new]);
                let same = ref_consistency_shape(other_old, new) == shape;
                assert_eq!(result.is_ok(), same, "{old}->{new} claimed as {other_old}->{new}: {result:?}");
            }
            for other_new in (old + 1..=N + 8).filter(|&n| n != new) {
                let result = verify_consistency(old as u64, other_new as u64, &path, &f.roots[old], &f.roots[new]);
                let same = ref_consistency_shape(old, other_new) == shape;
                assert_eq!(result.is_ok(), same, "{old}->{new} claimed as {old}->{other_new}: {result:?}");
            }
            // The sizes reversed.
            let result = verify_consistency(new as u64, old as u64, &path, &f.roots[new], &f.roots[old]);
            assert_eq!(result, Err(ProofError::OldSizeExceedsNewSize { old_size: new as u64, new_size: old as u64 }));
        }
    }
}

#[test]
fn missing_extra_or_flipped_hash_in_a_consistency_proof_is_rejected() {
    let f = fixture();
    for new in 2..=N {
        for old in 1..new {
            let path = f.tree.consistency_proof(old as u64, new as u64).unwrap().path;
            let verify = |path: &[Hash]| verify_consistency(old as u64, new as u64, path, &f.roots[old], &f.roots[new]);
            assert_eq!(verify(&path), Ok(()));
            for at in 0..path.len() {
                let mut shorter = path.clone();
                shorter.remove(at);
                assert!(matches!(verify(&shorter), Err(ProofError::WrongProofLength { .. })));
                for bit in [0, 31, 255] {
                    let mut bad = path.clone();
                    bad[at] = flip_bit(&bad[at], bit);
                    assert!(
                        matches!(verify(&bad), Err(ProofError::OldRootMismatch | ProofError::NewRootMismatch)),
                        "{old}->{new} hash {at} bit {bit}"
                    );
                }
            }
            for at in 0..=path.len() {
                let mut longer = path.clone();
                longer.insert(at, f.roots[old]);
                assert!(matches!(verify(&longer), Err(ProofError::WrongProofLength { .. })));
            }
            let bad_old = flip_bit(&f.roots[old], 1);
            let bad_new = flip_bit(&f.roots[new], 1);
            assert!(verify_consistency(old as u64, new as u64, &path, &bad_old, &f.roots[new]).is_err());
            assert_eq!(verify_consistency(old as u64, new as u64, &path, &f.roots[old], &bad_new), Err(ProofError::NewRootMismatch));
        }
    }
}

#[test]
fn consistency_from_a_rewritten_history_is_rejected() {
    let f = fixture();
    for changed in 0..N {
        let mut rewritten = f.leaves[..N].to_vec();
        rewritten[changed] = ref_leaf(b"rewritten");
        let forged = MerkleTree::from_leaf_hashes(rewritten.iter().copied().map(LeafHash::from_bytes));
        for old in (changed + 1)..N {
            let proof = forged.consistency_proof(old as u64, N as u64).unwrap();
            // The old root was signed before the rewrite; the forged log
            // cannot prove it extends it.
            let result = proof.verify(&f.roots[old], &forged.root());
            assert!(result.is_err(), "entry {changed} rewritten, old size {old}");
        }
    }
}

#[test]
fn edge_sizes_of_consistency_proofs() {
    let f = fixture();
    let empty = empty_root();
    for new in 0..=N {
        // From the empty tree: nothing to prove, but the old root must be the empty root.
        assert_eq!(verify_consistency(0, new as u64, &[], &empty, &f.roots[new]), Ok(()));
        assert_eq!(verify_consistency(0, new as u64, &[], &f.roots[1], &f.roots[new]), Err(ProofError::OldRootMismatch));
        assert_eq!(
            verify_consistency(0, new as u64, &[f.roots[1]], &empty, &f.roots[new]),
            Err(ProofError::WrongProofLength { expected: 0, actual: 1 })
        );
        // Equal sizes: the roots must be equal and the proof empty.
        assert_eq!(verify_consistency(new as u64, new as u64, &[], &f.roots[new], &f.roots[new]), Ok(()));
        assert_eq!(verify_consistency(new as u64, new as u64, &[], &f.roots[new], &f.roots[new + 1]), Err(ProofError::NewRootMismatch));
        assert_eq!(
            verify_consistency(new as u64, new as u64, &[f.roots[new]], &f.roots[new], &f.roots[new]),
            Err(ProofError::WrongProofLength { expected: 0, actual: 1 })
        );
    }
}
