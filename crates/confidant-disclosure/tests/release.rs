//! Releasing from the vault: only what the decision allows goes out, a
//! denial releases nothing, every release is in the audit log, reportable
//! ones are in the accounting and exempt ones never are, entries cannot be
//! edited, corrections and suspensions work as 164.528 says. SQLite always,
//! PostgreSQL when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_audit::LogSigningKey;
use confidant_disclosure::{DiscloseRequest, REDISCLOSURE_NOTICE, Release, accounting, disclose};
use confidant_policy::vocab::{AuthorizationKind, Category, Fact, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind, Role, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Discloser, Engine, Facts, Recipient, Statements};
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{
    AccountingCorrection, AuditFilter, AuditKind, Birth, Clock, KeyRing, NewClient, NewRecord, NewStaff, NewSuspension, RequestSpec,
    StaffRole, Store, WITNESS_FILE_NAME,
};
use proptest::prelude::*;

const AS_OF: &str = "2026-03-01";

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn log_key() -> LogSigningKey {
    LogSigningKey::from_seed(&[3; 32])
}

/// A vault with a therapist, one client (records in four categories and
/// psychotherapy notes) and an authorization for an employer.
async fn seeded(db: &TestDatabase, part2: bool) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(log_key(), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    // A release is dated by the vault's clock; `released` moves it.
    store.set_clock(Clock::fixed(0));
    store.clock().set_day(day(AS_OF));
    store
        .add_staff(NewStaff { id: Some("st-t".into()), display_name: "Morgan Ashgrove".into(), role: StaffRole::Psychotherapist })
        .await
        .unwrap();
    store
        .add_client(NewClient {
            id: Some("cl-1".into()),
            name: "Zebulon Quixotic".into(),
            contact: Some("zq@example.org".into()),
            notes: None,
            birth: Birth::DateOfBirth(day("1990-06-15")),
            part2_program: part2,
            lps_program: false,
            team_id: None,
        })
        .await
        .unwrap();
    for (category, text) in [
        (Category::Diagnosis, "diagnosis text"),
        (Category::ProgressNotes, "progress note one"),
        (Category::ProgressNotes, "progress note two"),
        (Category::Billing, "billing line"),
        (Category::Appointments, "appointment on Tuesday"),
        (Category::PsychotherapyNotes, "process note: the lighthouse dream"),
    ] {
        store
            .add_record(NewRecord { id: None, client_id: "cl-1".into(), category, author_id: "st-t".into(), content: text.into() })
            .await
            .unwrap();
    }
    store
        .add_authorization(
            "cl-1",
            &signed(
                ("auth-1", AuthorizationKind::Hipaa, "2025-01-10"),
                Category::Diagnosis,
                (RecipientKind::Employer, "Acme Tools"),
                Purpose::Employment,
            ),
            None,
        )
        .await
        .unwrap();
    store
}

/// A disclosure situation: who, why, what, which facts.
#[derive(Clone, Copy, Debug)]
struct Situation {
    to: RecipientKind,
    name: &'static str,
    purpose: Purpose,
    categories: &'static [Category],
    facts: &'static [Fact],
    same_organization: bool,
}

/// Released and exempt from the accounting (164.528(a)(1)).
const EXEMPT: &[Situation] = &[
    Situation {
        to: RecipientKind::TreatingProvider,
        name: "Dr. Rivera",
        purpose: Purpose::Treatment,
        categories: &[Category::Diagnosis],
        facts: &[],
        same_organization: true,
    },
    Situation {
        to: RecipientKind::HealthPlan,
        name: "Blue Plan",
        purpose: Purpose::Payment,
        categories: &[Category::Billing],
        facts: &[],
        same_organization: false,
    },
    Situation {
        to: RecipientKind::Client,
        name: "Zebulon Quixotic",
        purpose: Purpose::ClientRequest,
        categories: &[Category::ProgressNotes],
        facts: &[],
        same_organization: false,
    },
    Situation {
        to: RecipientKind::Employer,
        name: "Acme Tools",
        purpose: Purpose::Employment,
        categories: &[Category::Diagnosis],
        facts: &[],
        same_organization: false,
    },
    Situation {
        to: RecipientKind::FamilyOrFriend,
        name: "Ana Quixotic",
        purpose: Purpose::CareInvolvement,
        categories: &[Category::Appointments],
        facts: &[Fact::ClientAgrees, Fact::ClientPresent],
        same_organization: false,
    },
];

