//! The console's California ASCMI pages: record a signed form (care partners
//! and choices), the matrix of who may receive what, the form to print
//! (blank, filled in from what was typed, or as filed), the signed scan
//! (upload once, open) and revocation. Every handler calls the operation in
//! `confidant_app` that checks need-to-know and audits; this file only reads
//! forms and picks pages.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use confidant_app::Channel;
use confidant_console::{self as pages, ASCMI_PARTNER_ROWS, AscmiValues, CarePartnerValues, Flash, FlashKind, routes};
use confidant_policy::Statements;
use confidant_policy::vocab::{Category, Purpose, RecipientKind, Signer};
use confidant_store::{Ascmi, CarePartner, today};

use super::{FlashQuery, PageResult, check_csrf, fail, form_client, html, viewer};
use crate::AppState;
use crate::api::parse_date;
use crate::auth::{ConsolePrincipal, Principal};
use crate::body::{Form, Path, Query};
use crate::problem::Problem;

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(routes::ASCMI_BLANK, get(blank))
        .route(routes::ASCMI_LIST, get(list).post(file))
        .route(routes::NEW_ASCMI, get(new_page))
        .route(routes::ASCMI_PREVIEW, post(preview))
        .route(routes::ASCMI_PRINT, get(print))
        .route(routes::ASCMI_DOCUMENT, get(document).post(attach))
        .route(routes::REVOKE_ASCMI, post(revoke))
}

fn ascmi_flash(done: Option<&str>) -> Option<Flash> {
    let text = match done? {
        "filed" => "The ASCMI is filed: decisions for its care partners now read it.",
        "scan" => "The signed scan is attached.",
        "revoked" => "The ASCMI is revoked: from that day it releases nothing.",
        _ => return None,
    };
    Some(Flash { kind: FlashKind::Success, text: text.into() })
}

/// A client page refused: offer break-glass, as every client page does.
fn refused(p: &Principal, id: &str) -> Response {
    html(StatusCode::FORBIDDEN, pages::break_glass(&viewer(p), id, None))
}

async fn blank(ConsolePrincipal(p): ConsolePrincipal) -> Response {
    html(StatusCode::OK, pages::ascmi_print(Some(&viewer(&p)), None, None, today()))
}

async fn list(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let forms = match state.app().ascmis_of(&p.actor(Channel::Console), &id).await {
        Ok(forms) => forms,
        Err(confidant_app::AppError::Refused(_)) => return Err(refused(&p, &id)),
        Err(e) => return Err(fail(&p)(e.into())),
    };
    let client = state.store.client(&id).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(html(StatusCode::OK, pages::ascmi_list(&viewer(&p), &client, &forms, today(), ascmi_flash(q.done.as_deref()).as_ref())))
}

fn empty_values() -> AscmiValues {
    AscmiValues {
        signed_on: today().to_string(),
        partners: vec![CarePartnerValues::default(); ASCMI_PARTNER_ROWS],
        ..AscmiValues::default()
    }
}

async fn new_page(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Path(id): Path<String>) -> PageResult {
    let client = form_client(&state, &p, &id).await?;
    Ok(html(StatusCode::OK, pages::ascmi_new(&viewer(&p), &client, &empty_values(), None)))
}

fn values_of(form: &Form) -> AscmiValues {
    let partners = (0..ASCMI_PARTNER_ROWS)
        .map(|i| CarePartnerValues {
            name: form.text(&format!("partner_{i}_name")),
            kind: form.get(&format!("partner_{i}_kind")).and_then(RecipientKind::parse),
            categories: form.all(&format!("partner_{i}_categories")).into_iter().filter_map(Category::parse).collect(),
            purposes: form.all(&format!("partner_{i}_purposes")).into_iter().filter_map(Purpose::parse).collect(),
        })
        .collect();
    AscmiValues {
        signed_by: form.get("signed_by").and_then(Signer::parse),
        signed_on: form.text("signed_on"),
        expires_on: form.text("expires_on"),
        right_to_revoke: form.flag("right_to_revoke"),
        no_conditioning: form.flag("no_conditioning"),
        redisclosure: form.flag("redisclosure"),
        partners,
    }
}

/// The form as typed: rows left entirely blank are skipped; a row with a
/// name or choices but no kind is refused naming it.
fn ascmi_of(v: &AscmiValues) -> Result<Ascmi, Problem> {
    let date = |field: &str, text: &str| (!text.is_empty()).then(|| parse_date(field, text)).transpose();
    let mut partners = Vec::new();
    for (i, row) in v.partners.iter().enumerate() {
        let blank = row.name.is_empty() && row.kind.is_none() && row.categories.is_empty() && row.purposes.is_empty();
        if blank {
            continue;
        }
        let kind = row.kind.ok_or_else(|| Problem::bad_input(format!("care partner {}: choose what kind of care partner it is", i + 1)))?;
        partners.push(CarePartner { name: row.name.clone(), kind, categories: row.categories.clone(), purposes: row.purposes.clone() });
    }
    Ok(Ascmi {
        id: String::new(),
        signed_by: v.signed_by,
        signed_on: date("signed_on", &v.signed_on)?,
        expires_on: date("expires_on", &v.expires_on)?,
        expiry_event: None,
        statements: Statements { right_to_revoke: v.right_to_revoke, no_conditioning: v.no_conditioning, redisclosure: v.redisclosure },
        partners,
        revoked_on: None,
    })
}

