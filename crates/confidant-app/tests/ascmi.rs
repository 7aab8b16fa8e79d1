//! ASCMI forms through the operations layer: need-to-know refusals are
//! audited and change nothing, and a decision for the client reads a filed
//! form as what it is — a release to the care partners it names of what the
//! client chose for each, nothing more, never psychotherapy notes, and
//! nothing once revoked. SQLite always, PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_app::{Actor, App, AppError, Channel};
use confidant_audit::LogSigningKey;
use confidant_policy::vocab::{Category, Jurisdiction, OrganizationPolicy, Outcome, Purpose, RecipientKind, Role, Signer};
use confidant_policy::{Date, Discloser, Engine, Facts, Recipient, Statements};
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{
    Ascmi, AuditFilter, AuditKind, Birth, CarePartner, Clock, KeyRing, NewClient, NewStaff, RequestSpec, StaffRole, Store,
    WITNESS_FILE_NAME,
};

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// A therapist and a case manager with the client on their caseload, and a
/// peer without.
async fn vault(db: &TestDatabase) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[6; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store.set_clock(Clock::fixed(0));
    store.clock().set_day(day("2026-03-01"));
    for (id, role) in [("st-t", StaffRole::Psychotherapist), ("st-cm", StaffRole::CaseManager), ("st-p", StaffRole::PeerSupportSpecialist)]
    {
        store.add_staff(NewStaff { id: Some(id.into()), display_name: format!("Staff {id}"), role }).await.unwrap();
    }
    store
        .add_client(NewClient {
            id: Some("cl-1".into()),
            name: "Octavia Brindlewood".into(),
            contact: None,
            notes: None,
            birth: Birth::DateOfBirth(day("1988-03-02")),
            part2_program: false,
            lps_program: false,
            team_id: None,
        })
        .await
        .unwrap();
    store.assign("st-t", "cl-1", day("2026-01-01")).await.unwrap();
    store.assign("st-cm", "cl-1", day("2026-01-01")).await.unwrap();
    store
}

async fn staff(store: &Store, id: &str) -> Actor {
    Actor::staff(store.staff(id).await.unwrap(), Channel::Api)
}

const HOUSING: &str = "Marrowgate Housing Collaborative";

fn form(partner_categories: &[Category]) -> Ascmi {
    Ascmi {
        id: "ascmi-1".into(),
        signed_by: Some(Signer::Client),
        signed_on: Some(day("2026-01-10")),
        expires_on: Some(day("2027-01-10")),
        expiry_event: None,
        statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
        partners: vec![
            CarePartner {
                name: HOUSING.into(),
                kind: RecipientKind::SocialServicesAgency,
                categories: partner_categories.to_vec(),
                purposes: vec![Purpose::CareInvolvement],
            },
            CarePartner {
                name: "Eastbrook Food Bank".into(),
                kind: RecipientKind::SocialServicesAgency,
                categories: vec![],
                purposes: vec![],
            },
        ],
        revoked_on: None,
    }
}

fn ask(recipient: &str, categories: &[Category]) -> RequestSpec {
    RequestSpec {
        client_id: "cl-1".into(),
        as_of: day("2026-03-01"),
        jurisdiction: Jurisdiction::UsCa,
        organization_policy: OrganizationPolicy::Default,
        discloser: Discloser { role: Role::CaseManager, mandated_reporter: None },
        recipient: Recipient { kind: RecipientKind::SocialServicesAgency, name: Some(recipient.into()), same_organization: false },
        purpose: Purpose::CareInvolvement,
        categories: categories.to_vec(),
        facts: Facts::default(),
    }
}

fn outcome(decision: &confidant_policy::Decision, category: Category) -> Outcome {
    decision.categories.iter().find(|c| c.category == category).unwrap().outcome
}

