//! ASCMI forms in the vault: filing with care partners and choices, refusals
//! that name the field and leave the vault unchanged, the signed scan,
//! revocation, and what the engine reads. Run against SQLite always and
//! against PostgreSQL when `CONFIDANT_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;

use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind, Signer};
use confidant_policy::{Date, Statements};
use confidant_store::crypto::Kek;
use confidant_store::{
    Ascmi, AuditEvent, AuditFilter, AuditKind, Birth, CarePartner, DatabaseUrl, KeyRing, NewClient, NewStaff, StaffRole, Store, StoreError,
};
use sqlx::{AssertSqlSafe, Row};

struct Target {
    url: DatabaseUrl,
    sqlite: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

async fn targets() -> Vec<Target> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confidant.sqlite");
    out.push(Target { url: DatabaseUrl::sqlite_file(&path), sqlite: Some(path), _dir: dir });
    if let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL")
        && !base.is_empty()
    {
        out.push(Target { url: confidant_store::testing::fresh_postgres(&base).await, sqlite: None, _dir: tempfile::tempdir().unwrap() });
    }
    out
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// A vault with audit on, one staff member and one client.
async fn vault(t: &Target) -> Store {
    let mut store = Store::create(&t.url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
    store.enable_audit(confidant_audit::LogSigningKey::from_seed(&[7; 32]), None).await.unwrap();
    store
        .add_staff(NewStaff { id: Some("st-cm".into()), display_name: "Avery Holloway".into(), role: StaffRole::CaseManager })
        .await
        .unwrap();
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
    store
}

fn partner(name: &str, kind: RecipientKind, categories: &[Category], purposes: &[Purpose]) -> CarePartner {
    CarePartner { name: name.into(), kind, categories: categories.to_vec(), purposes: purposes.to_vec() }
}

fn form() -> Ascmi {
    Ascmi {
        id: "ascmi-1".into(),
        signed_by: Some(Signer::Client),
        signed_on: Some(day("2026-01-10")),
        expires_on: Some(day("2027-01-10")),
        expiry_event: None,
        statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
        partners: vec![
            partner(
                "Quillfeather Health Plan",
                RecipientKind::HealthPlan,
                &[Category::Diagnosis, Category::SubstanceUse],
                &[Purpose::Treatment, Purpose::Payment],
            ),
            partner(
                "Marrowgate Housing Collaborative",
                RecipientKind::SocialServicesAgency,
                &[Category::Appointments],
                &[Purpose::CareInvolvement],
            ),
            partner("Dunmore County Clinic", RecipientKind::TreatingProvider, &[], &[]),
        ],
        revoked_on: None,
    }
}

fn filed() -> AuditEvent {
    AuditEvent::new(AuditKind::AscmiFiled, Some("st-cm")).client("cl-1")
}

async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}"))).fetch_one(store.pool()).await.unwrap().try_get("n").unwrap()
}

async fn counts(store: &Store) -> [i64; 3] {
    [count(store, "ascmi_forms").await, count(store, "ascmi_partners").await, count(store, "audit_entries").await]
}

fn raw_sqlite(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(b) = std::fs::read(PathBuf::from(name)) {
            bytes.extend(b);
        }
    }
    bytes
}

#[tokio::test]
async fn a_filed_ascmi_reads_back_with_its_care_partners_sealed_and_audited_without_names() {
    for t in targets().await {
        let store = vault(&t).await;
        let scan = b"%PDF-1.4 signed by Octavia Brindlewood".to_vec();
        let (id, seq) = store.file_ascmi_audited("cl-1", &form(), Some(&scan), Some("st-cm"), filed()).await.unwrap();
        assert_eq!(id, "ascmi-1");
        let on_file = store.ascmis("cl-1").await.unwrap();
        assert_eq!(on_file.len(), 1);
        assert_eq!(on_file[0].ascmi, form());
        assert!(on_file[0].has_document);
        assert_eq!(on_file[0].entered_by.as_deref(), Some("st-cm"));
        assert_eq!(store.ascmi_client("ascmi-1").await.unwrap(), "cl-1");
        assert_eq!(store.ascmi_document("ascmi-1").await.unwrap(), Some(scan));

        let entries = store
            .audit_entries(&AuditFilter { kind: Some(AuditKind::AscmiFiled), with_details: true, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].seq, seq);
        let details = entries[0].details.clone().unwrap();
        assert_eq!(details["ascmi"], "ascmi-1");
        assert_eq!(details["care_partners"], 3);
        let text = details.to_string();
        for name in ["Quillfeather", "Marrowgate", "Dunmore", "Octavia"] {
            assert!(!text.contains(name), "`{name}` in the audit details {text}");
        }
        if let Some(path) = &t.sqlite {
            let raw = raw_sqlite(path);
            for secret in ["Quillfeather", "Marrowgate", "Dunmore", "%PDF-1.4 signed"] {
                assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()), "`{secret}` in the raw database");
            }
        }
        store.close().await;
    }
}

