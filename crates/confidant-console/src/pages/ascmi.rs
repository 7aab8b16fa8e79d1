//! California ASCMI forms: recording one (care partners and the client's
//! choices), the matrix of who may receive what, and the form to print —
//! blank, or filled in for the client to sign — in our own words, with the
//! same content DHCS's form asks for.

#[allow(clippy::wildcard_imports)]
use super::*;
use confidant_policy::authorization::ASCMI_PURPOSES;
use confidant_store::{Ascmi, StoredAscmi};

/// How many care partner rows the recording form offers; blank rows are ignored.
pub const ASCMI_PARTNER_ROWS: usize = 5;

/// One care partner row of the recording form, as typed.
#[derive(Clone, Debug, Default)]
pub struct CarePartnerValues {
    /// The organization or person.
    pub name: String,
    /// What kind of recipient it is.
    pub kind: Option<RecipientKind>,
    /// What the client lets it receive.
    pub categories: Vec<Category>,
    /// What for.
    pub purposes: Vec<Purpose>,
}

/// The recording form's values.
#[derive(Clone, Debug, Default)]
pub struct AscmiValues {
    /// Who signed.
    pub signed_by: Option<Signer>,
    /// The day it was signed, as typed.
    pub signed_on: String,
    /// The expiry date, as typed.
    pub expires_on: String,
    /// The form states the right to revoke.
    pub right_to_revoke: bool,
    /// The form states that care does not depend on signing.
    pub no_conditioning: bool,
    /// The form states that care partners may share further.
    pub redisclosure: bool,
    /// The care partner rows, [`ASCMI_PARTNER_ROWS`] of them.
    pub partners: Vec<CarePartnerValues>,
}

/// The categories an ASCMI may share: every one but psychotherapy notes.
pub fn ascmi_categories() -> impl Iterator<Item = Category> {
    Category::ALL.iter().copied().filter(|c| *c != Category::PsychotherapyNotes)
}

fn purpose_words(p: Purpose) -> &'static str {
    match p {
        Purpose::Treatment => "Treatment and care",
        Purpose::Payment => "Paying for care",
        Purpose::HealthCareOperations => "Running their programs (quality, case review)",
        Purpose::CareInvolvement => "Coordinating care and services",
        _ => "Other",
    }
}

/// The page where staff record a signed ASCMI.
pub fn ascmi_new(viewer: &Viewer, client: &Client, values: &AscmiValues, error: Option<&str>) -> Markup {
    let flash = error.map(|text| Flash { kind: crate::FlashKind::Error, text: text.to_string() });
    frame(
        Some(viewer),
        &format!("Record an ASCMI for {}", client.name),
        flash.as_ref(),
        html! {
            p {
                "California's Authorization to Share Confidential Member Information (ASCMI) names the care partners who may share the client's "
                "information with each other, and for each one what the client agreed to share and why. Record the form as the client signed it."
            }
            p.hint {
                "To have the client sign: fill in the care partners and choices with them, choose “Print to sign”, and file the form once it is signed. "
                a href=(routes::ASCMI_BLANK) { "A blank form" } " is there for writing by hand."
            }
            form.card #ascmi-form method="post" action=(routes::ascmi_list(&client.id)) {
                (csrf_field(viewer))
                @for (i, row) in values.partners.iter().enumerate() {
                    fieldset.partner {
                        legend { "Care partner " (i + 1) @if i > 0 { " (optional)" } }
                        label for={ "partner-" (i) "-name" } { "Name of the organization or person" }
                        input id={ "partner-" (i) "-name" } name={ "partner_" (i) "_name" } type="text" value=(row.name);
                        label for={ "partner-" (i) "-kind" } { "Kind of care partner" }
                        select id={ "partner-" (i) "-kind" } name={ "partner_" (i) "_kind" } {
                            option value="" { "Choose" }
                            @for k in RecipientKind::ALL { option value=(k.as_str()) selected[row.kind == Some(*k)] { (humanize(k.as_str())) } }
                        }
                        fieldset {
                            legend { "Information the client agrees to share with it (none: share nothing)" }
                            div.checks { @for c in ascmi_categories() {
                                label.check { input type="checkbox" name={ "partner_" (i) "_categories" } value=(c.as_str()) checked[row.categories.contains(&c)]; " " (humanize(plain_category(c))) }
                            } }
                        }
                        fieldset {
                            legend { "For what" }
                            div.checks { @for p in ASCMI_PURPOSES {
                                label.check { input type="checkbox" name={ "partner_" (i) "_purposes" } value=(p.as_str()) checked[row.purposes.contains(&p)]; " " (purpose_words(p)) }
                            } }
                        }
                    }
                }
                fieldset {
                    legend { "Signature and dates" }
                    label for="signed_by" { "Signed by" }
                    select #signed_by name="signed_by" {
                        option value="" { "Not signed yet" }
                        option value="client" selected[values.signed_by == Some(Signer::Client)] { "The client" }
                        option value="personal_representative" selected[values.signed_by == Some(Signer::PersonalRepresentative)] { "A personal representative" }
                    }
                    label for="signed_on" { "Signed on" }
                    input #signed_on name="signed_on" type="date" value=(values.signed_on);
                    label for="expires_on" { "Expires on" }
                    input #expires_on name="expires_on" type="date" value=(values.expires_on);
                }
                fieldset {
                    legend { "Statements on the signed form" }
                    label.check { input type="checkbox" name="right_to_revoke" value="true" checked[values.right_to_revoke]; " The client may revoke it in writing at any time" }
                    label.check { input type="checkbox" name="no_conditioning" value="true" checked[values.no_conditioning]; " Care, payment and eligibility do not depend on signing" }
                    label.check { input type="checkbox" name="redisclosure" value="true" checked[values.redisclosure]; " A care partner may share what it receives further" }
                }
                p.hint { "Psychotherapy notes are never shared under an ASCMI; they need an authorization of their own." }
                div.actions {
                    button type="submit" { "File the ASCMI" }
                    button.secondary type="submit" formaction=(routes::ascmi_preview(&client.id)) formtarget="_blank" { "Print to sign (files nothing)" }
                }
            }
        },
    )
}

