//! The operations layer: need-to-know before anything is read or written,
//! every operation in the audit log under its actor and front end, a write
//! and its audit entry committed together or not at all, psychotherapy notes
//! only their author's. SQLite always, PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_app::{Actor, App, AppError, Channel, StatusChange};
use confidant_audit::LogSigningKey;
use confidant_policy::vocab::{Category, ClientStatus};
use confidant_policy::{Date, Restriction};
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{AuditFilter, AuditKind, Birth, Clock, KeyRing, NewClient, NewStaff, StaffRole, Store, WITNESS_FILE_NAME};

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// A vault with a therapist who has the client on their caseload and a
/// peer who does not.
async fn vault(db: &TestDatabase) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[5; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store.set_clock(Clock::fixed(0));
    store.clock().set_day(day("2026-03-01"));
    for (id, role) in [("st-t", StaffRole::Psychotherapist), ("st-p", StaffRole::PeerSupportSpecialist)] {
        store.add_staff(NewStaff { id: Some(id.into()), display_name: format!("Staff {id}"), role }).await.unwrap();
    }
    store
        .add_client(NewClient {
            id: Some("cl-1".into()),
            name: "Zebulon Quixotic".into(),
            contact: None,
            notes: None,
            birth: Birth::DateOfBirth(day("1990-06-15")),
            part2_program: false,
            lps_program: false,
            team_id: None,
        })
        .await
        .unwrap();
    store.assign("st-t", "cl-1", day("2026-01-01")).await.unwrap();
    store
}

async fn staff(store: &Store, id: &str, via: Channel) -> Actor {
    Actor::staff(store.staff(id).await.unwrap(), via)
}

async fn entries(store: &Store, kind: AuditKind) -> Vec<confidant_store::AuditEntry> {
    store.audit_entries(&AuditFilter { kind: Some(kind), with_details: true, ..AuditFilter::default() }).await.unwrap()
}

#[tokio::test]
async fn staff_off_the_caseload_are_refused_and_the_refusal_is_audited() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let peer = staff(&store, "st-p", Channel::Api).await;
        let err = app.add_record(&peer, "cl-1", Category::ProgressNotes, "note".into(), None).await.unwrap_err();
        assert!(matches!(err, AppError::Refused(_)), "{}: {err}", db.name());
        assert!(store.records("cl-1", false).await.unwrap().is_empty(), "nothing was written");
        let refusals = entries(&store, AuditKind::AccessDenied).await;
        assert_eq!(refusals.len(), 1, "{}", db.name());
        assert_eq!(refusals[0].actor.as_deref(), Some("st-p"));
        assert_eq!(refusals[0].details.as_ref().unwrap()["doing"], "add record");
        assert_eq!(refusals[0].details.as_ref().unwrap()["via"], "api");
        // A client that does not exist gets the same answer.
        let unknown = app.read_records(&peer, "cl-nobody").await.unwrap_err();
        assert_eq!(unknown.to_string().replace("cl-nobody", "X"), err.to_string().replace("cl-1", "X"));
    }
}

#[tokio::test]
async fn each_write_is_audited_under_its_actor_and_front_end() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let therapist = staff(&store, "st-t", Channel::Console).await;
        let record = app.add_record(&therapist, "cl-1", Category::ProgressNotes, "slept better".into(), None).await.unwrap();
        let agreed = Restriction { categories: vec![Category::Diagnosis], recipient_kinds: vec![], purposes: vec![], agreed: true };
        let refused = app.add_restriction(&therapist, "cl-1", &agreed, None).await.unwrap_err();
        assert!(matches!(refused, AppError::Forbidden(_)), "only the privacy officer agrees to a restriction: {refused:?}");
        let restriction = Restriction { agreed: false, ..agreed };
        let restriction_id = app.add_restriction(&therapist, "cl-1", &restriction, None).await.unwrap();
        app.change_status(&therapist, "cl-1", StatusChange::Discharge, Some(day("2026-02-20"))).await.unwrap();
        assert_eq!(store.client("cl-1").await.unwrap().status, ClientStatus::Discharged);

        let added = entries(&store, AuditKind::RecordAdded).await;
        assert_eq!(added.len(), 1, "{}", db.name());
        assert_eq!((added[0].actor.as_deref(), added[0].client_id.as_deref()), (Some("st-t"), Some("cl-1")));
        let details = added[0].details.as_ref().unwrap();
        assert_eq!(details["records"], serde_json::json!([record]), "the entry names what was created");
        assert_eq!(details["via"], "console");
        let restricted = entries(&store, AuditKind::RestrictionAdded).await;
        assert_eq!(restricted[0].details.as_ref().unwrap()["restriction"], serde_json::json!(restriction_id));
        let changed = entries(&store, AuditKind::ClientChanged).await;
        assert_eq!(changed[0].details.as_ref().unwrap()["discharged_on"], "2026-02-20");

        // The operator's acts are the operator's: no staff actor, via the CLI,
        // and whom they entered it for.
        let operator = Actor::operator(Some("st-t".into()));
        app.add_record(&operator, "cl-1", Category::Diagnosis, "F41.1".into(), None).await.unwrap();
        let added = entries(&store, AuditKind::RecordAdded).await;
        let last = added.last().unwrap();
        assert_eq!(last.actor, None);
        assert_eq!(last.details.as_ref().unwrap()["via"], "cli");
        assert_eq!(last.details.as_ref().unwrap()["entered_for"], "st-t");
    }
}

