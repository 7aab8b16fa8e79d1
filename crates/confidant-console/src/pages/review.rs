//! The privacy officer's review queue: break-glass and queued authorizations.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A break-glass access for the review queue.
#[derive(Clone, Debug)]
pub struct BreakGlassItem {
    /// The grant's id.
    pub id: String,
    /// Who opened the client.
    pub staff_id: String,
    /// The client opened.
    pub client_id: String,
    /// The reason they gave.
    pub reason: String,
    /// The day it was opened.
    pub opened_at: String,
    /// The review's outcome and reviewer, once reviewed.
    pub reviewed: Option<String>,
}

/// An authorization (or ASCMI form) for psychotherapy notes or Part 2
/// records waiting for the privacy officer.
#[derive(Clone, Debug)]
pub struct AuthorizationReviewItem {
    /// The authorization's id.
    pub id: String,
    /// Its client.
    pub client_id: String,
    /// Its kind, in words.
    pub kind: String,
    /// What it covers, in words.
    pub categories: String,
    /// Who entered it (never its reviewer).
    pub entered_by: String,
    /// A signed document is attached.
    pub has_document: bool,
    /// The day it was filed.
    pub filed_on: String,
}

/// The review queue: break-glass accesses, and (for the privacy officer)
/// restriction requests to agree or decline and authorizations awaiting review.
pub fn review_queue(
    viewer: &Viewer,
    items: &[BreakGlassItem],
    authorizations: Option<&[AuthorizationReviewItem]>,
    restrictions: Option<&[StoredRestriction]>,
    flash: Option<&Flash>,
) -> Markup {
    frame(
        Some(viewer),
        "Review queue",
        flash,
        html! {
            @if let Some(restrictions) = restrictions {
                h2 { "Restriction requests (45 CFR 164.522)" }
                @if restrictions.is_empty() { p { "No restriction request is waiting for an answer." } }
                @else {
                    p { "Agree only to what the program can honour: an agreed restriction binds every later disclosure it covers, except emergency treatment and what the law requires." }
                    table.stack {
                        thead { tr { th scope="col" { "Requested" } th scope="col" { "Client" } th scope="col" { "Restriction" } th scope="col" { "Answer" } } }
                        tbody {
                            @for r in restrictions {
                                tr {
                                    td { (r.requested_on) }
                                    td { (r.client_id) }
                                    td { (restriction_scope(&r.restriction)) }
                                    td {
                                        form.inline method="post" action=(routes::decide_restriction(&r.id)) {
                                            (csrf_field(viewer))
                                            button type="submit" name="decision" value="agree" { "Agree" }
                                            " "
                                            button.danger type="submit" name="decision" value="decline" { "Decline" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(authorizations) = authorizations {
                h2 { "Authorizations and ASCMI forms for psychotherapy notes or Part 2 records" }
                @if authorizations.is_empty() { p { "No authorization is waiting for review." } }
                @else {
                    table.stack {
                        thead { tr { th scope="col" { "Filed" } th scope="col" { "Client" } th scope="col" { "Kind" } th scope="col" { "Covers" } th scope="col" { "Entered by" } th scope="col" { "Signed form" } th scope="col" { "Review" } } }
                        tbody {
                            @for a in authorizations {
                                tr {
                                    td { (a.filed_on) }
                                    td { a href=(routes::client(&a.client_id)) { (a.client_id) } }
                                    td { (a.kind) }
                                    td { (a.categories) }
                                    td { (a.entered_by) }
                                    td { @if a.has_document { "attached" } @else { strong { "none attached" } } }
                                    td {
                                        form.inline method="post" action=(routes::review_authorization(&a.id)) {
                                            (csrf_field(viewer))
                                            button type="submit" { "Checked against the signed form" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                h2 { "Break-glass accesses" }
            }
            @if items.is_empty() { p { "Nothing waiting for review." } }
            @else {
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Staff" } th scope="col" { "Client" } th scope="col" { "Reason given" } th scope="col" { "Review" } } }
                    tbody {
                        @for item in items {
                            tr {
                                td { (item.opened_at) }
                                td { (item.staff_id) }
                                td { (item.client_id) }
                                td { (item.reason) }
                                td {
                                    @match &item.reviewed {
                                        Some(outcome) => (outcome),
                                        None => form.inline method="post" action=(routes::review_break_glass(&item.id)) {
                                            (csrf_field(viewer))
                                            button type="submit" name="outcome" value="justified" { "Justified" }
                                            " "
                                            button.danger type="submit" name="outcome" value="unjustified" { "Not justified" }
                                        },
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
