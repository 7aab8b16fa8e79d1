//! SQLite's WAL under the store's own checkpoint thread (a commit
//! checkpoints only a long WAL): the WAL stays bounded under writes that never pause, what
//! was committed is in the database file and survives closing and
//! reopening (and dropping the store without closing it), and the audit log
//! still verifies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use confidant_audit::LogSigningKey;
use confidant_policy::Date;
use confidant_policy::vocab::Category;
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{AuditEvent, AuditKind, Birth, KeyRing, NewClient, NewRecord, NewStaff, StaffRole, Store, WITNESS_FILE_NAME};

const SEED: [u8; 32] = [9; 32];

fn kek() -> Kek {
    Kek::from_bytes("kek-1", &[3; 32])
}

async fn open(db: &TestDatabase, create: bool) -> Store {
    let keys = KeyRing::new(vec![kek()]).unwrap();
    let mut store = if create { Store::create(&db.url, keys).await.unwrap() } else { Store::open(&db.url, keys).await.unwrap() };
    store.enable_audit(LogSigningKey::from_seed(&SEED), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store
}

async fn staffed(db: &TestDatabase) -> Store {
    let store = open(db, true).await;
    store
        .add_staff(NewStaff { id: Some("st-w".into()), display_name: "Rowan Ellery".into(), role: StaffRole::Psychotherapist })
        .await
        .unwrap();
    store
        .add_client(NewClient {
            id: Some("cl-w".into()),
            name: "Client W".into(),
            contact: None,
            notes: None,
            birth: Birth::DateOfBirth(Date::parse("1979-11-02").unwrap()),
            part2_program: false,
            lps_program: false,
            team_id: None,
        })
        .await
        .unwrap();
    store
}

fn sqlite_database() -> TestDatabase {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(confidant_store::DATABASE_FILE_NAME);
    TestDatabase { url: confidant_store::DatabaseUrl::sqlite_file(&path), sqlite: Some(path), dir }
}

fn wal_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn record(id: String, content: String) -> NewRecord {
    NewRecord { id: Some(id), client_id: "cl-w".into(), category: Category::ProgressNotes, author_id: "st-w".into(), content }
}

fn event(n: u64) -> AuditEvent {
    AuditEvent::new(AuditKind::RecordRead, Some("st-w"))
        .client("cl-w")
        .categories(&[Category::ProgressNotes])
        .with(confidant_store::Detail::Records(vec![format!("rec-{n}")]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sustained_writes_keep_the_sqlite_wal_bounded_while_the_database_file_takes_them() {
    let db = sqlite_database();
    let path = db.sqlite.clone().unwrap();
    let store = staffed(&db).await;
    // 48 MiB through the WAL in commits of 256 KiB, back to back: commits
    // checkpoint only once the WAL is long, the store's thread beside them.
    let mut largest_wal = 0;
    let mut written = 0;
    for batch in 0..192u32 {
        let records: Vec<NewRecord> =
            (0..8).map(|i| record(format!("rec-{batch}-{i}"), format!("{batch:04}-{i:03}").repeat(32 << 10 >> 3))).collect();
        written += records.iter().map(|r| r.content.len() as u64).sum::<u64>();
        store.add_records(records).await.unwrap();
        largest_wal = largest_wal.max(size_of(&wal_of(&path)));
    }
    assert_eq!(written, 48 << 20);
    assert!(largest_wal < 24 << 20, "the WAL grew to {largest_wal} bytes over {written} bytes written");
    // What went through the WAL is copied into the database file.
    std::thread::sleep(Duration::from_millis(300));
    assert!(size_of(&path) > written, "the database file holds {} bytes of the {written} written", size_of(&path));
    assert_eq!(store.records("cl-w", false).await.unwrap().len(), 192 * 8);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sustained_audit_appends_keep_the_sqlite_wal_bounded_and_the_log_verifies() {
    let db = sqlite_database();
    let path = db.sqlite.clone().unwrap();
    let store = staffed(&db).await;
    let mut largest_wal = 0;
    let mut n = 0;
    for _ in 0..400 {
        let events: Vec<AuditEvent> = (0..250)
            .map(|_| {
                n += 1;
                event(n)
            })
            .collect();
        store.append_audit(events).await.unwrap();
        largest_wal = largest_wal.max(size_of(&wal_of(&path)));
    }
    assert!(largest_wal < 24 << 20, "the WAL grew to {largest_wal} bytes over 100,000 appends");
    let report = store.verify_audit(&LogSigningKey::from_seed(&SEED).verifying_key(), None).await.unwrap();
    assert_eq!(report.problem, None);
    assert!(report.size >= 100_000);
    store.close().await;
}

#[tokio::test]
async fn committed_records_and_audit_entries_survive_closing_and_reopening_on_every_backend() {
    for db in test_databases().await {
        let store = staffed(&db).await;
        for batch in 0..20 {
            store.add_records((0..5).map(|i| record(format!("rec-{batch}-{i}"), format!("note {batch} {i}"))).collect()).await.unwrap();
            store.append_audit((0..50).map(|i| event(batch * 50 + i)).collect()).await.unwrap();
        }
        // Past at least one checkpoint tick, then closed (checkpointing the rest).
        std::thread::sleep(Duration::from_millis(150));
        let size = store.verify_audit(&LogSigningKey::from_seed(&SEED).verifying_key(), None).await.unwrap().size;
        store.close().await;
        if let Some(path) = &db.sqlite {
            assert_eq!(size_of(&wal_of(path)), 0, "closing leaves no WAL to replay");
        }

        let store = open(&db, false).await;
        let records = store.records("cl-w", true).await.unwrap();
        assert_eq!(records.len(), 100, "{}", db.name());
        assert!(records.iter().any(|r| r.id == "rec-19-4" && r.content.as_deref() == Some("note 19 4")), "{}", db.name());
        let report = store.verify_audit(&LogSigningKey::from_seed(&SEED).verifying_key(), None).await.unwrap();
        assert_eq!((report.problem, report.size), (None, size), "{}", db.name());
        // Dropped without closing: the checkpoint thread stops with it, and
        // the next opening finds everything (from the WAL if need be).
        store.append_audit(vec![event(10_000)]).await.unwrap();
        drop(store);
        let store = open(&db, false).await;
        let report = store.verify_audit(&LogSigningKey::from_seed(&SEED).verifying_key(), None).await.unwrap();
        assert_eq!((report.problem, report.size), (None, size + 1), "{}", db.name());
        store.close().await;
    }
}
