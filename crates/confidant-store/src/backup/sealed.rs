//! The backup file's envelope: a passphrase-derived key (Argon2id) and the
//! plaintext cut into chunks, each sealed with XChaCha20-Poly1305.
//!
//! Layout: the 8-byte magic `CNFDBAK1`, a 4-byte big-endian length, the
//! header (JSON: format, KDF parameters and salt, nonce prefix), then chunks,
//! each a 4-byte big-endian length and its ciphertext. Chunk `i`'s nonce is
//! the header's 19-byte prefix, `i` as 4 big-endian bytes, and a byte that is
//! 1 on the last chunk only (the STREAM construction of Hoang, Reyhanitabar,
//! Rogaway and Vizár): a chunk cannot be moved, dropped or repeated, and a
//! file cut after any chunk is caught because its last chunk is missing.
//! Every chunk binds the magic and the header as associated data, so the KDF
//! parameters cannot be swapped either.
//!
//! Why a passphrase: the backup is kept apart from the key-encryption key and
//! the log's signing key, on purpose (a stolen backup tape should not open
//! with anything stored beside it), and an operator can type or escrow a
//! passphrase where a key file would be one more file to lose.

use std::io::{self, Read, Write};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::BackupError;

const MAGIC: &[u8; 8] = b"CNFDBAK1";
const FORMAT: u32 = 1;
/// Plaintext bytes per chunk.
const CHUNK: usize = 1 << 20;
const TAG: usize = 16;
const PREFIX: usize = 19;
const MAX_HEADER: u32 = 4096;

/// Argon2id cost for new backups: 64 MiB, 3 passes (above OWASP's floor;
/// a backup's key is derived once per file, not per sign-in).
const MEMORY_KIB: u32 = 64 * 1024;
const ITERATIONS: u32 = 3;
/// Costs a header may ask for: enough for any backup we write, low enough
/// that a crafted file cannot make a restore allocate without bound.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 16;
const MAX_PARALLELISM: u32 = 16;

/// The shortest passphrase accepted for a new backup.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: u32,
    kdf: Kdf,
    nonce_prefix: String,
    /// An empty message sealed under the key with its own nonce: tells a
    /// wrong passphrase apart from a damaged first chunk.
    key_check: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Kdf {
    algorithm: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

fn derive(passphrase: &[u8], kdf: &Kdf) -> Result<Zeroizing<[u8; 32]>, BackupError> {
    let salt = STANDARD.decode(&kdf.salt).map_err(|_| BackupError::Format("the header's salt is not base64".into()))?;
    let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| BackupError::Format(format!("the header's key derivation parameters are not valid ({e})")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase, &salt, key.as_mut())
        .map_err(|e| BackupError::Format(format!("key derivation failed ({e})")))?;
    Ok(key)
}

/// The key check's nonce: a flag byte no chunk uses.
fn check_nonce(prefix: &[u8; PREFIX]) -> [u8; 24] {
    let mut nonce = [0xFF; 24];
    for (slot, byte) in nonce.iter_mut().zip(prefix.iter().copied()) {
        *slot = byte;
    }
    nonce
}

fn nonce(prefix: &[u8; PREFIX], index: u32, last: bool) -> [u8; 24] {
    let mut nonce = [0u8; 24];
    let counter = index.to_be_bytes();
    let bytes = prefix.iter().copied().chain(counter).chain(std::iter::once(u8::from(last)));
    for (slot, byte) in nonce.iter_mut().zip(bytes) {
        *slot = byte;
    }
    nonce
}

/// Writes the sealed form of everything written to it; [`SealedWriter::finish`]
/// seals the last chunk (a writer dropped without it leaves a file that
/// restores refuse as truncated).
pub(crate) struct SealedWriter<W: Write> {
    out: W,
    cipher: XChaCha20Poly1305,
    prefix: [u8; PREFIX],
    aad: Vec<u8>,
    buffer: Zeroizing<Vec<u8>>,
    index: u32,
    written: u64,
}

impl<W: Write> SealedWriter<W> {
    pub(crate) fn new(mut out: W, passphrase: &[u8]) -> Result<SealedWriter<W>, BackupError> {
        let mut salt = [0u8; 16];
        rand::fill(&mut salt);
        let mut prefix = [0u8; PREFIX];
        rand::fill(&mut prefix);
        let kdf = Kdf {
            algorithm: "argon2id".into(),
            memory_kib: MEMORY_KIB,
            iterations: ITERATIONS,
            parallelism: 1,
            salt: STANDARD.encode(salt),
        };
        let key = derive(passphrase, &kdf)?;
        let cipher = XChaCha20Poly1305::new_from_slice(key.as_ref()).map_err(|_| BackupError::Format("key length".into()))?;
        let check = cipher
            .encrypt(&check_nonce(&prefix).into(), Payload { msg: b"", aad: MAGIC })
            .map_err(|_| BackupError::Format("key check".into()))?;
        let header =
            serde_json::to_vec(&Header { format: FORMAT, kdf, nonce_prefix: STANDARD.encode(prefix), key_check: STANDARD.encode(check) })
                .map_err(|e| BackupError::Format(e.to_string()))?;
        let len = u32::try_from(header.len()).map_err(|_| BackupError::Format("header too long".into()))?;
        out.write_all(MAGIC)?;
        out.write_all(&len.to_be_bytes())?;
        out.write_all(&header)?;
        let mut aad = MAGIC.to_vec();
        aad.extend_from_slice(&header);
        let written = 12 + header.len() as u64;
        Ok(SealedWriter { out, cipher, prefix, aad, buffer: Zeroizing::new(Vec::with_capacity(CHUNK)), index: 0, written })
    }

    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        let nonce = nonce(&self.prefix, self.index, last);
        let sealed = self
            .cipher
            .encrypt(&nonce.into(), Payload { msg: &self.buffer, aad: &self.aad })
            .map_err(|_| io::Error::other("backup chunk encryption failed"))?;
        let len = u32::try_from(sealed.len()).map_err(|_| io::Error::other("backup chunk too long"))?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&sealed)?;
        self.written += 4 + sealed.len() as u64;
        self.buffer.clear();
        self.index = self.index.checked_add(1).ok_or_else(|| io::Error::other("backup too large (chunk count)"))?;
        Ok(())
    }

    /// Seals what is left as the last chunk and returns the sink and the
    /// number of bytes written to it.
    pub(crate) fn finish(mut self) -> io::Result<(W, u64)> {
        self.seal_chunk(true)?;
        self.out.flush()?;
        Ok((self.out, self.written))
    }
}

