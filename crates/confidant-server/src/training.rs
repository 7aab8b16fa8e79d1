//! Exam practice over HTTP (`/v1/training/…`) and in the console
//! (`/console/practice…`, `/console/training/…`): the question bank and
//! flashcards generated from the engine once per process, the learner's FSRS
//! state in the vault, the next item due, answers (with every option's
//! rationale, after answering) and ratings; exams drawn, held and scored by
//! the operations layer (`confidant_app::training`); the privacy officer's
//! training report and certificates. Keys and rationales reach a learner
//! only after they answered: the bank with keys is the privacy officer's.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use confidant_app::{BankView, Channel, ExamAnswer, ExamRequest};
use confidant_console::{self as pages, ExamItem, PastExam, Viewer, routes};
use confidant_store::ExamDraw;
use confidant_training::records::summary;
use confidant_training::{
    CardState, Flashcard, Question, Rating, Topic, due_queue, flashcards, generate_bank, mastery, progress, rating_for_answer,
};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{ApiPrincipal, ConsolePrincipal, Principal, Scope};
use crate::body::{Form, JsonBody, Path, Query};
use crate::problem::{ApiResult, Problem};

/// The bank and cards, made once per process from the engine.
pub struct Bank {
    pub questions: Vec<Question>,
    pub cards: Vec<Flashcard>,
    /// The rules the bank was generated from (`sha256:…`).
    pub rules_version: String,
}

