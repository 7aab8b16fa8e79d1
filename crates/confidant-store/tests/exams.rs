//! Exams held by the vault (migration 8), on SQLite and on PostgreSQL when
//! configured: a draw and its answers change only while it is open; once
//! submitted the row is a training record that no UPDATE or DELETE touches,
//! from this code (conditional updates) or from anyone with the database
//! (triggers); each write lands with its audit entry; the training policy
//! has defaults and checked ranges.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_audit::LogSigningKey;
use confidant_store::crypto::Kek;
use confidant_store::testing::test_databases;
use confidant_store::{
    AuditEvent, AuditFilter, AuditKind, DrawnQuestion, ExamCompletion, KeyRing, NewStaff, StaffRole, Store, TopicTally, TrainingPolicy,
    WITNESS_FILE_NAME,
};

fn question(id: &str, key: u32) -> DrawnQuestion {
    DrawnQuestion { id: id.into(), topic: "duty_to_protect".into(), key, options: 4 }
}

#[tokio::test]
async fn a_submitted_exam_is_a_training_record_that_nothing_changes_or_deletes() {
    for db in test_databases().await {
        let mut store = Store::create(&db.url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
        store.enable_audit(LogSigningKey::from_seed(&[3; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
        store
            .add_staff(NewStaff { id: Some("st-1".into()), display_name: "Learner".into(), role: StaffRole::PeerSupportSpecialist })
            .await
            .unwrap();
        assert_eq!(store.training_policy().await.unwrap(), TrainingPolicy { pass_percent: 80, interval_months: 12 });

        let event = || AuditEvent::new(AuditKind::ExamDrawn, Some("st-1"));
        let exam = store.draw_exam_audited("st-1", "sha256:abc", vec![question("q-1", 2), question("q-2", 0)], event()).await.unwrap();
        assert!(store.draw_exam_audited("st-nobody", "sha256:abc", vec![question("q-1", 2)], event()).await.is_err());
        assert!(store.draw_exam_audited("st-1", "sha256:abc", Vec::new(), event()).await.is_err());
        assert_eq!(store.open_exams("st-1").await.unwrap().len(), 1);
        assert!(
            store
                .save_exam_answers_audited(&exam.id, &[Some(2), Some(1)], AuditEvent::new(AuditKind::ExamAnswered, Some("st-1")))
                .await
                .unwrap()
        );
        // The wrong number of answers is not stored.
        assert!(
            !store.save_exam_answers_audited(&exam.id, &[Some(2)], AuditEvent::new(AuditKind::ExamAnswered, Some("st-1"))).await.unwrap()
        );

        let done = ExamCompletion {
            submitted_at: 1_000,
            correct: 1,
            asked: 2,
            by_topic: vec![TopicTally { topic: "duty_to_protect".into(), correct: 1, asked: 2 }],
            pass_percent: 80,
            passed: false,
        };
        let completed = || AuditEvent::new(AuditKind::ExamCompleted, Some("st-1"));
        assert!(store.complete_exam_audited(&exam.id, &[Some(2), Some(1)], &done, completed()).await.unwrap());
        // A second completion and later answers are no-ops, and not audited.
        let better = ExamCompletion { correct: 2, passed: true, ..done.clone() };
        assert!(!store.complete_exam_audited(&exam.id, &[Some(2), Some(0)], &better, completed()).await.unwrap());
        assert!(
            !store
                .save_exam_answers_audited(&exam.id, &[Some(2), Some(0)], AuditEvent::new(AuditKind::ExamAnswered, Some("st-1")))
                .await
                .unwrap()
        );
        let stored = store.exam_draw(&exam.id).await.unwrap();
        assert_eq!(stored.completion.as_ref(), Some(&done), "{}", db.name());
        assert_eq!(stored.answers, vec![Some(2), Some(1)]);
        assert_eq!(store.completed_exams(Some("st-1")).await.unwrap().len(), 1);
        assert!(store.open_exams("st-1").await.unwrap().is_empty());
        let filter = |kind| AuditFilter { kind: Some(kind), ..AuditFilter::default() };
        assert_eq!(store.audit_entries(&filter(AuditKind::ExamCompleted)).await.unwrap().len(), 1);
        assert_eq!(store.audit_entries(&filter(AuditKind::ExamAnswered)).await.unwrap().len(), 1);

        // Whoever holds the database cannot rewrite or remove the record.
        for sql in ["UPDATE training_exam_draws SET correct = 2, passed = 1", "DELETE FROM training_exam_draws"] {
            let refused = sqlx::query(sql).execute(store.pool()).await;
            assert!(refused.is_err(), "{}: {sql} was allowed", db.name());
        }
        assert_eq!(store.exam_draw(&exam.id).await.unwrap().completion, Some(done));

        // The policy: ranges checked, the change audited with it.
        let change = || AuditEvent::new(AuditKind::TrainingPolicyChanged, None);
        assert!(store.set_training_policy_audited(TrainingPolicy { pass_percent: 101, interval_months: 12 }, change()).await.is_err());
        assert!(store.set_training_policy_audited(TrainingPolicy { pass_percent: 70, interval_months: 0 }, change()).await.is_err());
        store.set_training_policy_audited(TrainingPolicy { pass_percent: 70, interval_months: 24 }, change()).await.unwrap();
        assert_eq!(store.training_policy().await.unwrap(), TrainingPolicy { pass_percent: 70, interval_months: 24 });
        assert_eq!(store.audit_entries(&filter(AuditKind::TrainingPolicyChanged)).await.unwrap().len(), 1);
    }
}
