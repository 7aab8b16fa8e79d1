//! A client's California ASCMI forms over `/v1`: list, file (care partners
//! and the client's choices), the signed scan (upload once, download), and
//! revoke. Every call goes through `confidant-app` (need-to-know, audit).

#[allow(clippy::wildcard_imports)]
use super::*;
use confidant_store::{Ascmi, CarePartner, StoredAscmi};

/// One care partner and what the client chose for it.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct CarePartnerBody {
    /// The organization or person, as on the form.
    pub name: String,
    /// Its recipient kind (`health_plan`, `treating_provider`, `social_services_agency`, …).
    pub kind: String,
    /// The kinds of information it may receive; empty: the client shares nothing with it.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Among `treatment`, `payment`, `health_care_operations`, `care_involvement`.
    #[serde(default)]
    pub purposes: Vec<String>,
}

/// An ASCMI form as filed. The form always carries the three statements
/// (right to revoke, no conditioning, redisclosure); they are confirmed here.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct AscmiBody {
    /// `client` or `personal_representative`.
    #[serde(default)]
    pub signed_by: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub signed_on: Option<String>,
    /// YYYY-MM-DD.
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
    #[serde(default)]
    pub partners: Vec<CarePartnerBody>,
}

impl AscmiBody {
    pub(crate) fn to_ascmi(&self) -> Result<Ascmi, Problem> {
        let partners = self
            .partners
            .iter()
            .enumerate()
            .map(|(i, p)| {
                Ok(CarePartner {
                    name: p.name.trim().to_string(),
                    kind: parse_enum(&format!("partners/{i}/kind"), &p.kind, RecipientKind::parse, RecipientKind::expected)?,
                    categories: parse_list(&format!("partners/{i}/categories"), &p.categories, Category::parse, Category::expected)?,
                    purposes: parse_list(&format!("partners/{i}/purposes"), &p.purposes, Purpose::parse, Purpose::expected)?,
                })
            })
            .collect::<Result<_, Problem>>()?;
        Ok(Ascmi {
            id: String::new(),
            signed_by: self.signed_by.as_deref().map(|s| parse_enum("signed_by", s, Signer::parse, Signer::expected)).transpose()?,
            signed_on: self.signed_on.as_deref().map(|d| parse_date("signed_on", d)).transpose()?,
            expires_on: self.expires_on.as_deref().map(|d| parse_date("expires_on", d)).transpose()?,
            expiry_event: self.expiry_event.clone().filter(|e| !e.trim().is_empty()),
            statements: Statements {
                right_to_revoke: self.right_to_revoke,
                no_conditioning: self.no_conditioning,
                redisclosure: self.redisclosure,
            },
            partners,
            revoked_on: None,
        })
    }
}

/// A form on file as the API shows it.
pub(crate) fn ascmi_json(a: &StoredAscmi) -> Value {
    let f = &a.ascmi;
    let names = |v: &[Category]| v.iter().map(|c| c.as_str()).collect::<Vec<_>>();
    json!({
        "id": f.id,
        "signed_by": f.signed_by.map(|s| s.as_str()),
        "signed_on": f.signed_on.map(|d| d.to_string()),
        "expires_on": f.expires_on.map(|d| d.to_string()),
        "expiry_event": f.expiry_event,
        "revoked_on": f.revoked_on.map(|d| d.to_string()),
        "revoked_by": a.revoked_by,
        "entered_by": a.entered_by,
        "has_document": a.has_document,
        "partners": f.partners.iter().map(|p| json!({
            "name": p.name, "kind": p.kind.as_str(), "categories": names(&p.categories),
            "purposes": p.purposes.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

#[utoipa::path(get, path = "/v1/clients/{id}/ascmi", tag = "authorizations", responses((status = 200, description = "The client's ASCMI forms: care partners and choices")))]
pub(crate) async fn list_ascmi(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Read)?;
    let list = state.app().ascmis_of(&p.actor(Channel::Api), &id).await?;
    Ok(Json(Value::Array(list.iter().map(ascmi_json).collect())))
}

#[utoipa::path(post, path = "/v1/clients/{id}/ascmi", tag = "authorizations", request_body = AscmiBody,
    responses((status = 201, description = "Filed"), (status = 400, description = "Not valid as written; the field is named")))]
pub(crate) async fn add_ascmi(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AscmiBody>,
) -> ApiResult<Response> {
    p.require(Scope::Write)?;
    let form = body.to_ascmi()?;
    let filed = state.app().file_ascmi(&p.actor(Channel::Api), &id, &form, None).await?;
    Ok(json_response(StatusCode::CREATED, &json!({ "id": filed })))
}

#[utoipa::path(put, path = "/v1/clients/{id}/ascmi/{ascmi}/document", tag = "authorizations",
    responses((status = 204, description = "The signed scan is attached (once; never replaced)")))]
pub(crate) async fn put_ascmi_document(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path((id, ascmi)): Path<(String, String)>,
    body: Body,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    state.app().attach_ascmi_document(&p.actor(Channel::Api), &id, &ascmi, &body.0).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/clients/{id}/ascmi/{ascmi}/document", tag = "authorizations",
    responses((status = 200, description = "The signed scan, as uploaded"), (status = 404, description = "None attached")))]
pub(crate) async fn get_ascmi_document(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path((id, ascmi)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.require(Scope::Read)?;
    let document = state
        .app()
        .ascmi_document(&p.actor(Channel::Api), &id, &ascmi)
        .await?
        .ok_or_else(|| Problem::not_found(format!("document: no signed scan attached to `{ascmi}`")))?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], document).into_response())
}

#[utoipa::path(post, path = "/v1/clients/{id}/ascmi/{ascmi}/revoke", tag = "authorizations", request_body = OnDay, responses((status = 204, description = "Revoked")))]
pub(crate) async fn revoke_ascmi(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path((id, ascmi)): Path<(String, String)>,
    JsonBody(body): JsonBody<OnDay>,
) -> ApiResult<StatusCode> {
    p.require(Scope::Write)?;
    let on = body.on.as_deref().map(|d| parse_date("on", d)).transpose()?;
    state.app().revoke_ascmi(&p.actor(Channel::Api), &id, &ascmi, on).await?;
    Ok(StatusCode::NO_CONTENT)
}