impl<W: Write> Write for SealedWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.buffer.len();
        let take = room.min(data.len());
        self.buffer.extend_from_slice(data.get(..take).unwrap_or_default());
        if self.buffer.len() == CHUNK {
            self.seal_chunk(false)?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads and authenticates a sealed backup chunk by chunk. Errors are
/// [`BackupError`]s carried inside `io::Error` (see [`into_backup_error`]).
pub(crate) struct SealedReader<R: Read> {
    input: R,
    cipher: XChaCha20Poly1305,
    prefix: [u8; PREFIX],
    aad: Vec<u8>,
    plain: Zeroizing<Vec<u8>>,
    at: usize,
    index: u32,
    done: bool,
}

impl<R: Read> SealedReader<R> {
    pub(crate) fn new(mut input: R, passphrase: &[u8]) -> Result<SealedReader<R>, BackupError> {
        let mut magic = [0u8; 8];
        read_exact_or(&mut input, &mut magic, BackupError::NotABackup)?;
        if &magic != MAGIC {
            return Err(BackupError::NotABackup);
        }
        let mut len = [0u8; 4];
        read_exact_or(&mut input, &mut len, BackupError::Truncated)?;
        let len = u32::from_be_bytes(len);
        if len > MAX_HEADER {
            return Err(BackupError::Format(format!("the header claims {len} bytes (at most {MAX_HEADER})")));
        }
        let mut header_bytes = vec![0u8; len as usize];
        read_exact_or(&mut input, &mut header_bytes, BackupError::Truncated)?;
        let header: Header = serde_json::from_slice(&header_bytes)
            .map_err(|e| BackupError::Format(format!("the header is not valid ({e}); the file is damaged")))?;
        if header.format != FORMAT {
            return Err(BackupError::UnsupportedFormat(header.format));
        }
        let kdf = &header.kdf;
        if kdf.algorithm != "argon2id"
            || kdf.memory_kib > MAX_MEMORY_KIB
            || kdf.iterations > MAX_ITERATIONS
            || kdf.parallelism > MAX_PARALLELISM
        {
            return Err(BackupError::Format("the header asks for a key derivation this build does not accept".into()));
        }
        let prefix: [u8; PREFIX] = STANDARD
            .decode(&header.nonce_prefix)
            .ok()
            .and_then(|p| p.try_into().ok())
            .ok_or_else(|| BackupError::Format("the header's nonce prefix is not 19 base64 bytes".into()))?;
        let key = derive(passphrase, kdf)?;
        let cipher = XChaCha20Poly1305::new_from_slice(key.as_ref()).map_err(|_| BackupError::Format("key length".into()))?;
        let check = STANDARD.decode(&header.key_check).map_err(|_| BackupError::Format("the header's key check is not base64".into()))?;
        if cipher.decrypt(&check_nonce(&prefix).into(), Payload { msg: &check, aad: MAGIC }).is_err() {
            return Err(BackupError::WrongPassphrase);
        }
        let mut aad = MAGIC.to_vec();
        aad.extend_from_slice(&header_bytes);
        Ok(SealedReader { input, cipher, prefix, aad, plain: Zeroizing::new(Vec::new()), at: 0, index: 0, done: false })
    }

    /// Reads and opens the next chunk; `false` once the last one was read.
    fn next_chunk(&mut self) -> Result<bool, BackupError> {
        if self.done {
            return Ok(false);
        }
        let mut len = [0u8; 4];
        read_exact_or(&mut self.input, &mut len, BackupError::Truncated)?;
        let len = u32::from_be_bytes(len) as usize;
        if !(TAG..=CHUNK + TAG).contains(&len) {
            return Err(BackupError::Damaged { chunk: self.index });
        }
        let mut sealed = vec![0u8; len];
        read_exact_or(&mut self.input, &mut sealed, BackupError::Truncated)?;
        let payload = Payload { msg: &sealed, aad: &self.aad };
        let (plain, last) = match self.cipher.decrypt(&nonce(&self.prefix, self.index, false).into(), payload) {
            Ok(plain) => (plain, false),
            Err(_) => match self.cipher.decrypt(&nonce(&self.prefix, self.index, true).into(), Payload { msg: &sealed, aad: &self.aad }) {
                Ok(plain) => (plain, true),
                Err(_) => return Err(BackupError::Damaged { chunk: self.index }),
            },
        };
        if last {
            let mut probe = [0u8; 1];
            if self.input.read(&mut probe)? != 0 {
                return Err(BackupError::TrailingData);
            }
            self.done = true;
        }
        self.plain = Zeroizing::new(plain);
        self.at = 0;
        self.index = self.index.checked_add(1).ok_or(BackupError::Damaged { chunk: u32::MAX })?;
        Ok(true)
    }
}

impl<R: Read> Read for SealedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.plain.len() {
            if !self.next_chunk().map_err(io::Error::other)? {
                return Ok(0);
            }
        }
        let rest = self.plain.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf.get_mut(..n).unwrap_or_default().copy_from_slice(rest.get(..n).unwrap_or_default());
        self.at += n;
        Ok(n)
    }
}

