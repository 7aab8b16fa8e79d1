//! The audit log as stored: appends verify, proofs served from stored tiles
//! check out with the database-free verifier, the published files follow
//! tlog-tiles, a log of the earlier layout is re-committed, and tampering
//! straight in the database — a changed byte, a deleted entry, two swapped,
//! a truncated tail, a replaced or foreign-signed checkpoint, a changed tile
//! byte, a truncated or reordered entry bundle — is found by `verify_audit`
//! and named. Runs on SQLite and, when configured, PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_audit::{Checkpoint, LogSigningKey, TileId, TreeHead, VerifierKey};
use confidant_policy::vocab::Category;
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{
    AuditEvent, AuditFilter, AuditKind, AuditProblem, Detail, KeyRing, Store, StoreError, TrainingPolicy, WITNESS_FILE_NAME, read_witness,
};
use sqlx::{AssertSqlSafe, Row};

fn log_key() -> LogSigningKey {
    LogSigningKey::from_seed(&[7; 32])
}

async fn store_on(db: &TestDatabase) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(log_key(), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store
}

fn event(i: usize) -> AuditEvent {
    AuditEvent::new(if i.is_multiple_of(3) { AuditKind::RecordRead } else { AuditKind::Decision }, Some("st-1"))
        .client(&format!("cl-{}", i % 4))
        .categories(&[Category::Diagnosis])
        .with_all([Detail::Entries(i), Detail::Reason("Marigold Featherstonehaugh".into())])
}

/// 20 entries appended in batches of 1, 4, 5 and 10: heads at 1, 5, 10, 20.
async fn filled(db: &TestDatabase) -> Store {
    let store = store_on(db).await;
    let mut i = 0;
    for batch in [1, 4, 5, 10] {
        store.append_audit((i..i + batch).map(event).collect()).await.unwrap();
        i += batch;
    }
    store
}

async fn problem(store: &Store, db: &TestDatabase) -> Option<AuditProblem> {
    let witness = read_witness(&db.dir.path().join(WITNESS_FILE_NAME)).unwrap();
    store.verify_audit(&log_key().verifying_key(), witness.as_ref()).await.unwrap().problem
}

async fn exec(store: &Store, sql: &str) {
    sqlx::query(AssertSqlSafe(sql.to_string())).execute(store.pool()).await.unwrap();
}

#[tokio::test]
async fn appended_entries_verify_and_prove_inclusion_and_consistency() {
    for db in test_databases().await {
        let store = filled(&db).await;
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, None, "{}", db.name());
        assert_eq!((report.size, report.heads_checked), (20, 4));
        let head = store.tree_head().await.unwrap().unwrap();
        assert_eq!(head.head.size, 20);
        head.verify(&log_key().verifying_key()).unwrap();

        for seq in 0..20 {
            let entry = store.audit_entry(seq).await.unwrap();
            let (proof, signed) = store.audit_inclusion_proof(seq, None).await.unwrap();
            proof.verify(&entry.leaf_hash, &signed.head.root).unwrap();
            // Against an older head too, when the entry is in it.
            if seq < 10 {
                let (proof, signed) = store.audit_inclusion_proof(seq, Some(10)).await.unwrap();
                proof.verify(&entry.leaf_hash, &signed.head.root).unwrap();
            }
        }
        for (old, new) in [(1, 5), (1, 20), (5, 10), (10, 20), (20, 20)] {
            let (proof, a, b) = store.audit_consistency_proof(old, new).await.unwrap();
            proof.verify(&a.head.root, &b.head.root).unwrap();
        }
        assert!(matches!(store.audit_inclusion_proof(3, Some(7)).await, Err(StoreError::Invalid { .. })));
        assert!(matches!(store.audit_inclusion_proof(25, None).await, Err(StoreError::Invalid { .. })));
        // The witness outside the database holds the latest head.
        let witness = read_witness(&db.dir.path().join(WITNESS_FILE_NAME)).unwrap().unwrap();
        assert_eq!(witness, head);
    }
}

