//! Exams held by the vault and the workforce training record, on SQLite and
//! PostgreSQL: an exam is scored once from its stored draw (submitting again
//! or answering afterwards changes nothing), racing submissions agree, and a
//! scripted history over fourteen months gives the report and certificates
//! it should — who is current, overdue or untrained, scores by topic, the
//! threshold in force at each submission — with every act audited and no
//! name in the log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::OnceLock;

use confidant_app::{Actor, App, AppError, Channel, ExamAnswer, ExamRequest};
use confidant_audit::LogSigningKey;
use confidant_policy::{Date, Engine};
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{AuditFilter, AuditKind, Clock, ExamDraw, KeyRing, NewStaff, StaffRole, Store, TrainingPolicy, WITNESS_FILE_NAME};
use confidant_training::{Question, TrainingStatus, generate_bank};

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// The bank and the rules it came from, made once for the whole file.
fn bank() -> &'static (Vec<Question>, String) {
    static BANK: OnceLock<(Vec<Question>, String)> = OnceLock::new();
    BANK.get_or_init(|| {
        let engine = Engine::new().unwrap();
        (generate_bank(&engine).unwrap(), engine.catalog().version().to_string())
    })
}

async fn vault(db: &TestDatabase) -> Store {
    let ring = KeyRing::new(vec![Kek::generate("kek-1")]).unwrap();
    let mut store = Store::create(&db.url, ring).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[9; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    store.set_clock(Clock::fixed(0));
    store.clock().set_day(day("2025-01-10"));
    for (id, name, role) in [
        ("st-a", "Avery Quillfeather", StaffRole::PeerSupportSpecialist),
        ("st-b", "Blake Marrowind", StaffRole::Psychotherapist),
        ("st-c", "Casey Thistledown", StaffRole::PeerSupportSpecialist),
        ("st-po", "Pat Oversight", StaffRole::PrivacyOfficer),
        ("st-gone", "Gone Person", StaffRole::PeerSupportSpecialist),
    ] {
        store.add_staff(NewStaff { id: Some(id.into()), display_name: name.into(), role }).await.unwrap();
    }
    store.set_staff_active("st-gone", false).await.unwrap();
    store
}

async fn staff(store: &Store, id: &str) -> Actor {
    Actor::staff(store.staff(id).await.unwrap(), Channel::Api)
}

async fn draw(app: &App<'_>, actor: &Actor, count: usize, seed: u64) -> ExamDraw {
    let (questions, version) = bank();
    app.draw_exam(actor, questions, version, ExamRequest { count, topic: None, seed }).await.unwrap()
}

/// Answers `right` questions of the draw with their key and the rest wrongly.
fn answers(exam: &ExamDraw, right: usize) -> Vec<ExamAnswer> {
    exam.questions
        .iter()
        .enumerate()
        .map(|(i, q)| ExamAnswer { question: q.id.clone(), answer: Some(if i < right { q.key } else { (q.key + 1) % q.options } as usize) })
        .collect()
}

async fn entries(store: &Store, kind: AuditKind) -> Vec<confidant_store::AuditEntry> {
    store.audit_entries(&AuditFilter { kind: Some(kind), with_details: true, ..AuditFilter::default() }).await.unwrap()
}

#[tokio::test]
async fn an_exam_is_scored_once_from_its_stored_draw_and_answers_after_submission_change_nothing() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let learner = staff(&store, "st-a").await;
        let exam = draw(&app, &learner, 5, 11).await;
        assert_eq!(exam.questions.len(), 5);
        assert_eq!(exam.rules_version, bank().1);
        // Keys are held server-side: the stored draw has them, and each is the bank's.
        for q in &exam.questions {
            assert_eq!(bank().0.iter().find(|b| b.id == q.id).unwrap().key as u32, q.key);
        }
        app.answer_exam(&learner, &exam.id, &answers(&exam, 3)).await.unwrap();
        // An answer may change before submission.
        let first = &exam.questions[4];
        app.answer_exam(&learner, &exam.id, &[ExamAnswer { question: first.id.clone(), answer: Some(first.key as usize) }]).await.unwrap();

        let once = app.submit_exam(&learner, &exam.id).await.unwrap();
        assert!(once.first, "{}", db.name());
        let done = once.exam.completion.clone().unwrap();
        assert_eq!((done.correct, done.asked, done.passed, done.pass_percent), (4, 5, true, 80), "{}", db.name());

        // Scored twice: the same stored score.
        store.clock().advance(3600);
        let twice = app.submit_exam(&learner, &exam.id).await.unwrap();
        assert!(!twice.first);
        assert_eq!(twice.exam.completion, once.exam.completion, "{}", db.name());

        // Answered after submission: refused, and nothing changes.
        let all_right: Vec<ExamAnswer> = answers(&exam, 5);
        let err = app.answer_exam(&learner, &exam.id, &all_right).await.unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{}: {err}", db.name());
        assert!(err.to_string().contains("submitted") && err.to_string().contains("4 of 5"), "{err}");
        let stored = store.exam_draw(&exam.id).await.unwrap();
        assert_eq!(stored.completion, once.exam.completion);
        assert_eq!(stored.answers, once.exam.answers);
        let again = app.submit_exam(&learner, &exam.id).await.unwrap();
        assert_eq!(again.exam.completion, once.exam.completion);

        // Another learner cannot see, answer or submit it; the refusal reads
        // like an exam that does not exist, and is audited.
        let peer = staff(&store, "st-c").await;
        let theirs = app.submit_exam(&peer, &exam.id).await.unwrap_err();
        let missing = app.submit_exam(&peer, "ex-nothing").await.unwrap_err();
        assert_eq!(theirs.to_string().replace(&exam.id, "X"), missing.to_string().replace("ex-nothing", "X"));
        assert!(matches!(app.answer_exam(&peer, &exam.id, &all_right).await.unwrap_err(), AppError::NotFound(_)));
        assert!(entries(&store, AuditKind::AccessDenied).await.iter().any(|e| e.actor.as_deref() == Some("st-c")));

        // Bad answers name the field.
        let open = draw(&app, &learner, 2, 12).await;
        let bad = app.answer_exam(&learner, &open.id, &[ExamAnswer { question: "q-nope".into(), answer: Some(0) }]).await.unwrap_err();
        assert_eq!(bad.to_string(), "answers/0/question: the id of a question of this exam");
        let q = &open.questions[0];
        let bad = app
            .answer_exam(&learner, &open.id, &[ExamAnswer { question: q.id.clone(), answer: Some(q.options as usize) }])
            .await
            .unwrap_err();
        assert!(bad.to_string().starts_with("answers/0/answer: an option index below"), "{bad}");
        // A question of an open exam cannot be practised (the answer would show its key).
        assert!(matches!(app.check_practice_answer(&learner, &q.id).await.unwrap_err(), AppError::Conflict(_)));
        assert!(app.check_practice_answer(&peer, &q.id).await.is_ok());
        // The operator takes no exam in anyone's name.
        assert!(matches!(
            app.draw_exam(&Actor::operator(None), &bank().0, &bank().1, ExamRequest { count: 1, topic: None, seed: 1 }).await.unwrap_err(),
            AppError::Input { .. }
        ));

        // One completion entry, in the log with its score and no name.
        let completed = entries(&store, AuditKind::ExamCompleted).await;
        assert_eq!(completed.len(), 1, "{}", db.name());
        let details = completed[0].details.as_ref().unwrap();
        assert_eq!(details["exam"], exam.id.as_str());
        assert_eq!(details["correct"], 4);
        assert_eq!(details["rules_version"], bank().1.as_str());
        assert!(!details.to_string().contains("Avery"), "{details}");
        assert_eq!(entries(&store, AuditKind::ExamDrawn).await.len(), 2);
        assert_eq!(entries(&store, AuditKind::ExamAnswered).await.len(), 2);
        assert!(store.verify_audit(&LogSigningKey::from_seed(&[9; 32]).verifying_key(), None).await.unwrap().problem.is_none());
    }
}

