//! The typed fast path of request parsing (`parse_request_typed`) against the
//! `Value`-based validator (`request_from_value`): on structured random
//! requests and on mutated ones (unknown members, wrong types, values out of
//! range, duplicate keys, escaped member names, contract v1 and v2 fields),
//! both accept exactly the same texts and read the same request, and
//! `parse_request` (fast path, then the validator) answers exactly as the
//! validator alone, errors included. Every scenario's request is checked too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use confidant_policy::vocab::{AuthorizationKind, Category, ClientStatus, Fact, Purpose, RecipientKind, Role, Signer};
use confidant_policy::{Input, InputError, Request, parse_input, parse_request, parse_request_typed, request_from_value};
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use serde_json::Value;

/// A JSON value as written, duplicate keys and escaped names included.
#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    /// A number's text, as written.
    Num(&'static str),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(Name, J)>),
}

/// A member name; `escaped` writes its first character as a `\u` escape.
#[derive(Clone, Debug)]
struct Name {
    text: String,
    escaped: bool,
}

fn name(text: &str) -> Name {
    Name { text: text.to_string(), escaped: false }
}

fn write(j: &J, out: &mut String) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
        J::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(item, out);
            }
            out.push(']');
        }
        J::Obj(members) => {
            out.push('{');
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match key.text.chars().next() {
                    Some(first) if key.escaped => {
                        out.push_str(&format!("\"\\u{:04x}", u32::from(first)));
                        let rest = serde_json::to_string(&key.text[first.len_utf8()..]).unwrap();
                        out.push_str(&rest[1..]);
                    }
                    _ => out.push_str(&serde_json::to_string(&key.text).unwrap()),
                }
                out.push(':');
                write(value, out);
            }
            out.push('}');
        }
    }
}

fn text(j: &J) -> String {
    let mut out = String::new();
    write(j, &mut out);
    out
}

// ── Structured requests ──────────────────────────────────────────────────────

// Mostly values the contract accepts, so that most generated requests are
// valid; the mutations below break them.
const DATES: &[&str] = &["2026-03-02", "2026-03-01", "2020-02-29", "2019-12-31", "2025-06-30"];
const BAD_DATES: &[&str] = &["2027-01-01", "2021-02-29", "2026-3-2", "", "2026-02-30"];
const AGES: &[&str] = &["34", "0", "130", "16", "67", "12"];
const BAD_AGES: &[&str] = &["131", "-1", "-0", "30.0", "3e1", "256", "18446744073709551616", "1e400"];
const NAMES: &[&str] = &["Dr. Rivera", "dr.  RIVERA", "", "  ", "Zoë \"Z\" \\ Ng"];
const JURISDICTIONS: &[&str] = &["US", "US-CA", "US-NY"];
const BAD_JURISDICTIONS: &[&str] = &["US-XX", "us", "CA"];

/// A good value nine times in ten.
fn mostly(good: &'static [&'static str], bad: &'static [&'static str], as_number: bool) -> impl Strategy<Value = J> {
    let make = move |s: &'static str| if as_number { J::Num(s) } else { J::Str(s.to_string()) };
    prop_oneof![9 => select(good).prop_map(make), 1 => select(bad).prop_map(make)]
}

fn word<T: Copy + std::fmt::Debug + 'static>(all: &'static [T], as_str: fn(T) -> &'static str) -> impl Strategy<Value = J> {
    select(all).prop_map(move |v| J::Str(as_str(v).to_string()))
}

fn str_of(options: &'static [&'static str]) -> impl Strategy<Value = J> {
    select(options).prop_map(|s| J::Str(s.to_string()))
}

fn words<T: Copy + std::fmt::Debug + 'static>(all: &'static [T], as_str: fn(T) -> &'static str, max: usize) -> impl Strategy<Value = J> {
    subsequence(all, 0..=max.min(all.len()))
        .prop_shuffle()
        .prop_map(move |v| J::Arr(v.into_iter().map(|w| J::Str(as_str(w).to_string())).collect()))
}

/// A member that is present, present as null or absent.
fn maybe(key: &'static str, value: impl Strategy<Value = J>) -> impl Strategy<Value = Option<(Name, J)>> {
    prop_oneof![
        4 => value.prop_map(move |v| Some((name(key), v))),
        1 => Just(Some((name(key), J::Null))),
        2 => Just(None),
    ]
}

