//! Policy packs end to end through the binary: export and load unchanged,
//! a pack's change shown by `rules test` and `rules diff`, every load-time
//! refusal reported with file and line, and `--policies` on `check`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn confidant(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confidant"))
        .args(args)
        .env_remove("CONFIDANT_POLICIES")
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/scenarios");
const OURS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../confidant-policy/tests/scenarios/federal");

fn export(dir: &Path) {
    let out = confidant(&["rules", "export", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn exported_packs_load_unchanged_and_decide_every_scenario_the_same() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path());
    for file in [
        "hipaa.cedar",
        "hipaa-family.cedar",
        "hipaa-public-interest.cedar",
        "hipaa-authorizations.cedar",
        "part2.cedar",
        "part2-compelled.cedar",
        "california-lps.cedar",
        "california.cedar",
        "california-compelled.cedar",
        "california-duties.cedar",
        "organization.cedar",
        "confidant.cedarschema",
        "README.md",
    ] {
        assert!(dir.path().join(file).exists(), "{file} not exported");
    }
    let builtin = confidant(&["rules", "lint"]);
    let exported = confidant(&["rules", "lint", "--policies", dir.path().to_str().unwrap()]);
    assert_eq!(text(&builtin), text(&exported), "same rules version");
    let mut args = vec!["rules", "test", "--policies", dir.path().to_str().unwrap(), OURS];
    if Path::new(SHARED).exists() {
        args.push(SHARED);
    }
    let out = confidant(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains(" passed, 0 failed"), "{}", text(&out));
    // Export never overwrites.
    assert_eq!(confidant(&["rules", "export", dir.path().to_str().unwrap()]).status.code(), Some(2));
}

/// Removes the policy with `@id("{id}")` from an exported pack file.
fn remove_rule(file: &Path, id: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let start = text.find(&format!("@id(\"{id}\")")).unwrap();
    let end = start + text[start..].find("};").unwrap() + 2;
    std::fs::write(file, format!("{}{}", &text[..start], &text[end..])).unwrap();
}

#[test]
fn deleting_an_organization_rule_changes_exactly_the_decisions_it_made() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path());
    remove_rule(&dir.path().join("organization.cedar"), "org.outside_needs_agreement");
    let scenarios = tempfile::tempdir().unwrap();
    let request = |agrees: bool, n: usize| {
        serde_json::json!({
            "name": format!("referral {n}"), "source": "test",
            "request": {
                "as_of": "2026-06-01", "jurisdiction": "US", "organization_policy": "default",
                "discloser": { "role": "psychotherapist" },
                "client": { "age": 40, "status": "active" },
                "recipient": { "kind": "treating_provider", "name": "Dr. Rivera" },
                "purpose": "treatment", "categories": ["diagnosis"],
                "facts": { "client_agrees": agrees }
            },
            "expect": { "decision": if agrees { "permit" } else { "deny" } }
        })
    };
    std::fs::write(scenarios.path().join("1-without-agreement.json"), request(false, 1).to_string()).unwrap();
    std::fs::write(scenarios.path().join("2-with-agreement.json"), request(true, 2).to_string()).unwrap();

    let out = confidant(&["rules", "test", "--policies", dir.path().to_str().unwrap(), scenarios.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(report.contains("FAIL 1-without-agreement.json: decision `permit`, expected `deny`"), "{report}");
    assert!(report.contains("1 passed, 1 failed"), "{report}");

    let out = confidant(&[
        "rules",
        "diff",
        "--old",
        "builtin",
        "--new",
        dir.path().to_str().unwrap(),
        "--requests",
        scenarios.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = diff["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{diff}");
    assert_eq!(changes[0]["request"], "1-without-agreement.json");
    assert_eq!((changes[0]["old"]["outcome"].as_str(), changes[0]["new"]["outcome"].as_str()), (Some("deny"), Some("permit")));
    assert!(changes[0]["old"]["rules"].as_array().unwrap().iter().any(|r| r == "org.outside_needs_agreement"), "{diff}");
    assert_eq!(diff["replayed"], 2);
}

#[test]
fn rules_diff_replays_the_decisions_the_vault_recorded_and_lists_exactly_those_that_change() {
    let vault = tempfile::tempdir().unwrap();
    let data = vault.path().to_str().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_confidant"))
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .env_remove("CONFIDANT_POLICIES")
            .env_remove("CONFIDANT_KEY")
            .env_remove("CONFIDANT_AUDIT_KEY")
            .env_remove("CONFIDANT_DATABASE_URL")
            .env_remove("CONFIDANT_DATA_DIR")
            .stdin(Stdio::null())
            .output()
            .expect("binary runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        out
    };
    run(&["init", "--demo"]);
    let ask = [
        "check",
        "--client",
        "cl-001",
        "--to",
        "treating_provider",
        "--recipient-name",
        "Dr. Rivera",
        "--purpose",
        "treatment",
        "--categories",
        "diagnosis",
        "--staff",
        "st-psychotherapist-1",
        "--format",
        "json",
    ];
    let without: serde_json::Value = serde_json::from_slice(&run(&ask).stdout).unwrap();
    assert_eq!(without["decision"], "deny", "{without}");
    let mut agreed = ask.to_vec();
    agreed.extend(["--fact", "client_agrees"]);
    run(&agreed);

    let packs = tempfile::tempdir().unwrap();
    export(packs.path());
    remove_rule(&packs.path().join("organization.cedar"), "org.outside_needs_agreement");
    let out =
        run(&["rules", "diff", "--old", "builtin", "--new", packs.path().to_str().unwrap(), "--since", "2000-01-01", "--format", "json"]);
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["replayed"], 2, "{diff}");
    let changes = diff["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{diff}");
    assert!(changes[0]["request"].as_str().unwrap().starts_with("entry "), "{diff}");
    assert_eq!((changes[0]["old"]["outcome"].as_str(), changes[0]["new"]["outcome"].as_str()), (Some("deny"), Some("permit")));
    // Nothing recorded after the day given: nothing replayed.
    let out =
        run(&["rules", "diff", "--old", "builtin", "--new", packs.path().to_str().unwrap(), "--since", "2999-01-01", "--format", "json"]);
    let diff: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["replayed"], 0);
    // One of --requests and --since.
    let out = confidant(&["rules", "diff", "--old", "builtin", "--new", "builtin"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Loads a pack whose `organization.cedar` is `text` and returns the error line.
fn refusal(file: &str, text_of_pack: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), text_of_pack).unwrap();
    let out = confidant(&["rules", "lint", "--policies", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.starts_with("error: ") && err.contains(file), "{err}");
    err
}

const HEAD: &str = "permit (principal, action == Action::\"disclose\", resource)";

#[test]
fn a_typo_in_an_attribute_is_refused_at_its_line() {
    let pack = format!(
        "@id(\"org.x\")\n@cite(\"org:x\")\n@effect(\"forbid\")\n@summary(\"S.\")\n{HEAD}\nwhen {{\n  context.facts.client_agress\n}};"
    );
    let err = refusal("organization.cedar", &pack);
    assert!(err.contains("organization.cedar:7:") && err.contains("client_agress"), "{err}");
}

#[test]
fn a_misspelt_purpose_is_refused_at_its_line_and_column() {
    let pack = format!(
        "@id(\"org.x\")\n@cite(\"org:x\")\n@effect(\"forbid\")\n@summary(\"S.\")\n{HEAD}\nwhen {{\n  context.purpose == \"treatmnet\"\n}};"
    );
    let err = refusal("organization.cedar", &pack);
    assert!(err.contains("organization.cedar:7:22: rule `org.x`: `treatmnet` is not a value of `context.purpose`"), "{err}");
}

#[test]
fn a_require_in_the_organization_pack_is_refused() {
    let pack = format!("// ours\n@id(\"org.x\")\n@cite(\"org:x\")\n@effect(\"require\")\n@summary(\"S.\")\n{HEAD};");
    let err = refusal("organization.cedar", &pack);
    assert!(err.contains("organization.cedar:2:1: rule `org.x`: `@effect` `require` is for law layers only"), "{err}");
}

#[test]
fn a_forbid_that_would_block_a_required_disclosure_is_refused() {
    let pack = format!("@id(\"org.x\")\n@cite(\"org:x\")\n@effect(\"forbid\")\n@blocks_required(\"true\")\n@summary(\"S.\")\n{HEAD};");
    let err = refusal("organization.cedar", &pack);
    assert!(err.contains("organization.cedar:1:1: rule `org.x`: `@blocks_required`"), "{err}");
}

#[test]
fn a_duplicate_rule_id_is_refused_at_the_second_definition_s_file() {
    let pack = format!("@id(\"org.supervision\")\n@cite(\"org:supervision\")\n@effect(\"permit\")\n@summary(\"S.\")\n{HEAD};");
    let err = refusal("extra.cedar", &pack);
    assert!(err.contains("extra.cedar:1:1: rule id `org.supervision` is used twice"), "{err}");
}

#[test]
fn a_missing_cite_is_refused_at_its_line() {
    let pack = format!("\n\n@id(\"org.x\")\n@effect(\"permit\")\n@summary(\"S.\")\n{HEAD};");
    let err = refusal("organization.cedar", &pack);
    assert!(err.contains("organization.cedar:3:1: a rule has no `@cite` annotation"), "{err}");
}

#[test]
fn a_law_pack_cannot_supersede_part2() {
    let pack = format!("@id(\"ca.x\")\n@cite(\"c\")\n@effect(\"permit\")\n@supersedes(\"part2\")\n@summary(\"S.\")\n{HEAD};");
    let err = refusal("california-extra.cedar", &pack);
    assert!(err.contains("may supersede only its own layer"), "{err}");
}

#[test]
fn check_decides_with_the_pack_given_by_policies() {
    let dir = tempfile::tempdir().unwrap();
    let pack = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/packs/peer-run");
    let request = serde_json::json!({
        "as_of": "2026-06-01", "jurisdiction": "US", "organization_policy": "default",
        "discloser": { "role": "peer_support_specialist" },
        "client": { "age": 40, "status": "active" },
        "recipient": { "kind": "treating_provider", "name": "Dr. Rivera" },
        "purpose": "treatment", "categories": ["peer_support_notes"],
        "facts": { "client_agrees": true }
    });
    let file = dir.path().join("r.json");
    std::fs::write(&file, request.to_string()).unwrap();
    let builtin = confidant(&["check", file.to_str().unwrap(), "--format", "json"]);
    let with_pack = confidant(&["--policies", pack, "check", file.to_str().unwrap(), "--format", "json"]);
    let decision = |o: &Output| serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["decision"].clone();
    assert_eq!(decision(&builtin), "permit");
    assert_eq!(decision(&with_pack), "deny");
    let version = |o: &Output| serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["rules_version"].clone();
    assert_ne!(version(&builtin), version(&with_pack), "a decision names the packs that made it");
}
