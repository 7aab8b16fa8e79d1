//! The audit log: its head, verification, entries and proofs (oversight only).

#[allow(clippy::wildcard_imports)]
use super::*;

// ── audit ────────────────────────────────────────────────────────────────

pub(crate) async fn audit_guard(state: &AppState, p: &Principal, doing: &str) -> Result<(), Problem> {
    p.require(Scope::Audit)?;
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
        "intact": report.problem.is_none(), "size": report.size, "heads_checked": report.heads_checked, "tiles_checked": report.tiles_checked,
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
pub(crate) async fn audit_entries(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Query(q): Query<EntriesQuery>,
) -> ApiResult<Json<Value>> {
    audit_guard(&state, &p, "read the audit log").await?;
    let since_ms = q.since.as_deref().map(|d| parse_date("since", d)).transpose()?.map(|d| unix_days(d) * 86_400_000);
    let kind = q
        .kind
        .as_deref()
        .map(|k| AuditKind::parse(k).ok_or_else(|| Problem::bad_input(format!("kind: an audit entry kind, got `{k}`"))))
        .transpose()?;
    let filter = AuditFilter {
        client_id: q.client,
        since_ms,
        kind,
        newest_first: true,
        limit: Some(q.limit.unwrap_or(200).min(10_000)),
        with_details: false,
    };
    let entries = state.app().audit_entries(&p.actor(Channel::Api), &filter).await?;
    Ok(Json(Value::Array(entries.iter().map(entry_json).collect())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProofQuery {
    size: Option<u64>,
}

#[utoipa::path(get, path = "/v1/audit/entries/{seq}/proof", tag = "audit", responses((status = 200, description = "Inclusion proof with the signed head (the `audit check-proof` format)")))]
pub(crate) async fn audit_proof(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(seq): Path<u64>,
    Query(q): Query<ProofQuery>,
) -> ApiResult<Json<Value>> {
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
pub(crate) async fn audit_consistency(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Query(q): Query<ConsistencyQuery>,
) -> ApiResult<Json<Value>> {
    audit_guard(&state, &p, "read the audit log").await?;
    let (proof, old_head, new_head) = state.store.audit_consistency_proof(q.old, q.new).await?;
    Ok(Json(json!({ "proof": proof, "old_head": old_head, "new_head": new_head })))
}

// ── the published log (C2SP tlog-tiles) ──────────────────────────────────

/// A published file of the log, with its media type.
fn log_file(content_type: &'static str, bytes: impl IntoResponse) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], bytes).into_response()
}

#[utoipa::path(get, path = "/v1/audit/log/checkpoint", tag = "audit", responses((status = 200, description = "The latest checkpoint: a C2SP tlog-checkpoint signed note (text/plain), the same bytes `audit export` writes"), (status = 404, description = "The log is empty")))]
pub(crate) async fn audit_log_checkpoint(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Response> {
    audit_guard(&state, &p, "read the audit log").await?;
    let note = state.store.audit_checkpoint().await?.ok_or_else(|| Problem::not_found("checkpoint: the log is empty"))?;
    Ok(log_file("text/plain; charset=utf-8", note))
}

#[utoipa::path(get, path = "/v1/audit/log/tile/{path}", tag = "audit", params(("path" = String, Path, description = "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, N in x-prefixed groups of 3 digits")), responses((status = 200, description = "A C2SP tlog-tiles hash tile or entry bundle (application/octet-stream)"), (status = 404, description = "The tree does not have this tile (yet)")))]
pub(crate) async fn audit_log_tile(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Response> {
    audit_guard(&state, &p, "read the audit log").await?;
    // A tile path has slashes, so not the id check of other paths; it is
    // short and parsed strictly before anything else sees it.
    let bad = || Problem::bad_input("path: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, N in x-prefixed groups of 3 digits");
    let axum::extract::Path(path) = path.map_err(|_| bad())?;
    if path.len() > 64 {
        return Err(bad());
    }
    let id = confidant_audit::TileId::parse_path(&path).map_err(|_| bad())?;
    let bytes = state.store.audit_tile(id).await?.ok_or_else(|| Problem::not_found(format!("tile: the log has no `{}`", id.path())))?;
    Ok(log_file("application/octet-stream", bytes))
}
