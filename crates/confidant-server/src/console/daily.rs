//! The console's daily work: intake, notes (write, open, correct), the
//! privacy-notice acknowledgment, restriction requests and the privacy
//! officer's answer, and a client's record summary for printing. Every
//! handler calls the operation in `confidant_app` that checks need-to-know
//! and audits; this file only reads forms and picks pages.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use confidant_app::{AppError, Channel};
use confidant_console::{self as pages, IntakeValues, RecordRow, VersionView, routes};
use confidant_policy::Restriction;
use confidant_policy::vocab::{Category, RecipientKind};
use confidant_store::{Birth, NewClient, NoticeNotObtained, Record, date_from_unix_days, today};

use super::{FlashQuery, PageResult, check_csrf, fail, flash_of, html, viewer};
use crate::AppState;
use crate::api::parse_date;
use crate::auth::{ConsolePrincipal, Principal};
use crate::body::{Form, Path, Query};
use crate::problem::Problem;

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(routes::NEW_CLIENT, get(new_client))
        .route(routes::CLIENTS, post(add_client))
        .route(routes::CLIENT_SUMMARY, get(summary))
        .route(routes::RECORDS, post(add_note))
        .route(routes::RECORD, get(record))
        .route(routes::RECORD_CORRECTIONS, post(correct))
        .route(routes::NOTICE, post(notice))
        .route(routes::RESTRICTIONS, post(request_restriction))
        .route(routes::DECIDE_RESTRICTION, post(decide_restriction))
}

/// A record's time of writing: the day, and the hour in UTC.
fn written(created_at: i64) -> String {
    let secs = created_at.rem_euclid(86_400);
    format!("{} {:02}:{:02} UTC", date_from_unix_days(created_at.div_euclid(86_400)), secs / 3600, secs % 3600 / 60)
}

fn name_of(authors: &BTreeMap<String, String>, id: &str) -> String {
    authors.get(id).cloned().unwrap_or_else(|| id.to_string())
}

/// The first non-empty line, shortened for a list.
fn title_of(content: Option<&str>) -> String {
    let line = content.unwrap_or_default().lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("(empty note)");
    if line.chars().count() > 90 { format!("{}…", line.chars().take(89).collect::<String>()) } else { line.to_string() }
}

/// The client page's list: each record's latest version, newest first.
pub(super) fn record_rows(records: &[Record], authors: &BTreeMap<String, String>) -> Vec<RecordRow> {
    confidant_app::notes::latest_versions(records)
        .into_iter()
        .map(|(r, versions)| RecordRow {
            id: r.id.clone(),
            category: r.category,
            date: date_from_unix_days(r.created_at.div_euclid(86_400)).to_string(),
            author: name_of(authors, &r.author_id),
            title: title_of(r.content.as_deref()),
            versions,
        })
        .collect()
}

fn version_view(r: &Record, authors: &BTreeMap<String, String>) -> VersionView {
    VersionView {
        id: r.id.clone(),
        category: r.category,
        written: written(r.created_at),
        author: name_of(authors, &r.author_id),
        content: r.content.clone().unwrap_or_default(),
    }
}

/// A refusal of a client offers break-glass, as every client page does;
/// anything else is an error page.
fn client_failure<'a>(p: &'a Principal, id: &'a str) -> impl Fn(AppError) -> Response + 'a {
    move |e| match e {
        AppError::Refused(_) => html(StatusCode::FORBIDDEN, pages::break_glass(&viewer(p), id, None)),
        other => fail(p)(other.into()),
    }
}

// ── intake ───────────────────────────────────────────────────────────────

async fn new_client(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal) -> PageResult {
    if !super::does_intake(&p) {
        // The operation would refuse (and audit) the form's post; say so before it is filled in.
        return Err(fail(&p)(Problem::forbidden("intake is done by case managers, clinicians, supervisors or admins")));
    }
    let teams = state.store.list_teams().await.map_err(|e| fail(&p)(e.into()))?;
    Ok(html(StatusCode::OK, pages::new_client(&viewer(&p), &IntakeValues::default(), &teams, None)))
}

async fn add_client(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let values = IntakeValues {
        name: form.text("name").trim().to_string(),
        contact: form.text("contact").trim().to_string(),
        birth_date: form.text("birth_date"),
        team_id: form.text("team"),
        part2_program: form.flag("part2_program"),
        lps_program: form.flag("lps_program"),
    };
    let teams = state.store.list_teams().await.map_err(|e| fail(&p)(e.into()))?;
    let again = |message: &str| html(StatusCode::UNPROCESSABLE_ENTITY, pages::new_client(&viewer(&p), &values, &teams, Some(message)));
    if values.name.is_empty() {
        return Ok(again("name: the client's name"));
    }
    let birth = match parse_date("birth_date", &values.birth_date) {
        Ok(day) if day <= today() => day,
        Ok(_) => return Ok(again("birth_date: a day no later than today")),
        Err(problem) => return Ok(again(&problem.detail)),
    };
    let new = NewClient {
        id: None,
        name: values.name.clone(),
        contact: (!values.contact.is_empty()).then(|| values.contact.clone()),
        notes: None,
        birth: Birth::DateOfBirth(birth),
        part2_program: values.part2_program,
        lps_program: values.lps_program,
        team_id: (!values.team_id.is_empty()).then(|| values.team_id.clone()),
    };
    match state.app().add_client(&p.actor(Channel::Console), new).await {
        Ok(id) => Ok(Redirect::to(&routes::client_done(&id, "client")).into_response()),
        Err(e) if e.is_callers() => {
            let problem = Problem::from(e);
            let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            Ok(html(status, pages::new_client(&viewer(&p), &values, &teams, Some(&problem.detail))))
        }
        Err(e) => Err(fail(&p)(e.into())),
    }
}

