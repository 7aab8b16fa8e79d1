//! The console's routes: the same checks and audit as the API (they call
//! the same functions), answered with the pages of `confidant-console`.
//! Forms post with the session's CSRF token; a refused client page offers
//! break-glass instead of the record.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use confidant_console::{self as pages, AuthorizationValues, BreakGlassItem, ClientView, Flash, FlashKind, ShareValues, Viewer, routes};
use confidant_disclosure::Release;
use confidant_policy::authorization::form_defects;
use confidant_policy::vocab::{AuthorizationKind, Category, Fact, Purpose, RecipientKind, Signer};
use confidant_store::{AuditFilter, today};
use serde::Deserialize;

use crate::AppState;
use confidant_app::Channel;

use crate::access::Access;
use crate::api::{AuthorizationBody, RecipientBody, ShareBody, decide_for_client, parse_date, release, start_session, verify_log};
use crate::auth::{ConsolePrincipal, Principal, Via, session_set_cookie};
use crate::body::{Form, Path, Query};
use crate::problem::Problem;

mod admin;
mod ascmi;
mod daily;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(confidant_console::STYLESHEET_PATH, get(|| async { asset("text/css; charset=utf-8", confidant_console::STYLESHEET) }))
        .route(confidant_console::SCRIPT_PATH, get(|| async { asset("text/javascript; charset=utf-8", confidant_console::SCRIPT) }))
        .route(routes::HOME, get(caseload))
        .route(routes::SIGN_IN, get(sign_in_page).post(sign_in))
        .route(routes::SIGN_OUT, post(sign_out))
        .route(crate::auth::PASSWORD_PAGE, get(password_page).post(change_password))
        .route(routes::CLIENT, get(client))
        .route(routes::BREAK_GLASS, get(break_glass_page).post(break_glass))
        .route(routes::SHARE, get(share_page).post(share))
        .route(routes::DISCLOSE, post(disclose))
        .route(routes::DISCLOSURE, get(package))
        .route(routes::NEW_AUTHORIZATION, get(new_authorization))
        .route(routes::AUTHORIZATIONS, post(add_authorization))
        .route(routes::REVOKE_AUTHORIZATION, post(revoke_authorization))
        .route(routes::ACCOUNTING, get(accounting))
        .route(routes::AUDIT, get(audit))
        .route(routes::AUDIT_VERIFY, post(audit_verify))
        .route(routes::AUDIT_ENTRY, get(audit_entry))
        .route(routes::REVIEW, get(review_queue))
        .route(routes::REVIEW_BREAK_GLASS, post(review))
        .route(routes::REVIEW_AUTHORIZATION, post(review_authorization))
        .route(routes::RULES, get(rules))
        .route(routes::RULE, get(rule))
        .merge(daily::routes())
        .merge(ascmi::routes())
        .merge(admin::routes())
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

fn viewer(p: &Principal) -> Viewer {
    Viewer {
        staff_id: p.staff.id.clone(),
        name: p.staff.display_name.clone(),
        role: p.staff.role,
        csrf: p.csrf().unwrap_or_default().to_string(),
    }
}

fn html(status: StatusCode, markup: confidant_console::Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A problem shown as a page.
fn error_page(p: Option<&Principal>, problem: Problem) -> Response {
    let v = p.map(viewer);
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    html(status, pages::error(v.as_ref(), status.canonical_reason().unwrap_or("Error"), &problem.detail))
}

/// Forms that write carry the session's CSRF token.
fn check_csrf(p: &Principal, form: &Form) -> Result<(), Problem> {
    match (p.csrf(), form.get("csrf")) {
        (Some(expected), Some(sent)) if crate::auth::constant_time_eq(sent, expected) => Ok(()),
        _ => Err(Problem::forbidden("this form has expired; reload the page and try again")),
    }
}

type PageResult = Result<Response, Response>;

fn fail(p: &Principal) -> impl Fn(Problem) -> Response + '_ {
    move |problem| error_page(Some(p), problem)
}

