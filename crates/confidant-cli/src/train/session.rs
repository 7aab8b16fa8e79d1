//! A learner's study session and exams on standard input: spaced
//! repetition, every option's rationale after each answer, and exams kept in
//! the vault under `--as` or nowhere.

use std::collections::HashMap;
use std::io::{self, BufRead};

use confidant_app::{Actor, App, ExamAnswer, ExamRequest};
use confidant_store::{ExamDraw, Store};
use confidant_training::records::{summary, topic_title};
use confidant_training::{
    CardState, Question, Rating, Scheduler, StudyItem, Topic, build_exam, due_queue, flashcards, generate_bank, progress,
    rating_for_answer, score_exam,
};

use super::text::{LETTERS, letter, line, out, para, render_question, render_rationales, wrap};
use super::{bank, now};
use crate::Failure;
use crate::vault::{self, Location, app_failure, store_failure};

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Failure::Internal(format!("runtime: {e}")))
}

/// A learner's session: the vault when `--as` was given, else nothing stored.
pub(super) struct Session {
    pub(super) rt: tokio::runtime::Runtime,
    pub(super) learner: Option<(Store, String)>,
    /// The `--as` staff member as the operations layer's actor.
    pub(super) actor: Option<Actor>,
    pub(super) states: HashMap<String, CardState>,
}

impl Session {
    pub(super) fn open(location: &Location, staff: Option<&str>) -> Result<Session, Failure> {
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

    pub(super) fn study(mut self, count: usize, topic: Option<Topic>) -> Result<(), Failure> {
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

    pub(super) fn exam(self, n: usize, topic: Option<Topic>, seed: u64) -> Result<(), Failure> {
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

pub(super) fn bank_and_version() -> Result<(Vec<Question>, String), Failure> {
    let engine = crate::packs::engine()?;
    let version = engine.catalog().version().to_string();
    let bank = generate_bank(&engine).map_err(|e| Failure::Internal(e.to_string()))?;
    Ok((bank, version))
}

/// A stored exam's score, by topic, and the review of what was missed with
/// every option's rationale.
pub(super) fn print_result(exam: &ExamDraw, bank: &[Question]) -> Result<(), Failure> {
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
        print_review(q, chosen)?;
    }
    Ok(())
}

/// A missed question's review: the stem, the learner's answer beside the
/// key, every option's rationale, the explanation and the cites.
fn print_review(q: &Question, chosen: Option<usize>) -> Result<(), Failure> {
    out(&wrap(&q.stem, "", ""))?;
    let yours = chosen.map_or_else(|| "no answer".to_string(), |a| format!("{})", letter(a)));
    para(&format!("Your answer: {yours}. Correct: {}) {}", letter(q.key), q.options.get(q.key).map_or("", String::as_str)))?;
    out(&render_rationales(q, chosen))?;
    out(&wrap(&q.explanation, "Explanation: ", "  "))?;
    out(&wrap(&q.cites.join("; "), "Cites: ", "       "))
}

/// A practice exam kept nowhere (no `--as`): drawn, asked and scored here.
pub(super) fn anonymous_exam(bank: &[Question], n: usize, topic: Option<Topic>, seed: u64) -> Result<(), Failure> {
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
        print_review(q, chosen)?;
    }
    Ok(())
}

/// One trimmed, lowercased line; `None` at end of input.
pub(super) fn read(input: &mut impl BufRead) -> Result<Option<String>, Failure> {
    let mut text = String::new();
    let n = input.read_line(&mut text).map_err(|e| Failure::Internal(format!("stdin: {e}")))?;
    Ok(if n == 0 { None } else { Some(text.trim().to_lowercase()) })
}

/// Asks until a valid answer: `Some((index, used_hint))`, or `None` on `q` or end of input.
pub(super) fn ask_answer(input: &mut impl BufRead, q: &Question, hints: bool) -> Result<Option<(usize, bool)>, Failure> {
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
pub(super) fn ask_rating(input: &mut impl BufRead) -> Result<Option<Rating>, Failure> {
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
