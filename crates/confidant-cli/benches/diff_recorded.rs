//! `rules diff` over decisions recorded in a vault (`--since`) against the
//! same requests given as a file (`--requests`), in one run: a vault gets
//! N decision entries (default 100,000; `CONFIDANT_BENCH_DIFF_N`), each
//! carrying a request from the project's scenarios, then both forms of the
//! diff run on one core (`taskset -c 0` when available). The aim is under
//! 30 s for 100k recorded decisions. Prints seconds for each and the
//! replayed count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use confidant_store::{AuditEvent, AuditKind, DatabaseUrl, KeyRing, Store, load_or_create_audit_key};

fn scenario_requests() -> Vec<serde_json::Value> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../confidant-policy/tests/scenarios"), &mut files);
    files.sort();
    files
        .iter()
        .filter_map(|f| {
            let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let request = s.get("request")?.clone();
            confidant_policy::request_from_value(&request, "").ok().map(|r| confidant_policy::request_to_value(&r))
        })
        .collect()
}

fn timed(args: &[&str]) -> f64 {
    let exe = env!("CARGO_BIN_EXE_confidant");
    let one_core = Command::new("taskset").arg("--version").output().is_ok();
    let mut cmd = if one_core {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", exe]);
        c
    } else {
        Command::new(exe)
    };
    let start = Instant::now();
    let out = cmd.args(args).env_remove("CONFIDANT_POLICIES").output().unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("    replayed {} changes {}", summary["replayed"], summary["changes"].as_array().map_or(0, Vec::len));
    secs
}

fn main() {
    let n: usize = std::env::var("CONFIDANT_BENCH_DIFF_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("vault");
    let exe = env!("CARGO_BIN_EXE_confidant");
    assert!(Command::new(exe).arg("--data-dir").arg(&data).arg("init").output().unwrap().status.success());
    let requests = scenario_requests();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        let keys = KeyRing::load(&data.join(confidant_store::KEY_FILE_NAME)).unwrap();
        let mut store = Store::open(&DatabaseUrl::sqlite_file(&data.join(confidant_store::DATABASE_FILE_NAME)), keys).await.unwrap();
        let signer = load_or_create_audit_key(&data.join(confidant_store::AUDIT_KEY_FILE_NAME)).unwrap();
        store.enable_audit(signer, Some(data.join(confidant_store::WITNESS_FILE_NAME))).await.unwrap();
        for start in (0..n).step_by(1000) {
            let batch: Vec<AuditEvent> = (start..(start + 1000).min(n))
                .map(|i| {
                    AuditEvent::new(AuditKind::Decision, Some("st-bench"))
                        .with(confidant_store::Detail::Request(requests[i % requests.len()].clone()))
                })
                .collect();
            store.append_audit(batch).await.unwrap();
        }
        store.close().await;
    });
    println!("recorded {n} decisions in {:.1} s ({} distinct requests)", started.elapsed().as_secs_f64(), requests.len());

    // The new rules: the built-ins without one organization rule.
    let packs = dir.path().join("packs");
    assert!(Command::new(exe).args(["rules", "export"]).arg(&packs).output().unwrap().status.success());
    let org = packs.join("organization.cedar");
    let text = std::fs::read_to_string(&org).unwrap();
    let at = text.find("@id(\"org.outside_needs_agreement\")").unwrap();
    let end = at + text[at..].find("};").unwrap() + 2;
    std::fs::write(&org, format!("{}{}", &text[..at], &text[end..])).unwrap();
    let file = dir.path().join("requests.jsonl");
    let lines: Vec<String> = (0..n).map(|i| requests[i % requests.len()].to_string()).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();

    let packs = packs.to_str().unwrap();
    println!("rules diff --requests (file, {n}):");
    let from_file = timed(&["rules", "diff", "--old", "builtin", "--new", packs, "--requests", file.to_str().unwrap(), "--format", "json"]);
    println!("    {from_file:.2} s");
    println!("rules diff --since (vault, {n}):");
    let from_vault = timed(&[
        "--data-dir",
        data.to_str().unwrap(),
        "rules",
        "diff",
        "--old",
        "builtin",
        "--new",
        packs,
        "--since",
        "2000-01-01",
        "--format",
        "json",
    ]);
    println!("    {from_vault:.2} s (aim < 30 s)");
}
