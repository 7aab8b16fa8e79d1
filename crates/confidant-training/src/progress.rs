//! A learner's progress kept in the vault: the conversion between the
//! scheduler's [`CardState`] and the store's rows, loading every state,
//! recording a review and an exam. The CLI and the server both go through
//! here, so the two never store progress differently.

use std::collections::HashMap;

use confidant_store::{Store, StoreError, TrainingCard, TrainingExam, TrainingReview};

use crate::exam::ExamResult;
use crate::flashcards::flashcards;
use crate::question::Question;
use crate::schedule::{CardState, Rating, Scheduler, StudyItem};

pub fn state_of(row: &TrainingCard) -> CardState {
    CardState {
        card_id: row.card_id.clone(),
        due: row.due,
        stability: row.stability,
        difficulty: row.difficulty,
        elapsed_days: row.elapsed_days,
        scheduled_days: row.scheduled_days,
        reps: row.reps,
        lapses: row.lapses,
        state: row.state,
        last_review: row.last_review,
    }
}

pub fn row_of(state: &CardState) -> TrainingCard {
    TrainingCard {
        card_id: state.card_id.clone(),
        due: state.due,
        stability: state.stability,
        difficulty: state.difficulty,
        elapsed_days: state.elapsed_days,
        scheduled_days: state.scheduled_days,
        reps: state.reps,
        lapses: state.lapses,
        state: state.state,
        last_review: state.last_review,
    }
}

/// Every flashcard and question as study items, cards first.
pub fn study_items(bank: &[Question]) -> Vec<StudyItem> {
    let mut items: Vec<StudyItem> = flashcards().into_iter().map(|c| StudyItem { id: c.id.to_string(), topic: c.topic }).collect();
    items.extend(bank.iter().map(|q| StudyItem { id: q.id.clone(), topic: q.topic }));
    items
}

/// A learner's review states by card id.
pub async fn load_states(store: &Store, staff_id: &str) -> Result<HashMap<String, CardState>, StoreError> {
    Ok(store.training_cards(staff_id).await?.iter().map(|c| (c.card_id.clone(), state_of(c))).collect())
}

/// Schedules a rating and stores the new state and the review together.
pub async fn record_review(
    store: &Store,
    staff_id: &str,
    card_id: &str,
    previous: Option<&CardState>,
    rating: Rating,
    now: i64,
) -> Result<CardState, StoreError> {
    let (state, log) = Scheduler::new().review(card_id, previous, rating, now);
    let review = TrainingReview {
        card_id: log.card_id.clone(),
        rating: log.rating.as_str().to_string(),
        reviewed_at: log.reviewed_at,
        elapsed_days: log.elapsed_days,
        scheduled_days: log.scheduled_days,
        state: log.state,
    };
    store.record_training_review(staff_id, &row_of(&state), &review).await?;
    Ok(state)
}

/// Stores an exam's result.
pub async fn record_exam(store: &Store, staff_id: &str, result: &ExamResult, now: i64) -> Result<String, StoreError> {
    let record = TrainingExam {
        taken_at: now,
        asked: i64::try_from(result.asked).unwrap_or(i64::MAX),
        correct: i64::try_from(result.correct).unwrap_or(i64::MAX),
        by_topic: serde_json::to_value(&result.by_topic).unwrap_or(serde_json::Value::Null),
        missed: result.missed.clone(),
    };
    store.record_training_exam(staff_id, &record).await
}