#[derive(Deserialize)]
struct FlashQuery {
    done: Option<String>,
}

fn flash_of(done: Option<&str>) -> Option<Flash> {
    let text = match done? {
        "authorization" => "The authorization is filed.",
        "revoked" => "The authorization is revoked.",
        "break-glass" => "Break-glass access is open for the next hour; it is logged and will be reviewed.",
        "reviewed" => "Review recorded.",
        "note" => "Your note is saved.",
        "corrected" => "Your correction is saved as a new version; the earlier one is kept in the history.",
        "client" => "The client is added to your caseload. Record the privacy-notice acknowledgment below.",
        "notice" => "The privacy-notice acknowledgment is recorded.",
        "notice-not-obtained" => "The attempt to obtain the acknowledgment is recorded, with the reason.",
        "restriction" => "The restriction request is recorded and sent to the privacy officer.",
        "agreed" => "Restriction agreed: it binds every decision it covers from now on.",
        "declined" => "Restriction declined; the client's request stays on file.",
        "staff" => "Staff member added with the first password you set.",
        "active" => "Account status changed.",
        "role" => "Role changed; their sessions and API tokens have ended, so they sign in again into the new role.",
        "password" => "Password reset; their sessions and API tokens have ended.",
        "totp" => "Second factor cleared; they enrol again at their next sign-in.",
        "tokens" => "Their API tokens are revoked.",
        "team" => "Care team added.",
        "member" => "Team member added.",
        _ => return None,
    };
    Some(Flash { kind: FlashKind::Success, text: text.into() })
}

// ── sign-in ──────────────────────────────────────────────────────────────

async fn sign_in_page() -> Response {
    html(StatusCode::OK, pages::sign_in(None, ""))
}

async fn sign_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    form: Form,
) -> Response {
    // Login CSRF: a form on another site must not sign this browser in.
    if crate::auth::cross_origin(&headers) {
        return html(StatusCode::FORBIDDEN, pages::sign_in(Some("Sign in from this server's own sign-in page."), ""));
    }
    let username = form.text("username");
    let code = form.get("totp").filter(|c| !c.trim().is_empty());
    match start_session(&state, &peer.ip().to_string(), &username, form.get("password").unwrap_or_default(), code).await {
        Ok(started) => {
            let mut response = Redirect::to(routes::HOME).into_response();
            let cookie = session_set_cookie(Some(&started.token), state.config.secure_cookies, state.config.session_secs);
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(problem) => {
            let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNAUTHORIZED);
            html(status, pages::sign_in(Some(&problem.detail), &username))
        }
    }
}