/// Released and reportable in the accounting.
const REPORTABLE: &[Situation] = &[
    Situation {
        to: RecipientKind::ChildWelfareAgency,
        name: "County CWS",
        purpose: Purpose::ReportChildAbuse,
        categories: &[Category::Demographics, Category::ProgressNotes],
        facts: &[Fact::SuspectedChildAbuse],
        same_organization: false,
    },
    Situation {
        to: RecipientKind::PublicHealthAuthority,
        name: "County Health",
        purpose: Purpose::PublicHealth,
        categories: &[Category::Diagnosis],
        facts: &[],
        same_organization: false,
    },
    Situation {
        to: RecipientKind::HealthOversightAgency,
        name: "State Auditor",
        purpose: Purpose::HealthOversight,
        categories: &[Category::Billing],
        facts: &[],
        same_organization: false,
    },
    Situation {
        to: RecipientKind::LawEnforcement,
        name: "City Police",
        purpose: Purpose::LawEnforcement,
        categories: &[Category::Demographics],
        facts: &[Fact::Warrant],
        same_organization: false,
    },
];

fn request(s: &Situation, on: &str) -> DiscloseRequest {
    let mut facts = Facts::default();
    for f in s.facts {
        facts.set(*f, true);
    }
    DiscloseRequest {
        spec: RequestSpec {
            client_id: "cl-1".into(),
            as_of: day(on),
            jurisdiction: Jurisdiction::Us,
            organization_policy: OrganizationPolicy::Default,
            discloser: Discloser { role: Role::Psychotherapist, mandated_reporter: None },
            recipient: Recipient { kind: s.to, name: Some(s.name.into()), same_organization: s.same_organization },
            purpose: s.purpose,
            categories: s.categories.to_vec(),
            facts,
        },
        staff_id: "st-t".into(),
        recipient_address: Some("1 Main St".into()),
        break_glass: false,
    }
}

async fn released(store: &Store, engine: &Engine, s: &Situation, on: &str) -> Box<confidant_disclosure::Package> {
    store.clock().set_day(day(on));
    match disclose(store, engine, request(s, on)).await.unwrap() {
        Release::Released(p) => p,
        Release::Denied { decision, .. } => panic!("{s:?} was denied: {}", decision.explanation),
    }
}

