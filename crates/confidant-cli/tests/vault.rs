//! The vault subcommands end to end with a temporary `--data-dir`: init
//! (plain and demo), clients, staff, teams, records, authorizations (an
//! incomplete one exits 2 listing every missing element), restrictions, key
//! rotation, wrong keys, and `check --client` deciding from stored data while
//! `check -` keeps working.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn run(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
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
    child.stdin.take().expect("stdin").write_all(stdin).unwrap();
    child.wait_with_output().expect("binary runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args, b"");
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(dir, args)).unwrap()
}

fn bad(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args, b"");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr
}

fn initialized() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["init"]);
    assert!(out.contains("key file"), "{out}");
    dir
}

#[test]
fn init_writes_a_private_key_file_and_refuses_to_run_twice() {
    let dir = initialized();
    let key = dir.path().join("confidant.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let before = std::fs::read(&key).unwrap();
    let err = bad(dir.path(), &["init"]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&key).unwrap(), before, "the key file is untouched");
}

#[test]
fn clients_staff_teams_and_records_round_trip() {
    let dir = initialized();
    let d = dir.path();
    ok(d, &["staff", "add", "--id", "st-1", "--name", "Morgan Ashgrove", "--role", "psychotherapist"]);
    ok(d, &["team", "add", "--id", "team-a", "--name", "Adult outpatient"]);
    ok(d, &["team", "assign", "--staff", "st-1", "--team", "Adult outpatient"]);
    let added = json(
        d,
        &[
            "client",
            "add",
            "--id",
            "cl-1",
            "--name",
            "Zebulon Quixotic",
            "--dob",
            "1990-06-15",
            "--team",
            "team-a",
            "--notes",
            "likes tea",
            "--format",
            "json",
        ],
    );
    assert_eq!(added["id"], "cl-1");
    ok(d, &["team", "assign", "--staff", "st-1", "--client", "cl-1"]);
    ok(d, &["record", "add", "--client", "cl-1", "--category", "progress_notes", "--author", "st-1", "--content", "slept better"]);
    let out = run(
        d,
        &["record", "add", "--client", "cl-1", "--category", "psychotherapy_notes", "--author", "st-1", "--content", "-"],
        b"process note from stdin",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // Staff, team and caseload changes made at the command line are in the log.
    // (`init` added the first administrator: a second `staff_added`.)
    for (kind, n) in [("staff_added", 2), ("team_added", 1), ("team_member_added", 1), ("caseload_assigned", 1)] {
        let changes = json(d, &["audit", "show", "--kind", kind, "--format", "json"]);
        assert_eq!(changes.as_array().unwrap().len(), n, "{kind}: {changes}");
    }
    let assigned = json(d, &["audit", "show", "--kind", "caseload_assigned", "--format", "json"]);
    assert_eq!(assigned[0]["client"], "cl-1", "{assigned}");

    let staff = json(d, &["staff", "list", "--format", "json"]);
    assert_eq!(staff[0]["display_name"], "Administrator");
    assert_eq!(staff[0]["role"], "admin");
    assert_eq!(staff[1]["display_name"], "Morgan Ashgrove");
    let teams = json(d, &["team", "list", "--format", "json"]);
    assert_eq!(teams[0]["members"][0], "st-1");
    let clients = json(d, &["client", "list", "--format", "json"]);
    assert_eq!(clients[0]["name"], "Zebulon Quixotic");
    let show = json(d, &["client", "show", "cl-1", "--format", "json"]);
    assert_eq!(show["caseload_staff"][0], "st-1");
    assert_eq!(show["notes"], "likes tea");

    let listed = ok(d, &["record", "list", "--client", "cl-1"]);
    assert!(listed.contains("progress_notes") && listed.contains("psychotherapy_notes"), "{listed}");
    assert!(!listed.contains("slept better"), "contents only on explicit read: {listed}");
    let shown = json(d, &["record", "list", "--client", "cl-1", "--show-content", "--format", "json"]);
    let contents: Vec<&str> = shown.as_array().unwrap().iter().map(|r| r["content"].as_str().unwrap()).collect();
    // Psychotherapy notes are their author's, even for the operator.
    assert!(contents.contains(&"slept better") && !contents.contains(&"process note from stdin"), "{contents:?}");
    let own = json(d, &["--as", "st-1", "record", "list", "--client", "cl-1", "--show-content", "--format", "json"]);
    let contents: Vec<&str> = own.as_array().unwrap().iter().map(|r| r["content"].as_str().unwrap()).collect();
    assert!(contents.contains(&"slept better") && contents.contains(&"process note from stdin"), "{contents:?}");
    // Each read is in the log under who read it.
    let reads = json(d, &["audit", "show", "--kind", "record_read", "--format", "json"]);
    let actors: Vec<&serde_json::Value> = reads.as_array().unwrap().iter().map(|e| &e["actor"]).collect();
    assert_eq!(actors, [&serde_json::Value::Null, &serde_json::json!("st-1")], "{reads}");

    // Acting as a staff member holds the command line to their need-to-know.
    ok(d, &["staff", "add", "--id", "st-2", "--name", "Rowan Pike", "--role", "peer_support_specialist"]);
    let refused = bad(d, &["--as", "st-2", "record", "list", "--client", "cl-1", "--show-content"]);
    assert!(refused.contains("not on your caseload"), "{refused}");
    let refused = bad(d, &["--as", "st-2", "record", "add", "--client", "cl-1", "--category", "progress_notes", "--content", "x"]);
    assert!(refused.contains("not on your caseload"), "{refused}");
    let other = bad(
        d,
        &["--as", "st-1", "record", "add", "--client", "cl-1", "--category", "progress_notes", "--author", "st-2", "--content", "x"],
    );
    assert!(other.starts_with("error: --author: the --as staff member"), "nobody writes in another's name: {other}");
    let denied = json(d, &["audit", "show", "--kind", "access_denied", "--format", "json"]);
    assert_eq!(denied.as_array().unwrap().len(), 2, "{denied}");

    ok(d, &["--as", "st-1", "client", "discharge", "cl-1", "--on", "2025-09-01"]);
    ok(d, &["client", "record-death", "cl-1", "--on", "2025-12-01"]);
    let changes = json(d, &["audit", "show", "--kind", "client_changed", "--format", "json"]);
    let actors: Vec<&serde_json::Value> = changes.as_array().unwrap().iter().map(|e| &e["actor"]).collect();
    assert_eq!(actors, [&serde_json::json!("st-1"), &serde_json::Value::Null], "{changes}");
    let show = json(d, &["client", "show", "cl-1", "--format", "json"]);
    assert_eq!(show["status"], "deceased");
    assert_eq!(show["died_on"], "2025-12-01");

    let err = bad(d, &["record", "add", "--client", "cl-nobody", "--category", "diagnosis", "--author", "st-1", "--content", "x"]);
    assert!(err.contains("cl-nobody"), "{err}");
    let err = bad(d, &["record", "add", "--client", "cl-1", "--category", "horoscope", "--author", "st-1", "--content", "x"]);
    assert!(err.starts_with("error: --category:"), "{err}");
    let err = bad(d, &["staff", "add", "--name", "X", "--role", "wizard"]);
    assert!(err.starts_with("error: --role:"), "{err}");
}

#[test]
fn an_incomplete_authorization_exits_2_listing_every_missing_element() {
    let dir = initialized();
    let d = dir.path();
    ok(d, &["client", "add", "--id", "cl-1", "--name", "A B", "--age", "30"]);
    let err = bad(d, &["auth", "add", "--client", "cl-1", "--kind", "hipaa"]);
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
        assert!(err.contains(code), "{code} missing from {err}");
    }
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let listed = json(d, &["auth", "list", "--client", "cl-1", "--format", "json"]);
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing was filed");
}

