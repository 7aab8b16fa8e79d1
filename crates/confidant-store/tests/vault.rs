//! The vault's integration suite, written once and run against SQLite always
//! and against PostgreSQL when `CONFIDANT_TEST_POSTGRES_URL` is set (each test
//! then gets a fresh database on that server; `scripts/with-postgres` starts a
//! throwaway one).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use confidant_policy::authorization::Reason;
use confidant_policy::vocab::{
    AuthorizationKind, Category, ClientStatus, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind, Role, Signer,
};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Discloser, Engine, Facts, Recipient, Restriction, Statements};
use confidant_store::crypto::Kek;
use confidant_store::{
    Backend, Birth, DatabaseUrl, KEY_FILE_NAME, KeyError, KeyRing, NewClient, NewRecord, NewStaff, RequestSpec, StaffRole, Store,
    StoreError,
};
use sqlx::{AssertSqlSafe, Row};

/// One database to run a test against.
struct Target {
    url: DatabaseUrl,
    /// The SQLite file, when the target is SQLite.
    sqlite: Option<PathBuf>,
    dir: tempfile::TempDir,
}

impl Target {
    fn key_file(&self) -> PathBuf {
        self.dir.path().join(KEY_FILE_NAME)
    }
}

async fn targets() -> Vec<Target> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confidant.sqlite");
    out.push(Target { url: DatabaseUrl::sqlite_file(&path), sqlite: Some(path), dir });
    if let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL")
        && !base.is_empty()
    {
        out.push(Target { url: confidant_store::testing::fresh_postgres(&base).await, sqlite: None, dir: tempfile::tempdir().unwrap() });
    }
    out
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn memory_ring() -> KeyRing {
    KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()
}

/// A vault whose key ring is a key file in the target's directory.
async fn create_with_file(t: &Target) -> Store {
    let ring = memory_ring();
    ring.create_file(&t.key_file()).unwrap();
    Store::create(&t.url, KeyRing::read_file(&t.key_file()).unwrap()).await.unwrap()
}

async fn seed(store: &Store) -> (String, String, String) {
    let therapist = store
        .add_staff(NewStaff { id: Some("st-t".into()), display_name: "Morgan Ashgrove".into(), role: StaffRole::Psychotherapist })
        .await
        .unwrap();
    let peer = store
        .add_staff(NewStaff { id: Some("st-p".into()), display_name: "Riley Fenwick".into(), role: StaffRole::PeerSupportSpecialist })
        .await
        .unwrap();
    let client = store
        .add_client(NewClient {
            id: Some("cl-1".into()),
            name: "Zebulon Quixotic-Marchetti".into(),
            contact: Some("zq@example.org".into()),
            notes: Some("confided about the lighthouse keeper".into()),
            birth: Birth::DateOfBirth(day("1990-06-15")),
            part2_program: false,
            lps_program: false,
            team_id: None,
        })
        .await
        .unwrap();
    (therapist, peer, client)
}

fn valid_auth(id: &str, expires: &str) -> Authorization {
    Authorization {
        id: id.into(),
        kind: AuthorizationKind::Hipaa,
        signed_by: Some(Signer::Client),
        signed_on: Some(day("2025-01-10")),
        categories: vec![Category::Diagnosis],
        recipients: vec![AuthorizedRecipient { kind: RecipientKind::Employer, name: Some("Acme Tools".into()) }],
        purposes: vec![Purpose::Employment],
        expires_on: Some(day(expires)),
        expiry_event: None,
        revoked_on: None,
        statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
    }
}

async fn count(store: &Store, table: &'static str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    sqlx::query(AssertSqlSafe(sql)).fetch_one(store.pool()).await.unwrap().try_get("n").unwrap()
}

const TABLES: &[&str] = &[
    "key_encryption_keys",
    "data_keys",
    "staff",
    "care_teams",
    "care_team_members",
    "clients",
    "caseload_assignments",
    "records",
    "psychotherapy_notes",
    "authorizations",
    "restrictions",
    "privacy_notice_acknowledgments",
];

async fn counts(store: &Store) -> Vec<i64> {
    let mut out = Vec::new();
    for t in TABLES {
        out.push(count(store, t).await);
    }
    out
}

