//! Decision latency against a bare Cedar call.
//!
//! - `cedar_bare/*`: one `Authorizer::is_authorized` on a prebuilt Cedar
//!   request and entities equivalent to one category of scenario 103
//!   (diagnosis to a treating provider for treatment, federal law only,
//!   organization policy off), against the whole policy set and against the
//!   HIPAA pack alone (the only layer that applies to that request).
//! - `decide/single_category`: `Engine::decide` on that request, parsed once.
//! - `decide/six_categories_three_authorizations`: a California request with
//!   the organization layer on, six categories and three authorizations.
//! - `parse_and_decide/single_category`: the JSON text of the single-category
//!   request, parsed and decided.
//!
//! - `batch/varied_uncached`: 1,152 varied requests (every purpose and
//!   recipient kind, four categories, three sets of facts, both
//!   jurisdictions and organization settings), decided without the memo;
//!   criterion reports the throughput in decisions per second.
//!
//! `Engine::decide` memoizes rule evaluation per category, so repeating one
//! request measures the memo hit; the `*_uncached` variants evaluate every
//! time through the rule index (`src/index.rs`), and the `*_unindexed`
//! variants evaluate every policy of each applicable layer in Cedar, as the
//! engine did before the index: the same-run baseline beside `cedar_bare`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::hint::black_box;

use cedar_policy::{Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, RestrictedExpression};
use confidant_policy::vocab::{Fact, Layer};
use confidant_policy::{Engine, parse_request};
use criterion::{Criterion, criterion_group, criterion_main};

/// Scenario 103 with one category.
const SINGLE: &str = r#"{
  "as_of": "2026-03-02",
  "jurisdiction": "US",
  "organization_policy": "none",
  "discloser": { "role": "psychotherapist" },
  "client": { "age": 34, "status": "active", "part2_program": false },
  "recipient": { "kind": "treating_provider", "name": "Dr. Rivera", "same_organization": false },
  "purpose": "treatment",
  "categories": ["diagnosis"],
  "facts": {},
  "authorizations": [],
  "restrictions": []
}"#;

