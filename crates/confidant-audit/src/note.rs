//! The log's published checkpoint: a C2SP `tlog-checkpoint` body (origin,
//! tree size, base64 root hash) signed as a C2SP `signed-note` with Ed25519,
//! and the verifier key in its `name+hash+base64` form, so tools nobody here
//! wrote (Go's `golang.org/x/mod/sumdb/note`, Sunlight and Tessera clients)
//! can check it.
//!
//! ```text
//! confidant.audit/6a1f0c52d3e4b7a9        origin (also the key name)
//! 1024                                    tree size, decimal
//! Wq3c…=                                  root hash, standard base64
//!                                         blank line
//! — confidant.audit/6a1f0c52d3e4b7a9 AbCd…  key hash (4 bytes) || signature
//! ```
//!
//! The key hash is the first four bytes of
//! `SHA-256(name || 0x0A || 0x01 || public key)`, 0x01 naming Ed25519.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use crate::hash::Hash;
use crate::head::{LogSigningKey, LogVerifyingKey};

/// The signature-type byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;

/// What starts every signature line: an em dash and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Something wrong with a note, a checkpoint or a verifier key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key name that is empty or holds a space or a `+`.
    #[error("a key name must be non-empty, with no space or `+`")]
    BadName,
    /// Note text that is empty, has a control character, or does not end
    /// in a newline.
    #[error("a note text must be non-empty lines of printable UTF-8, each ending in a newline")]
    BadText,
    /// No blank line before a signature block, or an empty block.
    #[error("the note has no signature lines after a blank line")]
    Unsigned,
    /// A signature line that is not `— name base64`.
    #[error("a signature line is not `— <name> <base64>`")]
    BadSignatureLine,
    /// No signature by the key asked for.
    #[error("the note carries no signature by `{0}` with this key")]
    NoSignature(String),
    /// A signature by the key asked for that does not verify.
    #[error("the signature by `{0}` does not verify: the note was altered or signed by another key")]
    BadSignature(String),
    /// A body that is not origin, size and root lines.
    #[error("a checkpoint is an origin line, a decimal tree size and a base64 root hash")]
    BadCheckpoint,
    /// A checkpoint of another log.
    #[error("the checkpoint is for origin `{found}`, not `{expected}`")]
    WrongOrigin {
        /// The origin asked for.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
    /// A verifier key that is not `name+hash+base64` of an Ed25519 key.
    #[error("a verifier key is `<name>+<8 hex digits>+<base64 of 0x01 and an Ed25519 public key>`")]
    BadVerifierKey,
}

/// The origin (and key name) of the log signed by `key`:
/// `confidant.audit/` and the first 8 bytes of SHA-256 of the public key in
/// hex. Derived, so it needs no configuration and changes only with the key
/// (which a vault never does).
#[must_use]
pub fn log_origin(key: &LogVerifyingKey) -> String {
    let digest = Sha256::digest(key.to_bytes());
    format!("confidant.audit/{}", hex::encode(digest.get(..8).unwrap_or_default()))
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(NoteError::BadName);
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() || !text.ends_with('\n') || text.contains("\n\n") || text.starts_with('\n') {
        return Err(NoteError::BadText);
    }
    if text.chars().any(|c| c != '\n' && c.is_control()) {
        return Err(NoteError::BadText);
    }
    Ok(())
}

/// A named Ed25519 note key: what a verifier needs.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key: LogVerifyingKey,
}

