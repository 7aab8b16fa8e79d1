//! The state several servers on one database share (migration 14): sliding
//! windows of sign-in attempts that every process counts together, and the
//! principal version that the database's own triggers move with every
//! change a cached principal depends on, and only then. Runs on SQLite and,
//! when configured, PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;

use confidant_audit::LogSigningKey;
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{AuditEvent, AuditKind, Detail, KeyRing, NewStaff, StaffRole, Store};

async fn store_on(db: &TestDatabase) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[3; 32]), None).await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_windows_slide_and_count_concurrent_attempts_once() {
    for db in test_databases().await {
        let store = Arc::new(store_on(&db).await);
        let t0 = 1_800_000_000_000;
        // Twelve attempts at once, limit ten: exactly ten get through.
        let tries: Vec<_> = (0..12)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move { store.count_attempt("subject-a", t0 + i, 60_000, 10, true).await.unwrap() })
            })
            .collect();
        let mut allowed = 0;
        for t in tries {
            allowed += u32::from(t.await.unwrap().allowed);
        }
        assert_eq!(allowed, 10, "{}", db.name());
        let refused = store.count_attempt("subject-a", t0 + 30_000, 60_000, 10, true).await.unwrap();
        assert!(!refused.allowed);
        assert_eq!(refused.in_window, 10);
        assert!(refused.frees_at_ms.unwrap() > t0 + 30_000 && refused.frees_at_ms.unwrap() <= t0 + 60_011);
        // Another subject has its own window.
        assert!(store.count_attempt("subject-b", t0 + 30_000, 60_000, 10, true).await.unwrap().allowed);
        // The window slides: once the first attempts are a minute old, more get through.
        let later = store.count_attempt("subject-a", t0 + 60_500, 60_000, 10, true).await.unwrap();
        assert!(later.allowed, "{}", db.name());
        // Counting without refusing saturates at the limit.
        let counts: Vec<u32> = {
            let mut out = Vec::new();
            for i in 0..7 {
                out.push(store.count_attempt("unknown", t0 + i, 900_000, 5, false).await.unwrap().in_window);
            }
            out
        };
        assert_eq!(counts, vec![1, 2, 3, 4, 5, 5, 5]);
        // Old windows are pruned; recent ones stay.
        assert_eq!(store.prune_attempts(t0 - 1).await.unwrap(), 0);
        assert_eq!(store.prune_attempts(t0 + 60_500).await.unwrap(), 3, "{}", db.name());
    }
}

#[tokio::test]
async fn the_principal_version_moves_with_every_change_a_cached_principal_depends_on() {
    for db in test_databases().await {
        let store = store_on(&db).await;
        store.add_staff(NewStaff { id: Some("st-a".into()), display_name: "A".into(), role: StaffRole::Nurse }).await.unwrap();
        store.set_password_hash("st-a", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g").await.unwrap();
        let mut seen = store.principal_version().await.unwrap();
        let mut moved = async |what: &str, expected: bool| {
            let now = store.principal_version().await.unwrap();
            assert_eq!(now != seen, expected, "{what} on {}", db.name());
            seen = now;
        };
        // Sign-in bookkeeping, new sessions and tokens change no cached principal.
        store.claim_password_check("st-a", 5, 900).await.unwrap();
        store.record_sign_in_success("st-a").await.unwrap();
        store.create_session("hash-1", "st-a", "csrf", 4_000_000_000).await.unwrap();
        let token = store.create_api_token("hash-2", "st-a", "t", &["read".into()]).await.unwrap();
        moved("sign-in bookkeeping and new credentials", false).await;
        store.revoke_session("hash-1").await.unwrap();
        moved("a revoked session", true).await;
        store.revoke_api_token(&token, "st-a").await.unwrap();
        moved("a revoked token", true).await;
        let change = AuditEvent::new(AuditKind::StaffChanged, None).with(Detail::Role(StaffRole::Supervisor));
        assert_eq!(store.set_staff_role_audited("st-a", StaffRole::Supervisor, change).await.unwrap().0, StaffRole::Nurse);
        moved("a role change", true).await;
        let same = AuditEvent::new(AuditKind::StaffChanged, None);
        assert!(store.set_staff_role_audited("st-a", StaffRole::Supervisor, same).await.is_err(), "the role it already has");
        moved("a refused role change", false).await;
        store.set_staff_active("st-a", false).await.unwrap();
        moved("a deactivation", true).await;
    }
}
