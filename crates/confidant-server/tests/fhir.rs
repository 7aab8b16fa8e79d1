//! FHIR Consent over real HTTP: the CapabilityStatement is public, the
//! Consent endpoints take a token (`read` to read and search, `write` to
//! create), a Consent posted is filed through need-to-know and the audit
//! log and read back the same, anything unmappable is a 422
//! `OperationOutcome` naming the element, and every resource the server
//! produces validates with Python's `fhir.resources` (R4B models), an
//! implementation nobody here wrote.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{PEER, THERAPIST, not_on_caseload, sqlite_server};
use confidant_store::{AuditFilter, AuditKind};
use reqwest::StatusCode;
use serde_json::{Value, json};

const FHIR_JSON: &str = "application/fhir+json";

/// Validates `resources` with `fhir.resources` (scripts/fhir-validate.py in
/// the venv scripts/test makes). Without it the check is skipped with a
/// message, unless `CONFIDANT_FHIR_VALIDATE=required` (set by scripts/test).
fn validate(resources: &[Value]) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = std::env::var_os("CONFIDANT_FHIR_PYTHON").map_or_else(|| root.join("target/test-venv/bin/python"), PathBuf::from);
    if !python.exists() {
        assert!(
            std::env::var("CONFIDANT_FHIR_VALIDATE").as_deref() != Ok("required"),
            "CONFIDANT_FHIR_VALIDATE=required but {} is missing (scripts/test installs fhir.resources there)",
            python.display()
        );
        eprintln!("skipping FHIR validation: {} is missing (run scripts/test to install fhir.resources)", python.display());
        return;
    }
    let mut child = Command::new(&python)
        .arg(root.join("scripts/fhir-validate.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&serde_json::to_vec(resources).unwrap()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "fhir.resources refused what we produced:\n{}", String::from_utf8_lossy(&out.stderr));
}

async fn fhir_json(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert_eq!(content_type, FHIR_JSON, "status {status}");
    (status, response.json().await.unwrap())
}

/// A complete HIPAA authorization for `client`, as an EHR would send it.
fn authorization(client: &str) -> Value {
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "64292-6" }] }],
        "patient": { "reference": format!("Patient/{client}") },
        "dateTime": "2026-01-10",
        "performer": [{ "reference": format!("Patient/{client}") }],
        "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentpolicycodes", "code": "hipaa-auth" }] },
        "extension": [
            { "url": "urn:confidant:fhir:extension:statement", "valueCode": "right_to_revoke" },
            { "url": "urn:confidant:fhir:extension:statement", "valueCode": "no_conditioning" },
            { "url": "urn:confidant:fhir:extension:statement", "valueCode": "redisclosure" },
        ],
        "provision": {
            "type": "permit",
            "period": { "end": "2030-12-31" },
            "actor": [{
                "role": { "coding": [
                    { "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP" },
                    { "system": "urn:confidant:fhir:recipient-kind", "code": "employer" },
                ] },
                "reference": { "display": "Acme Logistics" },
            }],
            "purpose": [{ "system": "urn:confidant:fhir:purpose", "code": "employment" }],
            "securityLabel": [{ "system": "urn:confidant:fhir:category", "code": "diagnosis" }],
        },
    })
}

fn restriction(client: &str) -> Value {
    json!({
        "resourceType": "Consent",
        // Filed by a clinician, so not yet agreed: only the privacy officer agrees
        // to a restriction (164.522(a)(1)(ii)); `active` from a clinician is refused.
        "status": "rejected",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }],
        "patient": { "reference": format!("Patient/{client}") },
        "dateTime": "2026-02-01",
        "provision": {
            "type": "deny",
            "actor": [{
                "role": { "coding": [
                    { "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP" },
                    { "system": "urn:confidant:fhir:recipient-kind", "code": "health_plan" },
                ] },
                "reference": { "type": "Organization" },
            }],
            "purpose": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HPAYMT" }],
            "securityLabel": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HIV" }],
        },
    })
}

