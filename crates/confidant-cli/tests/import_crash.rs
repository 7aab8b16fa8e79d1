//! A bulk import killed with SIGKILL mid-way leaves a sound vault: whole
//! batches only, every record decrypts, every data key has exactly one
//! owner, the database's own check passes, and a further import works. Runs
//! on SQLite always and on PostgreSQL when `CONFIDANT_TEST_POSTGRES_URL` is
//! set (through the CLI's `--database`).
//!
//! The invariant on keys: a record and its data key are inserted in the same
//! transaction, so after any crash every `data_keys` row is referenced by
//! exactly one owner row (staff, client, record or psychotherapy note); a
//! key with no owner, or two owners, would mean a torn or doubled write.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use confidant_store::{DatabaseUrl, KEY_FILE_NAME, KeyRing, Store};

const BATCH: usize = 500;
/// Enough lines that the import runs for well over a second in a debug build.
const LINES: usize = 200_000;

fn confidant(dir: &Path, database: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_confidant"));
    cmd.arg("--data-dir").arg(dir);
    if let Some(url) = database {
        cmd.arg("--database").arg(url);
    }
    cmd.env_remove("CONFIDANT_KEY").env_remove("CONFIDANT_DATABASE_URL").env_remove("CONFIDANT_DATA_DIR");
    cmd
}

fn ok(dir: &Path, database: Option<&str>, args: &[&str]) -> String {
    let out = confidant(dir, database).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn write_import(path: &Path, from: usize, count: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in from..from + count {
        // Two clients and one psychotherapy note in ten, so both tables and the author checks are exercised.
        let (client, category) = match i % 10 {
            0 => ("cl-1", "psychotherapy_notes"),
            n if n % 2 == 0 => ("cl-1", "progress_notes"),
            _ => ("cl-2", "diagnosis"),
        };
        let line = serde_json::json!({ "client": client, "category": category, "author": "st-1", "content": format!("session note {i}"), "id": format!("rec-{i}") });
        writeln!(out, "{line}").unwrap();
    }
    out.flush().unwrap();
}

/// Starts the import, waits until at least two batches are committed and a
/// second has passed, checks it is still running, and kills it.
fn import_and_kill(dir: &Path, database: Option<&str>, file: &Path) {
    let started = Instant::now();
    let mut child = confidant(dir, database)
        .args(["record", "import", file.to_str().unwrap(), "--batch", &BATCH.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut committed = 0;
    while committed < 2 || started.elapsed() < Duration::from_secs(1) {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.starts_with("committed batch") => committed += 1,
            Ok(line) => panic!("unexpected output from the import: {line}"),
            Err(e) => panic!("the import stopped reporting progress: {e}"),
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "the import is still running when it is killed");
    // On Unix, Child::kill sends SIGKILL: no destructor, no commit, no WAL checkpoint.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    reader.join().unwrap();
}

async fn crash_and_recover(dir: &Path, database: Option<&str>) {
    ok(dir, database, &["init"]);
    ok(dir, database, &["staff", "add", "--id", "st-1", "--name", "Morgan Ashgrove", "--role", "psychotherapist"]);
    ok(dir, database, &["client", "add", "--id", "cl-1", "--name", "Zebulon Quixotic", "--age", "40"]);
    ok(dir, database, &["client", "add", "--id", "cl-2", "--name", "Ottoline Pemberton", "--age", "52"]);
    let big = dir.join("big.jsonl");
    write_import(&big, 0, LINES);

    import_and_kill(dir, database, &big);

    let url = match database {
        Some(url) => DatabaseUrl::new(url),
        None => DatabaseUrl::sqlite_file(&dir.join(confidant_store::DATABASE_FILE_NAME)),
    };
    let keys = KeyRing::read_file(&dir.join(KEY_FILE_NAME)).unwrap();
    let store = Store::open(&url, keys.clone()).await.unwrap();
    let check = store.check().await.unwrap();
    store.close().await;
    let records = usize::try_from(check.records).unwrap();
    eprintln!("{}: killed with {records} of {LINES} records committed", if database.is_some() { "postgres" } else { "sqlite" });
    assert!((2 * BATCH..LINES).contains(&records), "killed mid-way after two batches: {records} records");
    assert_eq!(records % BATCH, 0, "only whole batches are stored: {records} records");
    assert_eq!(check.undecryptable_records, 0, "{check:?}");
    assert_eq!(check.stray_data_keys, 0, "every data key has exactly one owner: {check:?}");
    // One key per record, per staff member and per client, and one for each
    // audit batch: the setup's three (the staff member and two clients),
    // init's first administrator (a key and two batches: added, password
    // set), and each committed import batch's (its entries are in its
    // transaction).
    assert_eq!(check.data_keys, check.records + 3 + 3 + 3 + check.records / BATCH as u64, "{check:?}");
    if database.is_none() {
        assert_eq!(check.integrity, ["ok"], "PRAGMA integrity_check");
    }

    // A further import works (new ids after the ones that made it in).
    let more = dir.join("more.jsonl");
    write_import(&more, LINES, 1234);
    let out = ok(dir, database, &["record", "import", more.to_str().unwrap(), "--batch", &BATCH.to_string()]);
    assert_eq!(out.trim(), "imported 1234 records in 3 batches");
    let store = Store::open(&url, keys).await.unwrap();
    let after = store.check().await.unwrap();
    store.close().await;
    assert!(after.is_sound(), "{after:?}");
    assert_eq!(after.records, check.records + 1234);
}

#[tokio::test]
async fn a_bulk_import_killed_mid_way_leaves_whole_batches_that_all_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    crash_and_recover(dir.path(), None).await;
    if let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL")
        && !base.is_empty()
    {
        let dir = tempfile::tempdir().unwrap();
        let url = confidant_store::testing::fresh_postgres_url(&base).await;
        crash_and_recover(dir.path(), Some(&url)).await;
    }
}
