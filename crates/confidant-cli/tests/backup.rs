//! `confidant backup` and `confidant restore` end to end: a demo vault
//! backed up with the passphrase on standard input restores into a new data
//! directory holding only the two keys, and `audit verify` passes there; a
//! corrupted backup exits 1 naming the damage and leaves no database; a
//! data directory that already has a vault is refused; PostgreSQL as the
//! target when one is configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSPHRASE: &str = "a passphrase long enough\n";

fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_AUDIT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR")
        .env_remove("CONFIDANT_BACKUP_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().expect("binary runs")
}

fn ok(dir: &Path, args: &[&str], stdin: &str) -> String {
    let out = run(dir, args, stdin);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A new data directory with copies of `from`'s two keys (backed up apart).
fn with_keys_of(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["confidant.key", "confidant-audit.key"] {
        std::fs::copy(from.join(name), dir.path().join(name)).unwrap();
    }
    dir
}

#[test]
fn a_backup_restores_into_a_new_data_directory_and_its_log_verifies() {
    let source = tempfile::tempdir().unwrap();
    ok(source.path(), &["init", "--demo"], "");
    let file = source.path().join("vault.backup");
    let out = ok(source.path(), &["backup", "--out", file.to_str().unwrap(), "--passphrase-stdin"], PASSPHRASE);
    assert!(out.contains("backed up to") && out.contains("not included, on purpose"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let check = ok(source.path(), &["restore", file.to_str().unwrap(), "--verify-only", "--passphrase-stdin"], PASSPHRASE);
    assert!(check.contains("intact"), "{check}");

    let target = with_keys_of(source.path());
    let out = ok(target.path(), &["restore", file.to_str().unwrap(), "--passphrase-stdin"], PASSPHRASE);
    assert!(out.contains("vault check: sound"), "{out}");
    assert!(target.path().join("confidant.sqlite").exists());
    assert!(!target.path().join("confidant.sqlite.restoring").exists());
    ok(target.path(), &["audit", "verify"], "");
    assert_eq!(ok(source.path(), &["client", "list"], ""), ok(target.path(), &["client", "list"], ""));
    let shown = ok(target.path(), &["audit", "show", "--kind", "vault_restored"], "");
    assert!(shown.contains("vault_restored"), "{shown}");

    // A second restore into the same directory is refused: it has a vault.
    let again = run(target.path(), &["restore", file.to_str().unwrap(), "--passphrase-stdin"], PASSPHRASE);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("move it away first"));
}

#[test]
fn a_corrupted_backup_exits_1_naming_the_damage_and_writes_nothing() {
    let source = tempfile::tempdir().unwrap();
    ok(source.path(), &["init", "--demo"], "");
    let file = source.path().join("vault.backup");
    ok(source.path(), &["backup", "--out", file.to_str().unwrap(), "--passphrase-stdin"], PASSPHRASE);
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() - 40;
    bytes[at] ^= 0x01;
    std::fs::write(&file, &bytes).unwrap();

    let target = with_keys_of(source.path());
    let out = run(target.path(), &["restore", file.to_str().unwrap(), "--passphrase-stdin"], PASSPHRASE);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: backup: damaged: chunk ") && stderr.contains("nothing was restored"), "{stderr}");
    let left: Vec<String> = std::fs::read_dir(target.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    assert!(left.iter().all(|name| !name.contains("sqlite")), "{left:?}");

    let wrong = run(target.path(), &["restore", file.to_str().unwrap(), "--passphrase-stdin"], "not the passphrase at all\n");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("the passphrase is wrong"));
    let none = run(target.path(), &["backup", "--out", "x.backup"], "");
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).starts_with("error: --passphrase-stdin: "));
}

#[test]
fn a_sqlite_backup_restores_into_postgresql_from_the_command_line() {
    let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL") else {
        eprintln!("CONFIDANT_TEST_POSTGRES_URL is not set: skipping the PostgreSQL restore (scripts/with-postgres runs it)");
        return;
    };
    let url = tokio::runtime::Runtime::new().unwrap().block_on(confidant_store::testing::fresh_postgres_url(&base));
    let source = tempfile::tempdir().unwrap();
    ok(source.path(), &["init", "--demo"], "");
    let file = source.path().join("vault.backup");
    ok(source.path(), &["backup", "--out", file.to_str().unwrap(), "--passphrase-stdin"], PASSPHRASE);
    let target = with_keys_of(source.path());
    let out = ok(target.path(), &["--database", &url, "restore", file.to_str().unwrap(), "--passphrase-stdin"], PASSPHRASE);
    assert!(out.contains("vault check: sound"), "{out}");
    ok(target.path(), &["--database", &url, "audit", "verify"], "");
    assert_eq!(ok(source.path(), &["client", "list"], ""), ok(target.path(), &["--database", &url, "client", "list"], ""));
}