#[tokio::test]
async fn need_to_know_refusals_of_ascmi_operations_are_audited_and_change_nothing() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let peer = staff(&store, "st-p").await;
        let err = app.file_ascmi(&peer, "cl-1", &form(&[Category::Appointments]), None).await.unwrap_err();
        assert!(matches!(err, AppError::Refused(_)), "{}: {err}", db.name());
        assert!(matches!(app.ascmis_of(&peer, "cl-1").await.unwrap_err(), AppError::Refused(_)));
        assert!(store.ascmis("cl-1").await.unwrap().is_empty(), "nothing was filed");

        // A case manager on the caseload files a form, but not one sharing
        // substance use records.
        let manager = staff(&store, "st-cm").await;
        let err = app.file_ascmi(&manager, "cl-1", &form(&[Category::SubstanceUse]), None).await.unwrap_err();
        assert!(matches!(err, AppError::Forbidden(_)), "{err}");
        let id = app.file_ascmi(&manager, "cl-1", &form(&[Category::Appointments]), None).await.unwrap();
        assert!(matches!(app.revoke_ascmi(&peer, "cl-1", &id, None).await.unwrap_err(), AppError::Refused(_)));
        assert!(matches!(app.attach_ascmi_document(&peer, "cl-1", &id, b"scan").await.unwrap_err(), AppError::Refused(_)));
        assert!(matches!(app.ascmi_document(&peer, "cl-1", &id).await.unwrap_err(), AppError::Refused(_)));
        assert!(store.ascmis("cl-1").await.unwrap()[0].ascmi.revoked_on.is_none());

        let refusals = store
            .audit_entries(&AuditFilter { kind: Some(AuditKind::AccessDenied), with_details: true, ..AuditFilter::default() })
            .await
            .unwrap();
        let doing: Vec<&str> = refusals.iter().map(|e| e.details.as_ref().unwrap()["doing"].as_str().unwrap()).collect();
        assert_eq!(
            doing,
            [
                "add ASCMI",
                "read ASCMI forms",
                "add ASCMI sharing Part 2 records",
                "revoke ASCMI",
                "attach an ASCMI's signed scan",
                "read an ASCMI's signed scan"
            ]
        );
        let filed = store
            .audit_entries(&AuditFilter { kind: Some(AuditKind::AscmiFiled), with_details: true, ..AuditFilter::default() })
            .await
            .unwrap();
        assert_eq!(filed.len(), 1);
        assert_eq!(filed[0].actor.as_deref(), Some("st-cm"));
        assert_eq!(filed[0].categories, vec![Category::Appointments]);
        assert!(!filed[0].details.as_ref().unwrap().to_string().contains("Marrowgate"));
    }
}

#[tokio::test]
async fn a_filed_ascmi_releases_exactly_what_it_covers_and_stops_when_revoked() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let manager = staff(&store, "st-cm").await;
        let before = app.decide_for_client(&engine, &manager, ask(HOUSING, &[Category::Appointments])).await.unwrap();
        assert_eq!(outcome(&before, Category::Appointments), Outcome::Deny, "{}: nothing on file yet", db.name());

        let id = app.file_ascmi(&manager, "cl-1", &form(&[Category::Appointments]), None).await.unwrap();
        let covered = app.decide_for_client(&engine, &manager, ask(HOUSING, &[Category::Appointments])).await.unwrap();
        assert_eq!(outcome(&covered, Category::Appointments), Outcome::Permit, "{}", covered.explanation);
        assert!(covered.authorizations.iter().any(|a| a.id == "ascmi-1/1" && a.counts), "{:?}", covered.authorizations);

        // Not a category the client chose for this care partner.
        let other = app.decide_for_client(&engine, &manager, ask(HOUSING, &[Category::Appointments, Category::Diagnosis])).await.unwrap();
        assert_eq!((outcome(&other, Category::Appointments), outcome(&other, Category::Diagnosis)), (Outcome::Permit, Outcome::Deny));
        // A care partner the client chose not to share with, and one not on the form.
        for name in ["Eastbrook Food Bank", "Westside Housing"] {
            let d = app.decide_for_client(&engine, &manager, ask(name, &[Category::Appointments])).await.unwrap();
            assert_eq!(outcome(&d, Category::Appointments), Outcome::Deny, "{name}");
        }
        // Psychotherapy notes never.
        let notes = app.decide_for_client(&engine, &manager, ask(HOUSING, &[Category::PsychotherapyNotes])).await.unwrap();
        assert_eq!(outcome(&notes, Category::PsychotherapyNotes), Outcome::Deny);

        app.revoke_ascmi(&manager, "cl-1", &id, Some(day("2026-03-01"))).await.unwrap();
        let revoked = app.decide_for_client(&engine, &manager, ask(HOUSING, &[Category::Appointments])).await.unwrap();
        assert_eq!(outcome(&revoked, Category::Appointments), Outcome::Deny, "a revoked form stops counting");
        let report = revoked.authorizations.iter().find(|a| a.id == "ascmi-1/1").unwrap();
        assert!(!report.counts && report.reasons.iter().any(|r| r.code() == "revoked"), "{report:?}");
        let revocations = store
            .audit_entries(&AuditFilter { kind: Some(AuditKind::AscmiRevoked), with_details: true, ..AuditFilter::default() })
            .await
            .unwrap();
        assert_eq!(revocations.len(), 1);
        assert_eq!(revocations[0].details.as_ref().unwrap()["ascmi"], "ascmi-1");
    }
}

