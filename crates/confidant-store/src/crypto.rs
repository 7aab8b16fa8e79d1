//! Envelope encryption for the vault: every record (and every client's and
//! staff member's identifying fields) is sealed under its own random 256-bit
//! data key, with the row it belongs to bound as associated data; data keys
//! are stored only wrapped by a key-encryption key (KEK) that lives outside
//! the database.
//!
//! Why these crates: RustCrypto's `chacha20poly1305` is the audited, pure-Rust
//! AEAD of the RustCrypto project; XChaCha20-Poly1305's 192-bit nonces are
//! safe to draw at random, so no nonce counter has to be kept in the
//! database. `rand`'s thread generator is a CSPRNG seeded from the operating
//! system. `zeroize` wipes key bytes when they are dropped.
//!
//! Sealed format: one format byte (`1`), the 24-byte nonce, then the
//! ciphertext with its 16-byte tag.

use std::fmt;

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, AeadInOut, KeyInit, Payload};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of every key: data keys and key-encryption keys.
pub(crate) const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const FORMAT: u8 = 1;

/// What a KEK seals to prove, without touching data, that it is the right key.
const VERIFIER_TEXT: &[u8] = b"confidant key-encryption key check";

/// Why sealing or opening failed. Deliberately says nothing about the plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The tag did not verify: the ciphertext was altered, it belongs to another
    /// row or field, or the key is not the one it was sealed with.
    #[error("decryption failed: the data was altered, belongs to another row, or the key is wrong")]
    Decrypt,
    /// The sealed value is too short or has an unknown format byte.
    #[error("sealed value is malformed")]
    Malformed,
    /// The cipher refused to encrypt (input beyond the AEAD's limits).
    #[error("encryption failed")]
    Encrypt,
}

/// A random key for one record, or for one client's or staff member's fields.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; KEY_LEN]);

impl DataKey {
    /// A fresh random key.
    pub(crate) fn generate() -> DataKey {
        let mut bytes = [0u8; KEY_LEN];
        rand::fill(&mut bytes);
        DataKey(bytes)
    }

    /// Encrypts `plaintext`, binding `aad` (which names the row and field).
    pub(crate) fn seal(&self, aad: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal(&self.0, aad.as_bytes(), plaintext)
    }

    /// Decrypts a value sealed with [`DataKey::seal`] under the same `aad`.
    pub(crate) fn open(&self, aad: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open(&self.0, aad.as_bytes(), sealed)
    }

    /// [`DataKey::open`] into `out` (cleared first), with no allocation
    /// once `out` has room: for opening many small values one after the
    /// other. The caller wipes `out` when done with it.
    pub(crate) fn open_into(&self, aad: &[u8], sealed: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        open_into(&self.0, aad, sealed, out)
    }

    /// Decrypts a value that was sealed from UTF-8 text.
    pub(crate) fn open_text(&self, aad: &str, sealed: &[u8]) -> Result<String, CryptoError> {
        // Decrypted straight into the string's own buffer: the text is the
        // caller's to keep, so a wiped intermediate copy protected nothing.
        // Bytes that are not UTF-8 are wiped before the error returns.
        let mut bytes = Vec::new();
        open_into(&self.0, aad.as_bytes(), sealed, &mut bytes)?;
        String::from_utf8(bytes).map_err(|e| {
            e.into_bytes().zeroize();
            CryptoError::Malformed
        })
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// A key-encryption key and its id (the id is stored with every data key it wraps).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Kek {
    #[zeroize(skip)]
    id: String,
    key: [u8; KEY_LEN],
}

impl Kek {
    /// A fresh random KEK with this id.
    pub fn generate(id: impl Into<String>) -> Kek {
        let mut key = [0u8; KEY_LEN];
        rand::fill(&mut key);
        Kek { id: id.into(), key }
    }

    /// A KEK from its bytes (read from the key file or the environment).
    pub fn from_bytes(id: impl Into<String>, key: &[u8; 32]) -> Kek {
        Kek { id: id.into(), key: *key }
    }

    /// The key's id (`kek-1`, …), stored beside every data key it wraps.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The raw key, for writing the key file only.
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// The same key under another id.
    pub fn with_id(&self, id: &str) -> Kek {
        Kek { id: id.to_string(), key: self.key }
    }

