//! The privacy officer's review queue: break-glass and queued authorizations.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A break-glass access for the review queue.
#[derive(Clone, Debug)]
pub struct BreakGlassItem {
    pub id: String,
    pub staff_id: String,
    pub client_id: String,
    pub reason: String,
    pub opened_at: String,
    pub reviewed: Option<String>,
}

/// An authorization for psychotherapy notes or Part 2 records waiting for
/// the privacy officer.
#[derive(Clone, Debug)]
pub struct AuthorizationReviewItem {
    pub id: String,
    pub client_id: String,
    pub kind: String,
    pub categories: String,
    pub entered_by: String,
    pub has_document: bool,
    pub filed_on: String,
}

/// The review queue: break-glass accesses, and (for the privacy officer)
/// authorizations awaiting review.
pub fn review_queue(viewer: &Viewer, items: &[BreakGlassItem], authorizations: Option<&[AuthorizationReviewItem]>) -> Markup {
    frame(
        Some(viewer),
        "Review queue",
        None,
        html! {
            @if let Some(authorizations) = authorizations {
                h2 { "Authorizations for psychotherapy notes or Part 2 records" }
                @if authorizations.is_empty() { p { "No authorization is waiting for review." } }
                @else {
                    table {
                        thead { tr { th scope="col" { "Filed" } th scope="col" { "Client" } th scope="col" { "Kind" } th scope="col" { "Covers" } th scope="col" { "Entered by" } th scope="col" { "Signed form" } th scope="col" { "Review" } } }
                        tbody {
                            @for a in authorizations {
                                tr {
                                    td { (a.filed_on) }
                                    td { a href={ "/console/clients/" (a.client_id) } { (a.client_id) } }
                                    td { (a.kind) }
                                    td { (a.categories) }
                                    td { (a.entered_by) }
                                    td { @if a.has_document { "attached" } @else { strong { "none attached" } } }
                                    td {
                                        form.inline method="post" action={ "/console/authorizations/" (a.id) "/review" } {
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
                                        None => form.inline method="post" action={ "/console/review/" (item.id) } {
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
