//! Where the key-encryption keys live: a key file beside (never inside) the
//! database, or the `CONFIDANT_KEY` environment variable.
//!
//! Key file format (text, mode 0600, refused when group or others may read it):
//!
//! ```text
//! # confidant key file: key-encryption keys, oldest first; the last is current
//! kek-1 <base64 of 32 bytes>
//! kek-2 <base64 of 32 bytes>
//! ```
//!
//! Rotation appends a key, re-wraps the data keys, then rewrites the file with
//! the new key alone; a crash in between leaves both keys, so nothing becomes
//! unreadable. `CONFIDANT_KEY` holds one key as 64 hex digits or base64 of 32
//! bytes, optionally prefixed by its id and a colon (`kek-2:…`).
//!
//! Why `base64`: the de-facto encoder of the ecosystem; hex is parsed by hand.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::crypto::{KEY_LEN, Kek};

/// The environment variable that may hold the KEK instead of a key file.
pub const KEY_ENV: &str = "CONFIDANT_KEY";

/// The key file's name in the data directory.
pub const KEY_FILE_NAME: &str = "confidant.key";

const HEADER: &str = "# confidant key file: key-encryption keys, oldest first; the last is current\n\
# keep it secret (mode 0600) and back it up apart from the database\n";

/// Why the keys could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Neither the key file (its path) nor `CONFIDANT_KEY` is there.
    #[error("no key: `{}` does not exist and {KEY_ENV} is not set (run `confidant init` first)", .0.display())]
    Missing(PathBuf),
    /// The key file exists but could not be read.
    #[error("cannot read the key file `{}` ({source})", .path.display())]
    Unreadable {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The key file could not be written.
    #[error("cannot write the key file `{}` ({source})", .path.display())]
    Unwritable {
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The key file is readable by group or others, so it is refused.
    #[error("the key file `{}` may be read by others (mode {mode:o}); run `chmod 600` on it", .path.display())]
    Insecure {
        /// The key file.
        path: PathBuf,
        /// Its Unix permission bits.
        mode: u32,
    },
    /// A new key file would replace an existing one (its path).
    #[error("the key file `{}` already exists; refusing to overwrite keys", .0.display())]
    Exists(PathBuf),
    /// A key line, the environment value or the ring is not what was expected.
    #[error("{where_}: expected {expected}")]
    Malformed {
        /// Where: the file and line, `CONFIDANT_KEY`, or the key ring.
        where_: String,
        /// What was expected there.
        expected: String,
    },
}

/// The KEKs at hand, oldest first; the last is the one new data keys are wrapped with.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<Kek>,
    /// Where they came from; rotation writes back only to a file.
    source: KeySource,
}

/// Where a [`KeyRing`] was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeySource {
    File(PathBuf),
    /// `CONFIDANT_KEY`; its id is unknown until checked against the vault.
    Env {
        id: Option<String>,
    },
    /// Built in memory (tests, or before the key file is written).
    Memory,
}

impl KeyRing {
    /// A ring of keys held in memory.
    pub fn new(keys: Vec<Kek>) -> Result<KeyRing, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::Malformed { where_: "key ring".into(), expected: "at least one key".into() });
        }
        Ok(KeyRing { keys, source: KeySource::Memory })
    }

    /// Loads from `CONFIDANT_KEY` when it is set, else from the key file.
    pub fn load(key_file: &Path) -> Result<KeyRing, KeyError> {
        match std::env::var(KEY_ENV) {
            Ok(value) if !value.trim().is_empty() => KeyRing::from_env_value(&Zeroizing::new(value)),
            _ => KeyRing::read_file(key_file),
        }
    }

    /// Parses the value of `CONFIDANT_KEY`.
    pub fn from_env_value(value: &str) -> Result<KeyRing, KeyError> {
        let value = value.trim();
        let (id, material) = match value.split_once(':') {
            Some((id, material)) if is_key_id(id) => (Some(id.to_string()), material),
            _ => (None, value),
        };
        let bytes = parse_key_material(material).ok_or_else(|| KeyError::Malformed {
            where_: KEY_ENV.into(),
            expected: "32 bytes as 64 hex digits or base64, optionally prefixed by `<key id>:`".into(),
        })?;
        // Until the vault names it, the key carries a placeholder id.
        let kek = Kek::from_bytes(id.clone().unwrap_or_default(), &bytes);
        Ok(KeyRing { keys: vec![kek], source: KeySource::Env { id } })
    }

    /// Reads a key file, refusing one that others may read.
    pub fn read_file(path: &Path) -> Result<KeyRing, KeyError> {
        let text = read_secret_file(path)?;
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let where_ = format!("{} line {}", path.display(), n + 1);
            let bad = || KeyError::Malformed { where_: where_.clone(), expected: "`<key id> <base64 of 32 bytes>`".into() };
            let (id, material) = line.split_once(char::is_whitespace).ok_or_else(bad)?;
            if !is_key_id(id) {
                return Err(bad());
            }
            let bytes = parse_key_material(material.trim()).ok_or_else(bad)?;
            keys.push(Kek::from_bytes(id, &bytes));
        }
        if keys.is_empty() {
            return Err(KeyError::Malformed { where_: path.display().to_string(), expected: "at least one key line".into() });
        }
        Ok(KeyRing { keys, source: KeySource::File(path.to_path_buf()) })
    }

    /// Writes the ring to `path` atomically with mode 0600 (temp file, fsync, rename).
    pub(crate) fn write_file(&self, path: &Path) -> Result<(), KeyError> {
        let mut text = Zeroizing::new(String::from(HEADER));
        for kek in &self.keys {
            text.push_str(kek.id());
            text.push(' ');
            text.push_str(&Zeroizing::new(STANDARD.encode(kek.bytes())));
            text.push('\n');
        }
        write_secret_file(path, text.as_bytes())
    }

    /// Writes a new key file, refusing to replace an existing one.
    pub fn create_file(&self, path: &Path) -> Result<(), KeyError> {
        if path.exists() {
            return Err(KeyError::Exists(path.to_path_buf()));
        }
        self.write_file(path)
    }

    /// Every key, oldest first.
    pub fn keys(&self) -> &[Kek] {
        &self.keys
    }

    /// Where the keys came from.
    pub(crate) fn source(&self) -> &KeySource {
        &self.source
    }

    /// The key new data keys are wrapped with.
    pub fn current(&self) -> Option<&Kek> {
        self.keys.last()
    }

    /// The key with this id.
    pub fn get(&self, id: &str) -> Option<&Kek> {
        self.keys.iter().find(|k| k.id() == id)
    }

    /// Adds a key; it becomes current.
    pub(crate) fn push(&mut self, kek: Kek) {
        self.keys.push(kek);
    }

    /// Keeps only the current key.
    pub(crate) fn keep_current_only(&mut self) {
        let len = self.keys.len();
        if len > 1 {
            self.keys.drain(..len - 1);
        }
    }

    /// Replaces the keys (used to give an environment key the id the vault knows it by).
    pub(crate) fn set_keys(&mut self, keys: Vec<Kek>) {
        self.keys = keys;
    }
}

