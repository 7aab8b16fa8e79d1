//! `confidant train`: exam practice generated from the engine. Printing the
//! question bank and the flashcards, an interactive session on standard
//! input (spaced repetition), a practice exam, and progress per topic. The
//! questions, scheduling and scoring live in `confidant-training`; this file
//! reads lines, prints, and converts review state to and from the vault's rows.

use std::collections::HashMap;
use std::io::{self, BufRead, Write};

use clap::{Args, Subcommand};
use confidant_store::Store;
use confidant_training::{
    CardState, Flashcard, Question, Rating, Scheduler, StudyItem, Topic, build_exam, due_queue, flashcards, generate_bank, mastery,
    progress, rating_for_answer, score_exam,
};
use serde_json::{Value, json};

use crate::vault::{self, Location, store_failure};
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
}

pub fn run(location: &Location, args: TrainArgs) -> Result<(), Failure> {
    match args.command {
        Some(TrainCmd::Questions { format, topic }) => questions(format, parse_topic(topic.as_deref())?),
        Some(TrainCmd::Flashcards { format, topic }) => cards(format, parse_topic(topic.as_deref())?),
        Some(TrainCmd::Progress { format }) => {
            // Progress is kept under the global `--as` staff id.
            let learner = location.act_as.clone().ok_or_else(|| Failure::Input("--as: the staff id whose progress to show".into()))?;
            progress(location, &learner, format)
        }
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

fn render_question(q: &Question) -> String {
    let mut text = format!("{}\n", q.stem);
    for (i, option) in q.options.iter().enumerate() {
        text.push_str(&format!("  {}) {option}\n", letter(i)));
    }
    text
}

fn questions(format: Format, topic: Option<Topic>) -> Result<(), Failure> {
    let bank: Vec<Question> = bank()?.into_iter().filter(|q| topic.is_none_or(|t| t == q.topic)).collect();
    match format {
        Format::Json => json_out(&serde_json::to_value(&bank).map_err(|e| Failure::Internal(e.to_string()))?),
        Format::Text => {
            for q in &bank {
                line(&format!("[{}] {} ({})", q.id, q.topic.title(), q.topic))?;
                out(&render_question(q))?;
                line(&format!("Answer: {}) {}\nHint: {}\nWhy: {}\nCites: {}\n", letter(q.key), q.options.get(q.key).map_or("", String::as_str), q.hint, q.explanation, q.cites.join("; ")))?;
            }
            line(&format!("{} questions", bank.len()))
        }
    }
}

fn cards(format: Format, topic: Option<Topic>) -> Result<(), Failure> {
    let cards: Vec<Flashcard> = flashcards().into_iter().filter(|c| topic.is_none_or(|t| t == c.topic)).collect();
    match format {
        Format::Json => json_out(&serde_json::to_value(&cards).map_err(|e| Failure::Internal(e.to_string()))?),
        Format::Text => {
            for c in &cards {
                line(&format!("[{}] {}\nQ: {}\nA: {}\nCites: {}\n", c.id, c.topic.title(), c.front, c.back, c.cites.join("; ")))?;
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
    states: HashMap<String, CardState>,
}

impl Session {
    fn open(location: &Location, staff: Option<&str>) -> Result<Session, Failure> {
        let rt = runtime()?;
        let mut states = HashMap::new();
        let learner = match staff {
            None => None,
            Some(id) => {
                let store = rt.block_on(vault::open(location))?;
                rt.block_on(store.staff(id)).map_err(|e| match e {
                    confidant_store::StoreError::NotFound { .. } => Failure::Input(format!("--as: a staff id in the vault, got `{id}`")),
                    other => store_failure(other),
                })?;
                states = rt.block_on(progress::load_states(&store, id)).map_err(store_failure)?;
                Some((store, id.to_string()))
            }
        };
        Ok(Session { rt, learner, states })
    }

    fn announce(&self) -> Result<(), Failure> {
        match &self.learner {
            Some((_, id)) => line(&format!("Practising as {id}; progress is saved in the vault.")),
            None => line("Anonymous session: nothing is stored. Use --as STAFF_ID to keep your progress."),
        }
    }

    fn record(&mut self, id: &str, rating: Rating) -> Result<(), Failure> {
        let state = match &self.learner {
            Some((store, staff)) => self.rt.block_on(progress::record_review(store, staff, id, self.states.get(id), rating, now())).map_err(store_failure)?,
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
                    line(&format!("Not quite. The answer is {}) {}", letter(q.key), q.options.get(q.key).map_or("", String::as_str)))?;
                }
                line(&format!("Explanation: {}\nCites: {}", q.explanation, q.cites.join("; ")))?;
                let rating = rating_for_answer(correct, used_hint);
                self.record(id, rating)?;
                line(&format!("Rated {} automatically.", rating.as_str()))?;
            } else if let Some(c) = cards.iter().find(|c| c.id == id) {
                line(&format!("{} — flashcard\nQ: {}", c.topic.title(), c.front))?;
                out("Press Enter to see the answer (q to quit)> ")?;
                match read(&mut input)? {
                    None => break,
                    Some(text) if text == "q" => break,
                    Some(_) => {}
                }
                line(&format!("A: {}\nCites: {}", c.back, c.cites.join("; ")))?;
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
        let bank = bank()?;
        let exam = build_exam(&bank, n, topic, seed);
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
            let yours = answers.get(i).copied().flatten().map_or_else(|| "no answer".to_string(), |a| format!("{})", letter(a)));
            line(&format!("\n{}\nYour answer: {yours}. Correct: {}) {}\nExplanation: {}\nCites: {}", q.stem, letter(q.key), q.options.get(q.key).map_or("", String::as_str), q.explanation, q.cites.join("; ")))?;
        }
        if let Some((store, staff)) = &self.learner {
            self.rt.block_on(progress::record_exam(store, staff, &result, now())).map_err(store_failure)?;
            line(&format!("\nExam saved for {staff}."))?;
        }
        Ok(())
    }
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
    let exams = match &session.learner {
        Some((store, id)) => session.rt.block_on(store.training_exams(id)).map_err(store_failure)?,
        None => Vec::new(),
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
                line(&format!("  exam on day {}: {}/{}", e.taken_at.div_euclid(86_400), e.correct, e.asked))?;
            }
            Ok(())
        }
    }
}
