//! The rule index changes nothing: for random valid requests, deciding with
//! the index (`Engine::decide_uncached`, and `Engine::decide` through the
//! memo) gives byte-identical decisions to evaluating every policy of every
//! applicable layer in Cedar (`Engine::decide_unindexed`), over the built-in
//! packs, each example pack of `examples/packs/` laid over them, and all of
//! them at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::sync::LazyLock;

use confidant_policy::packs::{PackFile, overlay};
use confidant_policy::vocab::{
    AuthorizationKind, Category, ClientStatus, Fact, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind, Role, Signer,
};
use confidant_policy::{
    Authorization, AuthorizedRecipient, Catalog, Client, Date, Discloser, Engine, Facts, Recipient, Request, Restriction, Statements,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

/// The pack files of one example directory.
fn example_pack(name: &str) -> Vec<PackFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/packs").join(name);
    let mut files: Vec<PackFile> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|x| x == "cedar"))
        .map(|path| PackFile {
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&path).unwrap(),
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

fn example_names() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/packs");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The built-in engine, one per example pack, and one with every example pack.
static ENGINES: LazyLock<Vec<(String, Engine)>> = LazyLock::new(|| {
    let load = |files: Vec<PackFile>| Engine::with_catalog(Catalog::from_files(&overlay(files)).unwrap()).unwrap();
    let mut engines = vec![("built-in".to_string(), Engine::new().unwrap())];
    let mut everything = Vec::new();
    for name in example_names() {
        let files = example_pack(&name);
        everything.extend(files.clone());
        engines.push((name, load(files)));
    }
    engines.push(("every example pack".to_string(), load(everything)));
    engines
});

#[test]
fn every_example_pack_is_compared() {
    assert!(ENGINES.len() >= 5, "{:?}", ENGINES.iter().map(|(n, _)| n).collect::<Vec<_>>());
}

fn date(days_after_2000: i64) -> Date {
    let mut d = Date::new(2000, 1, 1).unwrap();
    // Whole years, then days within the year's first 28 of a month: enough variety.
    let years = u16::try_from(days_after_2000 / 365).unwrap();
    let rest = days_after_2000 % 365;
    let month = u8::try_from(rest / 31 + 1).unwrap().min(12);
    let day = u8::try_from(rest % 28 + 1).unwrap();
    d = Date::new(2000 + years, month, day).unwrap_or(d);
    d
}

fn facts() -> impl Strategy<Value = Facts> {
    vec(proptest::bool::weighted(0.25), Fact::ALL.len()).prop_map(|bits| {
        let mut facts = Facts::default();
        for (fact, on) in Fact::ALL.iter().zip(bits) {
            facts.set(*fact, on);
        }
        facts
    })
}

/// Ages and years around every breakpoint the packs use, and anything else.
fn age() -> impl Strategy<Value = u8> {
    prop_oneof![select(&[0u8, 11, 12, 13, 14, 15, 16, 17, 18, 19, 64, 65, 66][..]), 0u8..=110]
}

fn authorization(categories: Vec<Category>, kind: RecipientKind, purpose: Purpose) -> impl Strategy<Value = Authorization> {
    let n = categories.len();
    (
        select(AuthorizationKind::ALL),
        prop_oneof![4 => select(Signer::ALL).prop_map(Some), 1 => Just(None)],
        prop_oneof![3 => subsequence(categories, 0..=n), 1 => subsequence(Category::ALL.to_vec(), 0..=3)],
        prop_oneof![3 => Just(kind), 1 => select(RecipientKind::ALL)],
        prop_oneof![3 => Just(purpose), 1 => select(Purpose::ALL)],
        proptest::bool::weighted(0.85),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(kind, signed_by, categories, recipient, purpose, current, revoked)| Authorization {
            id: String::new(),
            kind,
            signed_by,
            signed_on: Some(date(9_000)),
            categories,
            recipients: vec![AuthorizedRecipient { kind: recipient, name: None }],
            purposes: vec![purpose],
            expires_on: Some(if current { date(11_000) } else { date(9_100) }),
            expiry_event: None,
            revoked_on: revoked.then(|| date(9_500)),
            statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
        })
}

/// A valid request for an engine accepting `jurisdictions`.
fn request(jurisdictions: Vec<Jurisdiction>) -> impl Strategy<Value = Request> {
    let people = (
        select(jurisdictions),
        select(OrganizationPolicy::ALL),
        select(Role::ALL),
        proptest::option::weighted(0.3, any::<bool>()),
        age(),
        select(ClientStatus::ALL),
        prop_oneof![0i64..=3_000, 17_000i64..=20_000],
        proptest::bool::weighted(0.3),
        proptest::bool::weighted(0.3),
    );
    let situation = (
        select(RecipientKind::ALL),
        select(Purpose::ALL),
        proptest::bool::weighted(0.3),
        facts(),
        subsequence(Category::ALL.to_vec(), 1..=4).prop_shuffle(),
    );
    (people, situation)
        .prop_flat_map(|(people, (kind, purpose, same_organization, facts, categories))| {
            let auths = vec(authorization(categories.clone(), kind, purpose), 0..=2);
            let restrictions = vec((subsequence(categories.clone(), 0..=categories.len()), any::<bool>(), any::<bool>()), 0..=1);
            (Just((people, kind, purpose, same_organization, facts, categories)), auths, restrictions)
        })
        .prop_map(|((people, kind, purpose, same_organization, facts, categories), mut authorizations, restrictions)| {
            let (jurisdiction, organization_policy, role, mandated_reporter, age, status, died_ago, part2_program, lps_program) = people;
            for (i, a) in authorizations.iter_mut().enumerate() {
                a.id = format!("auth-{i}");
            }
            let as_of_days = 9_600;
            Request {
                as_of: date(as_of_days),
                jurisdiction,
                organization_policy,
                discloser: Discloser { role, mandated_reporter },
                client: Client {
                    age,
                    status,
                    died_on: (status == ClientStatus::Deceased).then(|| date(as_of_days - died_ago.min(as_of_days))),
                    part2_program,
                    lps_program,
                },
                recipient: Recipient { kind, name: None, same_organization },
                purpose,
                categories,
                facts,
                authorizations,
                restrictions: restrictions
                    .into_iter()
                    .map(|(categories, by_kind, agreed)| Restriction {
                        categories,
                        recipient_kinds: if by_kind { vec![kind] } else { Vec::new() },
                        purposes: Vec::new(),
                        agreed,
                    })
                    .collect(),
            }
        })
}

fn json(decision: &confidant_policy::Decision) -> String {
    serde_json::to_string(decision).unwrap()
}

/// One of the engines, and a request it accepts.
fn engine_and_request() -> impl Strategy<Value = (usize, Request)> {
    (0..ENGINES.len()).prop_flat_map(|i| (Just(i), request(ENGINES[i].1.catalog().jurisdictions().to_vec())))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn indexed_decisions_equal_full_evaluation_over_every_pack((which, r) in engine_and_request()) {
        let (name, engine) = &ENGINES[which];
        let full = engine.decide_unindexed(&r).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
        let indexed = engine.decide_uncached(&r).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
        let memo = engine.decide(&r).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
        prop_assert_eq!(json(&indexed), json(&full), "{}", name);
        prop_assert_eq!(json(&memo), json(&full), "{}", name);
    }
}