fn object(members: Vec<Option<(Name, J)>>) -> impl Strategy<Value = J> {
    Just(members.into_iter().flatten().collect::<Vec<_>>()).prop_shuffle().prop_map(J::Obj)
}

fn boolean() -> impl Strategy<Value = J> {
    any::<bool>().prop_map(J::Bool)
}

fn client() -> impl Strategy<Value = J> {
    (
        mostly(AGES, BAD_AGES, true),
        word(ClientStatus::ALL, ClientStatus::as_str),
        any::<u8>(),
        mostly(DATES, BAD_DATES, false),
        maybe("part2_program", boolean()),
        maybe("lps_program", boolean()),
    )
        .prop_flat_map(|(age, status, coin, died, part2, lps)| {
            // A death date with `deceased` (and, now and then, without it).
            let deceased = matches!(&status, J::Str(s) if s == "deceased");
            let died_on = (deceased != (coin % 10 == 0)).then(|| (name("died_on"), died));
            object(vec![Some((name("age"), age)), Some((name("status"), status)), died_on, part2, lps])
        })
}

fn authorization() -> impl Strategy<Value = J> {
    let recipient = (word(RecipientKind::ALL, RecipientKind::as_str), maybe("name", str_of(NAMES)))
        .prop_flat_map(|(kind, name_)| object(vec![Some((name("kind"), kind)), name_]));
    let statements = (maybe("right_to_revoke", boolean()), maybe("no_conditioning", boolean()), maybe("redisclosure", boolean()))
        .prop_flat_map(|(a, b, c)| object(vec![a, b, c]));
    (
        (mostly(&["auth-1", "auth-2", "auth-3", "a"], &[""], false), word(AuthorizationKind::ALL, AuthorizationKind::as_str)),
        (maybe("signed_by", word(Signer::ALL, Signer::as_str)), maybe("signed_on", mostly(DATES, BAD_DATES, false))),
        maybe("categories", words(Category::ALL, Category::as_str, 4)),
        maybe("recipients", proptest::collection::vec(recipient, 0..3).prop_map(J::Arr)),
        maybe("purposes", words(Purpose::ALL, Purpose::as_str, 3)),
        (
            maybe("expires_on", mostly(DATES, BAD_DATES, false)),
            maybe("expiry_event", str_of(&["end of treatment", "", " \t"])),
            maybe("revoked_on", mostly(DATES, BAD_DATES, false)),
        ),
        maybe("statements", statements),
    )
        .prop_flat_map(
            |((id, kind), (signed_by, signed_on), categories, recipients, purposes, (expires_on, event, revoked_on), statements)| {
                object(vec![
                    Some((name("id"), id)),
                    Some((name("kind"), kind)),
                    signed_by,
                    signed_on,
                    categories,
                    recipients,
                    purposes,
                    expires_on,
                    event,
                    revoked_on,
                    statements,
                ])
            },
        )
}

fn restriction() -> impl Strategy<Value = J> {
    (
        words(Category::ALL, Category::as_str, 3),
        words(RecipientKind::ALL, RecipientKind::as_str, 2),
        words(Purpose::ALL, Purpose::as_str, 2),
        maybe("agreed", boolean()),
    )
        .prop_flat_map(|(c, k, p, agreed)| {
            object(vec![Some((name("categories"), c)), Some((name("recipient_kinds"), k)), Some((name("purposes"), p)), agreed])
        })
}

fn facts() -> impl Strategy<Value = J> {
    proptest::collection::vec((select(Fact::ALL), any::<bool>()), 0..5)
        .prop_map(|facts| J::Obj(facts.into_iter().map(|(f, v)| (name(f.as_str()), J::Bool(v))).collect()))
}

/// The request's categories: non-empty nine times in ten.
fn categories() -> impl Strategy<Value = J> {
    prop_oneof![
        9 => subsequence(Category::ALL, 1..=4).prop_shuffle().prop_map(|v| J::Arr(v.into_iter().map(|c| J::Str(c.as_str().into())).collect())),
        1 => Just(J::Arr(vec![])),
    ]
}

