//! `/metrics` and `/readyz`: the exposition is parsed by the Prometheus
//! project's Python client (`prometheus_client`, its OpenMetrics and text
//! parsers: an implementation nobody here wrote) and counts what the test
//! did — decisions by outcome and layer with their latency, requests by
//! route template, a refused sign-in, an open break-glass grant, the audit
//! log's size; only loopback callers and overseers with the `audit` scope
//! read it; `/readyz` fails when the database or the audit log is not
//! available.
//!
//! Python: `CONFIDANT_TEST_PYTHON` (set by `scripts/test`, a venv with
//! `prometheus_client`), else `python3` when it has the package; without
//! either the parser test says so and stops.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use confidant_server::Config;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The Python to parse with, if one with `prometheus_client` is at hand.
fn python() -> Option<String> {
    let configured = std::env::var("CONFIDANT_TEST_PYTHON").ok().filter(|p| !p.is_empty());
    let candidate = configured.clone().unwrap_or_else(|| "python3".into());
    let works = Command::new(&candidate).args(["-c", "import prometheus_client"]).output().is_ok_and(|o| o.status.success());
    match (works, configured) {
        (true, _) => Some(candidate),
        (false, Some(p)) => panic!("CONFIDANT_TEST_PYTHON={p} cannot import prometheus_client"),
        (false, None) => None,
    }
}

