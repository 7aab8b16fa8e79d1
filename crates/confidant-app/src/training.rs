//! Exams and the workforce training record (45 CFR 164.530(b)(2): the
//! training of the workforce must be documented).
//!
//! An exam is drawn and held by the vault: which questions, in which order,
//! for whom, when, under which rules, with their keys. Answers are saved
//! against the stored draw; the score is computed from the stored draw and
//! stored answers at submission, once. A second submission reads the stored
//! result (the same score); answers after submission change nothing and are
//! refused ([`AppError::Conflict`]). Every act is audited, writes in the same
//! transaction as their effect; audit details carry ids, counts and scores,
//! never names or question text.
//!
//! Who sees what: a learner sees their own exams; keys and rationales only
//! after submission (the front ends show them then), and the question bank
//! with keys only for the privacy officer (or the operator), for review.
//! The training report and anyone's certificate are the privacy officer's.

use confidant_store::Detail;
use confidant_store::{AuditEvent, AuditKind, DrawnQuestion, ExamCompletion, ExamDraw, TrainingPolicy};
use confidant_training::records::{self, day_of};
use confidant_training::{Certificate, Question, Topic, TrainingReport, TrainingStatus, build_exam};

use crate::access::{refuse, require_privacy_officer};
use crate::ops::via;
use crate::{Actor, App, AppError};

/// Most questions one exam may have.
pub const MAX_EXAM_QUESTIONS: usize = 200;

/// What exam to draw.
#[derive(Clone, Copy, Debug)]
pub struct ExamRequest {
    /// How many questions (1–[`MAX_EXAM_QUESTIONS`]; fewer when the bank is smaller).
    pub count: usize,
    /// Only this topic.
    pub topic: Option<Topic>,
    /// Which questions (the same seed and bank, the same exam).
    pub seed: u64,
}

/// One answer: a question of the exam and the chosen option (`None` clears it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExamAnswer {
    /// The question's id.
    pub question: String,
    /// The chosen option's index.
    pub answer: Option<usize>,
}

/// A submitted exam and whether this call submitted it.
#[derive(Clone, Debug)]
pub struct Submitted {
    /// The exam, with its completion.
    pub exam: ExamDraw,
    /// False when it had been submitted before (the stored score is returned).
    pub first: bool,
}

/// The question bank as the actor may see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankView {
    /// With keys and rationales: the privacy officer's review.
    WithKeys,
    /// Questions and options only.
    QuestionsOnly,
}

