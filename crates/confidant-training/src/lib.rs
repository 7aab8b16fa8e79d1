//! Confidentiality exam practice generated from Confidant's decision engine.
//!
//! Every question's key comes from running [`confidant_policy::Engine`] on
//! the request the question was built from, so the practice cannot disagree
//! with the law the engine enforces. Training reads the engine, never the
//! reverse.
//!
//! What a caller (the CLI today, the server later) uses:
//! - [`generate_bank`] — every question, with its request, key, a rationale
//!   per option, hint, explanation and cites; [`check_question`] re-runs one
//!   against the engine.
//! - [`flashcards`] — the concept cards.
//! - [`Scheduler`] — FSRS review state: [`Scheduler::review`] records a
//!   rating, [`due_queue`] orders what to study next, [`mastery`] sums up per topic.
//! - [`build_exam`] and [`score_exam`] — practice exams.
//! - [`records`] — the training record: scoring a stored exam, the report,
//!   certificates.

#![deny(missing_docs)]

mod claim;
mod exam;
mod flashcards;
mod hash;
mod misconceptions;
mod options;
pub mod progress;
mod question;
mod rationale;
pub mod records;
mod schedule;
mod templates;
mod topic;

pub use claim::Claim;
pub use exam::{ExamResult, TopicScore, build_exam, score_exam};
pub use flashcards::{Flashcard, flashcards};
pub use question::{BankError, Question, check_question, generate_bank};
pub use records::{Certificate, ExamSummary, StaffTraining, TrainingReport, TrainingStatus};
pub use schedule::{CardState, Mastery, Rating, ReviewRecord, Scheduler, StudyItem, due_queue, mastery, rating_for_answer};
pub use topic::Topic;
