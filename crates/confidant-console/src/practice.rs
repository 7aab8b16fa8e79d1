//! The learner's pages: a dashboard with mastery per topic as a bar chart
//! (an SVG with the numbers also written out, so a screen reader gets the
//! same), one question or flashcard at a time, the explanation after an
//! answer, and practice exams scored by topic.

use confidant_training::{ExamResult, Flashcard, Mastery, Question};
use maud::{Markup, PreEscaped, html};

use crate::components::{Viewer, csrf_field, frame};

fn letter(i: usize) -> char {
    char::from(b'a' + u8::try_from(i).unwrap_or(0))
}

/// A past exam for the dashboard.
pub struct PastExam {
    pub day: String,
    pub correct: i64,
    pub asked: i64,
}

/// Mastery per topic as horizontal bars.
fn chart(mastery: &[Mastery]) -> Markup {
    let row = 28;
    let height = row * mastery.len() + 8;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 640 {height}\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\"><title id=\"chart-title\">Mastery per topic</title>"
    );
    for (i, m) in mastery.iter().enumerate() {
        let y = 4 + i * row;
        let width = (m.mastery.clamp(0.0, 1.0) * 360.0).round();
        let title = maud::html! { (m.topic.title()) }.into_string();
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\" font-size=\"13\" fill=\"#1a1a1a\">{title}</text>\
             <rect x=\"230\" y=\"{y}\" width=\"360\" height=\"18\" fill=\"#e6e9ee\"/>\
             <rect x=\"230\" y=\"{y}\" width=\"{width}\" height=\"18\" fill=\"#0b4f8a\"/>\
             <text x=\"598\" y=\"{ty}\" font-size=\"13\" fill=\"#1a1a1a\">{pct}%</text>",
            ty = y + 14,
            pct = (m.mastery * 100.0).round() as i64
        ));
    }
    svg.push_str("</svg>");
    html! { (PreEscaped(svg)) }
}

pub fn practice_dashboard(viewer: &Viewer, mastery: &[Mastery], due: usize, exams: &[PastExam]) -> Markup {
    frame(
        Some(viewer),
        "Practice for the exam",
        None,
        html! {
            p { "Questions are built from real situations and answered by the same rules Confidant enforces, so what you practise is what the software does." }
            p.actions {
                a.button href="/console/practice/next" { "Practise now" }
                span { (due) " reviews due" }
            }
            h2 { "Mastery per topic" }
            (chart(mastery))
            table {
                caption.visually-hidden { "Mastery per topic" }
                thead { tr { th scope="col" { "Topic" } th scope="col" { "Mastery" } th scope="col" { "Reviewed" } } }
                tbody {
                    @for m in mastery {
                        tr { td { (m.topic.title()) } td { ((m.mastery * 100.0).round() as i64) "%" } td { (m.reviewed) " of " (m.items) } }
                    }
                }
            }
            h2 { "Practice exam" }
            form.inline method="get" action="/console/practice/exam" {
                label for="n" { "Questions" }
                input #n name="n" type="number" min="1" max="60" value="10";
                button type="submit" { "Start an exam" }
            }
            @if !exams.is_empty() {
                h2 { "Past exams" }
                ul { @for e in exams { li { (e.day) ": " (e.correct) " of " (e.asked) } } }
            }
        },
    )
}

/// One question to answer; the hint is behind a disclosure widget.
pub fn practice_question(viewer: &Viewer, q: &Question) -> Markup {
    frame(
        Some(viewer),
        "Practice",
        None,
        html! {
            p.muted { (q.topic.title()) }
            form.card method="post" action="/console/practice/answer" {
                (csrf_field(viewer))
                input type="hidden" name="question" value=(q.id);
                fieldset {
                    legend { (q.stem) }
                    @for (i, option) in q.options.iter().enumerate() {
                        label.check { input type="radio" name="answer" value=(i) required; " " (letter(i)) ") " (option) }
                    }
                }
                details { summary { "Hint" } p { (q.hint) } }
                label.check { input type="checkbox" name="used_hint" value="true"; " I used the hint" }
                button type="submit" { "Answer" }
            }
        },
    )
}

