//! The exported audit log checked by an implementation nobody here wrote:
//! Go's `golang.org/x/mod/sumdb/tlog` and `sumdb/note` (Debian's
//! `golang-golang-x-mod-dev`), through the small program in
//! `tests/tlogverify`, built offline in GOPATH mode. It must accept the
//! export of `confidant audit export` under the key `confidant audit vkey`
//! prints, and refuse it after one changed byte in a tile, in an entry
//! bundle or in the checkpoint, a truncated bundle, two reordered entries,
//! or a checkpoint signed by another key.
//!
//! Skipped with a message when Go or the package is missing, unless
//! `CONFIDANT_TLOG_GO=required` (as `scripts/test` sets after installing
//! them), when it fails instead.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::Command;

use confidant_audit::{Checkpoint, LogSigningKey, VerifierKey};
use confidant_policy::vocab::Category;
use confidant_store::{AUDIT_KEY_FILE_NAME, AuditEvent, AuditKind, DATABASE_FILE_NAME, DatabaseUrl, KeyRing, Store, load_audit_key};

/// A change made to a copy of the export.
type Tamper = Box<dyn Fn(&Path)>;

#[path = "tlogverify/build.rs"]
mod go_verifier;
use go_verifier::verify;

fn cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR")
        .env_remove("CONFIDANT_AUDIT_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A vault made by `confidant init` whose log holds `count` events in all:
/// what `init` wrote, then events appended in uneven batches (so there are
/// several checkpoints and partial tiles).
async fn vault_with_log(dir: &Path, count: usize) {
    let keys = KeyRing::load(&dir.join("confidant.key")).unwrap();
    let mut store = Store::open(&DatabaseUrl::sqlite_file(&dir.join(DATABASE_FILE_NAME)), keys).await.unwrap();
    store.enable_audit(load_audit_key(&dir.join(AUDIT_KEY_FILE_NAME)).unwrap(), None).await.unwrap();
    let mut i = store.audit_entries(&confidant_store::AuditFilter::default()).await.unwrap().len();
    for batch in [1, 99, 300].into_iter().cycle() {
        if i >= count {
            break;
        }
        let n = batch.min(count - i);
        let events = (i..i + n)
            .map(|k| {
                AuditEvent::new(AuditKind::RecordRead, Some("st-1"))
                    .client(&format!("cl-{}", k % 7))
                    .categories(&[Category::ProgressNotes])
                    .with(confidant_store::Detail::Records(vec![format!("rec-{k}")]))
            })
            .collect();
        store.append_audit(events).await.unwrap();
        i += n;
    }
    store.close().await;
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_sumdb_tlog_verifies_the_export_and_refuses_one_changed_byte() {
    let work = tempfile::tempdir().unwrap();
    let Some(verifier) = go_verifier::verifier_or_skip(work.path(), "the Go interoperability test") else { return };
    let vault = tempfile::tempdir().unwrap();
    cli(vault.path(), &["init"]);
    // Two tiles full and one partial at level 0, a partial at level 1.
    vault_with_log(vault.path(), 700).await;
    let export = work.path().join("export");
    cli(vault.path(), &["audit", "export", export.to_str().unwrap()]);
    let vkey = cli(vault.path(), &["audit", "vkey"]).trim().to_string();
    assert!(export.join("tile/0/002.p/188").is_file());
    assert!(export.join("tile/1/000.p/2").is_file());
    assert!(export.join("tile/entries/001").is_file());

    let out = verify(&verifier, &export, &vkey);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the Go verifier refused the export: {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("ok: confidant.audit/") && stdout.contains("700 entries"), "{stdout}");

    // Each change to a copy of the export is refused, naming why.
    let flip = |path: &str, at: usize| {
        let path = path.to_string();
        move |dir: &Path| {
            let file = dir.join(&path);
            let mut bytes = std::fs::read(&file).unwrap();
            bytes[at] ^= 0x01;
            std::fs::write(file, bytes).unwrap();
        }
    };
    let tampers: Vec<(&str, Tamper, &str)> = vec![
        ("a changed byte in a full tile", Box::new(flip("tile/0/001", 100)), "tile/0/001"),
        ("a changed byte in a partial tile", Box::new(flip("tile/1/000.p/2", 40)), ""),
        ("a changed byte in an entry bundle", Box::new(flip("tile/entries/000", 40)), "hash to"),
        ("a changed byte in the checkpoint's root", Box::new(flip("checkpoint", vkey.split('+').next().unwrap().len() + 6)), ""),
        (
            "a truncated entry bundle",
            Box::new(|dir: &Path| {
                let file = dir.join("tile/entries/002.p/188");
                let bytes = std::fs::read(&file).unwrap();
                std::fs::write(&file, &bytes[..bytes.len() - 5]).unwrap();
            }),
            "tile/entries/002.p/188",
        ),
        (
            "two reordered entries",
            Box::new(|dir: &Path| {
                let file = dir.join("tile/entries/001");
                let mut bytes = std::fs::read(&file).unwrap();
                let first = bytes[0..34].to_vec();
                bytes.copy_within(34..68, 0);
                bytes[34..68].copy_from_slice(&first);
                std::fs::write(&file, bytes).unwrap();
            }),
            "hash to",
        ),
        (
            "a checkpoint signed by another key",
            Box::new(|dir: &Path| {
                let file = dir.join("checkpoint");
                let note = std::fs::read_to_string(&file).unwrap();
                let name = note.lines().next().unwrap().to_string();
                let body = Checkpoint::parse(&format!("{}\n", note.split("\n\n").next().unwrap())).unwrap();
                let other = LogSigningKey::from_seed(&[9; 32]);
                let forged = body.to_note(&VerifierKey::new(&name, other.verifying_key()).unwrap(), &body.sign(&other));
                std::fs::write(&file, forged).unwrap();
            }),
            "checkpoint signature",
        ),
    ];
    for (what, tamper, named) in tampers {
        let copy = work.path().join(what.replace(' ', "-"));
        std::fs::create_dir_all(&copy).unwrap();
        copy_dir(&export, &copy);
        tamper(&copy);
        let out = verify(&verifier, &copy, &vkey);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what} was not caught by the Go verifier: {}", String::from_utf8_lossy(&out.stdout));
        assert!(stderr.contains(named), "{what}: {stderr}");
    }
}
