//! `confidant train`: exam practice generated from the engine. Printing the
//! question bank and the flashcards, an interactive session on standard
//! input (spaced repetition, every option's rationale after each answer), an
//! exam (held in the vault under `--as`: drawn, answered and scored by the
//! operations layer, then the training record), progress per topic, the
//! privacy officer's training report, certificates and the training policy.
//! The questions, scheduling and scoring live in `confidant-training` and
//! `confidant-app`; this file reads lines, wraps and prints.

use std::collections::HashMap;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use confidant_app::{Actor, App, BankView, ExamAnswer, ExamRequest};
use confidant_store::{ExamDraw, Store, TrainingPolicy};
use confidant_training::records::{summary, topic_title};
use confidant_training::{
    CardState, Flashcard, Question, Rating, Scheduler, StudyItem, Topic, TrainingReport, build_exam, due_queue, flashcards, generate_bank,
    mastery, progress, rating_for_answer, score_exam,
};
use serde_json::{Value, json};

use crate::vault::{self, Location, app_failure, store_failure};
use crate::{Failure, Format};

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(subcommand)]
    command: Option<TrainCmd>,
    /// A practice exam of N questions instead of a study session.
    #[arg(long, value_name = "N")]
    exam: Option<usize>,
    /// Only this topic (e.g. `duty_to_protect`).
    #[arg(long)]
    topic: Option<String>,
    /// How many items a study session has.
    #[arg(long, default_value_t = 10)]
    count: usize,
    /// Which questions an exam draws (the same seed, the same exam); defaults to the clock.
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum TrainCmd {
    /// Print the whole generated question bank.
    Questions {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long)]
        topic: Option<String>,
    },
    /// Print the concept flashcards.
    Flashcards {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long)]
        topic: Option<String>,
    },
    /// Mastery per topic and past exams for one learner (the global `--as`).
    Progress {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The workforce training report: who is current, who is overdue, scores
    /// by topic (the privacy officer's, with `--as`, or the operator's).
    Report {
        /// `text`, `json` or `csv`.
        #[arg(long, default_value = "text")]
        format: String,
    },
    /// Write a completed exam's printable certificate (HTML) to a new file.
    Certificate {
        /// The exam's id (`ex-…`).
        exam: String,
        /// The file to create (it must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Show the training policy, or set the pass threshold and how long a
    /// passed exam keeps someone current (the privacy officer or the operator).
    Policy {
        /// The score that passes, in percent (1-100; default 80).
        #[arg(long, value_name = "PERCENT")]
        pass_percent: Option<String>,
        /// Months a passed exam keeps a staff member current (1-120; default 12).
        #[arg(long, value_name = "MONTHS")]
        interval_months: Option<String>,
    },
}

pub fn run(location: &Location, args: TrainArgs) -> Result<(), Failure> {
    match args.command {
        Some(TrainCmd::Questions { format, topic }) => questions(location, format, parse_topic(topic.as_deref())?),
        Some(TrainCmd::Flashcards { format, topic }) => cards(format, parse_topic(topic.as_deref())?),
        Some(TrainCmd::Progress { format }) => {
            // Progress is kept under the global `--as` staff id.
            let learner = location.act_as.clone().ok_or_else(|| Failure::Input("--as: the staff id whose progress to show".into()))?;
            progress(location, &learner, format)
        }
        Some(TrainCmd::Report { format }) => report(location, &format),
        Some(TrainCmd::Certificate { exam, out }) => certificate(location, &exam, &out),
        Some(TrainCmd::Policy { pass_percent, interval_months }) => policy(location, pass_percent.as_deref(), interval_months.as_deref()),
        None => {
            let topic = parse_topic(args.topic.as_deref())?;
            if args.exam == Some(0) {
                return Err(Failure::Input("--exam: a number of questions of at least 1, got `0`".into()));
            }
            if args.count == 0 {
                return Err(Failure::Input("--count: a number of items of at least 1, got `0`".into()));
            }
            // With the global `--as`, progress is kept in the vault under that staff id.
            let session = Session::open(location, location.act_as.as_deref())?;
            match args.exam {
                Some(n) => session.exam(n, topic, args.seed.unwrap_or_else(|| now().unsigned_abs())),
                None => session.study(args.count, topic),
            }
        }
    }
}

fn parse_topic(text: Option<&str>) -> Result<Option<Topic>, Failure> {
    text.map(|t| Topic::parse(t).ok_or_else(|| vault::expected("--topic", Topic::expected(), t))).transpose()
}

fn bank() -> Result<Vec<Question>, Failure> {
    let engine = crate::packs::engine()?;
    generate_bank(&engine).map_err(|e| Failure::Internal(e.to_string()))
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn out(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| Failure::Internal(format!("stdout: {e}")))
}

fn line(text: &str) -> Result<(), Failure> {
    out(&format!("{text}\n"))
}

fn json_out(value: &Value) -> Result<(), Failure> {
    line(&serde_json::to_string_pretty(value).map_err(|e| Failure::Internal(e.to_string()))?)
}

const LETTERS: &[char] = &['a', 'b', 'c', 'd', 'e'];

fn letter(i: usize) -> char {
    LETTERS.get(i).copied().unwrap_or('?')
}

/// The width to wrap at: the terminal's when stdout is one, else 80.
fn width() -> usize {
    if io::stdout().is_terminal()
        && let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size()
    {
        return usize::from(w).clamp(30, 200);
    }
    80
}

/// `text` wrapped at word boundaries to `width`, each line of it (text may
/// hold line breaks) starting with `first` and continuing with `rest`.
fn wrap_to(text: &str, width: usize, first: &str, rest: &str) -> String {
    let options = textwrap::Options::new(width).initial_indent(first).subsequent_indent(rest).break_words(false);
    let mut out = String::new();
    for (n, paragraph) in text.split('\n').enumerate() {
        let options = if n == 0 { options.clone() } else { options.clone().initial_indent(rest) };
        for line in textwrap::wrap(paragraph, options) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// [`wrap_to`] at the output's width.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    wrap_to(text, width(), first, rest)
}

/// Prints `text` wrapped, with no indent.
fn para(text: &str) -> Result<(), Failure> {
    out(&wrap(text, "", ""))
}

fn render_question(q: &Question) -> String {
    let mut text = wrap(&q.stem, "", "");
    for (i, option) in q.options.iter().enumerate() {
        text.push_str(&wrap(option, &format!("  {}) ", letter(i)), "     "));
    }
    text
}

/// Every option with its rationale, the key and the learner's choice
/// marked: shown only once the question is answered.
fn render_rationales(q: &Question, chosen: Option<usize>) -> String {
    let mut text = String::from("Why each option is right or wrong:\n");
    for (i, option) in q.options.iter().enumerate() {
        let mut marks = Vec::new();
        if i == q.key {
            marks.push("the answer");
        }
        if chosen == Some(i) {
            marks.push("your answer");
        }
        let mark = if marks.is_empty() { String::new() } else { format!(" [{}]", marks.join(", ")) };
        text.push_str(&wrap(&format!("{option}{mark}"), &format!("  {}) ", letter(i)), "     "));
        text.push_str(&wrap(q.rationales.get(i).map_or("", String::as_str), "     ", "     "));
    }
    text
}

fn questions(location: &Location, format: Format, topic: Option<Topic>) -> Result<(), Failure> {
    let bank: Vec<Question> = bank()?.into_iter().filter(|q| topic.is_none_or(|t| t == q.topic)).collect();
    // Under `--as`, keys and rationales are the privacy officer's (audited);
    // the operator holds the key file and sees the whole bank.
    if location.act_as.is_some() {
        let view = vault::block_on(async {
            let store = vault::open(location).await?;
            let actor = vault::actor(&store, location, "--as", None).await?;
            App::new(&store, &store).question_bank(&actor).await.map_err(app_failure)
        })?;
        if view == BankView::QuestionsOnly {
            return questions_only(format, &bank);
        }
    }
    match format {
        Format::Json => json_out(&serde_json::to_value(&bank).map_err(|e| Failure::Internal(e.to_string()))?),
        Format::Text => {
            for q in &bank {
                line(&format!("[{}] {} ({})", q.id, q.topic.title(), q.topic))?;
                out(&render_question(q))?;
                out(&wrap(&format!("{}) {}", letter(q.key), q.options.get(q.key).map_or("", String::as_str)), "Answer: ", "        "))?;
                out(&render_rationales(q, None))?;
                out(&wrap(&q.hint, "Hint: ", "      "))?;
                out(&wrap(&q.explanation, "Why: ", "     "))?;
                out(&wrap(&q.cites.join("; "), "Cites: ", "       "))?;
                line("")?;
            }
            line(&format!("{} questions", bank.len()))
        }
    }
}

/// The bank without keys or rationales.
fn questions_only(format: Format, bank: &[Question]) -> Result<(), Failure> {
    match format {
        Format::Json => json_out(&Value::Array(
            bank.iter()
                .map(|q| json!({ "id": q.id, "topic": q.topic.as_str(), "stem": q.stem, "options": q.options, "hint": q.hint }))
                .collect(),
        )),
        Format::Text => {
            for q in bank {
                line(&format!("[{}] {} ({})", q.id, q.topic.title(), q.topic))?;
                out(&render_question(q))?;
                line("")?;
            }
            line(&format!("{} questions (keys and rationales are the privacy officer's)", bank.len()))
        }
    }
}

fn cards(format: Format, topic: Option<Topic>) -> Result<(), Failure> {
    let cards: Vec<Flashcard> = flashcards().into_iter().filter(|c| topic.is_none_or(|t| t == c.topic)).collect();
    match format {
        Format::Json => json_out(&serde_json::to_value(&cards).map_err(|e| Failure::Internal(e.to_string()))?),
        Format::Text => {
            for c in &cards {
                line(&format!("[{}] {}", c.id, c.topic.title()))?;
                out(&wrap(c.front, "Q: ", "   "))?;
                out(&wrap(c.back, "A: ", "   "))?;
                out(&wrap(&c.cites.join("; "), "Cites: ", "       "))?;
                line("")?;
            }
            line(&format!("{} flashcards", cards.len()))
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Failure::Internal(format!("runtime: {e}")))
}

/// A learner's session: the vault when `--as` was given, else nothing stored.
struct Session {
    rt: tokio::runtime::Runtime,
    learner: Option<(Store, String)>,
    /// The `--as` staff member as the operations layer's actor.
    actor: Option<Actor>,
    states: HashMap<String, CardState>,
}

impl Session {
    fn open(location: &Location, staff: Option<&str>) -> Result<Session, Failure> {
        let rt = runtime()?;
        let mut states = HashMap::new();
        let mut actor = None;
        let learner = match staff {
            None => None,
            Some(id) => {
                let store = rt.block_on(vault::open(location))?;
                // An existing, active staff member (the global `--as`).
                let who = Location { act_as: Some(id.to_string()), ..location.clone() };
                actor = Some(rt.block_on(vault::actor(&store, &who, "--as", None))?);
                states = rt.block_on(progress::load_states(&store, id)).map_err(store_failure)?;
                Some((store, id.to_string()))
            }
        };
        Ok(Session { rt, learner, actor, states })
    }

    fn announce(&self) -> Result<(), Failure> {
        match &self.learner {
            Some((_, id)) => line(&format!("Practising as {id}; progress is saved in the vault.")),
            None => line("Anonymous session: nothing is stored. Use --as STAFF_ID to keep your progress."),
        }
    }

    fn record(&mut self, id: &str, rating: Rating) -> Result<(), Failure> {
        let state = match &self.learner {
            Some((store, staff)) => {
                self.rt.block_on(progress::record_review(store, staff, id, self.states.get(id), rating, now())).map_err(store_failure)?
            }
            None => Scheduler::new().review(id, self.states.get(id), rating, now()).0,
        };
        self.states.insert(id.to_string(), state);
        Ok(())
    }

    fn study(mut self, count: usize, topic: Option<Topic>) -> Result<(), Failure> {
        self.announce()?;
        let bank = bank()?;
        let cards = flashcards();
        let mut items: Vec<StudyItem> = Vec::new();
        // Interleave cards and questions so a session opens with concepts.
        let mut qs = bank.iter().filter(|q| topic.is_none_or(|t| t == q.topic));
        let mut cs = cards.iter().filter(|c| topic.is_none_or(|t| t == c.topic));
        loop {
            let c = cs.next().map(|c| StudyItem { id: c.id.to_string(), topic: c.topic });
            let q = qs.next().map(|q| StudyItem { id: q.id.clone(), topic: q.topic });
            if c.is_none() && q.is_none() {
                break;
            }
            items.extend(c);
            items.extend(q);
        }
        let queue: Vec<String> = due_queue(&items, &self.states, now()).into_iter().take(count).collect();
        if queue.is_empty() {
            return line("Nothing is due. Come back later, or try --exam 20.");
        }
        let mut input = io::stdin().lock();
        let (mut asked, mut right, mut done) = (0usize, 0usize, 0usize);
        for (n, id) in queue.iter().enumerate() {
            line(&format!("\n[{}/{}]", n + 1, queue.len()))?;
            if let Some(q) = bank.iter().find(|q| &q.id == id) {
                line(&format!("{} — question", q.topic.title()))?;
                out(&render_question(q))?;
                let Some((choice, used_hint)) = ask_answer(&mut input, q, true)? else { break };
                asked += 1;
                let correct = choice == q.key;
                if correct {
                    right += 1;
                    line("Correct.")?;
                } else {
                    para(&format!("Not quite. The answer is {}) {}", letter(q.key), q.options.get(q.key).map_or("", String::as_str)))?;
                }
                out(&render_rationales(q, Some(choice)))?;
                out(&wrap(&q.explanation, "Explanation: ", "  "))?;
                out(&wrap(&q.cites.join("; "), "Cites: ", "       "))?;
                let rating = rating_for_answer(correct, used_hint);
                self.record(id, rating)?;
                line(&format!("Rated {} automatically.", rating.as_str()))?;
            } else if let Some(c) = cards.iter().find(|c| c.id == id) {
                line(&format!("{} — flashcard", c.topic.title()))?;
                out(&wrap(c.front, "Q: ", "   "))?;
                out("Press Enter to see the answer (q to quit)> ")?;
                match read(&mut input)? {
                    None => break,
                    Some(text) if text == "q" => break,
                    Some(_) => {}
                }
                out(&wrap(c.back, "A: ", "   "))?;
                out(&wrap(&c.cites.join("; "), "Cites: ", "       "))?;
                let Some(rating) = ask_rating(&mut input)? else { break };
                self.record(id, rating)?;
            }
            done += 1;
        }
        line(&format!("\nSession over: {done} reviewed, {right} of {asked} questions right."))?;
        if let Some((_, staff)) = &self.learner {
            line(&format!("Progress saved for {staff}. See it with `confidant train progress --as {staff}`."))?;
        }
        Ok(())
    }

    fn exam(self, n: usize, topic: Option<Topic>, seed: u64) -> Result<(), Failure> {
        self.announce()?;
        let (bank, rules_version) = bank_and_version()?;
        match (&self.learner, &self.actor) {
            (Some((store, staff)), Some(actor)) => {
                self.held_exam(store, staff, actor, &bank, &rules_version, ExamRequest { count: n, topic, seed })
            }
            _ => anonymous_exam(&bank, n, topic, seed),
        }
    }

    /// An exam held in the vault: drawn and scored by the operations layer,
    /// each answer saved as it is given; the result is the training record.
    fn held_exam(
        &self,
        store: &Store,
        staff: &str,
        actor: &Actor,
        bank: &[Question],
        rules_version: &str,
        request: ExamRequest,
    ) -> Result<(), Failure> {
        let app = App::new(store, store);
        let drawn = self.rt.block_on(app.draw_exam(actor, bank, rules_version, request)).map_err(app_failure)?;
        let questions: Vec<Option<&Question>> = drawn.questions.iter().map(|dq| bank.iter().find(|q| q.id == dq.id)).collect();
        para(&format!(
            "Exam {}: {} questions. Answer with a letter; q ends the exam early (what is unanswered counts as wrong).",
            drawn.id,
            questions.len()
        ))?;
        let mut input = io::stdin().lock();
        for (i, q) in questions.iter().enumerate() {
            let Some(q) = q else { continue };
            line(&format!("\n[{}/{}] {}", i + 1, questions.len(), q.topic.title()))?;
            out(&render_question(q))?;
            let Some((choice, _)) = ask_answer(&mut input, q, false)? else { break };
            let answer = ExamAnswer { question: q.id.clone(), answer: Some(choice) };
            self.rt.block_on(app.answer_exam(actor, &drawn.id, &[answer])).map_err(app_failure)?;
        }
        let done = self.rt.block_on(app.submit_exam(actor, &drawn.id)).map_err(app_failure)?;
        print_result(&done.exam, bank)?;
        line("")?;
        para(&format!(
            "Exam saved for {staff} as a training record. Certificate: `confidant train certificate {} --as {staff} --out FILE`.",
            drawn.id
        ))
    }
}

fn bank_and_version() -> Result<(Vec<Question>, String), Failure> {
    let engine = crate::packs::engine()?;
    let version = engine.catalog().version().to_string();
    let bank = generate_bank(&engine).map_err(|e| Failure::Internal(e.to_string()))?;
    Ok((bank, version))
}

/// A stored exam's score, by topic, and the review of what was missed with
/// every option's rationale.
fn print_result(exam: &ExamDraw, bank: &[Question]) -> Result<(), Failure> {
    let Some(result) = summary(exam) else { return Ok(()) };
    line(&format!(
        "\nScore: {} of {} ({}%): {} at {}%",
        result.correct,
        result.asked,
        result.percent,
        if result.passed { "passed" } else { "not passed" },
        result.pass_percent
    ))?;
    for t in &result.by_topic {
        line(&format!("  {:<28} {}/{}", topic_title(&t.topic), t.correct, t.asked))?;
    }
    let missed: Vec<(usize, &Question, Option<usize>)> = exam
        .questions
        .iter()
        .enumerate()
        .filter(|(i, dq)| exam.answers.get(*i).copied().flatten() != Some(dq.key))
        .filter_map(|(i, dq)| {
            bank.iter()
                .find(|q| q.id == dq.id)
                .map(|q| (i, q, exam.answers.get(i).copied().flatten().and_then(|a| usize::try_from(a).ok())))
        })
        .collect();
    if !missed.is_empty() {
        line("\nReview of the missed questions:")?;
    }
    for (i, q, chosen) in missed {
        line(&format!("\n{}.", i + 1))?;
        out(&wrap(&q.stem, "", ""))?;
        let yours = chosen.map_or_else(|| "no answer".to_string(), |a| format!("{})", letter(a)));
        para(&format!("Your answer: {yours}. Correct: {}) {}", letter(q.key), q.options.get(q.key).map_or("", String::as_str)))?;
        out(&render_rationales(q, chosen))?;
        out(&wrap(&q.explanation, "Explanation: ", "  "))?;
        out(&wrap(&q.cites.join("; "), "Cites: ", "       "))?;
    }
    Ok(())
}

/// A practice exam kept nowhere (no `--as`): drawn, asked and scored here.
fn anonymous_exam(bank: &[Question], n: usize, topic: Option<Topic>, seed: u64) -> Result<(), Failure> {
    let exam = build_exam(bank, n, topic, seed);
    line(&format!("Practice exam: {} questions. Answer with a letter; q ends the exam early.", exam.len()))?;
    let mut input = io::stdin().lock();
    let mut answers: Vec<Option<usize>> = vec![None; exam.len()];
    for (i, q) in exam.iter().enumerate() {
        line(&format!("\n[{}/{}] {}", i + 1, exam.len(), q.topic.title()))?;
        out(&render_question(q))?;
        match ask_answer(&mut input, q, false)? {
            Some((choice, _)) => {
                if let Some(slot) = answers.get_mut(i) {
                    *slot = Some(choice);
                }
            }
            None => break,
        }
    }
    let result = score_exam(&exam, &answers);
    let percent = (result.correct * 100).checked_div(result.asked).unwrap_or(0);
    line(&format!("\nScore: {} of {} ({percent}%)", result.correct, result.asked))?;
    for t in &result.by_topic {
        line(&format!("  {:<28} {}/{}", t.topic.title(), t.correct, t.asked))?;
    }
    if !result.missed.is_empty() {
        line("\nReview of the missed questions:")?;
    }
    for (i, q) in exam.iter().enumerate() {
        if !result.missed.contains(&q.id) {
            continue;
        }
        let chosen = answers.get(i).copied().flatten();
        line("")?;
        out(&wrap(&q.stem, "", ""))?;
        let yours = chosen.map_or_else(|| "no answer".to_string(), |a| format!("{})", letter(a)));
        para(&format!("Your answer: {yours}. Correct: {}) {}", letter(q.key), q.options.get(q.key).map_or("", String::as_str)))?;
        out(&render_rationales(q, chosen))?;
        out(&wrap(&q.explanation, "Explanation: ", "  "))?;
        out(&wrap(&q.cites.join("; "), "Cites: ", "       "))?;
    }
    Ok(())
}

/// One trimmed, lowercased line; `None` at end of input.
fn read(input: &mut impl BufRead) -> Result<Option<String>, Failure> {
    let mut text = String::new();
    let n = input.read_line(&mut text).map_err(|e| Failure::Internal(format!("stdin: {e}")))?;
    Ok(if n == 0 { None } else { Some(text.trim().to_lowercase()) })
}

/// Asks until a valid answer: `Some((index, used_hint))`, or `None` on `q` or end of input.
fn ask_answer(input: &mut impl BufRead, q: &Question, hints: bool) -> Result<Option<(usize, bool)>, Failure> {
    let last = letter(q.options.len().saturating_sub(1));
    let mut used_hint = false;
    loop {
        out(&format!("Your answer (a-{last}{}, q to quit)> ", if hints { ", h for a hint" } else { "" }))?;
        let Some(text) = read(input)? else { return Ok(None) };
        match text.as_str() {
            "q" => return Ok(None),
            "h" if hints => {
                used_hint = true;
                line(&format!("Hint: {}", q.hint))?;
            }
            "h" => line("No hints in exam mode.")?,
            other => {
                let index = match other.chars().collect::<Vec<_>>().as_slice() {
                    [c] if c.is_ascii_digit() => c.to_digit(10).and_then(|d| usize::try_from(d).ok()).and_then(|d| d.checked_sub(1)),
                    [c] => LETTERS.iter().position(|l| l == c),
                    _ => None,
                };
                match index {
                    Some(i) if i < q.options.len() => return Ok(Some((i, used_hint))),
                    _ => line(&format!("Please type a letter a-{last} or a number 1-{}.", q.options.len()))?,
                }
            }
        }
    }
}

/// Asks for a flashcard rating; `None` on `q` or end of input.
fn ask_rating(input: &mut impl BufRead) -> Result<Option<Rating>, Failure> {
    loop {
        out("How well did you know it? again/hard/good/easy (1-4, q to quit)> ")?;
        let Some(text) = read(input)? else { return Ok(None) };
        let rating = match text.as_str() {
            "q" => return Ok(None),
            "1" => Some(Rating::Again),
            "2" => Some(Rating::Hard),
            "3" => Some(Rating::Good),
            "4" => Some(Rating::Easy),
            other => Rating::parse(other),
        };
        match rating {
            Some(r) => return Ok(Some(r)),
            None => line("Please type again, hard, good or easy (or 1-4).")?,
        }
    }
}

fn progress(location: &Location, staff: &str, format: Format) -> Result<(), Failure> {
    let session = Session::open(location, Some(staff))?;
    let bank = bank()?;
    let items = progress::study_items(&bank);
    let per_topic = mastery(&items, &session.states, now());
    let exams: Vec<confidant_training::ExamSummary> = match (&session.learner, &session.actor) {
        (Some((store, _)), Some(actor)) => session
            .rt
            .block_on(App::new(store, store).my_training_records(actor))
            .map_err(app_failure)?
            .iter()
            .filter_map(summary)
            .collect(),
        _ => Vec::new(),
    };
    let due = due_queue(&items, &session.states, now()).iter().filter(|id| session.states.contains_key(*id)).count();
    match format {
        Format::Json => json_out(&json!({ "staff_id": staff, "due": due, "topics": per_topic, "exams": exams })),
        Format::Text => {
            line(&format!("Progress for {staff} ({due} reviews due now)"))?;
            for m in &per_topic {
                // A ten-step bar: mastery is the mean predicted recall now.
                let filled = (m.mastery * 10.0).round().clamp(0.0, 10.0) as usize;
                line(&format!(
                    "  {:<28} {}{} {:>3}%  ({}/{} reviewed)",
                    m.topic.title(),
                    "#".repeat(filled),
                    ".".repeat(10 - filled),
                    (m.mastery * 100.0).round() as i64,
                    m.reviewed,
                    m.items
                ))?;
            }
            for e in &exams {
                line(&format!(
                    "  exam {} on {}: {}/{} ({}%) {}",
                    e.exam_id,
                    e.completed_on,
                    e.correct,
                    e.asked,
                    e.percent,
                    if e.passed { "passed" } else { "not passed" }
                ))?;
            }
            Ok(())
        }
    }
}

/// Runs `f` with the vault and the CLI's actor (the `--as` staff member or the operator).
fn with_app<T>(location: &Location, f: impl AsyncFnOnce(&App<'_>, &Actor) -> Result<T, Failure>) -> Result<T, Failure> {
    vault::block_on(async {
        let store = vault::open(location).await?;
        let actor = vault::actor(&store, location, "--as", None).await?;
        let app = App::new(&store, &store);
        f(&app, &actor).await
    })
}

fn report(location: &Location, format: &str) -> Result<(), Failure> {
    let format = match format {
        "text" | "json" | "csv" => format,
        other => return Err(vault::expected("--format", "`text`, `json`, `csv`".into(), other)),
    };
    let report = with_app(location, async |app, actor| app.training_report(actor).await.map_err(app_failure))?;
    match format {
        "json" => json_out(&serde_json::to_value(&report).map_err(|e| Failure::Internal(e.to_string()))?),
        "csv" => out(&report_csv(&report)),
        _ => out(&report_text(&report)),
    }
}

/// The report as text for a reader.
fn report_text(report: &TrainingReport) -> String {
    use confidant_training::TrainingStatus;
    let mut text = wrap(
        &format!(
            "Workforce training as of {} (45 CFR 164.530(b)(2)): an exam passes at {}% and keeps a staff member current for {} months.",
            report.as_of, report.policy.pass_percent, report.policy.interval_months
        ),
        "",
        "",
    );
    text.push_str(&format!(
        "{} current, {} overdue, {} untrained.\n\n",
        report.count(TrainingStatus::Current),
        report.count(TrainingStatus::Overdue),
        report.count(TrainingStatus::Untrained)
    ));
    text.push_str(&format!("{:<20} {:<10} {:<11} {:<11} {:>5}  {}\n", "STAFF", "STATUS", "LAST PASSED", "DUE", "EXAMS", "LATEST"));
    for s in &report.staff {
        let latest = s.latest.as_ref().map_or_else(
            || "-".to_string(),
            |l| {
                format!(
                    "{} {}/{} ({}%) {} {}",
                    l.completed_on,
                    l.correct,
                    l.asked,
                    l.percent,
                    if l.passed { "passed" } else { "not passed" },
                    l.exam_id
                )
            },
        );
        text.push_str(&format!(
            "{:<20} {:<10} {:<11} {:<11} {:>5}  {}\n",
            s.staff_id,
            s.status.as_str(),
            s.last_passed_on.map_or_else(|| "-".to_string(), |d| d.to_string()),
            s.due_on.map_or_else(|| "now".to_string(), |d| d.to_string()),
            s.exams,
            latest
        ));
    }
    text.push_str("\nScores by topic (each staff member's latest exam):\n");
    for t in &report.by_topic {
        text.push_str(&format!(
            "  {:<28} {}/{} ({}%)\n",
            topic_title(&t.topic),
            t.correct,
            t.asked,
            (t.correct * 100).checked_div(t.asked).unwrap_or(0)
        ));
    }
    text
}

/// One CSV field (RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so a spreadsheet does not run it as a formula).
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// The report as CSV: one row per staff member, the latest exam's score by
/// topic in a `correct/asked` column per topic.
fn report_csv(report: &TrainingReport) -> String {
    let mut header: Vec<String> = [
        "staff_id",
        "name",
        "role",
        "status",
        "last_passed_on",
        "due_on",
        "exams",
        "latest_exam",
        "latest_completed_on",
        "latest_correct",
        "latest_asked",
        "latest_percent",
        "latest_passed",
        "latest_rules_version",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    header.extend(Topic::ALL.iter().map(|t| t.as_str().to_string()));
    let mut text = header.join(",") + "\r\n";
    for s in &report.staff {
        let l = s.latest.as_ref();
        let mut row: Vec<String> = vec![
            s.staff_id.clone(),
            s.name.clone(),
            s.role.to_string(),
            s.status.as_str().to_string(),
            s.last_passed_on.map(|d| d.to_string()).unwrap_or_default(),
            s.due_on.map(|d| d.to_string()).unwrap_or_default(),
            s.exams.to_string(),
            l.map(|l| l.exam_id.clone()).unwrap_or_default(),
            l.map(|l| l.completed_on.to_string()).unwrap_or_default(),
            l.map(|l| l.correct.to_string()).unwrap_or_default(),
            l.map(|l| l.asked.to_string()).unwrap_or_default(),
            l.map(|l| l.percent.to_string()).unwrap_or_default(),
            l.map(|l| l.passed.to_string()).unwrap_or_default(),
            l.map(|l| l.rules_version.clone()).unwrap_or_default(),
        ];
        for topic in Topic::ALL {
            row.push(
                l.and_then(|l| l.by_topic.iter().find(|t| t.topic == topic.as_str()))
                    .map(|t| format!("{}/{}", t.correct, t.asked))
                    .unwrap_or_default(),
            );
        }
        text.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        text.push_str("\r\n");
    }
    text
}

fn certificate(location: &Location, exam: &str, out_path: &std::path::Path) -> Result<(), Failure> {
    if exam.is_empty() || exam.len() > 64 || !exam.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Err(Failure::Input(format!("EXAM_ID: an exam id such as `ex-…`, got `{exam}`")));
    }
    let cert = with_app(location, async |app, actor| app.certificate(actor, exam).await.map_err(app_failure))?;
    let html = confidant_console::certificate_document(&cert).into_string();
    vault::write_private_new(out_path, html.as_bytes())?;
    line(&format!("Certificate of exam {} for {} written to {}", cert.exam.exam_id, cert.staff_id, out_path.display()))
}

fn number<T: std::str::FromStr + PartialOrd>(flag: &str, text: &str, low: T, high: T, what: &str) -> Result<T, Failure> {
    text.parse::<T>().ok().filter(|n| *n >= low && *n <= high).ok_or_else(|| Failure::Input(format!("{flag}: {what}, got `{text}`")))
}

fn policy(location: &Location, pass_percent: Option<&str>, interval_months: Option<&str>) -> Result<(), Failure> {
    let pass = pass_percent.map(|t| number("--pass-percent", t, 1u8, 100, "a percentage from 1 to 100")).transpose()?;
    let months = interval_months.map(|t| number("--interval-months", t, 1u16, 120, "a number of months from 1 to 120")).transpose()?;
    let policy = with_app(location, async |app, actor| {
        let mut policy: TrainingPolicy = app.training_policy().await.map_err(app_failure)?;
        if pass.is_none() && months.is_none() {
            return Ok(policy);
        }
        policy.pass_percent = pass.unwrap_or(policy.pass_percent);
        policy.interval_months = months.unwrap_or(policy.interval_months);
        app.set_training_policy(actor, policy).await.map_err(app_failure)?;
        Ok(policy)
    })?;
    line(&format!("An exam passes at {}%; a pass keeps a staff member current for {} months.", policy.pass_percent, policy.interval_months))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn wrapping_breaks_at_word_boundaries_within_the_width() {
        let text = "A peer support specialist is asked by a client's employer whether the client attended group this week.";
        let wrapped = wrap_to(text, 30, "  a) ", "     ");
        assert!(wrapped.lines().all(|l| l.chars().count() <= 30), "{wrapped}");
        assert!(wrapped.starts_with("  a) A peer"));
        assert!(wrapped.lines().skip(1).all(|l| l.starts_with("     ") && !l.starts_with("      ")), "{wrapped}");
        // No word is split; the words read back in order.
        let words: Vec<&str> = wrapped.split_whitespace().skip(1).collect();
        assert_eq!(words.join(" "), text);
        // Line breaks in the text are kept.
        assert_eq!(wrap_to("one\ntwo", 80, "", "  "), "one\n  two\n");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
    }
}
