//! FSRS scheduling against the intervals rs-fsrs's own test suite expects for
//! a known review history (`test_basic_scheduler_interval`: default
//! parameters, start 2022-11-29 12:30 UTC, each review on the due date),
//! plus the due queue, mastery, answer ratings and exam scoring.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use confidant_policy::Engine;
use confidant_training::{
    Rating, Scheduler, StudyItem, Topic, build_exam, due_queue, generate_bank, mastery, rating_for_answer, score_exam,
};

const START: i64 = 1_669_725_000; // 2022-11-29 12:30:00 UTC

#[test]
fn fsrs_intervals_match_the_crates_expected_history() {
    use Rating::*;
    let history = [Good, Good, Good, Good, Good, Good, Again, Again, Good, Good, Good, Good, Good];
    let expected = [0, 4, 15, 48, 136, 351, 0, 0, 7, 13, 24, 43, 77];
    let scheduler = Scheduler::new();
    let mut state = None;
    let mut now = START;
    let mut intervals = Vec::new();
    for rating in history {
        let (next, log) = scheduler.review("c", state.as_ref(), rating, now);
        assert_eq!(log.reviewed_at, now);
        intervals.push(next.scheduled_days);
        now = next.due;
        state = Some(next);
    }
    assert_eq!(intervals, expected);
    let last = state.unwrap();
    assert_eq!(last.reps, 13);
    assert_eq!(last.lapses, 1);
}

#[test]
fn due_queue_puts_overdue_first_then_new_and_skips_not_yet_due() {
    let items: Vec<StudyItem> =
        ["a", "b", "c", "d"].iter().map(|id| StudyItem { id: id.to_string(), topic: Topic::ClientRights }).collect();
    let s = Scheduler::new();
    let mut states = HashMap::new();
    let (a, _) = s.review("a", None, Rating::Easy, START); // due in days
    let (b, _) = s.review("b", None, Rating::Again, START); // due in minutes
    let (c, _) = s.review("c", None, Rating::Again, START - 3600);
    states.insert("a".to_string(), a);
    states.insert("b".to_string(), b);
    states.insert("c".to_string(), c);
    let queue = due_queue(&items, &states, START + 86_400);
    assert_eq!(queue, vec!["c", "b", "d"]);
}

#[test]
fn mastery_rises_with_good_reviews_and_unseen_items_count_as_zero() {
    let items: Vec<StudyItem> =
        vec![StudyItem { id: "x".into(), topic: Topic::DutyToProtect }, StudyItem { id: "y".into(), topic: Topic::DutyToProtect }];
    let s = Scheduler::new();
    let mut states = HashMap::new();
    let before = mastery(&items, &states, START);
    assert_eq!(before.len(), Topic::ALL.len());
    let duty = before.iter().find(|m| m.topic == Topic::DutyToProtect).unwrap();
    assert_eq!((duty.items, duty.reviewed, duty.mastery), (2, 0, 0.0));
    let (x, _) = s.review("x", None, Rating::Good, START);
    states.insert("x".to_string(), x);
    let after = mastery(&items, &states, START + 86_400);
    let duty = after.iter().find(|m| m.topic == Topic::DutyToProtect).unwrap();
    assert_eq!(duty.reviewed, 1);
    assert!(duty.mastery > 0.3 && duty.mastery <= 0.5, "{}", duty.mastery);
}

#[test]
fn answers_rate_again_when_wrong_hard_with_hint_good_without() {
    assert_eq!(rating_for_answer(false, false), Rating::Again);
    assert_eq!(rating_for_answer(false, true), Rating::Again);
    assert_eq!(rating_for_answer(true, true), Rating::Hard);
    assert_eq!(rating_for_answer(true, false), Rating::Good);
}

#[test]
fn exams_spread_over_topics_and_score_by_topic_listing_missed() {
    let bank = generate_bank(&Engine::new().unwrap()).unwrap();
    let exam = build_exam(&bank, 20, None, 7);
    assert_eq!(exam.len(), 20);
    for topic in Topic::ALL {
        assert_eq!(exam.iter().filter(|q| q.topic == *topic).count(), 2, "{topic}");
    }
    assert_eq!(build_exam(&bank, 20, None, 7), exam, "same seed, same exam");
    let answers: Vec<Option<usize>> = exam.iter().enumerate().map(|(i, q)| if i % 2 == 0 { Some(q.key) } else { None }).collect();
    let result = score_exam(&exam, &answers);
    assert_eq!((result.asked, result.correct), (20, 10));
    assert_eq!(result.missed.len(), 10);
    assert_eq!(result.by_topic.iter().map(|t| t.asked).sum::<usize>(), 20);
    let only = build_exam(&bank, 5, Some(Topic::SubstanceUseRecords), 1);
    assert!(only.iter().all(|q| q.topic == Topic::SubstanceUseRecords));
}
