//! Exam-practice progress in the vault: each staff member's spaced-repetition
//! state per card or question, their review history, and practice-exam
//! results. The store keeps plain rows; the scheduling itself lives in
//! `confidant-training` (the CLI or server converts between the two), so this
//! crate does not depend on the scheduler.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::begin_write;
use crate::error::StoreError;
use crate::vault::{Store, new_id};

/// One learner's scheduling state for one card (FSRS fields; times in Unix seconds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingCard {
    /// The flashcard's or question's id.
    pub card_id: String,
    /// When it is next due (Unix seconds).
    pub due: i64,
    /// FSRS stability, in days.
    pub stability: f64,
    /// FSRS difficulty, 1 to 10.
    pub difficulty: f64,
    /// Days between the last two reviews.
    pub elapsed_days: i64,
    /// Days from the last review to `due`.
    pub scheduled_days: i64,
    /// Reviews so far.
    pub reps: i64,
    /// Times forgotten after being learned.
    pub lapses: i64,
    /// 0 new, 1 learning, 2 review, 3 relearning.
    pub state: i64,
    /// When it was last reviewed (Unix seconds).
    pub last_review: i64,
}

/// One review in the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingReview {
    /// The flashcard's or question's id.
    pub card_id: String,
    /// `again`, `hard`, `good` or `easy`.
    pub rating: String,
    /// Unix seconds.
    pub reviewed_at: i64,
    /// Days since the review before.
    pub elapsed_days: i64,
    /// Days the card had been scheduled for.
    pub scheduled_days: i64,
    /// The FSRS state before the review (as in [`TrainingCard::state`]).
    pub state: i64,
}

/// One practice exam's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingExam {
    /// Unix seconds.
    pub taken_at: i64,
    /// Questions asked.
    pub asked: i64,
    /// Questions answered right.
    pub correct: i64,
    /// `[{"topic", "correct", "asked"}, …]` as the training crate scores it.
    pub by_topic: serde_json::Value,
    /// Ids of the questions missed.
    pub missed: Vec<String>,
}

const RATINGS: &[&str] = &["again", "hard", "good", "easy"];

impl Store {
    /// Saves a review: the card's new state replaces the old one and the
    /// review joins the history, in one transaction.
    pub async fn record_training_review(&self, staff_id: &str, card: &TrainingCard, review: &TrainingReview) -> Result<(), StoreError> {
        if !RATINGS.contains(&review.rating.as_str()) {
            return Err(StoreError::invalid("rating", format!("one of `again`, `hard`, `good`, `easy`, got `{}`", review.rating)));
        }
        if card.card_id != review.card_id || card.card_id.is_empty() {
            return Err(StoreError::invalid("card_id", "the same non-empty id on the card and its review"));
        }
        let mut tx = self.pool().begin_with(begin_write(self.backend())).await?;
        staff_exists(&mut tx, staff_id).await?;
        sqlx::query(
            "INSERT INTO training_cards (staff_id, card_id, due, stability, difficulty, elapsed_days, scheduled_days, reps, lapses, state, last_review) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (staff_id, card_id) DO UPDATE SET due = excluded.due, stability = excluded.stability, \
             difficulty = excluded.difficulty, elapsed_days = excluded.elapsed_days, scheduled_days = excluded.scheduled_days, \
             reps = excluded.reps, lapses = excluded.lapses, state = excluded.state, last_review = excluded.last_review",
        )
        .bind(staff_id.to_string())
        .bind(card.card_id.clone())
        .bind(card.due)
        .bind(card.stability)
        .bind(card.difficulty)
        .bind(card.elapsed_days)
        .bind(card.scheduled_days)
        .bind(card.reps)
        .bind(card.lapses)
        .bind(card.state)
        .bind(card.last_review)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO training_reviews (id, staff_id, card_id, rating, reviewed_at, elapsed_days, scheduled_days, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id("rv"))
        .bind(staff_id.to_string())
        .bind(review.card_id.clone())
        .bind(review.rating.clone())
        .bind(review.reviewed_at)
        .bind(review.elapsed_days)
        .bind(review.scheduled_days)
        .bind(review.state)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every card state of one learner.
    pub async fn training_cards(&self, staff_id: &str) -> Result<Vec<TrainingCard>, StoreError> {
        let rows = sqlx::query(
            "SELECT card_id, due, stability, difficulty, elapsed_days, scheduled_days, reps, lapses, state, last_review \
             FROM training_cards WHERE staff_id = $1 ORDER BY card_id",
        )
        .bind(staff_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(card_from_row).collect()
    }

    /// One learner's review history, oldest first.
    pub async fn training_reviews(&self, staff_id: &str) -> Result<Vec<TrainingReview>, StoreError> {
        let rows = sqlx::query(
            "SELECT card_id, rating, reviewed_at, elapsed_days, scheduled_days, state FROM training_reviews \
             WHERE staff_id = $1 ORDER BY reviewed_at, id",
        )
        .bind(staff_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TrainingReview {
                    card_id: row.try_get("card_id")?,
                    rating: row.try_get("rating")?,
                    reviewed_at: row.try_get("reviewed_at")?,
                    elapsed_days: row.try_get("elapsed_days")?,
                    scheduled_days: row.try_get("scheduled_days")?,
                    state: row.try_get("state")?,
                })
            })
            .collect()
    }

