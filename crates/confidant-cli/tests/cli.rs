//! The `confidant` binary end to end: `check` answers (JSON and text, one
//! request and a batch), bad input of every class exits 2 with nothing on
//! stdout and a one-line error naming the field, and `rules` lists and explains.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn confidant(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut input = child.stdin.take().expect("stdin");
    let bytes = stdin.to_vec();
    // Write from a thread: the binary may stop reading early (oversized input).
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().expect("binary runs");
    let _ = writer.join();
    out
}

fn check_json(request: &Value) -> Output {
    confidant(&["check", "-", "--format", "json"], request.to_string().as_bytes())
}

fn treatment_request() -> Value {
    json!({
        "as_of": "2026-03-02",
        "jurisdiction": "US",
        "organization_policy": "default",
        "discloser": { "role": "psychotherapist" },
        "client": { "age": 34, "status": "active", "part2_program": false },
        "recipient": { "kind": "treating_provider", "name": "Dr. Okafor", "same_organization": false },
        "purpose": "treatment",
        "categories": ["diagnosis", "treatment_plan"],
        "facts": { "client_agrees": true },
        "authorizations": [],
        "restrictions": []
    })
}

/// Asserts the bad-input contract and that the message names `pointer`.
fn assert_bad_input(out: &Output, pointer: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty(), "stdout should be empty, got {}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.starts_with(&format!("error: {pointer}:")), "expected `error: {pointer}: …`, got {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
}

fn with(mut request: Value, pointer: &str, value: Value) -> Value {
    *request.pointer_mut(pointer).expect("pointer exists") = value;
    request
}

#[test]
fn check_prints_the_decision_json() {
    let out = check_json(&treatment_request());
    assert_eq!(out.status.code(), Some(0));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["decision"], "permit");
    assert_eq!(d["release"], json!(["diagnosis", "treatment_plan"]));
    assert!(d["explanation"].as_str().unwrap().contains("You may share"));
}

#[test]
fn a_deny_is_an_answer_and_exits_zero() {
    let out = check_json(&with(treatment_request(), "/facts", json!({})));
    assert_eq!(out.status.code(), Some(0));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["decision"], "deny");
}

#[test]
fn a_batch_array_gives_an_array_in_the_same_order() {
    let batch = json!([treatment_request(), with(treatment_request(), "/facts", json!({})), treatment_request()]);
    let out = check_json(&batch);
    assert_eq!(out.status.code(), Some(0));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let decisions: Vec<&str> = d.as_array().unwrap().iter().map(|x| x["decision"].as_str().unwrap()).collect();
    assert_eq!(decisions, ["permit", "deny", "permit"]);
    // Each element is the same decision the single-request form prints.
    let single: Value = serde_json::from_slice(&check_json(&treatment_request()).stdout).unwrap();
    assert_eq!(d[0], single);
    assert_eq!(d[2], single);
}

#[test]
fn a_bad_request_in_a_batch_names_its_index_and_prints_nothing() {
    let batch = json!([treatment_request(), with(treatment_request(), "/purpose", json!("gossip"))]);
    assert_bad_input(&check_json(&batch), "/1/purpose");
}