#[tokio::test]
async fn the_signed_scan_is_read_only_under_need_to_know_and_each_read_audited() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let therapist = staff(&store, "st-t").await;
        let id = app.file_ascmi(&therapist, "cl-1", &form(&[Category::SubstanceUse]), None).await.unwrap();
        assert_eq!(app.ascmi_document(&therapist, "cl-1", &id).await.unwrap(), None);
        app.attach_ascmi_document(&therapist, "cl-1", &id, b"%PDF signed").await.unwrap();
        assert_eq!(app.ascmi_document(&therapist, "cl-1", &id).await.unwrap().as_deref(), Some(&b"%PDF signed"[..]));
        let reads = store.audit_entries(&AuditFilter { kind: Some(AuditKind::AscmiDocumentRead), ..AuditFilter::default() }).await.unwrap();
        assert_eq!(reads.len(), 1, "only a read that returned a scan is a document read");
        // An id from nowhere is not found, not acted on.
        assert!(matches!(app.ascmi_document(&therapist, "cl-1", "ascmi-9").await.unwrap_err(), AppError::NotFound(_)));
    }
}

#[tokio::test]
async fn a_form_sharing_substance_use_records_waits_for_the_privacy_officers_review_like_a_part2_authorization() {
    for db in test_databases().await {
        let store = vault(&db).await;
        store
            .add_staff(NewStaff { id: Some("st-po".into()), display_name: "Officer".into(), role: StaffRole::PrivacyOfficer })
            .await
            .unwrap();
        let app = App::new(&store, &store);
        let therapist = staff(&store, "st-t").await;
        let officer = staff(&store, "st-po").await;
        let shared = app.file_ascmi(&therapist, "cl-1", &form(&[Category::SubstanceUse, Category::Appointments]), None).await.unwrap();
        let mut plain = form(&[Category::Appointments]);
        plain.id = "ascmi-2".into();
        app.file_ascmi(&therapist, "cl-1", &plain, None).await.unwrap();

        let queue = app.review_queue(&officer).await.unwrap();
        assert_eq!(queue.len(), 1, "only the form sharing SUD records waits ({})", db.name());
        assert_eq!((queue[0].id.as_str(), queue[0].kind.as_str()), (shared.as_str(), "ascmi"));
        assert_eq!(queue[0].categories, vec![Category::SubstanceUse, Category::Appointments]);
        assert_eq!(queue[0].entered_by.as_deref(), Some("st-t"));
        // Only the privacy officer reviews, and never twice.
        assert!(app.review_authorization(&therapist, &shared).await.is_err());
        app.review_authorization(&officer, &shared).await.unwrap();
        assert!(app.review_queue(&officer).await.unwrap().is_empty());
        let again = app.review_authorization(&officer, &shared).await.unwrap_err();
        assert!(again.to_string().starts_with("review: "), "{again}");
        let unknown = app.review_authorization(&officer, "auth-nobody").await.unwrap_err();
        assert_eq!(unknown.to_string(), "authorization: no authorization with id `auth-nobody`");
        let reviews = store
            .audit_entries(&AuditFilter { kind: Some(AuditKind::AuthorizationReviewed), with_details: true, ..AuditFilter::default() })
            .await
            .unwrap();
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].client_id.as_deref(), Some("cl-1"));
        assert_eq!(reviews[0].details.as_ref().unwrap()["ascmi"], shared.as_str());
    }
}

#[tokio::test]
async fn the_privacy_officer_who_entered_a_form_does_not_review_it() {
    for db in test_databases().await {
        let store = vault(&db).await;
        store
            .add_staff(NewStaff { id: Some("st-po".into()), display_name: "Officer".into(), role: StaffRole::PrivacyOfficer })
            .await
            .unwrap();
        let app = App::new(&store, &store);
        store.assign("st-po", "cl-1", day("2026-01-01")).await.unwrap();
        let officer = staff(&store, "st-po").await;
        let id = app.file_ascmi(&officer, "cl-1", &form(&[Category::SubstanceUse]), None).await.unwrap();
        let err = app.review_authorization(&officer, &id).await.unwrap_err();
        assert!(err.to_string().contains("other than the staff member who entered"), "{err}");
        assert_eq!(app.review_queue(&officer).await.unwrap().len(), 1, "still waiting ({})", db.name());
    }
}
