//! The generated bank against the engine: every key is the engine's current
//! decision (re-run from the stored request JSON, as `confidant check` would),
//! ids and stems are unique, options distinct, exactly one option correct,
//! every topic covered, keys spread over the outcomes; flashcards are
//! complete and cited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, HashSet};

use common::{FIXTURE, key_outcome};
use confidant_policy::{Engine, parse_request};
use confidant_training::{Topic, check_question, flashcards, generate_bank};

#[test]
fn every_key_is_the_engines_current_decision_rerun_from_the_stored_request() {
    // A fresh engine and the request re-parsed from its JSON text, so nothing
    // from generation (the memo, the builder) is reused.
    let fresh = Engine::new().unwrap();
    for (q, decision) in FIXTURE.bank.iter().zip(&FIXTURE.decisions) {
        assert!(q.claims[q.key].holds(decision, q.category), "{}: key `{}` is not the engine's decision", q.id, q.options[q.key]);
        assert!(check_question(&fresh, q).unwrap(), "{}", q.id);
        let request = parse_request(&serde_json::to_string(&q.request).unwrap()).unwrap();
        assert_eq!(&fresh.decide_uncached(&request).unwrap(), decision);
    }
}

#[test]
fn exactly_one_option_is_correct_and_options_are_distinct() {
    for (q, decision) in FIXTURE.bank.iter().zip(&FIXTURE.decisions) {
        let correct: Vec<usize> = (0..q.options.len()).filter(|&i| q.claims[i].holds(decision, q.category)).collect();
        assert_eq!(correct, vec![q.key], "{}: {:?}", q.id, q.options);
        let distinct: HashSet<&String> = q.options.iter().collect();
        assert_eq!(distinct.len(), q.options.len(), "{}: repeated option", q.id);
        assert!((3..=4).contains(&q.options.len()), "{}", q.id);
        assert_eq!(q.claims.len(), q.options.len());
        assert_eq!(q.rationales.len(), q.options.len());
    }
}

#[test]
fn questions_are_unique_by_id_by_stem_and_by_request() {
    let bank = &FIXTURE.bank;
    let ids: HashSet<&str> = bank.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids.len(), bank.len());
    let stems: HashSet<&str> = bank.iter().map(|q| q.stem.as_str()).collect();
    assert_eq!(stems.len(), bank.len(), "two questions share a stem");
    let requests: HashSet<String> = bank.iter().map(|q| q.request.to_string()).collect();
    assert_eq!(requests.len(), bank.len(), "two questions share a request");
}

#[test]
fn ids_and_option_orders_are_stable_across_regeneration() {
    let again = generate_bank(&Engine::new().unwrap()).unwrap();
    assert_eq!(FIXTURE.bank, again);
}

#[test]
fn the_bank_covers_every_topic_and_spreads_keys_over_the_outcomes() {
    let bank = &FIXTURE.bank;
    assert!(bank.len() >= 200, "{} questions", bank.len());
    for topic in Topic::ALL {
        let n = bank.iter().filter(|q| q.topic == *topic).count();
        assert!(n >= 8, "{topic}: {n} questions");
    }
    let mut by_outcome: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &FIXTURE.decisions {
        *by_outcome.entry(key_outcome(d)).or_default() += 1;
    }
    println!("keys by outcome: {by_outcome:?} of {}", bank.len());
    for outcome in ["required", "permit", "deny", "partial"] {
        let n = by_outcome.get(outcome).copied().unwrap_or(0);
        assert!(n > 0, "no key is {outcome}");
        assert!(n * 100 <= bank.len() * 40, "{outcome} is the key of {n} of {} questions (over 40%)", bank.len());
    }
}

#[test]
fn every_question_has_a_hint_an_explanation_naming_fired_rules_and_cites() {
    for q in &FIXTURE.bank {
        assert!(!q.hint.is_empty(), "{}", q.id);
        assert!(q.explanation.contains("Rules that fired: "), "{}", q.id);
        assert!(!q.cites.is_empty(), "{}", q.id);
    }
}

#[test]
fn questions_serialize_with_their_rationales() {
    let q = &FIXTURE.bank[0];
    let v = serde_json::to_value(q).unwrap();
    assert_eq!(v["rationales"].as_array().map(Vec::len), Some(q.options.len()));
    assert!(v["claims"][q.key]["kind"].is_string());
}

#[test]
fn flashcards_cover_the_concepts_with_unique_ids_and_cites() {
    let cards = flashcards();
    assert!(cards.len() >= 14);
    let ids: HashSet<&str> = cards.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), cards.len());
    for c in &cards {
        assert!(!c.cites.is_empty() && !c.front.is_empty() && !c.back.is_empty(), "{}", c.id);
    }
    for concept in [
        "privilege",
        "minimum",
        "need to know",
        "psychotherapy notes",
        "mandated reporting",
        "duty to protect",
        "part 2",
        "authorization",
        "accounting",
        "restrict",
        "consent",
        "confidentiality",
        "end",
        "why",
    ] {
        assert!(cards.iter().any(|c| c.front.to_lowercase().contains(concept)), "no card on {concept}");
    }
}

#[test]
fn conceptual_questions_cover_what_why_privilege_and_after_the_relationship() {
    let concepts: Vec<_> = FIXTURE.bank.iter().filter(|q| q.template == "concept.statement").collect();
    assert!(concepts.len() >= 5);
    for needle in ["fact that they are a client", "trust and safety", "privilege here", "still holds", "fifty years", "like their chart"] {
        assert!(
            concepts.iter().any(|q| q.options[q.key].contains(needle) || q.options.iter().any(|o| o.contains(needle))),
            "no conceptual question on `{needle}`"
        );
    }
    for q in concepts {
        assert!(q.explanation.contains("Concept ("), "{}: not tied to a flashcard", q.id);
    }
}
