//! Backups that restore: a backup taken while writers keep committing holds
//! everything committed before it began, restores into an empty SQLite or
//! PostgreSQL database (either way round) and passes the vault check and the
//! audit log's verification; a corrupted, cut or wrongly keyed backup is
//! refused before anything is written, and a restore that fails its checks
//! leaves the target empty. Runs on SQLite and, when configured, PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use confidant_audit::LogSigningKey;
use confidant_policy::vocab::Category;
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, fresh_postgres, test_databases};
use confidant_store::{
    AuditEvent, AuditKind, BackupError, DatabaseUrl, KeyRing, NewRecord, RestoreKeys, Store, demo, inspect_backup, restore_backup,
};
use sqlx::{AssertSqlSafe, Row};

const PASSPHRASE: &[u8] = b"long enough backup passphrase";

fn log_key() -> LogSigningKey {
    LogSigningKey::from_seed(&[9; 32])
}

fn kek() -> Kek {
    Kek::from_bytes("kek-1", &[42; 32])
}

fn ring() -> KeyRing {
    KeyRing::new(vec![kek()]).unwrap()
}

fn restore_keys() -> RestoreKeys {
    RestoreKeys { keys: ring(), audit_key: log_key(), previous_witness: None }
}

async fn filled(db: &TestDatabase) -> Store {
    let mut store = Store::create(&db.url, ring()).await.unwrap();
    store.enable_audit(log_key(), None).await.unwrap();
    demo::fill(&store, demo::DEFAULT_SEED).await.unwrap();
    let events = (0..5)
        .map(|i| {
            AuditEvent::new(AuditKind::Decision, Some("st-1")).categories(&[Category::Diagnosis]).with(confidant_store::Detail::Entries(i))
        })
        .collect();
    store.append_audit(events).await.unwrap();
    store
}

async fn ids(store: &Store, table: &str) -> BTreeSet<String> {
    sqlx::query(AssertSqlSafe(format!("SELECT id FROM {table}")))
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>("id").unwrap())
        .collect()
}

async fn table_count(url: &DatabaseUrl) -> usize {
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url_text(url)).await.unwrap();
    let sql = if url_text(url).starts_with("sqlite:") {
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'"
    } else {
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()"
    };
    let n: i64 = sqlx::query(sql).fetch_one(&pool).await.unwrap().try_get("n").unwrap();
    pool.close().await;
    usize::try_from(n).unwrap()
}

fn url_text(url: &DatabaseUrl) -> String {
    // The test URLs carry no password, so their display form is the URL.
    url.to_string()
}