/// A refusal's field in words a person filling in the form reads.
fn plain(detail: &str) -> String {
    let (field, rest) = detail.split_once(':').unwrap_or(("", detail));
    let mut parts = field.trim().split('/');
    let what = match (parts.next(), parts.next(), parts.next()) {
        (Some("partners"), Some(i), Some(f)) => {
            format!("Care partner {} ({})", i.parse::<usize>().map_or(0, |n| n + 1), f.replace('_', " "))
        }
        (Some("statements"), Some(s), _) => format!("Statement {}", s.replace('_', " ")),
        (Some(f), ..) if !f.is_empty() => f.replace('_', " "),
        _ => return detail.to_string(),
    };
    format!("{what}:{rest}")
}

async fn file(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Path(id): Path<String>, form: Form) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    crate::access::client_access(&state, &p, &id, "add ASCMI").await.map_err(|_| refused(&p, &id))?;
    let client = state.store.client(&id).await.map_err(|e| fail(&p)(e.into()))?;
    let values = values_of(&form);
    let again = |status: StatusCode, message: &str| html(status, pages::ascmi_new(&viewer(&p), &client, &values, Some(&plain(message))));
    let ascmi = match ascmi_of(&values) {
        Ok(a) => a,
        Err(problem) => return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, &problem.detail)),
    };
    match state.app().file_ascmi(&p.actor(Channel::Console), &id, &ascmi, None).await {
        Ok(_) => Ok(Redirect::to(&routes::ascmi_done(&id, "filed")).into_response()),
        Err(e) => {
            let problem = Problem::from(e);
            match problem.status {
                400 | 403 | 409 | 422 => {
                    Ok(again(StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST), &problem.detail))
                }
                _ => Err(fail(&p)(problem)),
            }
        }
    }
}

async fn preview(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let client = form_client(&state, &p, &id).await?;
    let values = values_of(&form);
    let ascmi = match ascmi_of(&values) {
        Ok(a) => a,
        Err(problem) => {
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::ascmi_new(&viewer(&p), &client, &values, Some(&plain(&problem.detail))),
            ));
        }
    };
    Ok(html(StatusCode::OK, pages::ascmi_print(Some(&viewer(&p)), Some(&client), Some(&ascmi), today())))
}

async fn print(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path((id, ascmi)): Path<(String, String)>,
) -> PageResult {
    let stored = match state.app().ascmi_of(&p.actor(Channel::Console), &id, &ascmi).await {
        Ok(s) => s,
        Err(confidant_app::AppError::Refused(_)) => return Err(refused(&p, &id)),
        Err(e) => return Err(fail(&p)(e.into())),
    };
    let client = state.store.client(&id).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(html(StatusCode::OK, pages::ascmi_print(Some(&viewer(&p)), Some(&client), Some(&stored.ascmi), today())))
}

/// The media type a scan's first bytes announce.
fn media_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"%PDF") {
        "application/pdf"
    } else if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        "application/octet-stream"
    }
}

async fn document(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path((id, ascmi)): Path<(String, String)>,
) -> PageResult {
    let scan = state.app().ascmi_document(&p.actor(Channel::Console), &id, &ascmi).await.map_err(|e| fail(&p)(e.into()))?;
    let scan = scan.ok_or_else(|| fail(&p)(Problem::not_found(format!("document: no signed scan attached to `{ascmi}`"))))?;
    let disposition = format!("attachment; filename=\"{ascmi}-signed\"");
    Ok(([(header::CONTENT_TYPE, media_type(&scan).to_string()), (header::CONTENT_DISPOSITION, disposition)], scan).into_response())
}

async fn attach(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path((id, ascmi)): Path<(String, String)>,
    mut multipart: Multipart,
) -> PageResult {
    let bad = |what: &str| fail(&p)(Problem::bad_input(format!("document: {what}")));
    let mut csrf = None;
    let mut scan = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| bad("a multipart form with the signed scan"))? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(|_| bad("the form's token"))?),
            Some("document") => scan = Some(field.bytes().await.map_err(|_| bad("the scan's bytes"))?),
            _ => {}
        }
    }
    check_csrf(&p, &Form(vec![("csrf".into(), csrf.unwrap_or_default())])).map_err(fail(&p))?;
    let scan = scan.ok_or_else(|| bad("a file in the `document` field"))?;
    state.app().attach_ascmi_document(&p.actor(Channel::Console), &id, &ascmi, &scan).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(Redirect::to(&routes::ascmi_done(&id, "scan")).into_response())
}

async fn revoke(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path((id, ascmi)): Path<(String, String)>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let on = form.get("on").filter(|d| !d.is_empty()).map(|d| parse_date("on", d)).transpose().map_err(fail(&p))?;
    state.app().revoke_ascmi(&p.actor(Channel::Console), &id, &ascmi, on).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(Redirect::to(&routes::ascmi_done(&id, "revoked")).into_response())
}