async fn sign_out(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    // One operation, the API's too: the session's revocation and its
    // `sign_out` entry commit in one transaction, or neither does.
    let session = match &p.via {
        Via::Session { token_hash, .. } => Some(token_hash.as_str()),
        _ => None,
    };
    state.app().sign_out(&p.actor(Channel::Console), session).await.map_err(|e| fail(&p)(e.into()))?;
    if let Some(hash) = session {
        state.principals.evict(hash);
    }
    let mut response = Redirect::to(routes::SIGN_IN).into_response();
    if let Ok(value) = HeaderValue::from_str(&session_set_cookie(None, state.config.secure_cookies, 0)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

async fn password_page(ConsolePrincipal(p): ConsolePrincipal) -> Response {
    html(StatusCode::OK, pages::password(&viewer(&p), p.must_change_password, None))
}

/// Changes the signed-in staff member's own password (this session stays
/// signed in; their others end), then goes to the caseload.
async fn change_password(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let again = |text: &str| {
        let flash = Flash { kind: FlashKind::Error, text: text.to_string() };
        html(StatusCode::UNPROCESSABLE_ENTITY, pages::password(&viewer(&p), p.must_change_password, Some(&flash)))
    };
    let new = form.get("password").unwrap_or_default();
    if new != form.get("confirm").unwrap_or_default() {
        return Ok(again("The two new passwords differ."));
    }
    if new == form.get("current_password").unwrap_or_default() {
        return Ok(again("Choose a password other than the current one."));
    }
    let keep = match &p.via {
        Via::Session { token_hash, .. } => Some(token_hash.as_str()),
        Via::Token { .. } => None,
    };
    let changed = state.app().change_own_password(&p.actor(Channel::Console), form.get("current_password"), new, keep).await;
    if let Err(e) = changed {
        let problem = Problem::from(e);
        // A wrong current password (403) or a refused new one (422): the form again.
        if matches!(problem.status, 403 | 422) {
            return Ok(again(&problem.detail));
        }
        return Err(fail(&p)(problem));
    }
    state.principals.evict_staff(p.id());
    Ok(Redirect::to(routes::HOME).into_response())
}

// ── caseload and client ──────────────────────────────────────────────────

#[derive(Deserialize)]
struct CaseloadQuery {
    q: Option<String>,
    done: Option<String>,
}

/// Roles that do intake (the operation refuses anyone else, audited).
fn does_intake(p: &Principal) -> bool {
    use confidant_store::StaffRole as R;
    matches!(p.role(), R::Admin | R::Supervisor | R::CaseManager | R::Psychotherapist | R::Psychiatrist)
}

async fn caseload(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Query(q): Query<CaseloadQuery>) -> PageResult {
    let query = q.q.unwrap_or_default();
    let clients = state.app().caseload(&p.actor(Channel::Console), Some(&query)).await.map_err(|e| fail(&p)(e.into()))?;
    let flash = flash_of(q.done.as_deref());
    Ok(html(StatusCode::OK, pages::caseload(&viewer(&p), &clients, today(), query.trim(), does_intake(&p), flash.as_ref())))
}

/// The client page, or the break-glass page when the client is not the viewer's.
async fn client(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let file = match state.app().open_client_file(&p.actor(Channel::Console), &id).await {
        Ok(file) => file,
        Err(confidant_app::AppError::Refused(_)) => return Ok(html(StatusCode::FORBIDDEN, pages::break_glass(&viewer(&p), &id, None))),
        Err(e) => return Err(fail(&p)(e.into())),
    };
    let rows = daily::record_rows(&file.records, &file.authors);
    let team = match &file.client.team_id {
        Some(id) => state.store.list_teams().await.map_err(|e| fail(&p)(e.into()))?.into_iter().find(|t| &t.id == id).map(|t| t.name),
        None => None,
    };
    let writable = confidant_app::writable_categories(p.role());
    let view = ClientView {
        client: &file.client,
        records: &rows,
        hidden_notes: file.notes_withheld,
        authorizations: &file.authorizations,
        restrictions: &file.restrictions,
        notice: &file.notice,
        team: team.as_deref(),
        writable: &writable,
        break_glass: file.access == Access::BreakGlass,
        today: today(),
    };
    Ok(html(StatusCode::OK, pages::client_page(&viewer(&p), &view, flash_of(q.done.as_deref()).as_ref())))
}

async fn break_glass_page(ConsolePrincipal(p): ConsolePrincipal, Path(id): Path<String>) -> Response {
    html(StatusCode::OK, pages::break_glass(&viewer(&p), &id, None))
}

async fn break_glass(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    match state.app().open_break_glass(&p.actor(Channel::Console), &id, &form.text("reason"), state.config.break_glass_minutes).await {
        Ok(_) => Ok(Redirect::to(&routes::client_done(&id, "break-glass")).into_response()),
        Err(e) => {
            let problem = Problem::from(e);
            Ok(html(
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
                pages::break_glass(&viewer(&p), &id, Some(&problem.detail)),
            ))
        }
    }
}

// ── can I share this? ────────────────────────────────────────────────────

#[derive(Deserialize)]
struct ShareQuery {
    client: Option<String>,
}

async fn client_choices(state: &AppState, p: &Principal) -> Result<Vec<(String, String)>, Problem> {
    let ids = state.store.visible_clients(p.id()).await?;
    Ok(state.store.list_clients().await?.into_iter().filter(|c| ids.contains(&c.id)).map(|c| (c.id, c.name)).collect())
}

async fn share_page(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Query(q): Query<ShareQuery>) -> PageResult {
    let clients = client_choices(&state, &p).await.map_err(fail(&p))?;
    let values = ShareValues { client_id: q.client.unwrap_or_default(), ..ShareValues::default() };
    Ok(html(StatusCode::OK, pages::share_form(&viewer(&p), &values, &clients, None)))
}

fn share_values(form: &Form) -> ShareValues {
    ShareValues {
        client_id: form.text("client"),
        to: form.get("to").and_then(RecipientKind::parse),
        recipient_name: form.text("recipient_name"),
        same_organization: form.flag("same_organization"),
        purpose: form.get("purpose").and_then(Purpose::parse),
        categories: form.all("categories").into_iter().filter_map(Category::parse).collect(),
        facts: form.all("facts").into_iter().filter_map(Fact::parse).collect(),
    }
}

fn share_body(form: &Form) -> ShareBody {
    ShareBody {
        to: form.text("to"),
        recipient_name: Some(form.text("recipient_name")),
        recipient_address: Some(form.text("recipient_address")),
        same_organization: form.flag("same_organization"),
        purpose: form.text("purpose"),
        categories: form.all("categories").into_iter().map(str::to_string).collect(),
        facts: form.all("facts").into_iter().map(str::to_string).collect(),
        as_of: None,
        jurisdiction: None,
    }
}

async fn share(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let values = share_values(&form);
    let clients = client_choices(&state, &p).await.map_err(fail(&p))?;
    if values.client_id.is_empty() {
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, pages::share_form(&viewer(&p), &values, &clients, Some("Choose a client."))));
    }
    let decision = match decide_for_client(&state, &p, Channel::Console, &values.client_id, &share_body(&form)).await {
        Ok(decision) => decision,
        Err(problem) if problem.status == 404 => {
            return Ok(html(StatusCode::FORBIDDEN, pages::break_glass(&viewer(&p), &values.client_id, None)));
        }
        Err(problem) => {
            let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            return Ok(html(status, pages::share_form(&viewer(&p), &values, &clients, Some(&problem.detail))));
        }
    };
    let client = state.store.client(&values.client_id).await.map_err(|e| fail(&p)(e.into()))?;
    // The preview shows exactly what would be released, and is itself a read.
    let preview = state
        .app()
        .preview_release(&p.actor(Channel::Console), &values.client_id, &decision.release)
        .await
        .map_err(|e| fail(&p)(e.into()))?;
    Ok(html(StatusCode::OK, pages::share_result(&viewer(&p), &values, &client.name, &decision, &preview)))
}

