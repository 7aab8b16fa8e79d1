//! Rule families, one test per behaviour, each naming the cite it checks.
//! Requests are written as the contract's JSON and decided by the real engine.
//! One test binary, a module per rule family.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod access;
mod authorizations;
mod contract_v2;
mod courts;
mod decedents;
mod explanation;
mod family;
mod part2;
mod reporting;
mod restrictions;
mod threat;
mod treatment;
mod twins;

use decedents::*;
use reporting::*;
use threat::*;

use std::sync::LazyLock;

use confidant_policy::vocab::{Category, ObligationKind, Outcome, OverallDecision, RemedyKind};
use confidant_policy::{Decision, Engine, parse_request};
use serde_json::{Value, json};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::new().expect("engine loads"));

/// A baseline request: a psychotherapist, federal law only, organization policy off.
fn base(recipient: &str, purpose: &str, categories: &[&str]) -> Value {
    json!({
        "as_of": "2026-03-02",
        "jurisdiction": "US",
        "organization_policy": "none",
        "discloser": { "role": "psychotherapist" },
        "client": { "age": 34, "status": "active", "part2_program": false },
        "recipient": { "kind": recipient, "name": "R", "same_organization": false },
        "purpose": purpose,
        "categories": categories,
        "facts": {},
        "authorizations": [],
        "restrictions": []
    })
}

fn set(mut v: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() { &mut v } else { v.pointer_mut(parent).unwrap() };
    target.as_object_mut().unwrap().insert(key.to_string(), value);
    v
}

fn facts(v: Value, names: &[&str]) -> Value {
    let map: serde_json::Map<String, Value> = names.iter().map(|n| (n.to_string(), Value::Bool(true))).collect();
    set(v, "/facts", Value::Object(map))
}

fn decide(v: &Value) -> Decision {
    let request = parse_request(&v.to_string()).unwrap_or_else(|e| panic!("test request invalid: {e}"));
    ENGINE.decide(&request).unwrap()
}

fn outcome(d: &Decision, category: &str) -> Outcome {
    let c = Category::parse(category).unwrap();
    d.categories.iter().find(|x| x.category == c).map(|x| x.outcome).unwrap()
}

fn fired(d: &Decision, id: &str) -> bool {
    d.rules.iter().any(|r| r.id == id)
}

fn has_obligation(d: &Decision, kind: ObligationKind) -> bool {
    d.obligations.iter().any(|o| o.kind == kind)
}

fn has_remedy(d: &Decision, kind: RemedyKind) -> bool {
    d.remedies.iter().any(|r| r.kind == kind)
}

fn valid_auth(kind: &str, recipient: &str, purpose: &str, categories: &[&str]) -> Value {
    json!({
        "id": "auth-1", "kind": kind, "signed_by": "client", "signed_on": "2026-01-10",
        "categories": categories, "recipients": [{ "kind": recipient, "name": "R" }],
        "purposes": [purpose], "expires_on": "2026-12-31", "revoked_on": null,
        "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }
    })
}
