//! Every option explains itself from the engine's decision: the key's
//! rationale names the deciding rule with its cite, each distractor's claim
//! is one the engine contradicts and its rationale names a rule that fired.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::FIXTURE;
use confidant_policy::Decision;

/// The rules of the decision that a text names as `id (cite)`.
fn named_rules<'a>(text: &str, decision: &'a Decision) -> Vec<&'a str> {
    decision.rules.iter().filter(|r| text.contains(&format!("{} ({})", r.id, r.cite))).map(|r| r.id.as_str()).collect()
}

#[test]
fn every_rationale_is_present_and_names_a_rule_that_fired_with_its_cite() {
    for (q, d) in FIXTURE.bank.iter().zip(&FIXTURE.decisions) {
        for (i, rationale) in q.rationales.iter().enumerate() {
            assert!(!rationale.trim().is_empty(), "{}: option {i} has no rationale", q.id);
            assert!(!named_rules(rationale, d).is_empty(), "{}: option {i}'s rationale cites no rule: {rationale}", q.id);
        }
    }
}

#[test]
fn the_keys_rationale_names_the_rule_that_decided_the_asked_category() {
    for (q, d) in FIXTURE.bank.iter().zip(&FIXTURE.decisions) {
        let rationale = &q.rationales[q.key];
        assert!(rationale.starts_with("Right."), "{}: {rationale}", q.id);
        for category in std::iter::once(q.category).chain(q.second_category) {
            let asked = d.categories.iter().find(|c| c.category == category).unwrap();
            let deciding = named_rules(rationale, d).into_iter().any(|id| d.rules.iter().any(|r| r.id == id && r.cited_in(&asked.cites)));
            assert!(deciding, "{}: the key's rationale names no rule the decision cites for {category}: {rationale}", q.id);
        }
    }
}

#[test]
fn every_distractor_is_contradicted_by_the_engine_and_says_so() {
    for (q, d) in FIXTURE.bank.iter().zip(&FIXTURE.decisions) {
        for (i, claim) in q.claims.iter().enumerate().filter(|(i, _)| *i != q.key) {
            assert!(!claim.holds(d, q.category), "{}: option {i} ({}) is also right", q.id, q.options[i]);
            assert!(q.rationales[i].starts_with("Wrong"), "{}: {}", q.id, q.rationales[i]);
        }
    }
}

#[test]
fn a_withheld_keys_rationale_says_what_would_open_it() {
    for (q, d) in FIXTURE.bank.iter().zip(&FIXTURE.decisions) {
        let asked = d.categories.iter().find(|c| c.category == q.category).unwrap();
        if asked.outcome.as_str() == "deny" && q.second_category.is_none() {
            let r = &q.rationales[q.key];
            assert!(r.contains("What would open it") || r.contains("Nothing the engine can check"), "{}: {r}", q.id);
        }
    }
}