/// Six categories, three authorizations (one valid, one for psychotherapy
/// notes alone, one expired), every layer but Part 2.
const SIX: &str = r#"{
  "as_of": "2026-03-02",
  "jurisdiction": "US-CA",
  "organization_policy": "default",
  "discloser": { "role": "peer_support_specialist" },
  "client": { "age": 34, "status": "active", "part2_program": false },
  "recipient": { "kind": "treating_provider", "name": "Dr. Rivera", "same_organization": false },
  "purpose": "treatment",
  "categories": ["diagnosis", "medications", "progress_notes", "psychotherapy_notes", "hiv", "peer_support_notes"],
  "facts": { "client_present": true },
  "authorizations": [
    { "id": "auth-1", "kind": "hipaa", "signed_by": "client", "signed_on": "2026-01-10",
      "categories": ["diagnosis", "medications", "hiv"],
      "recipients": [{ "kind": "treating_provider", "name": "Dr. Rivera" }], "purposes": ["treatment"],
      "expires_on": "2026-12-31",
      "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true } },
    { "id": "auth-2", "kind": "hipaa", "signed_by": "client", "signed_on": "2026-01-10",
      "categories": ["psychotherapy_notes"],
      "recipients": [{ "kind": "treating_provider" }], "purposes": ["treatment"],
      "expires_on": "2027-01-31",
      "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true } },
    { "id": "auth-3", "kind": "hipaa", "signed_by": "client", "signed_on": "2024-01-10",
      "categories": ["progress_notes"],
      "recipients": [{ "kind": "treating_provider", "name": "Dr. Rivera" }], "purposes": ["treatment"],
      "expires_on": "2025-01-10",
      "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true } }
  ],
  "restrictions": []
}"#;

/// The Cedar request and entities the engine builds for the diagnosis
/// category of [`SINGLE`] (see src/engine.rs).
fn cedar_inputs() -> (cedar_policy::Request, Entities) {
    let uid = |ty: &str, id: &str| EntityUid::from_type_name_and_id(ty.parse::<EntityTypeName>().unwrap(), EntityId::new(id));
    let principal = uid("Discloser", "discloser");
    let resource = uid("Information", "diagnosis");
    let string = |s: &str| RestrictedExpression::new_string(s.to_string());
    let discloser =
        Entity::new(principal.clone(), HashMap::from([("role".to_string(), string("psychotherapist"))]), HashSet::new()).unwrap();
    let information = Entity::new(
        resource.clone(),
        HashMap::from([
            ("category".to_string(), string("diagnosis")),
            ("authorized".to_string(), RestrictedExpression::new_bool(false)),
            ("consented".to_string(), RestrictedExpression::new_bool(false)),
            ("restricted_agreed".to_string(), RestrictedExpression::new_bool(false)),
            ("restriction_requested".to_string(), RestrictedExpression::new_bool(false)),
        ]),
        HashSet::new(),
    )
    .unwrap();
    let entities = Entities::from_entities([discloser, information], None).unwrap();
    let record = |fields: Vec<(&str, RestrictedExpression)>| {
        RestrictedExpression::new_record(fields.into_iter().map(|(k, v)| (k.to_string(), v))).unwrap()
    };
    let facts = record(Fact::ALL.iter().map(|f| (f.as_str(), RestrictedExpression::new_bool(false))).collect());
    let context = Context::from_pairs([
        ("jurisdiction".to_string(), string("US")),
        ("purpose".to_string(), string("treatment")),
        ("reporting".to_string(), RestrictedExpression::new_bool(false)),
        ("warning".to_string(), RestrictedExpression::new_bool(false)),
        (
            "recipient".to_string(),
            record(vec![
                ("kind", string("treating_provider")),
                ("same_organization", RestrictedExpression::new_bool(false)),
                ("does_research", RestrictedExpression::new_bool(true)),
            ]),
        ),
        (
            "client".to_string(),
            record(vec![
                ("age", RestrictedExpression::new_long(34)),
                ("status", string("active")),
                ("part2_program", RestrictedExpression::new_bool(false)),
                ("lps_program", RestrictedExpression::new_bool(false)),
                ("years_since_death", RestrictedExpression::new_long(0)),
            ]),
        ),
        ("facts".to_string(), facts),
    ])
    .unwrap();
    let request = cedar_policy::Request::new(principal, uid("Action", "disclose"), resource, context, None).unwrap();
    (request, entities)
}

/// Varied requests: the single-category request over every purpose and
/// recipient kind, four categories, three sets of facts, federal and
/// California law, with and without the organization layer.
fn varied_requests() -> Vec<confidant_policy::Request> {
    use confidant_policy::Facts;
    use confidant_policy::vocab::{Category, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind};
    let base = parse_request(SINGLE).unwrap();
    let facts = [
        Facts::default(),
        Facts::with(&[Fact::ClientAgrees, Fact::ClientPresent]),
        Facts::with(&[Fact::SeriousImminentThreat, Fact::CourtOrder]),
    ];
    let mut out = Vec::new();
    for (n, (purpose, kind)) in Purpose::ALL.iter().flat_map(|p| RecipientKind::ALL.iter().map(move |k| (*p, *k))).enumerate() {
        for f in facts {
            for category in [Category::Diagnosis, Category::PsychotherapyNotes, Category::Medications, Category::Demographics] {
                let mut r = base.clone();
                r.purpose = purpose;
                r.recipient.kind = kind;
                r.facts = f;
                r.categories = vec![category];
                r.jurisdiction = if n % 2 == 0 { Jurisdiction::UsCa } else { Jurisdiction::Us };
                r.organization_policy = if n % 3 == 0 { OrganizationPolicy::None } else { OrganizationPolicy::Default };
                out.push(r);
            }
        }
    }
    // Every fifth: 1,152 requests, still over every purpose and kind.
    out.into_iter().step_by(5).collect()
}

/// The policies of one layer, taken from the engine's policy set.
fn layer_set(engine: &Engine, layer: Layer) -> PolicySet {
    let mut set = PolicySet::new();
    for policy in engine.catalog().policy_set().policies() {
        if engine.rule(policy.id().as_ref()).is_some_and(|r| r.layer == layer) {
            set.add(policy.clone()).unwrap();
        }
    }
    set
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new().expect("engine loads");
    let authorizer = Authorizer::new();
    let (cedar_request, entities) = cedar_inputs();
    let all = engine.catalog().policy_set();
    let hipaa = layer_set(&engine, Layer::Hipaa);

    // The bare call fires what the engine reports for the category.
    let response = authorizer.is_authorized(&cedar_request, all, &entities);
    assert!(response.diagnostics().errors().next().is_none());
    assert!(response.diagnostics().reason().any(|id| id.to_string() == "hipaa.treatment"));

    let single = parse_request(SINGLE).expect("single-category request parses");
    let six = parse_request(SIX).expect("six-category request parses");
    assert_eq!(engine.decide(&single).unwrap().decision.as_str(), "permit");
    assert_eq!(engine.decide(&six).unwrap().categories.len(), 6);

    let mut group = c.benchmark_group("cedar_bare");
    group.bench_function("all_policies", |b| {
        b.iter(|| authorizer.is_authorized(black_box(&cedar_request), black_box(all), black_box(&entities)))
    });
    group.bench_function("hipaa_pack", |b| {
        b.iter(|| authorizer.is_authorized(black_box(&cedar_request), black_box(&hipaa), black_box(&entities)))
    });
    group.finish();

    let mut group = c.benchmark_group("decide");
    group.bench_function("single_category", |b| b.iter(|| engine.decide(black_box(&single)).unwrap()));
    group.bench_function("single_category_uncached", |b| b.iter(|| engine.decide_uncached(black_box(&single)).unwrap()));
    group.bench_function("six_categories_three_authorizations", |b| b.iter(|| engine.decide(black_box(&six)).unwrap()));
    group.bench_function("six_categories_three_authorizations_uncached", |b| b.iter(|| engine.decide_uncached(black_box(&six)).unwrap()));
    group.bench_function("single_category_unindexed", |b| b.iter(|| engine.decide_unindexed(black_box(&single)).unwrap()));
    group.bench_function("six_categories_three_authorizations_unindexed", |b| b.iter(|| engine.decide_unindexed(black_box(&six)).unwrap()));
    group.finish();

    let varied = varied_requests();
    for r in &varied {
        assert_eq!(engine.decide_uncached(r).unwrap(), engine.decide_unindexed(r).unwrap());
    }
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Elements(varied.len() as u64));
    group.bench_function("varied_uncached", |b| {
        b.iter(|| varied.iter().map(|r| engine.decide_uncached(black_box(r)).unwrap().categories.len()).sum::<usize>())
    });
    group.bench_function("varied_unindexed", |b| {
        b.iter(|| varied.iter().map(|r| engine.decide_unindexed(black_box(r)).unwrap().categories.len()).sum::<usize>())
    });
    group.finish();

    let mut group = c.benchmark_group("catalog");
    group.sample_size(20);
    // Parse every pack, check every rule, validate strictly against the
    // schema, read the vocabulary, bands and purpose slices (issue 16's
    // budget for loading the built-in packs: under 50 ms).
    group.bench_function("load_builtin_packs", |b| b.iter(|| confidant_policy::Catalog::load().unwrap()));
    // Loading and then building the rule index, which the first decision
    // (or `Catalog::prepare`) does: what a catalog costs before it decides.
    group.bench_function("load_and_build_index", |b| {
        b.iter(|| {
            let catalog = confidant_policy::Catalog::load().unwrap();
            catalog.prepare();
            catalog
        })
    });
    // Same-run baseline: what Cedar alone spends on the same packs (parse
    // each file, gather one set, validate it strictly), the floor of any load.
    group.bench_function("cedar_parse_and_validate_baseline", |b| {
        b.iter(|| {
            let mut set = PolicySet::new();
            for (n, (_, _, text)) in confidant_policy::PACKS.iter().enumerate() {
                let file: PolicySet = text.parse().unwrap();
                for p in file.policies() {
                    set.add(p.new_id(cedar_policy::PolicyId::new(format!("{n}.{}", p.id())))).unwrap();
                }
            }
            let (schema, _) = cedar_policy::Schema::from_cedarschema_str(confidant_policy::SCHEMA).unwrap();
            let result = cedar_policy::Validator::new(schema).validate(&set, cedar_policy::ValidationMode::Strict);
            assert!(result.validation_passed());
            set
        })
    });
    group.finish();

    let mut group = c.benchmark_group("parse_and_decide");
    group.bench_function("single_category", |b| b.iter(|| engine.decide(&parse_request(black_box(SINGLE)).unwrap()).unwrap()));
    group.bench_function("single_category_uncached", |b| {
        b.iter(|| engine.decide_uncached(&parse_request(black_box(SINGLE)).unwrap()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