/// Every KEK row and wrapped data key, to compare before and after.
async fn key_rows(store: &Store) -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for row in sqlx::query("SELECT id, verifier FROM key_encryption_keys WHERE retired_at IS NULL ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
    {
        out.push((row.try_get("id").unwrap(), String::new(), row.try_get("verifier").unwrap()));
    }
    for row in sqlx::query("SELECT id, kek_id, wrapped FROM data_keys ORDER BY id").fetch_all(store.pool()).await.unwrap() {
        out.push((row.try_get("id").unwrap(), row.try_get("kek_id").unwrap(), row.try_get("wrapped").unwrap()));
    }
    out
}

#[tokio::test]
async fn everything_stored_reads_back() {
    for t in targets().await {
        let store = Store::create(&t.url, memory_ring()).await.unwrap();
        let (therapist, peer, client) = seed(&store).await;
        let team = store.add_team(None, "Adult outpatient").await.unwrap();
        store.add_team_member(&team, &therapist).await.unwrap();
        store.assign(&therapist, &client, day("2025-01-02")).await.unwrap();
        store.acknowledge_privacy_notice(&client, day("2025-01-02")).await.unwrap();

        let staff = store.list_staff().await.unwrap();
        assert_eq!(staff.len(), 2);
        assert_eq!(staff[1].display_name, "Morgan Ashgrove");
        assert_eq!(staff[1].role, StaffRole::Psychotherapist);
        assert_eq!(store.list_teams().await.unwrap()[0].members, vec![therapist.clone()]);
        assert_eq!(store.caseload(&therapist).await.unwrap(), vec![client.clone()]);
        assert_eq!(store.client_staff(&client).await.unwrap(), vec![therapist.clone()]);
        assert_eq!(store.privacy_notice_acknowledgments(&client).await.unwrap(), vec![day("2025-01-02")]);

        let c = store.client(&client).await.unwrap();
        assert_eq!(c.name, "Zebulon Quixotic-Marchetti");
        assert_eq!(c.contact.as_deref(), Some("zq@example.org"));
        assert_eq!(c.notes.as_deref(), Some("confided about the lighthouse keeper"));
        assert_eq!(c.birth, Birth::DateOfBirth(day("1990-06-15")));
        assert_eq!(c.status, ClientStatus::Active);

        let r1 = store
            .add_record(NewRecord {
                id: None,
                client_id: client.clone(),
                category: Category::Diagnosis,
                author_id: therapist.clone(),
                content: "GAD".into(),
            })
            .await
            .unwrap();
        let r2 = store
            .add_record(NewRecord {
                id: None,
                client_id: client.clone(),
                category: Category::PsychotherapyNotes,
                author_id: therapist.clone(),
                content: "process note".into(),
            })
            .await
            .unwrap();
        assert_eq!(count(&store, "records").await, 1);
        assert_eq!(count(&store, "psychotherapy_notes").await, 1, "psychotherapy notes are kept apart");
        let records = store.records(&client, true).await.unwrap();
        assert_eq!(records.len(), 2);
        let by_id = |id: &str| records.iter().find(|r| r.id == id).unwrap();
        assert_eq!(by_id(&r1).content.as_deref(), Some("GAD"));
        assert_eq!(by_id(&r2).category, Category::PsychotherapyNotes);
        assert_eq!(by_id(&r2).content.as_deref(), Some("process note"));
        assert!(store.records(&client, false).await.unwrap().iter().all(|r| r.content.is_none()));

        let auth = valid_auth("auth-1", "2026-12-31");
        store.add_authorization(&client, &auth, Some(b"%PDF signed")).await.unwrap();
        store.revoke_authorization("auth-1", day("2025-06-01"), &peer).await.unwrap();
        let stored = store.authorizations(&client).await.unwrap();
        assert_eq!(stored.len(), 1);
        let mut expected = auth.clone();
        expected.revoked_on = Some(day("2025-06-01"));
        assert_eq!(stored[0].authorization, expected);
        assert_eq!(stored[0].revoked_by.as_deref(), Some(peer.as_str()));
        assert!(stored[0].has_document);
        assert_eq!(store.authorization_document("auth-1").await.unwrap().as_deref(), Some(&b"%PDF signed"[..]));

        let restriction = Restriction {
            categories: vec![],
            recipient_kinds: vec![RecipientKind::FamilyOrFriend],
            purposes: vec![Purpose::CareInvolvement],
            agreed: true,
        };
        store.add_restriction(&client, &restriction, day("2025-02-01")).await.unwrap();
        let restrictions = store.restrictions(&client).await.unwrap();
        assert_eq!(restrictions[0].restriction, restriction);

        store.discharge(&client, day("2025-09-01")).await.unwrap();
        store.record_death(&client, day("2025-12-01")).await.unwrap();
        let c = store.client(&client).await.unwrap();
        assert_eq!((c.status, c.discharged_on, c.died_on), (ClientStatus::Deceased, Some(day("2025-09-01")), Some(day("2025-12-01"))));
        store.close().await;
    }
}

