//! Test-wise strategies must not pass the bank: picking the longest option,
//! the shortest, the option opening like the most common answers, or always
//! the same position each stays at or below 40% accuracy, and the options of
//! a question are close in length.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::HashMap;

use common::FIXTURE;
use confidant_training::Question;

const LIMIT: f64 = 0.40;

fn accuracy(pick: impl Fn(&Question) -> Option<usize>) -> f64 {
    let bank = &FIXTURE.bank;
    let right = bank.iter().filter(|q| pick(q) == Some(q.key)).count();
    right as f64 / bank.len() as f64
}

fn len(text: &str) -> usize {
    text.chars().count()
}

/// An option's opening words, the "answer stem" a test-wise learner keys on.
fn opening(text: &str) -> String {
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ").to_lowercase()
}

fn check(name: &str, acc: f64) {
    println!("{name}: {:.1}%", acc * 100.0);
    assert!(acc <= LIMIT, "{name} finds the key in {:.1}% of questions", acc * 100.0);
}

#[test]
fn picking_the_longest_option_does_not_pass() {
    check("longest", accuracy(|q| (0..q.options.len()).rev().max_by_key(|&i| len(&q.options[i]))));
}

#[test]
fn picking_the_shortest_option_does_not_pass() {
    check("shortest", accuracy(|q| (0..q.options.len()).min_by_key(|&i| len(&q.options[i]))));
}

#[test]
fn picking_the_most_common_answer_opening_does_not_pass() {
    // The learner knows, from the whole bank, how often each opening is the
    // answer, and picks the option whose opening is the answer most often.
    let mut as_key: HashMap<String, usize> = HashMap::new();
    for q in &FIXTURE.bank {
        *as_key.entry(opening(&q.options[q.key])).or_default() += 1;
    }
    let score = |text: &str| as_key.get(&opening(text)).copied().unwrap_or(0);
    check("most common answer opening", accuracy(|q| (0..q.options.len()).rev().max_by_key(|&i| score(&q.options[i]))));
    let top = as_key.iter().max_by_key(|(_, n)| **n).map(|(s, _)| s.clone()).unwrap();
    check(&format!("always `{top}`"), accuracy(|q| q.options.iter().position(|o| opening(o) == top)));
}

#[test]
fn no_fixed_position_passes() {
    for position in 0..4 {
        check(&format!("position {}", position + 1), accuracy(|_| Some(position)));
    }
}

#[test]
fn options_of_a_question_are_close_in_length() {
    let mut worst: f64 = 1.0;
    for q in &FIXTURE.bank {
        let lens: Vec<usize> = q.options.iter().map(|o| len(o)).collect();
        let ratio = *lens.iter().max().unwrap() as f64 / *lens.iter().min().unwrap() as f64;
        worst = worst.max(ratio);
        assert!(ratio <= 1.5, "{}: option lengths {lens:?}", q.id);
    }
    println!("widest longest/shortest ratio: {worst:.2}");
}
