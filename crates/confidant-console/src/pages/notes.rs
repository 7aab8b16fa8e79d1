//! One record with its history and the correction form, and a client's
//! record summary for printing.

#[allow(clippy::wildcard_imports)]
use super::*;

/// One version of a record, ready to show.
#[derive(Clone, Debug)]
pub struct VersionView {
    /// This version's id.
    pub id: String,
    /// The record's category.
    pub category: Category,
    /// When it was written (day and time, UTC).
    pub written: String,
    /// The author, by display name.
    pub author: String,
    /// The text.
    pub content: String,
}

/// A record opened: the latest version, the form to correct it (for its
/// author), and every earlier version, newest first.
pub fn record_page(viewer: &Viewer, client: &Client, versions: &[VersionView], may_correct: bool, flash: Option<&Flash>) -> Markup {
    let Some(current) = versions.last() else {
        return error(Some(viewer), "Not found", "This record has no versions you may read.");
    };
    let title = current.content.lines().find(|l| !l.trim().is_empty()).unwrap_or("Note").trim().to_string();
    let (badge, class) = sensitivity(current.category);
    frame(
        Some(viewer),
        &title,
        flash,
        html! {
            p.crumbs { a href=(routes::client(&client.id)) { "← " (client.name) } }
            p { span class=(class) { (badge) } " " (humanize(plain_category(current.category))) }
            @if current.category == Category::PsychotherapyNotes {
                p.flash.warn { "A psychotherapy note: kept apart from the record; only you, its author, can read it." }
            }
            article.card.note {
                p.muted {
                    "Written " (current.written) " by " (current.author)
                    @if versions.len() > 1 { " · version " (versions.len()) " of " (versions.len()) }
                }
                pre { (current.content) }
            }
            @if may_correct {
                details.noprint #correct {
                    summary { "Correct this note" }
                    form #correction-form method="post" action=(routes::record_corrections(&client.id, &current.id)) {
                        (csrf_field(viewer))
                        p { "Your correction is saved as a new version. This version stays in the history, unchanged." }
                        label for="correction" { "Corrected note" }
                        textarea #correction name="content" rows="8" required { (current.content) }
                        button type="submit" { "Save the correction" }
                    }
                }
            }
            @if versions.len() > 1 {
                h2 { "History" }
                p { "Earlier versions, kept unchanged, newest first." }
                ul.history {
                    @for (n, v) in versions.iter().enumerate().rev().skip(1) {
                        li {
                            p.muted { strong { "Version " (n + 1) } " · written " (v.written) " by " (v.author) " · replaced by a later correction" }
                            pre { (v.content) }
                        }
                    }
                }
            }
        },
    )
}

/// A client's record summary, laid out for printing: the facts, then every
/// current record the viewer may read, with contents.
pub fn client_summary(
    viewer: &Viewer,
    client: &Client,
    team: Option<&str>,
    notice: &NoticeStatus,
    records: &[VersionView],
    today: Date,
) -> Markup {
    frame(
        Some(viewer),
        &format!("Record summary — {}", client.name),
        None,
        html! {
            p.muted { "Printed " (today) " by " (viewer.name) ". Confidential: protected health information." }
            dl.facts {
                dt { "Client ID" } dd { (client.id) }
                dt { "Status" } dd { (humanize(client.status.as_str())) }
                @if let Some(age) = client.birth.age_on(today) { dt { "Age" } dd { (age) } }
                @if let Some(team) = team { dt { "Care team" } dd { (team) } }
                dt { "Privacy notice" } dd { (notice_summary(notice)) }
                @if client.part2_program { dt { "Part 2" } dd { "Substance-use records from a Part 2 program: no redisclosure without consent (42 CFR 2.32)" } }
            }
            p.noprint.actions { button type="button" data-print { "Print" } a href=(routes::client(&client.id)) { "Back to the client" } }
            @if records.is_empty() { p { "No records on file." } }
            @for r in records {
                section.summary-record {
                    h2 { (humanize(plain_category(r.category))) " · " (r.written) }
                    p.muted { "By " (r.author) }
                    pre { (r.content) }
                }
            }
        },
    )
}