/// Authorizations with distinct ids (the mutations make them collide).
fn distinct_ids(mut items: Vec<J>) -> J {
    for (i, item) in items.iter_mut().enumerate() {
        if let J::Obj(members) = item {
            for (key, value) in members.iter_mut() {
                if let (true, J::Str(id)) = (key.text == "id", value)
                    && !id.is_empty()
                {
                    *id = format!("{id}-{i}");
                }
            }
        }
    }
    J::Arr(items)
}

fn request() -> impl Strategy<Value = J> {
    let discloser = (maybe("role", word(Role::ALL, Role::as_str)), maybe("mandated_reporter", boolean()))
        .prop_flat_map(|(role, mandated)| object(vec![role, mandated]));
    let recipient = (word(RecipientKind::ALL, RecipientKind::as_str), maybe("name", str_of(NAMES)), maybe("same_organization", boolean()))
        .prop_flat_map(|(kind, n, same)| object(vec![Some((name("kind"), kind)), n, same]));
    (
        (
            mostly(&["2026-03-02", "2027-01-01"], BAD_DATES, false),
            mostly(JURISDICTIONS, BAD_JURISDICTIONS, false),
            maybe("organization_policy", str_of(&["default", "none"])),
        ),
        (maybe("discloser", discloser), client(), recipient),
        (word(Purpose::ALL, Purpose::as_str), categories(), maybe("facts", facts())),
        maybe("authorizations", proptest::collection::vec(authorization(), 0..4).prop_map(distinct_ids)),
        maybe("restrictions", proptest::collection::vec(restriction(), 0..3).prop_map(J::Arr)),
    )
        .prop_flat_map(
            |((as_of, jurisdiction, policy), (discloser, client, recipient), (purpose, categories, facts), auths, restrictions)| {
                object(vec![
                    Some((name("as_of"), as_of)),
                    Some((name("jurisdiction"), jurisdiction)),
                    policy,
                    discloser,
                    Some((name("client"), client)),
                    Some((name("recipient"), recipient)),
                    Some((name("purpose"), purpose)),
                    Some((name("categories"), categories)),
                    facts,
                    auths,
                    restrictions,
                ])
            },
        )
}

// ── Mutations ────────────────────────────────────────────────────────────────

/// A value put in place of another: every JSON kind, and words from every
/// vocabulary (right word, wrong place).
fn replacement() -> impl Strategy<Value = J> {
    prop_oneof![
        Just(J::Null),
        boolean(),
        select(AGES).prop_map(J::Num),
        select(BAD_AGES).prop_map(J::Num),
        str_of(DATES),
        str_of(BAD_DATES),
        str_of(NAMES),
        word(Category::ALL, Category::as_str),
        word(Purpose::ALL, Purpose::as_str),
        word(RecipientKind::ALL, RecipientKind::as_str),
        word(Fact::ALL, Fact::as_str),
        str_of(&["deceased", "active", "client", "hipaa", "ascmi", "US-CA", "default"]),
        Just(J::Arr(vec![])),
        Just(J::Arr(vec![J::Null, J::Num("1")])),
        Just(J::Obj(vec![])),
        Just(J::Obj(vec![(name("kind"), J::Str("client".into()))])),
    ]
}

#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the value at the chosen place.
    Replace(J),
    /// Add a member to the chosen object (an unknown one, or a known name
    /// again: a duplicate key).
    Add(Name, J),
    /// Repeat one of the chosen object's members after it, with another value.
    Duplicate(Index, J),
    /// Remove one member of the chosen object or element of the array.
    Remove(Index),
    /// Repeat an element of the chosen array.
    RepeatElement(Index),
    /// Write a member name of the chosen object with a `\u` escape.
    Escape(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let added = prop_oneof![
        select(
            &["zzz", "role", "age", "kind", "as_of", "categories", "facts", "name", "client_agrees", "lps_program", "Purpose", "a/b~c"][..]
        )
        .prop_map(name),
        select(Fact::ALL).prop_map(|f| name(f.as_str())),
    ];
    prop_oneof![
        3 => replacement().prop_map(Mutation::Replace),
        2 => (added, replacement()).prop_map(|(k, v)| Mutation::Add(k, v)),
        3 => (any::<Index>(), replacement()).prop_map(|(i, v)| Mutation::Duplicate(i, v)),
        2 => any::<Index>().prop_map(Mutation::Remove),
        1 => any::<Index>().prop_map(Mutation::RepeatElement),
        1 => any::<Index>().prop_map(Mutation::Escape),
    ]
}