#[tokio::test]
async fn a_release_holds_only_the_allowed_records_and_is_logged_and_accounted() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, false).await;
        let mut situation = REPORTABLE[0];
        situation.categories = &[Category::Demographics, Category::ProgressNotes, Category::PsychotherapyNotes];
        let package = released(&store, &engine, &situation, AS_OF).await;
        let released: Vec<Category> = package.released.iter().map(|c| c.category).collect();
        assert_eq!(released, vec![Category::Demographics, Category::ProgressNotes], "{}", db.name());
        let contents: Vec<&str> = package.records().map(|(_, r)| r.content.as_str()).collect();
        assert!(contents.contains(&"progress note one") && contents.contains(&"progress note two"));
        assert!(contents.iter().any(|c| c.contains("Zebulon Quixotic")), "demographics come from the client");
        assert!(!contents.iter().any(|c| c.contains("lighthouse") || c.contains("diagnosis text")), "{contents:?}");
        assert_eq!(package.withheld.len(), 1);
        assert_eq!(package.withheld[0].category, Category::PsychotherapyNotes);
        assert!(!package.to_html().contains("lighthouse"));
        assert!(package.to_html().contains("progress note two"));

        // In the log, provably.
        let entry = store.audit_entry(package.audit_entry).await.unwrap();
        assert_eq!(entry.kind, AuditKind::Disclosure);
        assert_eq!(entry.client_id.as_deref(), Some("cl-1"));
        // The entry names the exact rule packs that decided (contract v2).
        let version = entry.details.as_ref().map(|d| d["rules_version"].clone());
        assert_eq!(version, Some(serde_json::json!(engine.catalog().version())), "{}", db.name());
        let (proof, head) = store.audit_inclusion_proof(entry.seq, None).await.unwrap();
        proof.verify(&entry.leaf_hash, &head.head.root).unwrap();
        // In the accounting, with recipient, address, description and basis.
        let accounting = store.accounting("cl-1", None, day(AS_OF), Some("st-t")).await.unwrap();
        assert_eq!(accounting.entries.len(), 1);
        let line = &accounting.entries[0];
        assert_eq!(line.disclosure_id.as_deref(), Some(package.disclosure_id.as_str()));
        assert_eq!((line.recipient_name.as_deref(), line.recipient_address.as_deref()), (Some("County CWS"), Some("1 Main St")));
        assert_eq!(line.categories, vec![Category::Demographics, Category::ProgressNotes]);
        assert!(line.cites.iter().any(|c| c.contains("164.512(b)")), "{:?}", line.cites);
        assert!(accounting::to_html(&accounting).contains("County CWS"));
        assert!(accounting::to_text(&accounting).contains("1 Main St"));
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, None);
        assert_eq!(store.disclosures("cl-1").await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_corrected_record_is_released_as_it_now_stands_never_the_replaced_version() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, false).await;
        let records = store.records("cl-1", true).await.unwrap();
        let old = records.iter().find(|r| r.content.as_deref() == Some("progress note one")).unwrap();
        let correction = NewRecord {
            id: None,
            client_id: "cl-1".into(),
            category: Category::ProgressNotes,
            author_id: "st-t".into(),
            content: "progress note one, corrected".into(),
        };
        store
            .correct_record_audited(&old.id, correction, confidant_store::AuditEvent::new(AuditKind::RecordCorrected, Some("st-t")))
            .await
            .unwrap();
        let mut situation = REPORTABLE[0];
        situation.categories = &[Category::ProgressNotes];
        let package = released(&store, &engine, &situation, AS_OF).await;
        let mut contents: Vec<&str> = package.records().map(|(_, r)| r.content.as_str()).collect();
        contents.sort_unstable();
        assert_eq!(contents, ["progress note one, corrected", "progress note two"], "{}", db.name());
        // The replaced version stays in the vault, unchanged.
        assert!(store.records("cl-1", true).await.unwrap().iter().any(|r| r.content.as_deref() == Some("progress note one")));
    }
}

#[tokio::test]
async fn a_denied_request_releases_nothing_but_is_audited() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, false).await;
        let situation = Situation {
            to: RecipientKind::Employer,
            name: "Other Corp",
            purpose: Purpose::Employment,
            categories: &[Category::ProgressNotes],
            facts: &[],
            same_organization: false,
        };
        let Release::Denied { decision, audit_seq } = disclose(&store, &engine, request(&situation, AS_OF)).await.unwrap() else {
            panic!("an employer without an authorization was given notes");
        };
        assert!(!decision.remedies.is_empty());
        assert!(store.disclosures("cl-1").await.unwrap().is_empty(), "{}", db.name());
        let entry = store.audit_entry(audit_seq).await.unwrap();
        assert_eq!(entry.kind, AuditKind::Decision);
        let details = entry.details.unwrap();
        assert_eq!(details["outcome"], "deny");
        assert_eq!(details["rules_version"], serde_json::json!(decision.rules_version));
        assert!(decision.rules_version.starts_with("sha256:"));
        assert!(store.accounting("cl-1", None, day(AS_OF), None).await.unwrap().entries.is_empty());
    }
}

#[tokio::test]
async fn part2_releases_carry_the_redisclosure_notice() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, true).await;
        let consent = signed(
            ("p2-1", AuthorizationKind::Part2, "2025-01-10"),
            Category::Diagnosis,
            (RecipientKind::TreatingProvider, "Dr. Rivera"),
            Purpose::Treatment,
        );
        store.add_authorization("cl-1", &consent, None).await.unwrap();
        let situation = Situation {
            to: RecipientKind::TreatingProvider,
            name: "Dr. Rivera",
            purpose: Purpose::Treatment,
            categories: &[Category::Diagnosis],
            facts: &[],
            same_organization: false,
        };
        let package = released(&store, &engine, &situation, AS_OF).await;
        assert_eq!(package.redisclosure_notice.as_deref(), Some(REDISCLOSURE_NOTICE), "{}", db.name());
        assert!(package.to_html().contains(REDISCLOSURE_NOTICE));
    }
}

