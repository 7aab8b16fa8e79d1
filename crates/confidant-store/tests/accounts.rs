//! Sign-in state and need-to-know as stored: failed attempts lock an
//! account and success clears it, sessions and API tokens are found only by
//! their hash and stop working when expired, revoked or their staff member
//! is deactivated, another's token cannot be revoked, TOTP secrets and
//! break-glass reasons are sealed at rest, caseload and care team decide who
//! sees a client, and a break-glass access is reviewed once, by someone else.
//! Runs on SQLite and, when configured, PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_audit::LogSigningKey;
use confidant_policy::Date;
use confidant_policy::vocab::Category;
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{
    Birth, KeyRing, NewClient, NewRecord, NewStaff, Record, StaffRole, Store, StoreError, WITNESS_FILE_NAME, now_secs, today,
};
use sqlx::{AssertSqlSafe, Row};

async fn store_on(db: &TestDatabase) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[3; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store
}

async fn staff(store: &Store, id: &str, role: StaffRole) -> String {
    store.add_staff(NewStaff { id: Some(id.to_string()), display_name: format!("Staff {id}"), role }).await.unwrap()
}

/// Staff `st-case` (a case manager), `st-team` (a nurse on team
/// `team-east`, whose id is returned) and `st-other` (a nurse on no team).
async fn case_manager_team_nurse_and_outsider(store: &Store) -> String {
    staff(store, "st-case", StaffRole::CaseManager).await;
    staff(store, "st-team", StaffRole::Nurse).await;
    staff(store, "st-other", StaffRole::Nurse).await;
    let team = store.add_team(Some("team-east"), "East").await.unwrap();
    store.add_team_member(&team, "st-team").await.unwrap();
    team
}

async fn client(store: &Store, id: &str, team: Option<String>) -> String {
    store
        .add_client(NewClient {
            id: Some(id.to_string()),
            name: "Juniper Quillfeather".to_string(),
            contact: None,
            notes: None,
            birth: Birth::DateOfBirth(Date::parse("1990-04-02").unwrap()),
            part2_program: false,
            lps_program: false,
            team_id: team,
        })
        .await
        .unwrap()
}