    /// Wraps a data key; the data key's id and this KEK's id are bound as associated data.
    pub(crate) fn wrap(&self, data_key_id: &str, key: &DataKey) -> Result<Vec<u8>, CryptoError> {
        seal(&self.key, wrap_aad(data_key_id, &self.id).as_bytes(), &key.0)
    }

    /// Unwraps a data key this key wrapped under the same data-key and KEK ids.
    pub fn unwrap_key(&self, data_key_id: &str, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let bytes = open(&self.key, wrap_aad(data_key_id, &self.id).as_bytes(), wrapped)?;
        let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| CryptoError::Malformed)?;
        Ok(DataKey(key))
    }

    /// A value stored beside the KEK's id that only this key opens.
    pub(crate) fn verifier(&self) -> Result<Vec<u8>, CryptoError> {
        seal(&self.key, verifier_aad(&self.id).as_bytes(), VERIFIER_TEXT)
    }

    /// Whether this is the key that made `verifier`.
    pub(crate) fn verifies(&self, verifier: &[u8]) -> bool {
        open(&self.key, verifier_aad(&self.id).as_bytes(), verifier).is_ok_and(|t| t.as_slice() == VERIFIER_TEXT)
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kek").field("id", &self.id).field("key", &"<redacted>").finish()
    }
}

fn wrap_aad(data_key_id: &str, kek_id: &str) -> String {
    joined(&["confidant/v1/data_key/", data_key_id, "/kek/", kek_id])
}

fn verifier_aad(kek_id: &str) -> String {
    format!("confidant/v1/kek_verifier/{kek_id}")
}

/// The associated data for one field of one row: `confidant/v1/<table>/<field>/<row id>`.
pub(crate) fn field_aad(table: &str, field: &str, row_id: &str) -> String {
    joined(&["confidant/v1/", table, "/", field, "/", row_id])
}

/// `parts` one after the other, in one allocation: built for every record
/// opened, where `format!`'s machinery cost more than the copy.
fn joined(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

fn cipher(key: &[u8; KEY_LEN]) -> Result<XChaCha20Poly1305, CryptoError> {
    XChaCha20Poly1305::new_from_slice(key).map_err(|_| CryptoError::Malformed)
}

fn seal(key: &[u8; KEY_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce);
    let ciphertext = cipher(key)?.encrypt(&nonce.into(), Payload { msg: plaintext, aad }).map_err(|_| CryptoError::Encrypt)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(FORMAT);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// A sealed value's nonce, ciphertext and tag.
type Parts<'a> = ([u8; NONCE_LEN], &'a [u8], [u8; TAG_LEN]);

/// A sealed value's nonce, ciphertext and tag, its format byte checked.
fn parts(sealed: &[u8]) -> Result<Parts<'_>, CryptoError> {
    let (format, rest) = sealed.split_first().ok_or(CryptoError::Malformed)?;
    if *format != FORMAT || rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Malformed);
    }
    let (nonce, rest) = rest.split_at(NONCE_LEN);
    let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
    let nonce = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
    let tag = tag.try_into().map_err(|_| CryptoError::Malformed)?;
    Ok((nonce, ciphertext, tag))
}

fn open(key: &[u8; KEY_LEN], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut out = Zeroizing::new(Vec::new());
    open_into(key, aad, sealed, &mut out)?;
    Ok(out)
}

