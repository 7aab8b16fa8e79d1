//! Practice exams: N questions drawn across topics, scored by topic, with the
//! missed ones listed for review with their explanations.

use serde::Serialize;

use crate::hash::fnv1a;
use crate::question::Question;
use crate::topic::Topic;

/// Picks `n` questions (fewer if the bank is smaller), optionally from one
/// topic, spread round-robin over topics so every topic is asked; `seed`
/// varies which questions, and the same seed gives the same exam.
pub fn build_exam(bank: &[Question], n: usize, topic: Option<Topic>, seed: u64) -> Vec<&Question> {
    let seed_text = seed.to_string();
    let mut per_topic: Vec<Vec<&Question>> = Topic::ALL
        .iter()
        .filter(|t| topic.is_none_or(|only| only == **t))
        .map(|t| {
            let mut qs: Vec<&Question> = bank.iter().filter(|q| q.topic == *t).collect();
            qs.sort_by_key(|q| fnv1a(&[&seed_text, &q.id]));
            qs
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n && per_topic.iter().any(|qs| !qs.is_empty()) {
        for qs in per_topic.iter_mut() {
            if out.len() >= n {
                break;
            }
            if !qs.is_empty() {
                out.push(qs.remove(0));
            }
        }
    }
    out
}

/// One topic's score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopicScore {
    /// The topic.
    pub topic: Topic,
    /// Questions of this topic answered right.
    pub correct: usize,
    /// Questions of this topic asked.
    pub asked: usize,
}

/// A scored exam.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExamResult {
    /// Questions asked.
    pub asked: usize,
    /// Questions answered right.
    pub correct: usize,
    /// Topics that were asked, in [`Topic::ALL`] order.
    pub by_topic: Vec<TopicScore>,
    /// Ids of the questions answered wrong (or not answered), in exam order.
    pub missed: Vec<String>,
}

/// Scores answers (`answers[i]` is the chosen option of `questions[i]`,
/// `None` for a skipped question).
pub fn score_exam(questions: &[&Question], answers: &[Option<usize>]) -> ExamResult {
    let mut by_topic: Vec<TopicScore> = Vec::new();
    let mut missed = Vec::new();
    let mut correct = 0;
    for (i, q) in questions.iter().enumerate() {
        let right = answers.get(i).copied().flatten() == Some(q.key);
        if right {
            correct += 1;
        } else {
            missed.push(q.id.clone());
        }
        match by_topic.iter_mut().find(|s| s.topic == q.topic) {
            Some(s) => {
                s.asked += 1;
                s.correct += usize::from(right);
            }
            None => by_topic.push(TopicScore { topic: q.topic, correct: usize::from(right), asked: 1 }),
        }
    }
    by_topic.sort_by_key(|s| s.topic);
    ExamResult { asked: questions.len(), correct, by_topic, missed }
}
