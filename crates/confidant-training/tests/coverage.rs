//! Every rule a staff member should know is exercised by the bank: counted
//! from the decisions of the bank's own requests (the rules that fired, the
//! deciding ones among them), at least 95% of the catalog, and every rule of
//! California (CMIA, privilege, minors, HIV, LPS) and of 42 CFR Part 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;

use common::FIXTURE;

fn fired() -> BTreeSet<String> {
    FIXTURE.decisions.iter().flat_map(|d| d.rules.iter().map(|r| r.id.clone())).collect()
}

fn share(prefix: &str) -> (usize, usize, Vec<String>) {
    let fired = fired();
    let rules: Vec<&str> = FIXTURE.engine.rules().iter().map(|r| r.id.as_str()).filter(|id| id.starts_with(prefix)).collect();
    let missing: Vec<String> = rules.iter().filter(|id| !fired.contains(**id)).map(|id| id.to_string()).collect();
    (rules.len() - missing.len(), rules.len(), missing)
}

#[test]
fn the_bank_exercises_at_least_95_percent_of_the_rules() {
    let (covered, total, missing) = share("");
    println!("rules exercised: {covered} of {total}; not: {missing:?}");
    assert!(covered * 100 >= total * 95, "{covered} of {total} rules; missing {missing:?}");
}

#[test]
fn the_bank_exercises_every_california_rule() {
    let (covered, total, missing) = share("ca.");
    println!("California rules exercised: {covered} of {total}");
    assert!(total > 0 && missing.is_empty(), "California rules never exercised: {missing:?}");
}

#[test]
fn the_bank_exercises_every_part2_rule() {
    let (covered, total, missing) = share("part2.");
    println!("Part 2 rules exercised: {covered} of {total}");
    assert!(total > 0 && missing.is_empty(), "Part 2 rules never exercised: {missing:?}");
}

#[test]
fn most_rules_also_decide_some_key() {
    // The stricter count: rules a key's rationale names as deciding.
    let mut deciding = BTreeSet::new();
    for (q, d) in FIXTURE.bank.iter().zip(&FIXTURE.decisions) {
        for r in &d.rules {
            if q.rationales[q.key].contains(&format!("{} ({})", r.id, r.cite)) {
                deciding.insert(r.id.clone());
            }
        }
    }
    let total = FIXTURE.engine.rules().len();
    println!("rules deciding some key: {} of {total}", deciding.len());
    let undecided: Vec<&str> = FIXTURE.engine.rules().iter().map(|r| r.id.as_str()).filter(|id| !deciding.contains(*id)).collect();
    println!("rules deciding no key: {undecided:?}");
    assert!(deciding.len() * 100 >= total * 60, "{} of {total}", deciding.len());
}
