//! Proofs served from a store's in-memory cache of the newest checkpoint and
//! recent tiles stay right when another process appends to the same
//! database: two stores opened on one database stand for two servers. An
//! entry the other appended is proved against the new checkpoint, the
//! latest checkpoint is picked up once the held one is no longer fresh, a
//! partial tile cached at one width is read again when the tree needs it
//! wider, and every proof verifies against the head it comes with. Runs on
//! SQLite and, when configured, PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use confidant_audit::LogSigningKey;
use confidant_policy::vocab::Category;
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{AuditEvent, AuditKind, KeyRing, Store};

fn log_key() -> LogSigningKey {
    LogSigningKey::from_seed(&[9; 32])
}

fn kek() -> Kek {
    Kek::from_bytes("kek-1", &[3; 32])
}

/// Two stores on one database, as two servers would have.
async fn two_stores(db: &TestDatabase) -> (Store, Store) {
    let mut first = Store::create(&db.url, KeyRing::new(vec![kek()]).unwrap()).await.unwrap();
    first.enable_audit(log_key(), None).await.unwrap();
    let mut second = Store::open(&db.url, KeyRing::new(vec![kek()]).unwrap()).await.unwrap();
    second.enable_audit(log_key(), None).await.unwrap();
    (first, second)
}

fn event(i: u64) -> AuditEvent {
    AuditEvent::new(AuditKind::RecordRead, Some("st-1")).client(&format!("cl-{}", i % 3)).categories(&[Category::Diagnosis])
}

async fn append(store: &Store, from: u64, count: u64) {
    store.append_audit((from..from + count).map(event).collect()).await.unwrap();
}

/// Proves `seq` on `store` against its latest head and checks the proof
/// against that head and the entry; returns the head's size.
async fn proved(store: &Store, seq: u64) -> u64 {
    let (proof, head) = store.audit_inclusion_proof(seq, None).await.unwrap();
    head.verify(&log_key().verifying_key()).unwrap();
    let entry = store.audit_entry(seq).await.unwrap();
    proof.verify(&entry.leaf_hash, &head.head.root).unwrap();
    head.head.size
}

#[tokio::test]
async fn an_entry_another_process_appended_is_proved_against_the_new_checkpoint() {
    for db in test_databases().await {
        let (a, b) = two_stores(&db).await;
        append(&a, 0, 300).await;
        assert_eq!(proved(&a, 10).await, 300, "{}", db.name());
        // B appends: A's cached checkpoint (300) does not cover entry 400.
        append(&b, 300, 200).await;
        assert_eq!(proved(&a, 400).await, 500, "{}", db.name());
        // And the older entries now prove against the new checkpoint too,
        // from tiles cached when the tree was 300 wide where it needs 500.
        for seq in [0, 255, 256, 299, 499] {
            assert_eq!(proved(&a, seq).await, 500, "{} entry {seq}", db.name());
        }
    }
}

#[tokio::test]
async fn the_latest_checkpoint_is_picked_up_once_the_held_one_is_no_longer_fresh() {
    for db in test_databases().await {
        let (a, b) = two_stores(&db).await;
        append(&a, 0, 40).await;
        assert_eq!(proved(&a, 5).await, 40);
        append(&b, 40, 10).await;
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(proved(&a, 5).await, 50, "{}", db.name());
    }
}

#[tokio::test]
async fn proofs_from_cached_tiles_match_a_fresh_stores_at_every_size() {
    for db in test_databases().await {
        let (a, b) = two_stores(&db).await;
        let mut size = 0;
        // Sizes that grow the partial tiles of levels 0 and 1 in place and
        // fill them: each proof on A uses tiles cached at an earlier width.
        for batch in [3, 250, 3, 300, 65_000, 5] {
            let appender = if size % 2 == 0 { &a } else { &b };
            append(appender, size, batch).await;
            size += batch;
            tokio::time::sleep(Duration::from_millis(60)).await;
            let fresh = Store::open(&db.url, KeyRing::new(vec![kek()]).unwrap()).await.unwrap();
            for seq in [0, size / 3, size / 2, size - 1] {
                let (cached, head) = a.audit_inclusion_proof(seq, None).await.unwrap();
                let (uncached, fresh_head) = fresh.audit_inclusion_proof(seq, Some(head.head.size)).await.unwrap();
                assert_eq!(head.head.size, size, "{}", db.name());
                assert_eq!(head, fresh_head);
                assert_eq!(cached, uncached, "{} entry {seq} of {size}", db.name());
                let entry = a.audit_entry(seq).await.unwrap();
                cached.verify(&entry.leaf_hash, &head.head.root).unwrap();
            }
            let (consistency, old, new) = a.audit_consistency_proof(3, size).await.unwrap();
            consistency.verify(&old.head.root, &new.head.root).unwrap();
            fresh.close().await;
        }
    }
}