fn file_valid_auth(d: &Path, id: &str, expires: &str) {
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
            "hipaa",
            "--signed-by",
            "client",
            "--signed-on",
            "2025-01-10",
            "--categories",
            "diagnosis",
            "--recipient",
            "employer:Acme Tools",
            "--purposes",
            "employment",
            "--expires-on",
            expires,
            "--statements",
            "right_to_revoke,no_conditioning,redisclosure",
        ],
    );
}

#[test]
fn check_for_a_stored_client_decides_from_the_vault() {
    let dir = initialized();
    let d = dir.path();
    ok(d, &["client", "add", "--id", "cl-1", "--name", "A B", "--dob", "1990-06-15"]);
    ok(d, &["staff", "add", "--id", "st-1", "--name", "Priv Officer", "--role", "privacy_officer"]);
    file_valid_auth(d, "auth-old", "2025-12-31");
    let check = [
        "check",
        "--client",
        "cl-1",
        "--to",
        "employer",
        "--recipient-name",
        "Acme Tools",
        "--purpose",
        "employment",
        "--categories",
        "diagnosis",
        "--as-of",
        "2026-03-02",
        "--format",
        "json",
    ];
    let decision = json(d, &check);
    assert_eq!(decision["decision"], "deny");
    assert_eq!(decision["authorizations"][0]["id"], "auth-old");
    assert_eq!(decision["authorizations"][0]["reasons"][0], "expired");

    file_valid_auth(d, "auth-new", "2026-12-31");
    let decision = json(d, &check);
    assert_eq!(decision["release"][0], "diagnosis", "{decision}");
    ok(d, &["auth", "revoke", "auth-new", "--on", "2026-03-01", "--by", "st-1"]);
    let decision = json(d, &check);
    assert_eq!(decision["decision"], "deny");
    let reasons: Vec<&Value> = decision["authorizations"].as_array().unwrap().iter().map(|a| &a["reasons"][0]).collect();
    assert!(reasons.contains(&&Value::from("revoked")), "{decision}");

    ok(d, &["restriction", "add", "--client", "cl-1", "--recipient-kinds", "family_or_friend", "--agreed"]);
    let restrictions = json(d, &["restriction", "list", "--client", "cl-1", "--format", "json"]);
    assert_eq!(restrictions[0]["recipient_kinds"][0], "family_or_friend");

    let err = bad(d, &["check", "--client", "cl-1", "--to", "martian", "--purpose", "treatment", "--categories", "diagnosis"]);
    assert!(err.starts_with("error: --to:"), "{err}");
    let err = bad(d, &["check", "--client", "cl-nobody", "--to", "employer", "--purpose", "employment", "--categories", "diagnosis"]);
    assert!(err.contains("cl-nobody"), "{err}");

    // The file form is unchanged beside it.
    let request = r#"{"as_of":"2026-03-02","jurisdiction":"US","client":{"age":34,"status":"active"},
        "recipient":{"kind":"treating_provider"},"purpose":"treatment","categories":["diagnosis"]}"#;
    let out = run(d, &["check", "-", "--format", "json"], request.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["decision"].is_string());
}

