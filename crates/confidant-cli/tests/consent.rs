//! `confidant consent export` and `import` end to end: a vault's
//! authorizations (a revoked one too) and restrictions go out as a FHIR
//! Bundle and come back the same into another vault; a Consent with a code
//! Confidant does not know exits 2 naming the element and files nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn run(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR")
        .env_remove("CONFIDANT_AS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    child.stdin.take().expect("stdin").write_all(stdin).unwrap();
    child.wait_with_output().expect("binary runs")
}

fn ok_with(dir: &Path, args: &[&str], stdin: &[u8]) -> String {
    let out = run(dir, args, stdin);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    ok_with(dir, args, b"")
}

fn bad_with(dir: &Path, args: &[&str], stdin: &[u8]) -> String {
    let out = run(dir, args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

fn vault_with_client() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["init"]);
    ok(dir.path(), &["client", "add", "--id", "cl-1", "--name", "A B", "--age", "30"]);
    ok(dir.path(), &["staff", "add", "--id", "st-1", "--name", "Priv Officer", "--role", "privacy_officer"]);
    dir
}

fn file_auth(d: &Path, id: &str) {
    ok(
        d,
        &[
            "auth",
            "add",
            "--client",
            "cl-1",
            "--id",
            id,
            "--kind",
            "part2",
            "--signed-by",
            "personal_representative",
            "--signed-on",
            "2026-01-10",
            "--categories",
            "substance_use,diagnosis",
            "--recipient",
            "treating_provider:Dr. Rivera",
            "--recipient",
            "health_plan",
            "--purposes",
            "treatment,payment",
            "--expiry-event",
            "end of treatment",
            "--statements",
            "right_to_revoke,no_conditioning,redisclosure",
        ],
    );
}

/// The Consents of a Bundle without their ids (a new vault assigns its own).
fn without_ids(bundle: &Value) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut r = e["resource"].clone();
            r.as_object_mut().unwrap().remove("id");
            r
        })
        .collect()
}

#[test]
fn a_clients_consents_are_exported_as_a_bundle_and_imported_the_same_into_another_vault() {
    let from = vault_with_client();
    file_auth(from.path(), "auth-kept");
    file_auth(from.path(), "auth-revoked");
    ok(from.path(), &["auth", "revoke", "auth-revoked", "--on", "2026-02-01", "--by", "st-1"]);
    ok(
        from.path(),
        &[
            "restriction",
            "add",
            "--client",
            "cl-1",
            "--recipient-kinds",
            "family_or_friend",
            "--purposes",
            "care_involvement",
            "--agreed",
            "--requested-on",
            "2026-01-20",
        ],
    );
    let exported: Value = serde_json::from_str(&ok(from.path(), &["consent", "export", "--client", "cl-1"])).unwrap();
    assert_eq!(exported["resourceType"], "Bundle");
    assert_eq!(exported["type"], "collection");
    let entries = exported["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{exported}");
    let revoked = entries.iter().find(|e| e["resource"]["id"] == "auth-revoked").unwrap();
    assert_eq!(revoked["resource"]["status"], "inactive");
    assert_eq!(revoked["resource"]["policy"][0]["uri"], "https://www.ecfr.gov/current/title-42/section-2.31");

    let to = vault_with_client();
    // A revoked authorization is not filed as such: the import names it and files nothing.
    let err = bad_with(to.path(), &["consent", "import", "-"], exported.to_string().as_bytes());
    assert!(err.contains("Bundle.entry[1].resource.status"), "{err}");
    let none: Value = serde_json::from_str(&ok(to.path(), &["consent", "export", "--client", "cl-1"])).unwrap();
    assert!(none.get("entry").is_none(), "nothing was filed: {none}");

    // Without it, the rest comes back identical but for the ids.
    let mut active = exported.clone();
    active["entry"].as_array_mut().unwrap().retain(|e| e["resource"]["status"] != "inactive");
    let file = to.path().join("consents.json");
    std::fs::write(&file, active.to_string()).unwrap();
    let out = ok(to.path(), &["consent", "import", file.to_str().unwrap()]);
    assert_eq!(out.lines().count(), 2, "{out}");
    let back: Value = serde_json::from_str(&ok(to.path(), &["consent", "export", "--client", "cl-1"])).unwrap();
    assert_eq!(without_ids(&back), without_ids(&active));
}

#[test]
fn an_unknown_code_exits_2_naming_the_element_and_files_nothing() {
    let d = vault_with_client();
    let consent = json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }],
        "patient": { "reference": "Patient/cl-1" },
        "provision": { "type": "deny", "securityLabel": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY" }] },
    });
    let err = bad_with(d.path(), &["consent", "import", "-"], consent.to_string().as_bytes());
    assert!(err.starts_with("error: Consent.provision.securityLabel[0].code:"), "{err}");
    let err = bad_with(d.path(), &["consent", "import", "-"], b"{ not json");
    assert!(err.starts_with("error: FILE:"), "{err}");
    let none: Value = serde_json::from_str(&ok(d.path(), &["consent", "export", "--client", "cl-1"])).unwrap();
    assert!(none.get("entry").is_none(), "{none}");
}
