//! Exams held by the vault (migration 8): a draw (which questions, in which
//! order, for whom, when, under which rules, with their keys), the learner's
//! answers, and the completion scored from that row — the workforce
//! training record of 45 CFR 164.530(b)(2). The organization's training
//! policy (pass threshold, retraining interval) lives in
//! `organization_settings`.
//!
//! Every write here takes its audit event and commits it in the same
//! transaction. Once submitted a draw never changes: every update is
//! conditional on `submitted_at IS NULL` (a trigger refuses anything else),
//! so of two racing submissions exactly one completes the exam and the other
//! reads what it stored. Scoring itself lives in the operations layer; this
//! crate keeps rows.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::AuditEvent;
use crate::audit_detail::Detail;
use crate::error::StoreError;
use crate::vault::{Store, corrupt, new_id};

/// One question of a draw, as the server keeps it (the key never leaves
/// before submission).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawnQuestion {
    /// The training crate's stable question id.
    pub id: String,
    /// The topic's wire name.
    pub topic: String,
    /// The index of the right option when drawn.
    pub key: u32,
    /// How many options the question had.
    pub options: u32,
}

/// One topic's score in a completed exam.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicTally {
    /// The topic's wire name.
    pub topic: String,
    /// Questions of the topic answered right.
    pub correct: u32,
    /// Questions of the topic asked.
    pub asked: u32,
}

/// What submission fixed: the training record's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamCompletion {
    /// Unix seconds, by the vault's clock.
    pub submitted_at: i64,
    /// Questions answered right.
    pub correct: u32,
    /// Questions asked.
    pub asked: u32,
    /// The score per topic, in topic order.
    pub by_topic: Vec<TopicTally>,
    /// The pass threshold in force at submission, in percent.
    pub pass_percent: u8,
    /// Whether the score reached `pass_percent`.
    pub passed: bool,
}

/// An exam held by the vault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamDraw {
    /// The exam's id.
    pub id: String,
    /// The learner who takes it.
    pub staff_id: String,
    /// Unix seconds, by the vault's clock.
    pub drawn_at: i64,
    /// The rule set (`sha256:…`) the questions and keys were generated from.
    pub rules_version: String,
    /// The questions in exam order, keys included (never shown before submission).
    pub questions: Vec<DrawnQuestion>,
    /// The chosen option per question, in exam order (`None`: not answered).
    pub answers: Vec<Option<u32>>,
    /// Set once, at submission.
    pub completion: Option<ExamCompletion>,
}

/// The organization's training policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingPolicy {
    /// The score that passes, in percent (1–100).
    pub pass_percent: u8,
    /// How long a passed exam keeps a staff member current, in months (1–120).
    pub interval_months: u16,
}

impl Default for TrainingPolicy {
    fn default() -> TrainingPolicy {
        TrainingPolicy { pass_percent: 80, interval_months: 12 }
    }
}

impl TrainingPolicy {
    /// Checks the ranges, naming the field at fault.
    pub fn check(&self) -> Result<(), StoreError> {
        if !(1..=100).contains(&self.pass_percent) {
            return Err(StoreError::invalid("pass_percent", format!("a percentage from 1 to 100, got {}", self.pass_percent)));
        }
        if !(1..=120).contains(&self.interval_months) {
            return Err(StoreError::invalid("interval_months", format!("a number of months from 1 to 120, got {}", self.interval_months)));
        }
        Ok(())
    }
}

/// A query on the draws with every column (a literal, for sqlx).
macro_rules! select_draws {
    ($rest:literal) => {
        concat!(
            "SELECT id, staff_id, drawn_at, rules_version, questions, answers, submitted_at, correct, asked, by_topic, pass_percent, passed \
             FROM training_exam_draws ",
            $rest
        )
    };
}

