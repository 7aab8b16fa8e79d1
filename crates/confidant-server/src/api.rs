//! The `/v1` JSON API: every CLI capability over HTTP. Wire types live here
//! (enums arrive as strings and are parsed with the field named on error);
//! bodies deny unknown fields, so ids, authors and roles cannot be slipped
//! in. Every handler that touches a client passes `access::client_access`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use confidant_disclosure::Release;
use confidant_policy::vocab::{AuthorizationKind, Category, Fact, Jurisdiction, OrganizationPolicy, Purpose, RecipientKind, Signer};
use confidant_policy::{Authorization, AuthorizedRecipient, Date, Discloser, Facts, Input, Recipient, Restriction, Statements, parse_input};
use confidant_store::{
    AccountingCorrection, AuditEvent, AuditFilter, AuditKind, Birth, NewClient, NewStaff, RequestSpec,
    StaffRole, Staff, read_witness, today, unix_days,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use confidant_app::{Channel, StatusChange, SuspensionRequest};

use crate::AppState;
use crate::access::{client_access, require_oversight, require_privacy_officer};
use crate::auth::{
    ApiPrincipal, DUMMY_PASSWORD_HASH, LOCK_AFTER, LOCK_SECS, Principal, SCOPES, Via, backoff, cross_origin, hash_password, new_token,
    session_set_cookie, totp, totp_step, verify_password,
};
use crate::body::{Body, JsonBody, Path, Query};
use crate::problem::{ApiResult, Problem};

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
        .route("/v1/clients/{id}/authorizations", get(list_authorizations).post(add_authorization))
        .route("/v1/clients/{id}/authorizations/{auth}/revoke", post(revoke_authorization))
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
}

// ── parsing helpers ──────────────────────────────────────────────────────

fn parse_enum<T>(field: &str, text: &str, parse: fn(&str) -> Option<T>, expected: fn() -> String) -> Result<T, Problem> {
    parse(text).ok_or_else(|| Problem::bad_input(format!("{field}: one of {}, got `{text}`", expected())))
}

fn parse_list<T: PartialEq>(field: &str, items: &[String], parse: fn(&str) -> Option<T>, expected: fn() -> String) -> Result<Vec<T>, Problem> {
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

// ── sign-in ──────────────────────────────────────────────────────────────

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignIn {
    /// The staff id.
    username: String,
    password: String,
    /// The six-digit code, when TOTP is enabled for the account.
    #[serde(default)]
    totp: Option<String>,
}

/// A started session: the cookie's token (set as a cookie too) and its CSRF token.
pub(crate) struct Started {
    pub staff: Staff,
    pub token: zeroize::Zeroizing<String>,
    pub csrf: String,
}

/// The sign-in flow shared by the API and the console: per-address rate
/// limit, then one claimed password check (at most [`LOCK_AFTER`] per lock
/// window however many arrive at once), then TOTP when enabled, each code
/// good once. An unknown id, a wrong password, a missing or wrong code, a
/// locked or inactive account: all spend one Argon2id verification, wait on
/// the same backoff and get the same answer, so none of them tells whether
/// a staff id exists or a password was right.
pub(crate) async fn start_session(state: &AppState, address: &str, username: &str, password: &str, code: Option<&str>) -> Result<Started, Problem> {
    state.limiter.check(address).await?;
    let credential = if crate::body::check_id("username", username).is_ok() { state.store.credential(username).await? } else { None };
    let (mut ok, claim) = claimed_check(state, credential.as_ref(), password).await?;
    let staff = match &credential {
        Some(c) => Some(state.store.staff(&c.staff_id).await?),
        None => None,
    };
    if ok && let Some(c) = credential.as_ref().filter(|c| c.totp_enabled) {
        ok = match (state.store.totp_secret(&c.staff_id).await?, code) {
            (Some(secret), Some(code)) => match totp_step(&secret, code, state.store.now_secs()) {
                Some(step) => state.store.accept_totp_step(&c.staff_id, step).await?,
                None => false,
            },
            _ => false,
        };
    }
    let staff = match staff {
        Some(staff) if ok && staff.active => staff,
        _ => {
            let (actor, failures) = match &credential {
                Some(c) => (Some(c.staff_id.as_str()), claim.unwrap_or(LOCK_AFTER)),
                None => (None, state.unknown_ids.fail(username)),
            };
            let locked = credential.is_some() && (claim.is_none() || claim == Some(LOCK_AFTER));
            state.audit.one(AuditEvent::new(AuditKind::SignInFailed, actor).details(json!({ "address": address, "failures": failures, "locked": locked }))).await?;
            tokio::time::sleep(backoff(failures)).await;
            return Err(Problem::new(StatusCode::UNAUTHORIZED, "wrong staff id, password or code (or the account is locked for a while after repeated failures)"));
        }
    };
    state.store.record_sign_in_success(&staff.id).await?;
    let (token, hash) = new_token();
    let (csrf, _) = new_token();
    state.store.create_session(&hash, &staff.id, &csrf, state.store.now_secs() + state.config.session_secs).await?;
    state.audit.one(AuditEvent::new(AuditKind::SignIn, Some(&staff.id)).details(json!({ "address": address }))).await?;
    Ok(Started { staff, token, csrf: csrf.to_string() })
}

/// One claimed password check: the claim first (none when the account is
/// locked or unknown), then one Argon2id verification off the async
/// workers, against the dummy hash when there is nothing to check, so every
/// path costs the same. Returns whether it matched and the claim.
async fn claimed_check(state: &AppState, credential: Option<&confidant_store::Credential>, password: &str) -> Result<(bool, Option<u32>), Problem> {
    let claim = match credential {
        Some(c) => state.store.claim_password_check(&c.staff_id, LOCK_AFTER, LOCK_SECS).await?,
        None => None,
    };
    let phc = match (credential, claim) {
        (Some(c), Some(_)) => c.password_hash.clone(),
        _ => DUMMY_PASSWORD_HASH.to_string(),
    };
    let password = zeroize::Zeroizing::new(password.to_string());
    let matched = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.map_err(|e| Problem::internal(&e))?;
    Ok((matched && claim.is_some(), claim))
}

/// Checks `password` as the staff member's current one, for changes made
/// inside a session (password, second factor). Each check is claimed like
/// a sign-in, so guesses here count toward the same lockout.
async fn check_current_password(state: &AppState, p: &Principal, password: Option<&str>, doing: &str) -> Result<(), Problem> {
    let password = password.ok_or_else(|| Problem::bad_input("current_password: your current password"))?;
    let credential = state.store.credential(p.id()).await?;
    let (ok, claim) = claimed_check(state, credential.as_ref(), password).await?;
    if ok {
        state.store.record_sign_in_success(p.id()).await?;
        return Ok(());
    }
    state.audit.one(AuditEvent::new(AuditKind::AccessDenied, Some(p.id())).details(json!({ "doing": doing, "failures": claim.unwrap_or(LOCK_AFTER) }))).await?;
    tokio::time::sleep(backoff(claim.unwrap_or(LOCK_AFTER))).await;
    Err(Problem::forbidden("current_password: not the current password (or the account is locked for a while)"))
}

fn staff_json(staff: &Staff) -> Value {
    json!({ "id": staff.id, "display_name": staff.display_name, "role": staff.role.as_str(), "active": staff.active })
}

#[utoipa::path(post, path = "/v1/session", tag = "sign-in", request_body = SignIn,
    responses((status = 200, description = "Signed in; the session cookie is set and the CSRF token returned"), (status = 401, description = "Wrong credentials"), (status = 429, description = "Rate limited or locked")))]
