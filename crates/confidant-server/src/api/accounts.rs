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

/// A started session: the cookie's token (set as a cookie too) and its CSRF token.
pub(crate) struct Started {
    pub staff: Staff,
    /// The password was set by someone else and must be changed first.
    pub must_change_password: bool,
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
pub(crate) async fn start_session(
    state: &AppState,
    address: &str,
    username: &str,
    password: &str,
    code: Option<&str>,
) -> Result<Started, Problem> {
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
            state.metrics.sign_in_failed();
            state
                .audit
                .one(
                    AuditEvent::new(AuditKind::SignInFailed, actor)
                        .details(json!({ "address": address, "failures": failures, "locked": locked })),
                )
                .await?;
            tokio::time::sleep(backoff(failures)).await;
            return Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "wrong staff id, password or code (or the account is locked for a while after repeated failures)",
            ));
        }
    };
    state.store.record_sign_in_success(&staff.id).await?;
    let (token, hash) = new_token();
    let (csrf, _) = new_token();
    state.store.create_session(&hash, &staff.id, &csrf, state.store.now_secs() + state.config.session_secs).await?;
    state.audit.one(AuditEvent::new(AuditKind::SignIn, Some(&staff.id)).details(json!({ "address": address }))).await?;
    let must_change_password = credential.as_ref().is_some_and(|c| c.must_change_password);
    Ok(Started { staff, token, csrf: csrf.to_string(), must_change_password })
}

/// One claimed password check: the claim first (none when the account is
/// locked or unknown), then one Argon2id verification off the async
/// workers, against the dummy hash when there is nothing to check, so every
/// path costs the same. Returns whether it matched and the claim.
async fn claimed_check(
    state: &AppState,
    credential: Option<&confidant_store::Credential>,
    password: &str,
) -> Result<(bool, Option<u32>), Problem> {
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
pub(crate) async fn check_current_password(state: &AppState, p: &Principal, password: Option<&str>, doing: &str) -> Result<(), Problem> {
    let password = password.ok_or_else(|| Problem::bad_input("current_password: your current password"))?;
    let credential = state.store.credential(p.id()).await?;
    let (ok, claim) = claimed_check(state, credential.as_ref(), password).await?;
    if ok {
        state.store.record_sign_in_success(p.id()).await?;
        return Ok(());
    }
    state
        .audit
        .one(
            AuditEvent::new(AuditKind::AccessDenied, Some(p.id()))
                .details(json!({ "doing": doing, "failures": claim.unwrap_or(LOCK_AFTER) })),
        )
        .await?;
    tokio::time::sleep(backoff(claim.unwrap_or(LOCK_AFTER))).await;
    Err(Problem::forbidden("current_password: not the current password (or the account is locked for a while)"))
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
pub(crate) async fn totp_start(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<CurrentPassword>,
) -> ApiResult<Json<Value>> {
    require_session(&p, "enrol TOTP")?;
    // A stolen session alone must not be able to bind a factor its holder controls.
    check_current_password(&state, &p, Some(&body.current_password), "enrol TOTP").await?;
    // A new enrolment replaces the secret and stays off until confirmed, so
    // while a factor is enabled it would switch the factor off: refused.
    if state.store.credential(p.id()).await?.is_some_and(|c| c.totp_enabled) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "totp: already enabled for this account; an admin clears it before a new enrolment",
        ));
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
pub(crate) async fn totp_confirm(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<Code>,
) -> ApiResult<Json<Value>> {
    require_session(&p, "enrol TOTP")?;
    let secret =
        state.store.totp_secret(p.id()).await?.ok_or_else(|| Problem::bad_input("code: start enrolment with POST /v1/me/totp first"))?;
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
    let (token, hash) = new_token();
    let id = state.store.create_api_token(&hash, p.id(), &body.name, &body.scopes).await?;
    state
        .audit
        .one(AuditEvent::new(AuditKind::TokenCreated, Some(p.id())).details(json!({ "token": id, "for": p.id(), "scopes": body.scopes })))
        .await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id, "token": token.as_str(), "scopes": body.scopes })))
}

#[utoipa::path(get, path = "/v1/tokens", tag = "sign-in", responses((status = 200, description = "The caller's tokens (never their values)")))]
pub(crate) async fn list_tokens(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.store.api_tokens(p.id()).await?)))
}

#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "sign-in", responses((status = 204, description = "Revoked")))]
pub(crate) async fn revoke_token(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    // Revoking is a write: a read-only token cannot revoke its siblings.
    p.require(Scope::Write)?;
    state.store.revoke_api_token(&id, p.id()).await?;
    // The cache is keyed by hash, which this id does not give: drop the owner's entries.
    state.principals.evict_staff(p.id());
    state.audit.one(AuditEvent::new(AuditKind::TokenRevoked, Some(p.id())).details(json!({ "token": id, "for": p.id() }))).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/staff/{id}/tokens", tag = "staff", responses((status = 200, description = "A staff member's tokens (never their values); admin")))]
pub(crate) async fn staff_tokens(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    require_admin(&p)?;
    state.store.staff(&id).await?;
    Ok(Json(json!(state.store.api_tokens(&id).await?)))
}

#[utoipa::path(delete, path = "/v1/staff/{id}/tokens/{token}", tag = "staff", responses((status = 204, description = "Revoked; admin")))]
pub(crate) async fn revoke_staff_token(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path((id, token)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
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

// ── staff and teams (admin) ──────────────────────────────────────────────

fn require_admin(p: &Principal) -> Result<(), Problem> {
    p.require(Scope::Write)?;
    if p.role() == StaffRole::Admin { Ok(()) } else { Err(Problem::forbidden("only an admin manages staff and teams")) }
}

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
pub(crate) async fn set_password(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PasswordBody>,
) -> ApiResult<StatusCode> {
    let own = p.id() == id;
    if own {
        require_session(&p, "change your password")?;
        check_current_password(&state, &p, body.current_password.as_deref(), "change password").await?;
    } else {
        require_admin(&p)?;
    }
    // Other devices sign in again with the new password; an admin's reset
    // ends them all (the account may have been taken over), and the staff
    // member must change a password someone else chose.
    let keep = match (&p.via, own) {
        (Via::Session { token_hash, .. }, true) => Some(token_hash.as_str()),
        _ => None,
    };
    state.app().set_password(&p.actor(Channel::Api), &id, &body.password, !own, keep).await?;
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
