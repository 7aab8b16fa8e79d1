//! Spaced repetition with FSRS (the `rs-fsrs` scheduler, default parameters):
//! per-card review state in a plain, storable shape, a review that applies a
//! rating, the due queue, and mastery per topic.
//!
//! `CardState` mirrors `rs_fsrs::Card` with times as Unix seconds, so the
//! store and the server never see the scheduler's types.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use rs_fsrs::{Card, FSRS, Parameters, State};
use serde::Serialize;

use crate::topic::Topic;

/// How well the learner recalled the item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// Forgotten, or answered wrong: a lapse.
    Again,
    /// Recalled with difficulty, or right with the hint.
    Hard,
    /// Recalled.
    Good,
    /// Recalled without effort.
    Easy,
}

impl Rating {
    pub(crate) const ALL: &'static [Rating] = &[Rating::Again, Rating::Hard, Rating::Good, Rating::Easy];

    /// The wire name: `again`, `hard`, `good` or `easy`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Rating::Again => "again",
            Rating::Hard => "hard",
            Rating::Good => "good",
            Rating::Easy => "easy",
        }
    }

    /// The rating with this wire name.
    pub fn parse(text: &str) -> Option<Rating> {
        Rating::ALL.iter().copied().find(|r| r.as_str() == text)
    }

    fn to_fsrs(self) -> rs_fsrs::Rating {
        match self {
            Rating::Again => rs_fsrs::Rating::Again,
            Rating::Hard => rs_fsrs::Rating::Hard,
            Rating::Good => rs_fsrs::Rating::Good,
            Rating::Easy => rs_fsrs::Rating::Easy,
        }
    }
}

/// The rating a multiple-choice answer earns: a wrong answer is a lapse; a
/// right one is good, or hard when the hint was needed.
pub fn rating_for_answer(correct: bool, used_hint: bool) -> Rating {
    match (correct, used_hint) {
        (false, _) => Rating::Again,
        (true, true) => Rating::Hard,
        (true, false) => Rating::Good,
    }
}

/// One learner's FSRS state for one card or question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CardState {
    /// The flashcard's or question's id.
    pub card_id: String,
    /// Unix seconds.
    pub due: i64,
    /// FSRS stability: days until recall probability falls to 90%.
    pub stability: f64,
    /// FSRS difficulty, 1 (easy) to 10 (hard).
    pub difficulty: f64,
    /// Days between the last two reviews.
    pub elapsed_days: i64,
    /// Days from the last review to `due`.
    pub scheduled_days: i64,
    /// Reviews so far.
    pub reps: i64,
    /// Times forgotten after being learned.
    pub lapses: i64,
    /// 0 new, 1 learning, 2 review, 3 relearning (FSRS's states).
    pub state: i64,
    /// Unix seconds.
    pub last_review: i64,
}

/// One review as it happened, for the history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewRecord {
    /// The flashcard's or question's id.
    pub card_id: String,
    /// The rating given.
    pub rating: Rating,
    /// Unix seconds.
    pub reviewed_at: i64,
    /// Days since the review before.
    pub elapsed_days: i64,
    /// Days the card had been scheduled for before this review.
    pub scheduled_days: i64,
    /// The FSRS state before the review.
    pub state: i64,
}

/// The FSRS scheduler with default parameters and no fuzz, so intervals are
/// reproducible (and testable against the crate's own expected values).
#[derive(Debug, Default, Clone)]
pub struct Scheduler {
    fsrs: FSRS,
}

impl Scheduler {
    /// A scheduler with FSRS's default parameters.
    pub fn new() -> Scheduler {
        Scheduler { fsrs: FSRS::new(Parameters::default()) }
    }

