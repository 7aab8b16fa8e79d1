//! "Can I share this?": the form, the decision, the release.

#[allow(clippy::wildcard_imports)]
use super::*;

// ── can I share this? ────────────────────────────────────────────────────

/// The wizard's answers so far.
#[derive(Clone, Debug, Default)]
pub struct ShareValues {
    /// The client.
    pub client_id: String,
    /// The recipient kind.
    pub to: Option<RecipientKind>,
    /// The recipient, by name.
    pub recipient_name: String,
    /// The recipient works in this organization.
    pub same_organization: bool,
    /// Why it is asked for.
    pub purpose: Option<Purpose>,
    /// What is asked for.
    pub categories: Vec<Category>,
    /// What is true of the situation.
    pub facts: Vec<Fact>,
}

fn share_fields(values: &ShareValues, clients: &[(String, String)]) -> Markup {
    html! {
        fieldset {
            legend { "1. Whose information?" }
            label for="client" { "Client" }
            select #client name="client" required {
                option value="" { "Choose a client" }
                @for (id, name) in clients {
                    option value=(id) selected[*id == values.client_id] { (name) " (" (id) ")" }
                }
            }
        }
        fieldset {
            legend { "2. Who is asking, and why?" }
            label for="to" { "Recipient" }
            select #to name="to" required {
                option value="" { "Choose who would receive it" }
                @for kind in RecipientKind::ALL {
                    option value=(kind.as_str()) selected[values.to == Some(*kind)] { (humanize(kind.as_str())) }
                }
            }
            label for="recipient_name" { "Their name (matched against authorizations)" }
            input #recipient_name name="recipient_name" type="text" value=(values.recipient_name);
            label.check { input type="checkbox" name="same_organization" value="true" checked[values.same_organization]; " They work in our program" }
            label for="purpose" { "Purpose" }
            select #purpose name="purpose" required {
                option value="" { "Choose the purpose" }
                @for purpose in Purpose::ALL {
                    option value=(purpose.as_str()) selected[values.purpose == Some(*purpose)] { (humanize(purpose.as_str())) }
                }
            }
        }
        fieldset {
            legend { "3. What information?" }
            div.checks {
                @for category in Category::ALL {
                    label.check { input type="checkbox" name="categories" value=(category.as_str()) checked[values.categories.contains(category)]; " " (humanize(plain_category(*category))) }
                }
            }
        }
        fieldset {
            legend { "4. What else is true? (tick only what you know)" }
            div.checks {
                @for fact in Fact::ALL {
                    label.check { input type="checkbox" name="facts" value=(fact.as_str()) checked[values.facts.contains(fact)]; " " (humanize(fact.as_str())) }
                }
            }
        }
    }
}

/// The "Can I share this?" form.
pub fn share_form(viewer: &Viewer, values: &ShareValues, clients: &[(String, String)], error: Option<&str>) -> Markup {
    let flash = error.map(|text| Flash { kind: crate::FlashKind::Error, text: text.to_string() });
    frame(
        Some(viewer),
        "Can I share this?",
        flash.as_ref(),
        html! {
            form.card method="post" action=(routes::SHARE) {
                (csrf_field(viewer))
                (share_fields(values, clients))
                button type="submit" { "Check" }
            }
        },
    )
}

fn hidden_values(values: &ShareValues) -> Markup {
    html! {
        input type="hidden" name="client" value=(values.client_id);
        @if let Some(to) = values.to { input type="hidden" name="to" value=(to.as_str()); }
        input type="hidden" name="recipient_name" value=(values.recipient_name);
        @if values.same_organization { input type="hidden" name="same_organization" value="true"; }
        @if let Some(purpose) = values.purpose { input type="hidden" name="purpose" value=(purpose.as_str()); }
        @for c in &values.categories { input type="hidden" name="categories" value=(c.as_str()); }
        @for f in &values.facts { input type="hidden" name="facts" value=(f.as_str()); }
    }
}

