//! The bank and each question's decision, generated once per test binary.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;

use confidant_policy::{Decision, Engine, parse_request};
use confidant_training::{Question, generate_bank};

pub struct Fixture {
    pub engine: Engine,
    pub bank: Vec<Question>,
    /// The decision for each question, re-decided from its stored request JSON.
    pub decisions: Vec<Decision>,
}

pub static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let engine = Engine::new().expect("engine loads");
    let bank = generate_bank(&engine).expect("the bank generates");
    let decisions = bank
        .iter()
        .map(|q| engine.decide_uncached(&parse_request(&q.request.to_string()).expect("stored request parses")).expect("decides"))
        .collect();
    Fixture { engine, bank, decisions }
});

/// The outcome a question's key stands for: `partial` when its request
/// releases some categories and withholds others.
pub fn key_outcome(d: &Decision) -> &'static str {
    d.decision.as_str()
}
