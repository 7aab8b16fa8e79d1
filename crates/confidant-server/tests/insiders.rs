//! Security round 2: the attacks a black-box probe made from inside the
//! organization, each with its own staff sign-in, replayed over real HTTP.
//! Each test is named after the attack it stops. Where storage decides the
//! outcome, the test runs on SQLite and on PostgreSQL (when configured).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use confidant_policy::vocab::Category;
use confidant_store::testing::test_databases;
use confidant_store::{AuditFilter, AuditKind, Clock};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ADMIN: &str = "st-admin-1";
const CASE_MANAGER: &str = "st-case-manager-1";

async fn post(client: &reqwest::Client, csrf: &str, url: String, body: Value) -> reqwest::Response {
    client.post(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap()
}

/// A client on `staff`'s caseload that has psychotherapy notes written by
/// someone other than `staff`.
async fn client_with_others_notes(server: &Server, staff: &str) -> String {
    for id in server.store.visible_clients(staff).await.unwrap() {
        let records = server.store.records(&id, false).await.unwrap();
        if records.iter().any(|r| r.category == Category::PsychotherapyNotes && r.author_id != staff) {
            return id;
        }
    }
    panic!("the demo has no client of {staff} with another's notes");
}

fn notes_authorization() -> Value {
    json!({
        "kind": "hipaa", "signed_by": "client", "signed_on": "2026-01-05",
        "categories": ["psychotherapy_notes"],
        "recipients": [{ "kind": "treating_provider", "name": "Dr. Rivera" }],
        "purposes": ["treatment"], "expires_on": "2030-01-01",
        "right_to_revoke": true, "no_conditioning": true, "redisclosure": true
    })
}

fn notes_release() -> Value {
    json!({ "to": "treating_provider", "recipient_name": "Dr. Rivera", "same_organization": true, "purpose": "treatment", "categories": ["psychotherapy_notes"] })
}

async fn audit(server: &Server, kind: AuditKind) -> Vec<confidant_store::AuditEntry> {
    server.store.audit_entries(&AuditFilter { kind: Some(kind), with_details: true, ..AuditFilter::default() }).await.unwrap()
}

// ── 1. releases cannot exceed what the releaser may read ─────────────────

#[tokio::test]
async fn a_peer_cannot_release_another_clinicians_psychotherapy_notes_with_a_self_entered_authorization() {
    for db in test_databases().await {
        let server = Server::start(db).await;
        let (peer, csrf) = server.session(PEER).await;
        let client = client_with_others_notes(&server, PEER).await;
        let before = server.store.authorizations(&client).await.unwrap().len();
        // The probe's first step: a notes authorization "signed by the client", entered by the peer.
        let (status, body) =
            problem(post(&peer, &csrf, server.url(&format!("/v1/clients/{client}/authorizations")), notes_authorization()).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["detail"].as_str().unwrap().starts_with("categories:"), "{body}");
        assert_eq!(server.store.authorizations(&client).await.unwrap().len(), before, "nothing filed");

        // Even with a valid notes authorization on file (entered by the
        // privacy officer, no signed form attached), the peer sends no note.
        let (officer, officer_csrf) = server.session(OFFICER).await;
        post(
            &officer,
            &officer_csrf,
            server.url(&format!("/v1/clients/{client}/break-glass")),
            json!({ "reason": "filing the client's signed notes authorization" }),
        )
        .await;
        let filed = post(&officer, &officer_csrf, server.url(&format!("/v1/clients/{client}/authorizations")), notes_authorization()).await;
        assert_eq!(filed.status(), StatusCode::CREATED);
        let (status, body) =
            problem(post(&peer, &csrf, server.url(&format!("/v1/clients/{client}/disclosures")), notes_release()).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(server.store.disclosures(&client).await.unwrap().is_empty(), "{}: nothing released or recorded", server.base);
        server.stop().await;
    }
}

#[tokio::test]
async fn an_authorization_for_notes_or_part2_names_who_entered_it_and_waits_for_the_privacy_officer() {
    for db in test_databases().await {
        let server = Server::start(db).await;
        let (therapist, csrf) = server.session(THERAPIST).await;
        let client = server.store.visible_clients(THERAPIST).await.unwrap()[0].clone();
        let filed: Value = post(&therapist, &csrf, server.url(&format!("/v1/clients/{client}/authorizations")), notes_authorization())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(filed["awaiting_review"], true, "{filed}");
        let id = filed["id"].as_str().unwrap().to_string();
        let listed: Value =
            therapist.get(server.url(&format!("/v1/clients/{client}/authorizations"))).send().await.unwrap().json().await.unwrap();
        let entry = listed.as_array().unwrap().iter().find(|a| a["id"] == id.as_str()).unwrap().clone();
        assert_eq!(
            (entry["entered_by"].as_str(), entry["has_document"].as_bool(), entry["awaiting_review"].as_bool()),
            (Some(THERAPIST), Some(false), Some(true))
        );

        // Only the privacy officer sees and clears the queue.
        let (status, _) = problem(therapist.get(server.url("/v1/authorizations/review")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (admin, _) = server.session(ADMIN).await;
        let (status, _) = problem(admin.get(server.url("/v1/authorizations/review")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the admin is not the privacy officer");
        let (officer, officer_csrf) = server.session(OFFICER).await;
        let queue: Value = officer.get(server.url("/v1/authorizations/review")).send().await.unwrap().json().await.unwrap();
        assert!(queue.as_array().unwrap().iter().any(|q| q["id"] == id.as_str() && q["entered_by"] == THERAPIST), "{queue}");
        let reviewed = officer
            .post(server.url(&format!("/v1/authorizations/{id}/review")))
            .header("x-csrf-token", &officer_csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(reviewed.status(), StatusCode::NO_CONTENT);
        let queue: Value = officer.get(server.url("/v1/authorizations/review")).send().await.unwrap().json().await.unwrap();
        assert!(!queue.as_array().unwrap().iter().any(|q| q["id"] == id.as_str()));
        server.stop().await;
    }
}

// ── 2. the record of a disclosure tells the truth ────────────────────────

#[tokio::test]
async fn a_release_cannot_be_backdated_or_dated_ahead() {
    for db in test_databases().await {
        let clock = Clock::fixed(0);
        clock.set_day(confidant_policy::Date::parse("2026-06-15").unwrap());
        let server = Server::start_with(db, Options { clock: Some(clock), ..Options::default() }).await;
        let (therapist, csrf) = server.session(THERAPIST).await;
        let client = server.store.visible_clients(THERAPIST).await.unwrap()[0].clone();
        let share = |as_of: Option<&str>| {
            let mut body = json!({ "to": "public_health_authority", "recipient_name": "County Health", "purpose": "public_health", "categories": ["diagnosis"] });
            if let Some(day) = as_of {
                body["as_of"] = json!(day);
            }
            body
        };
        for day in ["2019-01-01", "2099-12-31"] {
            let (status, body) =
                problem(post(&therapist, &csrf, server.url(&format!("/v1/clients/{client}/disclosures")), share(Some(day))).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(body["detail"].as_str().unwrap().starts_with("as_of:"), "{body}");
        }
        assert!(server.store.disclosures(&client).await.unwrap().is_empty());
        let made: Value =
            post(&therapist, &csrf, server.url(&format!("/v1/clients/{client}/disclosures")), share(None)).await.json().await.unwrap();
        assert_eq!(made["package"]["disclosed_on"], "2026-06-15", "{made}");
        // What-if questions keep their date.
        let what_if = post(&therapist, &csrf, server.url(&format!("/v1/clients/{client}/decisions")), share(Some("2019-01-01"))).await;
        assert_eq!(what_if.status(), StatusCode::OK);
        server.stop().await;
    }
}

// ── 3. no self-granted access ────────────────────────────────────────────

#[tokio::test]
async fn nobody_adds_themselves_to_a_caseload_or_a_care_team() {
    for db in test_databases().await {
        let server = Server::start(db).await;
        let (admin, csrf) = server.session(ADMIN).await;
        let target = server.store.list_clients().await.unwrap()[0].id.clone();
        let (status, body) =
            problem(post(&admin, &csrf, server.url(&format!("/v1/clients/{target}/caseload")), json!({ "staff_id": ADMIN })).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, _) =
            problem(post(&admin, &csrf, server.url("/v1/teams/team-adult/members"), json!({ "staff_id": ADMIN })).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(!server.store.on_caseload(ADMIN, &target).await.unwrap(), "the admin still cannot see the client");
        let (manager, manager_csrf) = server.session(CASE_MANAGER).await;
        let own = server.store.visible_clients(CASE_MANAGER).await.unwrap()[0].clone();
        let (status, _) = problem(
            post(&manager, &manager_csrf, server.url(&format!("/v1/clients/{own}/caseload")), json!({ "staff_id": CASE_MANAGER })).await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Assigning someone else works and is in the log, naming actor and target.
        let done = post(&admin, &csrf, server.url(&format!("/v1/clients/{target}/caseload")), json!({ "staff_id": PEER })).await;
        assert_eq!(done.status(), StatusCode::NO_CONTENT);
        let changes = audit(&server, AuditKind::CaseloadAssigned).await;
        assert!(changes.iter().any(|e| e.actor.as_deref() == Some(ADMIN)
            && e.client_id.as_deref() == Some(target.as_str())
            && e.details.as_ref().unwrap()["staff"] == PEER));
        let denied = audit(&server, AuditKind::AccessDenied).await;
        assert!(denied.iter().filter(|e| e.details.as_ref().unwrap()["self_grant"] == true).count() >= 3);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_death_or_discharge_is_recorded_by_a_clinician_and_corrected_only_by_the_privacy_officer() {
    for db in test_databases().await {
        let server = Server::start(db).await;
        let client = shared_client(&server, PEER, THERAPIST).await;
        let (peer, csrf) = server.session(PEER).await;
        let (status, _) = problem(post(&peer, &csrf, server.url(&format!("/v1/clients/{client}/death")), json!({})).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a caseload member who is not a clinician");
        let (therapist, therapist_csrf) = server.session(THERAPIST).await;
        let (status, _) = problem(
            post(&therapist, &therapist_csrf, server.url(&format!("/v1/clients/{client}/death")), json!({ "on": "2099-01-01" })).await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not in the future");
        let status = post(&therapist, &therapist_csrf, server.url(&format!("/v1/clients/{client}/discharge")), json!({})).await.status();
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(server.store.client(&client).await.unwrap().status.as_str(), "discharged");
        // A mistaken discharge: the therapist cannot undo it; the privacy officer corrects it, in the log.
        let (status, _) = problem(
            post(
                &therapist,
                &therapist_csrf,
                server.url(&format!("/v1/clients/{client}/status-corrections")),
                json!({ "reason": "discharged the wrong client" }),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (officer, officer_csrf) = server.session(OFFICER).await;
        let status = post(
            &officer,
            &officer_csrf,
            server.url(&format!("/v1/clients/{client}/status-corrections")),
            json!({ "reason": "discharged the wrong client" }),
        )
        .await
        .status();
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(server.store.client(&client).await.unwrap().status.as_str(), "active");
        let changed = audit(&server, AuditKind::ClientChanged).await;
        assert!(changed.iter().any(|e| e.actor.as_deref() == Some(OFFICER)
            && e.details.as_ref().unwrap()["correction"] == true
            && e.details.as_ref().unwrap()["before"]["status"] == "discharged"));
        server.stop().await;
    }
}

/// A client on both staff members' caseloads or teams.
async fn shared_client(server: &Server, a: &str, b: &str) -> String {
    let of_b = server.store.visible_clients(b).await.unwrap();
    server.store.visible_clients(a).await.unwrap().into_iter().find(|id| of_b.contains(id)).expect("no shared client in the demo")
}

// ── 4. need-to-know on lists ─────────────────────────────────────────────

#[tokio::test]
async fn the_admin_and_the_privacy_officer_list_only_their_own_caseload_and_the_directory_says_nothing_more() {
    let server = sqlite_server().await;
    for staff in [ADMIN, OFFICER] {
        let (who, _) = server.session(staff).await;
        let listed: Value = who.get(server.url("/v1/clients")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), server.store.visible_clients(staff).await.unwrap().len(), "{staff}");
        let some = server.store.list_clients().await.unwrap()[0].id.clone();
        let (status, _) = problem(who.get(server.url(&format!("/v1/clients/{some}"))).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{staff} opens a chart only through break-glass");
        let directory: Value = who.get(server.url("/v1/directory")).send().await.unwrap().json().await.unwrap();
        let first = directory.as_array().unwrap()[0].as_object().unwrap();
        let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "name", "team"], "no contact, notes, birth date or Part 2 flag");
    }
    let (peer, _) = server.session(PEER).await;
    let (status, _) = problem(peer.get(server.url("/v1/directory")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn a_law_enforcement_suspension_is_hidden_from_everyone_but_the_privacy_officer() {
    for db in test_databases().await {
        let server = Server::start(db).await;
        let client = server.store.visible_clients(THERAPIST).await.unwrap()[0].clone();
        let (officer, csrf) = server.session(OFFICER).await;
        let made = post(
            &officer,
            &csrf,
            server.url(&format!("/v1/clients/{client}/accounting/suspensions")),
            json!({
                "agency": "law_enforcement", "agency_name": "City Police", "statement": "an accounting would impede the investigation",
                "until": "2030-01-01", "written": true
            }),
        )
        .await;
        assert_eq!(made.status(), StatusCode::CREATED);
        let (admin, admin_csrf) = server.session(ADMIN).await;
        let (status, _) = problem(
            post(
                &admin,
                &admin_csrf,
                server.url(&format!("/v1/clients/{client}/accounting/suspensions")),
                json!({
                    "agency": "law_enforcement", "statement": "x", "until": "2030-01-01", "written": true
                }),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "the admin cannot suspend");
        let seen: Value = officer.get(server.url(&format!("/v1/clients/{client}/accounting"))).send().await.unwrap().json().await.unwrap();
        assert!(seen.to_string().contains("City Police"), "{seen}");
        let (therapist, _) = server.session(THERAPIST).await;
        let seen: Value =
            therapist.get(server.url(&format!("/v1/clients/{client}/accounting"))).send().await.unwrap().json().await.unwrap();
        assert!(!seen.to_string().contains("City Police") && !seen.to_string().contains("investigation"), "{seen}");
        let page =
            therapist.get(server.url(&format!("/v1/clients/{client}/accounting?format=html"))).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains("City Police"));
        let (status, _) = problem(admin.get(server.url(&format!("/v1/clients/{client}/accounting"))).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the admin reads no accounting without need-to-know");
        server.stop().await;
    }
}

#[tokio::test]
async fn an_oversized_or_odd_id_is_refused_before_it_reaches_the_log() {
    let server = sqlite_server().await;
    let (peer, csrf) = server.session(PEER).await;
    let size = || async { server.store.tree_head().await.unwrap().map_or(0, |h| h.head.size) };
    let before = size().await;
    let long = "x".repeat(60_000);
    for path in [format!("/v1/clients/{long}"), format!("/v1/clients/{long}/records"), "/v1/clients/%3Cscript%3E".to_string()] {
        let (status, body) = problem(peer.get(server.url(&path)).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path:.40}");
        assert!(body.to_string().len() < 400, "the refusal does not echo the id");
    }
    let (admin, admin_csrf) = server.session(ADMIN).await;
    let client = server.store.list_clients().await.unwrap()[0].id.clone();
    let (status, _) =
        problem(post(&admin, &admin_csrf, server.url(&format!("/v1/clients/{client}/caseload")), json!({ "staff_id": long })).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Free text that goes into the log is bounded too.
    let (status, body) =
        problem(post(&peer, &csrf, server.url(&format!("/v1/clients/{client}/break-glass")), json!({ "reason": long })).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["detail"].as_str().unwrap().starts_with("reason:"), "{body}");
    // The admin's sign-in was logged; nothing else.
    assert_eq!(size().await, before + 1);
    let entries = server.store.audit_entries(&AuditFilter { with_details: true, ..AuditFilter::default() }).await.unwrap();
    assert!(entries.iter().all(|e| e.details.as_ref().is_none_or(|d| d.to_string().len() < 2_000)));
    server.stop().await;
}

// ── 5. tokens and accounts ───────────────────────────────────────────────

async fn token(server: &Server, staff: &str, scopes: &[&str]) -> (String, String) {
    let (who, csrf) = server.session(staff).await;
    let made: Value =
        post(&who, &csrf, server.url("/v1/tokens"), json!({ "name": "bridge", "scopes": scopes })).await.json().await.unwrap();
    (made["id"].as_str().unwrap().to_string(), format!("Bearer {}", made["token"].as_str().unwrap()))
}

#[tokio::test]
async fn a_password_reset_revokes_api_tokens_and_a_deactivated_account_stops_at_once() {
    let server = sqlite_server().await;
    let http = reqwest::Client::new();
    let (_, bearer) = token(&server, PEER, &["read"]).await;
    assert_eq!(http.get(server.url("/v1/clients")).header("authorization", &bearer).send().await.unwrap().status(), StatusCode::OK);
    let (admin, csrf) = server.session(ADMIN).await;
    let reset =
        post(&admin, &csrf, server.url(&format!("/v1/staff/{PEER}/password")), json!({ "password": "a brand new passphrase" })).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        http.get(server.url("/v1/clients")).header("authorization", &bearer).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Admins list and revoke anyone's tokens.
    let (id, bearer) = token(&server, THERAPIST, &["read"]).await;
    let listed: Value = admin.get(server.url(&format!("/v1/staff/{THERAPIST}/tokens"))).send().await.unwrap().json().await.unwrap();
    assert!(listed.as_array().unwrap().iter().any(|t| t["id"] == id.as_str() && t.get("token").is_none()));
    let revoked =
        admin.delete(server.url(&format!("/v1/staff/{THERAPIST}/tokens/{id}"))).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        http.get(server.url("/v1/clients")).header("authorization", &bearer).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Deactivation: the very next request of a live, cached session fails.
    let (manager, _) = server.session(CASE_MANAGER).await;
    assert_eq!(manager.get(server.url("/v1/me")).send().await.unwrap().status(), StatusCode::OK);
    let off = post(&admin, &csrf, server.url(&format!("/v1/staff/{CASE_MANAGER}/active")), json!({ "active": false })).await;
    assert_eq!(off.status(), StatusCode::NO_CONTENT);
    assert_eq!(manager.get(server.url("/v1/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let (status, _) =
        problem(post(&admin, &csrf, server.url(&format!("/v1/staff/{ADMIN}/active")), json!({ "active": false })).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not one's own account");
    let changes = audit(&server, AuditKind::StaffActiveChanged).await;
    assert!(changes.iter().any(|e| e.details.as_ref().unwrap()["staff"] == CASE_MANAGER && e.details.as_ref().unwrap()["active"] == false));
    assert!(audit(&server, AuditKind::TokenRevoked).await.iter().any(|e| e.details.as_ref().unwrap()["token"] == id.as_str()));
    assert!(audit(&server, AuditKind::TokenCreated).await.iter().any(|e| e.details.as_ref().unwrap()["token"].is_string()));
    server.stop().await;
}

#[tokio::test]
async fn a_role_change_is_an_admins_act_on_another_account_and_ends_the_old_roles_session() {
    let server = sqlite_server().await;
    let (admin, csrf) = server.session(ADMIN).await;
    let (peer, _) = server.session(PEER).await;
    let me: Value = peer.get(server.url("/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["role"], "peer_support_specialist");
    let url = server.url(&format!("/v1/staff/{PEER}/role"));

    // Bad input names the field; nothing changes.
    let (status, body) = problem(post(&admin, &csrf, url.clone(), json!({ "role": "wizard" })).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["detail"].as_str().unwrap().starts_with("role: "), "{body}");
    let (status, _) = problem(post(&admin, &csrf, url.clone(), json!({ "role": "case_manager", "why": "x" })).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = problem(post(&admin, &csrf, url.clone(), json!({ "role": "peer_support_specialist" })).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "the role they already have");
    // Not one's own, and not by anyone but an admin.
    let (status, _) = problem(post(&admin, &csrf, server.url(&format!("/v1/staff/{ADMIN}/role")), json!({ "role": "nurse" })).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (therapist, therapist_csrf) = server.session(THERAPIST).await;
    let (status, _) = problem(post(&therapist, &therapist_csrf, url.clone(), json!({ "role": "case_manager" })).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(peer.get(server.url("/v1/me")).send().await.unwrap().status(), StatusCode::OK, "the refusals changed nothing");

    let changed = post(&admin, &csrf, url, json!({ "role": "case_manager" })).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed, json!({ "staff": PEER, "role": "case_manager", "previous_role": "peer_support_specialist" }));
    // The live, cached session of the old role fails on its very next request.
    assert_eq!(peer.get(server.url("/v1/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let (peer, _) = server.session(PEER).await;
    let me: Value = peer.get(server.url("/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["role"], "case_manager");
    let changes = audit(&server, AuditKind::StaffChanged).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].actor.as_deref(), Some(ADMIN));
    assert_eq!(changes[0].details.as_ref().unwrap()["previous_role"], "peer_support_specialist");
    server.stop().await;
}

#[tokio::test]
async fn a_read_token_cannot_revoke_tokens() {
    let server = sqlite_server().await;
    let (write_id, _) = token(&server, PEER, &["write"]).await;
    let (_, reader) = token(&server, PEER, &["read"]).await;
    let http = reqwest::Client::new();
    let (status, _) =
        problem(http.delete(server.url(&format!("/v1/tokens/{write_id}"))).header("authorization", &reader).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(server.store.api_tokens(PEER).await.unwrap().iter().any(|t| t.id == write_id && t.revoked_at.is_none()));
    server.stop().await;
}

// ── 6. sign-in ───────────────────────────────────────────────────────────

async fn sign_in(server: &Server, username: &str, password: &str) -> (StatusCode, Value, std::time::Duration) {
    let started = std::time::Instant::now();
    let response = reqwest::Client::new()
        .post(server.url("/v1/session"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap(), started.elapsed())
}

#[tokio::test]
async fn an_unknown_id_a_wrong_password_and_a_locked_account_look_the_same() {
    let server = sqlite_server().await;
    let (s1, b1, unknown) = sign_in(&server, "st-nobody-here", "guess-one").await;
    let (s2, b2, wrong) = sign_in(&server, THERAPIST, "guess-one").await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(b1["detail"], b2["detail"]);
    // The same work and the same first backoff (200 ms) either way.
    let (fast, slow) = if unknown < wrong { (unknown, wrong) } else { (wrong, unknown) };
    assert!(fast >= std::time::Duration::from_millis(200), "{fast:?}");
    assert!(slow.as_secs_f64() < fast.as_secs_f64() * 2.0 + 0.2, "unknown {unknown:?} vs wrong {wrong:?}");
    for _ in 0..4 {
        sign_in(&server, THERAPIST, "guess-again").await;
    }
    let (s3, b3, _) = sign_in(&server, THERAPIST, &server.password(THERAPIST)).await;
    assert_eq!((s3, &b3["detail"]), (StatusCode::UNAUTHORIZED, &b1["detail"]), "locked looks like wrong");
    server.stop().await;
}

#[tokio::test]
async fn concurrent_wrong_passwords_get_at_most_five_password_checks_and_the_lock_ends_with_its_count() {
    for db in test_databases().await {
        let clock = Clock::fixed(1_800_000_000);
        let server = Server::start_with(db, Options { clock: Some(clock.clone()), ..Options::default() }).await;
        let store = server.store.clone();
        let mut tasks = Vec::new();
        for _ in 0..24 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move { store.claim_password_check(THERAPIST, 5, 900).await.unwrap() }));
        }
        let mut granted = 0;
        for t in tasks {
            granted += usize::from(t.await.unwrap().is_some());
        }
        assert_eq!(granted, 5, "{}", server.base);
        let (status, _, _) = sign_in(&server, THERAPIST, &server.password(THERAPIST)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "locked");
        // The lock ends after 15 minutes, and with it the count.
        clock.advance(901);
        let (status, _, _) = sign_in(&server, THERAPIST, &server.password(THERAPIST)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(server.store.credential(THERAPIST).await.unwrap().unwrap().failed_attempts, 0);
        server.stop().await;
    }
}

#[tokio::test]
async fn guesses_at_the_current_password_count_toward_the_lockout() {
    let server = sqlite_server().await;
    let (peer, csrf) = server.session(PEER).await;
    for _ in 0..5 {
        let (status, _) = problem(
            post(
                &peer,
                &csrf,
                server.url(&format!("/v1/staff/{PEER}/password")),
                json!({ "password": "a new passphrase here", "current_password": "guess" }),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _, _) = sign_in(&server, PEER, &server.password(PEER)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "five guesses in a session locked the account");
    server.stop().await;
}

#[tokio::test]
async fn a_form_posted_from_another_site_neither_signs_in_nor_writes() {
    let server = sqlite_server().await;
    let http = reqwest::Client::new();
    let evil = "https://evil.example";
    let r = http
        .post(server.url("/v1/session"))
        .header("origin", evil)
        .json(&json!({ "username": PEER, "password": server.password(PEER) }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = http
        .post(server.url("/console/sign-in"))
        .header("origin", evil)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={PEER}&password={}", server.password(PEER)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get("set-cookie").is_none());
    // A cookie write carrying the right CSRF token but another site's Origin.
    let (peer, csrf) = server.session(PEER).await;
    let r = peer
        .post(server.url("/v1/tokens"))
        .header("x-csrf-token", &csrf)
        .header("origin", evil)
        .json(&json!({ "name": "x", "scopes": ["read"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The same write from the server's own origin passes.
    let own = server.base.clone();
    let r = peer
        .post(server.url("/v1/tokens"))
        .header("x-csrf-token", &csrf)
        .header("origin", own)
        .json(&json!({ "name": "x", "scopes": ["read"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    server.stop().await;
}

// ── 7. break-glass ───────────────────────────────────────────────────────

#[tokio::test]
async fn break_glass_expires_on_the_clock_and_an_unjustified_review_ends_it_at_once() {
    for db in test_databases().await {
        let clock = Clock::fixed(1_800_000_000);
        let config = confidant_server::Config { break_glass_minutes: 5, ..confidant_server::Config::default() };
        let server = Server::start_with(db, Options { clock: Some(clock.clone()), config, ..Options::default() }).await;
        let other = not_on_caseload(&server, PEER).await;
        let (peer, csrf) = server.session(PEER).await;
        let open = |reason: &'static str| {
            let peer = peer.clone();
            let csrf = csrf.clone();
            let url = server.url(&format!("/v1/clients/{other}/break-glass"));
            async move { post(&peer, &csrf, url, json!({ "reason": reason })).await.json::<Value>().await.unwrap() }
        };
        let chart = server.url(&format!("/v1/clients/{other}"));
        open("client in crisis at the front desk").await;
        assert_eq!(peer.get(&chart).send().await.unwrap().status(), StatusCode::OK);
        clock.advance(4 * 60);
        assert_eq!(peer.get(&chart).send().await.unwrap().status(), StatusCode::OK, "inside the 5-minute window");
        clock.advance(61);
        assert_eq!(peer.get(&chart).send().await.unwrap().status(), StatusCode::NOT_FOUND, "the window has closed");

        let second = open("client called again from the crisis line").await;
        assert_eq!(peer.get(&chart).send().await.unwrap().status(), StatusCode::OK);
        let (officer, officer_csrf) = server.session(OFFICER).await;
        let reviewed = post(
            &officer,
            &officer_csrf,
            server.url(&format!("/v1/break-glass/{}/review", second["id"].as_str().unwrap())),
            json!({ "outcome": "unjustified" }),
        )
        .await;
        assert_eq!(reviewed.status(), StatusCode::NO_CONTENT);
        assert_eq!(peer.get(&chart).send().await.unwrap().status(), StatusCode::NOT_FOUND, "ended by the review");
        server.stop().await;
    }
}

// ── form pages show who the form is about ─────────────────────────────────

#[tokio::test]
async fn a_form_page_naming_a_client_is_an_audited_read_and_refused_off_the_caseload() {
    use confidant_console::routes;
    let server = sqlite_server().await;
    let (therapist, _) = server.session(THERAPIST).await;
    let mine = server.store.visible_clients(THERAPIST).await.unwrap();
    let client = mine[0].clone();
    let before = audit(&server, AuditKind::ClientRead).await.len();
    for page in [routes::new_ascmi(&client), routes::new_authorization(&client)] {
        let response = therapist.get(server.url(&page)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{page}");
    }
    let reads = audit(&server, AuditKind::ClientRead).await;
    assert_eq!(reads.len(), before + 2, "each form page records one read of the client's details");
    assert!(reads.iter().rev().take(2).all(|e| e.actor.as_deref() == Some(THERAPIST) && e.client_id.as_deref() == Some(client.as_str())));
    // Off the caseload the page is refused and shows nothing about the client.
    let mut others = Vec::new();
    for staff in [PEER, CASE_MANAGER] {
        others.extend(server.store.visible_clients(staff).await.unwrap().into_iter().filter(|c| !mine.contains(c)));
    }
    let other = others.first().expect("the demo has a client off the therapist's caseload");
    for page in [routes::new_ascmi(other), routes::new_authorization(other)] {
        let response = therapist.get(server.url(&page)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{page}");
    }
    assert_eq!(audit(&server, AuditKind::ClientRead).await.len(), before + 2, "a refused page reads nothing");
    server.stop().await;
}

#[tokio::test]
async fn console_sign_out_ends_the_session_with_one_sign_out_entry_from_the_console() {
    let server = sqlite_server().await;
    let staff = server.accounts[0].staff_id.to_string();
    // No cookie jar: the cookie is sent by hand, so clearing it in the
    // browser cannot pass for ending the session.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed_in = client
        .post(server.url("/v1/session"))
        .json(&json!({ "username": staff, "password": server.password(&staff) }))
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = signed_in.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_string();
    let before = audit(&server, AuditKind::SignOut).await.len();
    let response =
        client.post(server.url("/console/sign-out")).header("cookie", &cookie).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    let me = client.get(server.url("/v1/me")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "the session ended");
    let signed_out = audit(&server, AuditKind::SignOut).await;
    assert_eq!(signed_out.len(), before + 1);
    let last = signed_out.last().unwrap();
    assert_eq!(last.actor.as_deref(), Some(staff.as_str()));
    assert_eq!(last.details.as_ref().unwrap()["via"], "console", "written by the operation that revoked the session");
}