#[tokio::test]
async fn consents_are_filed_read_and_searched_as_fhir_and_every_resource_validates() {
    let server = sqlite_server().await;
    let http = reqwest::Client::new();
    let mut produced = Vec::new();

    // The CapabilityStatement is public.
    let (status, metadata) = fhir_json(http.get(server.url("/fhir/metadata")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(metadata["resourceType"], "CapabilityStatement");
    assert_eq!(metadata["rest"][0]["resource"][0]["type"], "Consent");
    produced.push(metadata);

    let client = server.store.visible_clients(THERAPIST).await.unwrap()[0].clone();
    let search = server.url(&format!("/fhir/Consent?patient={client}"));

    // Consents are authenticated like the API; the refusal is an OperationOutcome.
    let (status, outcome) = fhir_json(http.get(&search).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(outcome["issue"][0]["code"], "login");
    produced.push(outcome);

    let read_only = server.bearer(THERAPIST, &["read"]).await;
    let (status, outcome) = fhir_json(
        http.post(server.url("/fhir/Consent"))
            .header("authorization", &read_only)
            .header("content-type", FHIR_JSON)
            .body(authorization(&client).to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "creating needs the `write` scope: {outcome}");

    let bearer = server.bearer(THERAPIST, &["read", "write"]).await;
    let post = |body: Value| {
        http.post(server.url("/fhir/Consent"))
            .header("authorization", &bearer)
            .header("content-type", FHIR_JSON)
            .body(body.to_string())
            .send()
    };

    // Filed: 201 with the Consent as stored, under an id the server chose.
    let response = post(authorization(&client)).await.unwrap();
    let location = response.headers().get("location").unwrap().to_str().unwrap().to_string();
    let (status, filed) = fhir_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("auth-"), "{id}");
    assert_eq!(location, format!("/fhir/Consent/{id}"));
    assert_eq!(filed["provision"]["actor"][0]["reference"]["display"], "Acme Logistics");

    // Read back, it is the same resource.
    let (status, read) = fhir_json(http.get(server.url(&location)).header("authorization", &bearer).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, filed);
    produced.push(read);

    let mut agreed = restriction(&client);
    agreed["status"] = json!("active");
    let (status, refused) = fhir_json(post(agreed).await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a clinician cannot file a restriction as agreed: {refused}");
    let (status, denied) = fhir_json(post(restriction(&client)).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{denied}");
    let restriction_id = denied["id"].as_str().unwrap().to_string();
    assert_eq!(denied["provision"]["type"], "deny");
    let (status, read) =
        fhir_json(http.get(server.url(&format!("/fhir/Consent/{restriction_id}"))).header("authorization", &bearer).send().await.unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, denied);

    // The search is a searchset Bundle with both.
    let (status, bundle) = fhir_json(http.get(&search).header("authorization", &bearer).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bundle["type"], "searchset");
    let ids: Vec<&str> = bundle["entry"].as_array().unwrap().iter().map(|e| e["resource"]["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&id.as_str()) && ids.contains(&restriction_id.as_str()), "{ids:?}");
    assert_eq!(bundle["total"], ids.len());
    assert!(bundle["entry"][0]["fullUrl"].as_str().unwrap().starts_with("http://"), "{bundle}");

    // Unknown codes: 422, naming the element.
    let mut unknown = authorization(&client);
    unknown["provision"]["purpose"][0] = json!({ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "COVID" });
    let (status, outcome) = fhir_json(post(unknown).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(outcome["issue"][0]["expression"][0], "Consent.provision.purpose[0].code", "{outcome}");
    assert_eq!(outcome["issue"][0]["code"], "code-invalid");
    produced.push(outcome);

    // An incomplete form: every defect is an issue naming its element.
    let mut unsigned = authorization(&client);
    unsigned.as_object_mut().unwrap().remove("performer");
    unsigned.as_object_mut().unwrap().remove("extension");
    let (status, outcome) = fhir_json(post(unsigned).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let elements: Vec<&str> = outcome["issue"].as_array().unwrap().iter().map(|i| i["expression"][0].as_str().unwrap()).collect();
    assert!(elements.contains(&"Consent.performer") && elements.contains(&"Consent.extension"), "{outcome}");
    produced.push(outcome);

    // Need-to-know: a client off the caseload is refused like an unknown one.
    let other = not_on_caseload(&server, THERAPIST).await;
    let (status, _) = fhir_json(
        http.get(server.url(&format!("/fhir/Consent?patient=Patient/{other}"))).header("authorization", &bearer).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = fhir_json(post(authorization(&other)).await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Every client the therapist sees: the demo's authorizations (Part 2,
    // revoked, expiring) and restrictions come out as valid FHIR too.
    for visible in server.store.visible_clients(THERAPIST).await.unwrap() {
        let (status, bundle) = fhir_json(
            http.get(server.url(&format!("/fhir/Consent?patient={visible}"))).header("authorization", &bearer).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        produced.push(bundle);
    }
    validate(&produced);

    let store = server.store.clone();
    let _db = server.stop().await;
    let audited = store.audit_entries(&AuditFilter { client_id: Some(client.clone()), ..AuditFilter::default() }).await.unwrap();
    assert!(audited.iter().any(|e| e.kind == AuditKind::AuthorizationAdded && e.actor.as_deref() == Some(THERAPIST)));
    assert!(audited.iter().any(|e| e.kind == AuditKind::RestrictionAdded && e.actor.as_deref() == Some(THERAPIST)));
    assert!(audited.iter().any(|e| e.kind == AuditKind::ClientRead && e.actor.as_deref() == Some(THERAPIST)), "searches are audited reads");
}

#[tokio::test]
async fn a_peer_cannot_read_a_consent_of_a_client_off_their_caseload_by_id() {
    let server = sqlite_server().await;
    let other = not_on_caseload(&server, PEER).await;
    let restrictions = server.store.restrictions(&other).await.unwrap();
    let authorizations = server.store.authorizations(&other).await.unwrap();
    let bearer = server.bearer(PEER, &["read"]).await;
    let http = reqwest::Client::new();
    // Whatever the client has on file, a peer off the caseload learns nothing.
    let ids: Vec<String> = restrictions
        .iter()
        .map(|r| r.id.clone())
        .chain(authorizations.iter().map(|a| a.authorization.id.clone()))
        .chain(["auth-000000000000".to_string()])
        .collect();
    for id in ids {
        let (status, outcome) =
            fhir_json(http.get(server.url(&format!("/fhir/Consent/{id}"))).header("authorization", &bearer).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{outcome}");
        assert_eq!(outcome["resourceType"], "OperationOutcome");
    }
    server.stop().await;
}

#[test]
fn every_kind_of_consent_the_mapping_writes_validates() {
    use confidant_policy::vocab::{AuthorizationKind, Category, Purpose, RecipientKind, Signer};
    use confidant_policy::{Authorization, AuthorizedRecipient, Date, Restriction, Statements};
    use confidant_server::fhir;

    let mut consents = Vec::new();
    for (i, kind) in AuthorizationKind::ALL.iter().enumerate() {
        for signed_by in [None, Some(Signer::Client), Some(Signer::PersonalRepresentative)] {
            for revoked in [false, true] {
                let auth = Authorization {
                    id: format!("auth-{i}{}", u8::from(revoked)),
                    kind: *kind,
                    signed_by,
                    signed_on: Date::parse("2026-01-10"),
                    categories: Category::ALL.to_vec(),
                    recipients: RecipientKind::ALL
                        .iter()
                        .enumerate()
                        .map(|(n, k)| AuthorizedRecipient { kind: *k, name: (n % 2 == 0).then(|| format!("Recipient {n}")) })
                        .collect(),
                    purposes: Purpose::ALL.to_vec(),
                    expires_on: if revoked { None } else { Date::parse("2027-01-10") },
                    expiry_event: revoked.then(|| "end of treatment".to_string()),
                    revoked_on: if revoked { Date::parse("2026-02-01") } else { None },
                    statements: Statements { right_to_revoke: true, no_conditioning: !revoked, redisclosure: true },
                };
                consents.push(fhir::authorization_to_consent("cl-1", &auth));
            }
        }
    }
    for agreed in [true, false] {
        let everything = Restriction { categories: vec![], recipient_kinds: vec![], purposes: vec![], agreed };
        let narrow = Restriction {
            categories: vec![Category::Hiv, Category::PsychotherapyNotes],
            recipient_kinds: vec![RecipientKind::HealthPlan],
            purposes: vec![Purpose::Payment],
            agreed,
        };
        for (n, r) in [everything, narrow].iter().enumerate() {
            consents.push(fhir::restriction_to_consent(
                "cl-1",
                &format!("restr-{n}{}", u8::from(agreed)),
                r,
                Date::parse("2026-01-20").unwrap(),
                agreed || n == 0,
            ));
        }
    }
    for revoked in [false, true] {
        let form = confidant_store::Ascmi {
            id: format!("ascmi-{}", u8::from(revoked)),
            signed_by: Some(if revoked { Signer::PersonalRepresentative } else { Signer::Client }),
            signed_on: Date::parse("2026-01-10"),
            expires_on: Date::parse("2027-01-10"),
            expiry_event: None,
            statements: Statements { right_to_revoke: true, no_conditioning: true, redisclosure: true },
            partners: RecipientKind::ALL
                .iter()
                .enumerate()
                .map(|(n, k)| confidant_store::CarePartner {
                    name: format!("Care partner {n}"),
                    kind: *k,
                    categories: if n % 3 == 0 {
                        vec![]
                    } else {
                        Category::ALL.iter().copied().filter(|c| *c != Category::PsychotherapyNotes).collect()
                    },
                    purposes: if n % 3 == 0 { vec![] } else { confidant_policy::authorization::ASCMI_PURPOSES.to_vec() },
                })
                .collect(),
            revoked_on: if revoked { Date::parse("2026-02-01") } else { None },
        };
        consents.push(fhir::ascmi_to_consent("cl-1", &form));
    }
    let mut resources: Vec<Value> = consents.iter().map(|c| serde_json::to_value(c).unwrap()).collect();
    resources.push(serde_json::to_value(fhir::collection(consents)).unwrap());
    resources.push(serde_json::to_value(fhir::collection(Vec::new())).unwrap());
    validate(&resources);
}

/// A signed ASCMI for `client` as a consent platform would send it: two
/// care partners, one the client shares nothing with.
fn ascmi(client: &str) -> Value {
    let actor = |kind: &str, name: &str| {
        json!([{
            "role": { "coding": [
                { "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP" },
                { "system": "urn:confidant:fhir:recipient-kind", "code": kind },
            ] },
            "reference": { "display": name },
        }])
    };
    json!({
        "resourceType": "Consent",
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "64292-6" }] }],
        "patient": { "reference": format!("Patient/{client}") },
        "dateTime": "2026-01-10",
        "performer": [{ "reference": format!("Patient/{client}") }],
        "policyRule": { "coding": [{ "system": "urn:confidant:fhir:policy", "code": "ascmi" }] },
        "extension": [
            { "url": "urn:confidant:fhir:extension:statement", "valueCode": "right_to_revoke" },
            { "url": "urn:confidant:fhir:extension:statement", "valueCode": "no_conditioning" },
            { "url": "urn:confidant:fhir:extension:statement", "valueCode": "redisclosure" },
        ],
        "provision": {
            "type": "permit",
            "period": { "end": "2030-12-31" },
            "provision": [
                {
                    "type": "permit",
                    "actor": actor("social_services_agency", "Marrowgate Housing Collaborative"),
                    "purpose": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "FAMRQT" }],
                    "securityLabel": [{ "system": "urn:confidant:fhir:category", "code": "appointments" }],
                },
                { "type": "deny", "actor": actor("social_services_agency", "Eastbrook Food Bank") },
            ],
        },
    })
}

#[tokio::test]
async fn an_ascmi_posted_as_a_consent_is_filed_read_back_identical_and_validates() {
    let server = sqlite_server().await;
    let http = reqwest::Client::new();
    let client = server.store.visible_clients(THERAPIST).await.unwrap()[0].clone();
    let bearer = server.bearer(THERAPIST, &["read", "write"]).await;
    let post = |body: Value| {
        http.post(server.url("/fhir/Consent"))
            .header("authorization", &bearer)
            .header("content-type", FHIR_JSON)
            .body(body.to_string())
            .send()
    };
    let response = post(ascmi(&client)).await.unwrap();
    let (status, filed) = fhir_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("ascmi-"), "{id}");
    // What was filed is what was sent: each care partner's provision, the period, the signer.
    let sent = ascmi(&client);
    for (i, p) in sent["provision"]["provision"].as_array().unwrap().iter().enumerate() {
        let got = &filed["provision"]["provision"][i];
        assert_eq!(got["type"], p["type"]);
        assert_eq!(got["actor"][0]["reference"]["display"], p["actor"][0]["reference"]["display"]);
        assert_eq!(got["actor"][0]["role"]["coding"][1], p["actor"][0]["role"]["coding"][1]);
        assert_eq!(got.get("purpose"), p.get("purpose"));
        assert_eq!(got.get("securityLabel"), p.get("securityLabel"));
    }
    assert_eq!(filed["provision"]["period"], sent["provision"]["period"]);
    assert_eq!((&filed["dateTime"], &filed["performer"], &filed["extension"]), (&sent["dateTime"], &sent["performer"], &sent["extension"]));
    assert_eq!(server.store.ascmis(&client).await.unwrap()[0].ascmi.partners.len(), 2);

    let (status, read) =
        fhir_json(http.get(server.url(&format!("/fhir/Consent/{id}"))).header("authorization", &bearer).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, filed);
    let (status, bundle) =
        fhir_json(http.get(server.url(&format!("/fhir/Consent?patient={client}"))).header("authorization", &bearer).send().await.unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);
    assert!(bundle["entry"].as_array().unwrap().iter().any(|e| e["resource"]["id"] == id.as_str()), "{bundle}");

    // A choice the form cannot make names its element.
    let mut notes = ascmi(&client);
    notes["provision"]["provision"][0]["securityLabel"] =
        json!([{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSYTHPN" }]);
    let (status, outcome) = fhir_json(post(notes).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(outcome["issue"][0]["expression"][0], "Consent.provision.provision[0].securityLabel", "{outcome}");

    // A search without `patient` is a 400 naming the parameter.
    let (status, missing) = fhir_json(http.get(server.url("/fhir/Consent")).header("authorization", &bearer).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{missing}");
    assert_eq!(missing["resourceType"], "OperationOutcome");
    assert_eq!(missing["issue"][0]["expression"][0], "patient");
    validate(&[filed, read, bundle, outcome, missing]);

    let store = server.store.clone();
    let _db = server.stop().await;
    let filed = store.audit_entries(&AuditFilter { kind: Some(AuditKind::AscmiFiled), ..AuditFilter::default() }).await.unwrap();
    assert_eq!(filed.len(), 1);
    assert_eq!(filed[0].actor.as_deref(), Some(THERAPIST));
}