#[test]
fn check_reads_a_file_and_renders_a_text_table() {
    let dir = std::env::temp_dir().join(format!("confidant-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("request.json");
    std::fs::write(&file, treatment_request().to_string()).unwrap();
    let out = confidant(&["check", file.to_str().unwrap(), "--format", "text"], b"");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Decision: PERMIT"), "{text}");
    assert!(text.contains("CATEGORY") && text.contains("45 CFR 164.506(c)(2)"), "{text}");
    assert!(text.contains("Before you share:") && text.contains("Explanation:"), "{text}");
}

#[test]
fn a_missing_request_file_is_bad_input() {
    let out = confidant(&["check", "/nonexistent/request.json"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

// One test per class of malformed request.

#[test]
fn bad_input_unknown_enum_value() {
    assert_bad_input(&check_json(&with(treatment_request(), "/recipient/kind", json!("neighbour"))), "/recipient/kind");
    assert_bad_input(&check_json(&with(treatment_request(), "/categories/1", json!("horoscope"))), "/categories/1");
}

#[test]
fn bad_input_malformed_date() {
    assert_bad_input(&check_json(&with(treatment_request(), "/as_of", json!("2026-13-45"))), "/as_of");
    assert_bad_input(&check_json(&with(treatment_request(), "/as_of", json!("March 2, 2026"))), "/as_of");
}

#[test]
fn bad_input_missing_required_field() {
    let mut r = treatment_request();
    r.as_object_mut().unwrap().remove("purpose");
    assert_bad_input(&check_json(&r), "/purpose");
    let mut r = treatment_request();
    r["client"].as_object_mut().unwrap().remove("age");
    assert_bad_input(&check_json(&r), "/client/age");
}

#[test]
fn bad_input_duplicate_category() {
    assert_bad_input(&check_json(&with(treatment_request(), "/categories", json!(["diagnosis", "diagnosis"]))), "/categories/1");
}

#[test]
fn bad_input_empty_categories() {
    assert_bad_input(&check_json(&with(treatment_request(), "/categories", json!([]))), "/categories");
}

#[test]
fn bad_input_unknown_fact_key() {
    assert_bad_input(&check_json(&with(treatment_request(), "/facts", json!({"client_is_nice": true}))), "/facts/client_is_nice");
}

#[test]
fn bad_input_deceased_without_died_on() {
    assert_bad_input(&check_json(&with(treatment_request(), "/client/status", json!("deceased"))), "/client/died_on");
}

#[test]
fn bad_input_age_out_of_range() {
    assert_bad_input(&check_json(&with(treatment_request(), "/client/age", json!(131))), "/client/age");
    assert_bad_input(&check_json(&with(treatment_request(), "/client/age", json!(-1))), "/client/age");
    assert_bad_input(&check_json(&with(treatment_request(), "/client/age", json!(34.5))), "/client/age");
}

#[test]
fn bad_input_wrong_json_type() {
    assert_bad_input(&check_json(&with(treatment_request(), "/categories", json!("diagnosis"))), "/categories");
    assert_bad_input(&check_json(&with(treatment_request(), "/facts/client_agrees", json!("yes"))), "/facts/client_agrees");
    assert_bad_input(&check_json(&with(treatment_request(), "/client", json!(34))), "/client");
    assert_bad_input(&check_json(&json!("a request")), "input");
}

#[test]
fn bad_input_trailing_garbage() {
    let text = format!("{} garbage", treatment_request());
    assert_bad_input(&confidant(&["check", "-", "--format", "json"], text.as_bytes()), "input");
    assert_bad_input(&confidant(&["check", "-", "--format", "json"], b"{\"as_of\": "), "input");
}

#[test]
fn bad_input_over_ten_mebibytes() {
    let mut text = treatment_request().to_string();
    text.pop();
    text.push_str(&format!(",\"padding\":\"{}\"}}", "x".repeat(10 * 1024 * 1024)));
    assert_bad_input(&confidant(&["check", "-", "--format", "json"], text.as_bytes()), "input");
}

#[test]
fn bad_input_unknown_field() {
    let mut r = treatment_request();
    r.as_object_mut().unwrap().insert("organisation_policy".into(), json!("none"));
    assert_bad_input(&check_json(&r), "/organisation_policy");
}

#[test]
fn bad_input_invalid_utf8() {
    assert_bad_input(&confidant(&["check", "-"], b"{\"as_of\": \"\xff\"}"), "input");
}

#[test]
fn rules_lists_every_rule_with_layer_effect_and_cite() {
    let out = confidant(&["rules"], b"");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in ["hipaa.treatment", "part2.consent_required", "ca.duty_to_protect", "org.minimum_necessary", "Cal. Civ. Code 43.92"] {
        assert!(text.contains(needle), "missing {needle}");
    }
    let out = confidant(&["rules", "--format", "json"], b"");
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rules.as_array().unwrap().iter().all(|r| r["cite"].is_string() && r["layer"].is_string() && r["effect"].is_string()));
}

#[test]
fn rules_id_explains_one_rule_and_an_unknown_id_is_bad_input() {
    let out = confidant(&["rules", "hipaa.psychotherapy_notes"], b"");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("45 CFR 164.508(a)(2)") && text.contains("Policy (Cedar)"), "{text}");
    let out = confidant(&["rules", "hipaa.nope"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
