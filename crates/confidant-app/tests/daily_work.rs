//! The console's daily work as operations: notes in the categories a role
//! writes, corrections as new versions that keep the old one, restriction
//! requests the privacy officer agrees to or declines once, a privacy
//! notice that could not be obtained, and a caseload search that never
//! reaches past need-to-know. SQLite always, PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_app::{Actor, App, AppError, Channel};
use confidant_audit::LogSigningKey;
use confidant_policy::vocab::{Category, RecipientKind};
use confidant_policy::{Date, Restriction};
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{
    AuditFilter, AuditKind, Birth, Clock, KeyRing, NewClient, NewStaff, NoticeNotObtained, StaffRole, Store, WITNESS_FILE_NAME,
};

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// A therapist and a peer with `cl-1` on their caseloads, `cl-2` on nobody's,
/// and a privacy officer.
async fn vault(db: &TestDatabase) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[6; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store.set_clock(Clock::fixed(0));
    store.clock().set_day(day("2026-03-01"));
    for (id, role) in
        [("st-t", StaffRole::Psychotherapist), ("st-p", StaffRole::PeerSupportSpecialist), ("st-po", StaffRole::PrivacyOfficer)]
    {
        store.add_staff(NewStaff { id: Some(id.into()), display_name: format!("Staff {id}"), role }).await.unwrap();
    }
    for (id, name) in [("cl-1", "Zebulon Quixotic"), ("cl-2", "Zelda Quixote")] {
        store
            .add_client(NewClient {
                id: Some(id.into()),
                name: name.into(),
                contact: None,
                notes: None,
                birth: Birth::DateOfBirth(day("1990-06-15")),
                part2_program: false,
                lps_program: false,
                team_id: None,
            })
            .await
            .unwrap();
    }
    store.assign("st-t", "cl-1", day("2026-01-01")).await.unwrap();
    store.assign("st-p", "cl-1", day("2026-01-01")).await.unwrap();
    store
}

async fn staff(store: &Store, id: &str) -> Actor {
    Actor::staff(store.staff(id).await.unwrap(), Channel::Console)
}

async fn count(store: &Store, kind: AuditKind) -> usize {
    store.audit_entries(&AuditFilter { kind: Some(kind), ..AuditFilter::default() }).await.unwrap().len()
}

#[tokio::test]
async fn a_correction_is_a_new_version_and_the_corrected_one_stays_as_it_was() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let peer = staff(&store, "st-p").await;
        let first = app.add_record(&peer, "cl-1", Category::PeerSupportNotes, "Met at the drop-in\nFriday".into(), None).await.unwrap();
        let second = app.correct_record(&peer, "cl-1", &first, "Met at the drop-in\nThursday".into()).await.unwrap();
        let records = store.records("cl-1", true).await.unwrap();
        assert_eq!(records.len(), 2, "{:?}", db.url);
        let old = records.iter().find(|r| r.id == first).unwrap();
        assert_eq!(old.content.as_deref(), Some("Met at the drop-in\nFriday"), "the old version is unchanged");
        assert_eq!(old.corrects, None);
        let new = records.iter().find(|r| r.id == second).unwrap();
        assert_eq!((new.corrects.as_deref(), new.category), (Some(first.as_str()), Category::PeerSupportNotes));
        // Opening either version shows the whole history, and is a read.
        let reads = count(&store, AuditKind::RecordRead).await;
        let history = app.read_record(&peer, "cl-1", &first).await.unwrap();
        let ids: Vec<&str> = history.versions.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, [first.as_str(), second.as_str()]);
        assert_eq!(history.authors.get("st-p").map(String::as_str), Some("Staff st-p"));
        assert_eq!(count(&store, AuditKind::RecordRead).await, reads + 1);
        assert_eq!(count(&store, AuditKind::RecordCorrected).await, 1);
        // Only the latest version is corrected: the old one again is a conflict, and nothing is stored.
        let again = app.correct_record(&peer, "cl-1", &first, "another".into()).await.unwrap_err();
        assert!(matches!(again, AppError::Conflict(_)), "{again:?}");
        assert_eq!(store.records("cl-1", false).await.unwrap().len(), 2);
        let listed = confidant_app::notes::latest_versions(&records);
        assert_eq!(listed.iter().map(|(r, n)| (r.id.as_str(), *n)).collect::<Vec<_>>(), [(second.as_str(), 2)]);
    }
}

/// Opening one record decrypts its versions and nothing else of the
/// client's, and a chart read never opens another author's psychotherapy
/// notes: a record that no longer decrypts stops only the reads that
/// would show it.
#[tokio::test]
async fn opening_one_record_decrypts_only_its_versions() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let (therapist, peer) = (staff(&store, "st-t").await, staff(&store, "st-p").await);
        let wanted = app.add_record(&peer, "cl-1", Category::PeerSupportNotes, "Drop-in".into(), None).await.unwrap();
        let newer = app.correct_record(&peer, "cl-1", &wanted, "Drop-in, Thursday".into()).await.unwrap();
        let other = app.add_record(&peer, "cl-1", Category::Appointments, "Next Monday".into(), None).await.unwrap();
        let notes = app.add_record(&therapist, "cl-1", Category::PsychotherapyNotes, "Process note".into(), None).await.unwrap();
        // The therapist's note, which the peer never sees, is not opened for them.
        store.damage_record_for_tests(&notes).await.unwrap();
        let read = app.read_records(&peer, "cl-1").await.unwrap();
        assert_eq!((read.records.len(), read.notes_withheld), (3, 1), "{:?}", db.url);
        assert!(app.read_records(&therapist, "cl-1").await.is_err());
        // One record opens with its versions whatever else is damaged.
        store.damage_record_for_tests(&other).await.unwrap();
        let reads = count(&store, AuditKind::RecordRead).await;
        let versions = app.read_record_versions(&peer, "cl-1", &newer).await.unwrap();
        let shown: Vec<(&str, Option<&str>)> = versions.iter().map(|r| (r.id.as_str(), r.content.as_deref())).collect();
        assert_eq!(shown, [(wanted.as_str(), Some("Drop-in")), (newer.as_str(), Some("Drop-in, Thursday"))]);
        assert_eq!(count(&store, AuditKind::RecordRead).await, reads + 1, "the read is audited as before");
        assert!(app.read_records(&peer, "cl-1").await.is_err(), "the chart shows the damaged record");
    }
}

