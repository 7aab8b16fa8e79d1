//! Scenarios, the conformance format packs are tested with, and replaying a
//! request against two rule sets. Both are pure (no I/O) so the CLI (`rules
//! test`, `rules diff`) and the server (a pack's tests and the diff shown when
//! packs are reloaded) share one definition of "passes" and of "changes".

use serde_json::Value;

use crate::decision::Decision;
use crate::engine::{Engine, EngineError};
use crate::request::{Request, parse_request};
use crate::vocab::Category;

/// One scenario: a request and what the decision must show.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario's `name`, shown when it fails.
    pub name: String,
    /// The contract request, as JSON (it may be bad input on purpose).
    pub request: Value,
    /// What the decision must show: `decision`, `outcomes`,
    /// `cites_include`, `obligations_include`, … or `error: true`.
    pub expect: Value,
}

fn norm(cite: &str) -> String {
    cite.replace('§', "").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// What a scenario expected and the decision did not do; empty when it passes.
pub fn problems(engine: &Engine, scenario: &Scenario) -> Vec<String> {
    let strings = |key: &str| -> Vec<String> {
        scenario
            .expect
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let parsed = parse_request(&scenario.request.to_string());
    if scenario.expect.get("error").and_then(Value::as_bool) == Some(true) {
        return match parsed {
            Err(_) => Vec::new(),
            // A jurisdiction no loaded pack covers is bad input as well.
            Ok(r) if engine.accepts(&r).is_err() => Vec::new(),
            Ok(_) => vec!["expected bad input, got a decision".into()],
        };
    }
    let request = match parsed {
        Ok(r) => r,
        Err(e) => return vec![format!("bad input: {e}")],
    };
    let d = match engine.decide(&request) {
        Ok(d) => d,
        Err(e) => return vec![format!("engine: {e}")],
    };
    let mut out = Vec::new();
    if let Some(want) = scenario.expect.get("decision").and_then(Value::as_str)
        && d.decision.as_str() != want
    {
        out.push(format!("decision `{}`, expected `{want}`", d.decision));
    }
    if let Some(outcomes) = scenario.expect.get("outcomes").and_then(Value::as_object) {
        for (category, want) in outcomes {
            let got = d.categories.iter().find(|c| c.category.as_str() == category).map(|c| c.outcome.as_str());
            if got != want.as_str() {
                out.push(format!("{category}: outcome {got:?}, expected {want}"));
            }
        }
    }
    let cites: Vec<String> =
        d.rules.iter().map(|r| norm(&r.cite)).chain(d.categories.iter().flat_map(|c| c.cites.iter().map(|x| norm(x)))).collect();
    for want in strings("cites_include") {
        if !cites.iter().any(|c| c.starts_with(&norm(&want))) {
            out.push(format!("no cite starting with `{want}`"));
        }
    }
    let has = |list: &[&str], kind: &str| list.contains(&kind);
    let obligations: Vec<&str> = d.obligations.iter().map(|o| o.kind.as_str()).collect();
    let remedies: Vec<&str> = d.remedies.iter().map(|r| r.kind.as_str()).collect();
    for want in strings("obligations_include") {
        if !has(&obligations, &want) {
            out.push(format!("missing obligation `{want}`"));
        }
    }
    for unwanted in strings("obligations_exclude") {
        if has(&obligations, &unwanted) {
            out.push(format!("unexpected obligation `{unwanted}`"));
        }
    }
    for want in strings("remedies_include") {
        if !has(&remedies, &want) {
            out.push(format!("missing remedy `{want}`"));
        }
    }
    if let Some(reasons) = scenario.expect.get("authorization_reasons").and_then(Value::as_object) {
        for (id, want) in reasons {
            let want = want.as_str().unwrap_or_default();
            match d.authorizations.iter().find(|a| &a.id == id) {
                None => out.push(format!("authorization `{id}` not reported")),
                Some(a) if want == "counts" && !a.counts => out.push(format!("authorization `{id}` should count")),
                Some(a) if want != "counts" && (a.counts || !a.reasons.iter().any(|r| r.code() == want)) => {
                    out.push(format!("authorization `{id}`: expected reason `{want}`"));
                }
                Some(_) => {}
            }
        }
    }
    out
}

/// One category whose outcome differs between two rule sets, with the rules
/// that explain it under each.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CategoryChange {
    /// The requested category.
    pub category: Category,
    /// Its outcome under the old rules (`required`, `permit`, `deny`).
    pub old_outcome: String,
    /// Its outcome under the new rules.
    pub new_outcome: String,
    /// The ids of the rules that explained the old outcome.
    pub old_rules: Vec<String>,
    /// The ids of the rules that explain the new outcome.
    pub new_rules: Vec<String>,
}

/// The categories of `request` whose outcome `new` decides differently from `old`.
pub fn category_changes(old: &Engine, new: &Engine, request: &Request) -> Result<Vec<CategoryChange>, EngineError> {
    let (a, b) = (old.decide(request)?, new.decide(request)?);
    Ok(request
        .categories
        .iter()
        .filter_map(|category| {
            let (old_outcome, old_rules) = category_view(&a, *category);
            let (new_outcome, new_rules) = category_view(&b, *category);
            (old_outcome != new_outcome).then_some(CategoryChange { category: *category, old_outcome, new_outcome, old_rules, new_rules })
        })
        .collect())
}

fn category_view(d: &Decision, category: Category) -> (String, Vec<String>) {
    let found = d.categories.iter().find(|c| c.category == category);
    let outcome = found.map_or("–", |c| c.outcome.as_str()).to_string();
    // The rules that explain the category: those whose every provision is
    // among its cites, by id.
    let cites: &[String] = found.map_or(&[], |c| c.cites.as_slice());
    let rules = d.rules.iter().filter(|r| r.cited_in(cites)).map(|r| r.id.clone()).collect();
    (outcome, rules)
}
