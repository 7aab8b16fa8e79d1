//! `confidant train` end to end: the question bank as JSON (every key re-checked
//! with the binary's own `check`), flashcards, a scripted interactive session
//! through a full round on piped stdin (anonymous, then saved under a staff id
//! and visible in `progress`), a practice exam with its review, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().expect("binary runs")
}

/// Every line within 80 columns, except where a prompt (`> `) runs into
/// what follows it: piped input is not echoed.
fn assert_wrapped(text: &str) {
    let long: Vec<&str> = text.lines().filter(|l| l.chars().count() > 80 && !l.contains("> ")).collect();
    assert!(long.is_empty(), "lines over 80 columns: {long:#?}");
}

fn ok(dir: &Path, args: &[&str], stdin: &str) -> String {
    let out = run(dir, args, stdin);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn questions_json_has_every_field_and_each_key_matches_confidant_check() {
    let dir = tempfile::tempdir().unwrap();
    let bank: Vec<Value> = serde_json::from_str(&ok(dir.path(), &["train", "questions", "--format", "json"], "")).unwrap();
    assert!(bank.len() >= 80);
    for q in &bank {
        for field in ["id", "topic", "stem", "options", "key", "hint", "explanation", "cites", "request"] {
            assert!(q.get(field).is_some(), "{field} missing in {}", q["id"]);
        }
    }
    // Re-check every key through `confidant check` on the whole batch of requests.
    let batch = Value::Array(bank.iter().map(|q| q["request"].clone()).collect());
    let decisions: Vec<Value> = serde_json::from_str(&ok(dir.path(), &["check", "-", "--format", "json"], &batch.to_string())).unwrap();
    for (q, d) in bank.iter().zip(&decisions) {
        let key = q["key"].as_u64().unwrap() as usize;
        let claim = &q["claims"][key];
        let outcome =
            |category: &Value| d["categories"].as_array().unwrap().iter().find(|c| &c["category"] == category).unwrap()["outcome"].clone();
        let asked = outcome(&q["category"]);
        match claim["kind"].as_str().unwrap() {
            "outcome" | "obligation" => assert_eq!(claim["outcome"], asked, "{}", q["id"]),
            "withheld" => assert_eq!(asked, "deny", "{}", q["id"]),
            "release" => {
                assert_eq!(claim["first_released"], outcome(&claim["first"]) != "deny", "{}", q["id"]);
                assert_eq!(claim["second_released"], outcome(&claim["second"]) != "deny", "{}", q["id"]);
            }
            other => panic!("{}: unknown claim kind {other}", q["id"]),
        }
    }
    let only: Vec<Value> =
        serde_json::from_str(&ok(dir.path(), &["train", "questions", "--format", "json", "--topic", "duty_to_protect"], "")).unwrap();
    assert!(!only.is_empty() && only.iter().all(|q| q["topic"] == "duty_to_protect"));
}

#[test]
fn flashcards_print_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let cards: Vec<Value> = serde_json::from_str(&ok(dir.path(), &["train", "flashcards", "--format", "json"], "")).unwrap();
    assert!(cards.len() >= 13);
    let text = ok(dir.path(), &["train", "flashcards", "--topic", "substance_use_records"], "");
    assert!(text.contains("42 CFR 2.31") && text.contains("flashcards"));
}

#[test]
fn anonymous_session_runs_a_full_round_with_hint_answer_explanation_and_rating() {
    let dir = tempfile::tempdir().unwrap();
    // Item 1 is a flashcard (Enter, then a rating); item 2 a question (a
    // bad answer, the hint, an answer); item 3 a flashcard rated by number.
    let script = "\ngood\nzz\nh\na\n\n4\n";
    let text = ok(dir.path(), &["train", "--count", "3"], script);
    assert!(text.contains("Anonymous session: nothing is stored"), "{text}");
    assert!(text.contains("Q: ") && text.contains("A: "), "{text}");
    assert!(text.contains("Please type a letter"), "{text}");
    assert!(text.contains("Hint: "), "{text}");
    assert!(text.contains("Correct.") || text.contains("Not quite. The answer is"), "{text}");
    assert!(text.contains("Explanation: ") && text.contains("Rules that fired"), "{text}");
    assert!(text.contains("Rated hard automatically.") || text.contains("Rated again automatically."), "{text}");
    // The rationale of every option, after the answer, wrapped at 80 columns (not a terminal).
    assert!(text.contains("Why each option is right or wrong:") && text.contains("[the answer]"), "{text}");
    let before_answer = text.split("Why each option").next().unwrap();
    assert!(!before_answer.contains("[the answer]"), "no rationale before answering");
    assert_wrapped(&text);
    assert!(text.contains("Session over: 3 reviewed"), "{text}");
    assert!(!dir.path().join("confidant.sqlite").exists(), "an anonymous session created a vault");
}

