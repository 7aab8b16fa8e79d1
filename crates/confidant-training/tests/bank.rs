//! The generated bank against the engine: every key is the engine's current
//! decision (re-run from the stored request JSON, as `confidant check` would),
//! ids and stems are unique, options distinct, exactly one option correct,
//! every topic covered; flashcards are complete and cited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashSet;

use confidant_policy::{Engine, parse_request};
use confidant_training::{Topic, check_question, flashcards, generate_bank};

#[test]
fn every_key_is_the_engines_current_decision_rerun_from_the_stored_request() {
    let engine = Engine::new().unwrap();
    let bank = generate_bank(&engine).unwrap();
    // A fresh engine and the request re-parsed from its JSON text, so nothing
    // from generation (the memo, the builder) is reused.
    let fresh = Engine::new().unwrap();
    for q in &bank {
        let text = serde_json::to_string(&q.request).unwrap();
        let request = parse_request(&text).unwrap();
        let decision = fresh.decide_uncached(&request).unwrap();
        assert!(q.claims[q.key].holds(&decision, q.category), "{}: key `{}` is not the engine's decision", q.id, q.options[q.key]);
        assert!(check_question(&fresh, q).unwrap(), "{}", q.id);
    }
}

#[test]
fn exactly_one_option_is_correct_and_options_are_distinct() {
    let engine = Engine::new().unwrap();
    for q in generate_bank(&engine).unwrap() {
        let request = parse_request(&q.request.to_string()).unwrap();
        let decision = engine.decide(&request).unwrap();
        let correct: Vec<usize> = (0..q.options.len()).filter(|&i| q.claims[i].holds(&decision, q.category)).collect();
        assert_eq!(correct, vec![q.key], "{}: {:?}", q.id, q.options);
        let distinct: HashSet<&String> = q.options.iter().collect();
        assert_eq!(distinct.len(), q.options.len(), "{}: repeated option", q.id);
        assert!((3..=4).contains(&q.options.len()), "{}", q.id);
        assert_eq!(q.claims.len(), q.options.len());
    }
}

#[test]
fn questions_are_unique_by_id_and_by_stem() {
    let engine = Engine::new().unwrap();
    let bank = generate_bank(&engine).unwrap();
    let ids: HashSet<&str> = bank.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(ids.len(), bank.len());
    let stems: HashSet<&str> = bank.iter().map(|q| q.stem.as_str()).collect();
    assert_eq!(stems.len(), bank.len(), "two questions share a stem");
    let requests: HashSet<String> = bank.iter().map(|q| q.request.to_string()).collect();
    assert_eq!(requests.len(), bank.len(), "two questions share a request");
}

#[test]
fn ids_are_stable_across_regeneration() {
    let a = generate_bank(&Engine::new().unwrap()).unwrap();
    let b = generate_bank(&Engine::new().unwrap()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn the_bank_covers_every_topic_with_every_outcome_and_at_least_eighty_questions() {
    let engine = Engine::new().unwrap();
    let bank = generate_bank(&engine).unwrap();
    assert!(bank.len() >= 80, "{} questions", bank.len());
    for topic in Topic::ALL {
        let n = bank.iter().filter(|q| q.topic == *topic).count();
        assert!(n >= 4, "{topic}: {n} questions");
    }
    for outcome in ["required", "permit", "deny"] {
        assert!(bank.iter().any(|q| q.claims[q.key].outcome.as_str() == outcome), "no key is {outcome}");
    }
    // The key is not always in the same place.
    let positions: HashSet<usize> = bank.iter().map(|q| q.key).collect();
    assert!(positions.len() >= 3);
}

#[test]
fn every_question_has_a_hint_an_explanation_naming_fired_rules_and_cites() {
    let engine = Engine::new().unwrap();
    for q in generate_bank(&engine).unwrap() {
        assert!(!q.hint.is_empty(), "{}", q.id);
        assert!(q.explanation.contains("Rules that fired: "), "{}", q.id);
        assert!(!q.cites.is_empty(), "{}", q.id);
        for cite in &q.cites {
            assert!(q.explanation.contains(cite.as_str()), "{}: {cite}", q.id);
        }
    }
}

#[test]
fn flashcards_cover_the_concepts_with_unique_ids_and_cites() {
    let cards = flashcards();
    assert!(cards.len() >= 13);
    let ids: HashSet<&str> = cards.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), cards.len());
    for c in &cards {
        assert!(!c.cites.is_empty() && !c.front.is_empty() && !c.back.is_empty(), "{}", c.id);
    }
    for concept in ["privilege", "minimum", "need to know", "psychotherapy notes", "mandated reporting", "duty to protect", "part 2", "authorization", "accounting", "restrict", "consent", "confidentiality", "end"] {
        assert!(cards.iter().any(|c| c.front.to_lowercase().contains(concept)), "no card on {concept}");
    }
}