async fn disclose(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let mut values = share_values(&form);
    values.client_id = id.clone();
    match release(&state, &p, Channel::Console, &id, &share_body(&form)).await.map_err(fail(&p))? {
        Release::Denied { decision, .. } => {
            let client = state.store.client(&id).await.map_err(|e| fail(&p)(e.into()))?;
            Ok(html(StatusCode::OK, pages::share_result(&viewer(&p), &values, &client.name, &decision, &[])))
        }
        Release::Released(package) => {
            let mut packages = state.packages.lock().await;
            if packages.len() >= 256 {
                packages.clear();
            }
            packages.insert(package.disclosure_id.clone(), (p.id().to_string(), package.to_html()));
            drop(packages);
            Ok(html(StatusCode::OK, pages::disclosed(&viewer(&p), &package)))
        }
    }
}

async fn package(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Path(id): Path<String>) -> PageResult {
    let packages = state.packages.lock().await;
    match packages.get(&id) {
        Some((staff, page)) if staff == p.id() || p.is_privacy_officer() => {
            let mut response = Html(page.clone()).into_response();
            if let Ok(value) = HeaderValue::from_str(&package_policy()) {
                response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
            }
            Ok(response)
        }
        _ => Err(error_page(
            Some(&p),
            Problem::not_found(
                "This package is not available here: it is shown only to whoever released it, during this run of the server. The disclosure itself is recorded.",
            ),
        )),
    }
}