#[test]
fn session_as_staff_saves_progress_and_the_next_session_moves_on() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["init"], "");
    ok(dir.path(), &["staff", "add", "--name", "Ana", "--role", "peer_support_specialist", "--id", "st-ana"], "");
    let first = ok(dir.path(), &["train", "--as", "st-ana", "--count", "2"], "\ngood\nb\n");
    assert!(first.contains("Practising as st-ana") && first.contains("Progress saved for st-ana"), "{first}");
    let progress: Value = serde_json::from_str(&ok(dir.path(), &["train", "progress", "--as", "st-ana", "--format", "json"], "")).unwrap();
    let reviewed: u64 = progress["topics"].as_array().unwrap().iter().map(|t| t["reviewed"].as_u64().unwrap()).sum();
    assert_eq!(reviewed, 2);
    assert_eq!(progress["topics"].as_array().unwrap().len(), 10);
    // The first card was just learned, so it is not due; the next session starts elsewhere.
    let first_card = first.lines().find(|l| l.starts_with("Q: ")).unwrap().to_string();
    let second = ok(dir.path(), &["train", "--as", "st-ana", "--count", "1"], "\ngood\n");
    assert!(!second.contains(&first_card), "{second}");
    let text = ok(dir.path(), &["train", "progress", "--as", "st-ana"], "");
    assert!(text.contains("Progress for st-ana") && text.contains("Duty to protect"), "{text}");
}

#[test]
fn exam_scores_by_topic_reviews_the_missed_and_is_saved_for_the_learner() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["init"], "");
    ok(dir.path(), &["staff", "add", "--name", "Ana", "--role", "peer_support_specialist", "--id", "st-ana"], "");
    let answers = "a\n".repeat(20);
    let text = ok(dir.path(), &["train", "--as", "st-ana", "--exam", "20", "--seed", "3"], &answers);
    assert!(text.contains("Exam ex-") && text.contains(": 20 questions"), "{text}");
    assert!(text.contains("Score: ") && text.contains(" of 20 ("), "{text}");
    assert!(text.contains("Psychotherapy notes") && text.contains("Mandated reporting"), "{text}");
    assert!(text.contains("Review of the missed questions") && text.contains("Your answer: a)"), "{text}");
    assert!(text.contains("Why each option is right or wrong:") && text.contains("[the answer]"), "{text}");
    assert!(text.contains("Exam saved for st-ana as a training record"), "{text}");
    // Not a terminal: wrapped at 80 columns.
    assert_wrapped(&text);
    let progress: Value = serde_json::from_str(&ok(dir.path(), &["train", "progress", "--as", "st-ana", "--format", "json"], "")).unwrap();
    assert_eq!(progress["exams"].as_array().unwrap().len(), 1);
    assert_eq!(progress["exams"][0]["asked"], 20);
}

