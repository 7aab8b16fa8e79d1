//! The workforce training record (45 CFR 164.530(b)(2): training must be
//! documented), computed from the exams the vault holds: scoring a stored
//! draw, a completed exam's summary, the privacy officer's report (who is
//! current, who is overdue, scores by topic) and a certificate's contents.
//! Pure functions over the store's rows; the operations layer
//! (`confidant-app`) reads the rows, checks who may see what and audits.

use std::collections::HashMap;

use confidant_policy::Date;
use confidant_store::{ExamCompletion, ExamDraw, Staff, TopicTally, TrainingPolicy, date_from_unix_days};
use serde::Serialize;

use crate::topic::Topic;

/// Whether a staff member's training is current.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingStatus {
    /// Passed an exam within the interval.
    Current,
    /// Passed once, but longer ago than the interval.
    Overdue,
    /// Never passed an exam.
    Untrained,
}

impl TrainingStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TrainingStatus::Current => "current",
            TrainingStatus::Overdue => "overdue",
            TrainingStatus::Untrained => "untrained",
        }
    }
}

/// One completed exam as the report and certificates show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExamSummary {
    /// The exam's id.
    pub exam_id: String,
    /// The day it was submitted (vault clock, UTC).
    pub completed_on: Date,
    /// Right answers.
    pub correct: u32,
    /// Questions asked.
    pub asked: u32,
    /// The score, rounded down to a whole percent.
    pub percent: u32,
    /// The threshold in force at submission.
    pub pass_percent: u8,
    /// Passed at that threshold.
    pub passed: bool,
    /// The rules the questions and keys were generated from.
    pub rules_version: String,
    /// Score per topic, in topic order.
    pub by_topic: Vec<TopicTally>,
}

/// One staff member's line in the training report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StaffTraining {
    /// The staff id.
    pub staff_id: String,
    /// The display name (the report is the privacy officer's).
    pub name: String,
    /// The role's wire name.
    pub role: &'static str,
    /// Current, overdue or untrained.
    pub status: TrainingStatus,
    /// The day of the latest passed exam.
    pub last_passed_on: Option<Date>,
    /// When retraining is due (the latest pass plus the interval).
    pub due_on: Option<Date>,
    /// How many exams they completed.
    pub exams: usize,
    /// The latest completed exam, passed or not.
    pub latest: Option<ExamSummary>,
}

/// The privacy officer's training report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrainingReport {
    /// The day it was computed for (vault clock).
    pub as_of: Date,
    /// The policy it applies.
    pub policy: TrainingPolicy,
    /// Every active staff member, by id.
    pub staff: Vec<StaffTraining>,
    /// Scores by topic summed over each staff member's latest exam.
    pub by_topic: Vec<TopicTally>,
}

impl TrainingReport {
    /// How many staff have each status.
    pub fn count(&self, status: TrainingStatus) -> usize {
        self.staff.iter().filter(|s| s.status == status).count()
    }
}

/// A certificate of one completed exam.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// Whose exam.
    pub staff_id: String,
    /// Their display name.
    pub name: String,
    /// Their role's wire name.
    pub role: &'static str,
    /// The exam's result.
    pub exam: ExamSummary,
}

/// Builds the report for `today` from the active staff and every completed
/// exam (oldest first).
pub fn report(staff: Vec<Staff>, completed: Vec<ExamDraw>, policy: TrainingPolicy, today: Date) -> TrainingReport {
    let mut by_staff: HashMap<String, Vec<ExamDraw>> = HashMap::new();
    for exam in completed {
        by_staff.entry(exam.staff_id.clone()).or_default().push(exam);
    }
    let mut staff: Vec<Staff> = staff.into_iter().filter(|s| s.active).collect();
    staff.sort_by(|a, b| a.id.cmp(&b.id));
    let mut lines = Vec::with_capacity(staff.len());
    let mut totals: Vec<TopicTally> = Vec::new();
    for member in staff {
        let exams = by_staff.remove(&member.id).unwrap_or_default();
        let latest = exams.iter().rev().find_map(summary);
        let last_passed_on = exams.iter().rev().filter_map(summary).find(|s| s.passed).map(|s| s.completed_on);
        let due_on = last_passed_on.map(|d| plus_months(d, policy.interval_months));
        let status = match due_on {
            None => TrainingStatus::Untrained,
            Some(due) if due > today => TrainingStatus::Current,
            Some(_) => TrainingStatus::Overdue,
        };
        if let Some(latest) = &latest {
            add_tallies(&mut totals, &latest.by_topic);
        }
        lines.push(StaffTraining {
            staff_id: member.id,
            name: member.display_name,
            role: member.role.as_str(),
            status,
            last_passed_on,
            due_on,
            exams: exams.len(),
            latest,
        });
    }
    sort_tallies(&mut totals);
    TrainingReport { as_of: today, policy, staff: lines, by_topic: totals }
}