/// The package page's policy: nothing may load or run; only its own inline
/// stylesheet applies (named by its hash), so it prints as designed.
fn package_policy() -> String {
    use base64ct::Encoding;
    use sha2::Digest;
    let hash = base64ct::Base64::encode_string(&sha2::Sha256::digest(confidant_disclosure::PACKAGE_STYLE.as_bytes()));
    format!("default-src 'none'; style-src 'sha256-{hash}'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'")
}

// ── authorizations ───────────────────────────────────────────────────────

/// The client a form page is about (an authorization's or an ASCMI's: their
/// name and birth date are on the page and the printed form), read through
/// the operations layer: need-to-know checked, the read audited; off the
/// caseload, the break-glass page.
async fn form_client(state: &AppState, p: &Principal, id: &str) -> Result<confidant_store::Client, Response> {
    match state.app().show_client(&p.actor(Channel::Console), id).await {
        Ok(client) => Ok(client),
        Err(confidant_app::AppError::Refused(_)) => Err(html(StatusCode::FORBIDDEN, pages::break_glass(&viewer(p), id, None))),
        Err(e) => Err(fail(p)(e.into())),
    }
}

async fn new_authorization(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
) -> PageResult {
    let client = form_client(&state, &p, &id).await?;
    let values =
        AuthorizationValues { kind: Some(AuthorizationKind::Hipaa), signed_on: today().to_string(), ..AuthorizationValues::default() };
    let auth = authorization_body(&values).to_authorization().map_err(fail(&p))?;
    Ok(html(StatusCode::OK, pages::authorization_form(&viewer(&p), &client, &values, &form_defects(&auth), None)))
}

fn authorization_values(form: &Form) -> AuthorizationValues {
    AuthorizationValues {
        kind: form.get("kind").and_then(AuthorizationKind::parse),
        signed_by: form.get("signed_by").and_then(Signer::parse),
        signed_on: form.text("signed_on"),
        categories: form.all("categories").into_iter().filter_map(Category::parse).collect(),
        recipient_kind: form.get("recipient_kind").and_then(RecipientKind::parse),
        recipient_name: form.text("recipient_name"),
        purposes: form.all("purposes").into_iter().filter_map(Purpose::parse).collect(),
        expires_on: form.text("expires_on"),
        expiry_event: form.text("expiry_event"),
        right_to_revoke: form.flag("right_to_revoke"),
        no_conditioning: form.flag("no_conditioning"),
        redisclosure: form.flag("redisclosure"),
    }
}

fn authorization_body(v: &AuthorizationValues) -> AuthorizationBody {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    AuthorizationBody {
        kind: v.kind.unwrap_or(AuthorizationKind::Hipaa).as_str().to_string(),
        signed_by: v.signed_by.map(|s| s.as_str().to_string()),
        signed_on: non_empty(&v.signed_on),
        categories: v.categories.iter().map(|c| c.as_str().to_string()).collect(),
        recipients: v
            .recipient_kind
            .map(|k| vec![RecipientBody { kind: k.as_str().to_string(), name: non_empty(&v.recipient_name) }])
            .unwrap_or_default(),
        purposes: v.purposes.iter().map(|c| c.as_str().to_string()).collect(),
        expires_on: non_empty(&v.expires_on),
        expiry_event: non_empty(&v.expiry_event),
        right_to_revoke: v.right_to_revoke,
        no_conditioning: v.no_conditioning,
        redisclosure: v.redisclosure,
    }
}