#[tokio::test]
async fn entries_show_ids_in_clear_and_open_their_sealed_details() {
    for db in test_databases().await {
        let store = filled(&db).await;
        let for_client = store
            .audit_entries(&AuditFilter { client_id: Some("cl-1".into()), with_details: true, ..AuditFilter::default() })
            .await
            .unwrap();
        assert_eq!(for_client.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 5, 9, 13, 17]);
        assert_eq!(for_client[0].details.as_ref().unwrap()["reason"], "Marigold Featherstonehaugh");
        let newest = store.audit_entries(&AuditFilter { newest_first: true, limit: Some(2), ..AuditFilter::default() }).await.unwrap();
        assert_eq!(newest.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![19, 18]);
        assert!(newest[0].details.is_none());
        if let Some(path) = &db.sqlite {
            store.close().await;
            let mut raw = std::fs::read(path).unwrap();
            if let Ok(wal) = std::fs::read(path.with_extension("sqlite-wal")) {
                raw.extend(wal);
            }
            assert!(!raw.windows(8).any(|w| w == b"Marigold"), "a name reached the database file in clear");
        }
    }
}

#[tokio::test]
async fn a_changed_byte_in_an_entry_is_named() {
    for db in test_databases().await {
        let store = filled(&db).await;
        let row = sqlx::query("SELECT details FROM audit_entries WHERE seq = 7").fetch_one(store.pool()).await.unwrap();
        let mut details: Vec<u8> = row.try_get("details").unwrap();
        details[3] ^= 0x01;
        sqlx::query("UPDATE audit_entries SET details = $1 WHERE seq = 7").bind(details).execute(store.pool()).await.unwrap();
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::EntryAltered { seq: 7 }), "{}", db.name());
    }
}

/// Another empty database of the same kind as `db`.
async fn fresh(db: &TestDatabase) -> TestDatabase {
    test_databases().await.into_iter().find(|d| d.name() == db.name()).unwrap()
}

/// The bytes of one stored tile or bundle.
async fn blob(store: &Store, table: &str, key: &str) -> Vec<u8> {
    let column = if table == "audit_bundles" { "entries" } else { "hashes" };
    let row = sqlx::query(AssertSqlSafe(format!("SELECT {column} FROM {table} WHERE {key}"))).fetch_one(store.pool()).await.unwrap();
    row.try_get(0).unwrap()
}

async fn set_blob(store: &Store, table: &str, key: &str, bytes: Vec<u8>) {
    let column = if table == "audit_bundles" { "entries" } else { "hashes" };
    sqlx::query(AssertSqlSafe(format!("UPDATE {table} SET {column} = $1 WHERE {key}"))).bind(bytes).execute(store.pool()).await.unwrap();
}

#[tokio::test]
async fn an_entry_changed_together_with_its_bundle_and_tile_is_caught_by_the_checkpoint() {
    for db in test_databases().await {
        let store = filled(&db).await;
        exec(&store, "UPDATE audit_entries SET actor_id = 'st-evil' WHERE seq = 7").await;
        let entry = store.audit_entry(7).await.unwrap();
        let mut bundle = blob(&store, "audit_bundles", "idx = 0").await;
        bundle[7 * 34 + 2..8 * 34].copy_from_slice(&entry.commitment);
        set_blob(&store, "audit_bundles", "idx = 0", bundle).await;
        let mut tile = blob(&store, "audit_tiles", "level = 0 AND idx = 0").await;
        tile[7 * 32..8 * 32].copy_from_slice(entry.leaf_hash.as_bytes());
        set_blob(&store, "audit_tiles", "level = 0 AND idx = 0", tile).await;
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::HeadMismatch { from: 5, to: 10 }), "{}", db.name());
    }
}

#[tokio::test]
async fn a_deleted_entry_is_named() {
    for db in test_databases().await {
        let store = filled(&db).await;
        exec(&store, "DELETE FROM audit_entries WHERE seq = 7").await;
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::EntryMissing { seq: 7, next: 8 }), "{}", db.name());
    }
}

#[tokio::test]
async fn two_swapped_entries_are_named() {
    for db in test_databases().await {
        let store = filled(&db).await;
        // Move entry 12 to 3 and 3 to 12, contents and all.
        exec(&store, "UPDATE audit_entries SET seq = -1 WHERE seq = 3").await;
        exec(&store, "UPDATE audit_entries SET seq = 3 WHERE seq = 12").await;
        exec(&store, "UPDATE audit_entries SET seq = 12 WHERE seq = -1").await;
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::EntryAltered { seq: 3 }), "{}", db.name());
    }
}

