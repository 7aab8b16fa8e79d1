//! Decisions on requests sent whole, and the rule catalog (list, one rule, reload, status).

#[allow(clippy::wildcard_imports)]
use super::*;

// ── decisions and rules ──────────────────────────────────────────────────

#[utoipa::path(post, path = "/v1/decisions", tag = "decisions", request_body(content = Object, description = "A request (object) or a batch (array), per spec/decisions.md"),
    responses((status = 200, description = "The decision, or an array of decisions in the same order"), (status = 422, description = "Bad input; `detail` names the field")))]
pub(crate) async fn decisions(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, Body(bytes): Body) -> ApiResult<Response> {
    p.require(Scope::Decisions)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Problem::bad_input("input: UTF-8 text"))?;
    let engine = state.engine();
    let decide = |request: &confidant_policy::Request, index: Option<usize>| {
        let started = std::time::Instant::now();
        let decision = engine.decide(request).map_err(|e| engine_problem(e, index))?;
        state.metrics.decision(&decision, started.elapsed());
        Ok::<_, Problem>(decision)
    };
    // A decision is a few kilobytes: one buffer of that size, not a dozen
    // regrowths. `write_json` writes the bytes serde would, faster.
    let mut decided = Vec::with_capacity(DECISION_BYTES);
    match parse_input(text).map_err(|e| Problem::bad_input(e.to_string()))? {
        Input::One(request) => decide(&request, None)?.write_json(&mut decided),
        Input::Batch(requests) => {
            let mut out = Vec::with_capacity(requests.len());
            for (i, request) in requests.iter().enumerate() {
                out.push(decide(request, Some(i))?);
            }
            decided.reserve(DECISION_BYTES.saturating_mul(out.len()));
            decided.push(b'[');
            for (i, decision) in out.iter().enumerate() {
                if i > 0 {
                    decided.push(b',');
                }
                decision.write_json(&mut decided);
            }
            decided.push(b']');
        }
    }
    // Room for every header this response will carry (the security headers
    // and the request id come later), so the map is allocated once instead
    // of growing twice on the way out.
    let mut response = Response::new(axum::body::Body::from(decided));
    let headers = response.headers_mut();
    headers.reserve(RESPONSE_HEADERS);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// Headers on a decision's response: its type, the security headers,
/// `Cache-Control` and `X-Request-Id`.
const RESPONSE_HEADERS: usize = 12;

/// Room for one serialized decision (most are 2–5 kB).
const DECISION_BYTES: usize = 4096;

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
    p.require(Scope::Write)?;
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
pub(crate) async fn rule(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(_signed_in): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    state.engine().rule(&id).map(|r| Json(rule_json(r))).ok_or_else(|| Problem::not_found(format!("rule: no rule `{id}`")))
}
