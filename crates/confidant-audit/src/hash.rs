//! The hashes of the log: RFC 6962 §2.1 leaf and node hashing over SHA-256,
//! the `LeafHash` newtype, and the hex forms used in JSON.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A SHA-256 output: a tree root, an interior node or a proof element.
pub type Hash = [u8; 32];

/// Prefix of a leaf hash input (RFC 6962 §2.1). Distinct prefixes for leaves
/// and nodes stop a node from being passed off as a leaf (second preimage).
const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an interior node hash input (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

/// The hash of one log entry: `SHA-256(0x00 || entry bytes)`.
///
/// A newtype so that an entry's hash cannot be confused with a root or with
/// a plain SHA-256 of the entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LeafHash(Hash);

impl LeafHash {
    /// Hashes one entry's bytes as an RFC 6962 leaf.
    #[must_use]
    pub fn of(entry: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update([LEAF_PREFIX]);
        hasher.update(entry);
        Self(hasher.finalize().into())
    }

    /// Wraps a leaf hash read back from storage (no hashing).
    #[must_use]
    pub const fn from_bytes(bytes: Hash) -> Self {
        Self(bytes)
    }

    /// The 32 bytes of the hash.
    #[must_use]
    pub const fn as_bytes(&self) -> &Hash {
        &self.0
    }

    /// Lowercase hex, 64 digits.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for LeafHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for LeafHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LeafHash({})", self.to_hex())
    }
}

impl FromStr for LeafHash {
    type Err = hex::FromHexError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s, &mut bytes)?;
        Ok(Self(bytes))
    }
}

impl Serialize for LeafHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        hex_bytes::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for LeafHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        hex_bytes::deserialize(deserializer).map(Self)
    }
}

/// `SHA-256(0x01 || left || right)`: an interior node of the tree.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: `SHA-256("")` (RFC 6962 §2.1).
#[must_use]
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Serde helpers writing fixed-size byte arrays as lowercase hex strings, so
/// hashes and signatures read the same in JSON as in logs and docs.
pub(crate) mod hex_bytes {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer, const N: usize>(bytes: &[u8; N], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(deserializer: D) -> Result<[u8; N], D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        decode(&text).map_err(D::Error::custom)
    }

    pub(crate) fn decode<const N: usize>(text: &str) -> Result<[u8; N], String> {
        let mut bytes = [0u8; N];
        hex::decode_to_slice(text, &mut bytes).map_err(|e| format!("expected {} hex digits: {e}", N * 2))?;
        Ok(bytes)
    }

    /// A list of hashes as a JSON array of hex strings (proof paths).
    pub(crate) mod list {
        use serde::de::Error as _;
        use serde::ser::SerializeSeq as _;
        use serde::{Deserialize, Deserializer, Serializer};

        pub(crate) fn serialize<S: Serializer>(hashes: &[[u8; 32]], serializer: S) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(hashes.len()))?;
            for hash in hashes {
                seq.serialize_element(&hex::encode(hash))?;
            }
            seq.end()
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<[u8; 32]>, D::Error> {
            let texts = Vec::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
            texts.iter().map(|text| super::decode(text).map_err(D::Error::custom)).collect()
        }
    }
}

/// The 32-byte commitment to a stored event that the published log holds
/// as its entry: `SHA-256(stored bytes)`. The stored bytes carry sealed,
/// randomly-nonced ciphertext, so the commitment reveals nothing about the
/// event; whoever holds the event can recompute it.
#[must_use]
pub fn entry_commitment(stored: &[u8]) -> Hash {
    Sha256::digest(stored).into()
}

/// [`entry_commitment`] of bytes handed over in pieces, so a caller can
/// hash a stored row column by column without first copying it into one
/// buffer: the result is the commitment to the pieces' concatenation.
#[derive(Clone, Default)]
pub struct CommitmentHasher(Sha256);

impl CommitmentHasher {
    /// A hasher with nothing written yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes the next piece of the stored bytes.
    pub fn update(&mut self, piece: &[u8]) {
        self.0.update(piece);
    }

    /// The commitment to everything written.
    #[must_use]
    pub fn finish(self) -> Hash {
        self.0.finalize().into()
    }
}

impl fmt::Debug for CommitmentHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CommitmentHasher")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commitment_hashed_in_pieces_equals_the_commitment_of_the_whole() {
        let whole: Vec<u8> = (0..300u16).map(|i| (i % 251) as u8).collect();
        let mut hasher = CommitmentHasher::new();
        for piece in whole.chunks(7) {
            hasher.update(piece);
        }
        assert_eq!(hasher.finish(), entry_commitment(&whole));
    }
}
