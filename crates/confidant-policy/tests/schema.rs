//! Every rule validates against the Cedar schema, and the catalog's own
//! checks refuse malformed rules: a typo in a policy fails the build.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cedar_policy::{PolicySet, Schema, ValidationMode, Validator};
use confidant_policy::vocab::Layer;
use confidant_policy::{Catalog, CatalogError, PACKS, SCHEMA};

fn schema() -> Schema {
    let (schema, warnings) = Schema::from_cedarschema_str(SCHEMA).expect("schema parses");
    let warnings: Vec<String> = warnings.map(|w| w.to_string()).collect();
    assert!(warnings.is_empty(), "schema warnings: {warnings:?}");
    schema
}

fn validate(text: &str) -> Vec<String> {
    let policies: PolicySet = text.parse().expect("policies parse");
    let result = Validator::new(schema()).validate(&policies, ValidationMode::Strict);
    result.validation_errors().map(|e| e.to_string()).chain(result.validation_warnings().map(|w| w.to_string())).collect()
}

#[test]
fn every_policy_pack_validates_against_the_schema_in_strict_mode() {
    for (_, file, text) in PACKS {
        let problems = validate(text);
        assert!(problems.is_empty(), "{file}: {problems:#?}");
    }
}

#[test]
fn a_misspelt_attribute_fails_validation() {
    let typo = r#"permit (principal, action == Action::"disclose", resource) when { context.facts.client_agress };"#;
    assert!(!validate(typo).is_empty());
    let wrong_type = r#"permit (principal, action == Action::"disclose", resource) when { context.client.age == "34" };"#;
    assert!(!validate(wrong_type).is_empty());
}

#[test]
fn the_embedded_catalog_loads_with_unique_ids_and_cites() {
    let catalog = Catalog::load().expect("catalog loads");
    let rules = catalog.rules();
    assert!(rules.len() >= 60, "only {} rules", rules.len());
    // Every built-in layer has rules; other states come only from packs.
    for layer in Layer::ALL.iter().filter(|l| **l != Layer::State) {
        assert!(rules.iter().any(|r| r.layer == *layer), "no rule in {layer}");
    }
    assert!(!rules.iter().any(|r| r.layer == Layer::State));
    for r in rules {
        assert!(!r.cite.trim().is_empty() && !r.summary.trim().is_empty(), "{}", r.id);
        assert!(r.summary.ends_with('.'), "{}: summary should be a sentence", r.id);
    }
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rules.len());
}

#[test]
fn the_catalog_names_every_rule_of_the_spec() {
    let catalog = Catalog::load().expect("catalog loads");
    // Every rule id of spec/rules.md; `ca.lps` is modelled as the `ca.lps.*`
    // rules of Welf. & Inst. Code 5328 (AMB-9, contract v2).
    for id in [
        "hipaa.access",
        "hipaa.access.psychotherapy_notes",
        "hipaa.access.endangerment",
        "hipaa.personal_representative",
        "hipaa.treatment",
        "hipaa.internal_use",
        "hipaa.payment",
        "hipaa.operations",
        "hipaa.care_involvement.present",
        "hipaa.care_involvement.objects",
        "hipaa.care_involvement.absent",
        "hipaa.care_involvement.not_involved",
        "hipaa.decedent.family",
        "hipaa.decedent.personal_representative",
        "hipaa.decedent_50_years",
        "hipaa.emergency_treatment",
        "hipaa.serious_threat",
        "hipaa.required_by_law",
        "hipaa.child_abuse",
        "hipaa.adult_abuse",
        "hipaa.public_health",
        "hipaa.health_oversight",
        "hipaa.court_order",
        "hipaa.subpoena",
        "hipaa.law_enforcement",
        "hipaa.coroner",
        "hipaa.research",
        "hipaa.authorization",
        "hipaa.authorization_required",
        "hipaa.marketing",
        "hipaa.psychotherapy_notes",
        "hipaa.restriction",
        "hipaa.restriction.self_pay",
        "hipaa.minimum_necessary",
        "hipaa.verification",
        "part2.consent_required",
        "part2.consent",
        "part2.internal",
        "part2.medical_emergency",
        "part2.research",
        "part2.audit",
        "part2.qso",
        "part2.child_abuse_initial_report",
        "part2.crime_on_premises",
        "part2.court_order",
        "part2.subpoena_insufficient",
        "part2.no_threat_exception",
        "part2.law_enforcement",
        "part2.deceased",
        "part2.accounting",
        "ca.cmia.baseline",
        "ca.cmia.treatment",
        "ca.cmia.payment",
        "ca.cmia.serious_threat",
        "ca.cmia.court",
        "ca.privilege",
        "ca.duty_to_protect",
        "ca.child_abuse_mandate",
        "ca.elder_abuse_mandate",
        "ca.hiv",
        "ca.access",
        "ca.access.mental_health_risk",
        "ca.cmia.coroner",
        "ca.lps.confidential",
        "org.outside_needs_agreement",
        "org.family_needs_explicit_agreement",
        "org.law_enforcement_needs_process",
        "org.peer_notes_private",
        "org.minimum_necessary",
        "org.tell_the_client",
        "org.supervision",
    ] {
        assert!(catalog.rule(id).is_some(), "rule `{id}` is missing");
    }
}