#[tokio::test]
async fn a_truncated_tail_is_found_by_the_heads_and_by_the_witness() {
    for db in test_databases().await {
        let store = filled(&db).await;
        exec(&store, "DELETE FROM audit_entries WHERE seq >= 15").await;
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::HeadBeyondLog { size: 20, log_size: 15 }), "{}", db.name());
        // Nothing more is signed on top of a log that lost its tail.
        assert!(matches!(store.append_audit(vec![event(99)]).await, Err(StoreError::AuditDamaged)));

        // Removing the checkpoints and cutting the tiles back as well leaves
        // a log consistent in itself; the witness outside the database
        // still knows.
        let other = fresh(&db).await;
        let store_b = filled(&other).await;
        exec(&store_b, "DELETE FROM audit_entries WHERE seq >= 10").await;
        exec(&store_b, "DELETE FROM audit_checkpoints WHERE size > 10").await;
        let bundle = blob(&store_b, "audit_bundles", "idx = 0").await;
        set_blob(&store_b, "audit_bundles", "idx = 0", bundle[..10 * 34].to_vec()).await;
        let tile = blob(&store_b, "audit_tiles", "level = 0 AND idx = 0").await;
        set_blob(&store_b, "audit_tiles", "level = 0 AND idx = 0", tile[..10 * 32].to_vec()).await;
        let verified = store_b.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(verified.problem, None, "without the witness the truncation is invisible: {:?}", verified.problem);
        assert_eq!(
            problem(&store_b, &other).await,
            Some(AuditProblem::Witness { size: 20, what: "no longer reaches: the tail was truncated" }),
            "{}",
            db.name()
        );
    }
}

#[tokio::test]
async fn a_replaced_tree_head_is_named() {
    for db in test_databases().await {
        let store = filled(&db).await;
        sqlx::query("UPDATE audit_checkpoints SET root = $1 WHERE size = 10").bind(vec![9u8; 32]).execute(store.pool()).await.unwrap();
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::HeadSignature { size: 10 }), "{}", db.name());

        // A head re-signed by someone else's key is no better.
        let other = fresh(&db).await;
        let store = filled(&other).await;
        let row = sqlx::query("SELECT root, timestamp_ms FROM audit_checkpoints WHERE size = 5").fetch_one(store.pool()).await.unwrap();
        let root: Vec<u8> = row.try_get("root").unwrap();
        let ts: i64 = row.try_get("timestamp_ms").unwrap();
        let forged = LogSigningKey::from_seed(&[8; 32]).sign(TreeHead { size: 5, root: root.try_into().unwrap(), timestamp_ms: ts as u64 });
        sqlx::query("UPDATE audit_checkpoints SET signature = $1 WHERE size = 5")
            .bind(forged.signature.to_vec())
            .execute(store.pool())
            .await
            .unwrap();
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, Some(AuditProblem::HeadSignature { size: 5 }), "{}", db.name());
    }
}

#[tokio::test]
async fn a_checkpoint_signed_by_another_key_is_named() {
    for db in test_databases().await {
        let store = filled(&db).await;
        let head = store.tree_head_at(5).await.unwrap();
        let other = LogSigningKey::from_seed(&[8; 32]);
        let origin = confidant_audit::log_origin(&log_key().verifying_key());
        let forged = Checkpoint { origin, size: 5, root: head.head.root }.sign(&other);
        sqlx::query("UPDATE audit_checkpoints SET note_signature = $1 WHERE size = 5")
            .bind(forged.to_vec())
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::CheckpointSignature { size: 5 }), "{}", db.name());
    }
}

/// 600 entries: level-0 tiles 0 and 1 full, 2 partial (88); level-1 tile 0
/// partial (2); bundles 0 and 1 full, 2 partial.
async fn tiled(db: &TestDatabase) -> Store {
    let store = store_on(db).await;
    for start in (0..600).step_by(150) {
        store.append_audit((start..start + 150).map(event).collect()).await.unwrap();
    }
    store
}