/// 164.528(b)(2)(iv): the entry tells the client the basis of the
/// disclosure. Part 2's accounting rule (42 CFR 2.25(a)) is an instruction
/// to staff; the client reads the consent it rests on, without the project's
/// position notes.
#[tokio::test]
async fn a_part2_consent_entry_states_the_consent_not_the_instruction() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, true).await;
        let consent = signed(
            ("p2-pay", AuthorizationKind::Part2, "2025-01-10"),
            Category::Billing,
            (RecipientKind::HealthPlan, "Blue Plan"),
            Purpose::Payment,
        );
        store.add_authorization("cl-1", &consent, None).await.unwrap();
        released(&store, &engine, &EXEMPT[1], AS_OF).await;
        let entries = store.accounting("cl-1", None, day(AS_OF), None).await.unwrap().entries;
        assert_eq!(entries.len(), 1, "a Part 2 consent disclosure is listed even for payment ({})", db.name());
        let entry = &entries[0];
        assert!(entry.cites.iter().any(|c| c.starts_with("42 CFR 2.31")), "{:?}", entry.cites);
        assert!(entry.cites.iter().any(|c| c == "42 CFR 2.25(a)"), "{:?}", entry.cites);
        assert!(entry.statement.contains("Part 2 consent"), "{}", entry.statement);
        for staff_text in ["Record every disclosure", "Position ("] {
            assert!(!entry.statement.contains(staff_text), "{}", entry.statement);
        }
        let page = accounting::to_text(&store.accounting("cl-1", None, day(AS_OF), None).await.unwrap());
        assert!(page.contains("made with your written consent are listed"), "{page}");
    }
}

#[tokio::test]
async fn accounting_entries_cannot_be_edited_and_a_correction_is_a_new_entry() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, false).await;
        released(&store, &engine, &REPORTABLE[1], AS_OF).await;
        let first = store.accounting("cl-1", None, day(AS_OF), None).await.unwrap().entries[0].clone();
        for sql in ["UPDATE accounting_entries SET purpose = 'treatment'", "DELETE FROM accounting_entries", "DELETE FROM disclosures"] {
            assert!(sqlx::query(sql).execute(store.pool()).await.is_err(), "{sql} succeeded on {}", db.name());
        }
        let correction = AccountingCorrection {
            recipient_address: Some("2 Health Way".into()),
            reason: "wrong address typed".into(),
            ..AccountingCorrection::default()
        };
        let new_id = store.correct_accounting_entry(&first.id, correction.clone(), "st-t").await.unwrap();
        let entries = store.accounting("cl-1", None, day(AS_OF), None).await.unwrap().entries;
        assert_eq!(entries.len(), 1, "the corrected entry is shown once, as corrected");
        assert_eq!((entries[0].id.as_str(), entries[0].corrects.as_deref()), (new_id.as_str(), Some(first.id.as_str())));
        assert_eq!(entries[0].recipient_address.as_deref(), Some("2 Health Way"));
        assert_eq!(entries[0].recipient_name, first.recipient_name);
        // The old one is still on file and cannot be corrected twice.
        assert!(store.correct_accounting_entry(&first.id, correction, "st-t").await.is_err());
        let empty_reason = AccountingCorrection::default();
        assert!(store.correct_accounting_entry(&new_id, empty_reason, "st-t").await.is_err());
    }
}

#[tokio::test]
async fn a_suspension_leaves_out_that_agency_until_it_ends_and_an_oral_one_lasts_30_days() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, false).await;
        released(&store, &engine, &REPORTABLE[2], "2026-02-01").await; // health oversight
        released(&store, &engine, &REPORTABLE[1], "2026-02-02").await; // public health
        let suspension = |written, until: &str| NewSuspension {
            client_id: "cl-1".into(),
            recipient_kind: RecipientKind::HealthOversightAgency,
            agency_name: Some("State Auditor".into()),
            requested_on: day("2026-02-10"),
            until: day(until),
            written,
            statement: "an accounting would impede the audit".into(),
            recorded_by: "st-t".into(),
        };
        store.suspend_accounting(suspension(false, "2026-12-31")).await.unwrap();
        let during = store.accounting("cl-1", None, day("2026-03-01"), None).await.unwrap();
        assert_eq!((during.entries.len(), during.suspended_entries), (1, 1), "{}", db.name());
        assert_eq!(during.entries[0].recipient_kind, RecipientKind::PublicHealthAuthority);
        assert_eq!(during.suspensions_in_force[0].until, day("2026-03-12"), "oral: 30 days from the request");
        let after = store.accounting("cl-1", None, day("2026-03-13"), None).await.unwrap();
        assert_eq!((after.entries.len(), after.suspended_entries), (2, 0));
        store.suspend_accounting(suspension(true, "2026-12-31")).await.unwrap();
        let written = store.accounting("cl-1", None, day("2026-06-01"), None).await.unwrap();
        assert_eq!(written.suspended_entries, 1);
        let mut bad = suspension(true, "2026-12-31");
        bad.recipient_kind = RecipientKind::Employer;
        assert!(store.suspend_accounting(bad).await.is_err());
        assert!(accounting::to_text(&written).contains("temporarily left out"));
    }
}

