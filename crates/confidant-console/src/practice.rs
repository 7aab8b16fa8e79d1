//! The learner's pages: a dashboard with mastery per topic as a bar chart
//! (an SVG with the numbers also written out, so a screen reader gets the
//! same), one question or flashcard at a time, the explanation after an
//! answer with the rationale of every option, exams held by the server
//! (answered against the stored draw, scored once, reviewed with the
//! rationales), the privacy officer's training report, and a printable
//! certificate per completed exam.

use confidant_training::records::topic_title;
use confidant_training::{Certificate, ExamSummary, Flashcard, Mastery, Question, TrainingReport, TrainingStatus};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::components::{Viewer, csrf_field, frame, humanize};
use crate::routes;

fn letter(i: usize) -> char {
    char::from(b'a' + u8::try_from(i).unwrap_or(0))
}

/// A completed exam for the dashboard.
pub struct PastExam {
    /// The exam's id.
    pub id: String,
    /// The day it was submitted.
    pub day: String,
    /// Correct answers.
    pub correct: u32,
    /// Questions scored.
    pub asked: u32,
    /// Whether it passed the pass mark.
    pub passed: bool,
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

/// The practice dashboard: mastery by topic, cards due, and past exams.
pub fn practice_dashboard(viewer: &Viewer, mastery: &[Mastery], due: usize, exams: &[PastExam]) -> Markup {
    frame(
        Some(viewer),
        "Practice for the exam",
        None,
        html! {
            p { "Questions are built from real situations and answered by the same rules Confidant enforces, so what you practise is what the software does." }
            p.actions {
                a.button href=(routes::PRACTICE_NEXT) { "Practise now" }
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
            h2 { "Exam" }
            p { "An exam is drawn and kept by the server; it is scored once, when you submit it, and becomes your training record." }
            form.inline method="post" action=(routes::PRACTICE_EXAM) {
                (csrf_field(viewer))
                label for="n" { "Questions" }
                input #n name="n" type="number" min="1" max="60" value="10";
                button type="submit" { "Start an exam" }
            }
            @if !exams.is_empty() {
                h2 { "Your training record" }
                table {
                    thead { tr { th scope="col" { "Day" } th scope="col" { "Score" } th scope="col" { "Result" } th scope="col" { "Certificate" } } }
                    tbody {
                        @for e in exams {
                            tr {
                                td { (e.day) }
                                td { (e.correct) " of " (e.asked) }
                                td { (pass_badge(e.passed)) }
                                td { a href=(routes::certificate(&e.id)) { "Certificate" } }
                            }
                        }
                    }
                }
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
            form.card method="post" action=(routes::PRACTICE_ANSWER) {
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

fn pass_badge(passed: bool) -> Markup {
    html! { @if passed { span.badge.badge-ok { "passed" } } @else { span.badge.badge-bad { "not passed" } } }
}

/// Every option with why it is right or wrong, the key and the chosen one
/// marked. Shown only after the question was answered.
fn rationales(q: &Question, chosen: Option<usize>) -> Markup {
    html! {
        ol.rationales type="a" {
            @for (i, option) in q.options.iter().enumerate() {
                li class={ @if i == q.key { "key" } @if chosen == Some(i) { " chosen" } } {
                    (option)
                    @if i == q.key { " " span.badge.badge-ok { "the answer" } }
                    @if chosen == Some(i) { " " span.badge { "your answer" } }
                    p.why { (q.rationales.get(i).map_or("", String::as_str)) }
                }
            }
        }
    }
}

/// After an answer: right or wrong, the key, why each option is right or
/// wrong, the explanation and cites.
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
            h2 { "Why each option is right or wrong" }
            (rationales(q, Some(chosen)))
            h2 { "What the rules say" }
            p { (q.explanation) }
            p.muted { @for c in &q.cites { span.cite { (c) } " " } }
            p { a.button href=(next_href) { "Next" } " " a href=(routes::PRACTICE) { "Back to the dashboard" } }
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
            form.inline method="post" action=(routes::PRACTICE_RATE) {
                (csrf_field(viewer))
                input type="hidden" name="card" value=(card.id);
                span { "How well did you know it?" }
                @for r in ["again", "hard", "good", "easy"] { button type="submit" name="rating" value=(r) { (r) } }
            }
        },
    )
}

/// One question of a held exam, for its form or its review: the question
/// (`None` when it is no longer in this server's bank), the stored answer
/// and, for a review only, the stored key.
pub struct ExamItem<'a> {
    /// The question, if still in the bank.
    pub question: Option<&'a Question>,
    /// The answer given, if any.
    pub answer: Option<usize>,
    /// The right answer (reviews only).
    pub key: Option<usize>,
}

/// An exam held by the server: every question on one page, posted back
/// against the stored draw. No key or rationale is on this page.
pub fn practice_exam(viewer: &Viewer, exam_id: &str, items: &[ExamItem<'_>]) -> Markup {
    frame(
        Some(viewer),
        "Exam",
        None,
        html! {
            p.muted { "Exam " code { (exam_id) } ". It is scored when you submit it; answers cannot be changed afterwards." }
            form method="post" action=(routes::exam(exam_id)) {
                (csrf_field(viewer))
                @for (n, item) in items.iter().enumerate() {
                    @match item.question {
                        Some(q) => {
                            input type="hidden" name="question" value=(q.id);
                            fieldset.card {
                                legend { (n + 1) ". " (q.stem) }
                                @for (i, option) in q.options.iter().enumerate() {
                                    label.check { input type="radio" name={ "answer-" (q.id) } value=(i) checked[item.answer == Some(i)]; " " (letter(i)) ") " (option) }
                                }
                            }
                        }
                        None => { p.card { (n + 1) ". This question is no longer in the bank; it counts as unanswered." } }
                    }
                }
                button type="submit" { "Submit my exam" }
            }
        },
    )
}

/// A submitted exam: the stored score by topic, pass or fail, the
/// certificate, and every question with its rationales.
pub fn practice_exam_result(viewer: &Viewer, result: &ExamSummary, items: &[ExamItem<'_>]) -> Markup {
    frame(
        Some(viewer),
        "Exam result",
        None,
        html! {
            p class=(if result.passed { "verdict permit" } else { "verdict deny" }) role="status" {
                strong { (result.correct) " of " (result.asked) " right (" (result.percent) "%)" }
                " — " @if result.passed { "passed" } @else { "not passed" } " at " (result.pass_percent) "%"
            }
            p.muted { "Submitted on " (result.completed_on) ". This is your training record; submitting again shows the same score." }
            table {
                thead { tr { th scope="col" { "Topic" } th scope="col" { "Right" } } }
                tbody { @for t in &result.by_topic { tr { td { (topic_title(&t.topic)) } td { (t.correct) " of " (t.asked) } } } }
            }
            p.actions { a.button href=(routes::certificate(&result.exam_id)) { "Certificate" } a href=(routes::PRACTICE) { "Back to the dashboard" } }
            h2 { "Review" }
            @for (n, item) in items.iter().enumerate() {
                section.card {
                    @match item.question {
                        Some(q) => {
                            p { strong { (n + 1) ". " (q.stem) } }
                            p { @if item.answer.is_some() && item.answer == item.key { span.badge.badge-ok { "right" } } @else { span.badge.badge-bad { "missed" } } }
                            @if item.answer.is_none() { p { "Your answer: none" } }
                            (rationales(q, item.answer))
                            p { (q.explanation) }
                            p.muted { (q.cites.join("; ")) }
                        }
                        None => { p { (n + 1) ". This question is no longer in the bank." } }
                    }
                }
            }
        },
    )
}

fn status_badge(status: TrainingStatus) -> Markup {
    match status {
        TrainingStatus::Current => html! { span.badge.badge-ok { "current" } },
        TrainingStatus::Overdue => html! { span.badge.badge-bad { "overdue" } },
        TrainingStatus::Untrained => html! { span.badge.badge-warn { "untrained" } },
    }
}

/// The privacy officer's training report.
pub fn training_report(viewer: &Viewer, report: &TrainingReport) -> Markup {
    frame(
        Some(viewer),
        "Workforce training",
        None,
        html! {
            p { "Training of the workforce must be documented (45 CFR 164.530(b)(2)). An exam passes at "
                (report.policy.pass_percent) "% and keeps a staff member current for " (report.policy.interval_months) " months." }
            p.muted { "As of " (report.as_of) ": "
                (report.count(TrainingStatus::Current)) " current, "
                (report.count(TrainingStatus::Overdue)) " overdue, "
                (report.count(TrainingStatus::Untrained)) " untrained. Also as "
                code { "confidant train report --format csv" } "." }
            table {
                caption.visually-hidden { "Training status per staff member" }
                thead { tr {
                    th scope="col" { "Staff" } th scope="col" { "Role" } th scope="col" { "Status" } th scope="col" { "Last passed" }
                    th scope="col" { "Due" } th scope="col" { "Latest exam" } th scope="col" { "Exams" }
                } }
                tbody {
                    @for s in &report.staff {
                        tr {
                            td { (s.name) br; span.muted { (s.staff_id) } }
                            td { (humanize(s.role)) }
                            td { (status_badge(s.status)) }
                            td { @if let Some(d) = s.last_passed_on { (d) } @else { "—" } }
                            td { @if let Some(d) = s.due_on { (d) } @else { "now" } }
                            td {
                                @if let Some(l) = &s.latest {
                                    (l.completed_on) ": " (l.correct) "/" (l.asked) " (" (l.percent) "%) " (pass_badge(l.passed)) " "
                                    a href=(routes::certificate(&l.exam_id)) { "certificate" }
                                } @else { "—" }
                            }
                            td { (s.exams) }
                        }
                    }
                }
            }
            h2 { "Scores by topic" }
            p.muted { "Summed over each staff member's latest exam." }
            table {
                thead { tr { th scope="col" { "Topic" } th scope="col" { "Right" } th scope="col" { "Score" } } }
                tbody {
                    @for t in &report.by_topic {
                        tr { td { (topic_title(&t.topic)) } td { (t.correct) " of " (t.asked) } td { ((t.correct * 100).checked_div(t.asked).unwrap_or(0)) "%" } }
                    }
                }
            }
            @for s in report.staff.iter().filter(|s| s.latest.is_some()) {
                @if let Some(l) = &s.latest {
                    details {
                        summary { (s.name) ": by topic, latest exam" }
                        table {
                            tbody { @for t in &l.by_topic { tr { td { (topic_title(&t.topic)) } td { (t.correct) " of " (t.asked) } } } }
                        }
                    }
                }
            }
        },
    )
}

fn certificate_body(cert: &Certificate) -> Markup {
    let e = &cert.exam;
    html! {
        section.certificate aria-label="Certificate" {
            p.kicker { "Confidant · workforce training record" }
            h2 { "Certificate of completion" }
            p { "This certifies that" }
            p.recipient { (cert.name) }
            p { (humanize(cert.role)) " · staff id " (cert.staff_id) }
            p { "completed the confidentiality and privacy training exam on " strong { (e.completed_on) } "," }
            p class=(if e.passed { "result pass" } else { "result fail" }) {
                "scoring " (e.correct) " of " (e.asked) " (" (e.percent) "%): "
                @if e.passed { "passed" } @else { "not passed" } " at the " (e.pass_percent) "% threshold."
            }
            table {
                caption { "Score by topic" }
                tbody { @for t in &e.by_topic { tr { td { (topic_title(&t.topic)) } td { (t.correct) " of " (t.asked) } } } }
            }
            p.fine { "Exam " (e.exam_id) ". Questions and keys generated from rules " (e.rules_version) ". Documented under 45 CFR 164.530(b)(2)." }
        }
    }
}

/// A certificate in the console (the navigation does not print).
pub fn certificate_page(viewer: &Viewer, cert: &Certificate) -> Markup {
    frame(
        Some(viewer),
        "Certificate",
        None,
        html! {
            p.certificate-actions.noprint { "Print this page (Ctrl+P or ⌘P) for a paper copy." }
            (certificate_body(cert))
        },
    )
}

/// A certificate as a standalone HTML file (its stylesheet inline).
pub fn certificate_document(cert: &Certificate) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Certificate · " (cert.exam.exam_id) }
                style { (PreEscaped("body { font: 1rem/1.5 system-ui, sans-serif; margin: 0; padding: 1rem; } th, td { padding: .3rem .6rem; border-bottom: 1px solid #c8c8c8; } table { border-collapse: collapse; }\n")) (PreEscaped(crate::CERTIFICATE_STYLESHEET)) }
            }
            body { (certificate_body(cert)) }
        }
    }
}
