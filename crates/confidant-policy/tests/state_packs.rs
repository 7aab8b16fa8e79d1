//! Another state's pack: its rules name their state with `@jurisdiction`,
//! apply only to requests for that state, and make that state acceptable;
//! a state no loaded pack covers stays bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_policy::packs::{PackFile, overlay};
use confidant_policy::vocab::Jurisdiction;
use confidant_policy::{Catalog, Engine, request_from_value};

const NY_RULE: &str = r#"@id("state.ny.endangered_individual")
@jurisdiction("US-NY")
@cite("N.Y. Mental Hyg. Law § 33.13(c)(6)")
@effect("permit")
@obligations("document_rationale")
@summary("S.")
permit (principal, action == Action::"disclose", resource)
when { context.purpose == "prevent_serious_threat" && context.facts.serious_imminent_threat };"#;

fn catalog(name: &str, text: &str) -> Result<Catalog, String> {
    Catalog::from_files(&overlay(vec![PackFile { name: name.into(), text: text.into() }])).map_err(|e| e.to_string())
}

fn warning(jurisdiction: &str) -> confidant_policy::Request {
    request_from_value(
        &serde_json::json!({
            "as_of": "2026-06-01", "jurisdiction": jurisdiction, "discloser": { "role": "psychiatrist" },
            "client": { "age": 40, "status": "active" }, "recipient": { "kind": "potential_victim" },
            "purpose": "prevent_serious_threat", "categories": ["diagnosis"], "facts": { "serious_imminent_threat": true }
        }),
        "",
    )
    .unwrap()
}

#[test]
fn a_state_pack_makes_its_state_acceptable_and_speaks_only_for_it() {
    let engine = Engine::with_catalog(catalog("state-ny.cedar", NY_RULE).unwrap()).unwrap();
    assert!(engine.catalog().jurisdictions().contains(&Jurisdiction::parse("US-NY").unwrap()));
    let ny = engine.decide(&warning("US-NY")).unwrap();
    assert!(ny.rules.iter().any(|r| r.id == "state.ny.endangered_individual"));
    for other in ["US", "US-CA"] {
        let d = engine.decide(&warning(other)).unwrap();
        assert!(!d.rules.iter().any(|r| r.id.starts_with("state.")), "{other}");
    }
    let err = engine.decide(&warning("US-TX")).unwrap_err();
    assert!(err.to_string().starts_with("/jurisdiction:"), "{err}");
}

#[test]
fn the_built_in_packs_accept_only_federal_law_and_california() {
    let engine = Engine::new().unwrap();
    assert_eq!(engine.catalog().jurisdictions(), [Jurisdiction::Us, Jurisdiction::UsCa]);
    let refused = engine.accepts(&warning("US-NY")).unwrap_err();
    assert_eq!(refused.clone().in_batch(2).pointer, "/2/jurisdiction", "a batch names the request");
    assert!(refused.to_string().starts_with("/jurisdiction:"));
    // Not a state code at all: refused by the parser, naming the field.
    let err = request_from_value(&serde_json::json!({ "as_of": "2026-06-01", "jurisdiction": "CA", "client": { "age": 40, "status": "active" }, "recipient": { "kind": "potential_victim" }, "purpose": "treatment", "categories": ["diagnosis"] }), "").unwrap_err();
    assert_eq!(err.pointer, "/jurisdiction");
}

#[test]
fn a_state_rule_without_its_state_is_refused_at_its_line() {
    let text = NY_RULE.replace("@jurisdiction(\"US-NY\")\n", "");
    let err = catalog("state-ny.cedar", &text).unwrap_err();
    assert!(err.contains("state-ny.cedar:1:") && err.contains("names its state"), "{err}");
}

#[test]
fn a_jurisdiction_on_another_layers_rule_or_a_bad_code_is_refused() {
    let org = NY_RULE.replace("state.ny.endangered_individual", "org.ny").replace("N.Y. Mental Hyg. Law § 33.13(c)(6)", "org:ny");
    let err = catalog("organization.cedar", &org).unwrap_err();
    assert!(err.contains("belongs on `state.` rules only"), "{err}");
    for code in ["US", "NY", "US-XX"] {
        let err = catalog("state-ny.cedar", &NY_RULE.replace("US-NY", code)).unwrap_err();
        assert!(err.contains(&format!("is `{code}`; expected a US state")), "{code}: {err}");
    }
}
