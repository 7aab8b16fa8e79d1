//! The hot read paths: a client's records and the accounting read through
//! SQLite's own library (rusqlite) give exactly what sqlx's driver reads
//! and what was written, on SQLite and PostgreSQL; the accounting is handed
//! over only when its audit entry was appended too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_audit::LogSigningKey;
use confidant_policy::Date;
use confidant_policy::vocab::{Category, Purpose, RecipientKind};
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{
    AccountingBasis, AccountingCorrection, AuditEvent, AuditKind, Birth, KeyRing, NewClient, NewDisclosure, NewRecord, NewStaff,
    NewSuspension, Record, StaffRole, Store, StoreError, WITNESS_FILE_NAME,
};
use serde_json::json;
use sqlx::AssertSqlSafe;

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

async fn store_on(db: &TestDatabase) -> Store {
    let mut store = Store::create(&db.url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[7; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store
}

async fn client(store: &Store, id: &str) {
    store
        .add_client(NewClient {
            id: Some(id.into()),
            name: format!("Client {id}"),
            contact: None,
            notes: None,
            birth: Birth::DateOfBirth(day("1985-03-04")),
            part2_program: false,
            lps_program: false,
            team_id: None,
        })
        .await
        .unwrap();
}

async fn staffed(db: &TestDatabase) -> Store {
    let store = store_on(db).await;
    store
        .add_staff(NewStaff { id: Some("st-t".into()), display_name: "Morgan Ashgrove".into(), role: StaffRole::Psychotherapist })
        .await
        .unwrap();
    client(&store, "cl-a").await;
    client(&store, "cl-b").await;
    store
}

type Seen = (String, String, Category, String, i64, Option<String>, Option<String>);

fn seen(records: &[Record]) -> Vec<Seen> {
    records
        .iter()
        .map(|r| (r.id.clone(), r.client_id.clone(), r.category, r.author_id.clone(), r.created_at, r.content.clone(), r.corrects.clone()))
        .collect()
}

#[tokio::test]
async fn a_clients_records_read_the_same_through_either_driver_and_as_written() {
    for db in test_databases().await {
        let store = staffed(&db).await;
        let categories = [Category::Diagnosis, Category::PsychotherapyNotes, Category::ProgressNotes, Category::Medications];
        let mut written = Vec::new();
        let batch: Vec<NewRecord> = (0..24)
            .map(|i| {
                let client = if i % 3 == 0 { "cl-b" } else { "cl-a" };
                let content = format!("note {i}: «slept better», quotes \" and a tab\t");
                if client == "cl-a" {
                    written.push((format!("rec-{i:02}"), categories[i % 4], content.clone()));
                }
                NewRecord {
                    id: Some(format!("rec-{i:02}")),
                    client_id: client.into(),
                    category: categories[i % 4],
                    author_id: "st-t".into(),
                    content,
                }
            })
            .collect();
        store.add_records(batch).await.unwrap();
        let correction = NewRecord {
            id: Some("rec-99".into()),
            client_id: "cl-a".into(),
            category: Category::Diagnosis,
            author_id: "st-t".into(),
            content: "corrected".into(),
        };
        store.correct_record_audited("rec-04", correction, AuditEvent::new(AuditKind::RecordCorrected, Some("st-t"))).await.unwrap();
        written.push(("rec-99".into(), Category::Diagnosis, "corrected".into()));

        for with_content in [true, false] {
            let read = seen(&store.records("cl-a", with_content).await.unwrap());
            assert_eq!(read, seen(&store.records_through_sqlx("cl-a", with_content).await.unwrap()), "{}", db.name());
            let mut expected: Vec<(String, Category, Option<String>)> =
                written.iter().map(|(id, c, text)| (id.clone(), *c, with_content.then(|| text.clone()))).collect();
            expected.sort();
            let mut got: Vec<(String, Category, Option<String>)> = read.iter().map(|r| (r.0.clone(), r.2, r.5.clone())).collect();
            got.sort();
            assert_eq!(got, expected, "{}", db.name());
            assert!(read.iter().all(|r| r.1 == "cl-a" && r.3 == "st-t"));
            assert!(read.windows(2).all(|w| (w[0].4, &w[0].0) <= (w[1].4, &w[1].0)), "oldest first");
            assert_eq!(read.iter().find(|r| r.0 == "rec-99").unwrap().6.as_deref(), Some("rec-04"));
        }
        // Only what `keep` accepts, still the same records.
        let notes = store.records_selected("cl-a", true, &|r| r.category == Category::PsychotherapyNotes).await.unwrap();
        assert_eq!(notes.len(), written.iter().filter(|w| w.1 == Category::PsychotherapyNotes).count());
        assert!(notes.iter().all(|r| r.content.as_deref().is_some_and(|c| c.starts_with("note "))));
        // A client without records reads empty; an unknown one is not found.
        client(&store, "cl-empty").await;
        assert!(store.records("cl-empty", true).await.unwrap().is_empty());
        assert!(matches!(store.records("cl-none", true).await, Err(StoreError::NotFound { .. })), "{}", db.name());
        assert!(matches!(store.records_through_sqlx("cl-none", true).await, Err(StoreError::NotFound { .. })));
    }
}

fn disclosure(i: u32, kind: RecipientKind, name: Option<&str>) -> NewDisclosure {
    NewDisclosure {
        client_id: "cl-a".into(),
        staff_id: "st-t".into(),
        disclosed_on: day(&format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28)),
        recipient_kind: kind,
        recipient_name: name.map(str::to_string),
        recipient_address: i.is_multiple_of(2).then(|| format!("{i} Main St")),
        purpose: Purpose::PublicHealth,
        released: vec![Category::Diagnosis],
        withheld: vec![],
        record_ids: vec![format!("rec-{i}")],
        decision: json!({ "decision": "permit" }),
        request: json!({}),
        accounting: Some(AccountingBasis {
            categories: vec![Category::Diagnosis],
            cites: vec!["45 CFR 164.512(b)(1)(i)".into()],
            description: format!("Diagnosis {i}"),
            statement: "Public health (45 CFR 164.512(b)(1)(i)).".into(),
        }),
    }
}

/// Ten disclosures of `cl-a` on file, one corrected, law enforcement's
/// suspended; one disclosure of `cl-b`.
async fn with_accounting(db: &TestDatabase) -> Store {
    let store = staffed(db).await;
    let mut first = None;
    for i in 0..10 {
        let (kind, name) = match i % 3 {
            0 => (RecipientKind::PublicHealthAuthority, Some("County Health")),
            1 => (RecipientKind::LawEnforcement, Some("Sheriff")),
            _ => (RecipientKind::PublicHealthAuthority, None),
        };
        let recorded = store.record_disclosure(disclosure(i, kind, name)).await.unwrap();
        first = first.or(recorded.accounting_entry_id);
    }
    store
        .record_disclosure(NewDisclosure { client_id: "cl-b".into(), ..disclosure(3, RecipientKind::PublicHealthAuthority, None) })
        .await
        .unwrap();
    let correction = AccountingCorrection {
        recipient_name: Some("County Health Dept.".into()),
        reason: "name as on the letter".into(),
        ..Default::default()
    };
    store.correct_accounting_entry(&first.unwrap(), correction, "st-t").await.unwrap();
    store
        .suspend_accounting(NewSuspension {
            client_id: "cl-a".into(),
            recipient_kind: RecipientKind::LawEnforcement,
            agency_name: Some("Sheriff".into()),
            requested_on: day("2025-01-01"),
            until: day("2026-12-31"),
            written: true,
            statement: "An open investigation.".into(),
            recorded_by: "st-t".into(),
        })
        .await
        .unwrap();
    store
}

async fn audit_count(store: &Store, kind: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM audit_entries WHERE kind = '{kind}'");
    sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(store.pool()).await.unwrap()
}

#[tokio::test]
async fn the_accounting_reads_the_same_through_either_driver_and_is_audited() {
    for db in test_databases().await {
        let store = with_accounting(&db).await;
        let through_library = store.accounting_entries_for_tests("cl-a", true).await.unwrap();
        assert_eq!(through_library, store.accounting_entries_for_tests("cl-a", false).await.unwrap(), "{}", db.name());
        assert_eq!(through_library.len(), 11, "ten entries and a correction");
        let corrected = through_library.iter().find(|e| e.corrected_by.is_some()).unwrap();
        let correction = through_library.iter().find(|e| e.corrects.as_ref() == Some(&corrected.id)).unwrap();
        assert_eq!(correction.recipient_name.as_deref(), Some("County Health Dept."));
        assert_eq!(correction.description, corrected.description);
        assert!(
            through_library.iter().any(|e| e.recipient_address.is_none()) && through_library.iter().any(|e| e.recipient_name.is_none())
        );

        let before = audit_count(&store, "accounting_viewed").await;
        let accounting = store.accounting("cl-a", None, day("2026-01-01"), Some("st-t")).await.unwrap();
        assert_eq!(audit_count(&store, "accounting_viewed").await, before + 1, "{}", db.name());
        // Law enforcement's three are held back; the corrected entry shows
        // as its correction.
        assert_eq!(accounting.suspended_entries, 3);
        let mut expected: Vec<_> = through_library
            .iter()
            .filter(|e| e.corrected_by.is_none() && e.recipient_kind != RecipientKind::LawEnforcement)
            .cloned()
            .collect();
        expected.sort_by(|a, b| a.id.cmp(&b.id));
        let mut shown = accounting.entries.clone();
        shown.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(shown, expected, "{}", db.name());
        assert!(accounting.entries.windows(2).all(|w| w[0].disclosed_on <= w[1].disclosed_on), "oldest first");
        assert!(matches!(store.accounting("cl-none", None, day("2026-01-01"), None).await, Err(StoreError::NotFound { .. })));
    }
}

#[tokio::test]
async fn a_failed_audit_append_hands_over_no_accounting() {
    for db in test_databases().await {
        let store = with_accounting(&db).await;
        // Cut the log's tail: nothing more is appended to a log that no
        // longer matches its last checkpoint, while the rows still read.
        let (size,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_entries").fetch_one(store.pool()).await.unwrap();
        sqlx::query(AssertSqlSafe(format!("DELETE FROM audit_entries WHERE seq = {}", size - 1))).execute(store.pool()).await.unwrap();
        assert_eq!(store.accounting_entries_for_tests("cl-a", true).await.unwrap().len(), 11);
        let read = store.accounting("cl-a", None, day("2026-01-01"), Some("st-t")).await;
        assert!(matches!(read, Err(StoreError::AuditDamaged)), "{}: {read:?}", db.name());
        assert_eq!(audit_count(&store, "accounting_viewed").await, 0);
        store.close().await;
    }
    // A vault opened without the audit key appends nothing, so shows nothing.
    for db in test_databases().await {
        let store = Store::create(&db.url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
        client(&store, "cl-a").await;
        let read = store.accounting("cl-a", None, day("2026-01-01"), None).await;
        assert!(matches!(&read, Err(StoreError::Invalid { field, .. }) if field == "audit"), "{}: {read:?}", db.name());
    }
}
