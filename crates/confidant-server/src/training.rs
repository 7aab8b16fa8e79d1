//! Exam practice over HTTP (`/v1/training/…`) and in the console
//! (`/console/practice…`): the question bank and flashcards generated from
//! the engine once per process, the learner's FSRS state in the vault, the
//! next item due, answers and ratings, and practice exams scored by topic.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use confidant_console::{self as pages, PastExam, Viewer};
use confidant_training::{
    CardState, Flashcard, Question, Rating, Topic, build_exam, due_queue, flashcards, generate_bank, mastery, progress, rating_for_answer, score_exam,
};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{ApiPrincipal, ConsolePrincipal, Principal};
use crate::body::{Form, JsonBody, Query};
use crate::problem::{ApiResult, Problem};

/// The bank and cards, made once per process from the engine.
pub struct Bank {
    pub questions: Vec<Question>,
    pub cards: Vec<Flashcard>,
}

static BANK: OnceLock<Result<Bank, String>> = OnceLock::new();

/// The bank, generated on first use (a second or two).
pub fn bank(state: &AppState) -> Result<&'static Bank, Problem> {
    let made = BANK.get_or_init(|| {
        generate_bank(&state.engine()).map(|questions| Bank { questions, cards: flashcards() }).map_err(|e| e.to_string())
    });
    made.as_ref().map_err(|e| Problem::internal(e))
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
        .route("/v1/training/exams/score", post(score))
        .route("/console/practice", get(dashboard))
        .route("/console/practice/next", get(console_next))
        .route("/console/practice/answer", post(console_answer))
        .route("/console/practice/rate", post(console_rate))
        .route("/console/practice/exam", get(console_exam).post(console_score))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TopicQuery {
    topic: Option<String>,
}

fn topic(text: Option<&str>) -> Result<Option<Topic>, Problem> {
    text.map(|t| Topic::parse(t).ok_or_else(|| Problem::bad_input(format!("topic: a training topic, got `{t}`")))).transpose()
}

fn question_json(q: &Question, with_key: bool) -> Value {
    let mut v = json!({ "id": q.id, "topic": q.topic.as_str(), "stem": q.stem, "options": q.options, "hint": q.hint });
    if with_key && let Some(obj) = v.as_object_mut() {
        obj.insert("key".into(), json!(q.key));
        obj.insert("explanation".into(), json!(q.explanation));
        obj.insert("cites".into(), json!(q.cites));
        obj.insert("request".into(), q.request.clone());
    }
    v
}

#[utoipa::path(get, path = "/v1/training/questions", tag = "training", params(("topic" = Option<String>, Query)), responses((status = 200, description = "The whole bank with keys and the requests they were decided from")))]
pub(crate) async fn questions(State(state): State<Arc<AppState>>, ApiPrincipal(_signed_in): ApiPrincipal, Query(q): Query<TopicQuery>) -> ApiResult<Json<Value>> {
    let topic = topic(q.topic.as_deref())?;
    let bank = bank(&state)?;
    Ok(Json(Value::Array(bank.questions.iter().filter(|x| topic.is_none_or(|t| x.topic == t)).map(|x| question_json(x, true)).collect())))
}

#[utoipa::path(get, path = "/v1/training/flashcards", tag = "training", responses((status = 200, description = "The concept flashcards")))]
pub(crate) async fn cards(State(state): State<Arc<AppState>>, ApiPrincipal(_signed_in): ApiPrincipal) -> ApiResult<Json<Value>> {
    Ok(Json(json!(bank(&state)?.cards)))
}

async fn learner(state: &AppState, p: &Principal) -> Result<HashMap<String, CardState>, Problem> {
    Ok(progress::load_states(&state.store, p.id()).await?)
}

