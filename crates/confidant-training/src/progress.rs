//! A learner's progress kept in the vault: the conversion between the
//! scheduler's [`CardState`] and the store's rows, loading every state and
//! recording a review. The CLI and the server both go through here, so the
//! two never store progress differently.

use std::collections::HashMap;

use confidant_store::{Store, StoreError, TrainingCard, TrainingReview};

use crate::flashcards::flashcards;
use crate::question::Question;
use crate::schedule::{CardState, Rating, Scheduler, StudyItem};

/// The scheduler's state from a stored row.
pub(crate) fn state_of(row: &TrainingCard) -> CardState {
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

/// The row to store for a scheduler state.
pub(crate) fn row_of(state: &CardState) -> TrainingCard {
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
