//! Exam-practice progress in the vault, on SQLite always and on PostgreSQL
//! when `CONFIDANT_TEST_POSTGRES_URL` is set: card state upserts, review
//! history, exams, and refusals (unknown staff, bad rating) that store nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use confidant_store::crypto::Kek;
use confidant_store::{DatabaseUrl, KeyRing, NewStaff, StaffRole, Store, StoreError, TrainingCard, TrainingExam, TrainingReview};
use sqlx::{AssertSqlSafe, Connection};

async fn targets() -> Vec<(DatabaseUrl, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(DatabaseUrl::sqlite_file(&dir.path().join("confidant.sqlite")), dir)];
    if let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL")
        && !base.is_empty()
    {
        let mut bytes = [0u8; 6];
        rand::fill(&mut bytes);
        let name = format!("confidant_test_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        let (head, query) = match base.split_once('?') {
            Some((h, q)) => (h.to_string(), format!("?{q}")),
            None => (base.clone(), String::new()),
        };
        let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
        let url = match head[scheme_end..].find('/') {
            Some(slash) => format!("{}/{name}{query}", &head[..scheme_end + slash]),
            None => format!("{head}/{name}{query}"),
        };
        out.push((DatabaseUrl::new(url), tempfile::tempdir().unwrap()));
    }
    out
}

async fn store(url: &DatabaseUrl) -> (Store, String) {
    let store = Store::create(url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
    let staff = store
        .add_staff(NewStaff {
            id: Some("st-ana".into()),
            display_name: "Ana".into(),
            role: StaffRole::parse("peer_support_specialist").unwrap(),
        })
        .await
        .unwrap();
    (store, staff)
}

fn card(id: &str, due: i64, reps: i64, stability: f64) -> TrainingCard {
    TrainingCard {
        card_id: id.into(),
        due,
        stability,
        difficulty: 5.25,
        elapsed_days: 0,
        scheduled_days: 3,
        reps,
        lapses: 0,
        state: 2,
        last_review: due - 3 * 86_400,
    }
}

fn review(id: &str, rating: &str, at: i64) -> TrainingReview {
    TrainingReview { card_id: id.into(), rating: rating.into(), reviewed_at: at, elapsed_days: 0, scheduled_days: 3, state: 1 }
}

#[tokio::test]
async fn card_states_round_trip_and_a_second_review_replaces_the_state_and_extends_history() {
    for (url, _dir) in targets().await {
        let (store, staff) = store(&url).await;
        store.record_training_review(&staff, &card("q-1", 1_000, 1, 3.1262), &review("q-1", "good", 100)).await.unwrap();
        store.record_training_review(&staff, &card("card-part2", 2_000, 1, 0.4072), &review("card-part2", "again", 150)).await.unwrap();
        store.record_training_review(&staff, &card("q-1", 9_000, 2, 15.5), &review("q-1", "easy", 200)).await.unwrap();
        let cards = store.training_cards(&staff).await.unwrap();
        assert_eq!(cards, vec![card("card-part2", 2_000, 1, 0.4072), card("q-1", 9_000, 2, 15.5)]);
        let history = store.training_reviews(&staff).await.unwrap();
        assert_eq!(
            history.iter().map(|r| (r.card_id.as_str(), r.rating.as_str())).collect::<Vec<_>>(),
            vec![("q-1", "good"), ("card-part2", "again"), ("q-1", "easy")]
        );
        assert!(store.training_cards("st-other").await.unwrap().is_empty());
        store.close().await;
    }
}

#[tokio::test]
async fn exams_round_trip_with_scores_by_topic_and_missed_ids() {
    for (url, _dir) in targets().await {
        let (store, staff) = store(&url).await;
        let exam = TrainingExam {
            taken_at: 5_000,
            asked: 4,
            correct: 3,
            by_topic: serde_json::json!([{ "topic": "duty_to_protect", "correct": 1, "asked": 2 }, { "topic": "client_rights", "correct": 2, "asked": 2 }]),
            missed: vec!["q-abc".into()],
        };
        store.record_training_exam(&staff, &exam).await.unwrap();
        assert_eq!(store.training_exams(&staff).await.unwrap(), vec![exam]);
        store.close().await;
    }
}

#[tokio::test]
async fn unknown_staff_bad_ratings_and_impossible_scores_are_refused_and_store_nothing() {
    for (url, _dir) in targets().await {
        let (store, staff) = store(&url).await;
        let err = store.record_training_review("st-nobody", &card("q-1", 1, 1, 1.0), &review("q-1", "good", 1)).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound { kind: "staff", .. }), "{err}");
        let err = store.record_training_review(&staff, &card("q-1", 1, 1, 1.0), &review("q-1", "meh", 1)).await.unwrap_err();
        assert!(err.is_bad_input() && err.to_string().starts_with("rating:"), "{err}");
        let err = store.record_training_review(&staff, &card("q-1", 1, 1, 1.0), &review("q-2", "good", 1)).await.unwrap_err();
        assert!(err.is_bad_input(), "{err}");
        let bad = TrainingExam { taken_at: 1, asked: 2, correct: 3, by_topic: serde_json::json!([]), missed: vec![] };
        assert!(store.record_training_exam(&staff, &bad).await.unwrap_err().is_bad_input());
        assert!(store.record_training_exam("st-nobody", &TrainingExam { correct: 1, ..bad }).await.is_err());
        assert!(store.training_cards(&staff).await.unwrap().is_empty());
        assert!(store.training_reviews(&staff).await.unwrap().is_empty());
        assert!(store.training_exams(&staff).await.unwrap().is_empty());
        store.close().await;
    }
}
