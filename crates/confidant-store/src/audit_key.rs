//! The audit log's Ed25519 signing key. It lives apart from the database
//! (which holds only the public half) and apart from the key-encryption key:
//! someone who can read the data cannot forge tree heads, and someone who
//! holds the signing key cannot read the data.
//!
//! File `confidant-audit.key` in the data directory (mode 0600, one line of
//! 64 hex digits: the seed), or `CONFIDANT_AUDIT_KEY` with the same text.

use std::path::Path;

use confidant_audit::LogSigningKey;
use zeroize::Zeroizing;

use crate::keys::{KeyError, read_secret_file, write_secret_file};

/// The signing key file's name in the data directory.
pub const AUDIT_KEY_FILE_NAME: &str = "confidant-audit.key";

/// The environment variable that may hold the signing key instead of the file.
pub const AUDIT_KEY_ENV: &str = "CONFIDANT_AUDIT_KEY";

const HEADER: &str = "# confidant audit log signing key (Ed25519 seed, hex); keep apart from confidant.key and the database\n";

/// The signing key from `CONFIDANT_AUDIT_KEY` when set, else from `path`.
pub fn load_audit_key(path: &Path) -> Result<LogSigningKey, KeyError> {
    if let Ok(value) = std::env::var(AUDIT_KEY_ENV) {
        let value = Zeroizing::new(value);
        return LogSigningKey::from_seed_hex(&value)
            .map_err(|_| KeyError::Malformed { where_: AUDIT_KEY_ENV.into(), expected: "64 hex digits".into() });
    }
    let text = read_secret_file(path)?;
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or_default();
    LogSigningKey::from_seed_hex(line)
        .map_err(|_| KeyError::Malformed { where_: path.display().to_string(), expected: "a line of 64 hex digits".into() })
}

/// Makes a new signing key and writes it to `path`, refusing to replace one.
pub fn create_audit_key(path: &Path) -> Result<LogSigningKey, KeyError> {
    if path.exists() {
        return Err(KeyError::Exists(path.to_path_buf()));
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    rand::fill(seed.as_mut());
    let mut text = Zeroizing::new(String::from(HEADER));
    for byte in seed.iter() {
        text.push_str(&format!("{byte:02x}"));
    }
    text.push('\n');
    write_secret_file(path, text.as_bytes())?;
    Ok(LogSigningKey::from_seed(&seed))
}

/// The key at `path` (or in the environment), creating the file when
/// neither exists — for vaults made before the audit log.
pub fn load_or_create_audit_key(path: &Path) -> Result<LogSigningKey, KeyError> {
    match load_audit_key(path) {
        Err(KeyError::Missing(_)) => create_audit_key(path),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_created_key_loads_back_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(AUDIT_KEY_FILE_NAME);
        let made = create_audit_key(&path).unwrap();
        let loaded = load_audit_key(&path).unwrap();
        assert_eq!(made.verifying_key(), loaded.verifying_key());
        assert!(matches!(create_audit_key(&path), Err(KeyError::Exists(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex\n").unwrap();
        assert!(matches!(load_audit_key(&path), Err(KeyError::Malformed { .. })));
    }
}
