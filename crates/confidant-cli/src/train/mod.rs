//! `confidant train`: exam practice generated from the engine. Printing the
//! question bank and the flashcards, an interactive session on standard
//! input (spaced repetition, every option's rationale after each answer), an
//! exam (held in the vault under `--as`: drawn, answered and scored by the
//! operations layer, then the training record), progress per topic, the
//! privacy officer's training report, certificates and the training policy.
//! The questions, scheduling and scoring live in `confidant-training` and
//! `confidant-app`; these files read lines, wrap and print: `text` the
//! terminal output, `session` study and exams, `report` progress and the
//! workforce report.

mod report;
mod session;
mod text;

use std::path::PathBuf;

use clap::{Args, Subcommand};
use confidant_app::{Actor, App, BankView};
use confidant_store::TrainingPolicy;
use confidant_training::{Flashcard, Question, Topic, flashcards, generate_bank};
use serde_json::{Value, json};

use crate::vault::{self, Location, app_failure};
use crate::{Failure, Format};

use report::{progress, report};
use session::Session;
use text::{json_out, letter, line, out, render_question, render_rationales, wrap};

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

/// Runs `f` with the vault and the CLI's actor (the `--as` staff member or the operator).
fn with_app<T>(location: &Location, f: impl AsyncFnOnce(&App<'_>, &Actor) -> Result<T, Failure>) -> Result<T, Failure> {
    vault::block_on(async {
        let store = vault::open(location).await?;
        let actor = vault::actor(&store, location, "--as", None).await?;
        let app = App::new(&store, &store);
        f(&app, &actor).await
    })
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