/// The [`BackupError`] inside an `io::Error` from a [`SealedReader`], or the
/// I/O error itself.
pub(crate) fn into_backup_error(e: io::Error) -> BackupError {
    if e.get_ref().is_some_and(|inner| inner.is::<BackupError>()) {
        match e.into_inner().map(|inner| inner.downcast::<BackupError>()) {
            Some(Ok(inner)) => *inner,
            Some(Err(other)) => BackupError::Io(io::Error::other(other)),
            None => BackupError::Format("unreadable".into()),
        }
    } else {
        BackupError::Io(e)
    }
}

fn read_exact_or<R: Read>(input: &mut R, buf: &mut [u8], short: BackupError) -> Result<(), BackupError> {
    match input.read_exact(buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(short),
        Err(e) => Err(BackupError::Io(e)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn seal(plain: &[u8], pass: &[u8]) -> Vec<u8> {
        let mut w = SealedWriter::new(Vec::new(), pass).unwrap();
        w.write_all(plain).unwrap();
        w.finish().unwrap().0
    }

    fn open(file: &[u8], pass: &[u8]) -> Result<Vec<u8>, BackupError> {
        let mut r = SealedReader::new(file, pass)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out).map_err(into_backup_error)?;
        Ok(out)
    }

    #[test]
    fn a_sealed_stream_opens_with_its_passphrase_only_and_detects_cuts() {
        let plain: Vec<u8> = (0..(CHUNK * 2 + 100)).map(|i| (i % 251) as u8).collect();
        let file = seal(&plain, b"correct horse battery");
        assert_eq!(open(&file, b"correct horse battery").unwrap(), plain);
        assert!(matches!(open(&file, b"wrong horse battery"), Err(BackupError::WrongPassphrase)));
        // Cut after the first chunk: the last chunk is missing.
        let first_chunk_end = 12 + u32::from_be_bytes(file[8..12].try_into().unwrap()) as usize + 4 + CHUNK + TAG;
        assert!(matches!(open(&file[..first_chunk_end], b"correct horse battery"), Err(BackupError::Truncated)));
        let mut flipped = file.clone();
        let at = first_chunk_end + 10;
        flipped[at] ^= 1;
        assert!(matches!(open(&flipped, b"correct horse battery"), Err(BackupError::Damaged { chunk: 1 })));
        let mut longer = file.clone();
        longer.push(0);
        assert!(matches!(open(&longer, b"correct horse battery"), Err(BackupError::TrailingData)));
        assert!(matches!(open(b"PK\x03\x04 not a backup", b"x"), Err(BackupError::NotABackup)));
    }

    #[test]
    fn an_empty_stream_is_one_last_chunk() {
        let file = seal(b"", b"correct horse battery");
        assert_eq!(open(&file, b"correct horse battery").unwrap(), b"");
    }
}
