//! Training over the API: practice that schedules and scores for the
//! learner, and exams whose keys stay hidden until answered.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use confidant_store::testing::test_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn practice_over_http_schedules_answers_and_scores_exams_for_the_learner() {
    let server = sqlite_server().await;
    let (peer, csrf) = server.session(PEER).await;
    let next: Value = peer.get(server.url("/v1/training/next")).send().await.unwrap().json().await.unwrap();
    assert_ne!(next["kind"], "none");
    // Answer the first question of the bank wrongly: the key and every option's rationale come back.
    let bank: Value = peer.get(server.url("/v1/training/questions")).send().await.unwrap().json().await.unwrap();
    let q = &bank.as_array().unwrap()[0];
    let options = q["options"].as_array().unwrap().len();
    let answered: Value = peer
        .post(server.url("/v1/training/answers"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "question": q["id"], "answer": 0 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = answered["key"].as_u64().unwrap() as usize;
    assert_eq!(answered["correct"], key == 0);
    assert_eq!(answered["rationales"].as_array().unwrap().len(), options);
    let progress: Value = peer.get(server.url("/v1/training/progress")).send().await.unwrap().json().await.unwrap();
    let reviewed: u64 = progress["topics"].as_array().unwrap().iter().map(|t| t["reviewed"].as_u64().unwrap()).sum();
    assert_eq!(reviewed, 1);
    let exam = peer.post(server.url("/v1/training/exams")).header("x-csrf-token", &csrf).json(&json!({ "count": 5 })).send().await.unwrap();
    assert_eq!(exam.status(), StatusCode::CREATED);
    let exam: Value = exam.json().await.unwrap();
    let questions = exam["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 5);
    let answers: Vec<Value> = questions.iter().map(|q| json!({ "question": q["id"], "answer": 0 })).collect();
    let id = exam["id"].as_str().unwrap();
    let saved = peer
        .post(server.url(&format!("/v1/training/exams/{id}/answers")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "answers": answers }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let scored: Value = peer
        .post(server.url(&format!("/v1/training/exams/{id}/submit")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(scored["result"]["asked"], 5);
    let progress: Value = peer.get(server.url("/v1/training/progress")).send().await.unwrap().json().await.unwrap();
    assert_eq!(progress["exams"].as_array().unwrap().len(), 1);
    assert_eq!(progress["exams"][0]["exam_id"], id);
    let (status, _) = problem(
        peer.post(server.url("/v1/training/reviews"))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "card": "nope", "rating": "good" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn a_learners_session_cannot_read_exam_keys_before_answering_and_a_submitted_exam_keeps_its_score() {
    for db in test_databases().await {
        let server = Server::start(db).await;
        let (peer, csrf) = server.session(PEER).await;
        let secret = ["key", "rationales", "explanation", "cites", "request", "claims"];
        let hides = |q: &Value| secret.iter().all(|f| q.get(*f).is_none());

        // The bank without keys, rationales or the requests they were decided from.
        let bank: Value = peer.get(server.url("/v1/training/questions")).send().await.unwrap().json().await.unwrap();
        assert!(bank.as_array().unwrap().iter().all(hides), "a learner's bank carries no keys");
        // The privacy officer reviews the bank with them.
        let (officer, _) = server.session(OFFICER).await;
        let full: Value = officer.get(server.url("/v1/training/questions")).send().await.unwrap().json().await.unwrap();
        assert!(
            full.as_array()
                .unwrap()
                .iter()
                .all(|q| q.get("key").is_some() && q["rationales"].as_array().unwrap().len() == q["options"].as_array().unwrap().len())
        );

        // An exam is drawn on the server; neither drawing nor reading it shows keys.
        let exam: Value = peer
            .post(server.url("/v1/training/exams"))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "count": 4 }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = exam["id"].as_str().unwrap().to_string();
        assert_eq!(exam["submitted"], false);
        assert!(exam["questions"].as_array().unwrap().iter().all(hides), "{exam}");
        let read: Value = peer.get(server.url(&format!("/v1/training/exams/{id}"))).send().await.unwrap().json().await.unwrap();
        assert!(read["questions"].as_array().unwrap().iter().all(hides) && read["result"].is_null(), "{read}");
        // Nor does practising one of its questions: the answer would show the key.
        let first = read["questions"][0]["id"].clone();
        let (status, body) = problem(
            peer.post(server.url("/v1/training/answers"))
                .header("x-csrf-token", &csrf)
                .json(&json!({ "question": first, "answer": 0 }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("open exam"), "{body}");
        // Answers saved against the draw come back without keys either.
        let answers: Vec<Value> =
            read["questions"].as_array().unwrap().iter().map(|q| json!({ "question": q["id"], "answer": 1 })).collect();
        let saved: Value = peer
            .post(server.url(&format!("/v1/training/exams/{id}/answers")))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "answers": answers }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(saved["questions"].as_array().unwrap().iter().all(hides), "{saved}");
        assert!(saved["questions"].as_array().unwrap().iter().all(|q| q["answer"] == 1));
        // Bad answers are problems naming the field.
        let (status, body) = problem(
            peer.post(server.url(&format!("/v1/training/exams/{id}/answers")))
                .header("x-csrf-token", &csrf)
                .json(&json!({ "answers": [{ "question": "q-nope", "answer": 0 }] }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["detail"].as_str().unwrap().starts_with("answers/0/question:"), "{body}");
        // Another learner's session sees nothing of it.
        let (therapist, therapist_csrf) = server.session(THERAPIST).await;
        let (status, _) = problem(therapist.get(server.url(&format!("/v1/training/exams/{id}"))).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = problem(
            therapist
                .post(server.url(&format!("/v1/training/exams/{id}/submit")))
                .header("x-csrf-token", &therapist_csrf)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Submitted: the keys and rationales now, scored from the stored draw.
        let scored: Value = peer
            .post(server.url(&format!("/v1/training/exams/{id}/submit")))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(scored["first_submission"], true);
        let right = scored["questions"].as_array().unwrap().iter().filter(|q| q["key"] == 1).count();
        assert_eq!(scored["result"]["correct"], right, "{scored}");
        assert!(scored["questions"].as_array().unwrap().iter().all(|q| q["rationales"].as_array().is_some()));
        // Scored twice: the same score.
        let again: Value = peer
            .post(server.url(&format!("/v1/training/exams/{id}/submit")))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(again["first_submission"], false);
        assert_eq!(again["result"], scored["result"]);
        // Answered after submission (now knowing the keys): refused, and the score stands.
        let keyed: Vec<Value> =
            scored["questions"].as_array().unwrap().iter().map(|q| json!({ "question": q["id"], "answer": q["key"] })).collect();
        let (status, body) = problem(
            peer.post(server.url(&format!("/v1/training/exams/{id}/answers")))
                .header("x-csrf-token", &csrf)
                .json(&json!({ "answers": keyed }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body["detail"].as_str().unwrap().contains("answers after submission change nothing"), "{body}");
        let later: Value = peer.get(server.url(&format!("/v1/training/exams/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(later["result"], scored["result"]);

        // The report is the privacy officer's; the learner reads their own certificate only.
        let (status, _) = problem(peer.get(server.url("/v1/training/report")).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let report: Value = officer.get(server.url("/v1/training/report")).send().await.unwrap().json().await.unwrap();
        let line = report["staff"].as_array().unwrap().iter().find(|s| s["staff_id"] == PEER).unwrap().clone();
        assert_eq!(line["latest"]["exam_id"], id.as_str());
        let cert: Value = peer.get(server.url(&format!("/v1/training/exams/{id}/certificate"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(cert["exam"]["correct"], right);
        let (status, _) = problem(therapist.get(server.url(&format!("/v1/training/exams/{id}/certificate"))).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let page =
            officer.get(server.url(&format!("/console/training/exams/{id}/certificate"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Certificate of completion") && page.contains(&id), "{page}");
        let page = officer.get(server.url("/console/training/report")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Workforce training") && page.contains(PEER), "{page}");
        let refused = peer.get(server.url("/console/training/report")).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let store = server.store.clone();
        let _db = server.stop().await;
        let completed = store
            .audit_entries(&confidant_store::AuditFilter { kind: Some(confidant_store::AuditKind::ExamCompleted), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(completed.len(), 1);
        assert_eq!(completed[0].actor.as_deref(), Some(PEER));
    }
}