/// Empty targets of both kinds: a new SQLite file, and a new PostgreSQL
/// database when one is configured.
async fn targets(dir: &Path) -> Vec<DatabaseUrl> {
    sqlx::any::install_default_drivers();
    let mut out = vec![DatabaseUrl::sqlite_file(&dir.join(format!("restored-{}.sqlite", rand_suffix())))];
    if let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL")
        && !base.is_empty()
    {
        out.push(fresh_postgres(&base).await);
    }
    out
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_everything_committed_before_it_began() {
    for db in test_databases().await {
        let store = Arc::new(filled(&db).await);
        let row = sqlx::query("SELECT client_id, author_id FROM records WHERE category = 'diagnosis' LIMIT 1")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let (client, author): (String, String) = (row.try_get("client_id").unwrap(), row.try_get("author_id").unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (store, stop, client, author) = (store.clone(), stop.clone(), client.clone(), author.clone());
            tokio::spawn(async move {
                let mut written = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    let new = NewRecord {
                        id: None,
                        client_id: client.clone(),
                        category: Category::Diagnosis,
                        author_id: author.clone(),
                        content: format!("entry {written}"),
                    };
                    store.add_record(new).await.unwrap();
                    store.append_audit(vec![AuditEvent::new(AuditKind::RecordAdded, Some(&author))]).await.unwrap();
                    written += 1;
                }
                written
            })
        };
        // Let the writer get going, then note what is committed and back up.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let committed = ids(&store, "records").await;
        let audit_before: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM audit_entries").fetch_one(store.pool()).await.unwrap().try_get("n").unwrap();
        let out = db.dir.path().join("vault.backup");
        let summary = store.backup(&out, PASSPHRASE).await.unwrap();
        stop.store(true, Ordering::Relaxed);
        let written = writer.await.unwrap();
        assert!(written > 0, "{}: the writer committed nothing", db.name());
        assert!(summary.audit_entries >= u64::try_from(audit_before).unwrap());
        // The backup is on the log of the vault it was taken from.
        let last = store.audit_entries(&confidant_store::AuditFilter { newest_first: true, limit: Some(50), ..Default::default() }).await;
        assert!(last.unwrap().iter().any(|e| e.kind == AuditKind::BackupMade), "{}", db.name());

        for target in targets(db.dir.path()).await {
            let report = restore_backup(&out, PASSPHRASE, &target, restore_keys()).await.unwrap();
            assert!(report.check.is_sound());
            assert_eq!(report.audit_verified, summary.audit_entries);
            let restored = Store::open(&target, ring()).await.unwrap();
            let got = ids(&restored, "records").await;
            let missing: Vec<&String> = committed.difference(&got).collect();
            assert!(missing.is_empty(), "{} → {target}: records committed before the backup are missing: {missing:?}", db.name());
            let verification = restored.verify_audit(&log_key().verifying_key(), report.head.as_ref()).await.unwrap();
            assert_eq!(verification.problem, None);
            assert_eq!(verification.size, summary.audit_entries + 1, "the restore is itself on the log");
            restored.close().await;
        }
    }
}

#[tokio::test]
async fn a_sqlite_backup_restores_into_postgresql_and_back() {
    let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL") else {
        eprintln!("CONFIDANT_TEST_POSTGRES_URL is not set: the cross-backend restore needs PostgreSQL (scripts/with-postgres)");
        return;
    };
    let dbs = test_databases().await;
    let db = &dbs[0];
    let source = filled(db).await;
    let first = db.dir.path().join("from-sqlite.backup");
    source.backup(&first, PASSPHRASE).await.unwrap();

    let pg = fresh_postgres(&base).await;
    restore_backup(&first, PASSPHRASE, &pg, restore_keys()).await.unwrap();
    let mut middle = Store::open(&pg, ring()).await.unwrap();
    middle.enable_audit(log_key(), None).await.unwrap();
    let second = db.dir.path().join("from-postgres.backup");
    let summary = middle.backup(&second, PASSPHRASE).await.unwrap();
    assert_eq!(summary.source_backend, "postgres");

    let back = DatabaseUrl::sqlite_file(&db.dir.path().join("round-trip.sqlite"));
    restore_backup(&second, PASSPHRASE, &back, restore_keys()).await.unwrap();
    let last = Store::open(&back, ring()).await.unwrap();

    // Every client, record and authorization survives both trips, and
    // still opens with the same key.
    for table in ["clients", "records", "authorizations", "staff", "restrictions"] {
        assert_eq!(ids(&source, table).await, ids(&last, table).await, "{table}");
    }
    let some = ids(&source, "clients").await.into_iter().next().unwrap();
    let as_json = |v: &dyn erased::Ser| v.json();
    assert_eq!(as_json(&source.client(&some).await.unwrap()), as_json(&last.client(&some).await.unwrap()));
    let records = source.records(&some, true).await.unwrap();
    assert!(records.iter().all(|r| r.content.is_some()));
    assert_eq!(as_json(&records), as_json(&last.records(&some, true).await.unwrap()));
    assert!(last.check().await.unwrap().is_sound());
    for store in [source, middle, last] {
        store.close().await;
    }
}