// ── notes ────────────────────────────────────────────────────────────────

async fn add_note(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let category = form
        .get("category")
        .and_then(Category::parse)
        .ok_or_else(|| fail(&p)(Problem::bad_input(format!("category: one of {}", Category::expected()))))?;
    let content = form.text("content");
    if content.trim().is_empty() {
        return Err(fail(&p)(Problem::bad_input("content: the note's text")));
    }
    state.app().add_record(&p.actor(Channel::Console), &id, category, content, None).await.map_err(client_failure(&p, &id))?;
    Ok(Redirect::to(&routes::client_done(&id, "note")).into_response())
}

async fn record(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path((id, record_id)): Path<(String, String)>,
    Query(q): Query<FlashQuery>,
) -> PageResult {
    let history = state.app().read_record(&p.actor(Channel::Console), &id, &record_id).await.map_err(client_failure(&p, &id))?;
    let client = state.store.client(&id).await.map_err(|e| fail(&p)(e.into()))?;
    let versions: Vec<VersionView> = history.versions.iter().map(|r| version_view(r, &history.authors)).collect();
    let may_correct = history.current().is_some_and(|r| r.author_id == p.id());
    Ok(html(StatusCode::OK, pages::record_page(&viewer(&p), &client, &versions, may_correct, flash_of(q.done.as_deref()).as_ref())))
}

async fn correct(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path((id, record_id)): Path<(String, String)>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let new_id = state
        .app()
        .correct_record(&p.actor(Channel::Console), &id, &record_id, form.text("content"))
        .await
        .map_err(client_failure(&p, &id))?;
    Ok(Redirect::to(&routes::record_done(&id, &new_id, "corrected")).into_response())
}

/// The printable summary: the client and every current record the viewer
/// may read (the same audited read as the client page).
async fn summary(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Path(id): Path<String>) -> PageResult {
    let file = state.app().open_client_file(&p.actor(Channel::Console), &id).await.map_err(client_failure(&p, &id))?;
    let team = match &file.client.team_id {
        Some(team) => state.store.list_teams().await.map_err(|e| fail(&p)(e.into()))?.into_iter().find(|t| &t.id == team).map(|t| t.name),
        None => None,
    };
    let mut records: Vec<VersionView> =
        confidant_app::notes::latest_versions(&file.records).into_iter().map(|(r, _)| version_view(r, &file.authors)).collect();
    // On paper, oldest first, as a chart reads.
    records.reverse();
    Ok(html(StatusCode::OK, pages::client_summary(&viewer(&p), &file.client, team.as_deref(), &file.notice, &records, today())))
}

// ── the client's rights ──────────────────────────────────────────────────

async fn notice(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let on = parse_date("on", &form.text("on")).map_err(fail(&p))?;
    let actor = p.actor(Channel::Console);
    let done = if form.get("outcome") == Some("not_obtained") {
        let reason = form.get("reason").and_then(NoticeNotObtained::parse).ok_or_else(|| {
            let expected = NoticeNotObtained::ALL.iter().map(|r| format!("`{}`", r.as_str())).collect::<Vec<_>>().join(", ");
            fail(&p)(Problem::bad_input(format!("reason: one of {expected}")))
        })?;
        state.app().notice_not_obtained(&actor, &id, on, reason).await.map_err(client_failure(&p, &id))?;
        "notice-not-obtained"
    } else {
        if on > today() {
            return Err(fail(&p)(Problem::bad_input("on: a day no later than today")));
        }
        state.app().acknowledge_notice(&actor, &id, on).await.map_err(client_failure(&p, &id))?;
        "notice"
    };
    Ok(Redirect::to(&routes::client_done(&id, done)).into_response())
}

async fn request_restriction(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let restriction = Restriction {
        categories: form.all("categories").into_iter().filter_map(Category::parse).collect(),
        recipient_kinds: form.all("recipient_kinds").into_iter().filter_map(RecipientKind::parse).collect(),
        purposes: Vec::new(),
        agreed: false,
    };
    let on = parse_date("requested_on", &form.text("requested_on")).map_err(fail(&p))?;
    state.app().add_restriction(&p.actor(Channel::Console), &id, &restriction, Some(on)).await.map_err(client_failure(&p, &id))?;
    Ok(Redirect::to(&routes::client_done(&id, "restriction")).into_response())
}

async fn decide_restriction(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> PageResult {
    check_csrf(&p, &form).map_err(fail(&p))?;
    let agreed = match form.get("decision") {
        Some("agree") => true,
        Some("decline") => false,
        _ => return Err(fail(&p)(Problem::bad_input("decision: `agree` or `decline`"))),
    };
    state.app().decide_restriction(&p.actor(Channel::Console), &id, agreed).await.map_err(|e| fail(&p)(e.into()))?;
    Ok(Redirect::to(&routes::review_done(if agreed { "agreed" } else { "declined" })).into_response())
}