#[tokio::test]
async fn a_tiled_log_verifies_and_its_files_follow_tlog_tiles() {
    for db in test_databases().await {
        let store = tiled(&db).await;
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, None, "{}", db.name());
        assert_eq!((report.size, report.heads_checked, report.tiles_checked), (600, 4, 7));
        let dir = tempfile::tempdir().unwrap();
        let (files, size) = store.export_audit_log(dir.path()).await.unwrap();
        assert_eq!((files, size), (8, 600));
        for (path, len) in [
            ("tile/0/000", 256 * 32),
            ("tile/0/001", 256 * 32),
            ("tile/0/002.p/88", 88 * 32),
            ("tile/1/000.p/2", 2 * 32),
            ("tile/entries/001", 256 * 34),
            ("tile/entries/002.p/88", 88 * 34),
        ] {
            assert_eq!(std::fs::read(dir.path().join(path)).unwrap().len(), len, "{path}");
        }
        let note = std::fs::read_to_string(dir.path().join("checkpoint")).unwrap();
        let verifier = VerifierKey::for_log(log_key().verifying_key());
        let checkpoint = Checkpoint::open(&note, &verifier).unwrap();
        assert_eq!((checkpoint.size, checkpoint.root), (600, report.root));
        assert_eq!(store.audit_checkpoint().await.unwrap().unwrap(), note);
        // Served by path: a partial tile of a smaller tree is a prefix.
        let tile = |path: &str| TileId::parse_path(path).unwrap();
        let full = std::fs::read(dir.path().join("tile/0/002.p/88")).unwrap();
        assert_eq!(store.audit_tile(tile("tile/0/002.p/10")).await.unwrap().unwrap(), full[..320]);
        assert_eq!(store.audit_tile(tile("tile/0/002.p/89")).await.unwrap(), None);
        assert_eq!(store.audit_tile(tile("tile/0/002")).await.unwrap(), None);
        assert_eq!(store.audit_tile(tile("tile/entries/000")).await.unwrap().unwrap().len(), 256 * 34);
    }
}

#[tokio::test]
async fn a_changed_tile_byte_is_named() {
    for db in test_databases().await {
        let store = tiled(&db).await;
        for (key, path) in [
            ("level = 0 AND idx = 1", "tile/0/001"),
            ("level = 1 AND idx = 0", "tile/1/000.p/2"),
            ("level = 0 AND idx = 2", "tile/0/002.p/88"),
        ] {
            let original = blob(&store, "audit_tiles", key).await;
            let mut changed = original.clone();
            changed[33] ^= 1;
            set_blob(&store, "audit_tiles", key, changed).await;
            assert_eq!(problem(&store, &db).await, Some(AuditProblem::TileAltered { path: path.into() }), "{}", db.name());
            // Nothing is signed on top of a changed last tile.
            if path.contains(".p/") {
                assert!(matches!(store.append_audit(vec![event(1)]).await, Err(StoreError::AuditDamaged)), "{path}");
            }
            set_blob(&store, "audit_tiles", key, original).await;
        }
        assert_eq!(problem(&store, &db).await, None);
    }
}

#[tokio::test]
async fn a_truncated_or_reordered_entry_bundle_is_named() {
    for db in test_databases().await {
        let store = tiled(&db).await;
        let original = blob(&store, "audit_bundles", "idx = 1").await;
        set_blob(&store, "audit_bundles", "idx = 1", original[..original.len() - 10].to_vec()).await;
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::TileAltered { path: "tile/entries/001".into() }), "{}", db.name());
        // Entries 3 and 4 swapped inside the bundle.
        let mut reordered = original.clone();
        let (third, fourth) = (original[3 * 34..4 * 34].to_vec(), original[4 * 34..5 * 34].to_vec());
        reordered[3 * 34..4 * 34].copy_from_slice(&fourth);
        reordered[4 * 34..5 * 34].copy_from_slice(&third);
        set_blob(&store, "audit_bundles", "idx = 1", reordered).await;
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::TileAltered { path: "tile/entries/001".into() }), "{}", db.name());
        set_blob(&store, "audit_bundles", "idx = 1", original).await;
        // A tile the tree does not have.
        sqlx::query("INSERT INTO audit_bundles (idx, entries) VALUES (9, $1)").bind(vec![0u8, 0]).execute(store.pool()).await.unwrap();
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::TileCount { size: 600, expected: 7, found: 8 }), "{}", db.name());
    }
}