impl Store {
    /// Stores a new draw for `staff_id`, drawn now by the vault's clock,
    /// with no answers; `audit` is committed with it (its details gain
    /// `"exam"`). Returns the draw.
    pub async fn draw_exam_audited(
        &self,
        staff_id: &str,
        rules_version: &str,
        questions: Vec<DrawnQuestion>,
        audit: AuditEvent,
    ) -> Result<ExamDraw, StoreError> {
        if questions.is_empty() {
            return Err(StoreError::invalid("count", "at least one question"));
        }
        let id = new_id("ex");
        let drawn_at = self.now_secs();
        let answers: Vec<Option<u32>> = vec![None; questions.len()];
        let mut tx = self.begin().await?;
        crate::training::staff_exists(&mut tx, staff_id).await?;
        sqlx::query(
            "INSERT INTO training_exam_draws (id, staff_id, drawn_at, rules_version, asked, questions, answers) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.clone())
        .bind(staff_id.to_string())
        .bind(drawn_at)
        .bind(rules_version.to_string())
        .bind(i64::try_from(questions.len()).unwrap_or(i64::MAX))
        .bind(to_json(&questions)?)
        .bind(to_json(&answers)?)
        .execute(&mut *tx)
        .await?;
        self.commit_audited(tx, audit.with(Detail::Exam(id.clone()))).await?;
        Ok(ExamDraw {
            id,
            staff_id: staff_id.to_string(),
            drawn_at,
            rules_version: rules_version.to_string(),
            questions,
            answers,
            completion: None,
        })
    }

    /// One draw, answered, submitted or not.
    pub async fn exam_draw(&self, id: &str) -> Result<ExamDraw, StoreError> {
        let row = sqlx::query(select_draws!("WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound { kind: "exam", id: id.to_string() })?;
        draw_from_row(&row)
    }

    /// Replaces a draw's answers while it is not submitted, with `audit` in
    /// the same transaction. `Ok(false)`: it was already submitted, nothing
    /// was written (nor audited).
    pub async fn save_exam_answers_audited(&self, id: &str, answers: &[Option<u32>], audit: AuditEvent) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query("UPDATE training_exam_draws SET answers = $1 WHERE id = $2 AND submitted_at IS NULL AND asked = $3")
            .bind(to_json(&answers)?)
            .bind(id.to_string())
            .bind(i64::try_from(answers.len()).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated != 1 {
            return Ok(false);
        }
        self.commit_audited(tx, audit).await?;
        Ok(true)
    }

    /// Completes a draw with the answers it was scored on and their result,
    /// with `audit` in the same transaction. `Ok(false)`: it was already
    /// submitted (a racing submission won), nothing was written.
    pub async fn complete_exam_audited(
        &self,
        id: &str,
        answers: &[Option<u32>],
        completion: &ExamCompletion,
        audit: AuditEvent,
    ) -> Result<bool, StoreError> {
        if completion.correct > completion.asked || usize::try_from(completion.asked).ok() != Some(answers.len()) {
            return Err(StoreError::invalid("correct", format!("between 0 and {} (asked), one answer per question", completion.asked)));
        }
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE training_exam_draws SET answers = $1, submitted_at = $2, correct = $3, by_topic = $4, pass_percent = $5, passed = $6 \
             WHERE id = $7 AND submitted_at IS NULL AND asked = $8",
        )
        .bind(to_json(&answers)?)
        .bind(completion.submitted_at)
        .bind(i64::from(completion.correct))
        .bind(to_json(&completion.by_topic)?)
        .bind(i64::from(completion.pass_percent))
        .bind(i64::from(completion.passed))
        .bind(id.to_string())
        .bind(i64::from(completion.asked))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            return Ok(false);
        }
        self.commit_audited(tx, audit).await?;
        Ok(true)
    }

    /// Completed exams (training records), oldest first: one staff
    /// member's, or everyone's.
    pub async fn completed_exams(&self, staff_id: Option<&str>) -> Result<Vec<ExamDraw>, StoreError> {
        let rows = match staff_id {
            Some(staff) => {
                sqlx::query(select_draws!("WHERE submitted_at IS NOT NULL AND staff_id = $1 ORDER BY submitted_at, id"))
                    .bind(staff.to_string())
                    .fetch_all(self.pool())
                    .await?
            }
            None => sqlx::query(select_draws!("WHERE submitted_at IS NOT NULL ORDER BY submitted_at, id")).fetch_all(self.pool()).await?,
        };
        rows.iter().map(draw_from_row).collect()
    }

    /// One staff member's exams not yet submitted, oldest first.
    pub async fn open_exams(&self, staff_id: &str) -> Result<Vec<ExamDraw>, StoreError> {
        let rows = sqlx::query(select_draws!("WHERE submitted_at IS NULL AND staff_id = $1 ORDER BY drawn_at, id"))
            .bind(staff_id.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(draw_from_row).collect()
    }

    /// The organization's training policy (the defaults until one is set).
    pub async fn training_policy(&self) -> Result<TrainingPolicy, StoreError> {
        let rows =
            sqlx::query("SELECT key, value FROM organization_settings WHERE key IN ('training_pass_percent', 'training_interval_months')")
                .fetch_all(self.pool())
                .await?;
        let mut policy = TrainingPolicy::default();
        for row in rows {
            let key: String = row.try_get("key")?;
            let value: String = row.try_get("value")?;
            match key.as_str() {
                "training_pass_percent" => policy.pass_percent = value.parse().map_err(|_| corrupt("training pass threshold"))?,
                _ => policy.interval_months = value.parse().map_err(|_| corrupt("training interval"))?,
            }
        }
        Ok(policy)
    }

    /// Sets the training policy, with `audit` in the same transaction.
    pub async fn set_training_policy_audited(&self, policy: TrainingPolicy, audit: AuditEvent) -> Result<u64, StoreError> {
        policy.check()?;
        let mut tx = self.begin().await?;
        for (key, value) in
            [("training_pass_percent", policy.pass_percent.to_string()), ("training_interval_months", policy.interval_months.to_string())]
        {
            sqlx::query(
                "INSERT INTO organization_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        self.commit_audited(tx, audit).await
    }
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|_| StoreError::invalid("exam", "serializable values"))
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt(what))
}

fn u32_of(value: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| corrupt(what))
}

fn draw_from_row(row: &AnyRow) -> Result<ExamDraw, StoreError> {
    let questions: String = row.try_get("questions")?;
    let answers: String = row.try_get("answers")?;
    let submitted_at: Option<i64> = row.try_get("submitted_at")?;
    let completion = match submitted_at {
        None => None,
        Some(at) => {
            let by_topic: Option<String> = row.try_get("by_topic")?;
            let correct: Option<i64> = row.try_get("correct")?;
            let pass_percent: Option<i64> = row.try_get("pass_percent")?;
            let passed: Option<i64> = row.try_get("passed")?;
            let asked: i64 = row.try_get("asked")?;
            Some(ExamCompletion {
                submitted_at: at,
                correct: u32_of(correct.ok_or_else(|| corrupt("exam score"))?, "exam score")?,
                asked: u32_of(asked, "exam size")?,
                by_topic: from_json::<Vec<TopicTally>>(&by_topic.ok_or_else(|| corrupt("exam by_topic"))?, "exam by_topic")?,
                pass_percent: u8::try_from(pass_percent.ok_or_else(|| corrupt("exam pass threshold"))?)
                    .map_err(|_| corrupt("exam pass threshold"))?,
                passed: passed == Some(1),
            })
        }
    };
    Ok(ExamDraw {
        id: row.try_get("id")?,
        staff_id: row.try_get("staff_id")?,
        drawn_at: row.try_get("drawn_at")?,
        rules_version: row.try_get("rules_version")?,
        questions: from_json(&questions, "exam questions")?,
        answers: from_json(&answers, "exam answers")?,
        completion,
    })
}