async fn add_authorization(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let client = form_client(&state, &p, &id).await?;
    let values = authorization_values(&form);
    let auth = match authorization_body(&values).to_authorization() {
        Ok(auth) => auth,
        Err(problem) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::authorization_form(&viewer(&p), &client, &values, &[], Some(&problem.detail)),
            ));
        }
    };
    let defects = form_defects(&auth);
    if !defects.is_empty() {
        let message = "The authorization is missing the items marked ✗ and was not filed.";
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            pages::authorization_form(&viewer(&p), &client, &values, &defects, Some(message)),
        ));
    }
    match crate::api::file_authorization(&state, &p, Channel::Console, &id, &auth).await {
        Ok(_) => {}
        Err(problem) if problem.status == 403 => {
            return Ok(html(StatusCode::FORBIDDEN, pages::authorization_form(&viewer(&p), &client, &values, &[], Some(&problem.detail))));
        }
        Err(problem) => return Err(fail(&p)(problem)),
    }
    Ok(Redirect::to(&routes::client_done(&id, "authorization")).into_response())
}

async fn revoke_authorization(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path((id, auth)): Path<(String, String)>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let on = form.get("on").filter(|d| !d.is_empty()).map(|d| parse_date("on", d)).transpose().map_err(fail(&p))?;
    state.app().revoke_authorization(&p.actor(Channel::Console), &id, &auth, on).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(Redirect::to(&routes::client_done(&id, "revoked")).into_response())
}

// ── accounting, audit, review, rules ─────────────────────────────────────

async fn accounting(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Path(id): Path<String>) -> PageResult {
    let accounting = match crate::api::accounting_for(&state, &p, Channel::Console, &id, None, None).await {
        Ok(accounting) => accounting,
        // Not the viewer's client: offer break-glass, as every client page does.
        Err(problem) if problem.status == 404 && !p.is_privacy_officer() => {
            return Ok(html(StatusCode::FORBIDDEN, pages::break_glass(&viewer(&p), &id, None)));
        }
        Err(problem) => return Err(fail(&p)(problem)),
    };
    let client = state.store.client(&id).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(html(StatusCode::OK, pages::accounting(&viewer(&p), &client, &accounting)))
}

async fn oversight(state: &AppState, p: &Principal, doing: &str) -> Result<(), Response> {
    crate::access::require_oversight(state, p, doing).await.map_err(|problem| error_page(Some(p), problem))
}

async fn audit_page(state: &AppState, p: &Principal, verification: Option<confidant_store::AuditVerification>) -> PageResult {
    let err = fail(p);
    let head = state.store.tree_head().await.map_err(|e| err(e.into()))?;
    let key = state.store.audit_public_key().await.map_err(|e| err(e.into()))?.map(|k| k.to_hex());
    let entries = state
        .app()
        .audit_entries(&p.actor(Channel::Console), &AuditFilter { newest_first: true, limit: Some(100), ..AuditFilter::default() })
        .await
        .map_err(|e| err(e.into()))?;
    Ok(html(StatusCode::OK, pages::audit(&viewer(p), head.as_ref(), key.as_deref(), verification.as_ref(), &entries)))
}

async fn audit(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal) -> PageResult {
    oversight(&state, &p, "read the audit log").await?;
    audit_page(&state, &p, None).await
}

async fn audit_verify(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    oversight(&state, &p, "verify the audit log").await?;
    let report = verify_log(&state).await.map_err(fail(&p))?;
    audit_page(&state, &p, Some(report)).await
}

async fn audit_entry(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Path(seq): Path<u64>) -> PageResult {
    oversight(&state, &p, "read the audit log").await?;
    let entry = state.store.audit_entry(seq).await.map_err(|e| fail(&p)(e.into()))?;
    let (proof, head) = state.store.audit_inclusion_proof(seq, None).await.map_err(|e| fail(&p)(e.into()))?;
    // "Verified" means all of it: the head is signed by this server's log key
    // (not merely one registered in the database), the proof is for that
    // head's size, and the entry's leaf hashes up to its root.
    let key = match state.store.audit_verifying_key() {
        Some(key) => Some(key),
        None => state.store.audit_public_key().await.map_err(|e| fail(&p)(e.into()))?,
    };
    let verified = key.is_some_and(|key| head.verify(&key).is_ok())
        && proof.tree_size == head.head.size
        && proof.verify(&entry.leaf_hash, &head.head.root).is_ok();
    Ok(html(StatusCode::OK, pages::audit_proof(&viewer(&p), &entry, &proof, &head, verified)))
}