#[tokio::test]
async fn a_log_of_the_earlier_layout_is_verified_then_recommitted_with_an_event() {
    for db in test_databases().await {
        let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
        let store = Store::create(&db.url, ring.clone()).await.unwrap();
        store.append_v1_for_tests(&log_key(), &(0..300).map(event).collect::<Vec<_>>()).await.unwrap();
        store.append_v1_for_tests(&log_key(), &(300..310).map(event).collect::<Vec<_>>()).await.unwrap();
        let before = store.audit_entries(&AuditFilter::default()).await.unwrap();
        store.close().await;

        let mut store = Store::open(&db.url, ring).await.unwrap();
        store.enable_audit(log_key(), None).await.unwrap();
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!((report.problem, report.size), (None, 311), "{}", db.name());
        let after = store.audit_entries(&AuditFilter { with_details: true, ..AuditFilter::default() }).await.unwrap();
        // The events are kept as they were; the migration is the next one.
        for (old, new) in before.iter().zip(&after) {
            assert_eq!((old.seq, old.at_ms, &old.actor, &old.client_id), (new.seq, new.at_ms, &new.actor, &new.client_id));
        }
        let migration = &after[310];
        assert_eq!(migration.kind, AuditKind::LogRecommitted);
        assert_eq!(migration.details.as_ref().unwrap()["size"], 310);
        let nodes: i64 = sqlx::query("SELECT COUNT(*) FROM audit_nodes").fetch_one(store.pool()).await.unwrap().try_get(0).unwrap();
        assert_eq!(nodes, 0);
        // Appends go on from there, and proofs check out.
        store.append_audit(vec![event(400)]).await.unwrap();
        let (proof, head) = store.audit_inclusion_proof(299, None).await.unwrap();
        proof.verify(&store.audit_entry(299).await.unwrap().leaf_hash, &head.head.root).unwrap();
        assert_eq!(problem(&store, &db).await, None);
    }
}

#[tokio::test]
async fn a_damaged_log_of_the_earlier_layout_is_not_recommitted() {
    for db in test_databases().await {
        let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
        let store = Store::create(&db.url, ring.clone()).await.unwrap();
        store.append_v1_for_tests(&log_key(), &(0..20).map(event).collect::<Vec<_>>()).await.unwrap();
        exec(&store, "UPDATE audit_entries SET actor_id = 'st-evil' WHERE seq = 4").await;
        store.close().await;

        let mut store = Store::open(&db.url, ring).await.unwrap();
        store.enable_audit(log_key(), None).await.unwrap();
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, Some(AuditProblem::EntryAltered { seq: 4 }), "{}", db.name());
        assert!(matches!(store.append_audit(vec![event(1)]).await, Err(StoreError::AuditDamaged)));
    }
}

#[tokio::test]
async fn a_log_is_signed_by_one_key_only_and_appends_need_it() {
    for db in test_databases().await {
        let store = filled(&db).await;
        let url = db.url.clone();
        let ring = store.keys().clone();
        store.close().await;
        let mut reopened = Store::open(&url, ring.clone()).await.unwrap();
        assert!(matches!(reopened.append_audit(vec![event(1)]).await, Err(StoreError::Invalid { .. })));
        let wrong = reopened.enable_audit(LogSigningKey::from_seed(&[8; 32]), None).await;
        assert!(matches!(wrong, Err(StoreError::WrongKey(_))), "{}", db.name());
        reopened.enable_audit(log_key(), None).await.unwrap();
        reopened.append_audit(vec![event(20)]).await.unwrap();
        assert_eq!(reopened.verify_audit(&log_key().verifying_key(), None).await.unwrap().size, 21);
        assert_eq!(reopened.audit_public_key().await.unwrap(), Some(log_key().verifying_key()));
    }
}