pub(crate) async fn sign_in(State(state): State<Arc<AppState>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, headers: axum::http::HeaderMap, JsonBody(body): JsonBody<SignIn>) -> ApiResult<Response> {
    // Login CSRF: another site must not sign a browser in to an account of its choosing.
    if cross_origin(&headers) {
        return Err(Problem::forbidden("sign in from this server's own pages (`Origin`)"));
    }
    let started = start_session(&state, &peer.ip().to_string(), &body.username, &body.password, body.totp.as_deref()).await?;
    let mut response = json_response(StatusCode::OK, &json!({ "staff": staff_json(&started.staff), "csrf_token": started.csrf }));
    let cookie = session_set_cookie(Some(&started.token), state.config.secure_cookies, state.config.session_secs);
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| Problem::internal(&e))?);
    Ok(response)
}

#[utoipa::path(delete, path = "/v1/session", tag = "sign-in", responses((status = 204, description = "Signed out")))]
pub(crate) async fn sign_out(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Response> {
    if let Via::Session { token_hash, .. } = &p.via {
        state.store.revoke_session(token_hash).await?;
        state.principals.evict(token_hash);
    }
    state.audit.one(AuditEvent::new(AuditKind::SignOut, Some(p.id()))).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    let cookie = session_set_cookie(None, state.config.secure_cookies, 0);
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| Problem::internal(&e))?);
    Ok(response)
}

#[utoipa::path(get, path = "/v1/me", tag = "sign-in", responses((status = 200, description = "The signed-in staff member")))]
pub(crate) async fn me(ApiPrincipal(p): ApiPrincipal) -> Json<Value> {
    Json(staff_json(&p.staff))
}

/// Enrolling a second factor is done by the person, in a session: an API
/// token that leaked must not be able to swap the factor for one its holder
/// controls.
fn require_session(p: &Principal, doing: &str) -> Result<(), Problem> {
    match p.via {
        Via::Session { .. } => Ok(()),
        Via::Token { .. } => Err(Problem::forbidden(format!("{doing}: sign in with a password; API tokens cannot do this"))),
    }
}

#[utoipa::path(post, path = "/v1/me/totp", tag = "sign-in", request_body = CurrentPassword, responses((status = 200, description = "A new TOTP secret to enrol; confirm it with a code"),
    (status = 409, description = "TOTP is already enabled; an admin clears it (lost device) before a new enrolment")))]
pub(crate) async fn totp_start(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, JsonBody(body): JsonBody<CurrentPassword>) -> ApiResult<Json<Value>> {
    require_session(&p, "enrol TOTP")?;
    // A stolen session alone must not be able to bind a factor its holder controls.
    check_current_password(&state, &p, Some(&body.current_password), "enrol TOTP").await?;
    // A new enrolment replaces the secret and stays off until confirmed, so
    // while a factor is enabled it would switch the factor off: refused.
    if state.store.credential(p.id()).await?.is_some_and(|c| c.totp_enabled) {
        return Err(Problem::new(StatusCode::CONFLICT, "totp: already enabled for this account; an admin clears it before a new enrolment"));
    }
    let mut secret = zeroize::Zeroizing::new([0u8; 20]);
    rand::fill(secret.as_mut());
    state.store.set_totp_secret(p.id(), secret.as_ref(), false).await?;
    let t = totp(secret.as_ref(), p.id())?;
    let secret32 = t.get_secret_base32();
    // The key URI format authenticator apps scan (as a QR code).
    let url = format!("otpauth://totp/Confidant:{id}?secret={secret32}&issuer=Confidant&algorithm=SHA1&digits=6&period=30", id = p.id());
    Ok(Json(json!({ "secret": secret32, "otpauth_url": url, "enabled": false })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Code {
    code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CurrentPassword {
    current_password: String,
}

#[utoipa::path(post, path = "/v1/me/totp/confirm", tag = "sign-in", request_body = Code, responses((status = 200, description = "TOTP enabled")))]
pub(crate) async fn totp_confirm(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, JsonBody(body): JsonBody<Code>) -> ApiResult<Json<Value>> {
    require_session(&p, "enrol TOTP")?;
    let secret = state.store.totp_secret(p.id()).await?.ok_or_else(|| Problem::bad_input("code: start enrolment with POST /v1/me/totp first"))?;
    let accepted = match totp_step(&secret, &body.code, state.store.now_secs()) {
        Some(step) => state.store.accept_totp_step(p.id(), step).await?,
        None => false,
    };
    if !accepted {
        return Err(Problem::bad_input("code: the current six-digit code from the authenticator app"));
    }
    state.store.set_totp_secret(p.id(), &secret, true).await?;
    state.audit.one(AuditEvent::new(AuditKind::TotpChanged, Some(p.id())).details(json!({ "staff": p.id(), "enabled": true }))).await?;
    Ok(Json(json!({ "enabled": true })))
}

// ── API tokens ───────────────────────────────────────────────────────────

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    name: String,
    /// Any of `decisions`, `read`, `write`, `audit`.
    scopes: Vec<String>,
}

#[utoipa::path(post, path = "/v1/tokens", tag = "sign-in", request_body = NewToken, responses((status = 201, description = "The token, shown once")))]
pub(crate) async fn create_token(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, JsonBody(body): JsonBody<NewToken>) -> ApiResult<Response> {
    if !matches!(p.via, Via::Session { .. }) {
        return Err(Problem::forbidden("API tokens are made from a signed-in session, not from another token"));
    }
    for (i, scope) in body.scopes.iter().enumerate() {
        if !SCOPES.contains(&scope.as_str()) {
            return Err(Problem::bad_input(format!("scopes/{i}: one of {}, got `{scope}`", SCOPES.join(", "))));
        }
    }
    let (token, hash) = new_token();
    let id = state.store.create_api_token(&hash, p.id(), &body.name, &body.scopes).await?;
    state.audit.one(AuditEvent::new(AuditKind::TokenCreated, Some(p.id())).details(json!({ "token": id, "for": p.id(), "scopes": body.scopes }))).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id, "token": token.as_str(), "scopes": body.scopes })))
}

