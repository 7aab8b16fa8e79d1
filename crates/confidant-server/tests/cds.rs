//! CDS Hooks over real HTTP: discovery is public, the service needs a token
//! with the `decisions` scope, each outcome comes back as cards with the
//! console link, need-to-know holds, the call is audited as a decision, and
//! bad context is a 400 naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{THERAPIST, not_on_caseload, problem, sqlite_server};
use confidant_store::{AuditFilter, AuditKind};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn call(patient: &str, kind: &str, purpose: &str, class: &[&str]) -> Value {
    json!({
        "hook": "patient-consent-consult",
        "hookInstance": "1b2a6f0e-5c1d-4f7e-9c44-3f1a2b3c4d5e",
        "context": { "patientId": patient, "recipient": { "kind": kind }, "purposeOfUse": [purpose], "class": class },
    })
}

#[tokio::test]
async fn the_disclosure_check_answers_each_outcome_as_cards_for_token_holders_only() {
    let server = sqlite_server().await;
    let http = reqwest::Client::new();

    // Discovery names the service and no client; no credentials needed.
    let discovery: Value = http.get(server.url("/cds-services")).send().await.unwrap().json().await.unwrap();
    assert_eq!(discovery["services"][0]["id"], "confidant-disclosure-check");
    assert_eq!(discovery["services"][0]["hook"], "patient-consent-consult");

    // A client on the therapist's caseload outside any Part 2 program.
    let mut client = None;
    for id in server.store.visible_clients(THERAPIST).await.unwrap() {
        if !server.store.client(&id).await.unwrap().part2_program {
            client = Some(id);
            break;
        }
    }
    let client = client.expect("a non-Part 2 client on the therapist's caseload");
    let service = server.url("/cds-services/confidant-disclosure-check");

    let (status, _) =
        problem(http.post(&service).json(&call(&client, "treating_provider", "TREAT", &["diagnosis"])).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the service is authenticated like the API");

    let bearer = server.bearer(THERAPIST, &["decisions"]).await;
    let ask = |body: Value| http.post(&service).header("authorization", &bearer).json(&body).send();

    // Permit: treatment with another provider (45 CFR 164.506(c)(2)), the
    // client agreeing (the organization's own policy asks for that).
    let mut agreed = call(&client, "treating_provider", "TREAT", &["diagnosis"]);
    agreed["context"]["facts"] = json!(["client_agrees"]);
    let permit: Value = ask(agreed).await.unwrap().json().await.unwrap();
    assert_eq!(permit["cards"][0]["indicator"], "info", "{permit}");
    assert_eq!(permit["cards"][0]["source"]["topic"]["code"], "permit", "{permit}");
    let link = permit["cards"][0]["links"][0]["url"].as_str().unwrap();
    assert!(link.ends_with(&format!("/console/clients/{client}")), "{link}");
    assert!(permit["cards"][0]["detail"].as_str().unwrap().contains("164.506"), "{permit}");

    // Deny: psychotherapy notes to a health plan, with what would make it lawful.
    let deny: Value = ask(call(&client, "health_plan", "HPAYMT", &["PSYTHPN"])).await.unwrap().json().await.unwrap();
    assert_eq!(deny["cards"][0]["indicator"], "critical", "{deny}");
    assert!(deny["cards"].as_array().unwrap().len() >= 2, "a remedy card follows: {deny}");

    // Required: the client asking for their own diagnosis (164.524).
    let required: Value = ask(call(&client, "client", "PATRQT", &["diagnosis"])).await.unwrap().json().await.unwrap();
    assert_eq!(required["cards"][0]["source"]["topic"]["code"], "required", "{required}");

    // Need-to-know holds: a client off the caseload is refused like an unknown one.
    let other = not_on_caseload(&server, THERAPIST).await;
    let (status, _) = problem(ask(call(&other, "treating_provider", "TREAT", &["diagnosis"])).await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad context: 400, naming the field.
    let mut no_class = call(&client, "treating_provider", "TREAT", &[]);
    no_class["context"].as_object_mut().unwrap().remove("class");
    let (status, body) = problem(ask(no_class).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().starts_with("context.class:"), "{body}");
    let (status, body) = problem(ask(call(&client, "a_stranger", "TREAT", &["diagnosis"])).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().contains("to:"), "the recipient kind is named: {body}");

    server.stop().await;
}

#[tokio::test]
async fn each_answered_call_is_audited_as_a_decision_about_that_client() {
    let server = sqlite_server().await;
    let client = server.store.visible_clients(THERAPIST).await.unwrap()[0].clone();
    let bearer = server.bearer(THERAPIST, &["decisions"]).await;
    let before =
        server.store.audit_entries(&AuditFilter { kind: Some(AuditKind::Decision), ..AuditFilter::default() }).await.unwrap().len();
    let answered = reqwest::Client::new()
        .post(server.url("/cds-services/confidant-disclosure-check"))
        .header("authorization", &bearer)
        .json(&call(&client, "treating_provider", "treatment", &["progress_notes"]))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    let store = server.store.clone();
    // Kept until the end: dropping it deletes the SQLite file under the store.
    let _db = server.stop().await;
    let decisions = store.audit_entries(&AuditFilter { kind: Some(AuditKind::Decision), ..AuditFilter::default() }).await.unwrap();
    assert_eq!(decisions.len(), before + 1);
    assert_eq!(decisions.last().unwrap().client_id.as_deref(), Some(client.as_str()));
    assert_eq!(decisions.last().unwrap().actor.as_deref(), Some(THERAPIST));
}
