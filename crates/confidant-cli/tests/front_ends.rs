//! One implementation behind every front end: each operation done through
//! the command line (`--as STAFF`) and through the HTTP API by the same
//! staff member, on the same vault, gives the same answer and writes an
//! audit entry of the same shape — kind, actor, client, categories and
//! detail keys — differing only in where it came from (`"via"`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use confidant_policy::Engine;
use confidant_server::{Config, router, serve, state};
use confidant_store::{AuditEntry, AuditFilter, AuditKind, DatabaseUrl, KeyRing, Store};
use serde_json::{Value, json};

const THERAPIST: &str = "st-psychotherapist-1";

fn cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--as", THERAPIST])
        .args(args)
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_AUDIT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR")
        .env_remove("CONFIDANT_AS")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The newest entry of `kind`.
async fn last(store: &Store, kind: AuditKind) -> AuditEntry {
    let entries = store
        .audit_entries(&AuditFilter { kind: Some(kind), with_details: true, newest_first: true, limit: Some(1), ..AuditFilter::default() })
        .await
        .unwrap();
    entries.into_iter().next().unwrap_or_else(|| panic!("no {kind} entry"))
}

/// What an entry says about an operation, apart from where it came from and
/// the ids it created.
fn shape(entry: &AuditEntry) -> Value {
    let mut keys: Vec<String> = entry.details.as_ref().and_then(Value::as_object).map(|d| d.keys().cloned().collect()).unwrap_or_default();
    keys.retain(|k| k != "via");
    keys.sort();
    json!({ "kind": entry.kind.as_str(), "actor": entry.actor, "client": entry.client_id, "categories": entry.categories, "break_glass": entry.break_glass, "detail_keys": keys })
}