    /// Saves a practice exam's result; returns its id.
    pub async fn record_training_exam(&self, staff_id: &str, exam: &TrainingExam) -> Result<String, StoreError> {
        if exam.correct < 0 || exam.correct > exam.asked {
            return Err(StoreError::invalid("correct", format!("between 0 and {} (asked)", exam.asked)));
        }
        let id = new_id("ex");
        let mut tx = self.pool().begin_with(begin_write(self.backend())).await?;
        staff_exists(&mut tx, staff_id).await?;
        sqlx::query(
            "INSERT INTO training_exams (id, staff_id, taken_at, asked, correct, by_topic, missed) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.clone())
        .bind(staff_id.to_string())
        .bind(exam.taken_at)
        .bind(exam.asked)
        .bind(exam.correct)
        .bind(exam.by_topic.to_string())
        .bind(serde_json::Value::from(exam.missed.clone()).to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One learner's exams, oldest first.
    pub async fn training_exams(&self, staff_id: &str) -> Result<Vec<TrainingExam>, StoreError> {
        let rows =
            sqlx::query("SELECT taken_at, asked, correct, by_topic, missed FROM training_exams WHERE staff_id = $1 ORDER BY taken_at, id")
                .bind(staff_id.to_string())
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|row| {
                let by_topic: String = row.try_get("by_topic")?;
                let missed: String = row.try_get("missed")?;
                Ok(TrainingExam {
                    taken_at: row.try_get("taken_at")?,
                    asked: row.try_get("asked")?,
                    correct: row.try_get("correct")?,
                    by_topic: serde_json::from_str(&by_topic).map_err(|_| StoreError::Corrupt { what: "training exam by_topic".into() })?,
                    missed: serde_json::from_str(&missed).map_err(|_| StoreError::Corrupt { what: "training exam missed".into() })?,
                })
            })
            .collect()
    }
}

pub(crate) async fn staff_exists(tx: &mut sqlx::Transaction<'static, sqlx::Any>, staff_id: &str) -> Result<(), StoreError> {
    let found = sqlx::query("SELECT 1 AS x FROM staff WHERE id = $1").bind(staff_id.to_string()).fetch_optional(&mut **tx).await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound { kind: "staff", id: staff_id.to_string() }),
    }
}

fn card_from_row(row: &AnyRow) -> Result<TrainingCard, StoreError> {
    Ok(TrainingCard {
        card_id: row.try_get("card_id")?,
        due: row.try_get("due")?,
        stability: row.try_get("stability")?,
        difficulty: row.try_get("difficulty")?,
        elapsed_days: row.try_get("elapsed_days")?,
        scheduled_days: row.try_get("scheduled_days")?,
        reps: row.try_get("reps")?,
        lapses: row.try_get("lapses")?,
        state: row.try_get("state")?,
        last_review: row.try_get("last_review")?,
    })
}
