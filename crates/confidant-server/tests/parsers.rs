//! Property test of the request parsers over real HTTP: any body (random
//! JSON, a valid body with one field replaced by anything, random bytes) and
//! any path segment sent to the API's routes gets an answer that is never a
//! 500, and every refusal is an RFC 9457 problem with a `detail`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "[ -~]{0,40}".prop_map(Value::String),
        "\\PC{0,20}".prop_map(Value::String),
        Just(json!("x".repeat(5_000))),
        Just(json!("2026-02-30")),
        Just(json!("treating_provider")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Valid bodies of the API's writes, to mutate one field at a time.
fn valid_bodies() -> Vec<(&'static str, Value)> {
    vec![
        ("/v1/clients/{id}/decisions", json!({ "to": "treating_provider", "purpose": "treatment", "categories": ["diagnosis"] })),
        (
            "/v1/clients/{id}/disclosures",
            json!({ "to": "public_health_authority", "purpose": "public_health", "categories": ["diagnosis"] }),
        ),
        ("/v1/clients/{id}/records", json!({ "category": "progress_notes", "content": "seen today" })),
        (
            "/v1/clients/{id}/authorizations",
            json!({ "kind": "hipaa", "signed_by": "client", "signed_on": "2026-01-05", "categories": ["diagnosis"], "recipients": [{ "kind": "employer" }], "purposes": ["employment"], "expires_on": "2027-01-01", "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }),
        ),
        ("/v1/clients/{id}/restrictions", json!({ "categories": ["diagnosis"], "agreed": false })),
        (
            "/v1/clients/{id}/ascmi",
            json!({ "signed_by": "client", "signed_on": "2026-01-05", "expires_on": "2027-01-01", "expiry_event": null, "right_to_revoke": true, "no_conditioning": true, "redisclosure": true, "partners": [{ "name": "Valley Clinic", "kind": "treating_provider", "categories": ["diagnosis"], "purposes": ["treatment"] }] }),
        ),
        ("/v1/clients/{id}/break-glass", json!({ "reason": "client in crisis at the desk" })),
        ("/v1/clients", json!({ "name": "Test Person", "age": 40 })),
        (
            "/v1/decisions",
            json!({ "client": { "age": 30, "status": "active", "part2_program": false }, "discloser": { "role": "psychotherapist" }, "recipient": { "kind": "treating_provider" }, "purpose": "treatment", "categories": ["diagnosis"] }),
        ),
        ("/v1/tokens", json!({ "name": "t", "scopes": ["read"] })),
        ("/v1/training/answers", json!({ "question": "q-1", "answer": 0 })),
    ]
}

#[derive(Debug, Clone)]
enum Probe {
    /// A valid body with one of its fields replaced by anything.
    Mutated { route: usize, field: usize, value: Value },
    /// Any JSON to any route.
    Json { route: usize, body: Value },
    /// Bytes that may not be JSON at all.
    Bytes { route: usize, body: Vec<u8> },
    /// Any path segment where an id goes.
    Path { segment: String, suffix: usize },
}

fn probe() -> impl Strategy<Value = Probe> {
    let n = valid_bodies().len();
    prop_oneof![
        (0..n, 0usize..8, any_json()).prop_map(|(route, field, value)| Probe::Mutated { route, field, value }),
        (0..n, 0usize..8, any_json()).prop_map(|(route, field, value)| Probe::Mutated { route, field, value }),
        (0..n, any_json()).prop_map(|(route, body)| Probe::Json { route, body }),
        (0..n, proptest::collection::vec(any::<u8>(), 0..200)).prop_map(|(route, body)| Probe::Bytes { route, body }),
        ("[ -~]{0,80}|\\PC{1,10}", 0usize..7).prop_map(|(segment, suffix)| Probe::Path { segment, suffix }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_body_or_path_makes_the_server_fail_and_every_refusal_is_a_problem() {
    let server = sqlite_server().await;
    let (session, csrf) = server.session(THERAPIST).await;
    let made: Value = session
        .post(server.url("/v1/tokens"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "fuzz", "scopes": ["decisions", "read", "write", "audit"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", made["token"].as_str().unwrap());
    let client = server.store.visible_clients(THERAPIST).await.unwrap()[0].clone();
    let bodies = valid_bodies();
    let http = reqwest::Client::new();
    let handle = tokio::runtime::Handle::current();
    // The ASCMI body is valid as listed, so its mutations reach every field's check.
    let (path, ascmi) = bodies.iter().find(|(p, _)| p.ends_with("/ascmi")).unwrap();
    let filed = http.post(server.url(&path.replace("{id}", &client))).header("authorization", &bearer).json(ascmi).send().await.unwrap();
    assert_eq!(filed.status(), StatusCode::CREATED, "{}", filed.text().await.unwrap());

    let mut runner = TestRunner::new(RunnerConfig { cases: 300, failure_persistence: None, ..RunnerConfig::default() });
    let result = tokio::task::block_in_place(|| {
        runner.run(&probe(), |probe| {
            let request = match &probe {
                Probe::Mutated { route, field, value } => {
                    let (path, mut body) = bodies[*route].clone();
                    let keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
                    body[keys[field % keys.len()].as_str()] = value.clone();
                    http.post(server.url(&path.replace("{id}", &client))).json(&body)
                }
                Probe::Json { route, body } => http.post(server.url(&bodies[*route].0.replace("{id}", &client))).json(body),
                Probe::Bytes { route, body } => http
                    .post(server.url(&bodies[*route].0.replace("{id}", &client)))
                    .header("content-type", "application/json")
                    .body(body.clone()),
                Probe::Path { segment, suffix } => {
                    let segment: String = form_urlencoded::byte_serialize(segment.as_bytes()).collect();
                    let tail = ["", "/records", "/authorizations", "/accounting", "/disclosures", "/restrictions", "/ascmi"][*suffix];
                    http.get(server.url(&format!("/v1/clients/{segment}{tail}")))
                }
            };
            let (status, content_type, body) = handle.block_on(async {
                let response = request.header("authorization", &bearer).send().await.unwrap();
                let status = response.status();
                let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
                (status, content_type, response.bytes().await.unwrap())
            });
            prop_assert!(status != StatusCode::INTERNAL_SERVER_ERROR, "{probe:?} → 500: {}", String::from_utf8_lossy(&body));
            if status.is_client_error() || status.is_server_error() {
                prop_assert_eq!(content_type.as_str(), "application/problem+json", "{:?} → {}", probe, status);
                let problem: Value = serde_json::from_slice(&body).unwrap();
                prop_assert!(problem["detail"].is_string() && problem["status"] == status.as_u16(), "{problem}");
            }
            Ok(())
        })
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    server.stop().await;
}