/// A certificate's contents: `None` while the exam is open.
pub fn certificate(staff: &Staff, exam: &ExamDraw) -> Option<Certificate> {
    Some(Certificate { staff_id: staff.id.clone(), name: staff.display_name.clone(), role: staff.role.as_str(), exam: summary(exam)? })
}

/// A topic's title from its wire name (the name itself when unknown).
pub fn topic_title(wire: &str) -> &str {
    match Topic::parse(wire) {
        Some(topic) => topic.title(),
        None => wire,
    }
}

/// The day (UTC) of a Unix time.
pub fn day_of(unix_secs: i64) -> Date {
    date_from_unix_days(unix_secs.div_euclid(86_400))
}

/// Scores a draw from its stored keys and answers at `pass_percent`.
pub fn score(exam: &ExamDraw, now: i64, pass_percent: u8) -> ExamCompletion {
    let mut by_topic: Vec<TopicTally> = Vec::new();
    let mut correct = 0u32;
    for (i, q) in exam.questions.iter().enumerate() {
        let right = exam.answers.get(i).copied().flatten() == Some(q.key);
        correct += u32::from(right);
        add_tallies(&mut by_topic, &[TopicTally { topic: q.topic.clone(), correct: u32::from(right), asked: 1 }]);
    }
    sort_tallies(&mut by_topic);
    let asked = u32::try_from(exam.questions.len()).unwrap_or(u32::MAX);
    let passed = asked > 0 && u64::from(correct) * 100 >= u64::from(pass_percent) * u64::from(asked);
    ExamCompletion { submitted_at: now, correct, asked, by_topic, pass_percent, passed }
}

fn add_tallies(into: &mut Vec<TopicTally>, add: &[TopicTally]) {
    for t in add {
        match into.iter_mut().find(|x| x.topic == t.topic) {
            Some(x) => {
                x.correct += t.correct;
                x.asked += t.asked;
            }
            None => into.push(t.clone()),
        }
    }
}

/// Topics in [`Topic::ALL`] order (unknown names last, by name).
fn sort_tallies(tallies: &mut [TopicTally]) {
    tallies.sort_by_key(|t| {
        (
            Topic::parse(&t.topic).map_or(usize::MAX, |topic| Topic::ALL.iter().position(|x| *x == topic).unwrap_or(usize::MAX)),
            t.topic.clone(),
        )
    });
}

/// A completed exam's summary; `None` while it is open.
pub fn summary(exam: &ExamDraw) -> Option<ExamSummary> {
    let done = exam.completion.as_ref()?;
    Some(ExamSummary {
        exam_id: exam.id.clone(),
        completed_on: day_of(done.submitted_at),
        correct: done.correct,
        asked: done.asked,
        percent: (done.correct * 100).checked_div(done.asked).unwrap_or(0),
        pass_percent: done.pass_percent,
        passed: done.passed,
        rules_version: exam.rules_version.clone(),
        by_topic: done.by_topic.clone(),
    })
}

/// The same day `months` later (the 31st becomes the month's last day).
pub(crate) fn plus_months(day: Date, months: u16) -> Date {
    let zero_based = u32::from(day.month()) - 1 + u32::from(months);
    let year = day.year().saturating_add(u16::try_from(zero_based / 12).unwrap_or(u16::MAX));
    let month = u8::try_from(zero_based % 12 + 1).unwrap_or(12);
    (1..=day.day()).rev().find_map(|d| Date::new(year, month, d)).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn months_add_to_the_same_day_or_the_months_last() {
        let d = |t: &str| Date::parse(t).unwrap();
        assert_eq!(plus_months(d("2025-03-15"), 12), d("2026-03-15"));
        assert_eq!(plus_months(d("2025-01-31"), 1), d("2025-02-28"));
        assert_eq!(plus_months(d("2024-02-29"), 12), d("2025-02-28"));
        assert_eq!(plus_months(d("2025-11-30"), 3), d("2026-02-28"));
    }

    #[test]
    fn scoring_reads_only_the_stored_keys_and_answers() {
        let q = |id: &str, topic: &str, key| confidant_store::DrawnQuestion { id: id.into(), topic: topic.into(), key, options: 4 };
        let exam = ExamDraw {
            id: "ex-1".into(),
            staff_id: "st-1".into(),
            drawn_at: 0,
            rules_version: "sha256:x".into(),
            questions: vec![q("q1", "duty_to_protect", 1), q("q2", "consent_and_authorization", 0), q("q3", "duty_to_protect", 2)],
            answers: vec![Some(1), Some(0), None],
            completion: None,
        };
        let done = score(&exam, 86_400, 60);
        assert_eq!((done.correct, done.asked, done.passed), (2, 3, true));
        assert_eq!(done.by_topic[0].topic, "consent_and_authorization");
        assert_eq!((done.by_topic[1].correct, done.by_topic[1].asked), (1, 2));
        assert!(!score(&exam, 0, 80).passed);
    }
}
