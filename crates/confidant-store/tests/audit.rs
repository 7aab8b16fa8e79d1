//! The audit log as stored: appends verify, proofs served from stored nodes
//! check out with the database-free verifier, and tampering straight in the
//! database — a changed byte, a deleted entry, two swapped, a truncated
//! tail, a replaced tree head, an altered node — is found by `verify_audit`
//! and named. Runs on SQLite and, when configured, PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_audit::{LogSigningKey, TreeHead};
use confidant_policy::vocab::Category;
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{
    AuditEvent, AuditFilter, AuditKind, AuditProblem, Detail, KeyRing, Store, StoreError, WITNESS_FILE_NAME, read_witness,
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

#[tokio::test]
async fn an_entry_changed_together_with_its_leaf_is_caught_by_the_signed_head() {
    for db in test_databases().await {
        let store = filled(&db).await;
        exec(&store, "UPDATE audit_entries SET actor_id = 'st-evil' WHERE seq = 7").await;
        let entry = store.audit_entry(7).await.unwrap();
        sqlx::query("UPDATE audit_nodes SET hash = $1 WHERE level = 0 AND idx = 7")
            .bind(entry.leaf_hash.as_bytes().to_vec())
            .execute(store.pool())
            .await
            .unwrap();
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

        // Removing the heads and nodes as well leaves a log consistent in
        // itself; the witness outside the database still knows.
        let other = fresh(&db).await;
        let store_b = filled(&other).await;
        exec(&store_b, "DELETE FROM audit_entries WHERE seq >= 10").await;
        exec(&store_b, "DELETE FROM audit_tree_heads WHERE size > 10").await;
        // Every node reaching past leaf 10: at level l, those from index 10 >> l.
        for level in 0..5i64 {
            sqlx::query("DELETE FROM audit_nodes WHERE level = $1 AND idx >= $2")
                .bind(level)
                .bind(10i64 >> level)
                .execute(store_b.pool())
                .await
                .unwrap();
        }
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
        sqlx::query("UPDATE audit_tree_heads SET root = $1 WHERE size = 10").bind(vec![9u8; 32]).execute(store.pool()).await.unwrap();
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::HeadSignature { size: 10 }), "{}", db.name());

        // A head re-signed by someone else's key is no better.
        let other = fresh(&db).await;
        let store = filled(&other).await;
        let row = sqlx::query("SELECT root, timestamp_ms FROM audit_tree_heads WHERE size = 5").fetch_one(store.pool()).await.unwrap();
        let root: Vec<u8> = row.try_get("root").unwrap();
        let ts: i64 = row.try_get("timestamp_ms").unwrap();
        let forged = LogSigningKey::from_seed(&[8; 32]).sign(TreeHead { size: 5, root: root.try_into().unwrap(), timestamp_ms: ts as u64 });
        sqlx::query("UPDATE audit_tree_heads SET signature = $1 WHERE size = 5")
            .bind(forged.signature.to_vec())
            .execute(store.pool())
            .await
            .unwrap();
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, Some(AuditProblem::HeadSignature { size: 5 }), "{}", db.name());
    }
}

#[tokio::test]
async fn an_altered_tree_node_is_named() {
    for db in test_databases().await {
        let store = filled(&db).await;
        sqlx::query("UPDATE audit_nodes SET hash = $1 WHERE level = 2 AND idx = 1")
            .bind(vec![1u8; 32])
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(problem(&store, &db).await, Some(AuditProblem::NodeAltered { level: 2, index: 1 }), "{}", db.name());
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