#[tokio::test]
async fn only_the_author_corrects_a_record_and_the_refusal_is_audited() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let note = app.add_record(&staff(&store, "st-t").await, "cl-1", Category::ProgressNotes, "Session".into(), None).await.unwrap();
        let denied = count(&store, AuditKind::AccessDenied).await;
        let refused = app.correct_record(&staff(&store, "st-p").await, "cl-1", &note, "Not mine".into()).await.unwrap_err();
        assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
        assert_eq!(count(&store, AuditKind::AccessDenied).await, denied + 1, "{:?}", db.url);
        assert_eq!(store.records("cl-1", false).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_peer_writes_peer_support_notes_but_not_a_diagnosis() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let peer = staff(&store, "st-p").await;
        let refused = app.add_record(&peer, "cl-1", Category::Diagnosis, "F41.1".into(), None).await.unwrap_err();
        assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
        assert!(store.records("cl-1", false).await.unwrap().is_empty(), "{:?}", db.url);
        app.add_record(&peer, "cl-1", Category::PeerSupportNotes, "Walked to the clinic together".into(), None).await.unwrap();
        // The operator at the command line is not held to a role.
        let operator = Actor::operator(Some("st-t".into()));
        app.add_record(&operator, "cl-1", Category::Diagnosis, "F41.1".into(), None).await.unwrap();
    }
}

#[tokio::test]
async fn the_privacy_officer_decides_a_restriction_once_and_an_agreed_one_binds() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let request = Restriction {
            categories: vec![Category::Diagnosis],
            recipient_kinds: vec![RecipientKind::TreatingProvider],
            purposes: Vec::new(),
            agreed: false,
        };
        let id = app.add_restriction(&staff(&store, "st-t").await, "cl-1", &request, None).await.unwrap();
        let officer = staff(&store, "st-po").await;
        let waiting = app.restrictions_awaiting_decision(&officer).await.unwrap();
        assert_eq!(waiting.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [id.as_str()], "{:?}", db.url);
        // A clinician does not agree to a restriction on the program's behalf.
        let refused = app.decide_restriction(&staff(&store, "st-t").await, &id, true).await.unwrap_err();
        assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");
        assert_eq!(app.decide_restriction(&officer, &id, true).await.unwrap(), "cl-1");
        let stored = store.restrictions("cl-1").await.unwrap();
        assert!(stored[0].restriction.agreed);
        let decision = stored[0].decision.clone().unwrap();
        assert_eq!((decision.agreed, decision.by.as_deref(), decision.on), (true, Some("st-po"), day("2026-03-01")));
        assert!(app.restrictions_awaiting_decision(&officer).await.unwrap().is_empty());
        // Decided once: declining afterwards is refused and changes nothing.
        assert!(app.decide_restriction(&officer, &id, false).await.is_err());
        assert!(store.restrictions("cl-1").await.unwrap()[0].restriction.agreed);
        let entries = store
            .audit_entries(&AuditFilter { kind: Some(AuditKind::RestrictionDecided), with_details: true, ..AuditFilter::default() })
            .await
            .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].client_id.as_deref(), Some("cl-1"));
    }
}

#[tokio::test]
async fn a_privacy_notice_not_obtained_is_recorded_with_its_reason() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let peer = staff(&store, "st-p").await;
        app.notice_not_obtained(&peer, "cl-1", day("2026-02-27"), NoticeNotObtained::Emergency).await.unwrap();
        let later = app.notice_not_obtained(&peer, "cl-1", day("2026-03-02"), NoticeNotObtained::Declined).await.unwrap_err();
        assert!(matches!(later, AppError::Input { .. }), "a day in the future is refused: {later:?}");
        let status = store.privacy_notice_status("cl-1").await.unwrap();
        assert_eq!(status.not_obtained, [(day("2026-02-27"), NoticeNotObtained::Emergency)], "{:?}", db.url);
        assert!(status.acknowledged.is_empty());
        assert_eq!(count(&store, AuditKind::PrivacyNoticeNotObtained).await, 1);
        // Off the caseload: refused like any other access.
        let refused = app.notice_not_obtained(&peer, "cl-2", day("2026-02-27"), NoticeNotObtained::Declined).await.unwrap_err();
        assert!(matches!(refused, AppError::Refused(_)));
    }
}

#[tokio::test]
async fn a_caseload_search_never_finds_a_client_beyond_need_to_know() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let peer = staff(&store, "st-p").await;
        let found: Vec<String> = app.caseload(&peer, Some("quix")).await.unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(found, ["cl-1"], "{:?}: cl-2 matches the name but is not the peer's", db.url);
        assert!(app.caseload(&peer, Some("cl-2")).await.unwrap().is_empty());
        assert_eq!(app.caseload(&peer, Some("CL-1")).await.unwrap().len(), 1, "any case");
        assert_eq!(app.caseload(&peer, None).await.unwrap().len(), 1);
    }
}