/// Ids are short and safe to print: letters, digits, `-`, `_`, `.`.
fn is_key_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// 32 bytes from 64 hex digits or base64 (standard, padded or not).
fn parse_key_material(text: &str) -> Option<Zeroizing<[u8; KEY_LEN]>> {
    let text = text.trim();
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        for (i, slot) in out.iter_mut().enumerate() {
            let pair = text.get(2 * i..2 * i + 2)?;
            *slot = u8::from_str_radix(pair, 16).ok()?;
        }
        return Some(out);
    }
    let decoded = Zeroizing::new(STANDARD.decode(text).or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text)).ok()?);
    if decoded.len() != KEY_LEN {
        return None;
    }
    out.copy_from_slice(&decoded);
    Some(out)
}

#[cfg(unix)]
fn check_mode(path: &Path, meta: &fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Insecure { path: path.to_path_buf(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _meta: &fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

/// Reads a secret file (a key file), refusing one that others may read.
pub(crate) fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(KeyError::Missing(path.to_path_buf())),
        Err(source) => return Err(KeyError::Unreadable { path: path.to_path_buf(), source }),
    };
    check_mode(path, &meta)?;
    Ok(Zeroizing::new(fs::read_to_string(path).map_err(|source| KeyError::Unreadable { path: path.to_path_buf(), source })?))
}

/// Writes `contents` to `path` atomically with mode 0600: a temp file,
/// fsync, rename, then fsync of the directory, so a crash leaves either the
/// old file or the new one.
pub(crate) fn write_secret_file(path: &Path, contents: &[u8]) -> Result<(), KeyError> {
    let unwritable = |source| KeyError::Unwritable { path: path.to_path_buf(), source };
    let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let _ = fs::remove_file(&tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(unwritable)?;
    file.write_all(contents).map_err(unwritable)?;
    file.sync_all().map_err(unwritable)?;
    drop(file);
    fs::rename(&tmp, path).map_err(unwritable)?;
    if let Some(dir) = path.parent()
        && let Ok(dir) = fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_written_key_file_is_private_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE_NAME);
        let ring = KeyRing::new(vec![Kek::generate("kek-1"), Kek::generate("kek-2")]).unwrap();
        ring.create_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let back = KeyRing::read_file(&path).unwrap();
        assert_eq!(back.keys().len(), 2);
        assert_eq!(back.current().unwrap().id(), "kek-2");
        assert_eq!(back.get("kek-1").unwrap().bytes(), ring.keys()[0].bytes());
        assert!(matches!(ring.create_file(&path), Err(KeyError::Exists(_))));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE_NAME);
        KeyRing::new(vec![Kek::generate("kek-1")]).unwrap().create_file(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(KeyRing::read_file(&path), Err(KeyError::Insecure { mode: 0o644, .. })));
    }

    #[test]
    fn a_missing_key_file_is_named() {
        let err = KeyRing::read_file(Path::new("/nonexistent/confidant.key")).unwrap_err();
        assert!(matches!(err, KeyError::Missing(_)));
        assert!(err.to_string().contains("confidant init"), "{err}");
    }

    #[test]
    fn env_keys_parse_as_hex_or_base64_with_an_optional_id() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let ring = KeyRing::from_env_value(hex).unwrap();
        assert_eq!(ring.source(), &KeySource::Env { id: None });
        let b64 = STANDARD.encode([7u8; 32]);
        let ring = KeyRing::from_env_value(&format!("kek-3:{b64}")).unwrap();
        assert_eq!(ring.source(), &KeySource::Env { id: Some("kek-3".into()) });
        assert_eq!(ring.current().unwrap().bytes(), &[7u8; 32]);
        for bad in ["", "abc", &STANDARD.encode([1u8; 16]), &hex[1..]] {
            assert!(KeyRing::from_env_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_lines_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE_NAME);
        KeyRing::new(vec![Kek::generate("kek-1")]).unwrap().create_file(&path).unwrap();
        let text = fs::read_to_string(&path).unwrap() + "kek-2 not-a-key\n";
        fs::write(&path, text).unwrap();
        let err = KeyRing::read_file(&path).unwrap_err();
        assert!(err.to_string().contains("line 4"), "{err}");
    }
}