#[tokio::test]
async fn the_accounting_reaches_back_six_years_and_no_further() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, false).await;
        released(&store, &engine, &REPORTABLE[1], "2019-05-01").await;
        released(&store, &engine, &REPORTABLE[1], "2021-05-01").await;
        let accounting = store.accounting("cl-1", Some(day("2000-01-01")), day("2026-03-01"), None).await.unwrap();
        assert_eq!(accounting.since, day("2020-03-01"));
        assert_eq!(accounting.entries.len(), 1, "{}", db.name());
        assert_eq!(accounting.entries[0].disclosed_on, day("2021-05-01"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Over any sequence of exempt and reportable disclosures, the accounting
    /// holds exactly the reportable ones.
    #[test]
    fn the_accounting_holds_exactly_the_reportable_disclosures(picks in proptest::collection::vec((any::<bool>(), 0usize..5), 1..8)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let engine = Engine::new().unwrap();
            let db = test_databases().await.into_iter().next().unwrap();
            let store = seeded(&db, false).await;
            let mut reportable_ids = Vec::new();
            for (reportable, i) in &picks {
                let situation = if *reportable { REPORTABLE[i % REPORTABLE.len()] } else { EXEMPT[i % EXEMPT.len()] };
                let package = released(&store, &engine, &situation, AS_OF).await;
                assert_eq!(package.accounting_entry_id.is_some(), *reportable, "{situation:?}");
                if *reportable {
                    reportable_ids.push(package.disclosure_id.clone());
                }
            }
            let accounting = store.accounting("cl-1", None, day(AS_OF), None).await.unwrap();
            let mut listed: Vec<String> = accounting.entries.iter().filter_map(|e| e.disclosure_id.clone()).collect();
            listed.sort();
            reportable_ids.sort();
            assert_eq!(listed, reportable_ids);
            let disclosures = store.audit_entries(&AuditFilter { kind: Some(AuditKind::Disclosure), ..AuditFilter::default() }).await.unwrap();
            assert_eq!(disclosures.len(), picks.len());
            assert_eq!(store.verify_audit(&log_key().verifying_key(), None).await.unwrap().problem, None);
        });
    }
}

#[tokio::test]
async fn a_release_is_dated_by_the_vault_whatever_date_the_request_carries() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, false).await;
        store.clock().set_day(day("2026-03-05"));
        for claimed in ["2019-01-01", "2099-12-31"] {
            let Release::Released(package) = disclose(&store, &engine, request(&REPORTABLE[1], claimed)).await.unwrap() else {
                panic!("denied")
            };
            assert_eq!(package.disclosed_on, day("2026-03-05"), "{claimed} on {}", db.name());
        }
        let accounting = store.accounting("cl-1", None, day("2026-03-05"), None).await.unwrap();
        assert_eq!(accounting.entries.len(), 2, "neither backdated out of the accounting nor dated after it");
    }
}

/// A complete authorization signed by the client, for one category, one
/// named recipient and one purpose, valid until 2027.
fn signed(
    (id, kind, on): (&str, AuthorizationKind, &str),
    category: Category,
    (to, name): (RecipientKind, &str),
    purpose: Purpose,
) -> Authorization {
    Authorization {
        id: id.into(),
        kind,
        signed_by: Some(Signer::Client),
        signed_on: Some(day(on)),
        categories: vec![category],
        recipients: vec![AuthorizedRecipient { kind: to, name: Some(name.into()) }],
        purposes: vec![purpose],
        expires_on: Some(day("2027-01-01")),
        expiry_event: None,
        revoked_on: None,
        statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
    }
}