async fn review_queue(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let queue = state.app().break_glass_queue(&p.actor(Channel::Console), true).await.map_err(|e| fail(&p)(e.into()))?;
    let items: Vec<BreakGlassItem> = queue
        .into_iter()
        .map(|b| BreakGlassItem {
            id: b.id,
            staff_id: b.staff_id,
            client_id: b.client_id,
            reason: b.reason,
            opened_at: confidant_store::date_from_unix_days(b.opened_at.div_euclid(86_400)).to_string(),
            reviewed: b.outcome.map(|o| format!("{} by {}", o, b.reviewed_by.unwrap_or_default())),
        })
        .collect();
    let authorizations = if p.is_privacy_officer() {
        let queue = state.app().review_queue(&p.actor(Channel::Console)).await.map_err(|e| fail(&p)(e.into()))?;
        Some(
            queue
                .into_iter()
                .map(|a| pages::AuthorizationReviewItem {
                    id: a.id,
                    client_id: a.client_id,
                    kind: if a.kind == "ascmi" { "ASCMI".into() } else { a.kind },
                    categories: a.categories.iter().map(|c| confidant_policy::plain_category(*c)).collect::<Vec<_>>().join(", "),
                    entered_by: a.entered_by.unwrap_or_else(|| "an operator".into()),
                    has_document: a.has_document,
                    filed_on: confidant_store::date_from_unix_days(a.filed_at.div_euclid(86_400)).to_string(),
                })
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    let restrictions = if p.is_privacy_officer() {
        Some(state.app().restrictions_awaiting_decision(&p.actor(Channel::Console)).await.map_err(|e| fail(&p)(e.into()))?)
    } else {
        None
    };
    let flash = flash_of(q.done.as_deref());
    Ok(html(StatusCode::OK, pages::review_queue(&viewer(&p), &items, authorizations.as_deref(), restrictions.as_deref(), flash.as_ref())))
}

async fn review_authorization(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    crate::api::mark_authorization_reviewed(&state, &p, Channel::Console, &id).await.map_err(fail(&p))?;
    Ok(Redirect::to(routes::REVIEW).into_response())
}

async fn review(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let justified = form.get("outcome") == Some("justified");
    state.app().review_break_glass(&p.actor(Channel::Console), &id, justified).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(Redirect::to(routes::REVIEW).into_response())
}

async fn rules(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal) -> Response {
    let packs = p.oversees().then(|| packs_view(&state.rules_status()));
    html(StatusCode::OK, pages::rules(&viewer(&p), state.engine().rules(), packs.as_ref()))
}

fn packs_view(status: &crate::RulesStatus) -> pages::PacksView {
    pages::PacksView {
        source: status.source.clone(),
        rules_version: status.rules_version.clone(),
        rules: status.rules,
        tests: status.tests.as_ref().map(|t| (t.passed, t.failures.clone())),
        last_reload: status.last_reload.as_ref().map(|r| pages::ReloadView {
            when: confidant_store::date_from_unix_days(r.at_ms.div_euclid(86_400_000)).to_string(),
            by: r.by.clone().unwrap_or_else(|| "a signal to the server (SIGHUP)".into()),
            old_version: r.old_rules_version.clone(),
            new_version: r.new_rules_version.clone(),
            replayed: r.replayed,
            changed: r.changed,
            changes: r
                .changes
                .iter()
                .map(|c| {
                    let rules = format!("{} → {}", c.change.old_rules.join(", "), c.change.new_rules.join(", "));
                    (c.entry, c.change.category.as_str().to_string(), c.change.old_outcome.clone(), c.change.new_outcome.clone(), rules)
                })
                .collect(),
        }),
    }
}

async fn rule(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Path(id): Path<String>) -> PageResult {
    let engine = state.engine();
    let rule = engine.rule(&id).ok_or_else(|| error_page(Some(&p), Problem::not_found(format!("no rule `{id}`"))))?;
    Ok(html(StatusCode::OK, pages::rule(&viewer(&p), rule)))
}
