//! `confidant rules`: the rule catalog, one rule explained, and the tools a
//! privacy officer uses on packs: `export`, `lint`, `test` and `diff`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use confidant_policy::scenario::{Scenario, category_changes, problems};
use confidant_policy::{Input, Rule, parse_input};
use serde_json::{Value, json};

use crate::{Failure, packs, render};

/// How `confidant rules` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Json,
    Text,
    /// The whole catalog as Markdown (`docs/rules.md`).
    Markdown,
}

/// Working with rule packs.
#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// Write the built-in packs, the schema and a README on the annotations to DIR.
    Export { dir: PathBuf },
    /// Check the packs (`--policies DIR`, else the built-in ones) without deciding anything.
    Lint {
        #[arg(long, value_name = "DIR")]
        policies: Option<PathBuf>,
    },
    /// Run scenario files (the conformance format; files or directories) against the packs.
    Test {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_name = "DIR")]
        policies: Option<PathBuf>,
    },
    /// Replay requests against two rule sets and report every decision that would change.
    Diff {
        /// `builtin` or a packs directory.
        #[arg(long)]
        old: PathBuf,
        /// `builtin` or a packs directory.
        #[arg(long)]
        new: PathBuf,
        /// Requests: a JSON array, JSON Lines, or a directory of scenario files.
        #[arg(long, required_unless_present = "since", conflicts_with = "since")]
        requests: Option<PathBuf>,
        /// Replay instead the decisions and disclosures recorded in the vault
        /// (`--data-dir`) from this day on (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = crate::Format::Text)]
        format: crate::Format,
    },
}

pub fn run(location: &crate::vault::Location, cmd: Option<RulesCmd>, id: Option<&str>, format: RulesFormat) -> Result<(), Failure> {
    match cmd {
        None => show(id, format),
        Some(RulesCmd::Export { dir }) => export(&dir),
        Some(RulesCmd::Lint { policies }) => lint(policies.as_deref()),
        Some(RulesCmd::Test { paths, policies }) => test(&paths, policies.as_deref()),
        Some(RulesCmd::Diff { old, new, requests: file, since, format }) => {
            let list = match (file, since) {
                (Some(path), _) => requests(&path)?,
                (None, Some(day)) => recorded(location, &crate::vault::date("--since", &day)?)?,
                (None, None) => {
                    return Err(Failure::Input(
                        "--requests: a request file, or --since DATE to replay the vault's recorded decisions".into(),
                    ));
                }
            };
            diff(&old, &new, list, format)
        }
    }
}

fn show(id: Option<&str>, format: RulesFormat) -> Result<(), Failure> {
    let engine = packs::engine()?;
    let text = match id {
        None => match format {
            RulesFormat::Json => json_text(&engine.rules().iter().map(rule_json).collect::<Vec<_>>())?,
            RulesFormat::Text => render::rule_table(engine.rules()),
            RulesFormat::Markdown => engine.catalog().markdown().trim_end().to_string(),
        },
        Some(id) => {
            let rule = engine
                .rule(id)
                .ok_or_else(|| Failure::Input(format!("{id}: a rule id; `confidant rules` lists them (e.g. `hipaa.treatment`)")))?;
            match format {
                RulesFormat::Json => json_text(&rule_json(rule))?,
                RulesFormat::Text | RulesFormat::Markdown => render::rule_detail(rule),
            }
        }
    };
    say(&text)
}

fn say(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}").map_err(|e| Failure::Internal(e.to_string()))
}

fn export(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| Failure::Input(format!("DIR: a directory to write to, `{}`: {e}", dir.display())))?;
    let mut files = confidant_policy::packs::builtin_files();
    files.push(confidant_policy::packs::schema_file());
    files.push(confidant_policy::packs::PackFile { name: "README.md".into(), text: confidant_policy::packs::PACKS_README.into() });
    for file in &files {
        let path = dir.join(&file.name);
        if path.exists() {
            return Err(Failure::Input(format!("DIR: `{}` exists; export never overwrites", path.display())));
        }
    }
    for file in &files {
        std::fs::write(dir.join(&file.name), &file.text)
            .map_err(|e| Failure::Internal(format!("{}: {e}", dir.join(&file.name).display())))?;
    }
    say(&format!("wrote {} files to {}", files.len(), dir.display()))
}

fn lint(policies: Option<&Path>) -> Result<(), Failure> {
    let catalog = packs::catalog(policies.or(Some(Path::new("builtin"))))?;
    say(&format!("ok: {} rules, {}", catalog.rules().len(), catalog.version()))
}

pub(crate) fn scenarios(paths: &[PathBuf]) -> Result<Vec<Scenario>, Failure> {
    let mut files: Vec<PathBuf> = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut here: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Failure::Input(format!("PATH: `{}`: {e}", path.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("json"))
                .collect();
            here.sort();
            files.extend(here);
        } else {
            files.push(path.clone());
        }
    }
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file).map_err(|e| Failure::Input(format!("PATH: `{}`: {e}", file.display())))?;
            let value: Value =
                serde_json::from_str(&text).map_err(|e| Failure::Input(format!("{}: a scenario in JSON ({e})", file.display())))?;
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            Ok(Scenario {
                name,
                request: value.get("request").cloned().unwrap_or(Value::Null),
                expect: value.get("expect").cloned().unwrap_or(json!({})),
            })
        })
        .collect()
}

