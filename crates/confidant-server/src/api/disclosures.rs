//! Decisions about a stored client, releases, the accounting of disclosures, and break-glass.

#[allow(clippy::wildcard_imports)]
use super::*;

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
pub(crate) async fn decide_for_client(
    state: &AppState,
    p: &Principal,
    via: Channel,
    id: &str,
    body: &ShareBody,
) -> Result<confidant_policy::Decision, Problem> {
    let spec = body.spec(id, p, state.store.jurisdiction().await?)?;
    let engine = state.engine();
    let started = std::time::Instant::now();
    let decision = state.app().decide_for_client(&engine, &p.actor(via), spec).await?;
    state.metrics.decision(&decision, started.elapsed());
    Ok(decision)
}

#[utoipa::path(post, path = "/v1/clients/{id}/decisions", tag = "decisions", request_body = ShareBody, responses((status = 200, description = "The decision, built from the vault")))]
pub(crate) async fn client_decision(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ShareBody>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Decisions)?;
    let decision = decide_for_client(&state, &p, Channel::Api, &id, &body).await?;
    Ok(Json(serde_json::to_value(&decision).map_err(|e| Problem::internal(&e))?))
}

/// Releases for a stored client through `confidant_disclosure::disclose`.
pub(crate) async fn release(state: &AppState, p: &Principal, via: Channel, id: &str, body: &ShareBody) -> Result<Release, Problem> {
    // A real disclosure is made today, on the server's date: a client-sent
    // date would backdate it out of the accounting, or past a revocation.
    if body.as_of.is_some() {
        return Err(Problem::bad_input(
            "as_of: a disclosure is made and recorded on the server's date; ask `POST /v1/clients/{id}/decisions` what-if questions about other days",
        ));
    }
    let spec = body.spec(id, p, state.store.jurisdiction().await?)?;
    let engine = state.engine();
    let started = std::time::Instant::now();
    let release = state.app().release(&engine, &p.actor(via), spec, body.recipient_address.clone()).await?;
    let decision = match &release {
        Release::Denied { decision, .. } => decision.as_ref(),
        Release::Released(package) => &package.decision,
    };
    state.metrics.decision(decision, started.elapsed());
    Ok(release)
}

#[utoipa::path(post, path = "/v1/clients/{id}/disclosures", tag = "disclosures", request_body = ShareBody,
    responses((status = 201, description = "Released: the package"), (status = 200, description = "Denied: nothing released; the decision with its remedies")))]
pub(crate) async fn disclose_handler(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ShareBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
    match release(&state, &p, Channel::Api, &id, &body).await? {
        Release::Denied { decision, audit_seq } => {
            Ok(json_response(StatusCode::OK, &json!({ "released": false, "decision": decision, "audit_entry": audit_seq })))
        }
        Release::Released(package) => {
            Ok(json_response(StatusCode::CREATED, &json!({ "released": true, "package": package, "held_back": package.held_back })))
        }
    }
}

#[utoipa::path(get, path = "/v1/clients/{id}/disclosures", tag = "disclosures", responses((status = 200, description = "Disclosures made")))]
pub(crate) async fn list_disclosures(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
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
pub(crate) async fn accounting(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    Query(q): Query<AccountingQuery>,
) -> ApiResult<Response> {
    p.require(Scope::Read)?;
    let accounting = accounting_for(&state, &p, Channel::Api, &id, q.since.as_deref(), q.as_of.as_deref()).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(confidant_disclosure::accounting::to_json(&accounting)).into_response()),
        Some("html") => {
            Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], confidant_disclosure::accounting::to_html(&accounting))
                .into_response())
        }
        Some(other) => Err(Problem::bad_input(format!("format: `json` or `html`, got `{other}`"))),
    }
}

/// A client's accounting as `p` may see it (API and console): the privacy
/// officer's for any client, anyone else's only with access to the client
/// and without law-enforcement suspensions. `as_of` defaults to today.
pub(crate) async fn accounting_for(
    state: &AppState,
    p: &Principal,
    via: Channel,
    id: &str,
    since: Option<&str>,
    as_of: Option<&str>,
) -> Result<confidant_store::Accounting, Problem> {
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
pub(crate) async fn correct_accounting(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(entry): Path<String>,
    JsonBody(body): JsonBody<CorrectionBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
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
pub(crate) async fn suspend_accounting(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SuspensionBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
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
pub(crate) async fn break_glass(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> ApiResult<Response> {
    p.require(Scope::Read)?;
    let grant = state.app().open_break_glass(&p.actor(Channel::Api), &id, &body.reason, state.config.break_glass_minutes).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": grant.id, "expires_at": grant.expires_at, "audit_entry": grant.audit_seq })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QueueQuery {
    all: Option<bool>,
}

#[utoipa::path(get, path = "/v1/break-glass", tag = "break-glass", responses((status = 200, description = "The review queue (privacy officer)")))]
pub(crate) async fn break_glass_queue(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Query(q): Query<QueueQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app().break_glass_queue(&p.actor(Channel::Api), q.all.unwrap_or(false)).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    /// `justified` or `unjustified`.
    outcome: String,
}

#[utoipa::path(post, path = "/v1/break-glass/{id}/review", tag = "break-glass", request_body = ReviewBody, responses((status = 204, description = "Reviewed")))]
pub(crate) async fn review_break_glass(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    let justified = match body.outcome.as_str() {
        "justified" => true,
        "unjustified" => false,
        other => return Err(Problem::bad_input(format!("outcome: `justified` or `unjustified`, got `{other}`"))),
    };
    state.app().review_break_glass(&p.actor(Channel::Api), &id, justified).await?;
    Ok(StatusCode::NO_CONTENT)
}
