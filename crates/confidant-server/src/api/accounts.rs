//! Sign-in, sessions, TOTP, API tokens, and the admin's staff and team work.

#[allow(clippy::wildcard_imports)]
use super::*;

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

/// Signs in for the API and the console alike: the per-address rate limit
/// (HTTP's), then the operations layer's sign-in (claimed password check,
/// second factor, the same answer and backoff for every refusal).
pub(crate) async fn start_session(
    state: &AppState,
    address: &str,
    username: &str,
    password: &str,
    code: Option<&str>,
) -> Result<confidant_app::Session, Problem> {
    crate::auth::limit_sign_ins(state, address).await?;
    let attempt = confidant_app::SignInAttempt { address, username, password, code };
    match state.app().sign_in(attempt, state.config.session_secs).await {
        Ok(session) => Ok(session),
        Err(e) => {
            if matches!(e, confidant_app::AppError::SignIn) {
                state.metrics.sign_in_failed();
            }
            Err(e.into())
        }
    }
}

fn staff_json(staff: &Staff) -> Value {
    json!({ "id": staff.id, "display_name": staff.display_name, "role": staff.role.as_str(), "active": staff.active })
}

#[utoipa::path(post, path = "/v1/session", tag = "sign-in", request_body = SignIn,
    responses((status = 200, description = "Signed in; the session cookie is set and the CSRF token returned"), (status = 401, description = "Wrong credentials"), (status = 429, description = "Rate limited or locked")))]
pub(crate) async fn sign_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    JsonBody(body): JsonBody<SignIn>,
) -> ApiResult<Response> {
    // Login CSRF: another site must not sign a browser in to an account of its choosing.
    if cross_origin(&headers) {
        return Err(Problem::forbidden("sign in from this server's own pages (`Origin`)"));
    }
    let started = start_session(&state, &peer.ip().to_string(), &body.username, &body.password, body.totp.as_deref()).await?;
    let mut response = json_response(
        StatusCode::OK,
        &json!({ "staff": staff_json(&started.staff), "csrf_token": started.csrf, "must_change_password": started.must_change_password }),
    );
    let cookie = session_set_cookie(Some(&started.token), state.config.secure_cookies, state.config.session_secs);
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).map_err(|e| Problem::internal(&e))?);
    Ok(response)
}

#[utoipa::path(delete, path = "/v1/session", tag = "sign-in", responses((status = 204, description = "Signed out")))]
pub(crate) async fn sign_out(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Response> {
    let session = match &p.via {
        Via::Session { token_hash, .. } => Some(token_hash.as_str()),
        Via::Token { .. } => None,
    };
    state.app().sign_out(&p.actor(Channel::Api), session).await?;
    if let Some(hash) = session {
        state.principals.evict(hash);
    }
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
pub(crate) async fn totp_start(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<CurrentPassword>,
) -> ApiResult<Json<Value>> {
    require_session(&p, "enrol TOTP")?;
    let enrolment = state.app().start_totp(&p.actor(Channel::Api), &body.current_password).await?;
    Ok(Json(json!({ "secret": enrolment.secret_base32, "otpauth_url": enrolment.otpauth_url, "enabled": false })))
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
pub(crate) async fn totp_confirm(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<Code>,
) -> ApiResult<Json<Value>> {
    require_session(&p, "enrol TOTP")?;
    state.app().confirm_totp(&p.actor(Channel::Api), &body.code).await?;
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
pub(crate) async fn create_token(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<NewToken>,
) -> ApiResult<Response> {
    if !matches!(p.via, Via::Session { .. }) {
        return Err(Problem::forbidden("API tokens are made from a signed-in session, not from another token"));
    }
    for (i, scope) in body.scopes.iter().enumerate() {
        if Scope::parse(scope).is_none() {
            return Err(Problem::bad_input(format!("scopes/{i}: one of {}, got `{scope}`", Scope::expected())));
        }
    }
    let (id, token) = state.app().create_token(&p.actor(Channel::Api), &body.name, &body.scopes).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id, "token": token.as_str(), "scopes": body.scopes })))
}

#[utoipa::path(get, path = "/v1/tokens", tag = "sign-in", responses((status = 200, description = "The caller's tokens (never their values)")))]
pub(crate) async fn list_tokens(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app().tokens_of(&p.actor(Channel::Api), p.id()).await?)))
}

#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "sign-in", responses((status = 204, description = "Revoked")))]
pub(crate) async fn revoke_token(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    // Revoking is a write: a read-only token cannot revoke its siblings.
    p.require(Scope::Write)?;
    state.app().revoke_token(&p.actor(Channel::Api), p.id(), &id).await?;
    // The cache is keyed by hash, which this id does not give: drop the owner's entries.
    state.principals.evict_staff(p.id());
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/staff/{id}/tokens", tag = "staff", responses((status = 200, description = "A staff member's tokens (never their values); admin")))]
pub(crate) async fn staff_tokens(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Write)?;
    Ok(Json(json!(state.app().tokens_of(&p.actor(Channel::Api), &id).await?)))
}

