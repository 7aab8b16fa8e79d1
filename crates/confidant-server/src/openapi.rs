//! The API described as OpenAPI 3.1, generated from the handlers'
//! annotations (utoipa), served at `/openapi.json`, with a docs page at
//! `/docs` that renders it in the browser from this server alone (no
//! assets from the network; the page's script is embedded like the
//! console's).

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::OpenApi;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Confidant",
        description = "May I share this, with this person, for this reason? Decisions, the records vault, disclosures, the accounting of disclosures and the audit log."
    ),
    paths(
        crate::api::reload_rules,
        crate::api::rules_status,
        crate::api::sign_in,
        crate::api::sign_out,
        crate::api::me,
        crate::api::totp_start,
        crate::api::totp_confirm,
        crate::api::create_token,
        crate::api::list_tokens,
        crate::api::revoke_token,
        crate::api::add_staff,
        crate::api::list_staff,
        crate::api::set_password,
        crate::api::clear_totp,
        crate::api::add_team_member,
        crate::api::assign_caseload,
        crate::api::staff_tokens,
        crate::api::revoke_staff_token,
        crate::api::set_active,
        crate::api::set_role,
        crate::api::directory,
        crate::api::correct_status,
        crate::api::authorization_queue,
        crate::api::review_authorization,
        crate::api::decisions,
        crate::api::rules,
        crate::api::rule,
        crate::api::list_clients,
        crate::api::add_client,
        crate::api::show_client,
        crate::api::discharge,
        crate::api::record_death,
        crate::api::list_records,
        crate::api::add_record,
        crate::api::show_record,
        crate::api::correct_record,
        crate::api::list_authorizations,
        crate::api::add_authorization,
        crate::api::revoke_authorization,
        crate::api::list_ascmi,
        crate::api::add_ascmi,
        crate::api::put_ascmi_document,
        crate::api::get_ascmi_document,
        crate::api::revoke_ascmi,
        crate::api::list_restrictions,
        crate::api::add_restriction,
        crate::api::decide_restriction,
        crate::api::client_decision,
        crate::api::disclose_handler,
        crate::api::list_disclosures,
        crate::api::accounting,
        crate::api::correct_accounting,
        crate::api::suspend_accounting,
        crate::api::break_glass,
        crate::api::break_glass_queue,
        crate::api::review_break_glass,
        crate::api::audit_head,
        crate::api::audit_verify,
        crate::api::audit_entries,
        crate::api::audit_proof,
        crate::api::audit_consistency,
        crate::api::audit_log_checkpoint,
        crate::api::audit_log_tile,
        crate::training::questions,
        crate::training::cards,
        crate::training::progress_handler,
        crate::training::next,
        crate::training::answer,
        crate::training::review,
        crate::training::start_exam,
        crate::training::exam,
        crate::training::exam_answers,
        crate::training::submit,
        crate::training::certificate,
        crate::training::report,
        crate::fhir::routes::metadata,
        crate::fhir::routes::search,
        crate::fhir::routes::read,
        crate::fhir::routes::create,
    )
)]
struct ApiDoc;

/// The OpenAPI document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/openapi.json", get(|| async { axum::Json(document()) }))
        .route("/docs", get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], DOCS_PAGE).into_response() }))
        .route(
            "/assets/docs.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], DOCS_SCRIPT).into_response() }),
        )
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Confidant API</title><link rel="stylesheet" href="/assets/console.css"><script src="/assets/docs.js" defer></script></head>
<body><main id="main"><h1>Confidant API</h1>
<p>The machine-readable description is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Sign in with
<code>POST /v1/session</code>, or send an API token as <code>Authorization: Bearer …</code>. Errors are
<code>application/problem+json</code> (RFC 9457) whose <code>detail</code> names the field.</p>
<div id="paths"><noscript>Open /openapi.json to read the description without JavaScript.</noscript></div></main></body></html>"#;

const DOCS_SCRIPT: &str = r#"// Renders /openapi.json as a list of operations; no external assets.
document.addEventListener("DOMContentLoaded", function () {
  fetch("/openapi.json").then(function (r) { return r.json(); }).then(function (doc) {
    var root = document.getElementById("paths");
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags && op.tags[0]) || "other";
        (byTag[tag] = byTag[tag] || []).push({ method: method.toUpperCase(), path: path, op: op });
      });
    });
    Object.keys(byTag).sort().forEach(function (tag) {
      var h = document.createElement("h2"); h.textContent = tag; root.appendChild(h);
      var table = document.createElement("table");
      byTag[tag].forEach(function (e) {
        var tr = document.createElement("tr");
        var a = document.createElement("td"); a.textContent = e.method; tr.appendChild(a);
        var b = document.createElement("td"); var code = document.createElement("code"); code.textContent = e.path; b.appendChild(code); tr.appendChild(b);
        var c = document.createElement("td");
        c.textContent = Object.keys(e.op.responses || {}).map(function (k) { return k + " " + (e.op.responses[k].description || ""); }).join("; ");
        tr.appendChild(c); table.appendChild(tr);
      });
      root.appendChild(table);
    });
  });
});
"#;
