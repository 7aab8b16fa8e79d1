//! Signed tree heads: the signed byte layout, sign/verify, rejection of any
//! tampered field or signature and of other keys, keys from seeds, JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::indexing_slicing)]

use confidant_audit::{KeyError, LogSigningKey, LogVerifyingKey, SignatureError, SignedTreeHead, TREE_HEAD_DOMAIN, TreeHead};

fn head() -> TreeHead {
    TreeHead { size: 1_000_003, root: [0xab; 32], timestamp_ms: 1_767_225_600_000 }
}

fn key() -> LogSigningKey {
    LogSigningKey::from_seed(&[0x42; 32])
}

#[test]
fn signing_bytes_are_prefix_then_big_endian_size_root_timestamp() {
    let bytes = head().signing_bytes();
    assert_eq!(bytes.len(), 71);
    assert_eq!(&bytes[..23], b"confidant-tree-head-v1\0");
    assert_eq!(&bytes[..23], TREE_HEAD_DOMAIN);
    assert_eq!(&bytes[23..31], &1_000_003u64.to_be_bytes());
    assert_eq!(&bytes[31..63], &[0xab; 32]);
    assert_eq!(&bytes[63..71], &1_767_225_600_000u64.to_be_bytes());
}

#[test]
fn key_from_rfc8032_seed_has_the_published_public_key() {
    // RFC 8032 §7.1, test 1.
    let key = LogSigningKey::from_seed_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
    assert_eq!(key.verifying_key().to_hex(), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
}

#[test]
fn sign_then_verify_round_trips() {
    let key = key();
    let signed = key.sign(head());
    assert_eq!(signed.head, head());
    assert_eq!(signed.verify(&key.verifying_key()), Ok(()));
    // Ed25519 is deterministic: the same head signs the same way.
    assert_eq!(key.sign(head()), signed);
}

#[test]
fn tampered_size_is_rejected() {
    let key = key();
    let mut signed = key.sign(head());
    signed.head.size += 1;
    assert_eq!(signed.verify(&key.verifying_key()), Err(SignatureError));
}

#[test]
fn tampered_root_is_rejected() {
    let key = key();
    for byte in 0..32 {
        let mut signed = key.sign(head());
        signed.head.root[byte] ^= 0x01;
        assert_eq!(signed.verify(&key.verifying_key()), Err(SignatureError), "root byte {byte}");
    }
}

#[test]
fn tampered_timestamp_is_rejected() {
    let key = key();
    let mut signed = key.sign(head());
    signed.head.timestamp_ms -= 1;
    assert_eq!(signed.verify(&key.verifying_key()), Err(SignatureError));
}

#[test]
fn tampered_signature_is_rejected() {
    let key = key();
    for byte in 0..64 {
        let mut signed = key.sign(head());
        signed.signature[byte] ^= 0x80;
        assert_eq!(signed.verify(&key.verifying_key()), Err(SignatureError), "signature byte {byte}");
    }
    let mut zeroed = key.sign(head());
    zeroed.signature = [0; 64];
    assert_eq!(zeroed.verify(&key.verifying_key()), Err(SignatureError));
}

#[test]
fn signature_from_another_key_is_rejected() {
    let signed = key().sign(head());
    let other = LogSigningKey::from_seed(&[0x43; 32]).verifying_key();
    assert_eq!(signed.verify(&other), Err(SignatureError));
}

#[test]
fn signature_over_another_head_is_rejected() {
    // A valid signature moved onto a different head.
    let key = key();
    let a = key.sign(head());
    let mut b = key.sign(TreeHead { size: 7, ..head() });
    b.signature = a.signature;
    assert_eq!(b.verify(&key.verifying_key()), Err(SignatureError));
}

#[test]
fn signed_tree_head_json_uses_hex_and_round_trips() {
    let signed = key().sign(head());
    let json = serde_json::to_value(&signed).unwrap();
    assert_eq!(json["head"]["size"], 1_000_003);
    assert_eq!(json["head"]["timestamp_ms"], 1_767_225_600_000u64);
    assert_eq!(json["head"]["root"], "ab".repeat(32));
    assert_eq!(json["signature"], hex::encode(signed.signature));
    let back: SignedTreeHead = serde_json::from_value(json).unwrap();
    assert_eq!(back, signed);
    assert_eq!(back.verify(&key().verifying_key()), Ok(()));
}

#[test]
fn malformed_json_is_refused() {
    let signed = serde_json::to_value(key().sign(head())).unwrap();
    let mut short_sig = signed.clone();
    short_sig["signature"] = "00".repeat(63).into();
    assert!(serde_json::from_value::<SignedTreeHead>(short_sig).is_err());
    let mut bad_root = signed.clone();
    bad_root["head"]["root"] = "zz".repeat(32).into();
    assert!(serde_json::from_value::<SignedTreeHead>(bad_root).is_err());
    let mut extra = signed;
    extra["head"]["note"] = "x".into();
    assert!(serde_json::from_value::<SignedTreeHead>(extra).is_err());
}

#[test]
fn verifying_key_round_trips_through_hex_and_json() {
    let public = key().verifying_key();
    let text = public.to_string();
    assert_eq!(text.len(), 64);
    assert_eq!(text.parse::<LogVerifyingKey>(), Ok(public));
    assert_eq!(LogVerifyingKey::from_bytes(&public.to_bytes()), Ok(public));
    let json = serde_json::to_string(&public).unwrap();
    assert_eq!(serde_json::from_str::<LogVerifyingKey>(&json).unwrap(), public);
}

#[test]
fn bad_keys_are_refused() {
    assert_eq!("abc".parse::<LogVerifyingKey>(), Err(KeyError::BadHex));
    // The identity point has small order: anyone could forge under it.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert_eq!(LogVerifyingKey::from_bytes(&identity), Err(KeyError::WeakPublicKey));
    assert_eq!(LogSigningKey::from_seed_hex("00").err(), Some(KeyError::BadHex));
    assert_eq!(LogSigningKey::from_seed_hex(&"g".repeat(64)).err(), Some(KeyError::BadHex));
}

#[test]
fn signing_key_debug_does_not_show_the_seed() {
    let seed = [0x42u8; 32];
    let shown = format!("{:?}", LogSigningKey::from_seed(&seed));
    assert!(!shown.contains(&hex::encode(seed)));
    assert!(!shown.contains("66, 66"));
    assert!(shown.contains(&key().verifying_key().to_hex()));
}