#[test]
fn key_rotation_keeps_the_vault_readable_and_a_wrong_key_is_refused() {
    let dir = initialized();
    let d = dir.path();
    ok(d, &["client", "add", "--id", "cl-1", "--name", "Rotating Client", "--age", "40"]);
    let old_key = std::fs::read_to_string(d.join("confidant.key")).unwrap();
    let out = ok(d, &["keys", "rotate"]);
    assert!(out.contains("kek-2"), "{out}");
    let new_key = std::fs::read_to_string(d.join("confidant.key")).unwrap();
    assert!(new_key.contains("kek-2") && !new_key.contains("kek-1 "), "{new_key}");
    assert_eq!(json(d, &["client", "list", "--format", "json"])[0]["name"], "Rotating Client");
    // The rotation is in the log, naming the new key and the retired one, and the log still verifies.
    let rotated = json(d, &["audit", "show", "--format", "json", "--details", "--kind", "key_rotated"]);
    assert_eq!(rotated.as_array().unwrap().len(), 1, "{rotated}");
    assert_eq!(rotated[0]["details"]["new_key"], "kek-2", "{rotated}");
    assert_eq!(rotated[0]["details"]["retired_keys"], serde_json::json!(["kek-1"]), "{rotated}");
    assert!(ok(d, &["audit", "verify"]).starts_with("audit log intact"));

    // The old key file no longer opens the vault, and nothing changes.
    std::fs::write(d.join("confidant.key"), &old_key).unwrap();
    let err = bad(d, &["client", "list"]);
    assert!(err.contains("key"), "{err}");
    std::fs::write(d.join("confidant.key"), &new_key).unwrap();
    assert_eq!(json(d, &["client", "list", "--format", "json"])[0]["name"], "Rotating Client");

    std::fs::remove_file(d.join("confidant.key")).unwrap();
    let err = bad(d, &["client", "list"]);
    assert!(err.contains("confidant init"), "{err}");
}

#[test]
fn a_demo_vault_has_every_kind_of_client() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(d, &["init", "--demo"]);
    assert!(out.contains("50 clients"), "{out}");
    let clients = json(d, &["client", "list", "--format", "json"]);
    let statuses: Vec<&str> = clients.as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    for s in ["active", "discharged", "deceased"] {
        assert!(statuses.contains(&s), "{s}");
    }
    assert!(clients.as_array().unwrap().iter().any(|c| c["part2_program"] == true));
}

fn import_line(id: usize, content: &str) -> String {
    serde_json::json!({ "client": "cl-1", "category": "progress_notes", "author": "st-1", "content": content, "id": format!("rec-{id}") })
        .to_string()
}