/// After an answer: right or wrong, the key, the explanation and cites.
pub fn practice_feedback(viewer: &Viewer, q: &Question, chosen: usize, next_href: &str) -> Markup {
    let right = chosen == q.key;
    frame(
        Some(viewer),
        "Practice",
        None,
        html! {
            p class=(if right { "verdict permit" } else { "verdict deny" }) role="status" {
                strong { @if right { "Right." } @else { "Not quite." } }
            }
            p { (q.stem) }
            @if !right { p { "Your answer: " (letter(chosen)) ") " (q.options.get(chosen).map_or("", String::as_str)) } }
            p { "The answer: " strong { (letter(q.key)) ") " (q.options.get(q.key).map_or("", String::as_str)) } }
            h2 { "Why" }
            p { (q.explanation) }
            p.muted { @for c in &q.cites { span.cite { (c) } " " } }
            p { a.button href=(next_href) { "Next" } " " a href="/console/practice" { "Back to the dashboard" } }
        },
    )
}

/// A flashcard: the front, the back behind a disclosure widget, and a rating.
pub fn practice_flashcard(viewer: &Viewer, card: &Flashcard) -> Markup {
    frame(
        Some(viewer),
        "Flashcard",
        None,
        html! {
            p.muted { (card.topic.title()) }
            section.card {
                p { strong { (card.front) } }
                details { summary { "Show the answer" } p { (card.back) } p.muted { (card.cites.join("; ")) } }
            }
            form.inline method="post" action="/console/practice/rate" {
                (csrf_field(viewer))
                input type="hidden" name="card" value=(card.id);
                span { "How well did you know it?" }
                @for r in ["again", "hard", "good", "easy"] { button type="submit" name="rating" value=(r) { (r) } }
            }
        },
    )
}

/// An exam: every question on one page.
pub fn practice_exam(viewer: &Viewer, questions: &[&Question], seed: u64) -> Markup {
    frame(
        Some(viewer),
        "Practice exam",
        None,
        html! {
            form method="post" action="/console/practice/exam" {
                (csrf_field(viewer))
                input type="hidden" name="seed" value=(seed);
                @for (n, q) in questions.iter().enumerate() {
                    input type="hidden" name="question" value=(q.id);
                    fieldset.card {
                        legend { (n + 1) ". " (q.stem) }
                        @for (i, option) in q.options.iter().enumerate() {
                            label.check { input type="radio" name={ "answer-" (q.id) } value=(i); " " (letter(i)) ") " (option) }
                        }
                    }
                }
                button type="submit" { "Score my exam" }
            }
        },
    )
}

/// The score by topic and a review of the missed questions.
pub fn practice_exam_result(viewer: &Viewer, result: &ExamResult, missed: &[(&Question, Option<usize>)]) -> Markup {
    frame(
        Some(viewer),
        "Exam result",
        None,
        html! {
            p.verdict.permit role="status" { strong { (result.correct) " of " (result.asked) " right" } }
            table {
                thead { tr { th scope="col" { "Topic" } th scope="col" { "Right" } } }
                tbody { @for t in &result.by_topic { tr { td { (t.topic.title()) } td { (t.correct) " of " (t.asked) } } } }
            }
            @if !missed.is_empty() { h2 { "Review what you missed" } }
            @for (q, chosen) in missed {
                section.card {
                    p { strong { (q.stem) } }
                    p { "Your answer: " @match chosen { Some(c) => { (letter(*c)) ") " (q.options.get(*c).map_or("", String::as_str)) }, None => "none" } }
                    p { "The answer: " (letter(q.key)) ") " (q.options.get(q.key).map_or("", String::as_str)) }
                    p { (q.explanation) }
                    p.muted { (q.cites.join("; ")) }
                }
            }
            p { a href="/console/practice" { "Back to the dashboard" } }
        },
    )
}