#[utoipa::path(get, path = "/v1/tokens", tag = "sign-in", responses((status = 200, description = "The caller's tokens (never their values)")))]
pub(crate) async fn list_tokens(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.store.api_tokens(p.id()).await?)))
}

#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "sign-in", responses((status = 204, description = "Revoked")))]
pub(crate) async fn revoke_token(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>) -> ApiResult<StatusCode> {
    // Revoking is a write: a read-only token cannot revoke its siblings.
    p.require("write")?;
    state.store.revoke_api_token(&id, p.id()).await?;
    // The cache is keyed by hash, which this id does not give: drop the owner's entries.
    state.principals.evict_staff(p.id());
    state.audit.one(AuditEvent::new(AuditKind::TokenRevoked, Some(p.id())).details(json!({ "token": id, "for": p.id() }))).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/staff/{id}/tokens", tag = "staff", responses((status = 200, description = "A staff member's tokens (never their values); admin")))]
pub(crate) async fn staff_tokens(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    require_admin(&p)?;
    state.store.staff(&id).await?;
    Ok(Json(json!(state.store.api_tokens(&id).await?)))
}

#[utoipa::path(delete, path = "/v1/staff/{id}/tokens/{token}", tag = "staff", responses((status = 204, description = "Revoked; admin")))]
pub(crate) async fn revoke_staff_token(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path((id, token)): Path<(String, String)>) -> ApiResult<StatusCode> {
    require_admin(&p)?;
    state.store.revoke_api_token(&token, &id).await?;
    state.principals.evict_staff(&id);
    state.audit.one(AuditEvent::new(AuditKind::TokenRevoked, Some(p.id())).details(json!({ "token": token, "for": id }))).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActiveBody {
    active: bool,
}

#[utoipa::path(post, path = "/v1/staff/{id}/active", tag = "staff", request_body = ActiveBody,
    responses((status = 204, description = "Deactivated (every session and token ends at once) or reactivated; admin")))]
pub(crate) async fn set_active(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<ActiveBody>) -> ApiResult<StatusCode> {
    p.require("write")?;
    state.app().set_staff_active(&p.actor(Channel::Api), &id, body.active).await?;
    // No cached principal outlives a deactivation.
    state.principals.evict_staff(&id);
    Ok(StatusCode::NO_CONTENT)
}

// ── staff and teams (admin) ──────────────────────────────────────────────

fn require_admin(p: &Principal) -> Result<(), Problem> {
    p.require("write")?;
    if p.role() == StaffRole::Admin { Ok(()) } else { Err(Problem::forbidden("only an admin manages staff and teams")) }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewStaffBody {
    display_name: String,
    role: String,
}

#[utoipa::path(post, path = "/v1/staff", tag = "staff", request_body = NewStaffBody, responses((status = 201, description = "Added")))]
pub(crate) async fn add_staff(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, JsonBody(body): JsonBody<NewStaffBody>) -> ApiResult<Response> {
    p.require("write")?;
    let role = parse_enum("role", &body.role, StaffRole::parse, StaffRole::expected)?;
    let id = state.app().add_staff(&p.actor(Channel::Api), NewStaff { id: None, display_name: body.display_name, role }).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id })))
}

