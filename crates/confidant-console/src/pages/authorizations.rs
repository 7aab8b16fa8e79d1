//! The authorization form, with the checklist of what a valid one holds.

#[allow(clippy::wildcard_imports)]
use super::*;

// ── authorizations ───────────────────────────────────────────────────────

/// The authorization form's values.
#[derive(Clone, Debug, Default)]
pub struct AuthorizationValues {
    /// HIPAA authorization, Part 2 consent, …
    pub kind: Option<AuthorizationKind>,
    /// Who signed: the client or a representative.
    pub signed_by: Option<Signer>,
    /// The day it was signed (`YYYY-MM-DD`, as typed).
    pub signed_on: String,
    /// The information it covers.
    pub categories: Vec<Category>,
    /// Who may receive it.
    pub recipient_kind: Option<RecipientKind>,
    /// The recipient, by name.
    pub recipient_name: String,
    /// What for.
    pub purposes: Vec<Purpose>,
    /// The expiry date, as typed.
    pub expires_on: String,
    /// Or the event that ends it.
    pub expiry_event: String,
    /// It states the right to revoke.
    pub right_to_revoke: bool,
    /// It states that treatment is not conditioned on signing.
    pub no_conditioning: bool,
    /// It warns that the recipient may redisclose.
    pub redisclosure: bool,
}

fn element_text(element: Element) -> &'static str {
    match element {
        Element::Description => "What information may be shared",
        Element::Recipient => "Who may receive it",
        Element::Purpose => "Why it may be shared",
        Element::Expiration => "An expiration date or event",
        Element::Signature => "The client's (or representative's) signature",
        Element::Date => "The date it was signed",
    }
}

fn statement_text(statement: Statement) -> &'static str {
    match statement {
        Statement::RightToRevoke => "A statement that the client may revoke it in writing",
        Statement::NoConditioning => "A statement that care does not depend on signing",
        Statement::Redisclosure => "A statement that the recipient may share it again",
    }
}

/// The form with a checklist of the required elements and statements;
/// `defects` (from the engine) marks what is still missing.
pub fn authorization_form(
    viewer: &Viewer,
    client: &Client,
    values: &AuthorizationValues,
    defects: &[Reason],
    error: Option<&str>,
) -> Markup {
    let flash = error.map(|text| Flash { kind: crate::FlashKind::Error, text: text.to_string() });
    let kind = values.kind.unwrap_or(AuthorizationKind::Hipaa);
    let missing_element = |e: Element| defects.contains(&Reason::MissingElement(e));
    let missing_statement = |s: Statement| defects.contains(&Reason::MissingStatement(s));
    frame(
        Some(viewer),
        &format!("New authorization for {}", client.name),
        flash.as_ref(),
        html! {
            div.two {
                form.card #auth-form method="post" action=(routes::authorizations(&client.id)) {
                    (csrf_field(viewer))
                    label for="kind" { "Kind" }
                    select #kind name="kind" {
                        option value="hipaa" selected[kind == AuthorizationKind::Hipaa] { "HIPAA authorization (45 CFR 164.508)" }
                        option value="part2" selected[kind == AuthorizationKind::Part2] { "Part 2 consent (42 CFR 2.31)" }
                    }
                    fieldset data-element="description" {
                        legend { "What information" }
                        div.checks { @for c in Category::ALL { label.check { input type="checkbox" name="categories" value=(c.as_str()) checked[values.categories.contains(c)]; " " (humanize(plain_category(*c))) } } }
                    }
                    fieldset data-element="recipient" {
                        legend { "Who may receive it" }
                        label for="recipient_kind" { "Kind of recipient" }
                        select #recipient_kind name="recipient_kind" {
                            option value="" { "Choose" }
                            @for k in RecipientKind::ALL { option value=(k.as_str()) selected[values.recipient_kind == Some(*k)] { (humanize(k.as_str())) } }
                        }
                        label for="recipient_name" { "Name" }
                        input #recipient_name name="recipient_name" type="text" value=(values.recipient_name);
                    }
                    fieldset data-element="purpose" {
                        legend { "Why" }
                        div.checks { @for p in Purpose::ALL { label.check { input type="checkbox" name="purposes" value=(p.as_str()) checked[values.purposes.contains(p)]; " " (humanize(p.as_str())) } } }
                    }
                    fieldset data-element="expiration" {
                        legend { "When it ends" }
                        label for="expires_on" { "Expiration date" }
                        input #expires_on name="expires_on" type="date" value=(values.expires_on);
                        label for="expiry_event" { "or an event" }
                        input #expiry_event name="expiry_event" type="text" value=(values.expiry_event);
                    }
                    fieldset data-element="signature" {
                        legend { "Signature" }
                        label for="signed_by" { "Signed by" }
                        select #signed_by name="signed_by" {
                            option value="" { "Not signed yet" }
                            option value="client" selected[values.signed_by == Some(Signer::Client)] { "The client" }
                            option value="personal_representative" selected[values.signed_by == Some(Signer::PersonalRepresentative)] { "A personal representative" }
                        }
                        label for="signed_on" { "Signed on" }
                        input #signed_on name="signed_on" type="date" value=(values.signed_on);
                    }
                    fieldset data-element="statements" {
                        legend { "Required statements on the form" }
                        label.check { input type="checkbox" name="right_to_revoke" value="true" checked[values.right_to_revoke]; " " (statement_text(Statement::RightToRevoke)) }
                        label.check { input type="checkbox" name="no_conditioning" value="true" checked[values.no_conditioning]; " " (statement_text(Statement::NoConditioning)) }
                        label.check { input type="checkbox" name="redisclosure" value="true" checked[values.redisclosure]; " " (statement_text(Statement::Redisclosure)) }
                    }
                    button type="submit" { "File the authorization" }
                }
                aside.card aria-labelledby="checklist-title" {
                    h2 #checklist-title { "Checklist" }
                    p.muted { "Every item must be present for the authorization to count." }
                    ul.checklist #checklist aria-live="polite" {
                        @for e in [Element::Description, Element::Recipient, Element::Purpose, Element::Expiration, Element::Signature, Element::Date] {
                            li data-check=(e.as_str()) class=(if missing_element(e) { "missing" } else { "present" }) { (element_text(e)) }
                        }
                        @for s in required_statements(kind) {
                            li data-check=(statement_key(*s)) class=(if missing_statement(*s) { "missing" } else { "present" }) { (statement_text(*s)) }
                        }
                        @if defects.contains(&Reason::CompoundPsychotherapyNotes) {
                            li.missing { "Psychotherapy notes need an authorization of their own, not combined with other information" }
                        }
                    }
                }
            }
        },
    )
}

fn statement_key(statement: Statement) -> &'static str {
    match statement {
        Statement::RightToRevoke => "right_to_revoke",
        Statement::NoConditioning => "no_conditioning",
        Statement::Redisclosure => "redisclosure",
    }
}