/// A KEK retired by a rotation elsewhere (another server) after this store
/// read its keys may not wrap a batch's data key: the append is refused and
/// leaves no row, data key, tile or checkpoint behind (on PostgreSQL the
/// key's insert shares one statement with everything else the append writes).
#[tokio::test]
async fn an_append_whose_kek_was_retired_meanwhile_is_refused_and_writes_nothing() {
    for db in test_databases().await {
        let store = filled(&db).await;
        let count = |table: &'static str| {
            let store = &store;
            async move {
                let row = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(store.pool()).await.unwrap();
                row.try_get::<i64, _>(0).unwrap()
            }
        };
        let before = [count("audit_entries").await, count("data_keys").await, count("audit_tiles").await, count("audit_checkpoints").await];
        exec(&store, "UPDATE key_encryption_keys SET retired_at = 1").await;
        let refused = store.append_audit((20..30).map(event).collect()).await;
        assert!(matches!(refused, Err(StoreError::KeyRotated)), "{}: {refused:?}", db.name());
        let after = [count("audit_entries").await, count("data_keys").await, count("audit_tiles").await, count("audit_checkpoints").await];
        assert_eq!(after, before, "{}", db.name());
        assert_eq!(problem(&store, &db).await, None, "{}", db.name());
    }
}

#[tokio::test]
async fn concurrent_appenders_build_one_consistent_log() {
    for db in test_databases().await {
        let store = std::sync::Arc::new(store_on(&db).await);
        let mut tasks = Vec::new();
        for t in 0..6 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    store.append_audit(vec![event(t * 100 + i)]).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!((report.size, report.heads_checked, report.problem), (60, 60, None), "{}", db.name());
    }
}

/// Where the crash test's child appends: `sqlite:<path>` or a PostgreSQL URL.
const CRASH_DB: &str = "CONFIDANT_AUDIT_CRASH_DB";
/// The key file the child opens the vault with.
const CRASH_KEY: &str = "CONFIDANT_AUDIT_CRASH_KEY";
const CRASH_BATCH: usize = 500;

fn crash_url(text: &str) -> confidant_store::DatabaseUrl {
    match text.strip_prefix("sqlite:") {
        Some(path) => confidant_store::DatabaseUrl::sqlite_file(std::path::Path::new(path)),
        None => confidant_store::DatabaseUrl::new(text),
    }
}

/// The child of `appends_killed_with_sigkill_leave_whole_batches_and_a_log_that_verifies`:
/// appends batches of 500 until killed, printing each commit. Run only by
/// that test (`--ignored --exact`), with the environment it sets.
#[tokio::test]
#[ignore = "the crash test's child process"]
async fn audit_appender_child() {
    let url = crash_url(&std::env::var(CRASH_DB).unwrap());
    let keys = KeyRing::load(std::path::Path::new(&std::env::var(CRASH_KEY).unwrap())).unwrap();
    let mut store = Store::open(&url, keys).await.unwrap();
    store.enable_audit(log_key(), None).await.unwrap();
    let mut i = 0;
    loop {
        store.append_audit((i..i + CRASH_BATCH).map(event).collect()).await.unwrap();
        i += CRASH_BATCH;
        println!("appended {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_killed_with_sigkill_leave_whole_batches_and_a_log_that_verifies() {
    use std::io::BufRead as _;

    let dir = tempfile::tempdir().unwrap();
    let mut targets = vec![format!("sqlite:{}", dir.path().join("crash.sqlite").display())];
    if let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL")
        && !base.is_empty()
    {
        targets.push(confidant_store::testing::fresh_postgres_url(&base).await);
    }
    for target in targets {
        let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
        let key_file = dir.path().join(format!("key-{}", target.len()));
        ring.create_file(&key_file).unwrap();
        let mut store = Store::create(&crash_url(&target), ring.clone()).await.unwrap();
        store.enable_audit(log_key(), None).await.unwrap();
        store.append_audit(vec![event(0)]).await.unwrap();
        store.close().await;

        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "audit_appender_child", "--ignored", "--nocapture", "--test-threads", "1"])
            .env(CRASH_DB, &target)
            .env(CRASH_KEY, &key_file)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill it once three batches are in, mid-way through the next ones.
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut commits = 0;
        while commits < 3 {
            let line = lines.next().expect("the child appends").unwrap();
            commits += usize::from(line.starts_with("appended "));
        }
        std::thread::sleep(std::time::Duration::from_millis(30));
        child.kill().unwrap(); // SIGKILL on Unix: no destructor, no commit
        child.wait().unwrap();

        let mut store = Store::open(&crash_url(&target), ring).await.unwrap();
        store.enable_audit(log_key(), None).await.unwrap();
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, None, "{target}");
        assert!(report.size > 3 * CRASH_BATCH as u64, "{target}: {}", report.size);
        assert_eq!((report.size - 1) % CRASH_BATCH as u64, 0, "{target}: whole batches only, {} entries", report.size);
        // The log takes new entries after the crash, and still verifies.
        store.append_audit((0..300).map(event).collect()).await.unwrap();
        assert_eq!(store.verify_audit(&log_key().verifying_key(), None).await.unwrap().problem, None, "{target}");
        store.close().await;
    }
}

