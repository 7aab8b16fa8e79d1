//! Progress for one learner, and the privacy officer's workforce training
//! report as text, JSON or CSV.

use confidant_app::App;
use confidant_training::records::{summary, topic_title};
use confidant_training::{Topic, TrainingReport, due_queue, mastery, progress};
use serde_json::json;

use super::text::{json_out, line, out, wrap};
use super::{Session, bank, now, with_app};
use crate::vault::{self, Location, app_failure};
use crate::{Failure, Format};

pub(super) fn progress(location: &Location, staff: &str, format: Format) -> Result<(), Failure> {
    let session = Session::open(location, Some(staff))?;
    let bank = bank()?;
    let items = progress::study_items(&bank);
    let per_topic = mastery(&items, &session.states, now());
    let exams: Vec<confidant_training::ExamSummary> = match (&session.learner, &session.actor) {
        (Some((store, _)), Some(actor)) => session
            .rt
            .block_on(App::new(store, store).my_training_records(actor))
            .map_err(app_failure)?
            .iter()
            .filter_map(summary)
            .collect(),
        _ => Vec::new(),
    };
    let due = due_queue(&items, &session.states, now()).iter().filter(|id| session.states.contains_key(*id)).count();
    match format {
        Format::Json => json_out(&json!({ "staff_id": staff, "due": due, "topics": per_topic, "exams": exams })),
        Format::Text => {
            line(&format!("Progress for {staff} ({due} reviews due now)"))?;
            for m in &per_topic {
                // A ten-step bar: mastery is the mean predicted recall now.
                let filled = (m.mastery * 10.0).round().clamp(0.0, 10.0) as usize;
                line(&format!(
                    "  {:<28} {}{} {:>3}%  ({}/{} reviewed)",
                    m.topic.title(),
                    "#".repeat(filled),
                    ".".repeat(10 - filled),
                    (m.mastery * 100.0).round() as i64,
                    m.reviewed,
                    m.items
                ))?;
            }
            for e in &exams {
                line(&format!(
                    "  exam {} on {}: {}/{} ({}%) {}",
                    e.exam_id,
                    e.completed_on,
                    e.correct,
                    e.asked,
                    e.percent,
                    if e.passed { "passed" } else { "not passed" }
                ))?;
            }
            Ok(())
        }
    }
}

pub(super) fn report(location: &Location, format: &str) -> Result<(), Failure> {
    let format = match format {
        "text" | "json" | "csv" => format,
        other => return Err(vault::expected("--format", "`text`, `json`, `csv`".into(), other)),
    };
    let report = with_app(location, async |app, actor| app.training_report(actor).await.map_err(app_failure))?;
    match format {
        "json" => json_out(&serde_json::to_value(&report).map_err(|e| Failure::Internal(e.to_string()))?),
        "csv" => out(&report_csv(&report)),
        _ => out(&report_text(&report)),
    }
}

/// The report as text for a reader.
fn report_text(report: &TrainingReport) -> String {
    use confidant_training::TrainingStatus;
    let mut text = wrap(
        &format!(
            "Workforce training as of {} (45 CFR 164.530(b)(2)): an exam passes at {}% and keeps a staff member current for {} months.",
            report.as_of, report.policy.pass_percent, report.policy.interval_months
        ),
        "",
        "",
    );
    text.push_str(&format!(
        "{} current, {} overdue, {} untrained.\n\n",
        report.count(TrainingStatus::Current),
        report.count(TrainingStatus::Overdue),
        report.count(TrainingStatus::Untrained)
    ));
    text.push_str(&format!("{:<20} {:<10} {:<11} {:<11} {:>5}  {}\n", "STAFF", "STATUS", "LAST PASSED", "DUE", "EXAMS", "LATEST"));
    for s in &report.staff {
        let latest = s.latest.as_ref().map_or_else(
            || "-".to_string(),
            |l| {
                format!(
                    "{} {}/{} ({}%) {} {}",
                    l.completed_on,
                    l.correct,
                    l.asked,
                    l.percent,
                    if l.passed { "passed" } else { "not passed" },
                    l.exam_id
                )
            },
        );
        text.push_str(&format!(
            "{:<20} {:<10} {:<11} {:<11} {:>5}  {}\n",
            s.staff_id,
            s.status.as_str(),
            s.last_passed_on.map_or_else(|| "-".to_string(), |d| d.to_string()),
            s.due_on.map_or_else(|| "now".to_string(), |d| d.to_string()),
            s.exams,
            latest
        ));
    }
    text.push_str("\nScores by topic (each staff member's latest exam):\n");
    for t in &report.by_topic {
        text.push_str(&format!(
            "  {:<28} {}/{} ({}%)\n",
            topic_title(&t.topic),
            t.correct,
            t.asked,
            (t.correct * 100).checked_div(t.asked).unwrap_or(0)
        ));
    }
    text
}

/// One CSV field (RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is
/// prefixed with `'` so a spreadsheet does not run it as a formula).
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// The report as CSV: one row per staff member, the latest exam's score by
/// topic in a `correct/asked` column per topic.
fn report_csv(report: &TrainingReport) -> String {
    let mut header: Vec<String> = [
        "staff_id",
        "name",
        "role",
        "status",
        "last_passed_on",
        "due_on",
        "exams",
        "latest_exam",
        "latest_completed_on",
        "latest_correct",
        "latest_asked",
        "latest_percent",
        "latest_passed",
        "latest_rules_version",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    header.extend(Topic::ALL.iter().map(|t| t.as_str().to_string()));
    let mut text = header.join(",") + "\r\n";
    for s in &report.staff {
        let l = s.latest.as_ref();
        let mut row: Vec<String> = vec![
            s.staff_id.clone(),
            s.name.clone(),
            s.role.to_string(),
            s.status.as_str().to_string(),
            s.last_passed_on.map(|d| d.to_string()).unwrap_or_default(),
            s.due_on.map(|d| d.to_string()).unwrap_or_default(),
            s.exams.to_string(),
            l.map(|l| l.exam_id.clone()).unwrap_or_default(),
            l.map(|l| l.completed_on.to_string()).unwrap_or_default(),
            l.map(|l| l.correct.to_string()).unwrap_or_default(),
            l.map(|l| l.asked.to_string()).unwrap_or_default(),
            l.map(|l| l.percent.to_string()).unwrap_or_default(),
            l.map(|l| l.passed.to_string()).unwrap_or_default(),
            l.map(|l| l.rules_version.clone()).unwrap_or_default(),
        ];
        for topic in Topic::ALL {
            row.push(
                l.and_then(|l| l.by_topic.iter().find(|t| t.topic == topic.as_str()))
                    .map(|t| format!("{}/{}", t.correct, t.asked))
                    .unwrap_or_default(),
            );
        }
        text.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        text.push_str("\r\n");
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
    }
}