fn test(paths: &[PathBuf], policies: Option<&Path>) -> Result<(), Failure> {
    let engine = packs::engine_from(policies)?;
    let all = scenarios(paths)?;
    let mut out = io::stdout().lock();
    let mut failed = 0usize;
    for scenario in &all {
        let found = problems(&engine, scenario);
        if !found.is_empty() {
            failed += 1;
            writeln!(out, "FAIL {}: {}", scenario.name, found.join("; ")).map_err(|e| Failure::Internal(e.to_string()))?;
        }
    }
    writeln!(out, "{} passed, {failed} failed", all.len() - failed).map_err(|e| Failure::Internal(e.to_string()))?;
    out.flush().map_err(|e| Failure::Internal(e.to_string()))?;
    if failed > 0 { Err(Failure::Check(format!("{failed} scenario(s) failed"))) } else { Ok(()) }
}

/// The requests to replay: a JSON array, JSON Lines, or scenario files.
fn requests(path: &Path) -> Result<Vec<(String, Value)>, Failure> {
    if path.is_dir() {
        return Ok(scenarios(&[path.to_path_buf()])?
            .into_iter()
            .filter(|s| s.expect.get("error").is_none())
            .map(|s| (s.name, s.request))
            .collect());
    }
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("--requests: `{}`: {e}", path.display())))?;
    let values: Vec<Value> = if text.trim_start().starts_with('[') {
        serde_json::from_str(&text).map_err(|e| Failure::Input(format!("--requests: a JSON array of requests ({e})")))?
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| serde_json::from_str(l).map_err(|e| Failure::Input(format!("--requests: line {}: a JSON request ({e})", i + 1))))
            .collect::<Result<_, _>>()?
    };
    Ok(values.into_iter().enumerate().map(|(i, v)| (format!("#{}", i + 1), v)).collect())
}

/// The requests behind every decision and disclosure the vault recorded
/// from `since` on, read from the sealed details of their audit entries.
/// Reading them is itself audited.
fn recorded(location: &crate::vault::Location, since: &confidant_policy::Date) -> Result<Vec<(String, Value)>, Failure> {
    use confidant_store::{AuditEvent, AuditKind};
    crate::vault::block_on(async {
        let store = crate::vault::open(location).await?;
        let result = async {
            let recorded = store
                .recorded_requests(confidant_store::unix_days(*since) * 86_400_000, None)
                .await
                .map_err(crate::vault::store_failure)?;
            let list: Vec<(String, Value)> = recorded.into_iter().map(|(seq, request)| (format!("entry {seq}"), request)).collect();
            let event = AuditEvent::new(AuditKind::AuditViewed, None)
                .with_all([confidant_store::Detail::RulesDiffSince(*since), confidant_store::Detail::Requests(list.len())]);
            store.append_audit(vec![event]).await.map_err(crate::vault::store_failure)?;
            Ok(list)
        }
        .await;
        store.close().await;
        result
    })
}

fn diff(old: &Path, new: &Path, list: Vec<(String, Value)>, format: crate::Format) -> Result<(), Failure> {
    let old_engine = packs::engine_from(Some(old))?;
    let new_engine = packs::engine_from(Some(new))?;
    let mut changes: Vec<(String, confidant_policy::scenario::CategoryChange)> = Vec::new();
    let mut decided = 0usize;
    let mut skipped = 0usize;
    for (label, value) in &list {
        let parsed = match parse_input(&value.to_string()) {
            Ok(Input::One(r)) => *r,
            Ok(Input::Batch(_)) => return Err(Failure::Input(format!("--requests: {label}: one request, got an array"))),
            Err(e) => return Err(Failure::Input(format!("--requests: {label}: {e}"))),
        };
        let changed = match category_changes(&old_engine, &new_engine, &parsed) {
            Ok(changed) => changed,
            // A state only one of the rule sets covers cannot be compared.
            Err(confidant_policy::EngineError::Input(_)) => {
                skipped += 1;
                continue;
            }
            Err(e) => return Err(Failure::Internal(e.to_string())),
        };
        decided += 1;
        changes.extend(changed.into_iter().map(|c| (label.clone(), c)));
    }
    let mut summary = format!(
        "{} request(s) replayed, {} decision(s) change ({} → {})",
        decided,
        changes.len(),
        old_engine.catalog().version(),
        new_engine.catalog().version()
    );
    if skipped > 0 {
        summary.push_str(&format!("; {skipped} request(s) name a jurisdiction only one rule set covers"));
    }
    match format {
        crate::Format::Json => {
            let rows: Vec<Value> = changes
                .iter()
                .map(|(request, c)| json!({ "request": request, "category": c.category.as_str(), "old": { "outcome": c.old_outcome, "rules": c.old_rules }, "new": { "outcome": c.new_outcome, "rules": c.new_rules } }))
                .collect();
            let value = json!({ "old_rules_version": old_engine.catalog().version(), "new_rules_version": new_engine.catalog().version(), "replayed": decided, "skipped": skipped, "changes": rows });
            say(&json_text(&value)?)
        }
        crate::Format::Text => {
            let mut text = String::new();
            if !changes.is_empty() {
                text.push_str("request | category | old | new | rules (old → new)\n");
                for (request, c) in &changes {
                    text.push_str(&format!(
                        "{} | {} | {} | {} | {} → {}\n",
                        request,
                        c.category,
                        c.old_outcome,
                        c.new_outcome,
                        c.old_rules.join(", "),
                        c.new_rules.join(", ")
                    ));
                }
            }
            text.push_str(&summary);
            say(&text)
        }
    }
}

fn rule_json(rule: &Rule) -> serde_json::Value {
    json!({
        "id": rule.id,
        "layer": rule.layer,
        "cite": rule.cite,
        "effect": rule.effect,
        "summary": rule.summary,
        "obligations": rule.obligations,
        "remedies": rule.remedies,
        "policy": rule.source,
    })
}

fn json_text(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|e| Failure::Internal(e.to_string()))
}
