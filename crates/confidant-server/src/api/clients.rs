//! Clients, their records, authorizations and restrictions.

#[allow(clippy::wildcard_imports)]
use super::*;

// ── clients ──────────────────────────────────────────────────────────────

fn client_json(c: &confidant_store::Client) -> Value {
    json!(c)
}

#[utoipa::path(get, path = "/v1/clients", tag = "clients", responses((status = 200, description = "Clients on the caller's caseload or care team, whatever the caller's role")))]
pub(crate) async fn list_clients(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Response> {
    p.require(Scope::Read)?;
    let clients: Vec<Value> = state.app().caseload(&p.actor(Channel::Api), None).await?.iter().map(client_json).collect();
    Ok(Json(Value::Array(clients)).into_response())
}

#[utoipa::path(get, path = "/v1/directory", tag = "clients", responses((status = 200, description = "Every client's id, name and team, for assignment work (admin, privacy officer)")))]
pub(crate) async fn directory(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
    // Id, name and team only: no contact, notes, birth date or program. Even
    // that a client is in a Part 2 program is protected (42 CFR 2.13(c)).
    let clients: Vec<Value> = state
        .app()
        .directory(&p.actor(Channel::Api))
        .await?
        .iter()
        .map(|c| json!({ "id": c.id, "name": c.name, "team": c.team_id }))
        .collect();
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
pub(crate) async fn add_client(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<NewClientBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
    let birth = match (&body.date_of_birth, body.age) {
        (Some(dob), _) => Birth::DateOfBirth(parse_date("date_of_birth", dob)?),
        (None, Some(years)) => Birth::Age { years, on: today() },
        (None, None) => return Err(Problem::bad_input("date_of_birth: a date of birth, or `age`")),
    };
    let team_id = match &body.team {
        Some(t) => Some(state.store.team_id(t).await?),
        None => None,
    };
    let new = NewClient {
        id: None,
        name: body.name,
        contact: body.contact,
        notes: body.notes,
        birth,
        part2_program: body.part2_program,
        lps_program: body.lps_program,
        team_id,
    };
    let id = state.app().add_client(&p.actor(Channel::Api), new).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id })))
}