fn parse(python: &str, text: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/parse_metrics.py");
    let mut child = Command::new(python).arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "prometheus_client refused the exposition: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The value of the sample named `name` whose labels include `labels`.
fn sample(parsed: &Value, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    parsed["samples"].as_array().unwrap().iter().find_map(|s| {
        let matches = s[0] == name && labels.iter().all(|(k, v)| s[1][k] == *v);
        matches.then(|| s[2].as_f64().unwrap())
    })
}

async fn scrape(server: &Server) -> String {
    let response = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/openmetrics-text; version=1.0.0"), "{content_type}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_parse_with_prometheus_client_and_count_what_happened() {
    let Some(python) = python() else {
        eprintln!("no Python with prometheus_client (scripts/test makes one): the exposition was not parsed");
        return;
    };
    let server = sqlite_server().await;
    let before = parse(&python, &scrape(&server).await);
    assert_eq!(sample(&before, "confidant_sign_in_failures_total", &[]), Some(0.0));
    assert_eq!(before["families"]["confidant_decision_seconds"], "histogram");

    // One decision on a request sent whole, one about a stored client.
    let (peer, csrf) = server.session(PEER).await;
    let request = serde_json::from_str::<Value>(include_str!("../../../examples/new-provider.json")).unwrap();
    let decided = peer.post(server.url("/v1/decisions")).header("x-csrf-token", &csrf).json(&request).send().await.unwrap();
    assert_eq!(decided.status(), StatusCode::OK);
    let outcome = decided.json::<Value>().await.unwrap()["decision"].as_str().unwrap().to_string();
    let mine = server.store.visible_clients(PEER).await.unwrap()[0].clone();
    let body = json!({ "to": "treating_provider", "purpose": "treatment", "categories": ["diagnosis"] });
    let about =
        peer.post(server.url(&format!("/v1/clients/{mine}/decisions"))).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
    assert_eq!(about.status(), StatusCode::OK);
    // A refused sign-in, and a break-glass grant left open.
    let refused = reqwest::Client::new()
        .post(server.url("/v1/session"))
        .json(&json!({ "username": PEER, "password": "not the password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let other = not_on_caseload(&server, PEER).await;
    let opened = peer
        .post(server.url(&format!("/v1/clients/{other}/break-glass")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "reason": "client in crisis at the drop-in; need emergency contact" }))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::CREATED);

    let after = parse(&python, &scrape(&server).await);
    let decisions: f64 =
        after["samples"].as_array().unwrap().iter().filter(|s| s[0] == "confidant_decisions_total").map(|s| s[2].as_f64().unwrap()).sum();
    assert_eq!(decisions, 2.0);
    assert!(sample(&after, "confidant_decisions_total", &[("outcome", &outcome)]).unwrap() >= 1.0);
    assert!(sample(&after, "confidant_decisions_by_layer_total", &[("layer", "hipaa")]).unwrap() >= 1.0);
    assert_eq!(sample(&after, "confidant_decision_seconds_count", &[]), Some(2.0));
    assert_eq!(sample(&after, "confidant_sign_in_failures_total", &[]), Some(1.0));
    assert_eq!(sample(&after, "confidant_break_glass_open", &[]), Some(1.0));
    // Requests are counted under the route's template, never the path sent.
    let templated = [("route", "/v1/clients/{id}/decisions"), ("method", "POST"), ("status", "200")];
    assert_eq!(sample(&after, "confidant_http_requests_total", &templated), Some(1.0));
    assert!(!after.to_string().contains(&mine), "a client id reached the metrics");
    let entries = sample(&after, "confidant_audit_log_entries", &[]).unwrap();
    let head = server.store.tree_head().await.unwrap().unwrap();
    assert_eq!(entries, head.head.size as f64);
    assert!(entries > sample(&before, "confidant_audit_log_entries", &[]).unwrap());
    assert!(sample(&after, "confidant_audit_checkpoint_age_seconds", &[]).unwrap() >= 0.0);
    assert!(sample(&after, "confidant_db_pool_max_connections", &[]).unwrap() >= 1.0);
    assert!(sample(&after, "confidant_db_pool_connections", &[("state", "idle")]).is_some());
    server.stop().await;
}

#[tokio::test]
async fn off_loopback_metrics_need_an_overseer_with_the_audit_scope() {
    let db = confidant_store::testing::test_databases().await.into_iter().next().unwrap();
    let config = Config { metrics_from_loopback: false, ..Config::default() };
    let server = Server::start_with(db, Options { config, ..Options::default() }).await;
    let (status, _) = problem(reqwest::get(server.url("/metrics")).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (peer, _) = server.session(PEER).await;
    let (status, _) = problem(peer.get(server.url("/metrics")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (officer, csrf) = server.session(OFFICER).await;
    assert_eq!(officer.get(server.url("/metrics")).send().await.unwrap().status(), StatusCode::OK);
    let mut tokens = Vec::new();
    for scopes in [json!(["read"]), json!(["audit"])] {
        let token: Value = officer
            .post(server.url("/v1/tokens"))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "name": "metrics", "scopes": scopes }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(format!("Bearer {}", token["token"].as_str().unwrap()));
    }
    let http = reqwest::Client::new();
    let (status, _) = problem(http.get(server.url("/metrics")).header("authorization", &tokens[0]).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a token without `audit`");
    assert_eq!(http.get(server.url("/metrics")).header("authorization", &tokens[1]).send().await.unwrap().status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn readyz_fails_when_the_database_is_gone() {
    let server = sqlite_server().await;
    assert_eq!(reqwest::get(server.url("/readyz")).await.unwrap().text().await.unwrap(), "ready");
    server.store.pool().close().await;
    let (status, body) = problem(reqwest::get(server.url("/readyz")).await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["detail"].as_str().unwrap().starts_with("database not ready"), "{body}");
    assert_eq!(reqwest::get(server.url("/healthz")).await.unwrap().status(), StatusCode::OK, "the process itself is alive");
}

#[tokio::test]
async fn readyz_fails_when_the_native_pool_of_the_hot_paths_is_gone() {
    let server = sqlite_server().await;
    assert_eq!(reqwest::get(server.url("/readyz")).await.unwrap().text().await.unwrap(), "ready");
    match server.store.native_pool() {
        confidant_store::NativePool::Sqlite(pool) => pool.close().await,
        confidant_store::NativePool::Postgres(pool) => pool.close().await,
    }
    let (status, body) = problem(reqwest::get(server.url("/readyz")).await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["detail"].as_str().unwrap().starts_with("database not ready"), "{body}");
}

#[tokio::test]
async fn readyz_fails_without_the_audit_signing_key() {
    use std::sync::Arc;
    let db = confidant_store::testing::test_databases().await.into_iter().next().unwrap();
    let ring = confidant_store::KeyRing::new(vec![confidant_store::crypto::Kek::generate("kek-1")]).unwrap();
    let store = Arc::new(confidant_store::Store::create(&db.url, ring).await.unwrap());
    let engine = Arc::new(confidant_policy::Engine::new().unwrap());
    let (state, _writer) = confidant_server::state(store, engine, Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = confidant_server::router(state);
    tokio::spawn(confidant_server::serve(listener, app, std::future::pending()));
    let (status, body) = problem(reqwest::get(format!("http://{addr}/readyz")).await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["detail"], "audit log not ready: no signing key is loaded");
}