/// The answer: per category, the explanation, citations linking to the
/// rules, obligations as a checklist, remedies as next steps, and a preview
/// of exactly what would be released. "Disclose" only when something may go.
pub fn share_result(viewer: &Viewer, values: &ShareValues, client_name: &str, decision: &Decision, preview: &[Record]) -> Markup {
    frame(
        Some(viewer),
        "Can I share this?",
        None,
        html! {
            @let verdict = match decision.decision.as_str() { "deny" => ("No — do not share", "verdict deny"), "partial" => ("Partly — share only what is marked", "verdict partial"), "required" => ("Yes — the law requires it", "verdict required"), _ => ("Yes — you may share", "verdict permit") };
            p class=(verdict.1) role="status" { strong { (verdict.0) } }
            p { (decision.explanation) }
            table {
                caption { "For " (client_name) }
                thead { tr { th scope="col" { "Information" } th scope="col" { "Answer" } th scope="col" { "Why" } } }
                tbody {
                    @for c in &decision.categories {
                        tr {
                            td { (humanize(plain_category(c.category))) }
                            td { @match c.outcome { Outcome::Required => span class="badge badge-ok" { "Required" }, Outcome::Permit => span class="badge badge-ok" { "May share" }, Outcome::Deny => span class="badge badge-bad" { "Do not share" } } }
                            td {
                                @if let Some(reason) = &c.reason { (reason) br; }
                                @for cite in &c.cites { span.cite { (cite) } " " }
                            }
                        }
                    }
                }
            }
            @if !decision.obligations.is_empty() {
                h2 { "Before you share" }
                ul.checklist {
                    @for (i, o) in decision.obligations.iter().enumerate() {
                        li { label.check { input type="checkbox" name={ "obligation-" (i) }; " " (o.detail) } }
                    }
                }
            }
            @if !decision.remedies.is_empty() {
                h2 { "To make the withheld information shareable" }
                ul {
                    @for r in &decision.remedies {
                        li {
                            (r.detail)
                            @if matches!(r.kind.as_str(), "obtain_authorization" | "obtain_part2_consent") {
                                " " a href=(routes::new_authorization(&values.client_id)) { "Add an authorization" }
                            }
                        }
                    }
                }
            }
            h2 { "Rules that applied" }
            ul {
                @for rule in &decision.rules {
                    li { a href=(routes::rule(&rule.id)) { (rule.id) } " — " (rule.summary) " " span.cite { (rule.cite) } }
                }
            }
            @if !decision.release.is_empty() {
                h2 { "What would be released" }
                @if preview.is_empty() && !decision.release.contains(&Category::Demographics) { p { "No records of the released kinds are on file." } }
                @if decision.release.contains(&Category::Demographics) { p { "The client's identifying details (name, date of birth, contact)." } }
                @for record in preview {
                    details { summary { (humanize(plain_category(record.category))) " · record " (record.id) } pre { (record.content.as_deref().unwrap_or("")) } }
                }
                @if !decision.withhold.is_empty() {
                    p.muted { "Withheld and not in the package: " (decision.withhold.iter().map(|c| plain_category(*c)).collect::<Vec<_>>().join(", ")) "." }
                }
                form.card method="post" action=(routes::disclose(&values.client_id)) {
                    (csrf_field(viewer))
                    (hidden_values(values))
                    label for="recipient_address" { "Recipient's address (kept in the accounting when it must be)" }
                    input #recipient_address name="recipient_address" type="text";
                    button type="submit" { "Disclose" }
                }
            }
            p { a href=(routes::share_for(&values.client_id)) { "Ask another question" } }
        },
    )
}

/// After a release: what went, what was withheld, the package to print.
pub fn disclosed(viewer: &Viewer, package: &Package) -> Markup {
    frame(
        Some(viewer),
        "Disclosure recorded",
        Some(&Flash {
            kind: crate::FlashKind::Success,
            text: format!("Disclosure {} is recorded in the audit log (entry {}).", package.disclosure_id, package.audit_entry),
        }),
        html! {
            @if let Some(notice) = &package.redisclosure_notice { p.notice { strong { "Include this notice: " } (notice) } }
            p { "Released: " (package.released.iter().map(|c| plain_category(c.category)).collect::<Vec<_>>().join(", ")) " (" (package.records().count()) " records)." }
            @if !package.withheld.is_empty() { p { "Withheld: " (package.withheld.iter().map(|c| plain_category(c.category)).collect::<Vec<_>>().join(", ")) "." } }
            @for held in &package.held_back {
                p.notice { "Not sent: " (held.records) " " (plain_category(held.category)) " record(s) — " (held.reason) ". The package does not mention them." }
            }
            @if let Some(id) = &package.accounting_entry_id { p { "Recorded in the client's accounting of disclosures (" (id) ")." } }
            p { a.button href=(routes::disclosure(&package.disclosure_id)) { "Open the package to print or send" } }
            p { a href=(routes::client(&package.client_id)) { "Back to the client" } }
        },
    )
}