#[utoipa::path(get, path = "/v1/staff", tag = "staff", responses((status = 200, description = "Every staff member")))]
pub(crate) async fn list_staff(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    require_admin(&p)?;
    Ok(Json(Value::Array(state.store.list_staff().await?.iter().map(staff_json).collect())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordBody {
    password: String,
    /// Required when changing one's own password: a stolen session alone
    /// must not be enough to take the account over.
    #[serde(default)]
    current_password: Option<String>,
}

#[utoipa::path(post, path = "/v1/staff/{id}/password", tag = "staff", request_body = PasswordBody,
    responses((status = 204, description = "Set; the staff member's other sessions end"), (status = 403, description = "Wrong current password, or not an admin")))]
pub(crate) async fn set_password(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<PasswordBody>) -> ApiResult<StatusCode> {
    let own = p.id() == id;
    if own {
        require_session(&p, "change your password")?;
        check_current_password(&state, &p, body.current_password.as_deref(), "change password").await?;
    } else {
        require_admin(&p)?;
    }
    if body.password.chars().count() < 12 {
        return Err(Problem::bad_input("password: at least 12 characters"));
    }
    state.store.set_password_hash(&id, &hash_password(&body.password)?).await?;
    // Other devices sign in again with the new password; an admin's reset
    // ends them all (the account may have been taken over).
    let keep = match (&p.via, own) {
        (Via::Session { token_hash, .. }, true) => Some(token_hash.as_str()),
        _ => None,
    };
    let ended = state.store.revoke_sessions_of(&id, keep).await?;
    // A token made by whoever held the account goes with the old password.
    let tokens = state.store.revoke_api_tokens_of(&id).await?;
    // Cached principals would outlive the revocation by up to PRINCIPAL_TTL.
    state.principals.evict_staff(&id);
    state
        .audit
        .one(AuditEvent::new(AuditKind::PasswordSet, Some(p.id())).details(json!({ "staff": id, "sessions_ended": ended, "tokens_revoked": tokens })))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/staff/{id}/totp", tag = "staff", responses((status = 204, description = "TOTP cleared; the staff member may enrol again"), (status = 403, description = "Not an admin")))]
pub(crate) async fn clear_totp(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>) -> ApiResult<StatusCode> {
    require_admin(&p)?;
    state.store.clear_totp(&id).await?;
    state.audit.one(AuditEvent::new(AuditKind::TotpChanged, Some(p.id())).details(json!({ "staff": id, "enabled": false }))).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StaffRef {
    staff_id: String,
}

#[utoipa::path(post, path = "/v1/teams/{team}/members", tag = "staff", request_body = StaffRef, responses((status = 204, description = "Added")))]
pub(crate) async fn add_team_member(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(team): Path<String>, JsonBody(body): JsonBody<StaffRef>) -> ApiResult<StatusCode> {
    p.require("write")?;
    crate::body::check_id("staff_id", &body.staff_id)?;
    state.app().add_team_member(&p.actor(Channel::Api), &team, &body.staff_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/clients/{id}/caseload", tag = "staff", request_body = StaffRef, responses((status = 204, description = "Assigned")))]
pub(crate) async fn assign_caseload(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<StaffRef>) -> ApiResult<StatusCode> {
    p.require("write")?;
    crate::body::check_id("staff_id", &body.staff_id)?;
    state.app().assign_caseload(&p.actor(Channel::Api), &id, &body.staff_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ── decisions and rules ──────────────────────────────────────────────────

#[utoipa::path(post, path = "/v1/decisions", tag = "decisions", request_body(content = Object, description = "A request (object) or a batch (array), per spec/decisions.md"),
    responses((status = 200, description = "The decision, or an array of decisions in the same order"), (status = 422, description = "Bad input; `detail` names the field")))]
pub(crate) async fn decisions(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Body(bytes): Body) -> ApiResult<Response> {
    p.require("decisions")?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Problem::bad_input("input: UTF-8 text"))?;
    let engine = state.engine();
    let decided = match parse_input(text).map_err(|e| Problem::bad_input(e.to_string()))? {
        Input::One(request) => serde_json::to_vec(&engine.decide(&request).map_err(|e| engine_problem(e, None))?),
        Input::Batch(requests) => {
            let mut out = Vec::with_capacity(requests.len());
            for (i, request) in requests.iter().enumerate() {
                out.push(engine.decide(request).map_err(|e| engine_problem(e, Some(i)))?);
            }
            serde_json::to_vec(&out)
        }
    }
    .map_err(|e| Problem::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], decided).into_response())
}

/// An engine refusal: bad input (a jurisdiction no loaded pack covers) is
/// the caller's, naming the field (and the batch index); anything else is ours.
pub(crate) fn engine_problem(e: confidant_policy::EngineError, index: Option<usize>) -> Problem {
    match e {
        confidant_policy::EngineError::Input(input) => Problem::bad_input(match index {
            Some(i) => input.in_batch(i).to_string(),
            None => input.to_string(),
        }),
        other => Problem::internal(&other),
    }
}

#[utoipa::path(get, path = "/v1/rules", tag = "decisions", responses((status = 200, description = "Every rule: id, layer, cite, effect, summary")))]
pub(crate) async fn rules(State(state): State<Arc<AppState>>, ApiPrincipal(_signed_in): ApiPrincipal) -> Json<Value> {
    Json(Value::Array(state.engine().rules().iter().map(rule_json).collect()))
}

#[utoipa::path(post, path = "/v1/rules/reload", tag = "decisions", responses((status = 200, description = "The packs were reloaded: the old and new `rules_version`"), (status = 422, description = "The packs were refused; the current rules stay")))]
pub(crate) async fn reload_rules(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    p.require("write")?;
    if !matches!(p.role(), StaffRole::Admin | StaffRole::PrivacyOfficer) {
        return Err(Problem::forbidden("only an admin or the privacy officer reloads the rule packs"));
    }
    let (old, new) = state.reload_rules(Some(p.id())).await.map_err(|reason| Problem::bad_input(format!("packs: {reason}")))?;
    Ok(Json(json!({ "old_rules_version": old, "new_rules_version": new })))
}

#[utoipa::path(get, path = "/v1/rules/status", tag = "decisions", responses((status = 200, description = "The packs in use: source, rules_version, the packs' own test results and what the last reload changed (admin, privacy officer)")))]
pub(crate) async fn rules_status(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    require_oversight(&state, &p, "read the rule packs' status").await?;
    Ok(Json(serde_json::to_value(state.rules_status()).map_err(|e| Problem::internal(&e))?))
}

fn rule_json(r: &confidant_policy::Rule) -> Value {
    json!({
        "id": r.id, "layer": r.layer.as_str(), "cite": r.cite, "effect": r.effect.as_str(), "summary": r.summary,
        "obligations": r.obligations.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
        "remedies": r.remedies.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
        "policy": r.source,
    })
}

#[utoipa::path(get, path = "/v1/rules/{id}", tag = "decisions", responses((status = 200, description = "One rule with its Cedar text")))]
pub(crate) async fn rule(State(state): State<Arc<AppState>>, ApiPrincipal(_signed_in): ApiPrincipal, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    state.engine().rule(&id).map(|r| Json(rule_json(r))).ok_or_else(|| Problem::not_found(format!("rule: no rule `{id}`")))
}

// ── clients ──────────────────────────────────────────────────────────────

fn client_json(c: &confidant_store::Client) -> Value {
    json!(c)
}

#[utoipa::path(get, path = "/v1/clients", tag = "clients", responses((status = 200, description = "Clients on the caller's caseload or care team, whatever the caller's role")))]
pub(crate) async fn list_clients(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Response> {
    p.require("read")?;
    // Need-to-know holds for every role: oversight is of the log, not of charts.
    let ids = state.store.visible_clients(p.id()).await?;
    let clients: Vec<Value> = state.store.list_clients().await?.iter().filter(|c| ids.contains(&c.id)).map(client_json).collect();
    state.audit.one(AuditEvent::new(AuditKind::ClientRead, Some(p.id())).categories(&[Category::Demographics]).details(json!({ "clients": clients.len() }))).await?;
    Ok(Json(Value::Array(clients)).into_response())
}

#[utoipa::path(get, path = "/v1/directory", tag = "clients", responses((status = 200, description = "Every client's id, name and team, for assignment work (admin, privacy officer)")))]
pub(crate) async fn directory(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    p.require("read")?;
    if !p.oversees() {
        return Err(Problem::forbidden("the client directory is for the admin's and the privacy officer's assignment work"));
    }
    // Id, name and team only: no contact, notes, birth date or program. Even
    // that a client is in a Part 2 program is protected (42 CFR 2.13(c)).
    let clients: Vec<Value> = state.store.list_clients().await?.iter().map(|c| json!({ "id": c.id, "name": c.name, "team": c.team_id })).collect();
    state.audit.one(AuditEvent::new(AuditKind::ClientRead, Some(p.id())).details(json!({ "directory": clients.len() }))).await?;
    Ok(Json(Value::Array(clients)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewClientBody {
    name: String,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    /// YYYY-MM-DD; or give `age`.
    #[serde(default)]
    date_of_birth: Option<String>,
    #[serde(default)]
    age: Option<u8>,
    #[serde(default)]
    part2_program: bool,
    /// LPS Act records (Cal. Welf. & Inst. Code 5328).
    #[serde(default)]
    lps_program: bool,
    #[serde(default)]
    team: Option<String>,
}

#[utoipa::path(post, path = "/v1/clients", tag = "clients", request_body = NewClientBody, responses((status = 201, description = "Added, on the caller's caseload")))]
pub(crate) async fn add_client(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, JsonBody(body): JsonBody<NewClientBody>) -> ApiResult<Response> {
    p.require("write")?;
    let birth = match (&body.date_of_birth, body.age) {
        (Some(dob), _) => Birth::DateOfBirth(parse_date("date_of_birth", dob)?),
        (None, Some(years)) => Birth::Age { years, on: today() },
        (None, None) => return Err(Problem::bad_input("date_of_birth: a date of birth, or `age`")),
    };
    let team_id = match &body.team {
        Some(t) => Some(state.store.team_id(t).await?),
        None => None,
    };
    let new = NewClient { id: None, name: body.name, contact: body.contact, notes: body.notes, birth, part2_program: body.part2_program, lps_program: body.lps_program, team_id };
    let id = state.app().add_client(&p.actor(Channel::Api), new).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id })))
}

#[utoipa::path(get, path = "/v1/clients/{id}", tag = "clients", responses((status = 200, description = "The client"), (status = 404, description = "Not on the caller's caseload (or no such client)")))]
pub(crate) async fn show_client(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    p.require("read")?;
    let client = state.app().show_client(&p.actor(Channel::Api), &id).await?;
    Ok(Json(client_json(&client)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnDay {
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    on: Option<String>,
}

pub(crate) async fn client_change(state: &AppState, p: &Principal, id: &str, on: Option<&str>, death: bool) -> ApiResult<StatusCode> {
    p.require("write")?;
    let on = on.map(|d| parse_date("on", d)).transpose()?;
    let change = if death { StatusChange::Death } else { StatusChange::Discharge };
    state.app().change_status(&p.actor(Channel::Api), id, change, on).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusCorrectionBody {
    /// What the discharge date should be (absent: not discharged).
    #[serde(default)]
    discharged_on: Option<String>,
    /// What the date of death should be (absent: living).
    #[serde(default)]
    died_on: Option<String>,
    reason: String,
}

#[utoipa::path(post, path = "/v1/clients/{id}/status-corrections", tag = "clients", request_body = StatusCorrectionBody,
    responses((status = 204, description = "Corrected, as an audited correction naming the old and new status (privacy officer)")))]
pub(crate) async fn correct_status(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<StatusCorrectionBody>) -> ApiResult<StatusCode> {
    p.require("write")?;
    let discharged_on = body.discharged_on.as_deref().map(|d| parse_date("discharged_on", d)).transpose()?;
    let died_on = body.died_on.as_deref().map(|d| parse_date("died_on", d)).transpose()?;
    state.app().correct_status(&p.actor(Channel::Api), &id, discharged_on, died_on, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/clients/{id}/discharge", tag = "clients", request_body = OnDay, responses((status = 204, description = "Discharged (still protected)")))]
pub(crate) async fn discharge(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<OnDay>) -> ApiResult<StatusCode> {
    client_change(&state, &p, &id, body.on.as_deref(), false).await
}

#[utoipa::path(post, path = "/v1/clients/{id}/death", tag = "clients", request_body = OnDay, responses((status = 204, description = "Death recorded (still protected)")))]
pub(crate) async fn record_death(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<OnDay>) -> ApiResult<StatusCode> {
    client_change(&state, &p, &id, body.on.as_deref(), true).await
}

// ── records ──────────────────────────────────────────────────────────────

#[utoipa::path(get, path = "/v1/clients/{id}/records", tag = "records", responses((status = 200, description = "Records with contents; psychotherapy notes only the caller wrote")))]
pub(crate) async fn list_records(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    p.require("read")?;
    let read = state.app().read_records(&p.actor(Channel::Api), &id).await?;
    Ok(Json(json!({ "records": read.records, "psychotherapy_notes_withheld": read.notes_withheld })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRecordBody {
    category: String,
    content: String,
}

#[utoipa::path(post, path = "/v1/clients/{id}/records", tag = "records", request_body = NewRecordBody, responses((status = 201, description = "Added; the caller is the author")))]
pub(crate) async fn add_record(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<NewRecordBody>) -> ApiResult<Response> {
    p.require("write")?;
    let category = parse_enum("category", &body.category, Category::parse, Category::expected)?;
    let record = state.app().add_record(&p.actor(Channel::Api), &id, category, body.content, None).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": record })))
}

// ── authorizations and restrictions ──────────────────────────────────────

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthorizationBody {
    /// `hipaa` or `part2`.
    pub kind: String,
    #[serde(default)]
    pub signed_by: Option<String>,
    #[serde(default)]
    pub signed_on: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub recipients: Vec<RecipientBody>,
    #[serde(default)]
    pub purposes: Vec<String>,
    #[serde(default)]
    pub expires_on: Option<String>,
    #[serde(default)]
    pub expiry_event: Option<String>,
    #[serde(default)]
    pub right_to_revoke: bool,
    #[serde(default)]
    pub no_conditioning: bool,
    #[serde(default)]
    pub redisclosure: bool,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecipientBody {
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
}

impl AuthorizationBody {
    pub(crate) fn to_authorization(&self) -> Result<Authorization, Problem> {
        Ok(Authorization {
            id: String::new(),
            kind: parse_enum("kind", &self.kind, AuthorizationKind::parse, AuthorizationKind::expected)?,
            signed_by: self.signed_by.as_deref().map(|s| parse_enum("signed_by", s, Signer::parse, Signer::expected)).transpose()?,
            signed_on: self.signed_on.as_deref().map(|d| parse_date("signed_on", d)).transpose()?,
            categories: parse_list("categories", &self.categories, Category::parse, Category::expected)?,
            recipients: self
                .recipients
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    Ok(AuthorizedRecipient { kind: parse_enum(&format!("recipients/{i}/kind"), &r.kind, RecipientKind::parse, RecipientKind::expected)?, name: r.name.clone() })
                })
                .collect::<Result<_, Problem>>()?,
            purposes: parse_list("purposes", &self.purposes, Purpose::parse, Purpose::expected)?,
            expires_on: self.expires_on.as_deref().map(|d| parse_date("expires_on", d)).transpose()?,
            expiry_event: self.expiry_event.clone().filter(|e| !e.trim().is_empty()),
            revoked_on: None,
            statements: Statements { right_to_revoke: self.right_to_revoke, no_conditioning: self.no_conditioning, redisclosure: self.redisclosure },
        })
    }
}

/// A granted read of a client's authorizations or restrictions is audited
/// like any other access (they name the people information may go to).
async fn audit_read(state: &AppState, p: &Principal, id: &str, access: crate::access::Access, what: &str) -> Result<(), Problem> {
    let event = AuditEvent::new(AuditKind::ClientRead, Some(p.id()))
        .client(id)
        .break_glass(access == crate::access::Access::BreakGlass)
        .details(json!({ "read": what }));
    state.audit.one(event).await.map(|_| ())
}

#[utoipa::path(get, path = "/v1/clients/{id}/authorizations", tag = "authorizations", responses((status = 200, description = "Authorizations and consents on file")))]
pub(crate) async fn list_authorizations(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    p.require("read")?;
    let access = client_access(&state, &p, &id, "read authorizations").await?;
    audit_read(&state, &p, &id, access, "authorizations").await?;
    let today = today();
    let list: Vec<Value> = state
        .store
        .authorizations(&id)
        .await?
        .iter()
        .map(|a| {
            let (status, _) = confidant_console::authorization_status(a, today);
            let auth = &a.authorization;
            json!({
                "id": auth.id, "kind": auth.kind.as_str(), "categories": auth.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "purposes": auth.purposes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "recipients": auth.recipients.iter().map(|r| json!({ "kind": r.kind.as_str(), "name": r.name })).collect::<Vec<_>>(),
                "signed_on": auth.signed_on.map(|d| d.to_string()), "expires_on": auth.expires_on.map(|d| d.to_string()),
                "revoked_on": auth.revoked_on.map(|d| d.to_string()), "revoked_by": a.revoked_by, "status": status,
                "entered_by": a.entered_by, "has_document": a.has_document, "awaiting_review": a.awaiting_review,
                "days_to_expiry": auth.expires_on.map(|d| unix_days(d) - unix_days(today)),
            })
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

#[utoipa::path(post, path = "/v1/clients/{id}/authorizations", tag = "authorizations", request_body = AuthorizationBody,
    responses((status = 201, description = "Filed"), (status = 422, description = "Not valid as written; every missing element is listed")))]
pub(crate) async fn add_authorization(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<AuthorizationBody>) -> ApiResult<Response> {
    p.require("write")?;
    let auth = body.to_authorization()?;
    let filed = file_authorization(&state, &p, Channel::Api, &id, &auth).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": filed.0, "awaiting_review": filed.1 })))
}

/// Files an authorization entered by `p` (API and console). One covering
/// psychotherapy notes or Part 2 records is entered only by a clinician on
/// the client's care team or by the privacy officer, and is queued for the
/// privacy officer's review. Returns its id and whether it was queued.
pub(crate) async fn file_authorization(state: &AppState, p: &Principal, via: Channel, id: &str, auth: &confidant_policy::Authorization) -> Result<(String, bool), Problem> {
    let filed = state.app().file_authorization(&p.actor(via), id, auth, None).await?;
    Ok((filed.id, filed.awaiting_review))
}

#[utoipa::path(get, path = "/v1/authorizations/review", tag = "authorizations", responses((status = 200, description = "Authorizations for psychotherapy notes or Part 2 records awaiting the privacy officer's review")))]
pub(crate) async fn authorization_queue(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    p.require("read")?;
    require_privacy_officer(&state, &p, "read the authorization review queue").await?;
    let queue = state.store.authorizations_awaiting_review().await?;
    state.audit.one(AuditEvent::new(AuditKind::ClientRead, Some(p.id())).details(json!({ "read": "authorization review queue", "items": queue.len() }))).await?;
    Ok(Json(json!(queue)))
}

#[utoipa::path(post, path = "/v1/authorizations/{auth}/review", tag = "authorizations", responses((status = 204, description = "Reviewed (by someone other than who entered it)")))]
pub(crate) async fn review_authorization(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(auth): Path<String>) -> ApiResult<StatusCode> {
    p.require("write")?;
    mark_authorization_reviewed(&state, &p, Channel::Api, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The privacy officer's review of a queued authorization (API and
/// console), audited against its client.
pub(crate) async fn mark_authorization_reviewed(state: &AppState, p: &Principal, via: Channel, auth: &str) -> Result<(), Problem> {
    Ok(state.app().review_authorization(&p.actor(via), auth).await?)
}

#[utoipa::path(post, path = "/v1/clients/{id}/authorizations/{auth}/revoke", tag = "authorizations", request_body = OnDay, responses((status = 204, description = "Revoked")))]
pub(crate) async fn revoke_authorization(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path((id, auth)): Path<(String, String)>, JsonBody(body): JsonBody<OnDay>) -> ApiResult<StatusCode> {
    p.require("write")?;
    let on = body.on.as_deref().map(|d| parse_date("on", d)).transpose()?;
    state.app().revoke_authorization(&p.actor(Channel::Api), &id, &auth, on).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestrictionBody {
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    recipient_kinds: Vec<String>,
    #[serde(default)]
    purposes: Vec<String>,
    agreed: bool,
    #[serde(default)]
    requested_on: Option<String>,
}

#[utoipa::path(get, path = "/v1/clients/{id}/restrictions", tag = "authorizations", responses((status = 200, description = "Restrictions on file")))]
pub(crate) async fn list_restrictions(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    p.require("read")?;
    let access = client_access(&state, &p, &id, "read restrictions").await?;
    audit_read(&state, &p, &id, access, "restrictions").await?;
    let list: Vec<Value> = state
        .store
        .restrictions(&id)
        .await?
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "agreed": r.restriction.agreed, "requested_on": r.requested_on.to_string(),
                "categories": r.restriction.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "recipient_kinds": r.restriction.recipient_kinds.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "purposes": r.restriction.purposes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

#[utoipa::path(post, path = "/v1/clients/{id}/restrictions", tag = "authorizations", request_body = RestrictionBody, responses((status = 201, description = "Filed")))]
pub(crate) async fn add_restriction(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<RestrictionBody>) -> ApiResult<Response> {
    p.require("write")?;
    let restriction = Restriction {
        categories: parse_list("categories", &body.categories, Category::parse, Category::expected)?,
        recipient_kinds: parse_list("recipient_kinds", &body.recipient_kinds, RecipientKind::parse, RecipientKind::expected)?,
        purposes: parse_list("purposes", &body.purposes, Purpose::parse, Purpose::expected)?,
        agreed: body.agreed,
    };
    let on = body.requested_on.as_deref().map(|d| parse_date("requested_on", d)).transpose()?;
    let filed = state.app().add_restriction(&p.actor(Channel::Api), &id, &restriction, on).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": filed })))
}

// ── decisions about a stored client, disclosures, accounting ─────────────

#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShareBody {
    /// The recipient kind, e.g. `treating_provider`.
    pub to: String,
    #[serde(default)]
    pub recipient_name: Option<String>,
    #[serde(default)]
    pub recipient_address: Option<String>,
    #[serde(default)]
    pub same_organization: bool,
    pub purpose: String,
    pub categories: Vec<String>,
    #[serde(default)]
    pub facts: Vec<String>,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub as_of: Option<String>,
    /// `US`, `US-CA`, or a state a loaded pack covers (default: the
    /// organization's, set at `init`; `US-CA` unless changed).
    #[serde(default)]
    pub jurisdiction: Option<String>,
}

impl ShareBody {
    /// The engine request spec; the discloser is the principal, in their role.
    /// `default_jurisdiction` is the organization's (`Store::jurisdiction`).
    pub(crate) fn spec(&self, client_id: &str, principal: &Principal, default_jurisdiction: Jurisdiction) -> Result<RequestSpec, Problem> {
        let mut facts = Facts::default();
        for (i, f) in self.facts.iter().enumerate() {
            facts.set(parse_enum(&format!("facts/{i}"), f, Fact::parse, Fact::expected)?, true);
        }
        let categories = parse_list("categories", &self.categories, Category::parse, Category::expected)?;
        if categories.is_empty() {
            return Err(Problem::bad_input("categories: at least one category"));
        }
        Ok(RequestSpec {
            client_id: client_id.to_string(),
            as_of: self.as_of.as_deref().map(|d| parse_date("as_of", d)).transpose()?.unwrap_or_else(today),
            jurisdiction: match self.jurisdiction.as_deref() {
                Some(j) => parse_enum("jurisdiction", j, Jurisdiction::parse, Jurisdiction::expected)?,
                None => default_jurisdiction,
            },
            organization_policy: OrganizationPolicy::Default,
            discloser: Discloser { role: principal.role().discloser_role(), mandated_reporter: None },
            recipient: Recipient {
                kind: parse_enum("to", &self.to, RecipientKind::parse, RecipientKind::expected)?,
                name: self.recipient_name.clone().filter(|n| !n.trim().is_empty()),
                same_organization: self.same_organization,
            },
            purpose: parse_enum("purpose", &self.purpose, Purpose::parse, Purpose::expected)?,
            categories,
            facts,
        })
    }
}

/// Decides for a stored client (audited as a decision).
pub(crate) async fn decide_for_client(state: &AppState, p: &Principal, via: Channel, id: &str, body: &ShareBody) -> Result<confidant_policy::Decision, Problem> {
    let spec = body.spec(id, p, state.store.jurisdiction().await?)?;
    let engine = state.engine();
    Ok(state.app().decide_for_client(&engine, &p.actor(via), spec).await?)
}

#[utoipa::path(post, path = "/v1/clients/{id}/decisions", tag = "decisions", request_body = ShareBody, responses((status = 200, description = "The decision, built from the vault")))]
pub(crate) async fn client_decision(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<ShareBody>) -> ApiResult<Json<Value>> {
    p.require("decisions")?;
    let decision = decide_for_client(&state, &p, Channel::Api, &id, &body).await?;
    Ok(Json(serde_json::to_value(&decision).map_err(|e| Problem::internal(&e))?))
}

/// Releases for a stored client through `confidant_disclosure::disclose`.
pub(crate) async fn release(state: &AppState, p: &Principal, via: Channel, id: &str, body: &ShareBody) -> Result<Release, Problem> {
    // A real disclosure is made today, on the server's date: a client-sent
    // date would backdate it out of the accounting, or past a revocation.
    if body.as_of.is_some() {
        return Err(Problem::bad_input("as_of: a disclosure is made and recorded on the server's date; ask `POST /v1/clients/{id}/decisions` what-if questions about other days"));
    }
    let spec = body.spec(id, p, state.store.jurisdiction().await?)?;
    let engine = state.engine();
    Ok(state.app().release(&engine, &p.actor(via), spec, body.recipient_address.clone()).await?)
}

#[utoipa::path(post, path = "/v1/clients/{id}/disclosures", tag = "disclosures", request_body = ShareBody,
    responses((status = 201, description = "Released: the package"), (status = 200, description = "Denied: nothing released; the decision with its remedies")))]
pub(crate) async fn disclose_handler(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<ShareBody>) -> ApiResult<Response> {
    p.require("write")?;
    match release(&state, &p, Channel::Api, &id, &body).await? {
        Release::Denied { decision, audit_seq } => Ok(json_response(StatusCode::OK, &json!({ "released": false, "decision": decision, "audit_entry": audit_seq }))),
        Release::Released(package) => Ok(json_response(StatusCode::CREATED, &json!({ "released": true, "package": package, "held_back": package.held_back }))),
    }
}

#[utoipa::path(get, path = "/v1/clients/{id}/disclosures", tag = "disclosures", responses((status = 200, description = "Disclosures made")))]
pub(crate) async fn list_disclosures(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    p.require("read")?;
    Ok(Json(json!(state.app().disclosures(&p.actor(Channel::Api), &id).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountingQuery {
    since: Option<String>,
    as_of: Option<String>,
    format: Option<String>,
}

#[utoipa::path(get, path = "/v1/clients/{id}/accounting", tag = "disclosures", params(("since" = Option<String>, Query), ("as_of" = Option<String>, Query), ("format" = Option<String>, Query, description = "`json` or `html`")),
    responses((status = 200, description = "The accounting of disclosures (45 CFR 164.528)")))]
pub(crate) async fn accounting(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, Query(q): Query<AccountingQuery>) -> ApiResult<Response> {
    p.require("read")?;
    let accounting = accounting_for(&state, &p, Channel::Api, &id, q.since.as_deref(), q.as_of.as_deref()).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(confidant_disclosure::accounting::to_json(&accounting)).into_response()),
        Some("html") => Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], confidant_disclosure::accounting::to_html(&accounting)).into_response()),
        Some(other) => Err(Problem::bad_input(format!("format: `json` or `html`, got `{other}`"))),
    }
}

/// A client's accounting as `p` may see it (API and console): the privacy
/// officer's for any client, anyone else's only with access to the client
/// and without law-enforcement suspensions. `as_of` defaults to today.
pub(crate) async fn accounting_for(state: &AppState, p: &Principal, via: Channel, id: &str, since: Option<&str>, as_of: Option<&str>) -> Result<confidant_store::Accounting, Problem> {
    let since = since.map(|d| parse_date("since", d)).transpose()?;
    let as_of = as_of.map(|d| parse_date("as_of", d)).transpose()?;
    Ok(state.app().accounting(&p.actor(via), id, since, as_of).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CorrectionBody {
    reason: String,
    #[serde(default)]
    disclosed_on: Option<String>,
    #[serde(default)]
    recipient_name: Option<String>,
    #[serde(default)]
    recipient_address: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    statement: Option<String>,
}

#[utoipa::path(post, path = "/v1/accounting/{entry}/corrections", tag = "disclosures", request_body = CorrectionBody, responses((status = 201, description = "A new entry naming the old one")))]
pub(crate) async fn correct_accounting(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(entry): Path<String>, JsonBody(body): JsonBody<CorrectionBody>) -> ApiResult<Response> {
    p.require("write")?;
    let correction = AccountingCorrection {
        disclosed_on: body.disclosed_on.as_deref().map(|d| parse_date("disclosed_on", d)).transpose()?,
        recipient_name: body.recipient_name,
        recipient_address: body.recipient_address,
        description: body.description,
        statement: body.statement,
        reason: body.reason,
    };
    let id = state.app().correct_accounting(&p.actor(Channel::Api), &entry, correction).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id, "corrects": entry })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuspensionBody {
    /// `health_oversight_agency` or `law_enforcement`.
    agency: String,
    #[serde(default)]
    agency_name: Option<String>,
    statement: String,
    until: String,
    written: bool,
    #[serde(default)]
    requested_on: Option<String>,
}

#[utoipa::path(post, path = "/v1/clients/{id}/accounting/suspensions", tag = "disclosures", request_body = SuspensionBody, responses((status = 201, description = "Recorded")))]
pub(crate) async fn suspend_accounting(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<SuspensionBody>) -> ApiResult<Response> {
    p.require("write")?;
    let request = SuspensionRequest {
        client_id: id,
        agency: parse_enum("agency", &body.agency, RecipientKind::parse, RecipientKind::expected)?,
        agency_name: body.agency_name,
        requested_on: body.requested_on.as_deref().map(|d| parse_date("requested_on", d)).transpose()?,
        until: parse_date("until", &body.until)?,
        written: body.written,
        statement: body.statement,
    };
    let id = state.app().suspend_accounting(&p.actor(Channel::Api), request).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id })))
}

// ── break-glass ──────────────────────────────────────────────────────────

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReasonBody {
    reason: String,
}

#[utoipa::path(post, path = "/v1/clients/{id}/break-glass", tag = "break-glass", request_body = ReasonBody, responses((status = 201, description = "Access granted for a while, flagged and queued for review")))]
pub(crate) async fn break_glass(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<ReasonBody>) -> ApiResult<Response> {
    p.require("read")?;
    let grant = state.app().open_break_glass(&p.actor(Channel::Api), &id, &body.reason, state.config.break_glass_minutes).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": grant.id, "expires_at": grant.expires_at, "audit_entry": grant.audit_seq })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueueQuery {
    all: Option<bool>,
}

#[utoipa::path(get, path = "/v1/break-glass", tag = "break-glass", responses((status = 200, description = "The review queue (privacy officer)")))]
pub(crate) async fn break_glass_queue(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Query(q): Query<QueueQuery>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app().break_glass_queue(&p.actor(Channel::Api), q.all.unwrap_or(false)).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    /// `justified` or `unjustified`.
    outcome: String,
}

#[utoipa::path(post, path = "/v1/break-glass/{id}/review", tag = "break-glass", request_body = ReviewBody, responses((status = 204, description = "Reviewed")))]
pub(crate) async fn review_break_glass(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(id): Path<String>, JsonBody(body): JsonBody<ReviewBody>) -> ApiResult<StatusCode> {
    p.require("write")?;
    let justified = match body.outcome.as_str() {
        "justified" => true,
        "unjustified" => false,
        other => return Err(Problem::bad_input(format!("outcome: `justified` or `unjustified`, got `{other}`"))),
    };
    state.app().review_break_glass(&p.actor(Channel::Api), &id, justified).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ── audit ────────────────────────────────────────────────────────────────

pub(crate) async fn audit_guard(state: &AppState, p: &Principal, doing: &str) -> Result<(), Problem> {
    p.require("audit")?;
    require_oversight(state, p, doing).await
}

#[utoipa::path(get, path = "/v1/audit/head", tag = "audit", responses((status = 200, description = "The latest signed tree head and the log's public key")))]
pub(crate) async fn audit_head(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    audit_guard(&state, &p, "read the audit log").await?;
    Ok(Json(json!({ "tree_head": state.store.tree_head().await?, "public_key": state.store.audit_public_key().await? })))
}

/// Verifies the whole log against the registered key and the witness file.
pub(crate) async fn verify_log(state: &AppState) -> Result<confidant_store::AuditVerification, Problem> {
    let key = state.store.audit_public_key().await?.ok_or_else(|| Problem::internal(&"no audit key registered"))?;
    let witness = match state.store.witness_path() {
        Some(path) => read_witness(&path)?,
        None => None,
    };
    Ok(state.store.verify_audit(&key, witness.as_ref()).await?)
}

#[utoipa::path(post, path = "/v1/audit/verify", tag = "audit", responses((status = 200, description = "Whether the log is intact, and the first problem if not")))]
pub(crate) async fn audit_verify(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    audit_guard(&state, &p, "verify the audit log").await?;
    let report = verify_log(&state).await?;
    Ok(Json(json!({
        "intact": report.problem.is_none(), "size": report.size, "heads_checked": report.heads_checked,
        "root": hex::encode(report.root), "problem": report.problem.map(|p| p.to_string()),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntriesQuery {
    client: Option<String>,
    since: Option<String>,
    kind: Option<String>,
    limit: Option<u64>,
}

fn entry_json(e: &confidant_store::AuditEntry) -> Value {
    json!({
        "entry": e.seq, "at_ms": e.at_ms, "kind": e.kind.as_str(), "actor": e.actor, "client": e.client_id,
        "categories": e.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(), "break_glass": e.break_glass, "leaf_hash": e.leaf_hash,
    })
}

#[utoipa::path(get, path = "/v1/audit/entries", tag = "audit", responses((status = 200, description = "Entries, newest first (ids, kinds, categories; no contents)")))]
pub(crate) async fn audit_entries(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Query(q): Query<EntriesQuery>) -> ApiResult<Json<Value>> {
    audit_guard(&state, &p, "read the audit log").await?;
    let since_ms = q.since.as_deref().map(|d| parse_date("since", d)).transpose()?.map(|d| unix_days(d) * 86_400_000);
    let kind = q.kind.as_deref().map(|k| AuditKind::parse(k).ok_or_else(|| Problem::bad_input(format!("kind: an audit entry kind, got `{k}`")))).transpose()?;
    let filter = AuditFilter { client_id: q.client, since_ms, kind, newest_first: true, limit: Some(q.limit.unwrap_or(200).min(10_000)), with_details: false };
    let entries = state.store.audit_entries(&filter).await?;
    state.audit.one(AuditEvent::new(AuditKind::AuditViewed, Some(p.id())).details(json!({ "entries": entries.len() }))).await?;
    Ok(Json(Value::Array(entries.iter().map(entry_json).collect())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProofQuery {
    size: Option<u64>,
}

#[utoipa::path(get, path = "/v1/audit/entries/{seq}/proof", tag = "audit", responses((status = 200, description = "Inclusion proof with the signed head (the `audit check-proof` format)")))]
pub(crate) async fn audit_proof(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Path(seq): Path<u64>, Query(q): Query<ProofQuery>) -> ApiResult<Json<Value>> {
    audit_guard(&state, &p, "read the audit log").await?;
    let (proof, head) = state.store.audit_inclusion_proof(seq, q.size).await?;
    let entry = state.store.audit_entry(seq).await?;
    Ok(Json(json!({ "entry": seq, "leaf_hash": entry.leaf_hash, "proof": proof, "tree_head": head })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsistencyQuery {
    old: u64,
    new: u64,
}

#[utoipa::path(get, path = "/v1/audit/consistency", tag = "audit", params(("old" = u64, Query), ("new" = u64, Query)), responses((status = 200, description = "Consistency proof between two signed sizes")))]
pub(crate) async fn audit_consistency(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Query(q): Query<ConsistencyQuery>) -> ApiResult<Json<Value>> {
    audit_guard(&state, &p, "read the audit log").await?;
    let (proof, old_head, new_head) = state.store.audit_consistency_proof(q.old, q.new).await?;
    Ok(Json(json!({ "proof": proof, "old_head": old_head, "new_head": new_head })))
}