#[test]
fn import_commits_batch_by_batch_and_a_bad_line_costs_only_its_batch() {
    let dir = initialized();
    let d = dir.path();
    ok(d, &["staff", "add", "--id", "st-1", "--name", "Morgan Ashgrove", "--role", "psychotherapist"]);
    ok(d, &["client", "add", "--id", "cl-1", "--name", "Zebulon Quixotic", "--age", "40"]);

    // Seven good lines (a blank one in between is skipped), from a file, in batches of 3.
    let mut text: Vec<String> = (1..=4).map(|i| import_line(i, &format!("note {i}"))).collect();
    text.push(String::new());
    text.extend((5..=7).map(|i| import_line(i, &format!("note {i}"))));
    let file = d.join("records.jsonl");
    std::fs::write(&file, text.join("\n") + "\n").unwrap();
    let out = ok(d, &["record", "import", file.to_str().unwrap(), "--batch", "3"]);
    assert_eq!(out.trim(), "imported 7 records in 3 batches");
    let listed = json(d, &["record", "list", "--client", "cl-1", "--show-content", "--format", "json"]);
    assert_eq!(listed.as_array().unwrap().len(), 7);
    assert!(listed.as_array().unwrap().iter().any(|r| r["content"] == "note 7"));
    // One audit entry per client per batch, naming the records it added.
    let added = json(d, &["audit", "show", "--format", "json", "--details", "--kind", "record_added"]);
    assert_eq!(added.as_array().unwrap().len(), 3, "{added}");
    assert!(added.as_array().unwrap().iter().all(|e| e["client"] == "cl-1" && e["details"]["via"] == "cli"), "{added}");
    assert_eq!(added[0]["details"]["records"], serde_json::json!(["rec-1", "rec-2", "rec-3"]), "{added}");

    // From standard input: batch 1 (lines 1–2) commits; line 4 names an unknown
    // client, so batch 2 (lines 3–4) stores nothing, and line 5 is never read.
    let lines = [
        import_line(10, "a"),
        import_line(11, "b"),
        import_line(12, "c"),
        import_line(13, "d").replace("cl-1", "cl-nobody"),
        import_line(14, "e"),
    ];
    let out = run(d, &["record", "import", "-", "--batch", "2"], (lines.join("\n") + "\n").as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    let message = stderr.lines().last().unwrap();
    assert!(message.starts_with("error: line 4: client: no client with id `cl-nobody`"), "{message}");
    assert!(message.contains("nothing from this batch (from line 3) was stored"), "{message}");
    assert!(message.contains("the 2 records of the 1 earlier batches were imported and stay"), "{message}");
    let ids: Vec<String> = json(d, &["record", "list", "--client", "cl-1", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 9, "{ids:?}");
    assert!(ids.contains(&"rec-11".to_string()) && !ids.contains(&"rec-12".to_string()), "{ids:?}");

    // A malformed line is refused before the store sees its batch; the first batch stores nothing.
    let lines = [import_line(20, "a"), r#"{"client":"cl-1","category":"horoscope","author":"st-1","content":"x"}"#.to_string()];
    let out = run(d, &["record", "import", "-"], (lines.join("\n") + "\n").as_bytes());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: line 2: category: one of"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(json(d, &["record", "list", "--client", "cl-1", "--format", "json"]).as_array().unwrap().len(), 9);

    let err = bad(d, &["record", "import", "-", "--batch", "0"]);
    assert!(err.contains("--batch"), "{err}");
    let err = bad(d, &["record", "import", d.join("missing.jsonl").to_str().unwrap()]);
    assert!(err.starts_with("error: FILE: a readable file"), "{err}");
}

#[test]
fn privacy_notice_acknowledgments_are_recorded_and_listed() {
    let dir = initialized();
    let d = dir.path();
    ok(d, &["client", "add", "--id", "cl-1", "--name", "A B", "--age", "30"]);
    let empty = ok(d, &["notice", "list", "--client", "cl-1"]);
    assert!(empty.contains("(none)"), "{empty}");
    let out = ok(d, &["notice", "ack", "--client", "cl-1", "--on", "2025-03-04"]);
    assert_eq!(out.trim(), "recorded that client cl-1 acknowledged the privacy notice on 2025-03-04");
    let acked = json(d, &["notice", "ack", "--client", "cl-1", "--on", "2025-01-02", "--format", "json"]);
    assert_eq!(acked, serde_json::json!({ "client": "cl-1", "acknowledged_on": "2025-01-02" }));
    // Acknowledging the same day twice records it once.
    ok(d, &["notice", "ack", "--client", "cl-1", "--on", "2025-03-04"]);
    let listed = json(d, &["notice", "list", "--client", "cl-1", "--format", "json"]);
    assert_eq!(listed, serde_json::json!({ "client": "cl-1", "acknowledged_on": ["2025-01-02", "2025-03-04"] }));
    let text = ok(d, &["notice", "list", "--client", "cl-1"]);
    assert_eq!(text.lines().collect::<Vec<_>>(), ["ACKNOWLEDGED ON", "2025-01-02", "2025-03-04"]);
    // Today by default.
    let today = json(d, &["notice", "ack", "--client", "cl-1", "--format", "json"]);
    assert_eq!(today["acknowledged_on"].as_str().unwrap().len(), 10);

    let err = bad(d, &["notice", "ack", "--client", "cl-1", "--on", "2025-02-30"]);
    assert!(err.starts_with("error: --on: a calendar date"), "{err}");
    let err = bad(d, &["notice", "ack", "--client", "cl-nobody"]);
    assert!(err.contains("cl-nobody"), "{err}");
    let err = bad(d, &["notice", "list", "--client", "cl-nobody"]);
    assert!(err.contains("cl-nobody"), "{err}");
    assert_eq!(json(d, &["notice", "list", "--client", "cl-1", "--format", "json"])["acknowledged_on"].as_array().unwrap().len(), 3);
}

#[test]
fn a_signed_document_is_stored_sealed_and_read_back() {
    let dir = initialized();
    let d = dir.path();
    ok(d, &["client", "add", "--id", "cl-1", "--name", "A B", "--age", "30"]);
    let document: Vec<u8> = b"%PDF-1.4 signed by Zebulon Quixotic on 2025-01-10 \x00\xff".to_vec();
    let form = d.join("signed-form.pdf");
    std::fs::write(&form, &document).unwrap();
    ok(
        d,
        &[
            "auth",
            "add",
            "--client",
            "cl-1",
            "--id",
            "auth-doc",
            "--kind",
            "hipaa",
            "--signed-by",
            "client",
            "--signed-on",
            "2025-01-10",
            "--categories",
            "diagnosis",
            "--recipient",
            "employer:Acme Tools",
            "--purposes",
            "employment",
            "--expires-on",
            "2027-01-01",
            "--statements",
            "right_to_revoke,no_conditioning,redisclosure",
            "--document",
            form.to_str().unwrap(),
        ],
    );
    file_valid_auth(d, "auth-bare", "2027-01-01");
    let listed = json(d, &["auth", "list", "--client", "cl-1", "--format", "json"]);
    let has: Vec<(String, bool)> =
        listed.as_array().unwrap().iter().map(|a| (a["id"].as_str().unwrap().to_string(), a["has_document"].as_bool().unwrap())).collect();
    assert!(has.contains(&("auth-doc".into(), true)) && has.contains(&("auth-bare".into(), false)), "{has:?}");

    // Sealed at rest: the signer's name in the document is in no database file.
    let mut raw = Vec::new();
    for entry in std::fs::read_dir(d).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("confidant.sqlite") {
            raw.extend(std::fs::read(path).unwrap());
        }
    }
    assert!(!raw.is_empty());
    assert!(!raw.windows(b"Zebulon".len()).any(|w| w == b"Zebulon"), "the document is stored sealed");

    let out = d.join("copy.pdf");
    ok(d, &["auth", "document", "auth-doc", "--out", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), document);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let to_stdout = run(d, &["auth", "document", "auth-doc", "--out", "-"], b"");
    assert_eq!(to_stdout.status.code(), Some(0));
    assert_eq!(to_stdout.stdout, document);
    // Each decrypted export is audited against the client, naming the authorization.
    let reads = json(d, &["audit", "show", "--format", "json", "--details", "--kind", "authorization_document_read"]);
    assert_eq!(reads.as_array().unwrap().len(), 2, "{reads}");
    assert_eq!(reads[0]["details"]["authorization"], "auth-doc", "{reads}");

    let err = bad(d, &["auth", "document", "auth-doc", "--out", out.to_str().unwrap()]);
    assert!(err.starts_with("error: --out: a new file"), "an existing file is not overwritten: {err}");
    assert_eq!(std::fs::read(&out).unwrap(), document);
    let err = bad(d, &["auth", "document", "auth-bare", "--out", d.join("none.pdf").to_str().unwrap()]);
    assert!(err.contains("no document attached"), "{err}");
    assert!(!d.join("none.pdf").exists());
    let err = bad(d, &["auth", "document", "auth-nobody", "--out", d.join("none.pdf").to_str().unwrap()]);
    assert!(err.contains("auth-nobody"), "{err}");
}
