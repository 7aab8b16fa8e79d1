//! Reloading rule packs on a running server: atomic under load, audited,
//! refused packs keep the current rules, and the privacy officer sees the
//! pack's tests and the recorded decisions a reload would change.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use std::sync::Arc;

use confidant_policy::Engine;
use confidant_store::testing::test_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The rule set a reload alternates to: the built-in packs plus one
/// organization rule, so its `rules_version` differs.
fn alternate_engine(n: usize) -> Result<Engine, String> {
    use confidant_policy::packs::{PackFile, overlay};
    let extra = "@id(\"org.reload_probe\")\n@cite(\"org:reload_probe\")\n@effect(\"obligate\")\n@obligations(\"document_rationale\")\n@summary(\"S.\")\npermit (principal, action == Action::\"disclose\", resource) when { context.purpose == \"marketing\" };";
    let files =
        if n.is_multiple_of(2) { overlay(Vec::new()) } else { overlay(vec![PackFile { name: "probe.cedar".into(), text: extra.into() }]) };
    confidant_policy::Catalog::from_files(&files)
        .and_then(|c| Engine::with_catalog(c).map_err(|e| confidant_policy::CatalogError::Cedar(e.to_string())))
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn reloading_rule_packs_under_load_switches_atomically_and_is_audited() {
    let turns = Arc::new(std::sync::atomic::AtomicUsize::new(1));
    let counter = turns.clone();
    let reloader: confidant_server::Reloader =
        Arc::new(move || alternate_engine(counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
    let server =
        Server::start_with(test_databases().await.into_iter().next().unwrap(), Options { reloader: Some(reloader), ..Options::default() })
            .await;
    let versions =
        [alternate_engine(0).unwrap().catalog().version().to_string(), alternate_engine(1).unwrap().catalog().version().to_string()];
    let request = serde_json::from_str::<Value>(include_str!("../../../examples/new-provider.json")).unwrap();

    let mut load = Vec::new();
    for _ in 0..6 {
        let (peer, csrf) = server.session(PEER).await;
        let (url, request) = (server.url("/v1/decisions"), request.clone());
        load.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..40 {
                let response = peer.post(&url).header("x-csrf-token", &csrf).json(&request).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                let decision: Value = response.json().await.unwrap();
                seen.push(decision["rules_version"].as_str().unwrap().to_string());
            }
            seen
        }));
    }
    let (officer, csrf) = server.session(OFFICER).await;
    for _ in 0..6 {
        let response = officer.post(server.url("/v1/rules/reload")).header("x-csrf-token", &csrf).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    for task in load {
        for version in task.await.unwrap() {
            assert!(versions.contains(&version), "a decision came from a rule set that was never loaded: {version}");
        }
    }
    // The peer cannot reload.
    let (peer, peer_csrf) = server.session(PEER).await;
    assert_eq!(
        peer.post(server.url("/v1/rules/reload")).header("x-csrf-token", &peer_csrf).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let filter =
        confidant_store::AuditFilter { kind: Some(confidant_store::AuditKind::RulesReloaded), with_details: true, ..Default::default() };
    let switches = server.store.audit_entries(&filter).await.unwrap();
    assert_eq!(switches.len(), 6);
    for entry in &switches {
        let details = entry.details.as_ref().unwrap();
        assert_ne!(details["old_rules_version"], details["new_rules_version"]);
        assert_eq!(entry.actor.as_deref(), Some(OFFICER));
    }
    server.stop().await;
}

#[tokio::test]
async fn a_refused_pack_keeps_the_current_rules() {
    let reloader: confidant_server::Reloader = Arc::new(|| Err("organization.cedar:3:1: a rule has no `@cite` annotation".to_string()));
    let server =
        Server::start_with(test_databases().await.into_iter().next().unwrap(), Options { reloader: Some(reloader), ..Options::default() })
            .await;
    let (officer, csrf) = server.session(OFFICER).await;
    let (status, body) = problem(officer.post(server.url("/v1/rules/reload")).header("x-csrf-token", &csrf).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["detail"].as_str().unwrap().contains("organization.cedar:3:1"), "{body}");
    let request = serde_json::from_str::<Value>(include_str!("../../../examples/new-provider.json")).unwrap();
    let decision: Value =
        officer.post(server.url("/v1/decisions")).header("x-csrf-token", &csrf).json(&request).send().await.unwrap().json().await.unwrap();
    assert_eq!(decision["rules_version"].as_str(), Some(Engine::new().unwrap().catalog().version()));
    server.stop().await;
}

/// The built-in packs without one organization rule.
fn without_rule(id: &str) -> Result<Engine, String> {
    use confidant_policy::packs::{PackFile, builtin_files, overlay};
    let org = builtin_files().into_iter().find(|f| f.name == "organization.cedar").unwrap();
    let start = org.text.find(&format!("@id(\"{id}\")")).unwrap();
    let end = start + org.text[start..].find("};").unwrap() + 2;
    let text = format!("{}{}", &org.text[..start], &org.text[end..]);
    let files = overlay(vec![PackFile { name: org.name, text }]);
    confidant_policy::Catalog::from_files(&files)
        .and_then(|c| Engine::with_catalog(c).map_err(|e| confidant_policy::CatalogError::Cedar(e.to_string())))
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_reload_shows_the_privacy_officer_the_packs_tests_and_the_recorded_decisions_it_changes() {
    let reloader: confidant_server::Reloader = Arc::new(|| without_rule("org.outside_needs_agreement"));
    // The pack's own scenario: a referral without the client's agreement is withheld.
    let scenario = confidant_policy::scenario::Scenario {
        name: "referral-needs-agreement.json".into(),
        request: json!({
            "as_of": "2026-06-01", "jurisdiction": "US", "client": { "age": 40, "status": "active" },
            "recipient": { "kind": "treating_provider", "name": "Dr. Rivera" }, "purpose": "treatment", "categories": ["diagnosis"]
        }),
        expect: json!({ "decision": "deny" }),
    };
    let tester: confidant_server::PackTester =
        Arc::new(move |engine| Some(confidant_server::PackTests::run(engine, std::slice::from_ref(&scenario))));
    let server = Server::start_with(
        test_databases().await.into_iter().next().unwrap(),
        Options { reloader: Some(reloader), tester: Some(tester), ..Options::default() },
    )
    .await;
    let (officer, csrf) = server.session(OFFICER).await;
    let status: Value = officer.get(server.url("/v1/rules/status")).send().await.unwrap().json().await.unwrap();
    assert_eq!((status["source"].as_str(), status["tests"]["passed"].as_u64()), (Some("test packs"), Some(1)), "{status}");

    // A recorded decision the new rules will change.
    let (therapist, therapist_csrf) = server.session(THERAPIST).await;
    let client = server.store.visible_clients(THERAPIST).await.unwrap()[0].clone();
    let body = json!({ "to": "treating_provider", "recipient_name": "Dr. Rivera", "purpose": "treatment", "categories": ["diagnosis"] });
    let before: Value = therapist
        .post(server.url(&format!("/v1/clients/{client}/decisions")))
        .header("x-csrf-token", &therapist_csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(before["decision"], "deny", "{before}");

    assert_eq!(officer.post(server.url("/v1/rules/reload")).header("x-csrf-token", &csrf).send().await.unwrap().status(), StatusCode::OK);
    let status: Value = officer.get(server.url("/v1/rules/status")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["tests"]["failures"].as_array().unwrap().len(), 1, "the pack's scenario now fails: {status}");
    let reload = &status["last_reload"];
    assert!(reload["replayed"].as_u64().unwrap() >= 1, "{status}");
    let changes = reload["changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["category"] == "diagnosis"
            && c["old_outcome"] == "deny"
            && c["new_outcome"] == "permit"
            && c["old_rules"].as_array().unwrap().iter().any(|r| r == "org.outside_needs_agreement")),
        "{status}"
    );
    // The console shows the same to the privacy officer, and not to a peer.
    let page = officer.get(server.url("/console/rules")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Rule packs in use") && page.contains("1 failed") && page.contains("org.outside_needs_agreement"),
        "{page:.2000}"
    );
    let (peer, _) = server.session(PEER).await;
    let page = peer.get(server.url("/console/rules")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Rule packs in use"));
    let (status, _) = problem(peer.get(server.url("/v1/rules/status")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    server.stop().await;
}