fn load_one(text: &str) -> Result<Catalog, CatalogError> {
    Catalog::from_packs(&[(Layer::Hipaa, "test.cedar", text)])
}

const HEAD: &str = r#"permit (principal, action == Action::"disclose", resource);"#;

#[test]
fn a_rule_without_a_cite_is_refused() {
    let err = load_one(&format!("// a pack\n@id(\"hipaa.x\")\n@effect(\"permit\")\n@summary(\"S.\")\n{HEAD}")).unwrap_err();
    assert!(err.to_string().starts_with("test.cedar:2:1: a rule has no `@cite`"), "{err}");
}

#[test]
fn an_unknown_effect_or_obligation_is_refused() {
    let err = load_one(&format!("@id(\"hipaa.x\")\n@cite(\"c\")\n@effect(\"allow\")\n@summary(\"S.\")\n{HEAD}")).unwrap_err();
    assert!(err.to_string().contains("effect"), "{err}");
    let err =
        load_one(&format!("@id(\"hipaa.x\")\n@cite(\"c\")\n@effect(\"permit\")\n@obligations(\"be_nice\")\n@summary(\"S.\")\n{HEAD}"))
            .unwrap_err();
    assert!(err.to_string().contains("be_nice"), "{err}");
}

#[test]
fn a_duplicate_id_or_dangling_reference_is_refused() {
    let rule = format!("@id(\"hipaa.x\")\n@cite(\"c\")\n@effect(\"permit\")\n@summary(\"S.\")\n{HEAD}\n");
    let err = load_one(&format!("{rule}{rule}")).unwrap_err();
    assert!(matches!(err, CatalogError::DuplicateId { .. }), "{err}");
    assert!(err.to_string().starts_with("test.cedar:1:1: rule id `hipaa.x` is used twice"), "{err}");
    let forbid = format!("@id(\"hipaa.y\")\n@cite(\"c\")\n@effect(\"forbid\")\n@spares(\"hipaa.nope\")\n@summary(\"S.\")\n{HEAD}");
    assert!(load_one(&forbid).unwrap_err().to_string().contains("hipaa.nope"));
}

#[test]
fn the_organization_layer_cannot_require_or_block_requirements() {
    let require = format!("@id(\"org.x\")\n@cite(\"org:x\")\n@effect(\"require\")\n@summary(\"S.\")\n{HEAD}");
    let err = Catalog::from_packs(&[(Layer::Organization, "o.cedar", &require)]).unwrap_err().to_string();
    assert!(err.starts_with("o.cedar:1:1: rule `org.x`: `@effect` `require` is for law layers only"), "{err}");
    // A forbid that would block a required disclosure.
    let blocks = format!("@id(\"org.x\")\n@cite(\"org:x\")\n@effect(\"forbid\")\n@blocks_required(\"true\")\n@summary(\"S.\")\n{HEAD}");
    let err = Catalog::from_packs(&[(Layer::Organization, "o.cedar", &blocks)]).unwrap_err().to_string();
    assert!(err.starts_with("o.cedar:1:1: rule `org.x`: `@blocks_required`"), "{err}");
}
