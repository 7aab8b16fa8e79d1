//! The `/fhir` endpoints: read, search and create `Consent`, and the
//! `CapabilityStatement`. Answers and errors are `application/fhir+json`;
//! an error is an `OperationOutcome` whose issue names the element at
//! fault, with the HTTP status the `/v1` API would give.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use confidant_app::Channel;
use confidant_store::today;
use serde::Serialize;
use serde_json::{Value, json};

use super::consent::{Filing, Unmappable, check_filable};
use super::model::{Bundle, Entry, Issue, OperationOutcome};
use super::{
    FHIR_JSON, ascmi_to_consent, authorization_to_consent, consents_of, parse_consent, restriction_to_consent,
    stored_restriction_to_consent,
};
use crate::AppState;
use crate::auth::{ApiPrincipal, Scope};
use crate::body::{Body, check_id};
use crate::problem::Problem;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/Consent", get(search).post(create))
        .route("/fhir/Consent/{id}", get(read))
}

/// A FHIR error: the status and the `OperationOutcome`.
pub(crate) struct FhirError(StatusCode, OperationOutcome);

impl From<Problem> for FhirError {
    fn from(p: Problem) -> FhirError {
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = match p.status {
            401 => "login",
            403 => "forbidden",
            404 => "not-found",
            409 => "conflict",
            413 => "too-long",
            415 | 422 | 400 => "invalid",
            429 => "throttled",
            _ => "exception",
        };
        let issue = Issue { severity: "error".into(), code: code.into(), diagnostics: p.detail, expression: Vec::new() };
        FhirError(status, OperationOutcome { resource_type: "OperationOutcome".into(), issue: vec![issue] })
    }
}

impl From<Unmappable> for FhirError {
    fn from(e: Unmappable) -> FhirError {
        FhirError(StatusCode::UNPROCESSABLE_ENTITY, e.outcome())
    }
}

impl From<confidant_app::AppError> for FhirError {
    fn from(e: confidant_app::AppError) -> FhirError {
        Problem::from(e).into()
    }
}

impl From<confidant_store::StoreError> for FhirError {
    fn from(e: confidant_store::StoreError) -> FhirError {
        Problem::from(e).into()
    }
}

impl IntoResponse for FhirError {
    fn into_response(self) -> Response {
        fhir(self.0, &self.1)
    }
}

type FhirResult = Result<Response, FhirError>;

fn fhir(status: StatusCode, value: &impl Serialize) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    response
}

/// The caller, or the `OperationOutcome` that says why not.
fn principal(p: Result<ApiPrincipal, Problem>, scope: Scope) -> Result<crate::auth::Principal, FhirError> {
    let ApiPrincipal(p) = p?;
    p.require(scope)?;
    Ok(p)
}

/// The server's base URL as the client reached it, for `fullUrl`.
fn base(headers: &HeaderMap, secure: bool) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    Some(format!("{}://{host}/fhir", if secure { "https" } else { "http" }))
}

#[utoipa::path(get, path = "/fhir/metadata", tag = "fhir",
    responses((status = 200, description = "The FHIR R4 CapabilityStatement (public)", content_type = "application/fhir+json")))]
pub(crate) async fn metadata() -> Response {
    let consent = json!({
        "type": "Consent",
        "profile": "http://hl7.org/fhir/StructureDefinition/Consent",
        "interaction": [{ "code": "read" }, { "code": "search-type" }, { "code": "create" }],
        "searchParam": [{
            "name": "patient",
            "definition": "http://hl7.org/fhir/SearchParameter/Consent-patient",
            "type": "reference",
            "documentation": "The Confidant client id (`Patient/<id>` or `<id>`); required",
        }],
    });
    let statement = json!({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": today().to_string(),
        "publisher": "Confidant",
        "kind": "instance",
        "software": { "name": "Confidant", "version": env!("CARGO_PKG_VERSION") },
        "implementation": { "description": "Confidant: authorizations, Part 2 consents, California ASCMI forms and restrictions as FHIR Consent" },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "security": {
                "description": "An API token as `Authorization: Bearer …`: scope `read` to read and search, `write` to create. Every read is held to need-to-know and audited.",
            },
            "resource": [consent],
        }],
    });
    fhir(StatusCode::OK, &statement)
}

#[derive(serde::Deserialize)]
pub(crate) struct SearchQuery {
    patient: Option<String>,
}

#[utoipa::path(get, path = "/fhir/Consent", tag = "fhir",
    params(("patient" = String, Query, description = "The client id, `Patient/<id>` or `<id>` (required)")),
    responses(
        (status = 200, description = "A searchset Bundle of the client's Consents: authorizations, ASCMI forms, restrictions (scope `read`)", content_type = "application/fhir+json"),
        (status = 400, description = "OperationOutcome naming the missing or bad parameter", content_type = "application/fhir+json"),
    ))]
pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    p: Result<ApiPrincipal, Problem>,
    headers: HeaderMap,
    query: Result<crate::body::Query<SearchQuery>, Problem>,
) -> FhirResult {
    let p = principal(p, Scope::Read)?;
    let crate::body::Query(query) = query?;
    let patient = query.patient.ok_or_else(|| {
        let missing = Unmappable {
            element: "patient".into(),
            expected: "the search parameter `patient`: a client id (`Patient/<id>` or `<id>`)".into(),
            issue: "required",
        };
        FhirError(StatusCode::BAD_REQUEST, missing.outcome())
    })?;
    let client_id = patient.strip_prefix("Patient/").unwrap_or(&patient).to_string();
    check_id("patient", &client_id)?;
    let actor = p.actor(Channel::Api);
    let app = state.app();
    let authorizations = app.authorizations_of(&actor, &client_id).await?;
    let ascmis = app.ascmis_of(&actor, &client_id).await?;
    let restrictions = app.restrictions_of(&actor, &client_id).await?;
    let base = base(&headers, state.config.secure_cookies);
    let entry: Vec<Entry> = consents_of(&client_id, &authorizations, &ascmis, &restrictions)
        .into_iter()
        .map(|resource| Entry {
            full_url: base.as_ref().zip(resource.id.as_ref()).map(|(b, id)| format!("{b}/Consent/{id}")),
            resource,
            search: Some(json!({ "mode": "match" })),
        })
        .collect();
    let bundle = Bundle { resource_type: "Bundle".into(), kind: "searchset".into(), total: Some(entry.len()), entry };
    Ok(fhir(StatusCode::OK, &bundle))
}

#[utoipa::path(get, path = "/fhir/Consent/{id}", tag = "fhir",
    params(("id" = String, Path, description = "An authorization, ASCMI or restriction id")),
    responses(
        (status = 200, description = "The Consent (scope `read`)", content_type = "application/fhir+json"),
        (status = 404, description = "OperationOutcome: no such Consent the caller may read", content_type = "application/fhir+json"),
    ))]
pub(crate) async fn read(
    State(state): State<Arc<AppState>>,
    p: Result<ApiPrincipal, Problem>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> FhirResult {
    let p = principal(p, Scope::Read)?;
    check_id("id", &id)?;
    let actor = p.actor(Channel::Api);
    let app = state.app();
    let gone = || Problem::not_found(format!("Consent: no Consent `{id}`"));
    // Restrictions and authorizations have ids of their own prefixes; the
    // client they belong to is looked up, then read under need-to-know.
    let consent = if id.starts_with("restr-") {
        let client_id = state.store.restriction_client(&id).await.map_err(|_| gone())?;
        let list = app.restrictions_of(&actor, &client_id).await?;
        let r = list.iter().find(|r| r.id == id).ok_or_else(gone)?;
        stored_restriction_to_consent(&client_id, r)
    } else if let Ok(client_id) = state.store.authorization_client(&id).await {
        let list = app.authorizations_of(&actor, &client_id).await?;
        let a = list.iter().find(|a| a.authorization.id == id).ok_or_else(gone)?;
        authorization_to_consent(&client_id, &a.authorization)
    } else {
        let client_id = state.store.ascmi_client(&id).await.map_err(|_| gone())?;
        let form = app.ascmi_of(&actor, &client_id, &id).await?;
        ascmi_to_consent(&client_id, &form.ascmi)
    };
    Ok(fhir(StatusCode::OK, &consent))
}

#[utoipa::path(post, path = "/fhir/Consent", tag = "fhir",
    request_body(content = Object, description = "A FHIR R4 Consent", content_type = "application/fhir+json"),
    responses(
        (status = 201, description = "Filed; the Consent as stored, with its new id (scope `write`)", content_type = "application/fhir+json"),
        (status = 422, description = "OperationOutcome naming each element that cannot be mapped or filed", content_type = "application/fhir+json"),
    ))]
pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    p: Result<ApiPrincipal, Problem>,
    headers: HeaderMap,
    body: Body,
) -> FhirResult {
    let p = principal(p, Scope::Write)?;
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).map(str::trim);
    if !media.is_some_and(|m| m.eq_ignore_ascii_case(FHIR_JSON) || m.eq_ignore_ascii_case("application/json")) {
        return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("send the Consent as `Content-Type: {FHIR_JSON}`")).into());
    }
    let value: Value = serde_json::from_slice(&body.0).map_err(|e| Unmappable {
        element: "Consent".into(),
        expected: format!("a FHIR JSON resource ({})", e.to_string().split(" at line ").next().unwrap_or_default()),
        issue: "structure",
    })?;
    let imported = parse_consent(value)?;
    check_filable(&imported).map_err(|outcome| FhirError(StatusCode::UNPROCESSABLE_ENTITY, outcome))?;
    let actor = p.actor(Channel::Api);
    let client_id = imported.client_id;
    // FHIR `create`: the server assigns the id.
    let consent = match imported.filing {
        Filing::Authorization(mut auth) => {
            auth.id = String::new();
            let filed = state.app().file_authorization(&actor, &client_id, &auth, None).await?;
            auth.id = filed.id;
            authorization_to_consent(&client_id, &auth)
        }
        Filing::Ascmi(mut form) => {
            form.id = String::new();
            form.id = state.app().file_ascmi(&actor, &client_id, &form, None).await?;
            ascmi_to_consent(&client_id, &form)
        }
        Filing::Restriction { restriction, requested_on, .. } => {
            let on = requested_on.unwrap_or_else(|| state.store.today());
            let id = state.app().add_restriction(&actor, &client_id, &restriction, Some(on)).await?;
            // Filed now and not decided yet, unless filed agreed.
            restriction_to_consent(&client_id, &id, &restriction, on, restriction.agreed)
        }
    };
    let mut response = fhir(StatusCode::CREATED, &consent);
    if let Some(location) = consent.id.as_ref().and_then(|id| HeaderValue::from_str(&format!("/fhir/Consent/{id}")).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
