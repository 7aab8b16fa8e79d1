//! `disclose`, `accounting` and `audit` end to end: a denial exits 3 and
//! releases nothing; a release writes a private package and lands in the
//! accounting and the log; `audit verify` exits 1 naming the entry someone
//! changed in the database file; a proof checks out with no database; and a
//! burst of disclosures killed with SIGKILL leaves a log that verifies and
//! holds every committed disclosure, as does the accounting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_confidant"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_AUDIT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("binary runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["init", "--demo"]);
    dir
}

const REPORT: &[&str] = &[
    "disclose",
    "--client",
    "cl-001",
    "--to",
    "child_welfare_agency",
    "--recipient-name",
    "County CWS",
    "--recipient-address",
    "1 Main St",
    "--purpose",
    "report_child_abuse",
    "--categories",
    "demographics,progress_notes,psychotherapy_notes",
    "--fact",
    "suspected_child_abuse",
    "--staff",
    "st-psychotherapist-1",
    // Federal law only: psychotherapy notes stay out of the report.
    "--jurisdiction",
    "US",
    "--format",
    "json",
];

#[test]
fn a_denied_disclosure_exits_3_prints_remedies_and_releases_nothing() {
    let dir = demo();
    let out = run(
        dir.path(),
        &[
            "disclose",
            "--client",
            "cl-001",
            "--to",
            "employer",
            "--purpose",
            "employment",
            "--categories",
            "diagnosis",
            "--staff",
            "st-nurse-1",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("obtain_authorization"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: denied:"));
    assert!(!dir.path().join("disclosures").exists());
    let accounting: Value = serde_json::from_str(&ok(dir.path(), &["accounting", "--client", "cl-001", "--format", "json"])).unwrap();
    assert_eq!(accounting["entries"].as_array().unwrap().len(), 0);
    let log: Value = serde_json::from_str(&ok(dir.path(), &["audit", "show", "--format", "json", "--kind", "decision"])).unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1, "the denied decision is audited");
}

#[test]
fn a_release_writes_a_private_package_and_lands_in_the_accounting_and_the_log() {
    let dir = demo();
    let out = dir.path().join("out/pkg.json");
    let mut args = REPORT.to_vec();
    let out_text = out.to_str().unwrap().to_string();
    args.extend(["--out", &out_text]);
    let summary: Value = serde_json::from_str(&ok(dir.path(), &args)).unwrap();
    assert_eq!(summary["released"], serde_json::json!(["demographics", "progress_notes"]));
    assert_eq!(summary["withheld"], serde_json::json!(["psychotherapy_notes"]));
    let package: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(package["released"].as_array().unwrap().iter().all(|c| c["category"] != "psychotherapy_notes"));
    let html = std::fs::read_to_string(out.with_extension("html")).unwrap();
    assert!(html.contains("Withheld") && html.contains("County CWS"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let accounting: Value = serde_json::from_str(&ok(dir.path(), &["accounting", "--client", "cl-001", "--format", "json"])).unwrap();
    let entries = accounting["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["disclosure_id"], summary["disclosure"]);
    let page = ok(dir.path(), &["accounting", "--client", "cl-001", "--format", "html"]);
    assert!(page.starts_with("<!doctype html>") && page.contains("1 Main St"));

    assert!(ok(dir.path(), &["audit", "verify"]).starts_with("audit log intact"));
    let entry = summary["audit_entry"].as_u64().unwrap().to_string();
    let proof = ok(dir.path(), &["audit", "prove", &entry]);
    let proof_file = dir.path().join("proof.json");
    std::fs::write(&proof_file, &proof).unwrap();
    let head: Value = serde_json::from_str(&ok(dir.path(), &["audit", "head"])).unwrap();
    let key = head["public_key"].as_str().unwrap().to_string();
    // The proof checks out with the proof file and the public key alone.
    let checked = ok(Path::new("/nonexistent"), &["audit", "check-proof", proof_file.to_str().unwrap(), "--public-key", &key]);
    assert!(checked.contains("is in the log"), "{checked}");
    let mut forged: Value = serde_json::from_str(&proof).unwrap();
    // Another entry's hash in place of this one's.
    forged["leaf_hash"] = Value::from("00".repeat(32));
    std::fs::write(&proof_file, forged.to_string()).unwrap();
    let refused = run(Path::new("/nonexistent"), &["audit", "check-proof", proof_file.to_str().unwrap(), "--public-key", &key]);
    assert_eq!(refused.status.code(), Some(1));
}

#[test]
fn audit_verify_exits_1_naming_the_entry_changed_in_the_database_file() {
    let dir = demo();
    ok(dir.path(), REPORT);
    ok(dir.path(), &["record", "list", "--client", "cl-002", "--show-content"]);
    ok(dir.path(), REPORT);
    let db = dir.path().join("confidant.sqlite");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("UPDATE audit_entries SET client_id = 'cl-009' WHERE seq = 1").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    });
    let out = run(dir.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("entry 1 was altered"), "{stderr}");
}

#[test]
fn a_burst_of_disclosures_killed_midway_leaves_a_verifiable_log_and_a_complete_accounting() {
    let dir = demo();
    let mut committed: Vec<String> = Vec::new();
    let mut killed = 0;
    for i in 0..24u64 {
        let mut child = command(dir.path(), REPORT).spawn().unwrap();
        if i % 3 == 1 {
            // Kill at varying points of the process's life, mid-write included.
            std::thread::sleep(Duration::from_millis(5 + (i * 7) % 40));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL on Unix
                killed += 1;
            }
        }
        let out = child.wait_with_output().unwrap();
        if out.status.code() == Some(0) {
            let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
            committed.push(summary["disclosure"].as_str().unwrap().to_string());
        }
    }
    assert!(killed > 0, "no process was killed mid-way; the test proves nothing");
    let verified = ok(dir.path(), &["audit", "verify"]);
    assert!(verified.starts_with("audit log intact"), "{verified}");
    let accounting: Value = serde_json::from_str(&ok(dir.path(), &["accounting", "--client", "cl-001", "--format", "json"])).unwrap();
    let listed: Vec<String> =
        accounting["entries"].as_array().unwrap().iter().map(|e| e["disclosure_id"].as_str().unwrap().to_string()).collect();
    for id in &committed {
        assert!(listed.contains(id), "committed disclosure {id} is missing from the accounting");
    }
    // A disclosure and its accounting entry and audit leaf are one
    // transaction: the same number of each, whatever was killed.
    let log: Value = serde_json::from_str(&ok(dir.path(), &["audit", "show", "--format", "json", "--kind", "disclosure"])).unwrap();
    assert_eq!(log.as_array().unwrap().len(), listed.len());
    assert!(listed.len() >= committed.len());
    // And the log takes new entries after the crash.
    ok(dir.path(), REPORT);
    assert!(ok(dir.path(), &["audit", "verify"]).starts_with("audit log intact"));
}

#[test]
fn a_disclosure_cannot_be_dated_by_the_caller() {
    let dir = demo();
    let mut args = REPORT.to_vec();
    args.extend(["--as-of", "2019-01-01"]);
    let out = run(dir.path(), &args);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: --as-of:"), "{}", String::from_utf8_lossy(&out.stderr));
    let accounting: Value = serde_json::from_str(&ok(dir.path(), &["accounting", "--client", "cl-001", "--format", "json"])).unwrap();
    assert!(accounting["entries"].as_array().unwrap().is_empty(), "nothing was released");
}

#[test]
fn the_organizations_jurisdiction_set_at_init_is_the_default_for_stored_clients() {
    let ask = [
        "check",
        "--client",
        "cl-001",
        "--to",
        "child_welfare_agency",
        "--purpose",
        "report_child_abuse",
        "--categories",
        "demographics",
        "--fact",
        "suspected_child_abuse",
        "--staff",
        "st-psychotherapist-1",
        "--format",
        "json",
    ];
    let decision = |dir: &Path, extra: &[&str]| -> String {
        let mut args = ask.to_vec();
        args.extend_from_slice(extra);
        let out: Value = serde_json::from_str(&ok(dir, &args)).unwrap();
        out["decision"].as_str().unwrap().to_string()
    };
    // California (the default): the mandated report is required (Penal Code
    // 11166(a)); federal law alone permits it.
    let california = demo();
    let federal_only = tempfile::tempdir().unwrap();
    ok(federal_only.path(), &["init", "--demo", "--jurisdiction", "US"]);
    let (ca, us) = (decision(california.path(), &[]), decision(federal_only.path(), &[]));
    assert_ne!(ca, us, "the two organizations decide under different law");
    assert_eq!(ca, decision(federal_only.path(), &["--jurisdiction", "US-CA"]), "a request may still name another");
    assert_eq!(us, decision(california.path(), &["--jurisdiction", "US"]));
    let bad = run(tempfile::tempdir().unwrap().path(), &["init", "--jurisdiction", "US-NY"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: --jurisdiction:"));
}