#[utoipa::path(get, path = "/v1/clients/{id}", tag = "clients", responses((status = 200, description = "The client"), (status = 404, description = "Not on the caller's caseload (or no such client)")))]
pub(crate) async fn show_client(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
    let client = state.app().show_client(&p.actor(Channel::Api), &id).await?;
    Ok(Json(client_json(&client)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OnDay {
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub(crate) on: Option<String>,
}

pub(crate) async fn client_change(state: &AppState, p: &Principal, id: &str, on: Option<&str>, death: bool) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
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
pub(crate) async fn correct_status(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StatusCorrectionBody>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    let discharged_on = body.discharged_on.as_deref().map(|d| parse_date("discharged_on", d)).transpose()?;
    let died_on = body.died_on.as_deref().map(|d| parse_date("died_on", d)).transpose()?;
    state.app().correct_status(&p.actor(Channel::Api), &id, discharged_on, died_on, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/clients/{id}/discharge", tag = "clients", request_body = OnDay, responses((status = 204, description = "Discharged (still protected)")))]
pub(crate) async fn discharge(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<OnDay>,
) -> ApiResult<StatusCode> {
    client_change(&state, &p, &id, body.on.as_deref(), false).await
}

#[utoipa::path(post, path = "/v1/clients/{id}/death", tag = "clients", request_body = OnDay, responses((status = 204, description = "Death recorded (still protected)")))]
pub(crate) async fn record_death(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<OnDay>,
) -> ApiResult<StatusCode> {
    client_change(&state, &p, &id, body.on.as_deref(), true).await
}

// ── records ──────────────────────────────────────────────────────────────

#[utoipa::path(get, path = "/v1/clients/{id}/records", tag = "records", responses((status = 200, description = "Records with contents; psychotherapy notes only the caller wrote")))]
pub(crate) async fn list_records(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
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
pub(crate) async fn add_record(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewRecordBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
    let category = parse_enum("category", &body.category, Category::parse, Category::expected)?;
    let record = state.app().add_record(&p.actor(Channel::Api), &id, category, body.content, None).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": record })))
}

#[utoipa::path(get, path = "/v1/clients/{id}/records/{record}", tag = "records",
    responses((status = 200, description = "One record with every version, oldest first (the last is current); audited as a read")))]
pub(crate) async fn show_record(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path((id, record)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
    let versions = state.app().read_record_versions(&p.actor(Channel::Api), &id, &record).await?;
    Ok(Json(json!({ "versions": versions })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CorrectionBody {
    content: String,
}

#[utoipa::path(post, path = "/v1/clients/{id}/records/{record}/corrections", tag = "records", request_body = CorrectionBody,
    responses((status = 201, description = "The correction, a new version; the corrected one is kept unchanged"),
              (status = 403, description = "Not the record's author"), (status = 409, description = "Not the latest version")))]
pub(crate) async fn correct_record(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path((id, record)): Path<(String, String)>,
    JsonBody(body): JsonBody<CorrectionBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
    let new = state.app().correct_record(&p.actor(Channel::Api), &id, &record, body.content).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": new, "corrects": record })))
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
                    Ok(AuthorizedRecipient {
                        kind: parse_enum(&format!("recipients/{i}/kind"), &r.kind, RecipientKind::parse, RecipientKind::expected)?,
                        name: r.name.clone(),
                    })
                })
                .collect::<Result<_, Problem>>()?,
            purposes: parse_list("purposes", &self.purposes, Purpose::parse, Purpose::expected)?,
            expires_on: self.expires_on.as_deref().map(|d| parse_date("expires_on", d)).transpose()?,
            expiry_event: self.expiry_event.clone().filter(|e| !e.trim().is_empty()),
            revoked_on: None,
            statements: Statements {
                right_to_revoke: self.right_to_revoke,
                no_conditioning: self.no_conditioning,
                redisclosure: self.redisclosure,
            },
        })
    }
}

#[utoipa::path(get, path = "/v1/clients/{id}/authorizations", tag = "authorizations", responses((status = 200, description = "Authorizations and consents on file")))]
pub(crate) async fn list_authorizations(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
    let today = today();
    let list: Vec<Value> = state
        .app()
        .authorizations_of(&p.actor(Channel::Api), &id)
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
pub(crate) async fn add_authorization(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AuthorizationBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
    let auth = body.to_authorization()?;
    let filed = file_authorization(&state, &p, Channel::Api, &id, &auth).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": filed.0, "awaiting_review": filed.1 })))
}

/// Files an authorization entered by `p` (API and console). One covering
/// psychotherapy notes or Part 2 records is entered only by a clinician on
/// the client's care team or by the privacy officer, and is queued for the
/// privacy officer's review. Returns its id and whether it was queued.
pub(crate) async fn file_authorization(
    state: &AppState,
    p: &Principal,
    via: Channel,
    id: &str,
    auth: &confidant_policy::Authorization,
) -> Result<(String, bool), Problem> {
    let filed = state.app().file_authorization(&p.actor(via), id, auth, None).await?;
    Ok((filed.id, filed.awaiting_review))
}

#[utoipa::path(get, path = "/v1/authorizations/review", tag = "authorizations", responses((status = 200, description = "Authorizations and ASCMI forms (kind `ascmi`) for psychotherapy notes or Part 2 records awaiting the privacy officer's review")))]
pub(crate) async fn authorization_queue(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
    let queue = state.app().review_queue(&p.actor(Channel::Api)).await?;
    Ok(Json(json!(queue)))
}

#[utoipa::path(post, path = "/v1/authorizations/{auth}/review", tag = "authorizations", responses((status = 204, description = "Reviewed (by someone other than who entered it)")))]
pub(crate) async fn review_authorization(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(auth): Path<String>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    mark_authorization_reviewed(&state, &p, Channel::Api, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The privacy officer's review of a queued authorization (API and
/// console), audited against its client.
pub(crate) async fn mark_authorization_reviewed(state: &AppState, p: &Principal, via: Channel, auth: &str) -> Result<(), Problem> {
    Ok(state.app().review_authorization(&p.actor(via), auth).await?)
}

#[utoipa::path(post, path = "/v1/clients/{id}/authorizations/{auth}/revoke", tag = "authorizations", request_body = OnDay, responses((status = 204, description = "Revoked")))]
pub(crate) async fn revoke_authorization(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path((id, auth)): Path<(String, String)>,
    JsonBody(body): JsonBody<OnDay>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
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
pub(crate) async fn list_restrictions(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
    let list: Vec<Value> = state
        .app()
        .restrictions_of(&p.actor(Channel::Api), &id)
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
pub(crate) async fn add_restriction(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RestrictionBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestrictionDecisionBody {
    /// `true` to agree (the restriction then binds), `false` to decline.
    agreed: bool,
}

#[utoipa::path(post, path = "/v1/restrictions/{id}/decision", tag = "restrictions", request_body = RestrictionDecisionBody,
    responses((status = 204, description = "Decided; the privacy officer only, once")))]
pub(crate) async fn decide_restriction(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RestrictionDecisionBody>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    state.app().decide_restriction(&p.actor(Channel::Api), &id, body.agreed).await?;
    Ok(StatusCode::NO_CONTENT)
}