/// The bank, generated on first use (a second or two of engine work, on
/// the blocking pool: an async worker keeps serving meanwhile, and every
/// request that needs the bank while it is made waits for that one run).
pub async fn bank(state: &AppState) -> Result<Arc<Bank>, Problem> {
    let engine = state.engine();
    let made = state
        .bank
        .get_or_init(|| async move {
            tokio::task::spawn_blocking(move || {
                let rules_version = engine.catalog().version().to_string();
                generate_bank(&engine)
                    .map(|questions| Arc::new(Bank { questions, cards: flashcards(), rules_version }))
                    .map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
        })
        .await;
    made.clone().map_err(|e| Problem::internal(&e))
}

fn now() -> i64 {
    confidant_store::now_secs()
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/training/questions", get(questions))
        .route("/v1/training/flashcards", get(cards))
        .route("/v1/training/progress", get(progress_handler))
        .route("/v1/training/next", get(next))
        .route("/v1/training/answers", post(answer))
        .route("/v1/training/reviews", post(review))
        .route("/v1/training/exams", post(start_exam))
        .route("/v1/training/exams/{id}", get(exam))
        .route("/v1/training/exams/{id}/answers", post(exam_answers))
        .route("/v1/training/exams/{id}/submit", post(submit))
        .route("/v1/training/exams/{id}/certificate", get(certificate))
        .route("/v1/training/report", get(report))
        .route(routes::PRACTICE, get(dashboard))
        .route(routes::PRACTICE_NEXT, get(console_next))
        .route(routes::PRACTICE_ANSWER, post(console_answer))
        .route(routes::PRACTICE_RATE, post(console_rate))
        .route(routes::PRACTICE_EXAM, post(console_draw))
        .route(routes::EXAM, get(console_exam).post(console_submit))
        .route(routes::TRAINING_REPORT, get(console_report))
        .route(routes::CERTIFICATE, get(console_certificate))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TopicQuery {
    topic: Option<String>,
}

fn topic(text: Option<&str>) -> Result<Option<Topic>, Problem> {
    text.map(|t| Topic::parse(t).ok_or_else(|| Problem::bad_input(format!("topic: a training topic, got `{t}`")))).transpose()
}

/// A question without its key: what a learner sees before answering.
fn question_json(q: &Question) -> Value {
    json!({ "id": q.id, "topic": q.topic.as_str(), "stem": q.stem, "options": q.options, "hint": q.hint })
}

/// A question with its key, every option's rationale, the explanation,
/// cites and the request it was decided from: after answering, or for the
/// privacy officer's review.
fn answered_json(q: &Question) -> Value {
    json!({
        "id": q.id, "topic": q.topic.as_str(), "stem": q.stem, "options": q.options, "hint": q.hint,
        "key": q.key, "rationales": q.rationales, "explanation": q.explanation, "cites": q.cites, "request": q.request,
    })
}

#[utoipa::path(get, path = "/v1/training/questions", tag = "training", params(("topic" = Option<String>, Query)), responses((status = 200, description = "The bank: with keys, rationales and requests for the privacy officer (review); questions and options only for everyone else")))]
pub(crate) async fn questions(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Query(q): Query<TopicQuery>,
) -> ApiResult<Json<Value>> {
    let topic = topic(q.topic.as_deref())?;
    let bank = bank(&state).await?;
    let with_keys = state.app().question_bank(&p.actor(Channel::Api)).await? == BankView::WithKeys;
    let chosen = bank.questions.iter().filter(|x| topic.is_none_or(|t| x.topic == t));
    Ok(Json(Value::Array(chosen.map(|x| if with_keys { answered_json(x) } else { question_json(x) }).collect())))
}

#[utoipa::path(get, path = "/v1/training/flashcards", tag = "training", responses((status = 200, description = "The concept flashcards")))]
pub(crate) async fn cards(State(state): State<Arc<AppState>>, ApiPrincipal(_signed_in): ApiPrincipal) -> ApiResult<Json<Value>> {
    Ok(Json(json!(bank(&state).await?.cards)))
}

async fn learner(state: &AppState, p: &Principal) -> Result<HashMap<String, CardState>, Problem> {
    Ok(progress::load_states(&state.store, p.id()).await?)
}

#[utoipa::path(get, path = "/v1/training/progress", tag = "training", responses((status = 200, description = "Mastery per topic, reviews due, past exams")))]
pub(crate) async fn progress_handler(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    let bank = bank(&state).await?;
    let states = learner(&state, &p).await?;
    let items = progress::study_items(&bank.questions);
    let due = due_queue(&items, &states, now()).iter().filter(|id| states.contains_key(*id)).count();
    let exams: Vec<Value> =
        state.app().my_training_records(&p.actor(Channel::Api)).await?.iter().filter_map(summary).map(|s| json!(s)).collect();
    Ok(Json(json!({ "topics": mastery(&items, &states, now()), "due": due, "exams": exams })))
}

/// The next item due for the learner: a question or a flashcard.
enum Item<'a> {
    Question(&'a Question),
    Card(&'a Flashcard),
}

async fn next_item<'a>(state: &AppState, p: &Principal, bank: &'a Bank) -> Result<Option<Item<'a>>, Problem> {
    let states = learner(state, p).await?;
    let items = progress::study_items(&bank.questions);
    let queue = due_queue(&items, &states, now());
    Ok(queue.first().and_then(|id| {
        bank.questions.iter().find(|q| &q.id == id).map(Item::Question).or_else(|| bank.cards.iter().find(|c| c.id == id).map(Item::Card))
    }))
}

#[utoipa::path(get, path = "/v1/training/next", tag = "training", responses((status = 200, description = "The next item due (without its key)")))]
pub(crate) async fn next(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    let bank = bank(&state).await?;
    Ok(Json(match next_item(&state, &p, &bank).await? {
        Some(Item::Question(q)) => json!({ "kind": "question", "question": question_json(q) }),
        Some(Item::Card(c)) => json!({ "kind": "flashcard", "flashcard": { "id": c.id, "topic": c.topic.as_str(), "front": c.front } }),
        None => json!({ "kind": "none" }),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnswerBody {
    question: String,
    answer: usize,
    #[serde(default)]
    used_hint: bool,
}

async fn record_answer(state: &AppState, p: &Principal, via: Channel, q: &Question, answer: usize, used_hint: bool) -> Result<(), Problem> {
    // A question of the learner's open exam is not answered here: the answer shows its key.
    state.app().check_practice_answer(&p.actor(via), &q.id).await?;
    let states = learner(state, p).await?;
    progress::record_review(&state.store, p.id(), &q.id, states.get(&q.id), rating_for_answer(answer == q.key, used_hint), now()).await?;
    Ok(())
}

#[utoipa::path(post, path = "/v1/training/answers", tag = "training", request_body = AnswerBody, responses((status = 200, description = "Right or wrong, the key, every option's rationale and the explanation; the review is scheduled"), (status = 409, description = "The question is in the learner's open exam")))]
pub(crate) async fn answer(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<AnswerBody>,
) -> ApiResult<Json<Value>> {
    let bank = bank(&state).await?;
    let q = bank
        .questions
        .iter()
        .find(|q| q.id == body.question)
        .ok_or_else(|| Problem::not_found(format!("question: no question `{}`", body.question)))?;
    if body.answer >= q.options.len() {
        return Err(Problem::bad_input(format!("answer: an option index below {}", q.options.len())));
    }
    record_answer(&state, &p, Channel::Api, q, body.answer, body.used_hint).await?;
    Ok(Json(
        json!({ "correct": body.answer == q.key, "key": q.key, "rationales": q.rationales, "explanation": q.explanation, "cites": q.cites }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    card: String,
    /// `again`, `hard`, `good` or `easy`.
    rating: String,
}

async fn record_card(state: &AppState, p: &Principal, card: &str, rating: &str) -> Result<(), Problem> {
    let bank = bank(state).await?;
    if !bank.cards.iter().any(|c| c.id == card) {
        return Err(Problem::not_found(format!("card: no flashcard `{card}`")));
    }
    let rating =
        Rating::parse(rating).ok_or_else(|| Problem::bad_input(format!("rating: `again`, `hard`, `good` or `easy`, got `{rating}`")))?;
    let states = learner(state, p).await?;
    progress::record_review(&state.store, p.id(), card, states.get(card), rating, now()).await?;
    Ok(())
}

#[utoipa::path(post, path = "/v1/training/reviews", tag = "training", request_body = ReviewBody, responses((status = 204, description = "Scheduled")))]
pub(crate) async fn review(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<ReviewBody>,
) -> ApiResult<StatusCode> {
    record_card(&state, &p, &body.card, &body.rating).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExamBody {
    /// How many questions (1–200).
    count: usize,
    #[serde(default)]
    topic: Option<String>,
}

fn bank_question<'a>(bank: &'a Bank, id: &str) -> Option<&'a Question> {
    bank.questions.iter().find(|q| q.id == id)
}

/// An exam as its learner (or the privacy officer) sees it: before
/// submission the questions and the saved answers only; after, the stored
/// result and every question with its stored key and rationales.
fn exam_json(bank: &Bank, exam: &ExamDraw) -> Value {
    let result = summary(exam);
    let questions: Vec<Value> = exam
        .questions
        .iter()
        .enumerate()
        .map(|(i, dq)| {
            let answer = exam.answers.get(i).copied().flatten();
            let base = bank_question(bank, &dq.id);
            match (result.is_some(), base) {
                (false, Some(q)) => json!({ "id": q.id, "topic": q.topic.as_str(), "stem": q.stem, "options": q.options, "answer": answer }),
                (true, Some(q)) => json!({
                    "id": q.id, "topic": q.topic.as_str(), "stem": q.stem, "options": q.options, "answer": answer,
                    "key": dq.key, "correct": answer == Some(dq.key), "rationales": q.rationales, "explanation": q.explanation, "cites": q.cites,
                }),
                (_, None) => json!({ "id": dq.id, "topic": dq.topic, "answer": answer, "missing": true }),
            }
        })
        .collect();
    json!({
        "id": exam.id,
        "staff_id": exam.staff_id,
        "drawn_at": exam.drawn_at,
        "rules_version": exam.rules_version,
        "submitted": result.is_some(),
        "result": result,
        "questions": questions,
    })
}

#[utoipa::path(post, path = "/v1/training/exams", tag = "training", request_body = ExamBody, responses((status = 201, description = "An exam drawn and held by the server: its id and questions, without keys")))]
pub(crate) async fn start_exam(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    JsonBody(body): JsonBody<ExamBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    p.require(Scope::Write)?;
    let topic = topic(body.topic.as_deref())?;
    let bank = bank(&state).await?;
    // The server picks the questions: a learner cannot redraw a known exam.
    let request = ExamRequest { count: body.count, topic, seed: rand::random() };
    let exam = state.app().draw_exam(&p.actor(Channel::Api), &bank.questions, &bank.rules_version, request).await?;
    Ok((StatusCode::CREATED, Json(exam_json(&bank, &exam))))
}

#[utoipa::path(get, path = "/v1/training/exams/{id}", tag = "training", params(("id" = String, Path)), responses((status = 200, description = "The exam: before submission without keys; after, with the stored result, keys and rationales"), (status = 404, description = "No such exam of yours")))]
pub(crate) async fn exam(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let bank = bank(&state).await?;
    let exam = state.app().view_exam(&p.actor(Channel::Api), &id).await?;
    Ok(Json(exam_json(&bank, &exam)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnswersBody {
    /// `[{"question": id, "answer": index or null}, …]`, any subset of the exam's questions.
    answers: Vec<ExamAnswerBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExamAnswerBody {
    question: String,
    answer: Option<usize>,
}

#[utoipa::path(post, path = "/v1/training/exams/{id}/answers", tag = "training", params(("id" = String, Path)), request_body = AnswersBody, responses((status = 200, description = "Saved against the stored draw (no keys)"), (status = 409, description = "The exam was submitted: answers change nothing")))]
pub(crate) async fn exam_answers(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AnswersBody>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Write)?;
    let bank = bank(&state).await?;
    let answers: Vec<ExamAnswer> = body.answers.into_iter().map(|a| ExamAnswer { question: a.question, answer: a.answer }).collect();
    let exam = state.app().answer_exam(&p.actor(Channel::Api), &id, &answers).await?;
    Ok(Json(exam_json(&bank, &exam)))
}

#[utoipa::path(post, path = "/v1/training/exams/{id}/submit", tag = "training", params(("id" = String, Path)), responses((status = 200, description = "Scored from the stored draw once; submitting again returns the same stored result")))]
pub(crate) async fn submit(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.require(Scope::Write)?;
    let bank = bank(&state).await?;
    let done = state.app().submit_exam(&p.actor(Channel::Api), &id).await?;
    let mut body = exam_json(&bank, &done.exam);
    if let Some(obj) = body.as_object_mut() {
        obj.insert("first_submission".into(), json!(done.first));
    }
    Ok(Json(body))
}

#[utoipa::path(get, path = "/v1/training/exams/{id}/certificate", tag = "training", params(("id" = String, Path)), responses((status = 200, description = "The certificate's contents (the console prints it)"), (status = 409, description = "Not submitted yet")))]
pub(crate) async fn certificate(
    State(state): State<Arc<AppState>>,
    ApiPrincipal(p): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app().certificate(&p.actor(Channel::Api), &id).await?)))
}

#[utoipa::path(get, path = "/v1/training/report", tag = "training", responses((status = 200, description = "Who is current, who is overdue, scores by topic (the privacy officer's)"), (status = 403, description = "Not the privacy officer")))]
pub(crate) async fn report(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    Ok(Json(json!(state.app().training_report(&p.actor(Channel::Api)).await?)))
}

// ── console ──────────────────────────────────────────────────────────────

fn viewer(p: &Principal) -> Viewer {
    Viewer {
        staff_id: p.staff.id.clone(),
        name: p.staff.display_name.clone(),
        role: p.staff.role,
        csrf: p.csrf().unwrap_or_default().to_string(),
    }
}

fn page(markup: confidant_console::Markup) -> Response {
    Html(markup.into_string()).into_response()
}

fn problem_page(p: &Principal, problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Html(pages::error(Some(&viewer(p)), status.canonical_reason().unwrap_or("Error"), &problem.detail).into_string()))
        .into_response()
}

fn csrf_ok(p: &Principal, form: &Form) -> bool {
    p.csrf().is_some_and(|expected| form.get("csrf").is_some_and(|sent| crate::auth::constant_time_eq(sent, expected)))
}

async fn dashboard(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal) -> Response {
    let result = async {
        let bank = bank(&state).await?;
        let states = learner(&state, &p).await?;
        let items = progress::study_items(&bank.questions);
        let due = due_queue(&items, &states, now()).iter().filter(|id| states.contains_key(*id)).count();
        let exams: Vec<PastExam> = state
            .app()
            .my_training_records(&p.actor(Channel::Console))
            .await?
            .iter()
            .filter_map(summary)
            .map(|e| PastExam { id: e.exam_id, day: e.completed_on.to_string(), correct: e.correct, asked: e.asked, passed: e.passed })
            .collect();
        Ok::<_, Problem>(pages::practice_dashboard(&viewer(&p), &mastery(&items, &states, now()), due, &exams))
    }
    .await;
    match result {
        Ok(markup) => page(markup),
        Err(problem) => problem_page(&p, problem),
    }
}

async fn console_next(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal) -> Response {
    let result = async {
        let bank = bank(&state).await?;
        Ok::<_, Problem>(match next_item(&state, &p, &bank).await? {
            Some(Item::Question(q)) => page(pages::practice_question(&viewer(&p), q)),
            Some(Item::Card(c)) => page(pages::practice_flashcard(&viewer(&p), c)),
            None => Redirect::to(routes::PRACTICE).into_response(),
        })
    }
    .await;
    result.unwrap_or_else(|problem| problem_page(&p, problem))
}

async fn console_answer(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> Response {
    if !csrf_ok(&p, &form) {
        return problem_page(&p, Problem::forbidden("this form has expired; reload the page and try again"));
    }
    let result = async {
        let bank = bank(&state).await?;
        let id = form.text("question");
        let q = bank.questions.iter().find(|q| q.id == id).ok_or_else(|| Problem::not_found("no such question"))?;
        let chosen: usize = form
            .text("answer")
            .parse()
            .ok()
            .filter(|a| *a < q.options.len())
            .ok_or_else(|| Problem::bad_input("answer: choose one of the options"))?;
        record_answer(&state, &p, Channel::Console, q, chosen, form.flag("used_hint")).await?;
        Ok::<_, Problem>(page(pages::practice_feedback(&viewer(&p), q, chosen, routes::PRACTICE_NEXT)))
    }
    .await;
    result.unwrap_or_else(|problem| problem_page(&p, problem))
}

async fn console_rate(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> Response {
    if !csrf_ok(&p, &form) {
        return problem_page(&p, Problem::forbidden("this form has expired; reload the page and try again"));
    }
    match record_card(&state, &p, &form.text("card"), &form.text("rating")).await {
        Ok(()) => Redirect::to(routes::PRACTICE_NEXT).into_response(),
        Err(problem) => problem_page(&p, problem),
    }
}

/// Draws an exam and sends the learner to it.
async fn console_draw(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> Response {
    if !csrf_ok(&p, &form) {
        return problem_page(&p, Problem::forbidden("this form has expired; reload the page and try again"));
    }
    let result = async {
        let n: usize = form
            .text("n")
            .parse()
            .ok()
            .filter(|n| (1..=60).contains(n))
            .ok_or_else(|| Problem::bad_input("n: a number of questions from 1 to 60"))?;
        let bank = bank(&state).await?;
        let request = ExamRequest { count: n, topic: None, seed: rand::random() };
        let exam = state.app().draw_exam(&p.actor(Channel::Console), &bank.questions, &bank.rules_version, request).await?;
        Ok::<_, Problem>(Redirect::to(&routes::exam(&exam.id)).into_response())
    }
    .await;
    result.unwrap_or_else(|problem| problem_page(&p, problem))
}

fn items<'a>(bank: &'a Bank, exam: &ExamDraw, with_keys: bool) -> Vec<ExamItem<'a>> {
    exam.questions
        .iter()
        .enumerate()
        .map(|(i, dq)| ExamItem {
            question: bank_question(bank, &dq.id),
            answer: exam.answers.get(i).copied().flatten().and_then(|a| usize::try_from(a).ok()),
            key: if with_keys { usize::try_from(dq.key).ok() } else { None },
        })
        .collect()
}

/// The exam's form while open; its result once submitted.
fn exam_page(p: &Principal, bank: &Bank, exam: &ExamDraw) -> Response {
    match summary(exam) {
        Some(result) => page(pages::practice_exam_result(&viewer(p), &result, &items(bank, exam, true))),
        None => page(pages::practice_exam(&viewer(p), &exam.id, &items(bank, exam, false))),
    }
}

async fn console_exam(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Path(id): Path<String>) -> Response {
    let result = async {
        let bank = bank(&state).await?;
        let exam = state.app().view_exam(&p.actor(Channel::Console), &id).await?;
        Ok::<_, Problem>(exam_page(&p, &bank, &exam))
    }
    .await;
    result.unwrap_or_else(|problem| problem_page(&p, problem))
}

/// Saves the form's answers against the stored draw and submits it.
async fn console_submit(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
    form: Form,
) -> Response {
    if !csrf_ok(&p, &form) {
        return problem_page(&p, Problem::forbidden("this form has expired; reload the page and try again"));
    }
    let result = async {
        let bank = bank(&state).await?;
        let app = state.app();
        let actor = p.actor(Channel::Console);
        let answers: Vec<ExamAnswer> = form
            .all("question")
            .into_iter()
            .map(|q| ExamAnswer { question: q.to_string(), answer: form.get(&format!("answer-{q}")).and_then(|a| a.parse().ok()) })
            .collect();
        if !answers.is_empty() {
            app.answer_exam(&actor, &id, &answers).await?;
        }
        let done = app.submit_exam(&actor, &id).await?;
        Ok::<_, Problem>(exam_page(&p, &bank, &done.exam))
    }
    .await;
    result.unwrap_or_else(|problem| problem_page(&p, problem))
}

async fn console_report(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal) -> Response {
    match state.app().training_report(&p.actor(Channel::Console)).await {
        Ok(report) => page(pages::training_report(&viewer(&p), &report)),
        Err(e) => problem_page(&p, e.into()),
    }
}

async fn console_certificate(
    State(state): State<Arc<AppState>>,
    ConsolePrincipal(p): ConsolePrincipal,
    Path(id): Path<String>,
) -> Response {
    match state.app().certificate(&p.actor(Channel::Console), &id).await {
        Ok(cert) => page(pages::certificate_page(&viewer(&p), &cert)),
        Err(e) => problem_page(&p, e.into()),
    }
}
