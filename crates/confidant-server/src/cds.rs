//! CDS Hooks: "may I share?" answered where clinicians already work. The
//! EHR calls `POST /cds-services/confidant-disclosure-check` with the
//! patient, the recipient, the purpose and the classes of data; Confidant
//! decides for that stored client exactly as `POST /v1/clients/{id}/decisions`
//! does (need-to-know, the vault's authorizations and restrictions, audited
//! as a decision) and answers with cards: the outcome, per category, the
//! cites, what to do first and what would make a withheld category lawful,
//! and a link to the client's page in the console.
//!
//! Discovery (`GET /cds-services`) names no client and is public, as CDS
//! Hooks expects; the service itself is authenticated like the API, by token
//! (the `decisions` scope). Bad context is a 400 naming the field. The hook
//! is `patient-consent-consult`, the consent-decision hook LEAP-CDS and
//! Consent2Share use; purposes may be the contract's names or HL7 v3
//! `PurposeOfUse` codes, and data classes the contract's categories or the
//! HL7 security labels that name one unambiguously.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use confidant_app::Channel;
use confidant_policy::Decision;
use confidant_policy::vocab::{Category, Outcome, OverallDecision, Purpose};
use serde_json::{Value, json};

use crate::AppState;
use crate::api::ShareBody;
use crate::auth::{ApiPrincipal, Scope};
use crate::body::Body;
use crate::problem::Problem;

/// The service's id, as discovery lists it and the path names it.
pub const SERVICE_ID: &str = "confidant-disclosure-check";
/// The hook the service answers.
pub const HOOK: &str = "patient-consent-consult";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/cds-services", get(discovery)).route(&format!("/cds-services/{SERVICE_ID}"), post(service))
}

async fn discovery() -> Json<Value> {
    Json(json!({
        "services": [{
            "hook": HOOK,
            "id": SERVICE_ID,
            "title": "Confidant: may I share this?",
            "description": "Decides whether the client's information may, must or must not go to a recipient for a purpose, per category, under HIPAA, 42 CFR Part 2, California law and the organization's policy, with citations, obligations and remedies.",
            "usageRequirements": "Authenticate with a Confidant API token holding the `decisions` scope (Authorization: Bearer). Context: patientId (the Confidant client id), recipient {kind, name?}, purposeOfUse, class (categories), and optionally facts and jurisdiction.",
        }]
    }))
}

fn bad(detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, detail)
}

/// A v3 `PurposeOfUse` code (the table in `fhir::codes`, shared with
/// FHIR Consent) or one of the contract's purposes.
fn purpose_of_use(code: &str) -> Option<Purpose> {
    crate::fhir::codes::purpose_of_use(code).or_else(|| Purpose::parse(code))
}

/// An HL7 security label that names one category unambiguously (the table
/// in `fhir::codes`), or one of the contract's categories.
fn data_class(code: &str) -> Option<Category> {
    crate::fhir::codes::security_label(code).or_else(|| Category::parse(code))
}

/// The one value of a field that CDS clients send either as a string or as
/// a one-element array.
fn one_string<'a>(context: &'a Value, field: &str) -> Result<Option<&'a str>, Problem> {
    match context.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Array(items)) if items.len() == 1 => items
            .first()
            .and_then(Value::as_str)
            .map(Some)
            .ok_or_else(|| bad(format!("context.{field}: a string, or an array of one string"))),
        Some(_) => Err(bad(format!("context.{field}: a string, or an array of one string"))),
    }
}

fn strings(context: &Value, field: &str) -> Result<Vec<String>, Problem> {
    match context.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_str().map(str::to_string).ok_or_else(|| bad(format!("context.{field}/{i}: a string"))))
            .collect(),
        Some(_) => Err(bad(format!("context.{field}: an array of strings"))),
    }
}

/// The hook request read into the API's decision body and the client id.
fn read_request(body: &Value) -> Result<(String, ShareBody), Problem> {
    let hook = body.get("hook").and_then(Value::as_str).ok_or_else(|| bad(format!("hook: `{HOOK}`")))?;
    if hook != HOOK {
        return Err(bad(format!("hook: `{HOOK}`, got `{hook}`")));
    }
    if body.get("hookInstance").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(bad("hookInstance: a unique id for this call"));
    }
    let context = body.get("context").filter(|c| c.is_object()).ok_or_else(|| bad("context: an object"))?;
    let patient = one_string(context, "patientId")?.ok_or_else(|| bad("context.patientId: the Confidant client id"))?;
    crate::body::check_id("context.patientId", patient).map_err(|p| bad(p.detail))?;
    let recipient = context.get("recipient").filter(|r| r.is_object()).ok_or_else(|| bad("context.recipient: an object with `kind`"))?;
    let kind = recipient.get("kind").and_then(Value::as_str).ok_or_else(|| bad("context.recipient.kind: a recipient kind"))?;
    let purpose_code =
        one_string(context, "purposeOfUse")?.ok_or_else(|| bad("context.purposeOfUse: a purpose or a v3 PurposeOfUse code"))?;
    let purpose = purpose_of_use(purpose_code).ok_or_else(|| {
        bad(format!("context.purposeOfUse: a purpose ({}) or a v3 PurposeOfUse code, got `{purpose_code}`", Purpose::expected()))
    })?;
    let classes = strings(context, "class")?;
    if classes.is_empty() {
        return Err(bad("context.class: at least one category or security label"));
    }
    let mut categories = Vec::with_capacity(classes.len());
    for (i, code) in classes.iter().enumerate() {
        let category = data_class(code).ok_or_else(|| {
            bad(format!("context.class/{i}: a category ({}) or one of PSYTHPN, ETH, SUD, HIV; got `{code}`", Category::expected()))
        })?;
        categories.push(category.as_str().to_string());
    }
    let share = ShareBody {
        to: kind.to_string(),
        recipient_name: recipient.get("name").and_then(Value::as_str).map(str::to_string),
        recipient_address: None,
        same_organization: recipient.get("sameOrganization").and_then(Value::as_bool).unwrap_or(false),
        purpose: purpose.as_str().to_string(),
        categories,
        facts: strings(context, "facts")?,
        as_of: None,
        jurisdiction: one_string(context, "jurisdiction")?.map(str::to_string),
    };
    Ok((patient.to_string(), share))
}