/// Every place in the tree, as the child indices leading to it.
fn places(j: &J, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(here.clone());
    let children: Vec<&J> = match j {
        J::Arr(items) => items.iter().collect(),
        J::Obj(members) => members.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    };
    for (i, child) in children.into_iter().enumerate() {
        here.push(i);
        places(child, here, out);
        here.pop();
    }
}

fn at<'a>(j: &'a mut J, path: &[usize]) -> &'a mut J {
    match path.split_first() {
        None => j,
        Some((i, rest)) => match j {
            J::Arr(items) => at(&mut items[*i], rest),
            J::Obj(members) => at(&mut members[*i].1, rest),
            _ => unreachable!("places only lead into arrays and objects"),
        },
    }
}

fn mutate(mut j: J, mutations: &[(Index, Mutation)]) -> J {
    for (place, m) in mutations {
        let mut all = Vec::new();
        places(&j, &mut Vec::new(), &mut all);
        let target = at(&mut j, &all[place.index(all.len())]);
        match (m, target) {
            (Mutation::Replace(v), target) => *target = v.clone(),
            (Mutation::Add(k, v), J::Obj(members)) => members.push((k.clone(), v.clone())),
            (Mutation::Duplicate(i, v), J::Obj(members)) if !members.is_empty() => {
                let key = members[i.index(members.len())].0.clone();
                members.push((key, v.clone()));
            }
            (Mutation::Remove(i), J::Obj(members)) if !members.is_empty() => {
                members.remove(i.index(members.len()));
            }
            (Mutation::Remove(i), J::Arr(items)) if !items.is_empty() => {
                items.remove(i.index(items.len()));
            }
            (Mutation::RepeatElement(i), J::Arr(items)) if !items.is_empty() => {
                let item = items[i.index(items.len())].clone();
                items.push(item);
            }
            (Mutation::Escape(i), J::Obj(members)) if !members.is_empty() => {
                let n = i.index(members.len());
                members[n].0.escaped = true;
            }
            _ => {}
        }
    }
    j
}

// ── The two paths ────────────────────────────────────────────────────────────

/// The validator alone, as `parse_input` ran it before the fast path.
fn validator(text: &str) -> Result<Request, InputError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| InputError { pointer: String::new(), expected: format!("valid JSON ({e})") })?;
    match &value {
        Value::Object(_) => request_from_value(&value, ""),
        _ => Err(InputError { pointer: String::new(), expected: "an object".into() }),
    }
}