#[tokio::test]
async fn the_engine_reads_one_ascmi_authorization_per_care_partner_shared_with() {
    let auths = form().authorizations();
    assert_eq!(auths.len(), 2, "the partner the client shares nothing with yields none");
    assert_eq!(auths[0].id, "ascmi-1/1");
    assert_eq!(auths[0].kind, AuthorizationKind::Ascmi);
    assert_eq!(auths[0].categories, vec![Category::Diagnosis, Category::SubstanceUse]);
    assert_eq!(auths[0].recipients.len(), 1);
    assert_eq!(auths[0].recipients[0].name.as_deref(), Some("Quillfeather Health Plan"));
    assert_eq!(auths[1].id, "ascmi-1/2");
    assert_eq!(auths[1].purposes, vec![Purpose::CareInvolvement]);
    for auth in &auths {
        assert!(confidant_policy::authorization::form_defects(auth).is_empty(), "{auth:?}");
    }
}

#[tokio::test]
async fn a_bad_ascmi_is_refused_naming_the_field_and_nothing_is_written() {
    type Spoil = fn(&mut Ascmi);
    let cases: Vec<(&str, Spoil)> = vec![
        ("signed_by", |f| f.signed_by = None),
        ("signed_on", |f| f.signed_on = None),
        ("expires_on", |f| f.expires_on = None),
        ("expires_on", |f| f.expires_on = Some(day("2025-12-31"))),
        ("statements/redisclosure", |f| f.statements.redisclosure = false),
        ("revoked_on", |f| f.revoked_on = Some(day("2026-02-01"))),
        ("partners", |f| f.partners.clear()),
        ("partners/1/name", |f| f.partners[1].name = "  ".into()),
        ("partners/1/name", |f| f.partners[1] = f.partners[0].clone()),
        ("partners/0/categories", |f| f.partners[0].categories.push(Category::PsychotherapyNotes)),
        ("partners/0/categories", |f| f.partners[0].categories.push(Category::Diagnosis)),
        ("partners/1/purposes", |f| f.partners[1].purposes = vec![Purpose::Marketing]),
        ("partners/1/purposes", |f| f.partners[1].purposes.clear()),
        ("partners/2/purposes", |f| f.partners[2].purposes = vec![Purpose::Treatment]),
    ];
    for t in targets().await {
        let store = vault(&t).await;
        let before = counts(&store).await;
        for (field, spoil) in &cases {
            let mut bad = form();
            spoil(&mut bad);
            let err = store.file_ascmi_audited("cl-1", &bad, None, Some("st-cm"), filed()).await.unwrap_err();
            let StoreError::Invalid { field: got, .. } = &err else { panic!("{field}: {err}") };
            assert_eq!(got, field, "{err}");
        }
        let err = store.file_ascmi_audited("cl-1", &form(), Some(&[]), Some("st-cm"), filed()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid { field, .. } if field == "document"), "{err}");
        let err = store.file_ascmi_audited("cl-missing", &form(), None, Some("st-cm"), filed()).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        let err = store.file_ascmi_audited("cl-1", &form(), None, Some("st-nobody"), filed()).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        assert_eq!(counts(&store).await, before, "no row and no audit entry");
        store.file_ascmi_audited("cl-1", &form(), None, None, filed()).await.unwrap();
        let after_one = counts(&store).await;
        let err = store.file_ascmi_audited("cl-1", &form(), None, None, filed()).await.unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
        assert_eq!(counts(&store).await, after_one);
        store.close().await;
    }
}