async fn service(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, Problem> {
    p.require(Scope::Decisions)?;
    let request: Value = serde_json::from_slice(&body.0).map_err(|e| bad(format!("body: a CDS Hooks request in JSON ({e})")))?;
    let (client_id, share) = read_request(&request)?;
    // Field errors from the API's parser (`to`, `facts/0`, …) are the context's.
    let decision = crate::api::decide_for_client(&state, &p, Channel::Api, &client_id, &share)
        .await
        .map_err(|problem| if problem.status == 422 { bad(format!("context: {}", problem.detail)) } else { problem })?;
    let link = console_link(&headers, state.config.secure_cookies, &client_id);
    Ok(Json(json!({ "cards": cards(&decision, &link) })))
}

fn console_link(headers: &HeaderMap, secure: bool, client_id: &str) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if secure { "https" } else { "http" };
    Some(format!("{scheme}://{host}/console/clients/{client_id}"))
}

/// One card for the answer as a whole, then one per withheld category with
/// what would make it lawful. Summaries stay under CDS Hooks' 140 characters.
fn cards(decision: &Decision, link: &Option<String>) -> Vec<Value> {
    let (indicator, headline) = match decision.decision {
        OverallDecision::Deny => ("critical", "Do not share: nothing requested may go"),
        OverallDecision::Partial => ("warning", "Share only part: some categories must be withheld"),
        OverallDecision::Required => ("warning", "Required: the law requires this disclosure"),
        OverallDecision::Permit => ("info", "May share: every requested category may go"),
    };
    let mut detail = String::new();
    for c in &decision.categories {
        let outcome = match c.outcome {
            Outcome::Required => "required",
            Outcome::Permit => "may go",
            Outcome::Deny => "withhold",
        };
        detail.push_str(&format!("- **{}**: {outcome} ({})\n", confidant_policy::plain_category(c.category), c.cites.join("; ")));
    }
    for o in &decision.obligations {
        detail.push_str(&format!("\nBefore sharing: {}", o.detail));
    }
    detail.push_str(&format!("\n\n{}", decision.explanation));
    let links: Vec<Value> =
        link.iter().map(|url| json!({ "label": "Open the client in Confidant", "url": url, "type": "absolute" })).collect();
    let source = json!({ "label": "Confidant", "topic": { "code": decision.decision.as_str(), "display": headline } });
    let mut out = vec![json!({ "summary": headline, "indicator": indicator, "detail": detail, "source": source, "links": links })];
    for r in &decision.remedies {
        let names: Vec<&str> = r.categories.iter().map(|c| confidant_policy::plain_category(*c)).collect();
        let summary: String = format!("To share {}: {}", names.join(", "), r.detail).chars().take(140).collect();
        out.push(json!({ "summary": summary, "indicator": "info", "detail": r.detail, "source": { "label": "Confidant" } }));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn request(context: Value) -> Value {
        json!({ "hook": HOOK, "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "context": context })
    }

    #[test]
    fn codes_from_hl7_and_the_contracts_own_names_are_both_read() {
        let (client, share) = read_request(&request(json!({
            "patientId": ["cl-1"], "recipient": { "kind": "treating_provider", "name": "Dr. Example" },
            "purposeOfUse": ["TREAT"], "class": ["PSYTHPN", "diagnosis", "ETH"],
        })))
        .unwrap();
        assert_eq!(client, "cl-1");
        assert_eq!(share.purpose, "treatment");
        assert_eq!(share.categories, ["psychotherapy_notes", "diagnosis", "substance_use"]);
        assert_eq!(share.recipient_name.as_deref(), Some("Dr. Example"));
    }

    #[test]
    fn bad_context_names_the_field() {
        let cases = [
            (json!({ "hook": "patient-view", "hookInstance": "x", "context": {} }), "hook:"),
            (json!({ "hook": HOOK, "context": {} }), "hookInstance:"),
            (request(json!({})), "context.patientId:"),
            (request(json!({ "patientId": "cl-1" })), "context.recipient:"),
            (request(json!({ "patientId": "cl-1", "recipient": { "kind": "treating_provider" } })), "context.purposeOfUse:"),
            (
                request(json!({ "patientId": "cl-1", "recipient": { "kind": "treating_provider" }, "purposeOfUse": "NOPE" })),
                "context.purposeOfUse:",
            ),
            (
                request(json!({ "patientId": "cl-1", "recipient": { "kind": "treating_provider" }, "purposeOfUse": "TREAT" })),
                "context.class:",
            ),
            (
                request(
                    json!({ "patientId": "cl-1", "recipient": { "kind": "treating_provider" }, "purposeOfUse": "TREAT", "class": ["PSY"] }),
                ),
                "context.class/0:",
            ),
        ];
        for (body, field) in cases {
            let problem = read_request(&body).err().unwrap_or_else(|| panic!("accepted {body}"));
            assert_eq!(problem.status, 400);
            assert!(problem.detail.starts_with(field), "{field}: {}", problem.detail);
        }
    }
}