/// Opens `sealed` into `out` (cleared first; wiped when the tag fails):
/// the one decryption every `open` goes through.
fn open_into(key: &[u8; KEY_LEN], aad: &[u8], sealed: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
    out.clear();
    let (nonce, ciphertext, tag) = parts(sealed)?;
    out.extend_from_slice(ciphertext);
    cipher(key)?.decrypt_inout_detached(&nonce.into(), aad, out.as_mut_slice().into(), &tag.into()).map_err(|_| {
        out.zeroize();
        CryptoError::Decrypt
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn seals_and_opens_a_field() {
        let key = DataKey::generate();
        let aad = field_aad("records", "content", "r-1");
        let sealed = key.seal(&aad, b"client reports better sleep").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"client"));
        assert_eq!(key.open_text(&aad, &sealed).unwrap(), "client reports better sleep");
    }

    #[test]
    fn associated_data_keeps_its_stored_format() {
        // Every sealed value on disk was bound to these exact strings.
        assert_eq!(field_aad("records", "content", "r-1"), "confidant/v1/records/content/r-1");
        assert_eq!(wrap_aad("dk-9", "kek-2"), "confidant/v1/data_key/dk-9/kek/kek-2");
        assert_eq!(verifier_aad("kek-2"), "confidant/v1/kek_verifier/kek-2");
    }

    #[test]
    fn text_that_is_not_utf8_is_malformed_not_a_panic() {
        let key = DataKey::generate();
        let sealed = key.seal("aad", &[0xff, 0xfe, 0x41]).unwrap();
        assert_eq!(key.open_text("aad", &sealed).unwrap_err(), CryptoError::Malformed);
    }

    #[test]
    fn a_flipped_byte_anywhere_fails_to_open() {
        let key = DataKey::generate();
        let sealed = key.seal("aad", b"secret").unwrap();
        for i in 1..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assert_eq!(key.open("aad", &tampered).unwrap_err(), CryptoError::Decrypt, "byte {i}");
        }
        let mut format = sealed.clone();
        format[0] = 9;
        assert_eq!(key.open("aad", &format).unwrap_err(), CryptoError::Malformed);
        assert_eq!(key.open("aad", &sealed[..20]).unwrap_err(), CryptoError::Malformed);
    }

    #[test]
    fn opening_into_a_buffer_reads_and_refuses_as_open_does() {
        let key = DataKey::generate();
        let aad = field_aad("accounting_entries", "details", "acc-1");
        let sealed = key.seal(&aad, b"County Health").unwrap();
        let mut out = b"left over from before".to_vec();
        key.open_into(aad.as_bytes(), &sealed, &mut out).unwrap();
        assert_eq!(out, b"County Health");
        for i in 1..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assert_eq!(key.open_into(aad.as_bytes(), &tampered, &mut out).unwrap_err(), CryptoError::Decrypt, "byte {i}");
        }
        assert_eq!(key.open_into(b"another row", &sealed, &mut out).unwrap_err(), CryptoError::Decrypt);
        assert_eq!(key.open_into(aad.as_bytes(), &sealed[..20], &mut out).unwrap_err(), CryptoError::Malformed);
    }

    #[test]
    fn the_wrong_key_fails_to_open() {
        let sealed = DataKey::generate().seal("aad", b"secret").unwrap();
        assert_eq!(DataKey::generate().open("aad", &sealed).unwrap_err(), CryptoError::Decrypt);
    }

    #[test]
    fn the_wrong_row_fails_to_open() {
        let key = DataKey::generate();
        let sealed = key.seal(&field_aad("records", "content", "r-1"), b"secret").unwrap();
        assert_eq!(key.open(&field_aad("records", "content", "r-2"), &sealed).unwrap_err(), CryptoError::Decrypt);
        assert_eq!(key.open(&field_aad("clients", "notes", "r-1"), &sealed).unwrap_err(), CryptoError::Decrypt);
    }

    #[test]
    fn data_keys_wrap_and_unwrap_only_under_their_ids_and_kek() {
        let kek = Kek::generate("kek-1");
        let dek = DataKey::generate();
        let wrapped = kek.wrap("dk-1", &dek).unwrap();
        let back = kek.unwrap_key("dk-1", &wrapped).unwrap();
        let sealed = dek.seal("a", b"x").unwrap();
        assert_eq!(back.open("a", &sealed).unwrap().as_slice(), b"x");
        assert!(kek.unwrap_key("dk-2", &wrapped).is_err());
        assert!(Kek::generate("kek-1").unwrap_key("dk-1", &wrapped).is_err());
        assert!(kek.with_id("kek-2").unwrap_key("dk-1", &wrapped).is_err());
    }

    #[test]
    fn a_verifier_recognizes_only_its_key() {
        let kek = Kek::generate("kek-1");
        let v = kek.verifier().unwrap();
        assert!(kek.verifies(&v));
        assert!(!Kek::generate("kek-1").verifies(&v));
    }

    #[test]
    fn debug_output_redacts_keys() {
        let kek = Kek::from_bytes("kek-1", &[0xAB; KEY_LEN]);
        let shown = format!("{kek:?} {:?}", DataKey::generate());
        assert!(shown.contains("kek-1") && shown.contains("<redacted>"), "{shown}");
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab, "), "{shown}");
    }
}