    /// Applies a rating at `now` (Unix seconds) to the card's state (`None`
    /// for a card never seen) and returns the new state and the review record.
    pub fn review(&self, card_id: &str, previous: Option<&CardState>, rating: Rating, now: i64) -> (CardState, ReviewRecord) {
        let card = previous.map_or_else(|| new_card(now), to_card);
        let info = self.fsrs.next(card, time(now), rating.to_fsrs());
        let state = from_card(card_id, &info.card);
        let log = ReviewRecord {
            card_id: card_id.to_string(),
            rating,
            reviewed_at: info.review_log.reviewed_date.timestamp(),
            elapsed_days: info.review_log.elapsed_days,
            scheduled_days: info.review_log.scheduled_days,
            state: state_number(info.review_log.state),
        };
        (state, log)
    }
}

fn time(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

fn new_card(now: i64) -> Card {
    Card { due: time(now), last_review: time(now), ..Card::default() }
}

fn state_number(state: State) -> i64 {
    match state {
        State::New => 0,
        State::Learning => 1,
        State::Review => 2,
        State::Relearning => 3,
    }
}

fn to_card(s: &CardState) -> Card {
    Card {
        due: time(s.due),
        stability: s.stability,
        difficulty: s.difficulty,
        elapsed_days: s.elapsed_days,
        scheduled_days: s.scheduled_days,
        reps: i32::try_from(s.reps).unwrap_or(i32::MAX),
        lapses: i32::try_from(s.lapses).unwrap_or(i32::MAX),
        state: match s.state {
            1 => State::Learning,
            2 => State::Review,
            3 => State::Relearning,
            _ => State::New,
        },
        last_review: time(s.last_review),
    }
}

fn from_card(card_id: &str, c: &Card) -> CardState {
    CardState {
        card_id: card_id.to_string(),
        due: c.due.timestamp(),
        stability: c.stability,
        difficulty: c.difficulty,
        elapsed_days: c.elapsed_days,
        scheduled_days: c.scheduled_days,
        reps: i64::from(c.reps),
        lapses: i64::from(c.lapses),
        state: state_number(c.state),
        last_review: c.last_review.timestamp(),
    }
}

/// Something to study: a question or a flashcard, by id and topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyItem {
    /// The flashcard's or question's id.
    pub id: String,
    /// Its topic, for mastery and topic filters.
    pub topic: Topic,
}

/// What to study next at `now`: cards already seen and due, most overdue
/// first, then cards never seen in bank order. Cards seen and not yet due
/// are left out.
pub fn due_queue(items: &[StudyItem], states: &HashMap<String, CardState>, now: i64) -> Vec<String> {
    let mut due: Vec<(i64, &str)> = Vec::new();
    let mut fresh: Vec<&str> = Vec::new();
    for item in items {
        match states.get(&item.id) {
            Some(s) if s.due <= now => due.push((s.due, &item.id)),
            Some(_) => {}
            None => fresh.push(&item.id),
        }
    }
    due.sort_by_key(|(d, _)| *d);
    due.into_iter().map(|(_, id)| id.to_string()).chain(fresh.into_iter().map(str::to_string)).collect()
}

/// How well a learner knows a topic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mastery {
    /// The topic.
    pub topic: Topic,
    /// Items of this topic in the bank.
    pub items: usize,
    /// Items reviewed at least once.
    pub reviewed: usize,
    /// Mean predicted recall probability now over all items (unseen count 0), 0–1.
    pub mastery: f64,
}

/// Mastery per topic, in [`Topic::ALL`] order: the mean FSRS retrievability
/// at `now` over every item of the topic, so unseen items pull it down.
pub fn mastery(items: &[StudyItem], states: &HashMap<String, CardState>, now: i64) -> Vec<Mastery> {
    Topic::ALL
        .iter()
        .map(|&topic| {
            let mine: Vec<&StudyItem> = items.iter().filter(|i| i.topic == topic).collect();
            let mut sum = 0.0;
            let mut reviewed = 0;
            for item in &mine {
                if let Some(s) = states.get(&item.id) {
                    reviewed += 1;
                    sum += to_card(s).get_retrievability(time(now));
                }
            }
            let mastery = if mine.is_empty() { 0.0 } else { sum / mine.len() as f64 };
            Mastery { topic, items: mine.len(), reviewed, mastery }
        })
        .collect()
}
