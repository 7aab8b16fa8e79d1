//! Whole-log audits: `verify_log` against signed tree heads and
//! `check_leaf_hashes` against stored hashes, each test naming the tampering
//! it detects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing)]

mod common;

use common::entry;
use confidant_audit::{
    LeafHash, LogError, LogSigningKey, MerkleTree, SignedTreeHead, TreeHead, VerifiedLog, check_leaf_hashes, empty_root, verify_log,
};

const ENTRIES: usize = 100;
/// Sizes at which the log signed a head, as an append-only log would.
const HEAD_SIZES: [u64; 5] = [1, 10, 37, 64, 100];

struct Log {
    entries: Vec<Vec<u8>>,
    heads: Vec<SignedTreeHead>,
    key: LogSigningKey,
}

fn honest_log() -> Log {
    let key = LogSigningKey::from_seed(&[9; 32]);
    let entries: Vec<_> = (0..ENTRIES).map(entry).collect();
    let mut tree = MerkleTree::new();
    let mut heads = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        tree.append(LeafHash::of(e));
        let size = i as u64 + 1;
        if HEAD_SIZES.contains(&size) {
            heads.push(key.sign(TreeHead { size, root: tree.root(), timestamp_ms: 1_000 * size }));
        }
    }
    Log { entries, heads, key }
}

impl Log {
    fn verify(&self) -> Result<VerifiedLog, LogError> {
        verify_log(self.entries.iter().map(|e| LeafHash::of(e)), &self.heads, &self.key.verifying_key())
    }
}

fn head_mismatch_size(result: Result<VerifiedLog, LogError>) -> u64 {
    match result {
        Err(LogError::HeadMismatch { size, .. }) => size,
        other => panic!("expected a head mismatch, got {other:?}"),
    }
}

#[test]
fn intact_log_verifies_against_all_heads() {
    let log = honest_log();
    let tree: MerkleTree = log.entries.iter().map(|e| LeafHash::of(e)).collect();
    assert_eq!(log.verify(), Ok(VerifiedLog { size: ENTRIES as u64, root: tree.root(), heads_checked: HEAD_SIZES.len() }));
}

#[test]
fn log_grown_past_its_last_head_still_verifies() {
    let mut log = honest_log();
    log.entries.push(b"appended after the last head".to_vec());
    assert_eq!(log.verify().unwrap().size, ENTRIES as u64 + 1);
}

#[test]
fn empty_log_with_a_size_zero_head_verifies() {
    let key = LogSigningKey::from_seed(&[1; 32]);
    let head = key.sign(TreeHead { size: 0, root: empty_root(), timestamp_ms: 5 });
    let result = verify_log(std::iter::empty(), &[head], &key.verifying_key()).unwrap();
    assert_eq!((result.size, result.root), (0, empty_root()));
}

#[test]
fn changed_leaf_byte_is_detected_at_the_first_head_covering_it() {
    let mut log = honest_log();
    log.entries[20][3] ^= 0x01;
    // Heads at 1 and 10 still match; the one at 37 is the first to cover entry 20.
    assert_eq!(head_mismatch_size(log.verify()), 37);
}

#[test]
fn changed_leaf_byte_is_named_by_comparing_stored_hashes() {
    let log = honest_log();
    let stored: Vec<_> = log.entries.iter().map(|e| LeafHash::of(e)).collect();
    let mut entries = log.entries.clone();
    entries[42][0] ^= 0x40;
    let err = check_leaf_hashes(stored.iter().copied(), entries.iter().map(|e| LeafHash::of(e))).unwrap_err();
    assert_eq!(err, LogError::LeafMismatch { index: 42, stored: stored[42], recomputed: LeafHash::of(&entries[42]) });
    assert!(err.to_string().starts_with("entry 42:"));
}

#[test]
fn stored_hashes_that_match_their_entries_pass() {
    let log = honest_log();
    let hashes = || log.entries.iter().map(|e| LeafHash::of(e));
    assert_eq!(check_leaf_hashes(hashes(), hashes()), Ok(ENTRIES as u64));
}