fn status(form: &Ascmi, today: Date) -> (&'static str, &'static str) {
    match (form.revoked_on, form.expires_on) {
        (Some(on), _) if on <= today => ("Revoked", "badge badge-muted"),
        (_, Some(end)) if end < today => ("Expired", "badge badge-muted"),
        _ => ("In force", "badge badge-ok"),
    }
}

/// A client's ASCMI forms: for each, the matrix of which care partner may
/// receive which information and for what, with revoke and the signed scan.
pub fn ascmi_list(viewer: &Viewer, client: &Client, forms: &[StoredAscmi], today: Date, flash: Option<&Flash>) -> Markup {
    frame(
        Some(viewer),
        &format!("ASCMI forms — {}", client.name),
        flash,
        html! {
            p.actions.noprint {
                a.button href=(routes::new_ascmi(&client.id)) { "Record a signed ASCMI" }
                a href=(routes::ASCMI_BLANK) { "Print a blank form" }
                a href=(routes::client(&client.id)) { "Back to the client" }
            }
            @if forms.is_empty() { p { "No ASCMI on file." } }
            @for stored in forms {
                @let form = &stored.ascmi;
                @let (text, class) = status(form, today);
                section.ascmi aria-labelledby={ "h-" (form.id) } {
                    h2 id={ "h-" (form.id) } { "ASCMI " (form.id) " " span class=(class) { (text) } }
                    dl.facts {
                        dt { "Signed" } dd { (form.signed_on.map(|d| d.to_string()).unwrap_or_default()) " by " (form.signed_by.map(|s| humanize(s.as_str())).unwrap_or_default()) }
                        dt { "Expires" } dd { (form.expires_on.map(|d| d.to_string()).or_else(|| form.expiry_event.clone()).unwrap_or_default()) }
                        @if let Some(on) = form.revoked_on { dt { "Revoked" } dd { (on) } }
                        dt { "Signed scan" } dd { @if stored.has_document { a href=(routes::ascmi_document(&client.id, &form.id)) { "Open the signed scan" } } @else { "Not attached" } }
                    }
                    table.stack.matrix {
                        caption { "Who may receive what under " (form.id) }
                        thead { tr {
                            th scope="col" { "Information" }
                            @for p in &form.partners { th scope="col" { (p.name) span.visually-hidden { ", " } br; span.muted { (humanize(p.kind.as_str())) } } }
                        } }
                        tbody {
                            @for c in ascmi_categories() {
                                tr {
                                    th scope="row" { (humanize(plain_category(c))) }
                                    @for p in &form.partners {
                                        td { @if p.categories.contains(&c) { "Yes" } @else { span.muted { "No" } } }
                                    }
                                }
                            }
                            tr {
                                th scope="row" { "For" }
                                @for p in &form.partners {
                                    td { @if p.purposes.is_empty() { "Shares nothing" } @else { (p.purposes.iter().map(|x| purpose_words(*x)).collect::<Vec<_>>().join("; ")) } }
                                }
                            }
                        }
                    }
                    p.muted { "Psychotherapy notes: never under an ASCMI." }
                    div.actions.noprint {
                        a href=(routes::ascmi_print(&client.id, &form.id)) { "Print this form" }
                        @if !stored.has_document {
                            form.inline method="post" enctype="multipart/form-data" action=(routes::ascmi_document(&client.id, &form.id)) {
                                (csrf_field(viewer))
                                label for={ "scan-" (form.id) } { "Signed scan" }
                                input id={ "scan-" (form.id) } type="file" name="document" accept="application/pdf,image/*" required;
                                button type="submit" { "Attach the scan" }
                            }
                        }
                        @if form.revoked_on.is_none() {
                            form.inline method="post" action=(routes::revoke_ascmi(&client.id, &form.id)) {
                                (csrf_field(viewer))
                                label for={ "revoke-" (form.id) } { "Revocation received on" }
                                input id={ "revoke-" (form.id) } type="date" name="on" value=(today) required;
                                button type="submit" { "Revoke" }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The form to print: filled in from `form` for `client`, or blank lines
/// where nothing is known. The wording is ours; the content is what the
/// ASCMI asks for.
pub fn ascmi_print(viewer: Option<&Viewer>, client: Option<&Client>, form: Option<&Ascmi>, today: Date) -> Markup {
    // A line to write on, drawn by the stylesheet so it wraps on a phone.
    let blank = html! { span.blank { span.visually-hidden { "to be filled in" } } };
    let partners = form.map(|f| f.partners.clone()).unwrap_or_default();
    let rows = partners.len().max(4);
    frame(
        viewer,
        "Authorization to share confidential member information (ASCMI)",
        None,
        html! {
            article.ascmi-print {
                p.noprint.actions { button type="button" data-print { "Print" } }
                p { "California form to let the care partners below share your information with each other. Printed " (today) "." }
                h2 { "1. About you" }
                dl.facts {
                    dt { "Your name" } dd { @match client { Some(c) => (c.name), None => (blank) } }
                    dt { "Date of birth" } dd { @match client.map(|c| &c.birth) { Some(confidant_store::Birth::DateOfBirth(d)) => (d), _ => (blank) } }
                    dt { "Medi-Cal or member ID" } dd { (blank) }
                    dt { "Our record number" } dd { @match client { Some(c) => (c.id), None => (blank) } }
                }
                h2 { "2. Care partners and what each may receive" }
                p {
                    "List each organization or person on your care team (doctors, clinics, health plans, county programs, housing or social-service agencies). "
                    "For each one, mark the kinds of information you agree they may share and receive, and why. Leave a line unmarked to share nothing with that partner."
                }
                @for i in 0..rows {
                    @let p = partners.get(i);
                    section.print-partner {
                        h3 { "Care partner " (i + 1) }
                        p { "Name: " @if let Some(p) = p { strong { (p.name) } " (" (humanize(p.kind.as_str())) ")" } @else { (blank) } }
                        ul.print-choices {
                            @for c in ascmi_categories() {
                                li { span.box aria-hidden="true" { @if p.is_some_and(|p| p.categories.contains(&c)) { "☒" } @else { "☐" } } " " (humanize(plain_category(c))) }
                            }
                        }
                        p { "For: " }
                        ul.print-choices {
                            @for x in ASCMI_PURPOSES {
                                li { span.box aria-hidden="true" { @if p.is_some_and(|p| p.purposes.contains(&x)) { "☒" } @else { "☐" } } " " (purpose_words(x)) }
                            }
                        }
                    }
                }
                h2 { "3. What this form does not cover" }
                p { "Psychotherapy notes are never shared under this form. Sharing them needs a separate authorization." }
                h2 { "4. Your rights" }
                ul {
                    li { "You do not have to sign. Your treatment, payment, enrollment and eligibility for benefits do not depend on signing." }
                    li { "You may take back (revoke) this form at any time by telling us in writing. It then stops future sharing, not sharing already done." }
                    li { "A care partner that receives your information may share it again, and it may then no longer be protected by federal privacy law. Substance use treatment records stay protected by 42 CFR Part 2." }
                    li { "You may ask for a copy of this form." }
                }
                h2 { "5. How long it lasts" }
                p { "This form ends on: " @match form.and_then(|f| f.expires_on) { Some(d) => strong { (d) }, None => (blank) } }
                h2 { "6. Signature" }
                dl.facts {
                    dt { "Signature" } dd { (blank) }
                    dt { "Date" } dd { @match form.and_then(|f| f.signed_on) { Some(d) => (d), None => (blank) } }
                    dt { "If signed by a personal representative: name and authority" } dd { (blank) }
                }
            }
        },
    )
}