mod erased {
    /// Anything serializable, compared as its JSON.
    pub trait Ser {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

#[tokio::test]
async fn a_corrupted_cut_or_wrongly_keyed_backup_is_refused_and_nothing_is_written() {
    let dbs = test_databases().await;
    let db = &dbs[0];
    let source = filled(db).await;
    let good = db.dir.path().join("good.backup");
    source.backup(&good, PASSPHRASE).await.unwrap();
    source.close().await;
    let bytes = std::fs::read(&good).unwrap();

    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let mut cut = bytes.clone();
    cut.truncate(bytes.len() - 100);
    let cases: Vec<(&str, Vec<u8>, &[u8])> = vec![
        ("a flipped byte", flipped, PASSPHRASE),
        ("a cut file", cut, PASSPHRASE),
        ("the wrong passphrase", bytes.clone(), b"another long passphrase"),
        ("not a backup", b"SQLite format 3\0 and so on".to_vec(), PASSPHRASE),
    ];
    for (what, contents, passphrase) in cases {
        let path = db.dir.path().join("bad.backup");
        std::fs::write(&path, &contents).unwrap();
        assert!(inspect_backup(&path, passphrase).is_err(), "{what}");
        for target in targets(db.dir.path()).await {
            let sqlite_file = url_text(&target).strip_prefix("sqlite://").map(|p| p.trim_end_matches("?mode=rwc").to_string());
            let err = restore_backup(&path, passphrase, &target, restore_keys()).await.unwrap_err();
            let expected = match what {
                "a flipped byte" => matches!(err, BackupError::Damaged { .. }),
                "a cut file" => matches!(err, BackupError::Truncated),
                "the wrong passphrase" => matches!(err, BackupError::WrongPassphrase),
                _ => matches!(err, BackupError::NotABackup),
            };
            assert!(expected, "{what}: {err}");
            assert!(err.to_string().starts_with("backup: "), "{what}: {err}");
            match sqlite_file {
                Some(file) => assert!(!Path::new(&file).exists(), "{what}: a SQLite file was created"),
                None => assert_eq!(table_count(&target).await, 0, "{what}: tables were created"),
            }
        }
    }
}

#[tokio::test]
async fn a_restore_that_fails_its_checks_leaves_the_target_empty_and_a_full_target_is_refused() {
    let dbs = test_databases().await;
    let db = &dbs[0];
    let source = filled(db).await;
    let out = db.dir.path().join("vault.backup");
    source.backup(&out, PASSPHRASE).await.unwrap();
    source.close().await;
    for target in targets(db.dir.path()).await {
        // The wrong log key: the restored log is not signed by it.
        let keys = RestoreKeys { keys: ring(), audit_key: LogSigningKey::from_seed(&[1; 32]), previous_witness: None };
        let err = restore_backup(&out, PASSPHRASE, &target, keys).await.unwrap_err();
        assert!(err.to_string().contains("audit signing key"), "{err}");
        assert_eq!(table_count(&target).await, 0, "{target}: a failed restore left tables behind");
        // The wrong key-encryption key.
        let keys = RestoreKeys { keys: KeyRing::new(vec![Kek::from_bytes("kek-1", &[1; 32])]).unwrap(), ..restore_keys() };
        assert!(restore_backup(&out, PASSPHRASE, &target, keys).await.is_err());
        assert_eq!(table_count(&target).await, 0, "{target}: a failed restore left tables behind");
        // Then a good restore; a second one into the same database is refused.
        restore_backup(&out, PASSPHRASE, &target, restore_keys()).await.unwrap();
        let err = restore_backup(&out, PASSPHRASE, &target, restore_keys()).await.unwrap_err();
        assert!(matches!(err, BackupError::TargetNotEmpty(_)), "{err}");
    }
}

#[tokio::test]
async fn a_short_passphrase_and_an_existing_file_are_refused() {
    let dbs = test_databases().await;
    let db = &dbs[0];
    let source = filled(db).await;
    let out = db.dir.path().join("vault.backup");
    assert!(matches!(source.backup(&out, b"short").await, Err(BackupError::Passphrase(_))));
    std::fs::write(&out, b"keep me").unwrap();
    assert!(matches!(source.backup(&out, PASSPHRASE).await, Err(BackupError::Output { .. })));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    source.close().await;
}
