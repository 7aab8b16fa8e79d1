//! One function per page. Each takes what the page shows, already fetched
//! and already allowed by the server's access checks, and returns HTML.

use confidant_audit::{InclusionProof, SignedTreeHead};
use confidant_disclosure::Package;
use confidant_policy::authorization::{Element, Reason, Statement, required_statements};
use confidant_policy::vocab::{AuthorizationKind, Category, ClientStatus, Fact, Outcome, Purpose, RecipientKind, Signer};
use confidant_policy::{Date, Decision, Rule, plain_category};
use confidant_store::{Accounting, AuditEntry, AuditVerification, Client, Record, StoredAuthorization, StoredRestriction, unix_days};
use maud::{Markup, html};

use crate::components::{Flash, Viewer, csrf_field, frame, humanize, sensitivity};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn status_badge(client: &Client) -> Markup {
    let (text, class) = match client.status {
        ClientStatus::Active => ("Active", "badge badge-ok"),
        ClientStatus::Discharged => ("Discharged — still protected", "badge badge-muted"),
        ClientStatus::Deceased => ("Deceased — still protected", "badge badge-muted"),
    };
    html! { span class=(class) { (text) } }
}

// ── sign-in and errors ───────────────────────────────────────────────────

/// The sign-in form. The code field is always there: the server's answer
/// never says whether an account has a second factor (that would confirm
/// the password).
pub fn sign_in(error: Option<&str>, username: &str) -> Markup {
    let flash = error.map(|text| Flash { kind: crate::FlashKind::Error, text: text.to_string() });
    frame(
        None,
        "Sign in",
        flash.as_ref(),
        html! {
            form.card method="post" action="/console/sign-in" {
                label for="username" { "Staff ID" }
                input #username name="username" type="text" autocomplete="username" required value=(username) autofocus;
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="current-password" required;
                label for="totp" { "Six-digit code from your authenticator app (if your account uses one)" }
                input #totp name="totp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}";
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// A refusal or a missing page, saying no more than the viewer may know.
pub fn error(viewer: Option<&Viewer>, title: &str, message: &str) -> Markup {
    frame(viewer, title, None, html! { p { (message) } p { a href="/console" { "Back to my caseload" } } })
}

// ── caseload and client ──────────────────────────────────────────────────

/// The viewer's caseload and care-team clients.
pub fn caseload(viewer: &Viewer, clients: &[Client], today: Date, flash: Option<&Flash>) -> Markup {
    frame(
        Some(viewer),
        "My caseload",
        flash,
        html! {
            @if clients.is_empty() {
                p { "No clients are assigned to you or your care team." }
            } @else {
                table {
                    caption { (clients.len()) " clients on your caseload or care team" }
                    thead { tr { th scope="col" { "Client" } th scope="col" { "Status" } th scope="col" { "Age" } th scope="col" { "Program" } } }
                    tbody {
                        @for client in clients {
                            tr {
                                td { a href={ "/console/clients/" (client.id) } { (client.name) } br; span.muted { (client.id) } }
                                td { (status_badge(client)) }
                                td { (client.birth.age_on(today).map(|a| a.to_string()).unwrap_or_default()) }
                                td { @if client.part2_program { span class="badge badge-part2" { "Part 2 program" } } }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Everything the viewer may see about one client.
pub struct ClientView<'a> {
    pub client: &'a Client,
    /// Records the viewer may read, content included; psychotherapy notes
    /// only when the viewer wrote them.
    pub records: &'a [Record],
    /// Psychotherapy notes on file that the viewer may not read.
    pub hidden_notes: usize,
    pub authorizations: &'a [StoredAuthorization],
    pub restrictions: &'a [StoredRestriction],
    /// The viewer opened this client under break-glass.
    pub break_glass: bool,
    pub today: Date,
}

/// Where an authorization stands today, in words, with days to expiry.
pub fn authorization_status(auth: &StoredAuthorization, today: Date) -> (String, &'static str) {
    let a = &auth.authorization;
    if let Some(on) = a.revoked_on {
        return (format!("Revoked on {on}"), "badge badge-bad");
    }
    match a.expires_on {
        Some(expires) if expires < today => (format!("Expired on {expires}"), "badge badge-bad"),
        Some(expires) => {
            let days = unix_days(expires) - unix_days(today);
            (format!("Valid · expires in {days} days ({expires})"), if days <= 30 { "badge badge-warn" } else { "badge badge-ok" })
        }
        None => (format!("Valid · ends {}", a.expiry_event.clone().unwrap_or_else(|| "at an event".into())), "badge badge-ok"),
    }
}

pub fn client_page(viewer: &Viewer, view: &ClientView<'_>, flash: Option<&Flash>) -> Markup {
    let client = view.client;
    let (notes, others): (Vec<&Record>, Vec<&Record>) = view.records.iter().partition(|r| r.category == Category::PsychotherapyNotes);
    let mut categories: Vec<Category> = others.iter().map(|r| r.category).collect();
    categories.sort();
    categories.dedup();
    frame(
        Some(viewer),
        &client.name,
        flash,
        html! {
            @if view.break_glass {
                p.flash.warn role="status" { "You opened this record with break-glass access. Your reason is logged and the privacy officer will review it." }
            }
            p { (status_badge(client)) " " @if client.part2_program { span class="badge badge-part2" { "Part 2 program: substance-use records need a Part 2 consent" } } }
            dl.facts {
                dt { "Client ID" } dd { (client.id) }
                @if let Some(age) = client.birth.age_on(view.today) { dt { "Age" } dd { (age) } }
                @if let Some(on) = client.discharged_on { dt { "Discharged" } dd { (on) } }
                @if let Some(on) = client.died_on { dt { "Died" } dd { (on) } }
            }
            p.actions {
                a.button href={ "/console/share?client=" (client.id) } { "Can I share this?" }
                a href={ "/console/clients/" (client.id) "/authorizations/new" } { "Add an authorization" }
                @if viewer.oversees() { a href={ "/console/clients/" (client.id) "/accounting" } { "Accounting of disclosures" } }
            }
            h2 { "Records" }
            @if categories.is_empty() { p { "No records on file." } }
            @for category in &categories {
                section.category {
                    @let (badge, class) = sensitivity(*category);
                    h3 { (humanize(plain_category(*category))) " " span class=(class) { (badge) } }
                    @for record in others.iter().filter(|r| r.category == *category) {
                        details {
                            summary { "Record " (record.id) " · by " (record.author_id) }
                            pre { (record.content.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
            h2 { "Psychotherapy notes " span class="badge badge-pn" { "Kept apart from the record (45 CFR 164.501)" } }
            @if notes.is_empty() && view.hidden_notes == 0 { p { "None on file." } }
            @for record in &notes {
                details { summary { "Note " (record.id) " · by you" } pre { (record.content.as_deref().unwrap_or("")) } }
            }
            @if view.hidden_notes > 0 {
                p.muted { (view.hidden_notes) " psychotherapy note(s) by another clinician are on file; only their author may read them." }
            }
            h2 { "Authorizations and consents" }
            @if view.authorizations.is_empty() { p { "None on file." } }
            @else {
                table {
                    thead { tr { th scope="col" { "ID" } th scope="col" { "Kind" } th scope="col" { "Covers" } th scope="col" { "To" } th scope="col" { "Status" } th scope="col" { span.visually-hidden { "Actions" } } } }
                    tbody {
                        @for auth in view.authorizations {
                            @let (status, class) = authorization_status(auth, view.today);
                            @let a = &auth.authorization;
                            tr {
                                td { (a.id) }
                                td { @if a.kind == AuthorizationKind::Part2 { "Part 2 consent" } @else { "HIPAA authorization" } }
                                td { (a.categories.iter().map(|c| plain_category(*c)).collect::<Vec<_>>().join(", ")) " for " (a.purposes.iter().map(|p| humanize(p.as_str())).collect::<Vec<_>>().join(", ")) }
                                td { (a.recipients.iter().map(|r| r.name.clone().unwrap_or_else(|| humanize(r.kind.as_str()))).collect::<Vec<_>>().join(", ")) }
                                td { span class=(class) { (status) } }
                                td {
                                    @if a.revoked_on.is_none() {
                                        form.inline method="post" action={ "/console/clients/" (client.id) "/authorizations/" (a.id) "/revoke" } {
                                            (csrf_field(viewer))
                                            label.visually-hidden for={ "revoke-" (a.id) } { "Revocation date" }
                                            input id={ "revoke-" (a.id) } type="date" name="on" value=(view.today.to_string()) required;
                                            button type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Restrictions the client asked for" }
            @if view.restrictions.is_empty() { p { "None." } }
            ul {
                @for r in view.restrictions {
                    li {
                        @if r.restriction.agreed { "Agreed: " } @else { "Requested (not agreed): " }
                        @if r.restriction.categories.is_empty() { "all information" } @else { (r.restriction.categories.iter().map(|c| plain_category(*c)).collect::<Vec<_>>().join(", ")) }
                        " · to " @if r.restriction.recipient_kinds.is_empty() { "anyone" } @else { (r.restriction.recipient_kinds.iter().map(|k| humanize(k.as_str())).collect::<Vec<_>>().join(", ")) }
                        " · requested " (r.requested_on)
                    }
                }
            }
        },
    )
}

/// Opening a client outside one's caseload: a stated reason, logged and reviewed.
pub fn break_glass(viewer: &Viewer, client_id: &str, error: Option<&str>) -> Markup {
    let flash = error.map(|text| Flash { kind: crate::FlashKind::Error, text: text.to_string() });
    frame(
        Some(viewer),
        "This client is not on your caseload",
        flash.as_ref(),
        html! {
            p { "You may open this record only if you need it now, for this client's care or safety. Your reason is written to the audit log and the privacy officer reviews every break-glass access." }
            form.card method="post" action={ "/console/clients/" (client_id) "/break-glass" } {
                (csrf_field(viewer))
                label for="reason" { "Why do you need this record now?" }
                textarea #reason name="reason" rows="3" minlength="10" required {}
                button.danger type="submit" { "Open with break-glass" }
            }
            p { a href="/console" { "Go back" } }
        },
    )
}

// ── can I share this? ────────────────────────────────────────────────────

/// The wizard's answers so far.
#[derive(Clone, Debug, Default)]
pub struct ShareValues {
    pub client_id: String,
    pub to: Option<RecipientKind>,
    pub recipient_name: String,
    pub same_organization: bool,
    pub purpose: Option<Purpose>,
    pub categories: Vec<Category>,
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
            form.card method="post" action="/console/share" {
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
                                " " a href={ "/console/clients/" (values.client_id) "/authorizations/new" } { "Add an authorization" }
                            }
                        }
                    }
                }
            }
            h2 { "Rules that applied" }
            ul {
                @for rule in &decision.rules {
                    li { a href={ "/console/rules/" (rule.id) } { (rule.id) } " — " (rule.summary) " " span.cite { (rule.cite) } }
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
                form.card method="post" action={ "/console/clients/" (values.client_id) "/disclose" } {
                    (csrf_field(viewer))
                    (hidden_values(values))
                    label for="recipient_address" { "Recipient's address (kept in the accounting when it must be)" }
                    input #recipient_address name="recipient_address" type="text";
                    button type="submit" { "Disclose" }
                }
            }
            p { a href={ "/console/share?client=" (values.client_id) } { "Ask another question" } }
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
            p { a.button href={ "/console/disclosures/" (package.disclosure_id) } { "Open the package to print or send" } }
            p { a href={ "/console/clients/" (package.client_id) } { "Back to the client" } }
        },
    )
}

// ── authorizations ───────────────────────────────────────────────────────

/// The authorization form's values.
#[derive(Clone, Debug, Default)]
pub struct AuthorizationValues {
    pub kind: Option<AuthorizationKind>,
    pub signed_by: Option<Signer>,
    pub signed_on: String,
    pub categories: Vec<Category>,
    pub recipient_kind: Option<RecipientKind>,
    pub recipient_name: String,
    pub purposes: Vec<Purpose>,
    pub expires_on: String,
    pub expiry_event: String,
    pub right_to_revoke: bool,
    pub no_conditioning: bool,
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
                form.card #auth-form method="post" action={ "/console/clients/" (client.id) "/authorizations" } {
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

// ── accounting, audit, review, rules ─────────────────────────────────────

/// The accounting a client is handed; printable.
pub fn accounting(viewer: &Viewer, client: &Client, accounting: &Accounting) -> Markup {
    frame(
        Some(viewer),
        &format!("Accounting of disclosures — {}", client.name),
        None,
        html! {
            p { "Disclosures from " (accounting.since) " to " (accounting.as_of) " that the law requires us to list (45 CFR 164.528)." }
            @if accounting.entries.is_empty() { p { "No such disclosures were made in this period." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Date" } th scope="col" { "Recipient" } th scope="col" { "Information" } th scope="col" { "Purpose or basis" } } }
                    tbody {
                        @for e in &accounting.entries {
                            tr {
                                td { (e.disclosed_on) }
                                td { (e.recipient_name.clone().unwrap_or_else(|| humanize(e.recipient_kind.as_str()))) @if let Some(a) = &e.recipient_address { br; (a) } }
                                td { (e.description) }
                                td { (e.statement) @if let Some(old) = &e.corrects { br; span.muted { "Corrects entry " (old) } } }
                            }
                        }
                    }
                }
            }
            @if accounting.suspended_entries > 0 {
                p { "Some disclosures to a health oversight agency or law enforcement are left out for now, at that agency's request (45 CFR 164.528(a)(2))." }
            }
            p.muted { "Not listed, as the law allows: disclosures for treatment, payment and health care operations; to the client; under the client's written authorization; and to people involved in the client's care." }
            p.noprint { button type="button" data-print { "Print" } }
        },
    )
}

/// The audit log: the signed head, whether it verifies, recent entries.
pub fn audit(
    viewer: &Viewer,
    head: Option<&SignedTreeHead>,
    public_key: Option<&str>,
    verification: Option<&AuditVerification>,
    entries: &[AuditEntry],
) -> Markup {
    frame(
        Some(viewer),
        "Audit log",
        None,
        html! {
            section.card {
                h2 { "Signed tree head" }
                @if let Some(head) = head {
                    dl.facts {
                        dt { "Entries" } dd { (head.head.size) }
                        dt { "Root" } dd { code { (hex(&head.head.root)) } }
                        dt { "Signed at (ms)" } dd { (head.head.timestamp_ms) }
                        @if let Some(key) = public_key { dt { "Log public key" } dd { code { (key) } } }
                    }
                } @else { p { "The log is empty." } }
                @match verification {
                    Some(v) => @match &v.problem {
                        None => p.flash.ok { "Verified: " (v.size) " entries and " (v.heads_checked) " signed heads recomputed; nothing was changed." },
                        Some(problem) => p.flash.err role="alert" { "Verification failed: " (problem.to_string()) },
                    },
                    None => form method="post" action="/console/audit/verify" { (csrf_field(viewer)) button type="submit" { "Verify the whole log now" } },
                }
            }
            h2 { "Latest entries" }
            table {
                thead { tr { th scope="col" { "Entry" } th scope="col" { "When (UTC ms)" } th scope="col" { "What" } th scope="col" { "Who" } th scope="col" { "Client" } th scope="col" { "Information" } th scope="col" { "Proof" } } }
                tbody {
                    @for e in entries {
                        tr class=(if e.break_glass { "flagged" } else { "" }) {
                            td { (e.seq) }
                            td { (e.at_ms) }
                            td { (humanize(e.kind.as_str())) @if e.break_glass { " " span class="badge badge-bad" { "Break-glass" } } }
                            td { (e.actor.as_deref().unwrap_or("—")) }
                            td { (e.client_id.as_deref().unwrap_or("—")) }
                            td { (e.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")) }
                            td { a href={ "/console/audit/" (e.seq) } { "Inclusion proof" } }
                        }
                    }
                }
            }
        },
    )
}

/// One entry's inclusion proof against the signed head.
pub fn audit_proof(viewer: &Viewer, entry: &AuditEntry, proof: &InclusionProof, head: &SignedTreeHead, verified: bool) -> Markup {
    frame(
        Some(viewer),
        &format!("Audit entry {}", entry.seq),
        None,
        html! {
            p class=(if verified { "flash ok" } else { "flash err" }) { @if verified { "Verified: the tree head's signature checks out under this server's log key, and this entry's proof leads to that head's root." } @else { "NOT verified: the tree head's signature or this entry's proof does not check out." } }
            dl.facts {
                dt { "Leaf hash" } dd { code { (entry.leaf_hash.to_hex()) } }
                dt { "Tree size" } dd { (proof.tree_size) }
                dt { "Signed root" } dd { code { (hex(&head.head.root)) } }
            }
            h2 { "Audit path (leaf to root)" }
            ol { @for h in &proof.path { li { code { (hex(h)) } } } }
            p.muted { "Anyone can check this with the log's public key: " code { "confidant audit check-proof FILE --public-key KEY" } " on the JSON from " code { "GET /v1/audit/entries/" (entry.seq) "/proof" } "." }
        },
    )
}

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

/// Every rule with its layer, cite and summary.
/// The rule packs in use, for the privacy officer and the admin.
#[derive(Clone, Debug)]
pub struct PacksView {
    /// `built-in packs`, or the packs directory.
    pub source: String,
    pub rules_version: String,
    pub rules: usize,
    /// The packs directory's own scenarios: passed, and the failures.
    pub tests: Option<(usize, Vec<String>)>,
    pub last_reload: Option<ReloadView>,
}

/// What the last reload changed, from the decisions it replayed.
#[derive(Clone, Debug)]
pub struct ReloadView {
    pub when: String,
    pub by: String,
    pub old_version: String,
    pub new_version: String,
    pub replayed: usize,
    pub changed: usize,
    /// Audit entry, category, old outcome, new outcome, rules (old → new).
    pub changes: Vec<(u64, String, String, String, String)>,
}

fn packs_section(packs: &PacksView) -> Markup {
    html! {
        section aria-labelledby="packs" {
            h2 #packs { "Rule packs in use" }
            dl.facts {
                dt { "From" } dd { (packs.source) }
                dt { "Rules version" } dd { code { (packs.rules_version) } }
                dt { "Rules" } dd { (packs.rules) }
                dt { "Pack tests" }
                dd {
                    @match &packs.tests {
                        None => "no scenarios beside the packs",
                        Some((passed, failures)) if failures.is_empty() => { (passed) " passed, 0 failed" }
                        Some((passed, failures)) => {
                            strong { (passed) " passed, " (failures.len()) " failed" }
                            ul { @for f in failures { li { (f) } } }
                        }
                    }
                }
            }
            @if let Some(reload) = &packs.last_reload {
                h3 { "Last reload" }
                p {
                    (reload.when) " by " (reload.by) ": " code { (reload.old_version) } " → " code { (reload.new_version) } ". "
                    (reload.replayed) " recorded decisions of the last 30 days replayed; " (reload.changed) " category outcomes change."
                }
                @if !reload.changes.is_empty() {
                    table {
                        thead { tr { th scope="col" { "Audit entry" } th scope="col" { "Category" } th scope="col" { "Before" } th scope="col" { "Now" } th scope="col" { "Rules (before → now)" } } }
                        tbody {
                            @for (entry, category, old, new, rules) in &reload.changes {
                                tr { td { a href={ "/console/audit/" (entry) } { (entry) } } td { (humanize(category)) } td { (old) } td { (new) } td { (rules) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub fn rules(viewer: &Viewer, rules: &[Rule], packs: Option<&PacksView>) -> Markup {
    frame(
        Some(viewer),
        "Rules",
        None,
        html! {
            @if let Some(packs) = packs { (packs_section(packs)) }
            p { "The rules Confidant applies, one per line, in the words staff use. Each links to its page with the policy text." }
            table {
                thead { tr { th scope="col" { "Rule" } th scope="col" { "Layer" } th scope="col" { "Cite" } th scope="col" { "In short" } } }
                tbody {
                    @for rule in rules {
                        tr { td { a href={ "/console/rules/" (rule.id) } { (rule.id) } } td { (humanize(rule.layer.as_str())) } td { (rule.cite) } td { (rule.summary) } }
                    }
                }
            }
        },
    )
}

pub fn rule(viewer: &Viewer, rule: &Rule) -> Markup {
    frame(
        Some(viewer),
        &rule.id,
        None,
        html! {
            p { (rule.summary) }
            dl.facts {
                dt { "Layer" } dd { (humanize(rule.layer.as_str())) }
                dt { "Cite" } dd { (rule.cite) }
                dt { "Effect" } dd { (humanize(rule.effect.as_str())) }
                @if !rule.obligations.is_empty() { dt { "Obligations" } dd { (rule.obligations.iter().map(|o| humanize(o.as_str())).collect::<Vec<_>>().join(", ")) } }
                @if !rule.remedies.is_empty() { dt { "Remedies" } dd { (rule.remedies.iter().map(|r| humanize(r.as_str())).collect::<Vec<_>>().join(", ")) } }
            }
            @if let Some(advice) = &rule.advice { p { (advice) } }
            h2 { "Policy text (Cedar)" }
            pre.source { (rule.source) }
            p { a href="/console/rules" { "All rules" } }
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use confidant_store::StaffRole;

    fn viewer() -> Viewer {
        Viewer { staff_id: "st-1".into(), name: "Riley <Fenwick>".into(), role: StaffRole::PeerSupportSpecialist, csrf: "tok\"en".into() }
    }

    #[test]
    fn names_and_tokens_are_escaped() {
        let page = sign_in(Some("<b>bad</b>"), "x\"><script>").into_string();
        assert!(!page.contains("<script>") && !page.contains("<b>bad"));
        let page = rules(&viewer(), &[], None).into_string();
        assert!(page.contains("Riley &lt;Fenwick&gt;"));
        assert!(page.contains("value=\"tok&quot;en\""));
    }

    #[test]
    fn only_privacy_officers_see_audit_navigation() {
        assert!(!rules(&viewer(), &[], None).into_string().contains("/console/audit"));
        let mut officer = viewer();
        officer.role = StaffRole::PrivacyOfficer;
        assert!(rules(&officer, &[], None).into_string().contains("/console/audit"));
    }

    #[test]
    fn the_checklist_marks_what_the_engine_says_is_missing() {
        let client = Client {
            id: "cl-1".into(),
            name: "Ana".into(),
            contact: None,
            notes: None,
            birth: confidant_store::Birth::Age { years: 30, on: Date::parse("2026-01-01").unwrap() },
            status: ClientStatus::Active,
            discharged_on: None,
            died_on: None,
            part2_program: false,
            lps_program: false,
            team_id: None,
        };
        let defects = [Reason::MissingElement(Element::Signature), Reason::MissingStatement(Statement::Redisclosure)];
        let page = authorization_form(&viewer(), &client, &AuthorizationValues::default(), &defects, None).into_string();
        assert!(page.contains("data-check=\"signature\" class=\"missing\""));
        assert!(page.contains("data-check=\"redisclosure\" class=\"missing\""));
        assert!(page.contains("data-check=\"purpose\" class=\"present\""));
    }
}