#[utoipa::path(get, path = "/v1/training/progress", tag = "training", responses((status = 200, description = "Mastery per topic, reviews due, past exams")))]
pub(crate) async fn progress_handler(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal) -> ApiResult<Json<Value>> {
    let bank = bank(&state)?;
    let states = learner(&state, &p).await?;
    let items = progress::study_items(&bank.questions);
    let due = due_queue(&items, &states, now()).iter().filter(|id| states.contains_key(*id)).count();
    let exams = state.store.training_exams(p.id()).await?;
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
    let bank = bank(&state)?;
    Ok(Json(match next_item(&state, &p, bank).await? {
        Some(Item::Question(q)) => json!({ "kind": "question", "question": question_json(q, false) }),
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

async fn record_answer(state: &AppState, p: &Principal, q: &Question, answer: usize, used_hint: bool) -> Result<(), Problem> {
    let states = learner(state, p).await?;
    progress::record_review(&state.store, p.id(), &q.id, states.get(&q.id), rating_for_answer(answer == q.key, used_hint), now()).await?;
    Ok(())
}

#[utoipa::path(post, path = "/v1/training/answers", tag = "training", request_body = AnswerBody, responses((status = 200, description = "Right or wrong, the key and the explanation; the review is scheduled")))]
pub(crate) async fn answer(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, JsonBody(body): JsonBody<AnswerBody>) -> ApiResult<Json<Value>> {
    let bank = bank(&state)?;
    let q = bank.questions.iter().find(|q| q.id == body.question).ok_or_else(|| Problem::not_found(format!("question: no question `{}`", body.question)))?;
    if body.answer >= q.options.len() {
        return Err(Problem::bad_input(format!("answer: an option index below {}", q.options.len())));
    }
    record_answer(&state, &p, q, body.answer, body.used_hint).await?;
    Ok(Json(json!({ "correct": body.answer == q.key, "key": q.key, "explanation": q.explanation, "cites": q.cites })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    card: String,
    /// `again`, `hard`, `good` or `easy`.
    rating: String,
}

async fn record_card(state: &AppState, p: &Principal, card: &str, rating: &str) -> Result<(), Problem> {
    let bank = bank(state)?;
    if !bank.cards.iter().any(|c| c.id == card) {
        return Err(Problem::not_found(format!("card: no flashcard `{card}`")));
    }
    let rating = Rating::parse(rating).ok_or_else(|| Problem::bad_input(format!("rating: `again`, `hard`, `good` or `easy`, got `{rating}`")))?;
    let states = learner(state, p).await?;
    progress::record_review(&state.store, p.id(), card, states.get(card), rating, now()).await?;
    Ok(())
}

#[utoipa::path(post, path = "/v1/training/reviews", tag = "training", request_body = ReviewBody, responses((status = 204, description = "Scheduled")))]
pub(crate) async fn review(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, JsonBody(body): JsonBody<ReviewBody>) -> ApiResult<StatusCode> {
    record_card(&state, &p, &body.card, &body.rating).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExamBody {
    count: usize,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
}

#[utoipa::path(post, path = "/v1/training/exams", tag = "training", request_body = ExamBody, responses((status = 200, description = "The exam's questions, without keys")))]
pub(crate) async fn start_exam(State(state): State<Arc<AppState>>, ApiPrincipal(_signed_in): ApiPrincipal, JsonBody(body): JsonBody<ExamBody>) -> ApiResult<Json<Value>> {
    if body.count == 0 || body.count > 200 {
        return Err(Problem::bad_input("count: between 1 and 200 questions"));
    }
    let bank = bank(&state)?;
    let exam = build_exam(&bank.questions, body.count, topic(body.topic.as_deref())?, body.seed.unwrap_or_else(|| now() as u64));
    Ok(Json(json!({ "questions": exam.iter().map(|q| question_json(q, false)).collect::<Vec<_>>() })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScoreBody {
    /// `[{"question": id, "answer": index or null}, …]` in exam order.
    answers: Vec<ExamAnswer>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExamAnswer {
    question: String,
    answer: Option<usize>,
}

fn score_answers<'a>(bank: &'a Bank, answers: &[(String, Option<usize>)]) -> Result<(Vec<&'a Question>, Vec<Option<usize>>), Problem> {
    let mut questions = Vec::with_capacity(answers.len());
    let mut chosen = Vec::with_capacity(answers.len());
    for (i, (id, answer)) in answers.iter().enumerate() {
        let q = bank.questions.iter().find(|q| &q.id == id).ok_or_else(|| Problem::bad_input(format!("answers/{i}/question: a question id, got `{id}`")))?;
        questions.push(q);
        chosen.push(*answer);
    }
    Ok((questions, chosen))
}

#[utoipa::path(post, path = "/v1/training/exams/score", tag = "training", request_body = ScoreBody, responses((status = 200, description = "Score by topic and the missed questions with explanations; saved")))]
pub(crate) async fn score(State(state): State<Arc<AppState>>, ApiPrincipal(p): ApiPrincipal, JsonBody(body): JsonBody<ScoreBody>) -> ApiResult<Json<Value>> {
    let bank = bank(&state)?;
    let pairs: Vec<(String, Option<usize>)> = body.answers.into_iter().map(|a| (a.question, a.answer)).collect();
    let (questions, chosen) = score_answers(bank, &pairs)?;
    let result = score_exam(&questions, &chosen);
    progress::record_exam(&state.store, p.id(), &result, now()).await?;
    let missed: Vec<Value> = questions.iter().filter(|q| result.missed.contains(&q.id)).map(|q| question_json(q, true)).collect();
    Ok(Json(json!({ "asked": result.asked, "correct": result.correct, "by_topic": result.by_topic, "missed": missed })))
}

// ── console ──────────────────────────────────────────────────────────────

fn viewer(p: &Principal) -> Viewer {
    Viewer { staff_id: p.staff.id.clone(), name: p.staff.display_name.clone(), role: p.staff.role, csrf: p.csrf().unwrap_or_default().to_string() }
}

fn page(markup: confidant_console::Markup) -> Response {
    Html(markup.into_string()).into_response()
}

fn problem_page(p: &Principal, problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Html(pages::error(Some(&viewer(p)), status.canonical_reason().unwrap_or("Error"), &problem.detail).into_string())).into_response()
}

fn csrf_ok(p: &Principal, form: &Form) -> bool {
    p.csrf().is_some_and(|expected| form.get("csrf") == Some(expected))
}

async fn dashboard(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal) -> Response {
    let result = async {
        let bank = bank(&state)?;
        let states = learner(&state, &p).await?;
        let items = progress::study_items(&bank.questions);
        let due = due_queue(&items, &states, now()).iter().filter(|id| states.contains_key(*id)).count();
        let exams: Vec<PastExam> = state
            .store
            .training_exams(p.id())
            .await?
            .iter()
            .map(|e| PastExam { day: confidant_store::date_from_unix_days(e.taken_at.div_euclid(86_400)).to_string(), correct: e.correct, asked: e.asked })
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
        let bank = bank(&state)?;
        Ok::<_, Problem>(match next_item(&state, &p, bank).await? {
            Some(Item::Question(q)) => page(pages::practice_question(&viewer(&p), q)),
            Some(Item::Card(c)) => page(pages::practice_flashcard(&viewer(&p), c)),
            None => Redirect::to("/console/practice").into_response(),
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
        let bank = bank(&state)?;
        let id = form.text("question");
        let q = bank.questions.iter().find(|q| q.id == id).ok_or_else(|| Problem::not_found("no such question"))?;
        let chosen: usize = form.text("answer").parse().ok().filter(|a| *a < q.options.len()).ok_or_else(|| Problem::bad_input("answer: choose one of the options"))?;
        record_answer(&state, &p, q, chosen, form.flag("used_hint")).await?;
        Ok::<_, Problem>(page(pages::practice_feedback(&viewer(&p), q, chosen, "/console/practice/next")))
    }
    .await;
    result.unwrap_or_else(|problem| problem_page(&p, problem))
}

async fn console_rate(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> Response {
    if !csrf_ok(&p, &form) {
        return problem_page(&p, Problem::forbidden("this form has expired; reload the page and try again"));
    }
    match record_card(&state, &p, &form.text("card"), &form.text("rating")).await {
        Ok(()) => Redirect::to("/console/practice/next").into_response(),
        Err(problem) => problem_page(&p, problem),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExamQuery {
    n: Option<usize>,
}

async fn console_exam(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, Query(q): Query<ExamQuery>) -> Response {
    let n = q.n.unwrap_or(10).clamp(1, 60);
    match bank(&state) {
        Ok(bank) => {
            let seed = now() as u64;
            page(pages::practice_exam(&viewer(&p), &build_exam(&bank.questions, n, None, seed), seed))
        }
        Err(problem) => problem_page(&p, problem),
    }
}

async fn console_score(State(state): State<Arc<AppState>>, ConsolePrincipal(p): ConsolePrincipal, form: Form) -> Response {
    if !csrf_ok(&p, &form) {
        return problem_page(&p, Problem::forbidden("this form has expired; reload the page and try again"));
    }
    let result = async {
        let bank = bank(&state)?;
        let pairs: Vec<(String, Option<usize>)> =
            form.all("question").into_iter().map(|id| (id.to_string(), form.get(&format!("answer-{id}")).and_then(|a| a.parse().ok()))).collect();
        let (questions, chosen) = score_answers(bank, &pairs)?;
        let result = score_exam(&questions, &chosen);
        progress::record_exam(&state.store, p.id(), &result, now()).await?;
        let missed: Vec<(&Question, Option<usize>)> =
            questions.iter().zip(&chosen).filter(|(q, _)| result.missed.contains(&q.id)).map(|(q, c)| (*q, *c)).collect();
        Ok::<_, Problem>(page(pages::practice_exam_result(&viewer(&p), &result, &missed)))
    }
    .await;
    result.unwrap_or_else(|problem| problem_page(&p, problem))
}
