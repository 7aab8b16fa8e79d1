//! `confidant ascmi …` end to end with a temporary `--data-dir`: a form that
//! is not valid as written exits 2 naming the field and files nothing; a
//! valid one is filed with its scan, listed per care partner, exported as a
//! FHIR Consent with one provision per care partner, and revoked.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confidant"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR")
        .env_remove("CONFIDANT_AS")
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn bad(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

const STATEMENTS: &str = "right_to_revoke,no_conditioning,redisclosure";

#[test]
fn an_ascmi_is_refused_naming_the_field_then_filed_listed_exported_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["init"]);
    ok(d, &["staff", "add", "--id", "st-1", "--name", "Morgan Ashgrove", "--role", "case_manager"]);
    ok(d, &["client", "add", "--id", "cl-1", "--name", "A B", "--age", "30"]);
    let base = ["ascmi", "add", "--client", "cl-1", "--signed-by", "client", "--signed-on", "2026-01-10", "--expires-on", "2027-01-10"];
    let with = |extra: &[&str]| base.iter().copied().chain(extra.iter().copied()).map(str::to_string).collect::<Vec<_>>();
    let args = with(&["--partner", "health_plan:Quillfeather Plan;psychotherapy_notes;treatment", "--statements", STATEMENTS]);
    let err = bad(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("partners/0/categories"), "{err}");
    let args = with(&["--partner", "health_plan:Quillfeather Plan;diagnosis;marketing", "--statements", STATEMENTS]);
    assert!(bad(d, &args.iter().map(String::as_str).collect::<Vec<_>>()).contains("partners/0/purposes"));
    let args = with(&["--partner", "health_plan:Quillfeather Plan;diagnosis;payment"]);
    assert!(bad(d, &args.iter().map(String::as_str).collect::<Vec<_>>()).contains("statements/right_to_revoke"));
    assert!(bad(d, &["ascmi", "add", "--client", "cl-1", "--partner", "nobody"]).contains("--partner[0]"));
    let listed: Value = serde_json::from_str(&ok(d, &["ascmi", "list", "--client", "cl-1", "--format", "json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing was filed");

    let scan = d.join("scan.pdf");
    std::fs::write(&scan, b"%PDF-1.4 signed").unwrap();
    let args = with(&[
        "--id",
        "ascmi-1",
        "--partner",
        "health_plan:Quillfeather Plan;diagnosis,substance_use;treatment,payment",
        "--partner",
        "social_services_agency:Eastbrook Food Bank;;",
        "--statements",
        STATEMENTS,
        "--document",
        scan.to_str().unwrap(),
    ]);
    let out = ok(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.contains("filed ASCMI ascmi-1 with 2 care partner(s)"), "{out}");
    let table = ok(d, &["ascmi", "list", "--client", "cl-1"]);
    assert!(
        table.contains("health_plan:Quillfeather Plan") && table.contains("diagnosis,substance_use") && table.contains("(nothing)"),
        "{table}"
    );
    assert_eq!(ok(d, &["ascmi", "document", "ascmi-1", "--out", "-"]).as_bytes(), b"%PDF-1.4 signed");

    let bundle: Value = serde_json::from_str(&ok(d, &["consent", "export", "--client", "cl-1"])).unwrap();
    let consent = &bundle["entry"][0]["resource"];
    assert_eq!(consent["policyRule"]["coding"][0]["code"], "ascmi");
    assert_eq!(consent["provision"]["provision"].as_array().unwrap().len(), 2, "one provision per care partner");
    assert_eq!(consent["provision"]["provision"][1]["type"], "deny");

    assert!(bad(d, &["ascmi", "revoke", "ascmi-1", "--on", "2026-01-01", "--by", "st-1"]).contains("revoked_on"));
    let out = ok(d, &["ascmi", "revoke", "ascmi-1", "--on", "2026-03-01", "--by", "st-1"]);
    assert!(out.contains("revoked ASCMI ascmi-1 on 2026-03-01"), "{out}");
    let listed: Value = serde_json::from_str(&ok(d, &["ascmi", "list", "--client", "cl-1", "--format", "json"])).unwrap();
    assert_eq!(listed[0]["revoked_on"], "2026-03-01");
    assert_eq!(listed[0]["revoked_by"], "st-1");
}