/// Every BLOB and TEXT cell of `table` as bytes, to look for plaintext.
async fn raw_cells(store: &Store, table: &str) -> Vec<Vec<u8>> {
    let rows = sqlx::query(AssertSqlSafe(format!("SELECT * FROM {table}"))).fetch_all(store.pool()).await.unwrap();
    let mut out = Vec::new();
    for row in &rows {
        for i in 0..row.len() {
            if let Ok(bytes) = row.try_get::<Vec<u8>, _>(i) {
                out.push(bytes);
            } else if let Ok(text) = row.try_get::<String, _>(i) {
                out.push(text.into_bytes());
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn failed_sign_ins_lock_the_account_and_a_success_clears_the_count() {
    for db in test_databases().await {
        let store = store_on(&db).await;
        staff(&store, "st-a", StaffRole::Nurse).await;
        store.set_password_hash("st-a", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g").await.unwrap();
        let fresh = store.credential("st-a").await.unwrap().unwrap();
        assert_eq!((fresh.failed_attempts, fresh.locked_until, fresh.totp_enabled), (0, None, false), "{}", db.name());
        // Each password check is claimed before it is made.
        for expected in 1..=2 {
            assert_eq!(store.claim_password_check("st-a", 3, 900).await.unwrap(), Some(expected));
            assert_eq!(store.credential("st-a").await.unwrap().unwrap().locked_until, None, "{}", db.name());
        }
        let before = now_secs();
        assert_eq!(store.claim_password_check("st-a", 3, 900).await.unwrap(), Some(3));
        let locked = store.credential("st-a").await.unwrap().unwrap();
        assert!(locked.locked_until.unwrap() >= before + 900, "{}", db.name());
        assert_eq!(store.claim_password_check("st-a", 3, 900).await.unwrap(), None, "locked: no more checks");
        store.record_sign_in_success("st-a").await.unwrap();
        let cleared = store.credential("st-a").await.unwrap().unwrap();
        assert_eq!((cleared.failed_attempts, cleared.locked_until), (0, None), "{}", db.name());
        // A new password also lifts a lock.
        store.claim_password_check("st-a", 1, 900).await.unwrap();
        store.set_password_hash("st-a", "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$aGFzaGhhc2g").await.unwrap();
        assert_eq!(store.credential("st-a").await.unwrap().unwrap().locked_until, None, "{}", db.name());
        assert!(store.credential("nobody").await.unwrap().is_none());
        assert!(matches!(store.set_password_hash("nobody", "x").await, Err(StoreError::NotFound { .. })));
    }
}

#[tokio::test]
async fn sessions_work_until_expired_revoked_or_their_staff_is_deactivated() {
    for db in test_databases().await {
        let store = store_on(&db).await;
        staff(&store, "st-a", StaffRole::Nurse).await;
        let later = now_secs() + 3600;
        store.create_session("hash-live", "st-a", "csrf-1", later).await.unwrap();
        store.create_session("hash-old", "st-a", "csrf-2", now_secs() - 1).await.unwrap();
        store.create_session("hash-out", "st-a", "csrf-3", later).await.unwrap();
        let live = store.session("hash-live").await.unwrap().unwrap();
        assert_eq!((live.staff_id.as_str(), live.csrf_token.as_str()), ("st-a", "csrf-1"), "{}", db.name());
        assert!(store.session("hash-old").await.unwrap().is_none(), "expired: {}", db.name());
        store.revoke_session("hash-out").await.unwrap();
        assert!(store.session("hash-out").await.unwrap().is_none(), "revoked: {}", db.name());
        assert!(store.session("no-such-hash").await.unwrap().is_none());
        store.set_staff_active("st-a", false).await.unwrap();
        assert!(store.session("hash-live").await.unwrap().is_none(), "deactivated: {}", db.name());
        store.set_staff_active("st-a", true).await.unwrap();
        assert!(store.session("hash-live").await.unwrap().is_some(), "reactivated: {}", db.name());
        // After a password change every other session ends; the one kept stays.
        staff(&store, "st-b", StaffRole::Nurse).await;
        store.create_session("hash-second", "st-a", "csrf-4", later).await.unwrap();
        store.create_session("hash-b", "st-b", "csrf-5", later).await.unwrap();
        assert_eq!(store.revoke_sessions_of("st-a", Some("hash-live")).await.unwrap(), 1, "{}", db.name());
        assert!(store.session("hash-live").await.unwrap().is_some());
        assert!(store.session("hash-second").await.unwrap().is_none(), "{}", db.name());
        assert!(store.session("hash-b").await.unwrap().is_some(), "another staff member's session is untouched");
        store.revoke_sessions_of("st-a", None).await.unwrap();
        assert!(store.session("hash-live").await.unwrap().is_none(), "{}", db.name());
    }
}

#[tokio::test]
async fn api_tokens_are_found_by_hash_scoped_and_revocable_only_by_their_owner() {
    for db in test_databases().await {
        let store = store_on(&db).await;
        staff(&store, "st-a", StaffRole::Nurse).await;
        staff(&store, "st-b", StaffRole::Nurse).await;
        let scopes = vec!["decisions".to_string(), "read".to_string()];
        let id = store.create_api_token("tok-hash-a", "st-a", "billing bridge", &scopes).await.unwrap();
        let found = store.api_token("tok-hash-a").await.unwrap().unwrap();
        assert_eq!(
            (found.id.as_str(), found.staff_id.as_str(), found.scopes.clone()),
            (id.as_str(), "st-a", scopes.clone()),
            "{}",
            db.name()
        );
        assert!(
            matches!(store.create_api_token("tok-hash-x", "st-a", "  ", &scopes).await, Err(StoreError::Invalid { ref field, .. }) if field == "name")
        );
        // Another staff member's revoke is "not found" and changes nothing.
        assert!(matches!(store.revoke_api_token(&id, "st-b").await, Err(StoreError::NotFound { .. })), "{}", db.name());
        assert!(store.api_token("tok-hash-a").await.unwrap().is_some());
        store.set_staff_active("st-a", false).await.unwrap();
        assert!(store.api_token("tok-hash-a").await.unwrap().is_none(), "deactivated: {}", db.name());
        store.set_staff_active("st-a", true).await.unwrap();
        store.revoke_api_token(&id, "st-a").await.unwrap();
        assert!(store.api_token("tok-hash-a").await.unwrap().is_none(), "revoked: {}", db.name());
        assert!(matches!(store.revoke_api_token(&id, "st-a").await, Err(StoreError::NotFound { .. })), "twice: {}", db.name());
        let listed = store.api_tokens("st-a").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].revoked_at.is_some());
        assert!(store.api_tokens("st-b").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn totp_secrets_are_sealed_at_rest_and_open_for_their_owner() {
    for db in test_databases().await {
        let store = store_on(&db).await;
        staff(&store, "st-a", StaffRole::Nurse).await;
        staff(&store, "st-b", StaffRole::Nurse).await;
        store.set_password_hash("st-a", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g").await.unwrap();
        store.set_password_hash("st-b", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g").await.unwrap();
        let secret = b"TOTPSECRET-0123456789";
        store.set_totp_secret("st-a", secret, false).await.unwrap();
        assert!(!store.credential("st-a").await.unwrap().unwrap().totp_enabled);
        store.set_totp_secret("st-a", secret, true).await.unwrap();
        assert!(store.credential("st-a").await.unwrap().unwrap().totp_enabled, "{}", db.name());
        assert_eq!(store.totp_secret("st-a").await.unwrap().unwrap().as_slice(), secret.as_slice());
        assert!(store.totp_secret("st-b").await.unwrap().is_none());
        assert!(matches!(store.clear_totp("nobody").await, Err(StoreError::NotFound { .. })));
        for cell in raw_cells(&store, "staff_credentials").await {
            assert!(!contains(&cell, b"TOTPSECRET"), "plaintext TOTP secret at rest on {}", db.name());
        }
        // A secret copied onto another staff member's row does not open there (bound to the row).
        sqlx::query("UPDATE staff_credentials SET totp_secret = (SELECT totp_secret FROM staff_credentials WHERE staff_id = $1) WHERE staff_id = $2")
            .bind("st-a")
            .bind("st-b")
            .execute(store.pool())
            .await
            .unwrap();
        assert!(store.totp_secret("st-b").await.is_err(), "{}", db.name());
        store.clear_totp("st-a").await.unwrap();
        assert!(store.totp_secret("st-a").await.unwrap().is_none(), "{}", db.name());
        assert!(!store.credential("st-a").await.unwrap().unwrap().totp_enabled, "{}", db.name());
    }
}

#[tokio::test]
async fn caseload_and_care_team_decide_who_sees_a_client() {
    for db in test_databases().await {
        let store = store_on(&db).await;
        let team = case_manager_team_nurse_and_outsider(&store).await;
        let on_team = client(&store, "cl-team", Some(team)).await;
        let assigned = client(&store, "cl-case", None).await;
        store.assign("st-case", &assigned, today()).await.unwrap();
        assert!(store.on_caseload("st-case", &assigned).await.unwrap(), "{}", db.name());
        assert!(store.on_caseload("st-team", &on_team).await.unwrap(), "{}", db.name());
        assert!(!store.on_caseload("st-case", &on_team).await.unwrap());
        assert!(!store.on_caseload("st-other", &assigned).await.unwrap());
        assert!(!store.on_caseload("st-other", "cl-missing").await.unwrap());
        assert_eq!(store.visible_clients("st-case").await.unwrap(), vec![assigned.clone()]);
        assert_eq!(store.visible_clients("st-team").await.unwrap(), vec![on_team.clone()]);
        assert!(store.visible_clients("st-other").await.unwrap().is_empty(), "{}", db.name());
    }
}

#[tokio::test]
async fn a_caseload_read_checks_and_reads_together_and_reads_nothing_for_someone_else() {
    for db in test_databases().await {
        let store = store_on(&db).await;
        let team = case_manager_team_nurse_and_outsider(&store).await;
        let assigned = client(&store, "cl-case", Some(team)).await;
        store.assign("st-case", &assigned, today()).await.unwrap();
        for content in ["Seen today.", "Plan unchanged."] {
            let new = NewRecord {
                id: None,
                client_id: assigned.clone(),
                category: Category::ProgressNotes,
                author_id: "st-case".into(),
                content: content.into(),
            };
            store.add_record(new).await.unwrap();
        }
        let everything = |all: Vec<Record>| all;
        let expected = store.records_chosen(&assigned, true, &everything).await.unwrap();
        assert_eq!(expected.len(), 2);
        // On the caseload and through the care team: the same records, opened.
        for who in ["st-case", "st-team"] {
            let read = store.records_chosen_on_caseload(who, &assigned, true, &everything).await.unwrap();
            let read = read.unwrap_or_else(|| panic!("{who} has the client on {}", db.name()));
            let seen = |records: &[Record]| records.iter().map(|r| (r.id.clone(), r.content.clone())).collect::<Vec<_>>();
            assert_eq!(seen(&read), seen(&expected), "{who} on {}", db.name());
            assert!(read.iter().all(|r| r.content.is_some()), "{}", db.name());
        }
        // Neither: nothing is read, and the caller is told so.
        let chose = std::sync::atomic::AtomicBool::new(false);
        let spy = |all: Vec<Record>| {
            chose.store(true, std::sync::atomic::Ordering::SeqCst);
            all
        };
        assert!(store.records_chosen_on_caseload("st-other", &assigned, true, &spy).await.unwrap().is_none(), "{}", db.name());
        assert!(store.records_chosen_on_caseload("st-other", "cl-missing", true, &spy).await.unwrap().is_none(), "{}", db.name());
        assert!(!chose.load(std::sync::atomic::Ordering::SeqCst), "no record listed for someone off the caseload on {}", db.name());
    }
}

#[tokio::test]
async fn break_glass_grants_expire_seal_the_reason_and_are_reviewed_once_by_someone_else() {
    for db in test_databases().await {
        let store = store_on(&db).await;
        staff(&store, "st-nurse", StaffRole::Nurse).await;
        staff(&store, "st-po", StaffRole::PrivacyOfficer).await;
        let cl = client(&store, "cl-1", None).await;
        assert!(
            matches!(store.open_break_glass("st-nurse", &cl, "urgent", 60).await, Err(StoreError::Invalid { ref field, .. }) if field == "reason")
        );
        assert!(matches!(
            store.open_break_glass("st-nurse", "cl-missing", "crisis line call, client at risk", 60).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(!store.has_break_glass("st-nurse", &cl).await.unwrap());
        let reason = "Xylophone crisis call: client at risk tonight";
        let grant = store.open_break_glass("st-nurse", &cl, reason, 30).await.unwrap();
        assert_eq!(grant.expires_at - grant.opened_at, 30 * 60);
        assert!(store.has_break_glass("st-nurse", &cl).await.unwrap(), "{}", db.name());
        assert!(!store.has_break_glass("st-po", &cl).await.unwrap(), "a grant is personal");
        for cell in raw_cells(&store, "break_glass").await {
            assert!(!contains(&cell, b"Xylophone"), "plaintext reason at rest on {}", db.name());
        }
        let queue = store.break_glass_queue(false).await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!((queue[0].id.as_str(), queue[0].reason.as_str()), (grant.id.as_str(), reason));

        // Nobody reviews their own break-glass.
        let own = store.open_break_glass("st-po", &cl, "covering the on-call phone tonight", 30).await.unwrap();
        assert!(
            matches!(store.review_break_glass(&own.id, "st-po", true).await, Err(StoreError::Invalid { ref field, .. }) if field == "review"),
            "{}",
            db.name()
        );

        store.review_break_glass(&grant.id, "st-po", true).await.unwrap();
        assert!(
            matches!(store.review_break_glass(&grant.id, "st-po", false).await, Err(StoreError::Invalid { .. })),
            "reviewed once: {}",
            db.name()
        );
        assert!(matches!(store.review_break_glass("bg-missing", "st-po", true).await, Err(StoreError::NotFound { .. })));
        let pending: Vec<String> = store.break_glass_queue(false).await.unwrap().into_iter().map(|b| b.id).collect();
        assert_eq!(pending, vec![own.id.clone()], "{}", db.name());
        let all = store.break_glass_queue(true).await.unwrap();
        let reviewed = all.iter().find(|b| b.id == grant.id).unwrap();
        assert_eq!((reviewed.reviewed_by.as_deref(), reviewed.outcome.as_deref()), (Some("st-po"), Some("justified")));

        // An expired grant no longer opens the client.
        sqlx::query("UPDATE break_glass SET expires_at = $1 WHERE id = $2")
            .bind(now_secs() - 1)
            .bind(grant.id.clone())
            .execute(store.pool())
            .await
            .unwrap();
        assert!(!store.has_break_glass("st-nurse", &cl).await.unwrap(), "expired: {}", db.name());
    }
}