#[tokio::test]
async fn bad_input_stores_nothing() {
    for t in targets().await {
        let store = Store::create(&t.url, memory_ring()).await.unwrap();
        let (therapist, peer, client) = seed(&store).await;
        let before = counts(&store).await;
        let record = |client: &str, author: &str, category| NewRecord {
            id: None,
            client_id: client.into(),
            category,
            author_id: author.into(),
            content: "text".into(),
        };
        assert!(matches!(
            store.add_record(record("cl-nobody", &therapist, Category::Diagnosis)).await,
            Err(StoreError::NotFound { kind: "client", .. })
        ));
        assert!(matches!(
            store.add_record(record(&client, "st-nobody", Category::Diagnosis)).await,
            Err(StoreError::NotFound { kind: "staff", .. })
        ));
        assert!(matches!(store.add_record(record(&client, &peer, Category::PsychotherapyNotes)).await, Err(StoreError::Invalid { .. })));
        let mut empty = record(&client, &therapist, Category::Diagnosis);
        empty.content = "  ".into();
        assert!(matches!(store.add_record(empty).await, Err(StoreError::Invalid { .. })));
        let dup = NewClient {
            id: Some(client.clone()),
            name: "Someone Else".into(),
            contact: None,
            notes: None,
            birth: Birth::Age { years: 30, on: day("2025-01-01") },
            part2_program: false,
            lps_program: false,
            team_id: None,
        };
        assert!(matches!(store.add_client(dup.clone()).await, Err(StoreError::Duplicate { .. })));
        assert!(matches!(store.add_client(NewClient { id: Some("bad id!".into()), ..dup.clone() }).await, Err(StoreError::Invalid { .. })));
        assert!(matches!(
            store.add_client(NewClient { id: None, team_id: Some("no-team".into()), ..dup.clone() }).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(
            store.add_authorization(&client, &Authorization { recipients: vec![], ..valid_auth("a", "2026-01-01") }, None).await.is_err()
        );
        assert!(matches!(
            store.add_authorization("cl-nobody", &valid_auth("a2", "2026-01-01"), None).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(store.revoke_authorization("auth-nobody", day("2025-01-01"), &peer).await, Err(StoreError::NotFound { .. })));
        assert!(matches!(store.record_death("cl-nobody", day("2025-01-01")).await, Err(StoreError::NotFound { .. })));
        assert_eq!(counts(&store).await, before, "no table changed");
        store.close().await;
    }
}

#[tokio::test]
async fn an_incomplete_authorization_is_refused_with_every_missing_element() {
    for t in targets().await {
        let store = Store::create(&t.url, memory_ring()).await.unwrap();
        let (_, _, client) = seed(&store).await;
        let empty = Authorization {
            id: "auth-bad".into(),
            kind: AuthorizationKind::Hipaa,
            signed_by: None,
            signed_on: None,
            categories: vec![],
            recipients: vec![],
            purposes: vec![],
            expires_on: None,
            expiry_event: None,
            revoked_on: None,
            statements: Statements::default(),
        };
        let err = store.add_authorization(&client, &empty, None).await.unwrap_err();
        let StoreError::IncompleteAuthorization(defects) = &err else { panic!("{err}") };
        let message = err.to_string();
        for code in [
            "missing_element:description",
            "missing_element:recipient",
            "missing_element:purpose",
            "missing_element:expiration",
            "missing_element:signature",
            "missing_element:date",
            "missing_statement:right_to_revoke",
            "missing_statement:no_conditioning",
            "missing_statement:redisclosure",
        ] {
            assert!(defects.iter().any(|d| d.code() == code), "{code} in {defects:?}");
            assert!(message.contains(code), "{code} in {message}");
        }
        let compound =
            Authorization { categories: vec![Category::PsychotherapyNotes, Category::Diagnosis], ..valid_auth("auth-c", "2026-01-01") };
        let err = store.add_authorization(&client, &compound, None).await.unwrap_err();
        assert!(matches!(&err, StoreError::IncompleteAuthorization(d) if d == &vec![Reason::CompoundPsychotherapyNotes]), "{err}");
        assert_eq!(count(&store, "authorizations").await, 0);
        store.close().await;
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn raw_files(db: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(b) = std::fs::read(PathBuf::from(name)) {
            bytes.extend(b);
        }
    }
    bytes
}

#[tokio::test]
async fn the_raw_sqlite_files_hold_no_name_note_or_content() {
    let t = targets().await.into_iter().next().unwrap();
    let db = t.sqlite.clone().unwrap();
    let store = Store::create(&t.url, memory_ring()).await.unwrap();
    let (therapist, _, client) = seed(&store).await;
    store
        .add_record(NewRecord {
            id: None,
            client_id: client.clone(),
            category: Category::ProgressNotes,
            author_id: therapist,
            content: "Xanthippe-disclosed-a-secret".into(),
        })
        .await
        .unwrap();
    // The plaintext is there to find when stored unsealed: the search works.
    assert!(contains(b"..Zebulon Quixotic-Marchetti..", "Zebulon"));
    for check in [raw_files(&db)] {
        assert!(!check.is_empty());
        for secret in ["Zebulon", "Quixotic", "lighthouse", "zq@example.org", "Xanthippe", "Morgan Ashgrove", "1990-06-15"] {
            assert!(!contains(&check, secret), "`{secret}` found in the open database files");
        }
    }
    store.close().await;
    let closed = raw_files(&db);
    for secret in ["Zebulon", "Quixotic", "lighthouse", "zq@example.org", "Xanthippe", "Morgan Ashgrove", "1990-06-15"] {
        assert!(!contains(&closed, secret), "`{secret}` found in the closed database file");
    }
}

#[tokio::test]
async fn a_wrong_or_missing_key_fails_clearly_and_changes_nothing() {
    for t in targets().await {
        let store = create_with_file(&t).await;
        let (_, _, client) = seed(&store).await;
        let before = counts(&store).await;
        let keys_before = key_rows(&store).await;
        store.close().await;

        let wrong_same_id = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
        let err = Store::open(&t.url, wrong_same_id).await.unwrap_err();
        assert!(matches!(err, StoreError::WrongKey(_)), "{err}");
        let unknown_id = KeyRing::new(vec![Kek::generate("kek-9")]).unwrap();
        assert!(matches!(Store::open(&t.url, unknown_id).await.unwrap_err(), StoreError::WrongKey(_)));
        let env = KeyRing::from_env_value(&"ab".repeat(32)).unwrap();
        let err = Store::open(&t.url, env).await.unwrap_err();
        assert!(err.to_string().contains("CONFIDANT_KEY"), "{err}");
        let missing = KeyRing::read_file(&t.dir.path().join("nope.key")).unwrap_err();
        assert!(matches!(missing, KeyError::Missing(_)));

        let store = Store::open(&t.url, KeyRing::read_file(&t.key_file()).unwrap()).await.unwrap();
        assert_eq!(counts(&store).await, before);
        assert!(key_rows(&store).await == keys_before, "keys and wrapped data keys are unchanged");
        assert_eq!(store.client(&client).await.unwrap().name, "Zebulon Quixotic-Marchetti");
        store.close().await;
    }
}

#[tokio::test]
async fn an_environment_key_without_an_id_opens_the_vault() {
    for t in targets().await {
        let hex = "0123456789abcdef".repeat(4);
        let store = Store::create(&t.url, KeyRing::from_env_value(&hex).unwrap()).await.unwrap();
        seed(&store).await;
        store.close().await;
        let store = Store::open(&t.url, KeyRing::from_env_value(&hex).unwrap()).await.unwrap();
        assert_eq!(store.keys().current().unwrap().id(), "kek-1");
        assert_eq!(store.list_staff().await.unwrap().len(), 2);
        store.close().await;
    }
}

#[tokio::test]
async fn rotation_keeps_everything_readable_and_retires_the_old_key() {
    for t in targets().await {
        let mut store = create_with_file(&t).await;
        let (therapist, _, client) = seed(&store).await;
        store
            .add_record(NewRecord {
                id: None,
                client_id: client.clone(),
                category: Category::Diagnosis,
                author_id: therapist,
                content: "GAD".into(),
            })
            .await
            .unwrap();
        store.add_authorization(&client, &valid_auth("auth-1", "2026-12-31"), Some(b"doc")).await.unwrap();
        let old = KeyRing::read_file(&t.key_file()).unwrap();
        let old_kek = old.current().unwrap().clone();
        let contents_before: Vec<Vec<u8>> = sqlx::query("SELECT content FROM records ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("content").unwrap())
            .collect();

        let rotation = store.rotate_keys().await.unwrap();
        assert_eq!(rotation.new_key_id, "kek-2");
        assert_eq!(rotation.retired_key_ids, vec!["kek-1".to_string()]);
        assert_eq!(i64::try_from(rotation.rewrapped_data_keys).unwrap(), count(&store, "data_keys").await);

        let contents_after: Vec<Vec<u8>> = sqlx::query("SELECT content FROM records ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("content").unwrap())
            .collect();
        assert_eq!(contents_before, contents_after, "contents are not re-encrypted");
        for row in sqlx::query("SELECT id, kek_id, wrapped FROM data_keys").fetch_all(store.pool()).await.unwrap() {
            let id: String = row.try_get("id").unwrap();
            let kek_id: String = row.try_get("kek_id").unwrap();
            let wrapped: Vec<u8> = row.try_get("wrapped").unwrap();
            assert_eq!(kek_id, "kek-2");
            assert!(old_kek.unwrap_key(&id, &wrapped).is_err(), "the old key no longer opens `{id}`");
            assert!(old_kek.with_id("kek-2").unwrap_key(&id, &wrapped).is_err());
        }
        // The copy each record keeps in its own row was re-wrapped with it.
        let copies: Vec<(String, String, Vec<u8>, Vec<u8>)> = sqlx::query_as(
            "SELECT r.data_key_id, r.kek_id, r.wrapped_key, d.wrapped FROM records r JOIN data_keys d ON d.id = r.data_key_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(copies.len(), 1);
        for (id, kek_id, copy, wrapped) in copies {
            assert_eq!((kek_id.as_str(), &copy), ("kek-2", &wrapped), "`{id}`");
        }
        store.close().await;

        let file = KeyRing::read_file(&t.key_file()).unwrap();
        assert_eq!(file.keys().iter().map(|k| k.id().to_string()).collect::<Vec<_>>(), vec!["kek-2"]);
        let store = Store::open(&t.url, file).await.unwrap();
        assert_eq!(store.client(&client).await.unwrap().notes.as_deref(), Some("confided about the lighthouse keeper"));
        assert_eq!(store.records(&client, true).await.unwrap()[0].content.as_deref(), Some("GAD"));
        assert_eq!(store.authorization_document("auth-1").await.unwrap().as_deref(), Some(&b"doc"[..]));
        assert_eq!(store.list_staff().await.unwrap().len(), 2);
        store.close().await;

        let err = Store::open(&t.url, old).await.unwrap_err();
        assert!(matches!(err, StoreError::WrongKey(_)), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_writers_never_fail_with_a_locked_database() {
    for t in targets().await {
        let store = std::sync::Arc::new(Store::create(&t.url, memory_ring()).await.unwrap());
        let (therapist, _, client) = seed(&store).await;
        let mut tasks = Vec::new();
        for task in 0..8 {
            let store = store.clone();
            let (therapist, client) = (therapist.clone(), client.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0..50 {
                    store
                        .add_record(NewRecord {
                            id: Some(format!("rec-{task}-{i}")),
                            client_id: client.clone(),
                            category: Category::ProgressNotes,
                            author_id: therapist.clone(),
                            content: format!("note {task}/{i}"),
                        })
                        .await
                        .unwrap_or_else(|e| panic!("writer {task} insert {i}: {e}"));
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(count(&store, "records").await, 400);
        assert_eq!(store.records(&client, true).await.unwrap().len(), 400);
    }
}

fn spec(client: &str, as_of: &str) -> RequestSpec {
    RequestSpec {
        client_id: client.into(),
        as_of: day(as_of),
        jurisdiction: Jurisdiction::Us,
        organization_policy: OrganizationPolicy::Default,
        discloser: Discloser { role: Role::Psychotherapist, mandated_reporter: None },
        recipient: Recipient { kind: RecipientKind::Employer, name: Some("Acme Tools".into()), same_organization: false },
        purpose: Purpose::Employment,
        categories: vec![Category::Diagnosis],
        facts: Facts::default(),
    }
}

#[tokio::test]
async fn a_stored_client_is_decided_from_the_vault() {
    for t in targets().await {
        let store = Store::create(&t.url, memory_ring()).await.unwrap();
        let (_, _, client) = seed(&store).await;
        store.add_authorization(&client, &valid_auth("auth-old", "2025-12-31"), None).await.unwrap();
        let engine = Engine::new().unwrap();

        let request = store.request_for(spec(&client, "2026-03-02")).await.unwrap();
        assert_eq!(request.client.age, 35);
        assert_eq!(request.client.status, ClientStatus::Active);
        let decision = engine.decide(&request).unwrap();
        let report = decision.authorizations.iter().find(|a| a.id == "auth-old").unwrap();
        assert!(!report.counts);
        assert_eq!(report.reasons.iter().map(|r| r.code()).collect::<Vec<_>>(), vec!["expired"]);
        assert_eq!(decision.decision.as_str(), "deny");

        store.add_authorization(&client, &valid_auth("auth-new", "2026-12-31"), None).await.unwrap();
        let decision = engine.decide(&store.request_for(spec(&client, "2026-03-02")).await.unwrap()).unwrap();
        assert!(decision.authorizations.iter().any(|a| a.id == "auth-new" && a.counts));
        assert_eq!(decision.release, vec![Category::Diagnosis]);

        // Judged on the day asked: before the death, the client was alive.
        store.record_death(&client, day("2026-02-01")).await.unwrap();
        let before = store.request_for(spec(&client, "2026-01-15")).await.unwrap();
        assert_eq!(before.client.status, ClientStatus::Active);
        let after = store.request_for(spec(&client, "2026-03-02")).await.unwrap();
        assert_eq!((after.client.status, after.client.died_on), (ClientStatus::Deceased, Some(day("2026-02-01"))));

        let restriction = Restriction { categories: vec![], recipient_kinds: vec![], purposes: vec![], agreed: true };
        store.add_restriction(&client, &restriction, day("2026-01-01")).await.unwrap();
        assert_eq!(store.request_for(spec(&client, "2026-03-02")).await.unwrap().restrictions, vec![restriction]);

        let mut dup = spec(&client, "2026-03-02");
        dup.categories = vec![Category::Diagnosis, Category::Diagnosis];
        assert!(matches!(store.request_for(dup).await, Err(StoreError::Invalid { .. })));
        assert!(matches!(store.request_for(spec("cl-nobody", "2026-03-02")).await, Err(StoreError::NotFound { .. })));
        assert!(matches!(store.request_for(spec(&client, "1980-01-01")).await, Err(StoreError::Invalid { .. })));
        store.close().await;
    }
}

#[tokio::test]
async fn the_demo_organization_fills_and_decides() {
    let t = targets().await.into_iter().next().unwrap();
    let store = Store::create(&t.url, memory_ring()).await.unwrap();
    let summary = confidant_store::demo::fill(&store, confidant_store::demo::DEFAULT_SEED).await.unwrap();
    assert_eq!(summary.clients, 50);
    assert_eq!(summary.staff, 16);
    let clients = store.list_clients().await.unwrap();
    assert!(clients.iter().any(|c| c.status == ClientStatus::Discharged));
    assert!(clients.iter().any(|c| c.status == ClientStatus::Deceased));
    assert!(clients.iter().any(|c| c.part2_program));
    let roles: std::collections::HashSet<_> = store.list_staff().await.unwrap().iter().map(|s| s.role).collect();
    assert_eq!(roles.len(), StaffRole::ALL.len());
    assert!(count(&store, "psychotherapy_notes").await > 0);
    let mut revoked = 0;
    for c in &clients {
        revoked += store.authorizations(&c.id).await.unwrap().iter().filter(|a| a.authorization.revoked_on.is_some()).count();
    }
    assert!(revoked > 0, "some demo authorizations are revoked");
    assert_eq!(t.sqlite.is_some(), store.backend() == Backend::Sqlite);
    store.close().await;
}

fn note(id: Option<&str>, client: &str, author: &str, category: Category, content: &str) -> NewRecord {
    NewRecord { id: id.map(str::to_string), client_id: client.into(), category, author_id: author.into(), content: content.into() }
}

#[tokio::test]
async fn a_batch_is_stored_whole_each_record_under_its_own_key() {
    for t in targets().await {
        let store = Store::create(&t.url, memory_ring()).await.unwrap();
        let (therapist, peer, client) = seed(&store).await;
        let keys_before = count(&store, "data_keys").await;
        let batch = vec![
            note(Some("rec-a"), &client, &peer, Category::PeerSupportNotes, "walked to the pier"),
            note(None, &client, &therapist, Category::PsychotherapyNotes, "talked about the lighthouse"),
            note(None, &client, &therapist, Category::Diagnosis, "F41.1"),
        ];
        let ids = store.add_records(batch).await.unwrap();
        assert_eq!(ids.len(), 3);
        assert_eq!(ids[0], "rec-a");
        assert_eq!(count(&store, "data_keys").await - keys_before, 3, "one data key per record");
        let keys: std::collections::HashSet<String> =
            sqlx::query("SELECT data_key_id FROM records UNION ALL SELECT data_key_id FROM psychotherapy_notes")
                .fetch_all(store.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>("data_key_id").unwrap())
                .collect();
        assert_eq!(keys.len(), 3);
        let read = store.records(&client, true).await.unwrap();
        let mut contents: Vec<String> = read.iter().map(|r| r.content.clone().unwrap()).collect();
        contents.sort();
        assert_eq!(contents, ["F41.1", "talked about the lighthouse", "walked to the pier"]);
        assert!(store.check().await.unwrap().is_sound());
        assert_eq!(store.add_records(Vec::new()).await.unwrap(), Vec::<String>::new());
    }
}

/// How a test recognises the error it expects.
type Expected = fn(&StoreError) -> bool;

#[tokio::test]
async fn one_bad_record_stores_nothing_from_its_batch_and_names_its_position() {
    for t in targets().await {
        let store = Store::create(&t.url, memory_ring()).await.unwrap();
        let (therapist, peer, client) = seed(&store).await;
        let before = counts(&store).await;
        let good = |i: usize| note(Some(&format!("rec-{i}")), &client, &therapist, Category::ProgressNotes, "fine");
        // Each kind of fault add_record refuses, placed after good records.
        let faults: Vec<(NewRecord, Expected)> = vec![
            (note(None, "cl-nobody", &therapist, Category::Diagnosis, "x"), |e| matches!(e, StoreError::NotFound { kind: "client", .. })),
            (note(None, &client, "st-nobody", Category::Diagnosis, "x"), |e| matches!(e, StoreError::NotFound { kind: "staff", .. })),
            (
                note(None, &client, &therapist, Category::Diagnosis, "  "),
                |e| matches!(e, StoreError::Invalid { field, .. } if field == "content"),
            ),
            (
                note(Some("bad id!"), &client, &therapist, Category::Diagnosis, "x"),
                |e| matches!(e, StoreError::Invalid { field, .. } if field == "record id"),
            ),
            (
                note(None, &client, &peer, Category::PsychotherapyNotes, "x"),
                |e| matches!(e, StoreError::Invalid { field, .. } if field == "author"),
            ),
            // A duplicate of a record earlier in the same batch.
            (good(0), |e| matches!(e, StoreError::Duplicate { .. })),
        ];
        for (fault, is_expected) in faults {
            let batch = vec![good(0), good(1), fault, good(3)];
            match store.add_records(batch).await {
                Err(StoreError::InBatch { index: 2, source }) => {
                    assert!(is_expected(&source), "{source}");
                    assert!(StoreError::InBatch { index: 2, source }.is_bad_input());
                }
                other => panic!("expected the third record to fail, got {other:?}"),
            }
            assert_eq!(counts(&store).await, before, "nothing from the batch is stored");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_revocations_exactly_one_wins_and_the_rest_name_it() {
    const N: usize = 8;
    for t in targets().await {
        let store = Store::create(&t.url, memory_ring()).await.unwrap();
        let (_, _, client) = seed(&store).await;
        let mut staff = Vec::new();
        for i in 0..N {
            let id = store
                .add_staff(NewStaff { id: Some(format!("st-r{i}")), display_name: format!("Receiver {i}"), role: StaffRole::CaseManager })
                .await
                .unwrap();
            staff.push(id);
        }
        store.add_authorization(&client, &valid_auth("auth-race", "2027-01-01"), None).await.unwrap();
        let keys = store.keys().clone();
        store.close().await;
        // Each task opens its own Store, so each revocation runs on its own connection.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(N));
        let mut tasks = Vec::new();
        for (i, by) in staff.iter().cloned().enumerate() {
            let (url, keys, barrier) = (t.url.clone(), keys.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                let store = Store::open(&url, keys).await.unwrap();
                let on = day(&format!("2025-07-{:02}", i + 1));
                barrier.wait().await;
                let result = store.revoke_authorization("auth-race", on, &by).await;
                store.close().await;
                (by, on, result)
            }));
        }
        let mut winners = Vec::new();
        let mut losers = Vec::new();
        for task in tasks {
            let (by, on, result) = task.await.unwrap();
            match result {
                Ok(()) => winners.push((by, on)),
                Err(StoreError::AlreadyRevoked { id, on, by }) => losers.push((id, on, by)),
                Err(other) => panic!("a losing revocation fails as already revoked, got {other}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one revocation wins: {winners:?}");
        assert_eq!(losers.len(), N - 1);
        let (winner, won_on) = &winners[0];
        for (id, on, by) in &losers {
            assert_eq!((id.as_str(), on.as_str(), by.as_str()), ("auth-race", won_on.to_string().as_str(), winner.as_str()));
        }
        let store = Store::open(&t.url, keys).await.unwrap();
        let stored = store.authorizations(&client).await.unwrap();
        assert_eq!(stored[0].authorization.revoked_on, Some(*won_on));
        assert_eq!(stored[0].revoked_by.as_deref(), Some(winner.as_str()));
        let again = store.revoke_authorization("auth-race", day("2025-08-01"), &staff[0]).await.unwrap_err();
        assert_eq!(again.to_string(), format!("authorization: `auth-race` already revoked on {won_on} by {winner}"));
    }
}

#[tokio::test]
async fn the_check_finds_a_stray_data_key_and_an_altered_record() {
    for t in targets().await {
        let mut store = Store::create(&t.url, memory_ring()).await.unwrap();
        store.enable_audit(confidant_audit::LogSigningKey::from_seed(&[4; 32]), None).await.unwrap();
        let (therapist, _, client) = seed(&store).await;
        store.add_record(note(Some("rec-1"), &client, &therapist, Category::Diagnosis, "F41.1")).await.unwrap();
        // An audit batch seals its details under a key of its own: not stray.
        let event = |n: u32| {
            confidant_store::AuditEvent::new(confidant_store::AuditKind::StaffChanged, None)
                .with(confidant_store::Detail::Entries(n as usize))
        };
        store.append_audit(vec![event(1), event(2)]).await.unwrap();
        let sound = store.check().await.unwrap();
        assert!(sound.is_sound(), "{sound:?}");
        assert_eq!((sound.records, sound.data_keys), (1, 5));
        assert_eq!(sound.integrity, if t.sqlite.is_some() { vec!["ok".to_string()] } else { Vec::new() });
        // A data key with no owner, as a torn write would leave.
        sqlx::query("INSERT INTO data_keys (id, kek_id, wrapped) SELECT 'dk-stray', kek_id, wrapped FROM data_keys LIMIT 1")
            .execute(store.pool())
            .await
            .unwrap();
        // A record whose ciphertext was altered.
        sqlx::query("UPDATE records SET content = staff.display_name FROM staff WHERE records.id = 'rec-1' AND staff.id = $1")
            .bind(therapist.clone())
            .execute(store.pool())
            .await
            .unwrap();
        let found = store.check().await.unwrap();
        assert_eq!((found.stray_data_keys, found.undecryptable_records), (1, 1), "{found:?}");
        assert!(!found.is_sound());
    }
}

#[tokio::test]
async fn the_check_finds_a_record_whose_own_copy_of_its_key_does_not_open_it() {
    for t in targets().await {
        let store = Store::create(&t.url, memory_ring()).await.unwrap();
        let (therapist, _, client) = seed(&store).await;
        store.add_record(note(Some("rec-1"), &client, &therapist, Category::Diagnosis, "F41.1")).await.unwrap();
        store.add_record(note(Some("rec-2"), &client, &therapist, Category::Diagnosis, "F32.1")).await.unwrap();
        store.add_record(note(Some("rec-3"), &client, &therapist, Category::Diagnosis, "F43.1")).await.unwrap();
        assert!(store.check().await.unwrap().is_sound());
        // rec-1 carries rec-2's wrapped key; rec-3 carries none. Their
        // `data_keys` rows are untouched, so only the copies are wrong.
        sqlx::query("UPDATE records SET wrapped_key = (SELECT wrapped_key FROM records WHERE id = 'rec-2') WHERE id = 'rec-1'")
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE records SET kek_id = NULL, wrapped_key = NULL WHERE id = 'rec-3'").execute(store.pool()).await.unwrap();
        let found = store.check().await.unwrap();
        assert_eq!((found.records, found.stray_data_keys, found.undecryptable_records), (3, 0, 2), "{found:?}");
        // Reads open records with the row's copy: those two fail, the other opens.
        assert!(matches!(store.records(&client, true).await, Err(StoreError::Crypto { .. } | StoreError::Corrupt { .. })));
        let two = store.records_selected(&client, true, &|r| r.id == "rec-2").await.unwrap();
        assert_eq!(two[0].content.as_deref(), Some("F32.1"));
    }
}
