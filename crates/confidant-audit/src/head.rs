//! Tree heads and their Ed25519 signatures: the canonical bytes that are
//! signed, the log's signing and verifying keys, and the JSON forms.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::hash::{Hash, hex_bytes};

/// Domain-separation prefix of the signed bytes. It names the format and its
/// version so a tree-head signature can never be replayed as a signature on
/// anything else made with the same key, and `\0` ends the label.
pub const TREE_HEAD_DOMAIN: &[u8; 23] = b"confidant-tree-head-v1\0";

/// Length of [`TreeHead::signing_bytes`]: prefix, size, root, timestamp.
pub const TREE_HEAD_SIGNING_LEN: usize = 23 + 8 + 32 + 8;

/// The state of the log at one moment: how many entries, their root, when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeHead {
    /// Number of leaves.
    pub size: u64,
    /// Root of the tree of those leaves (hex in JSON).
    #[serde(with = "hex_bytes")]
    pub root: Hash,
    /// Milliseconds since the Unix epoch when the head was made.
    pub timestamp_ms: u64,
}

impl TreeHead {
    /// The exact bytes that are signed, 71 of them:
    ///
    /// ```text
    /// b"confidant-tree-head-v1\0"   23 bytes, TREE_HEAD_DOMAIN
    /// size                          8 bytes, big-endian u64
    /// root                          32 bytes
    /// timestamp_ms                  8 bytes, big-endian u64
    /// ```
    ///
    /// Fixed widths leave no ambiguity about where a field ends, so no two
    /// different heads share an encoding.
    #[must_use]
    pub fn signing_bytes(&self) -> [u8; TREE_HEAD_SIGNING_LEN] {
        let size = self.size.to_be_bytes();
        let timestamp = self.timestamp_ms.to_be_bytes();
        let fields = TREE_HEAD_DOMAIN.iter().chain(&size).chain(&self.root).chain(&timestamp);
        let mut out = [0u8; TREE_HEAD_SIGNING_LEN];
        for (slot, byte) in out.iter_mut().zip(fields) {
            *slot = *byte;
        }
        out
    }
}

/// A tree head with the log key's Ed25519 signature over
/// [`TreeHead::signing_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedTreeHead {
    /// What was signed.
    pub head: TreeHead,
    /// Ed25519 signature (hex in JSON).
    #[serde(with = "hex_bytes")]
    pub signature: [u8; 64],
}

impl SignedTreeHead {
    /// Checks the signature under `key`. Uses strict verification, which
    /// also refuses non-canonical signatures and weak keys.
    pub fn verify(&self, key: &LogVerifyingKey) -> Result<(), SignatureError> {
        let signature = Signature::from_bytes(&self.signature);
        key.0.verify_strict(&self.head.signing_bytes(), &signature).map_err(|_| SignatureError)
    }
}

/// A tree-head signature that does not verify under the key given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("tree head signature does not verify under this log key")]
pub struct SignatureError;

/// A log key that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not 64 hex digits.
    #[error("a log key must be 64 hex digits")]
    BadHex,
    /// The bytes are not an Ed25519 public key.
    #[error("not a valid Ed25519 public key")]
    InvalidPublicKey,
    /// A small-order public key, under which forged signatures are easy.
    #[error("weak Ed25519 public key refused")]
    WeakPublicKey,
}

/// The log's private signing key. The secret is wiped from memory when the
/// key is dropped (ed25519-dalek's `zeroize`), and `Debug` shows only the
/// public half.
pub struct LogSigningKey(SigningKey);

impl LogSigningKey {
    /// The key derived from a 32-byte Ed25519 seed. The caller owns (and
    /// should wipe) its copy of the seed.
    #[must_use]
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// The key from a seed written as 64 hex digits (e.g. a key file); the
    /// decoded seed is wiped after use.
    pub fn from_seed_hex(text: &str) -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), seed.as_mut()).map_err(|_| KeyError::BadHex)?;
        Ok(Self::from_seed(&seed))
    }

    /// The public key that verifies this key's signatures.
    #[must_use]
    pub fn verifying_key(&self) -> LogVerifyingKey {
        LogVerifyingKey(self.0.verifying_key())
    }

    /// Ed25519 over raw bytes; only for formats that carry their own
    /// domain separation (a signed note's text cannot hold a `\0`, so it
    /// never equals [`TreeHead::signing_bytes`]).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    /// Signs a tree head.
    #[must_use]
    pub fn sign(&self, head: TreeHead) -> SignedTreeHead {
        let signature = self.0.sign(&head.signing_bytes());
        SignedTreeHead { head, signature: signature.to_bytes() }
    }
}

impl fmt::Debug for LogSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSigningKey").field("verifying_key", &self.verifying_key().to_hex()).finish_non_exhaustive()
    }
}

/// The log's public key, which anyone auditing the log holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LogVerifyingKey(VerifyingKey);

impl LogVerifyingKey {
    /// The key from its 32-byte compressed form; refuses bytes that are not
    /// a curve point and small-order (weak) keys.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::InvalidPublicKey)?;
        if key.is_weak() {
            return Err(KeyError::WeakPublicKey);
        }
        Ok(Self(key))
    }

    /// Strict Ed25519 verification of `signature` over raw bytes.
    pub(crate) fn verify_bytes(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), SignatureError> {
        self.0.verify_strict(message, &Signature::from_bytes(signature)).map_err(|_| SignatureError)
    }

    /// The 32-byte compressed form.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Lowercase hex, 64 digits.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }
}

impl fmt::Display for LogVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for LogVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogVerifyingKey({})", self.to_hex())
    }
}

impl FromStr for LogVerifyingKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = hex_bytes::decode::<32>(s.trim()).map_err(|_| KeyError::BadHex)?;
        Self::from_bytes(&bytes)
    }
}

impl Serialize for LogVerifyingKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        hex_bytes::serialize(&self.to_bytes(), serializer)
    }
}

impl<'de> Deserialize<'de> for LogVerifyingKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bytes = hex_bytes::deserialize::<D, 32>(deserializer)?;
        Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}
