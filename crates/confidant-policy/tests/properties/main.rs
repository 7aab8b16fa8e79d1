//! Properties over generated requests: the layer precedence, monotonicity in
//! authorizations, the contract's invariants on every decision, the JSON
//! round trip of the parser, and bad input reported at the corrupted field.
//!
//! Requests are built directly as [`Request`] values (valid by construction)
//! and biased toward recipient/purpose pairs and authorizations that match,
//! so most cases reach a rule other than the default deny.
//!
//! One test binary in modules: `dates` and `strategies` generate,
//! `helpers` read decisions and check the invariants, and `decision`,
//! `part2_process`, `remedies` and `bad_input` hold the properties.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod bad_input;
mod dates;
mod decision;
mod helpers;
mod part2_process;
mod remedies;
mod strategies;

use dates::*;
use helpers::*;
use strategies::*;

use std::collections::BTreeSet;
use std::sync::LazyLock;

use confidant_policy::authorization::ASCMI_PURPOSES;
use confidant_policy::vocab::{
    AuthorizationKind, Category, ClientStatus, Fact, Jurisdiction, Layer, ObligationKind, OrganizationPolicy, Outcome, OverallDecision,
    Purpose, RecipientKind, RemedyKind, Role, Signer,
};
use confidant_policy::{
    Authorization, AuthorizedRecipient, Client, Date, Decision, Discloser, Engine, Facts, Recipient, Request, Restriction, Statements,
    parse_request,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value, json};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::new().expect("engine loads"));

fn config() -> ProptestConfig {
    // No regression files: a failure prints the minimized request, which is
    // what goes into a scenario or a unit test.
    ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() }
}