fn check_agreement(text: &str) -> Result<(), TestCaseError> {
    let typed = parse_request_typed(text);
    let validated = validator(text);
    match (&typed, &validated) {
        (Some(fast), Ok(slow)) => prop_assert_eq!(fast, slow, "the two paths read different requests from {}", text),
        (None, Err(_)) => {}
        (Some(_), Err(e)) => prop_assert!(false, "the fast path accepted what the validator refuses ({e}): {text}"),
        (None, Ok(_)) => prop_assert!(false, "the fast path refused what the validator accepts: {text}"),
    }
    // The combined parser answers as the validator alone, errors included
    // (a text opening with `[` is a batch, answered elsewhere).
    if text.trim_start().starts_with('[') {
        return Ok(());
    }
    if let (Err(combined), Err(alone)) = (parse_request(text), validated.as_ref()) {
        if alone.expected == "an object" {
            prop_assert!(combined.pointer.is_empty() && combined.expected.starts_with("a request object"), "{combined}");
        } else {
            prop_assert_eq!(&combined, alone);
        }
    } else {
        prop_assert_eq!(parse_request(text).ok(), validated.ok());
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn typed_and_value_paths_agree_on_structured_requests(request in request()) {
        check_agreement(&text(&request))?;
    }

    #[test]
    fn typed_and_value_paths_agree_on_mutated_requests(
        request in request(),
        mutations in proptest::collection::vec((any::<Index>(), mutation()), 1..4),
    ) {
        check_agreement(&text(&mutate(request, &mutations)))?;
    }

    #[test]
    fn typed_and_value_paths_agree_on_cut_requests(request in request(), cut in any::<Index>()) {
        // Truncated text: not JSON at all, refused by both.
        let full = text(&request);
        let mut end = cut.index(full.len());
        while !full.is_char_boundary(end) {
            end -= 1;
        }
        check_agreement(&full[..end])?;
    }
}

/// A few texts a generator reaches rarely, each checked both ways.
#[test]
fn typed_and_value_paths_agree_on_edge_texts() {
    let base = r#""as_of":"2026-03-02","jurisdiction":"US","client":{"age":34,"status":"active"},"recipient":{"kind":"client"},"purpose":"client_request","categories":["diagnosis"]"#;
    let texts = [
        format!("{{{base}}}"),
        format!(" \n{{{base}}}\n "),
        format!("{{{base}}} x"),
        format!("{{{base},\"as_of\":\"2026-03-05\"}}"),
        format!("{{\"as_of\":5,{base}}}"),
        format!("{{{base},\"as_of\":5}}"),
        format!("{{{base},\"client\":{{\"age\":\"x\"}}}}"),
        format!("{{\"client\":{{\"zzz\":[\"\\ud800\"]}},{base}}}"),
        format!("{{\"client\":{{\"zzz\":1e400}},{base}}}"),
        format!("{{\"client\":[34,\"active\"],{base}}}").replace(r#","client":{"age":34,"status":"active"}"#, ""),
        format!("{{{base},\"facts\":{{\"client_agrees\":true,\"client_agrees\":null}}}}"),
        format!("{{{base},\"facts\":{{\"client_agrees\":null,\"client_agrees\":true}}}}"),
        format!("{{{base},\"facts\":null,\"discloser\":null,\"authorizations\":null}}"),
        format!("{{{base},\"restrictions\":[{{\"categories\":[],\"recipient_kinds\":[],\"purposes\":[]}}]}}"),
        format!("{{{base},\"zzz\":{}}}", "[".repeat(200) + &"]".repeat(200)),
        format!("{{{base},\"zzz\":{}}}", "[".repeat(20) + &"]".repeat(20)),
        format!("{{{base},\"authorizations\":[{{\"id\":\"a\",\"kind\":\"hipaa\"}},{{\"id\":\"a\",\"kind\":\"hipaa\"}}]}}"),
        format!("{{{base},\"authorizations\":[{{\"id\":\"a\",\"kind\":\"hipaa\",\"expiry_event\":\" \"}}]}}"),
        "[]".to_string(),
        "null".to_string(),
        "\"request\"".to_string(),
        String::new(),
    ];
    for text in &texts {
        check_agreement(text).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(parse_request_typed(&texts[0]).is_some(), "the plain request takes the fast path");
    assert_eq!(parse_request_typed(&texts[3]).unwrap().as_of.to_string(), "2026-03-05", "the last duplicate counts");
}

/// Every scenario's request, one by one and as one batch, reads the same on
/// both paths.
#[test]
fn typed_and_value_paths_agree_on_every_scenario_request() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [
        root.join("../../../shared/scenarios"),
        root.join("../../../shared/scenarios/v2"),
        root.join("tests/scenarios/federal"),
        root.join("tests/scenarios/california"),
        root.join("tests/scenarios/independent"),
    ];
    let mut requests = Vec::new();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let scenario: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                if let Some(request) = scenario.get("request") {
                    requests.push(request.to_string());
                }
            }
        }
    }
    assert!(requests.len() > 300, "scenarios found: {}", requests.len());
    let mut fast = 0;
    for text in &requests {
        check_agreement(text).unwrap_or_else(|e| panic!("{e}"));
        fast += usize::from(parse_request_typed(text).is_some());
    }
    assert!(fast * 10 > requests.len() * 8, "most scenario requests are valid and take the fast path: {fast} of {}", requests.len());
    let valid: Vec<&String> = requests.iter().filter(|t| validator(t).is_ok()).collect();
    let batch = format!("[{}]", valid.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","));
    let Ok(Input::Batch(parsed)) = parse_input(&batch) else { panic!("the batch of valid requests parses") };
    let expected: Vec<Request> = valid.iter().map(|t| validator(t).unwrap()).collect();
    assert_eq!(parsed, expected);
}