#[utoipa::path(delete, path = "/v1/staff/{id}/tokens/{token}", tag = "staff", responses((status = 204, description = "Revoked; admin")))]
pub(crate) async fn revoke_staff_token(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path((id, token)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    state.app().revoke_token(&p.actor(Channel::Api), &id, &token).await?;
    state.principals.evict_staff(&id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ActiveBody {
    active: bool,
}

#[utoipa::path(post, path = "/v1/staff/{id}/active", tag = "staff", request_body = ActiveBody,
    responses((status = 204, description = "Deactivated (every session and token ends at once) or reactivated; admin")))]
pub(crate) async fn set_active(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ActiveBody>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    state.app().set_staff_active(&p.actor(Channel::Api), &id, body.active).await?;
    // No cached principal outlives a deactivation.
    state.principals.evict_staff(&id);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleBody {
    role: String,
}

#[utoipa::path(post, path = "/v1/staff/{id}/role", tag = "staff", request_body = RoleBody,
    responses((status = 200, description = "The new role and the one it replaced; every session and token of theirs ends at once; admin, never one's own")))]
pub(crate) async fn set_role(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RoleBody>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Write)?;
    let role = parse_enum("role", &body.role, StaffRole::parse, StaffRole::expected)?;
    let previous = state.app().set_staff_role(&p.actor(Channel::Api), &id, role).await?;
    // No cached principal keeps the old role.
    state.principals.evict_staff(&id);
    Ok(Json(json!({ "staff": id, "role": role.as_str(), "previous_role": previous.as_str() })))
}

// ── staff and teams (admin) ──────────────────────────────────────────────

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewStaffBody {
    display_name: String,
    role: String,
}

#[utoipa::path(post, path = "/v1/staff", tag = "staff", request_body = NewStaffBody, responses((status = 201, description = "Added")))]
pub(crate) async fn add_staff(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<NewStaffBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
    let role = parse_enum("role", &body.role, StaffRole::parse, StaffRole::expected)?;
    let id = state.app().add_staff(&p.actor(Channel::Api), NewStaff { id: None, display_name: body.display_name, role }).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id })))
}

#[utoipa::path(get, path = "/v1/staff", tag = "staff", responses((status = 200, description = "Every staff member")))]
pub(crate) async fn list_staff(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    p.require(Scope::Write)?;
    Ok(Json(Value::Array(state.app().list_staff(&p.actor(Channel::Api)).await?.iter().map(staff_json).collect())))
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
pub(crate) async fn set_password(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PasswordBody>,
) -> ApiResult<StatusCode> {
    let actor = p.actor(Channel::Api);
    if p.id() == id {
        // One's own: the current password first; this session stays.
        require_session(&p, "change your password")?;
        let keep = match &p.via {
            Via::Session { token_hash, .. } => Some(token_hash.as_str()),
            Via::Token { .. } => None,
        };
        state.app().change_own_password(&actor, body.current_password.as_deref(), &body.password, keep).await?;
    } else {
        // An admin's reset ends every session (the account may have been
        // taken over), and the staff member must change what someone else chose.
        p.require(Scope::Write)?;
        state.app().set_password(&actor, &id, &body.password, true, None).await?;
    }
    // Cached principals would outlive the revocation by up to PRINCIPAL_TTL.
    state.principals.evict_staff(&id);
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/staff/{id}/totp", tag = "staff", responses((status = 204, description = "TOTP cleared; the staff member may enrol again"), (status = 403, description = "Not an admin")))]
pub(crate) async fn clear_totp(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    state.app().clear_totp(&p.actor(Channel::Api), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StaffRef {
    staff_id: String,
}

#[utoipa::path(post, path = "/v1/teams/{team}/members", tag = "staff", request_body = StaffRef, responses((status = 204, description = "Added")))]
pub(crate) async fn add_team_member(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(team): Path<String>,
    JsonBody(body): JsonBody<StaffRef>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    crate::body::check_id("staff_id", &body.staff_id)?;
    state.app().add_team_member(&p.actor(Channel::Api), &team, &body.staff_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/clients/{id}/caseload", tag = "staff", request_body = StaffRef, responses((status = 204, description = "Assigned")))]
pub(crate) async fn assign_caseload(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StaffRef>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    crate::body::check_id("staff_id", &body.staff_id)?;
    state.app().assign_caseload(&p.actor(Channel::Api), &id, &body.staff_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