#[test]
fn bad_topic_unknown_staff_and_zero_exam_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    for (args, flag) in [(vec!["train", "questions", "--topic", "gossip"], "--topic"), (vec!["train", "--exam", "0"], "--exam")] {
        let out = run(dir.path(), &args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).starts_with(&format!("error: {flag}:")), "{}", String::from_utf8_lossy(&out.stderr));
    }
    ok(dir.path(), &["init"], "");
    let out = run(dir.path(), &["train", "--as", "st-nobody"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: --as:"));
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args, "");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
    assert!(out.stdout.is_empty(), "{args:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn the_training_report_prints_as_text_json_and_csv_and_certificates_are_written() {
    let dir = tempfile::tempdir().unwrap();
    // The first administrator is workforce too, listed last here (by id).
    ok(dir.path(), &["init", "--admin-id", "st-zz-admin"], "");
    ok(dir.path(), &["staff", "add", "--name", "Ana, Jr", "--role", "peer_support_specialist", "--id", "st-ana"], "");
    ok(dir.path(), &["staff", "add", "--name", "Pat", "--role", "privacy_officer", "--id", "st-po"], "");
    ok(dir.path(), &["staff", "add", "--name", "Sam", "--role", "psychotherapist", "--id", "st-sam"], "");
    // A pass threshold low enough that answering `a` everywhere may pass; the exam is held in the vault.
    ok(dir.path(), &["train", "policy", "--pass-percent", "1", "--interval-months", "6"], "");
    ok(dir.path(), &["train", "--as", "st-ana", "--exam", "8", "--seed", "4"], &"a\n".repeat(8));

    let report: Value = serde_json::from_str(&ok(dir.path(), &["train", "report", "--as", "st-po", "--format", "json"], "")).unwrap();
    assert_eq!(report["policy"]["pass_percent"], 1);
    assert_eq!(report["policy"]["interval_months"], 6);
    let staff = report["staff"].as_array().unwrap();
    assert_eq!(staff.len(), 4);
    assert_eq!(staff[3]["status"], "untrained");
    let ana = staff.iter().find(|s| s["staff_id"] == "st-ana").unwrap();
    let latest = &ana["latest"];
    assert_eq!(latest["asked"], 8);
    let passed = latest["passed"].as_bool().unwrap();
    assert_eq!(passed, latest["correct"].as_u64().unwrap() >= 1);
    assert_eq!(ana["status"], if passed { "current" } else { "untrained" });
    assert_eq!(staff.iter().find(|s| s["staff_id"] == "st-sam").unwrap()["status"], "untrained");
    let topics: u64 = latest["by_topic"].as_array().unwrap().iter().map(|t| t["asked"].as_u64().unwrap()).sum();
    assert_eq!(topics, 8);
    assert!(latest["rules_version"].as_str().unwrap().starts_with("sha256:"));
    let exam = latest["exam_id"].as_str().unwrap().to_string();

    // CSV: a header, one row per staff member, a quoted name, per-topic columns.
    let csv = ok(dir.path(), &["train", "report", "--format", "csv"], "");
    let rows: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 5, "{csv}");
    assert!(rows[0].starts_with("staff_id,name,role,status,last_passed_on,due_on,exams,latest_exam,"), "{csv}");
    assert!(rows[0].ends_with(",client_rights,records_and_accounting"), "{csv}");
    assert!(rows[1].starts_with(&format!("st-ana,\"Ana, Jr\",peer_support_specialist,{},", ana["status"].as_str().unwrap())), "{csv}");
    assert!(rows[1].contains(&exam), "{csv}");
    assert_eq!(rows[1].matches(',').count(), rows[0].matches(',').count() + 1, "one more comma: the quoted name's");

    // Text: the policy, the counts, a line per staff member, scores by topic.
    let text = ok(dir.path(), &["train", "report"], "");
    assert!(text.contains("an exam passes at 1%") && text.contains("current for 6 months"), "{text}");
    assert!(text.contains("st-ana") && text.contains("st-sam") && text.contains(&exam), "{text}");
    assert!(text.contains("Scores by topic"), "{text}");

    // Certificates: the learner's own, as a new private HTML file.
    let cert = dir.path().join("cert.html");
    let said = ok(dir.path(), &["train", "certificate", &exam, "--as", "st-ana", "--out", cert.to_str().unwrap()], "");
    assert!(said.contains("written to"), "{said}");
    let html = std::fs::read_to_string(&cert).unwrap();
    assert!(
        html.contains("Certificate of completion") && html.contains("Ana, Jr") && html.contains(&exam) && html.contains("@media print"),
        "{html}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&cert).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Bad input: exit 2 with `error: <field>: <expected>`.
    assert!(
        fails(dir.path(), &["train", "report", "--format", "xml"]).starts_with("error: --format: one of `text`, `json`, `csv`, got `xml`")
    );
    assert!(
        fails(dir.path(), &["train", "report", "--as", "st-ana"]).starts_with("error: read the training report: only the privacy officer")
    );
    assert!(
        fails(dir.path(), &["train", "policy", "--pass-percent", "101"]).starts_with("error: --pass-percent: a percentage from 1 to 100")
    );
    assert!(
        fails(dir.path(), &["train", "policy", "--interval-months", "soon"]).starts_with("error: --interval-months: a number of months")
    );
    assert!(fails(dir.path(), &["train", "certificate", &exam, "--as", "st-sam", "--out", "x.html"]).starts_with("error: exam: no exam"));
    assert!(fails(dir.path(), &["train", "certificate", "../etc", "--out", "y.html"]).starts_with("error: EXAM_ID:"));
    assert!(
        fails(dir.path(), &["train", "certificate", &exam, "--out", cert.to_str().unwrap()]).starts_with("error: --out:"),
        "an existing file is not replaced"
    );
    // A learner's bank has no keys; the operator's has.
    let mine: Vec<Value> =
        serde_json::from_str(&ok(dir.path(), &["train", "questions", "--as", "st-ana", "--format", "json"], "")).unwrap();
    assert!(mine.iter().all(|q| q.get("key").is_none() && q.get("rationales").is_none()));
    let officer: Vec<Value> =
        serde_json::from_str(&ok(dir.path(), &["train", "questions", "--as", "st-po", "--format", "json"], "")).unwrap();
    assert!(officer.iter().all(|q| q.get("key").is_some() && q.get("rationales").is_some()));
}