#[tokio::test]
async fn revoking_an_ascmi_is_dated_audited_once_and_stops_what_it_released() {
    for t in targets().await {
        let store = vault(&t).await;
        store.file_ascmi_audited("cl-1", &form(), None, Some("st-cm"), filed()).await.unwrap();
        let revoke = || AuditEvent::new(AuditKind::AscmiRevoked, Some("st-cm")).client("cl-1");
        let before = counts(&store).await;
        let err = store.revoke_ascmi_audited("ascmi-1", day("2026-01-09"), "st-cm", revoke()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid { field, .. } if field == "revoked_on"), "{err}");
        let err = store.revoke_ascmi_audited("ascmi-1", day("2026-03-01"), "st-nobody", revoke()).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        let err = store.revoke_ascmi_audited("ascmi-9", day("2026-03-01"), "st-cm", revoke()).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        assert_eq!(counts(&store).await, before);

        store.revoke_ascmi_audited("ascmi-1", day("2026-03-01"), "st-cm", revoke()).await.unwrap();
        let on_file = store.ascmis("cl-1").await.unwrap();
        assert_eq!(on_file[0].ascmi.revoked_on, Some(day("2026-03-01")));
        assert_eq!(on_file[0].revoked_by.as_deref(), Some("st-cm"));
        assert!(on_file[0].ascmi.authorizations().iter().all(|a| a.revoked_on == Some(day("2026-03-01"))));
        let err = store.revoke_ascmi_audited("ascmi-1", day("2026-03-02"), "st-cm", revoke()).await.unwrap_err();
        assert!(matches!(err, StoreError::AlreadyRevoked { .. }), "{err}");
        let entries = store
            .audit_entries(&AuditFilter { kind: Some(AuditKind::AscmiRevoked), with_details: true, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(entries.len(), 1);
        let details = entries[0].details.clone().unwrap();
        assert_eq!((details["ascmi"].as_str(), details["on"].as_str()), (Some("ascmi-1"), Some("2026-03-01")));
        store.close().await;
    }
}

#[tokio::test]
async fn the_signed_scan_is_attached_once_sealed_and_audited() {
    for t in targets().await {
        let store = vault(&t).await;
        store.file_ascmi_audited("cl-1", &form(), None, Some("st-cm"), filed()).await.unwrap();
        assert_eq!(store.ascmi_document("ascmi-1").await.unwrap(), None);
        let attach = || AuditEvent::new(AuditKind::AscmiDocumentAttached, Some("st-cm")).client("cl-1");
        let err = store.attach_ascmi_document_audited("ascmi-1", b"", attach()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid { field, .. } if field == "document"), "{err}");
        let scan = b"\x89PNG scan of the signed form".to_vec();
        store.attach_ascmi_document_audited("ascmi-1", &scan, attach()).await.unwrap();
        assert_eq!(store.ascmi_document("ascmi-1").await.unwrap(), Some(scan));
        assert!(store.ascmis("cl-1").await.unwrap()[0].has_document);
        let before = counts(&store).await;
        let err = store.attach_ascmi_document_audited("ascmi-1", b"another", attach()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Invalid { field, .. } if field == "document"), "{err}");
        assert_eq!(counts(&store).await, before, "a scan is never replaced");
        let entries =
            store.audit_entries(&AuditFilter { kind: Some(AuditKind::AscmiDocumentAttached), ..Default::default() }).await.unwrap();
        assert_eq!(entries.len(), 1);
        if let Some(path) = &t.sqlite {
            let raw = raw_sqlite(path);
            assert!(!raw.windows(8).any(|w| w == b"scan of "), "the scan is sealed at rest");
        }
        store.close().await;
    }
}

/// The statement of migration 16 that queues the forms already on file.
fn queue_existing_forms() -> String {
    let sql = include_str!("../migrations/0016_ascmi_review.sql");
    let at = sql.find("UPDATE ascmi_forms").unwrap();
    sql[at..].trim().trim_end_matches(';').to_string()
}

#[tokio::test]
async fn forms_sharing_sud_records_are_queued_for_review_when_filed_and_by_the_migration() {
    for t in targets().await {
        let store = vault(&t).await;
        store.file_ascmi_audited("cl-1", &form(), None, Some("st-cm"), filed()).await.unwrap();
        let mut plain = form();
        plain.id = "ascmi-2".into();
        plain.partners.retain(|p| !p.categories.contains(&Category::SubstanceUse));
        store.file_ascmi_audited("cl-1", &plain, None, Some("st-cm"), filed()).await.unwrap();
        let queued = || async {
            let rows = sqlx::query("SELECT id FROM ascmi_forms WHERE needs_review = 1 ORDER BY id").fetch_all(store.pool()).await.unwrap();
            rows.iter().map(|r| r.try_get::<String, _>("id").unwrap()).collect::<Vec<_>>()
        };
        assert_eq!(queued().await, vec!["ascmi-1".to_string()]);
        // Forms filed before migration 16 had no flag: the migration finds
        // the ones sharing SUD records from their care partners' choices.
        sqlx::query("UPDATE ascmi_forms SET needs_review = 0").execute(store.pool()).await.unwrap();
        sqlx::query(AssertSqlSafe(queue_existing_forms())).execute(store.pool()).await.unwrap();
        assert_eq!(queued().await, vec!["ascmi-1".to_string()]);
        let waiting = store.authorizations_awaiting_review().await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].categories, vec![Category::Diagnosis, Category::SubstanceUse, Category::Appointments]);
    }
}