impl VerifierKey {
    /// The key under `name` (refused when the name is not a valid key name).
    pub fn new(name: &str, key: LogVerifyingKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Self { name: name.to_string(), key })
    }

    /// The log's own verifier key: named after [`log_origin`].
    #[must_use]
    pub fn for_log(key: LogVerifyingKey) -> Self {
        Self { name: log_origin(&key), key }
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Ed25519 public key.
    #[must_use]
    pub fn key(&self) -> &LogVerifyingKey {
        &self.key
    }

    /// `SHA-256(name || 0x0A || 0x01 || public key)`, first 4 bytes.
    #[must_use]
    pub fn key_hash(&self) -> [u8; 4] {
        let mut hasher = Sha256::new();
        hasher.update(self.name.as_bytes());
        hasher.update(b"\n");
        hasher.update([ED25519]);
        hasher.update(self.key.to_bytes());
        let digest = hasher.finalize();
        let mut out = [0u8; 4];
        out.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
        out
    }

    /// Checks `note` and returns its text (the part that was signed) when
    /// it carries a valid signature by this key. Signatures by other keys
    /// are ignored, as the spec says.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let split = note.rfind("\n\n").ok_or(NoteError::Unsigned)?;
        let (text, signatures) = (note.get(..=split).unwrap_or_default(), note.get(split + 2..).unwrap_or_default());
        check_text(text)?;
        if signatures.is_empty() || !signatures.ends_with('\n') {
            return Err(NoteError::Unsigned);
        }
        let wanted = self.key_hash();
        let mut found = false;
        for line in signatures.split_terminator('\n') {
            let rest = line.strip_prefix(SIGNATURE_PREFIX).ok_or(NoteError::BadSignatureLine)?;
            let (name, encoded) = rest.split_once(' ').ok_or(NoteError::BadSignatureLine)?;
            check_name(name).map_err(|_| NoteError::BadSignatureLine)?;
            let bytes = BASE64.decode(encoded).map_err(|_| NoteError::BadSignatureLine)?;
            if bytes.len() < 5 {
                return Err(NoteError::BadSignatureLine);
            }
            if name != self.name || bytes.get(..4) != Some(&wanted[..]) {
                continue;
            }
            let signature: [u8; 64] = bytes.get(4..).and_then(|s| s.try_into().ok()).ok_or_else(|| NoteError::BadSignature(name.into()))?;
            self.key.verify_bytes(text.as_bytes(), &signature).map_err(|_| NoteError::BadSignature(name.into()))?;
            found = true;
        }
        if found { Ok(text) } else { Err(NoteError::NoSignature(self.name.clone())) }
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut key = Vec::with_capacity(33);
        key.push(ED25519);
        key.extend_from_slice(&self.key.to_bytes());
        write!(f, "{}+{}+{}", self.name, hex::encode(self.key_hash()), BASE64.encode(key))
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl FromStr for VerifierKey {
    type Err = NoteError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().split('+');
        let (Some(name), Some(hash), Some(encoded), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadVerifierKey);
        };
        let bytes = BASE64.decode(encoded).map_err(|_| NoteError::BadVerifierKey)?;
        let (Some(&ED25519), Some(public)) = (bytes.first(), bytes.get(1..).and_then(|b| <[u8; 32]>::try_from(b).ok())) else {
            return Err(NoteError::BadVerifierKey);
        };
        let key = LogVerifyingKey::from_bytes(&public).map_err(|_| NoteError::BadVerifierKey)?;
        let verifier = Self::new(name, key).map_err(|_| NoteError::BadVerifierKey)?;
        if hash.len() != 8 || hex::encode(verifier.key_hash()) != hash {
            return Err(NoteError::BadVerifierKey);
        }
        Ok(verifier)
    }
}