#[tokio::test]
async fn racing_submissions_agree_on_one_score() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let learner = staff(&store, "st-b").await;
        let exam = draw(&app, &learner, 6, 3).await;
        app.answer_exam(&learner, &exam.id, &answers(&exam, 5)).await.unwrap();
        let (one, two) = tokio::join!(app.submit_exam(&learner, &exam.id), app.submit_exam(&learner, &exam.id));
        let (one, two) = (one.unwrap(), two.unwrap());
        assert_eq!(one.exam.completion, two.exam.completion, "{}", db.name());
        assert_eq!(u8::from(one.first) + u8::from(two.first), 1, "{}: exactly one submission completes it", db.name());
        assert_eq!(entries(&store, AuditKind::ExamCompleted).await.len(), 1);
    }
}

#[tokio::test]
async fn the_report_and_certificates_follow_a_scripted_history() {
    for db in test_databases().await {
        let store = vault(&db).await;
        let app = App::new(&store, &store);
        let (a, b, c, po) =
            (staff(&store, "st-a").await, staff(&store, "st-b").await, staff(&store, "st-c").await, staff(&store, "st-po").await);

        // 2025-01-10: st-a passes 10 of 10.
        let a1 = draw(&app, &a, 10, 1).await;
        app.answer_exam(&a, &a1.id, &answers(&a1, 10)).await.unwrap();
        app.submit_exam(&a, &a1.id).await.unwrap();
        // 2025-02-01: st-b fails, 1 of 4.
        store.clock().set_day(day("2025-02-01"));
        let b1 = draw(&app, &b, 4, 2).await;
        app.answer_exam(&b, &b1.id, &answers(&b1, 1)).await.unwrap();
        app.submit_exam(&b, &b1.id).await.unwrap();
        // 2025-05-01: the privacy officer lowers the threshold to 75%.
        store.clock().set_day(day("2025-05-01"));
        assert!(matches!(
            app.set_training_policy(&c, TrainingPolicy { pass_percent: 10, interval_months: 12 }).await.unwrap_err(),
            AppError::Forbidden(_)
        ));
        app.set_training_policy(&po, TrainingPolicy { pass_percent: 75, interval_months: 12 }).await.unwrap();
        assert!(app.set_training_policy(&po, TrainingPolicy { pass_percent: 0, interval_months: 12 }).await.is_err());
        // 2025-06-01: st-b passes 3 of 4 at 75%; st-c draws an exam and never submits it.
        store.clock().set_day(day("2025-06-01"));
        let b2 = draw(&app, &b, 4, 5).await;
        app.answer_exam(&b, &b2.id, &answers(&b2, 3)).await.unwrap();
        app.submit_exam(&b, &b2.id).await.unwrap();
        let c1 = draw(&app, &c, 3, 6).await;
        app.answer_exam(&c, &c1.id, &answers(&c1, 3)).await.unwrap();

        // 2026-03-01: st-a's pass (due 2026-01-10) has lapsed; st-b's holds until 2026-06-01.
        store.clock().set_day(day("2026-03-01"));
        assert!(matches!(app.training_report(&a).await.unwrap_err(), AppError::Forbidden(_)));
        let report = app.training_report(&po).await.unwrap();
        assert_eq!(report.as_of, day("2026-03-01"));
        assert_eq!(report.policy, TrainingPolicy { pass_percent: 75, interval_months: 12 });
        let ids: Vec<&str> = report.staff.iter().map(|s| s.staff_id.as_str()).collect();
        assert_eq!(ids, ["st-a", "st-b", "st-c", "st-po"], "{}: active staff only", db.name());
        let line = |id: &str| report.staff.iter().find(|s| s.staff_id == id).unwrap();
        assert_eq!(line("st-a").status, TrainingStatus::Overdue, "{}", db.name());
        assert_eq!(line("st-a").last_passed_on, Some(day("2025-01-10")));
        assert_eq!(line("st-a").due_on, Some(day("2026-01-10")));
        assert_eq!(line("st-b").status, TrainingStatus::Current);
        assert_eq!(line("st-b").last_passed_on, Some(day("2025-06-01")));
        assert_eq!(line("st-b").due_on, Some(day("2026-06-01")));
        assert_eq!(line("st-b").exams, 2);
        let latest_b = line("st-b").latest.clone().unwrap();
        assert_eq!((latest_b.correct, latest_b.asked, latest_b.percent, latest_b.pass_percent, latest_b.passed), (3, 4, 75, 75, true));
        assert_eq!(latest_b.rules_version, bank().1);
        assert_eq!(line("st-c").status, TrainingStatus::Untrained, "an open exam is no record");
        assert_eq!((line("st-c").exams, line("st-c").latest.is_none()), (0, true));
        assert_eq!(line("st-po").status, TrainingStatus::Untrained);
        assert_eq!(
            (report.count(TrainingStatus::Current), report.count(TrainingStatus::Overdue), report.count(TrainingStatus::Untrained)),
            (1, 1, 2)
        );
        // Scores by topic: st-a's latest (10/10) and st-b's latest (3/4), per topic.
        let total_asked: u32 = report.by_topic.iter().map(|t| t.asked).sum();
        let total_right: u32 = report.by_topic.iter().map(|t| t.correct).sum();
        assert_eq!((total_right, total_asked), (13, 14), "{}", db.name());
        let b_topics: u32 = latest_b.by_topic.iter().map(|t| t.correct).sum();
        assert_eq!(b_topics, 3);
        // The first exam failed at 80% stays failed at 80%: the threshold in force then.
        let b_first = store.exam_draw(&b1.id).await.unwrap().completion.unwrap();
        assert_eq!((b_first.pass_percent, b_first.passed), (80, false));

        // Certificates: one's own, or anyone's for the privacy officer.
        let cert = app.certificate(&b, &b2.id).await.unwrap();
        assert_eq!((cert.staff_id.as_str(), cert.name.as_str(), cert.role), ("st-b", "Blake Marrowind", "psychotherapist"));
        assert_eq!(cert.exam, latest_b);
        assert_eq!(cert.exam.completed_on, day("2025-06-01"));
        assert_eq!(app.certificate(&po, &a1.id).await.unwrap().exam.percent, 100);
        assert!(matches!(app.certificate(&a, &b2.id).await.unwrap_err(), AppError::NotFound(_)));
        assert!(matches!(app.certificate(&c, &c1.id).await.unwrap_err(), AppError::Conflict(_)), "an open exam has no certificate");

        // Every view is audited, with counts and ids but no names.
        let views = entries(&store, AuditKind::TrainingViewed).await;
        let report_view = views.iter().find(|e| e.details.as_ref().unwrap()["read"] == "report").unwrap();
        assert_eq!(report_view.actor.as_deref(), Some("st-po"));
        assert_eq!(report_view.details.as_ref().unwrap()["overdue"], 1);
        assert!(views.iter().any(|e| e.details.as_ref().unwrap()["read"] == "certificate" && e.actor.as_deref() == Some("st-b")));
        assert_eq!(entries(&store, AuditKind::TrainingPolicyChanged).await.len(), 1);
        for kind in [
            AuditKind::ExamDrawn,
            AuditKind::ExamAnswered,
            AuditKind::ExamCompleted,
            AuditKind::TrainingViewed,
            AuditKind::TrainingPolicyChanged,
        ] {
            for e in entries(&store, kind).await {
                let text = e.details.unwrap().to_string();
                assert!(!["Avery", "Blake", "Casey", "Pat Oversight"].iter().any(|n| text.contains(n)), "{kind}: {text}");
            }
        }
        assert_eq!(entries(&store, AuditKind::ExamCompleted).await.len(), 3);
        assert!(store.verify_audit(&LogSigningKey::from_seed(&[9; 32]).verifying_key(), None).await.unwrap().problem.is_none());
    }
}