/// A signed authorization for psychotherapy notes to a treating provider.
fn notes_authorization(id: &str) -> Authorization {
    signed(
        (id, AuthorizationKind::Hipaa, "2026-01-10"),
        Category::PsychotherapyNotes,
        (RecipientKind::TreatingProvider, "Dr. Rivera"),
        Purpose::Treatment,
    )
}

fn notes_request(staff: &str, role: Role) -> DiscloseRequest {
    let situation = Situation {
        to: RecipientKind::TreatingProvider,
        name: "Dr. Rivera",
        purpose: Purpose::Treatment,
        categories: &[Category::PsychotherapyNotes, Category::Diagnosis],
        facts: &[],
        same_organization: true,
    };
    let mut request = request(&situation, AS_OF);
    request.staff_id = staff.into();
    request.spec.discloser.role = role;
    request
}

#[tokio::test]
async fn psychotherapy_notes_leave_only_from_their_author_or_the_privacy_officer_with_a_signed_form() {
    let engine = Engine::new().unwrap();
    for db in test_databases().await {
        let store = seeded(&db, false).await;
        for (id, role) in
            [("st-other", StaffRole::Psychotherapist), ("st-peer", StaffRole::PeerSupportSpecialist), ("st-po", StaffRole::PrivacyOfficer)]
        {
            store.add_staff(NewStaff { id: Some(id.into()), display_name: "Staff".into(), role }).await.unwrap();
        }
        store
            .add_record(NewRecord {
                id: None,
                client_id: "cl-1".into(),
                category: Category::PsychotherapyNotes,
                author_id: "st-other".into(),
                content: "another clinician's process note".into(),
            })
            .await
            .unwrap();
        store.add_authorization("cl-1", &notes_authorization("auth-notes"), None).await.unwrap();

        // The author releases their own note, and only that one.
        let Release::Released(own) = disclose(&store, &engine, notes_request("st-t", Role::Psychotherapist)).await.unwrap() else {
            panic!("denied")
        };
        let contents: Vec<&str> = own.records().map(|(_, r)| r.content.as_str()).collect();
        assert!(contents.iter().any(|c| c.contains("lighthouse")), "{}", db.name());
        assert!(!contents.iter().any(|c| c.contains("another clinician")), "{contents:?}");
        assert_eq!(own.held_back.len(), 1);
        assert_eq!((own.held_back[0].category, own.held_back[0].records), (Category::PsychotherapyNotes, 1));
        assert!(!serde_json::to_string(&own).unwrap().contains("not sent"), "the recipient's package does not mention held-back notes");

        // A peer specialist sends the diagnosis, never a note; the accounting
        // and the package do not claim notes went.
        let Release::Released(peer) = disclose(&store, &engine, notes_request("st-peer", Role::PeerSupportSpecialist)).await.unwrap()
        else {
            panic!("denied")
        };
        assert!(!peer.records().any(|(c, _)| *c == Category::PsychotherapyNotes), "{}", db.name());
        assert!(peer.released.iter().all(|c| c.category != Category::PsychotherapyNotes));
        assert_eq!(peer.held_back.iter().map(|h| h.records).sum::<usize>(), 2);
        let recorded = store.disclosures("cl-1").await.unwrap();
        let last = recorded.iter().find(|d| d.id == peer.disclosure_id).unwrap();
        assert!(!last.released.contains(&Category::PsychotherapyNotes), "{:?}", last.released);

        // Notes alone, asked by the peer: nothing may go, and nothing is recorded.
        let mut only_notes = notes_request("st-peer", Role::PeerSupportSpecialist);
        only_notes.spec.categories = vec![Category::PsychotherapyNotes];
        let before = store.disclosures("cl-1").await.unwrap().len();
        let err = disclose(&store, &engine, only_notes).await.unwrap_err();
        assert!(matches!(err, confidant_disclosure::DiscloseError::NotReleasable(_)), "{err}");
        assert_eq!(store.disclosures("cl-1").await.unwrap().len(), before);

        // The privacy officer: not without the signed form on file; with it, both notes.
        let Release::Released(po) = disclose(&store, &engine, notes_request("st-po", Role::AdministrativeStaff)).await.unwrap() else {
            panic!("denied")
        };
        assert!(!po.records().any(|(c, _)| *c == Category::PsychotherapyNotes), "no document attached yet");
        store.add_authorization("cl-1", &notes_authorization("auth-notes-signed"), Some(b"%PDF signed")).await.unwrap();
        let Release::Released(po) = disclose(&store, &engine, notes_request("st-po", Role::AdministrativeStaff)).await.unwrap() else {
            panic!("denied")
        };
        assert_eq!(po.records().filter(|(c, _)| **c == Category::PsychotherapyNotes).count(), 2, "{}", db.name());
        assert!(po.held_back.is_empty());
    }
}

