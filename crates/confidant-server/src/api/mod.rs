//! The `/v1` JSON API: every CLI capability over HTTP. Wire types live here
//! (enums arrive as strings and are parsed with the field named on error);
//! bodies deny unknown fields, so ids, authors and roles cannot be slipped
//! in. Every handler that touches a client passes `access::client_access`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use confidant_disclosure::Release;
use confidant_policy::vocab::{AuthorizationKind, Category, Fact, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind, Signer};
use confidant_policy::{
    Authorization, AuthorizedRecipient, Date, Discloser, Facts, Input, Recipient, Restriction, Statements, parse_input,
};
use confidant_store::{
    AccountingCorrection, AuditFilter, AuditKind, Birth, NewClient, NewStaff, RequestSpec, Staff, StaffRole, read_witness, today, unix_days,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use confidant_app::{Channel, StatusChange, SuspensionRequest};

use crate::AppState;
use crate::access::require_oversight;
use crate::auth::{ApiPrincipal, Principal, Scope, Via, cross_origin, session_set_cookie};
use crate::body::{Body, JsonBody, Path, Query};
use crate::problem::{ApiResult, Problem};

mod accounts;
mod ascmi;
mod audit;
mod clients;
mod disclosures;
mod rules;

pub(crate) use accounts::*;
pub(crate) use ascmi::*;
pub(crate) use audit::*;
pub(crate) use clients::*;
pub(crate) use disclosures::*;
pub(crate) use rules::*;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/session", post(sign_in).delete(sign_out))
        .route("/v1/me", get(me))
        .route("/v1/me/totp", post(totp_start))
        .route("/v1/me/totp/confirm", post(totp_confirm))
        .route("/v1/tokens", get(list_tokens).post(create_token))
        .route("/v1/tokens/{id}", delete(revoke_token))
        .route("/v1/staff", get(list_staff).post(add_staff))
        .route("/v1/staff/{id}/password", post(set_password))
        .route("/v1/staff/{id}/totp", delete(clear_totp))
        .route("/v1/staff/{id}/tokens", get(staff_tokens))
        .route("/v1/staff/{id}/tokens/{token}", delete(revoke_staff_token))
        .route("/v1/staff/{id}/active", post(set_active))
        .route("/v1/staff/{id}/role", post(set_role))
        .route("/v1/directory", get(directory))
        .route("/v1/clients/{id}/status-corrections", post(correct_status))
        .route("/v1/authorizations/review", get(authorization_queue))
        .route("/v1/authorizations/{auth}/review", post(review_authorization))
        .route("/v1/teams/{team}/members", post(add_team_member))
        .route("/v1/decisions", post(decisions))
        .route("/v1/rules", get(rules))
        .route("/v1/rules/{id}", get(rule))
        .route("/v1/rules/reload", post(reload_rules))
        .route("/v1/rules/status", get(rules_status))
        .route("/v1/clients", get(list_clients).post(add_client))
        .route("/v1/clients/{id}", get(show_client))
        .route("/v1/clients/{id}/caseload", post(assign_caseload))
        .route("/v1/clients/{id}/discharge", post(discharge))
        .route("/v1/clients/{id}/death", post(record_death))
        .route("/v1/clients/{id}/records", get(list_records).post(add_record))
        .route("/v1/clients/{id}/records/{record}", get(show_record))
        .route("/v1/clients/{id}/records/{record}/corrections", post(correct_record))
        .route("/v1/restrictions/{id}/decision", post(decide_restriction))
        .route("/v1/clients/{id}/authorizations", get(list_authorizations).post(add_authorization))
        .route("/v1/clients/{id}/authorizations/{auth}/revoke", post(revoke_authorization))
        .route("/v1/clients/{id}/ascmi", get(list_ascmi).post(add_ascmi))
        .route("/v1/clients/{id}/ascmi/{ascmi}/document", put(put_ascmi_document).get(get_ascmi_document))
        .route("/v1/clients/{id}/ascmi/{ascmi}/revoke", post(revoke_ascmi))
        .route("/v1/clients/{id}/restrictions", get(list_restrictions).post(add_restriction))
        .route("/v1/clients/{id}/decisions", post(client_decision))
        .route("/v1/clients/{id}/disclosures", get(list_disclosures).post(disclose_handler))
        .route("/v1/clients/{id}/accounting", get(accounting))
        .route("/v1/clients/{id}/accounting/suspensions", post(suspend_accounting))
        .route("/v1/accounting/{entry}/corrections", post(correct_accounting))
        .route("/v1/clients/{id}/break-glass", post(break_glass))
        .route("/v1/break-glass", get(break_glass_queue))
        .route("/v1/break-glass/{id}/review", post(review_break_glass))
        .route("/v1/audit/head", get(audit_head))
        .route("/v1/audit/verify", post(audit_verify))
        .route("/v1/audit/entries", get(audit_entries))
        .route("/v1/audit/entries/{seq}/proof", get(audit_proof))
        .route("/v1/audit/consistency", get(audit_consistency))
        .route("/v1/audit/log/checkpoint", get(audit_log_checkpoint))
        .route("/v1/audit/log/tile/{*path}", get(audit_log_tile))
}

// ── parsing helpers ──────────────────────────────────────────────────────

fn parse_enum<T>(field: &str, text: &str, parse: fn(&str) -> Option<T>, expected: fn() -> String) -> Result<T, Problem> {
    parse(text).ok_or_else(|| Problem::bad_input(format!("{field}: one of {}, got `{text}`", expected())))
}

fn parse_list<T: PartialEq>(
    field: &str,
    items: &[String],
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<Vec<T>, Problem> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let value = parse_enum(&format!("{field}/{i}"), item, parse, expected)?;
        if out.contains(&value) {
            return Err(Problem::bad_input(format!("{field}/{i}: each value once, got `{item}` twice")));
        }
        out.push(value);
    }
    Ok(out)
}

pub(crate) fn parse_date(field: &str, text: &str) -> Result<Date, Problem> {
    Date::parse(text).ok_or_else(|| Problem::bad_input(format!("{field}: a date as YYYY-MM-DD, got `{text}`")))
}

fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    (status, Json(value)).into_response()
}