#[test]
fn stored_hashes_and_entries_of_different_counts_are_named() {
    let log = honest_log();
    let hashes = || log.entries.iter().map(|e| LeafHash::of(e));
    assert_eq!(check_leaf_hashes(hashes(), hashes().take(98)), Err(LogError::LeafCountMismatch { stored: 100, recomputed: 98 }));
    assert_eq!(check_leaf_hashes(hashes().take(97), hashes()), Err(LogError::LeafCountMismatch { stored: 97, recomputed: 100 }));
}

#[test]
fn deleted_leaf_is_detected() {
    let mut log = honest_log();
    log.entries.remove(5);
    // Head at 1 matches; the head at 10 now sees entry 6 where 5 was.
    assert_eq!(head_mismatch_size(log.verify()), 10);
}

#[test]
fn deleted_last_leaf_is_detected_as_truncation() {
    let mut log = honest_log();
    log.entries.pop();
    assert_eq!(log.verify(), Err(LogError::HeadBeyondLog { position: 4, head_size: 100, log_size: 99 }));
}

#[test]
fn two_swapped_leaves_are_detected() {
    let mut log = honest_log();
    log.entries.swap(40, 41);
    assert_eq!(head_mismatch_size(log.verify()), 64);
}

#[test]
fn two_swapped_leaves_across_heads_are_detected_at_the_earlier_head() {
    let mut log = honest_log();
    log.entries.swap(3, 90);
    assert_eq!(head_mismatch_size(log.verify()), 10);
}

#[test]
fn inserted_leaf_is_detected() {
    let mut log = honest_log();
    log.entries.insert(50, b"backdated entry".to_vec());
    assert_eq!(head_mismatch_size(log.verify()), 64);
}

#[test]
fn truncated_tail_is_detected() {
    let mut log = honest_log();
    log.entries.truncate(50);
    assert_eq!(log.verify(), Err(LogError::HeadBeyondLog { position: 3, head_size: 64, log_size: 50 }));
}

#[test]
fn replaced_tree_head_with_the_old_signature_is_detected() {
    // Someone rewrote history and put the new root into the old head.
    let mut log = honest_log();
    log.entries[30] = b"rewritten".to_vec();
    let forged: MerkleTree = log.entries.iter().take(37).map(|e| LeafHash::of(e)).collect();
    log.heads[2].head.root = forged.root();
    assert_eq!(log.verify(), Err(LogError::BadSignature { position: 2, size: 37 }));
}

#[test]
fn replaced_tree_head_signed_by_another_key_is_detected() {
    let mut log = honest_log();
    let impostor = LogSigningKey::from_seed(&[10; 32]);
    log.heads[3] = impostor.sign(log.heads[3].head);
    assert_eq!(log.verify(), Err(LogError::BadSignature { position: 3, size: 64 }));
}

#[test]
fn replaced_tree_head_resigned_with_the_log_key_is_detected() {
    // Even a holder of the log key cannot make a head over a root the
    // entries do not produce.
    let mut log = honest_log();
    let mut head = log.heads[1].head;
    head.root = log.heads[0].head.root;
    log.heads[1] = log.key.sign(head);
    match log.verify() {
        Err(LogError::HeadMismatch { position, size, head_root, log_root }) => {
            assert_eq!((position, size), (1, 10));
            assert_eq!(head_root, log.heads[0].head.root);
            assert_ne!(log_root, head_root);
        }
        other => panic!("expected a head mismatch, got {other:?}"),
    }
}

#[test]
fn heads_in_any_order_report_the_earliest_size_that_disagrees() {
    let mut log = honest_log();
    log.entries[15][0] ^= 1;
    log.heads.reverse();
    match log.verify() {
        Err(LogError::HeadMismatch { position, size, .. }) => {
            assert_eq!(size, 37);
            assert_eq!(log.heads[position].head.size, 37);
        }
        other => panic!("expected a head mismatch, got {other:?}"),
    }
}

#[test]
fn head_mismatch_message_names_size_and_both_roots() {
    let mut log = honest_log();
    log.entries[0][0] ^= 1;
    let err = log.verify().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("size 1"), "{text}");
    assert!(text.contains(&hex::encode(log.heads[0].head.root)), "{text}");
}