#[tokio::test]
async fn a_refused_write_leaves_neither_the_change_nor_its_audit_entry() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let therapist = staff(&store, "st-t", Channel::Api).await;
        let before = store.audit_entries(&AuditFilter::default()).await.unwrap().len();
        // Tomorrow is refused by the operation; a second discharge by the store.
        let late = app.change_status(&therapist, "cl-1", StatusChange::Discharge, Some(day("2026-03-02"))).await.unwrap_err();
        assert!(matches!(late, AppError::Input { .. }), "{late}");
        app.change_status(&therapist, "cl-1", StatusChange::Discharge, None).await.unwrap();
        let again = app.change_status(&therapist, "cl-1", StatusChange::Discharge, None).await.unwrap_err();
        assert!(again.is_callers(), "{again}");
        let changes = entries(&store, AuditKind::ClientChanged).await;
        assert_eq!(changes.len(), 1, "{}: only the discharge that happened is in the log", db.name());
        assert_eq!(store.audit_entries(&AuditFilter::default()).await.unwrap().len(), before + 1);
        let report = store.verify_audit(&LogSigningKey::from_seed(&[5; 32]).verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, None);
    }
}

#[tokio::test]
async fn psychotherapy_notes_are_read_only_by_their_author_and_every_read_is_audited() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let therapist = staff(&store, "st-t", Channel::Api).await;
        app.add_record(&therapist, "cl-1", Category::PsychotherapyNotes, "process note".into(), None).await.unwrap();
        app.add_record(&therapist, "cl-1", Category::ProgressNotes, "progress".into(), None).await.unwrap();
        let own = app.read_records(&therapist, "cl-1").await.unwrap();
        assert_eq!((own.records.len(), own.notes_withheld), (2, 0));
        // The operator holds the key, but the notes are still their author's.
        let operator = app.read_records(&Actor::operator(None), "cl-1").await.unwrap();
        assert_eq!((operator.records.len(), operator.notes_withheld), (1, 1), "{}", db.name());
        let reads = entries(&store, AuditKind::RecordRead).await;
        assert_eq!(reads.len(), 2);
        assert_eq!(reads[1].details.as_ref().unwrap()["records"].as_array().unwrap().len(), 1, "the entry names what was shown");
    }
}

#[tokio::test]
async fn a_sign_out_whose_audit_entry_cannot_be_written_leaves_the_session_live() {
    for db in test_databases().await {
        // A vault opened without the audit signing key: every audited write fails.
        let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
        let store = Store::create(&db.url, ring).await.unwrap();
        store
            .add_staff(NewStaff { id: Some("st-t".into()), display_name: "Staff".into(), role: StaffRole::Psychotherapist })
            .await
            .unwrap();
        store.create_session("hash-1", "st-t", "csrf-1", store.now_secs() + 3600).await.unwrap();
        let app = App::new(&store, &store);
        let therapist = staff(&store, "st-t", Channel::Console).await;
        app.sign_out(&therapist, Some("hash-1")).await.unwrap_err();
        assert!(store.session("hash-1").await.unwrap().is_some(), "{}: the revocation rolled back with its entry", db.name());
        assert!(store.audit_entries(&AuditFilter::default()).await.unwrap().is_empty(), "{}", db.name());

        // With the key, both happen.
        let mut store = store;
        store.enable_audit(LogSigningKey::from_seed(&[5; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
        let app = App::new(&store, &store);
        app.sign_out(&therapist, Some("hash-1")).await.unwrap();
        assert!(store.session("hash-1").await.unwrap().is_none(), "{}", db.name());
        let signed_out = entries(&store, AuditKind::SignOut).await;
        assert_eq!(signed_out.len(), 1, "{}", db.name());
        assert_eq!(signed_out[0].details.as_ref().unwrap()["via"], "console");
    }
}