fn via(entry: &AuditEntry) -> Value {
    entry.details.as_ref().map(|d| d["via"].clone()).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operation_through_the_cli_and_the_api_answers_and_is_audited_alike() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let init = Command::new(env!("CARGO_BIN_EXE_confidant")).arg("--data-dir").arg(d).args(["init", "--demo"]).output().unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));

    // The server runs in this process on the same vault, with the same keys.
    let keys = KeyRing::read_file(&d.join(confidant_store::KEY_FILE_NAME)).unwrap();
    let mut store = Store::open(&DatabaseUrl::sqlite_file(&d.join(confidant_store::DATABASE_FILE_NAME)), keys).await.unwrap();
    let log_key = confidant_store::load_audit_key(&d.join(confidant_store::AUDIT_KEY_FILE_NAME)).unwrap();
    store.enable_audit(log_key, Some(d.join(confidant_store::WITNESS_FILE_NAME))).await.unwrap();
    let accounts = confidant_server::demo::create_demo_accounts(&store).await.unwrap();
    let store = Arc::new(store);
    let (app_state, writer) = state(store.clone(), Arc::new(Engine::new().unwrap()), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve(listener, router(app_state.clone()), async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
        drop(app_state);
        writer.await.unwrap();
    });
    let password = accounts.iter().find(|a| a.staff_id == THERAPIST).unwrap().password.clone();
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let signed_in: Value = http
        .post(format!("{base}/v1/session"))
        .json(&json!({ "username": THERAPIST, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = signed_in["csrf_token"].as_str().unwrap().to_string();
    let post = |path: &str, body: Value| http.post(format!("{base}{path}")).header("x-csrf-token", csrf.clone()).json(&body).send();
    let client = store.caseload(THERAPIST).await.unwrap().into_iter().find(|c| !c.is_empty()).unwrap();

    // Each pair: the CLI's entry, then the API's, compared.
    let mut compared = Vec::new();
    let mut pair = |cli_entry: AuditEntry, api_entry: AuditEntry| {
        assert_eq!(shape(&cli_entry), shape(&api_entry), "{} vs {}", cli_entry.seq, api_entry.seq);
        assert_eq!((via(&cli_entry), via(&api_entry)), (json!("cli"), json!("api")), "{cli_entry:?} {api_entry:?}");
        compared.push(cli_entry.kind);
    };

    // A decision about a stored client: the same answer, the same entry.
    let ask =
        ["check", "--client", &client, "--to", "employer", "--purpose", "employment", "--categories", "diagnosis", "--format", "json"];
    let by_cli: Value = serde_json::from_str(&cli(d, &ask)).unwrap();
    let cli_entry = last(&store, AuditKind::Decision).await;
    let by_api: Value =
        post(&format!("/v1/clients/{client}/decisions"), json!({ "to": "employer", "purpose": "employment", "categories": ["diagnosis"] }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(by_cli["decision"], by_api["decision"]);
    assert_eq!(by_cli["categories"], by_api["categories"]);
    assert_eq!(by_cli["rules_version"], by_api["rules_version"]);
    pair(cli_entry, last(&store, AuditKind::Decision).await);

    // Writing a note.
    cli(d, &["record", "add", "--client", &client, "--category", "progress_notes", "--content", "from the command line"]);
    let cli_entry = last(&store, AuditKind::RecordAdded).await;
    let added =
        post(&format!("/v1/clients/{client}/records"), json!({ "category": "progress_notes", "content": "from the API" })).await.unwrap();
    assert_eq!(added.status(), 201);
    pair(cli_entry, last(&store, AuditKind::RecordAdded).await);

    // Reading the chart: the same records, the same entry.
    let listed: Value =
        serde_json::from_str(&cli(d, &["record", "list", "--client", &client, "--show-content", "--format", "json"])).unwrap();
    let cli_entry = last(&store, AuditKind::RecordRead).await;
    let read: Value = http.get(format!("{base}/v1/clients/{client}/records")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), read["records"].as_array().unwrap().len());
    let api_entry = last(&store, AuditKind::RecordRead).await;
    assert_eq!(cli_entry.details.as_ref().unwrap()["records"], api_entry.details.as_ref().unwrap()["records"]);
    pair(cli_entry, api_entry);

    // A restriction the client asked for.
    cli(
        d,
        &[
            "restriction",
            "add",
            "--client",
            &client,
            "--categories",
            "diagnosis",
            "--recipient-kinds",
            "employer",
            "--purposes",
            "employment",
        ],
    );
    let cli_entry = last(&store, AuditKind::RestrictionAdded).await;
    let filed = post(
        &format!("/v1/clients/{client}/restrictions"),
        json!({ "categories": ["diagnosis"], "recipient_kinds": ["employer"], "purposes": ["employment"], "agreed": false }),
    )
    .await
    .unwrap();
    assert_eq!(filed.status(), 201);
    pair(cli_entry, last(&store, AuditKind::RestrictionAdded).await);

    // The client's identifying details.
    cli(d, &["client", "show", &client, "--format", "json"]);
    let cli_entry = last(&store, AuditKind::ClientRead).await;
    assert_eq!(http.get(format!("{base}/v1/clients/{client}")).send().await.unwrap().status(), 200);
    pair(cli_entry, last(&store, AuditKind::ClientRead).await);

    // The accounting.
    cli(d, &["accounting", "--client", &client, "--format", "json"]);
    let cli_entry = last(&store, AuditKind::AccountingViewed).await;
    assert_eq!(http.get(format!("{base}/v1/clients/{client}/accounting")).send().await.unwrap().status(), 200);
    pair(cli_entry, last(&store, AuditKind::AccountingViewed).await);

    // The caseload: the same clients, the same entry.
    let listed: Value = serde_json::from_str(&cli(d, &["client", "list", "--format", "json"])).unwrap();
    let cli_entry = last(&store, AuditKind::ClientRead).await;
    let by_api: Value = http.get(format!("{base}/v1/clients")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), by_api.as_array().unwrap().len());
    pair(cli_entry, last(&store, AuditKind::ClientRead).await);

    // A client's authorizations and restrictions on file (they name recipients).
    for (cli_args, path) in [
        (["auth", "list", "--client", client.as_str(), "--format", "json"], format!("/v1/clients/{client}/authorizations")),
        (["restriction", "list", "--client", client.as_str(), "--format", "json"], format!("/v1/clients/{client}/restrictions")),
    ] {
        let by_cli: Value = serde_json::from_str(&cli(d, &cli_args)).unwrap();
        let cli_entry = last(&store, AuditKind::ClientRead).await;
        let by_api: Value = http.get(format!("{base}{path}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(by_cli.as_array().unwrap().len(), by_api.as_array().unwrap().len(), "{path}");
        pair(cli_entry, last(&store, AuditKind::ClientRead).await);
    }

    assert_eq!(compared.len(), 9, "{compared:?}");
    let _ = stop.send(());
    server.await.unwrap();
}