/// A release racing a revocation of the authorization it rests on, many
/// times over: either the release committed before the revocation (its
/// audit entry comes first) or it saw the revocation and released nothing.
/// Never a release on a revoked authorization. SQLite and PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_racing_a_revocation_never_rests_on_the_revoked_authorization() {
    let engine = std::sync::Arc::new(Engine::new().unwrap());
    for db in test_databases().await {
        let store = std::sync::Arc::new(seeded(&db, false).await);
        store.revoke_authorization("auth-1", day(AS_OF), "st-t").await.unwrap();
        let employer = Situation {
            to: RecipientKind::Employer,
            name: "Acme Tools",
            purpose: Purpose::Employment,
            categories: &[Category::Diagnosis],
            facts: &[],
            same_organization: false,
        };
        let (mut before, mut after) = (0, 0);
        for i in 0..30 {
            let id = format!("auth-race-{i}");
            let auth = signed(
                (&id, AuthorizationKind::Hipaa, "2026-01-10"),
                Category::Diagnosis,
                (RecipientKind::Employer, "Acme Tools"),
                Purpose::Employment,
            );
            store.add_authorization("cl-1", &auth, None).await.unwrap();
            let release = {
                let (store, engine) = (store.clone(), engine.clone());
                tokio::spawn(async move { disclose(&store, &engine, request(&employer, AS_OF)).await })
            };
            let revocation = {
                let store = store.clone();
                tokio::spawn(async move {
                    let event = confidant_store::AuditEvent::new(AuditKind::AuthorizationRevoked, Some("st-t")).client("cl-1");
                    store.revoke_authorization_audited(&id, day(AS_OF), "st-t", event).await
                })
            };
            let released = release.await.unwrap().unwrap();
            let revoked_seq = revocation.await.unwrap().unwrap();
            match released {
                Release::Released(package) => {
                    assert!(package.audit_entry < revoked_seq, "{}: released after the revocation committed (iteration {i})", db.name());
                    before += 1;
                }
                Release::Denied { audit_seq, .. } => {
                    assert!(audit_seq > revoked_seq, "{}: denied although decided before the revocation (iteration {i})", db.name());
                    after += 1;
                }
            }
        }
        assert_eq!(before + after, 30);
        assert_eq!(store.disclosures("cl-1").await.unwrap().len(), before, "{}", db.name());
        let report = store.verify_audit(&log_key().verifying_key(), None).await.unwrap();
        assert_eq!(report.problem, None, "{}", db.name());
        eprintln!("{}: {before} releases before the revocation, {after} refused after it", db.name());
    }
}

/// A release holds the client's row and then appends to the audit log;
/// break-glass appends and then writes a row naming the client. Run side by
/// side many times, on PostgreSQL too, both always succeed: the writes take
/// the client's row before the log, in one order, so neither deadlocks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn releases_and_break_glass_side_by_side_never_deadlock() {
    let engine = std::sync::Arc::new(Engine::new().unwrap());
    for db in test_databases().await {
        let store = std::sync::Arc::new(seeded(&db, false).await);
        let employer = Situation {
            to: RecipientKind::Employer,
            name: "Acme Tools",
            purpose: Purpose::Employment,
            categories: &[Category::Diagnosis],
            facts: &[],
            same_organization: false,
        };
        for i in 0..20 {
            let release = {
                let (store, engine) = (store.clone(), engine.clone());
                tokio::spawn(
                    async move { disclose(&store, &engine, request(&employer, AS_OF)).await.map(|_| ()).map_err(|e| e.to_string()) },
                )
            };
            let glass = {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .open_break_glass("st-t", "cl-1", "crisis call at the drop-in centre", 30)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
            };
            let (released, opened) = (release.await.unwrap(), glass.await.unwrap());
            assert!(released.is_ok() && opened.is_ok(), "{} iteration {i}: {released:?} {opened:?}", db.name());
        }
        assert_eq!(store.disclosures("cl-1").await.unwrap().len(), 20, "{}", db.name());
    }
}