/// Appends on the native pool (`append_audit`, the group commit) and
/// audited writes on the `Any` pool (`commit_audited` in the write's own
/// transaction) at once: on SQLite two pools on one file, on PostgreSQL
/// two sets of connections. None fails with a locked or busy database,
/// and the log stays one linear history that verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appends_from_both_pools_interleave_into_one_log_that_verifies() {
    for db in test_databases().await {
        let store = std::sync::Arc::new(store_on(&db).await);
        let mut tasks = Vec::new();
        for task in 0..4usize {
            let appender = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..20 {
                    appender.append_audit((0..5).map(|k| event(task * 1000 + i * 5 + k)).collect()).await.unwrap();
                }
            }));
            let writer = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..20u8 {
                    let policy = TrainingPolicy { pass_percent: 50 + i, interval_months: 12 };
                    let audit = AuditEvent::new(AuditKind::TrainingPolicyChanged, Some("st-1"));
                    writer.set_training_policy_audited(policy, audit).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, None);
        assert_eq!(report.size, 4 * 20 * 5 + 4 * 20);
        let seqs: Vec<u64> = store.audit_entries(&AuditFilter::default()).await.unwrap().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..report.size).collect::<Vec<_>>());
    }
}

/// Two stores on one database, as two servers on one PostgreSQL, taking
/// turns with batches that end inside and on the edges of entry bundles
/// and tiles: each append starts from the end the other store left, not
/// from anything it remembers, and the log is one history that verifies,
/// from either store.
#[tokio::test]
async fn a_store_whose_idea_of_the_log_end_is_stale_appends_after_the_other_store() {
    for db in test_databases().await {
        let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
        let mut first = Store::create(&db.url, ring.clone()).await.unwrap();
        first.enable_audit(log_key(), None).await.unwrap();
        let mut second = Store::open(&db.url, ring).await.unwrap();
        second.enable_audit(log_key(), None).await.unwrap();
        let mut expected = 0;
        // Batches of 1 to 300 entries cross entry-bundle and tile edges.
        for (turn, n) in [1usize, 255, 3, 300, 1, 256, 17].into_iter().enumerate() {
            let store = if turn % 2 == 0 { &first } else { &second };
            store.append_audit((0..n).map(|k| event(expected + k)).collect()).await.unwrap();
            expected += n;
        }
        for store in [&first, &second] {
            let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
            assert_eq!((report.problem, report.size), (None, expected as u64), "{}", db.name());
        }
        second.close().await;
        first.close().await;
    }
}

#[tokio::test]
async fn the_background_witness_holds_the_latest_head_once_flushed_however_fast_heads_arrive() {
    for db in test_databases().await {
        let store = std::sync::Arc::new(store_on(&db).await);
        store.write_witness_in_background().unwrap();
        // Heads arrive faster than the witness thread's interval: it
        // coalesces them, and the flush writes the last without waiting.
        for i in 0..6 {
            store.append_audit(vec![event(i)]).await.unwrap();
        }
        let flushing = store.clone();
        tokio::task::spawn_blocking(move || flushing.flush_witness()).await.unwrap();
        let witness = read_witness(&db.dir.path().join(WITNESS_FILE_NAME)).unwrap().unwrap();
        assert_eq!(witness, store.tree_head().await.unwrap().unwrap(), "{}", db.name());
        assert_eq!(witness.head.size, 6, "{}", db.name());
        assert_eq!(problem(&store, &db).await, None, "{}", db.name());
    }
}
