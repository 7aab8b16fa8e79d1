//! The pieces every page shares: who is looking, the page frame with its
//! navigation, flash messages, and the words and badges for categories.

use confidant_policy::vocab::Category;
use confidant_store::StaffRole;
use maud::{DOCTYPE, Markup, html};

use crate::{SCRIPT_PATH, STYLESHEET_PATH, routes};

/// The signed-in staff member a page is rendered for.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// The staff id.
    pub staff_id: String,
    /// The display name, shown in the header.
    pub name: String,
    /// The role, which decides the navigation and the forms shown.
    pub role: StaffRole,
    /// The session's CSRF token, put in every form that writes.
    pub csrf: String,
}

impl Viewer {
    /// Privacy officers (and admins) see the audit log, the accounting and the review queue.
    pub fn oversees(&self) -> bool {
        matches!(self.role, StaffRole::PrivacyOfficer | StaffRole::Admin)
    }
}

/// What a flash message reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    /// Something was done.
    Success,
    /// Done, but something needs attention.
    Warning,
    /// Nothing was done.
    Error,
}

/// A one-line message at the top of a page.
#[derive(Clone, Debug)]
pub struct Flash {
    /// How it is shown.
    pub kind: FlashKind,
    /// The message.
    pub text: String,
}

/// `treating_provider` → `Treating provider`.
pub fn humanize(wire: &str) -> String {
    let text = wire.replace('_', " ");
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The badge a category carries: its sensitivity in words and a class.
pub fn sensitivity(category: Category) -> (&'static str, &'static str) {
    match category {
        Category::PsychotherapyNotes => ("Psychotherapy notes: kept apart", "badge badge-pn"),
        Category::SubstanceUse => ("Substance use: 42 CFR Part 2", "badge badge-part2"),
        Category::Hiv => ("HIV: specially protected", "badge badge-special"),
        Category::Demographics | Category::Appointments | Category::Billing => ("Health information", "badge"),
        Category::PeerSupportNotes => ("Peer support: part of the record", "badge"),
        _ => ("Clinical", "badge badge-clinical"),
    }
}

/// The hidden CSRF field of a form that writes.
pub(crate) fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.csrf); }
}

/// A page: skip link, header with navigation for the viewer's role, flash,
/// then `body` inside `<main>`.
pub(crate) fn frame(viewer: Option<&Viewer>, title: &str, flash: Option<&Flash>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Confidant" }
                link rel="stylesheet" href=(STYLESHEET_PATH);
                script src=(SCRIPT_PATH) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href=(routes::HOME) { "Confidant" }
                    @if let Some(viewer) = viewer {
                        nav aria-label="Main" {
                            ul {
                                li { a href=(routes::HOME) { "My caseload" } }
                                li { a href=(routes::SHARE) { "Can I share this?" } }
                                li { a href=(routes::RULES) { "Rules" } }
                                li { a href=(routes::PRACTICE) { "Practice" } }
                                @if viewer.oversees() {
                                    li { a href=(routes::AUDIT) { "Audit log" } }
                                    li { a href=(routes::REVIEW) { "Review queue" } }
                                }
                                @if viewer.role == StaffRole::PrivacyOfficer {
                                    li { a href=(routes::TRAINING_REPORT) { "Training record" } }
                                }
                                @if viewer.role == StaffRole::Admin {
                                    li { a href=(routes::STAFF) { "Staff" } }
                                    li { a href=(routes::TEAMS) { "Teams" } }
                                }
                            }
                        }
                        form.signout method="post" action=(routes::SIGN_OUT) {
                            (csrf_field(viewer))
                            span.who { (viewer.name) " · " (humanize(viewer.role.as_str())) }
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main #main tabindex="-1" {
                    @if let Some(flash) = flash {
                        p class=(match flash.kind { FlashKind::Success => "flash ok", FlashKind::Warning => "flash warn", FlashKind::Error => "flash err" }) role="status" {
                            (flash.text)
                        }
                    }
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_read_as_words() {
        assert_eq!(humanize("treating_provider"), "Treating provider");
        assert_eq!(humanize(""), "");
    }

    #[test]
    fn psychotherapy_notes_and_part2_carry_their_own_badges() {
        assert!(sensitivity(Category::PsychotherapyNotes).0.contains("kept apart"));
        assert!(sensitivity(Category::SubstanceUse).0.contains("Part 2"));
    }
}