/// A C2SP `tlog-checkpoint` body, without extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's unique name.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// RFC 6962 root of those entries.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64(root)\n`.
    #[must_use]
    pub fn text(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root))
    }

    /// Parses a checkpoint body (extension lines after the root are
    /// allowed and ignored). The size must be canonical decimal.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        check_text(text).map_err(|_| NoteError::BadCheckpoint)?;
        let mut lines = text.split_terminator('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(NoteError::BadCheckpoint);
        };
        let canonical = !size.is_empty() && size.bytes().all(|b| b.is_ascii_digit()) && (size == "0" || !size.starts_with('0'));
        let size: u64 = if canonical { size.parse().map_err(|_| NoteError::BadCheckpoint)? } else { return Err(NoteError::BadCheckpoint) };
        let root: Hash = BASE64.decode(root).ok().and_then(|b| b.try_into().ok()).ok_or(NoteError::BadCheckpoint)?;
        if origin.is_empty() {
            return Err(NoteError::BadCheckpoint);
        }
        Ok(Self { origin: origin.to_string(), size, root })
    }

    /// The signature a checkpoint note carries for this body, made with
    /// `key` (an Ed25519 signature over [`Checkpoint::text`]).
    #[must_use]
    pub fn sign(&self, key: &LogSigningKey) -> [u8; 64] {
        key.sign_bytes(self.text().as_bytes())
    }

    /// The whole signed note, from a signature made by [`Checkpoint::sign`]
    /// with the key behind `verifier`.
    #[must_use]
    pub fn to_note(&self, verifier: &VerifierKey, signature: &[u8; 64]) -> String {
        let mut sig = Vec::with_capacity(68);
        sig.extend_from_slice(&verifier.key_hash());
        sig.extend_from_slice(signature);
        format!("{}\n{SIGNATURE_PREFIX}{} {}\n", self.text(), verifier.name(), BASE64.encode(sig))
    }

    /// Opens a signed checkpoint note: checks the signature by `verifier`
    /// and that the origin is the verifier's name (the log's convention).
    pub fn open(note: &str, verifier: &VerifierKey) -> Result<Self, NoteError> {
        let checkpoint = Self::parse(verifier.open(note)?)?;
        if checkpoint.origin != verifier.name() {
            return Err(NoteError::WrongOrigin { expected: verifier.name().to_string(), found: checkpoint.origin });
        }
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn key() -> LogSigningKey {
        LogSigningKey::from_seed(&[3; 32])
    }

    #[test]
    fn a_signed_checkpoint_opens_and_round_trips_its_verifier_key() {
        let verifier = VerifierKey::for_log(key().verifying_key());
        let checkpoint = Checkpoint { origin: verifier.name().into(), size: 1234, root: [7; 32] };
        let note = checkpoint.to_note(&verifier, &checkpoint.sign(&key()));
        assert!(note.starts_with(&format!("{}\n1234\n", verifier.name())));
        assert!(note.contains("\n\n\u{2014} confidant.audit/"));
        assert_eq!(Checkpoint::open(&note, &verifier).unwrap(), checkpoint);
        let text = verifier.to_string();
        assert_eq!(text.parse::<VerifierKey>().unwrap(), verifier);
        assert!(text.starts_with("confidant.audit/"));
    }

    #[test]
    fn an_altered_or_foreign_checkpoint_is_refused() {
        let verifier = VerifierKey::for_log(key().verifying_key());
        let checkpoint = Checkpoint { origin: verifier.name().into(), size: 9, root: [1; 32] };
        let note = checkpoint.to_note(&verifier, &checkpoint.sign(&key()));
        let altered = note.replacen("\n9\n", "\n8\n", 1);
        assert_eq!(Checkpoint::open(&altered, &verifier), Err(NoteError::BadSignature(verifier.name().into())));
        // Signed by another key under the same name: the key hash differs.
        let other = LogSigningKey::from_seed(&[4; 32]);
        let forged = checkpoint.to_note(&VerifierKey::new(verifier.name(), other.verifying_key()).unwrap(), &checkpoint.sign(&other));
        assert_eq!(Checkpoint::open(&forged, &verifier), Err(NoteError::NoSignature(verifier.name().into())));
        assert_eq!(Checkpoint::open(&checkpoint.text(), &verifier), Err(NoteError::Unsigned));
    }

    #[test]
    fn key_hash_follows_the_signed_note_spec() {
        let verifier = VerifierKey::new("example.com/log", key().verifying_key()).unwrap();
        let mut input = b"example.com/log\n\x01".to_vec();
        input.extend_from_slice(&key().verifying_key().to_bytes());
        assert_eq!(verifier.key_hash()[..], Sha256::digest(&input)[..4]);
        assert!(VerifierKey::new("a b", key().verifying_key()).is_err());
        assert!(VerifierKey::new("a+b", key().verifying_key()).is_err());
        assert!("example.com/log+00000000+AQ==".parse::<VerifierKey>().is_err());
    }

    #[test]
    fn checkpoint_sizes_must_be_canonical() {
        let root = BASE64.encode([0u8; 32]);
        assert!(Checkpoint::parse(&format!("o\n12\n{root}\n")).is_ok());
        assert!(Checkpoint::parse(&format!("o\n012\n{root}\n")).is_err());
        assert!(Checkpoint::parse(&format!("o\n+12\n{root}\n")).is_err());
        assert!(Checkpoint::parse(&format!("o\n12\n{root}")).is_err());
        assert!(Checkpoint::parse("o\n12\nAAAA\n").is_err());
        assert_eq!(Checkpoint::parse(&format!("o\n1\n{root}\next\n")).unwrap().size, 1);
    }
}