impl App<'_> {
    /// Draws an exam from `bank` (generated under `rules_version`) for the
    /// acting staff member and stores it; audited as `exam_drawn`.
    pub async fn draw_exam(
        &self,
        actor: &Actor,
        bank: &[Question],
        rules_version: &str,
        request: ExamRequest,
    ) -> Result<ExamDraw, AppError> {
        let staff = learner(actor)?;
        if request.count == 0 || request.count > MAX_EXAM_QUESTIONS {
            return Err(AppError::input("count", format!("between 1 and {MAX_EXAM_QUESTIONS} questions")));
        }
        let drawn: Vec<DrawnQuestion> = build_exam(bank, request.count, request.topic, request.seed)
            .into_iter()
            .map(|q| DrawnQuestion {
                id: q.id.clone(),
                topic: q.topic.as_str().to_string(),
                key: u32::try_from(q.key).unwrap_or(u32::MAX),
                options: u32::try_from(q.options.len()).unwrap_or(u32::MAX),
            })
            .collect();
        if drawn.is_empty() {
            return Err(AppError::input("topic", "a topic with questions in the bank"));
        }
        let event = AuditEvent::new(AuditKind::ExamDrawn, actor.id()).with_all(via(actor)).with_all([
            Detail::Questions(drawn.len()),
            Detail::RulesVersion(rules_version.to_string()),
            Detail::Topic(request.topic.map(Topic::as_str)),
        ]);
        Ok(self.store.draw_exam_audited(staff, rules_version, drawn, event).await?)
    }

    /// Saves answers to the actor's own exam while it is open (a later
    /// answer to the same question replaces the earlier); audited as
    /// `exam_answered`. After submission nothing changes:
    /// [`AppError::Conflict`], and the attempt is audited as refused.
    pub async fn answer_exam(&self, actor: &Actor, exam_id: &str, answers: &[ExamAnswer]) -> Result<ExamDraw, AppError> {
        let staff = learner(actor)?;
        let mut exam = self.own_exam(actor, staff, exam_id, "answer exam").await?;
        if let Some(done) = &exam.completion {
            refuse(self, actor, None, "answer a submitted exam").await?;
            return Err(submitted(exam_id, done));
        }
        if answers.is_empty() {
            return Err(AppError::input("answers", "at least one answer"));
        }
        for (i, a) in answers.iter().enumerate() {
            let Some(at) = exam.questions.iter().position(|q| q.id == a.question) else {
                return Err(AppError::input(format!("answers/{i}/question"), "the id of a question of this exam"));
            };
            let options = exam.questions.get(at).map_or(0, |q| q.options);
            let chosen = match a.answer {
                None => None,
                Some(n) => match u32::try_from(n).ok().filter(|n| *n < options) {
                    Some(n) => Some(n),
                    None => return Err(AppError::input(format!("answers/{i}/answer"), format!("an option index below {options}"))),
                },
            };
            if let Some(slot) = exam.answers.get_mut(at) {
                *slot = chosen;
            }
        }
        let event = AuditEvent::new(AuditKind::ExamAnswered, actor.id()).with_all(via(actor)).with_all([
            Detail::Exam(exam_id.to_string()),
            Detail::Answered(exam.answers.iter().filter(|a| a.is_some()).count()),
            Detail::Of(exam.questions.len()),
        ]);
        if !self.store.save_exam_answers_audited(exam_id, &exam.answers, event).await? {
            // Submitted between our read and our write.
            let now = self.store.exam_draw(exam_id).await?;
            refuse(self, actor, None, "answer a submitted exam").await?;
            return Err(now.completion.as_ref().map_or_else(
                || AppError::Conflict(format!("exam `{exam_id}`: changed meanwhile; try again")),
                |done| submitted(exam_id, done),
            ));
        }
        Ok(exam)
    }

    /// Submits the actor's own exam: scored from the stored draw and
    /// answers at the threshold in force, recorded as the training record
    /// and audited as `exam_completed`, in one transaction. Submitting again
    /// returns the stored result unchanged (audited as a view).
    pub async fn submit_exam(&self, actor: &Actor, exam_id: &str) -> Result<Submitted, AppError> {
        let staff = learner(actor)?;
        let exam = self.own_exam(actor, staff, exam_id, "submit exam").await?;
        if exam.completion.is_some() {
            self.viewed(actor, [Detail::Read("exam"), Detail::Exam(exam_id.to_string()), Detail::SubmittedAgain(true)]).await?;
            return Ok(Submitted { exam, first: false });
        }
        let policy = self.store.training_policy().await?;
        let completion = records::score(&exam, self.store.now_secs(), policy.pass_percent);
        let event = AuditEvent::new(AuditKind::ExamCompleted, actor.id()).with_all(via(actor)).with_all([
            Detail::Exam(exam_id.to_string()),
            Detail::Correct(completion.correct),
            Detail::Asked(completion.asked),
            Detail::Passed(completion.passed),
            Detail::PassPercent(completion.pass_percent),
            Detail::RulesVersion(exam.rules_version.clone()),
            Detail::ByTopic(completion.by_topic.clone()),
        ]);
        if self.store.complete_exam_audited(exam_id, &exam.answers, &completion, event).await? {
            return Ok(Submitted { exam: ExamDraw { completion: Some(completion), ..exam }, first: true });
        }
        // A racing submission won: its stored result stands.
        let stored = self.store.exam_draw(exam_id).await?;
        self.viewed(actor, [Detail::Read("exam"), Detail::Exam(exam_id.to_string()), Detail::SubmittedAgain(true)]).await?;
        Ok(Submitted { exam: stored, first: false })
    }

    /// Refuses a practice answer (which shows the key and rationales) to a
    /// question of the actor's open exam, so an exam's keys cannot be read
    /// through practice before it is submitted.
    pub async fn check_practice_answer(&self, actor: &Actor, question_id: &str) -> Result<(), AppError> {
        let Some(staff) = actor.as_staff() else { return Ok(()) };
        let open = self.store.open_exams(&staff.id).await?;
        if let Some(exam) = open.iter().find(|e| e.questions.iter().any(|q| q.id == question_id)) {
            refuse(self, actor, None, "practise a question of an open exam").await?;
            return Err(AppError::Conflict(format!("question: it is in your open exam `{}`; submit the exam first", exam.id)));
        }
        Ok(())
    }

    /// One exam: the actor's own, or anyone's for the privacy officer (or
    /// the operator); audited as `training_viewed`.
    pub async fn view_exam(&self, actor: &Actor, exam_id: &str) -> Result<ExamDraw, AppError> {
        let exam = self.readable_exam(actor, exam_id, "view exam").await?;
        self.viewed(actor, [Detail::Read("exam"), Detail::Exam(exam_id.to_string())]).await?;
        Ok(exam)
    }

    /// The actor's own completed exams, oldest first; audited.
    pub async fn my_training_records(&self, actor: &Actor) -> Result<Vec<ExamDraw>, AppError> {
        let staff = learner(actor)?;
        let records = self.store.completed_exams(Some(staff)).await?;
        self.viewed(actor, [Detail::Read("own_records"), Detail::Exams(records.len())]).await?;
        Ok(records)
    }

    /// The training report: who is current, who is overdue, scores by
    /// topic. The privacy officer's (or the operator's); audited.
    pub async fn training_report(&self, actor: &Actor) -> Result<TrainingReport, AppError> {
        require_privacy_officer(self, actor, "read the training report").await?;
        let policy = self.store.training_policy().await?;
        let report = records::report(self.store.list_staff().await?, self.store.completed_exams(None).await?, policy, self.store.today());
        self.viewed(
            actor,
            [
                Detail::Read("report"),
                Detail::StaffInReport(report.staff.len()),
                Detail::Current(report.count(TrainingStatus::Current)),
                Detail::Overdue(report.count(TrainingStatus::Overdue)),
                Detail::Untrained(report.count(TrainingStatus::Untrained)),
            ],
        )
        .await?;
        Ok(report)
    }

    /// The certificate of a completed exam: one's own, or anyone's for the
    /// privacy officer (or the operator); audited.
    pub async fn certificate(&self, actor: &Actor, exam_id: &str) -> Result<Certificate, AppError> {
        let exam = self.readable_exam(actor, exam_id, "read certificate").await?;
        let staff = self.store.staff(&exam.staff_id).await?;
        let Some(certificate) = records::certificate(&staff, &exam) else {
            return Err(AppError::Conflict(format!("exam `{exam_id}`: not submitted yet; a certificate is issued for a completed exam")));
        };
        self.viewed(actor, [Detail::Read("certificate"), Detail::Exam(exam_id.to_string())]).await?;
        Ok(certificate)
    }

    /// Whether the actor sees the question bank with its keys and
    /// rationales (the privacy officer or the operator, for review) or
    /// questions only; the read is audited either way.
    pub async fn question_bank(&self, actor: &Actor) -> Result<BankView, AppError> {
        let view = if actor.is_operator() || actor.is_privacy_officer() { BankView::WithKeys } else { BankView::QuestionsOnly };
        self.viewed(actor, [Detail::Read("bank"), Detail::Keys(view == BankView::WithKeys)]).await?;
        Ok(view)
    }

    /// The training policy in force.
    pub async fn training_policy(&self) -> Result<TrainingPolicy, AppError> {
        Ok(self.store.training_policy().await?)
    }

    /// Sets the pass threshold and retraining interval (the privacy
    /// officer or the operator); audited with the change.
    pub async fn set_training_policy(&self, actor: &Actor, policy: TrainingPolicy) -> Result<(), AppError> {
        require_privacy_officer(self, actor, "set the training policy").await?;
        let event = AuditEvent::new(AuditKind::TrainingPolicyChanged, actor.id())
            .with_all(via(actor))
            .with_all([Detail::PassPercent(policy.pass_percent), Detail::IntervalMonths(policy.interval_months)]);
        self.store.set_training_policy_audited(policy, event).await?;
        Ok(())
    }

    async fn viewed(&self, actor: &Actor, details: impl IntoIterator<Item = Detail>) -> Result<(), AppError> {
        self.audit.record(vec![AuditEvent::new(AuditKind::TrainingViewed, actor.id()).with_all(via(actor)).with_all(details)]).await?;
        Ok(())
    }

    /// The exam when it is `staff`'s; otherwise an audited refusal that
    /// reads the same as an exam that does not exist.
    async fn own_exam(&self, actor: &Actor, staff: &str, exam_id: &str, doing: &str) -> Result<ExamDraw, AppError> {
        match self.store.exam_draw(exam_id).await {
            Ok(exam) if exam.staff_id == staff => Ok(exam),
            Ok(_) | Err(confidant_store::StoreError::NotFound { .. }) => {
                refuse(self, actor, None, doing).await?;
                Err(no_exam(exam_id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The exam when the actor may read it: their own, or anyone's for the
    /// privacy officer or the operator.
    async fn readable_exam(&self, actor: &Actor, exam_id: &str, doing: &str) -> Result<ExamDraw, AppError> {
        let overseer = actor.is_operator() || actor.is_privacy_officer();
        match self.store.exam_draw(exam_id).await {
            Ok(exam) if overseer || Some(exam.staff_id.as_str()) == actor.id() => Ok(exam),
            Ok(_) | Err(confidant_store::StoreError::NotFound { .. }) => {
                refuse(self, actor, None, doing).await?;
                Err(no_exam(exam_id))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The staff member taking an exam: only a staff member does (the operator
/// names one with `--as`; nobody sits an exam in another's name).
fn learner(actor: &Actor) -> Result<&str, AppError> {
    actor.as_staff().map(|staff| staff.id.as_str()).ok_or_else(|| AppError::input("--as", "the staff member taking the exam"))
}

fn no_exam(exam_id: &str) -> AppError {
    AppError::NotFound(format!("exam: no exam `{exam_id}` of yours"))
}

fn submitted(exam_id: &str, done: &ExamCompletion) -> AppError {
    AppError::Conflict(format!(
        "exam `{exam_id}`: submitted on {} with {} of {} right; answers after submission change nothing",
        day_of(done.submitted_at),
        done.correct,
        done.asked
    ))
}
