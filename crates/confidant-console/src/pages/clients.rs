//! Sign-in, changing one's password, errors, the caseload, the client page and break-glass.

#[allow(clippy::wildcard_imports)]
use super::*;

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
            form.card method="post" action=(routes::SIGN_IN) {
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

/// Changing one's own password; `forced` when the current one was set by
/// someone else (a one-time or reset password) and must be changed before
/// anything else.
pub fn password(viewer: &Viewer, forced: bool, flash: Option<&Flash>) -> Markup {
    frame(
        Some(viewer),
        "Change your password",
        flash,
        html! {
            @if forced {
                p { "Your password was set by someone else. Choose your own before you go on: at least 12 characters, not used elsewhere." }
            }
            form.card method="post" action="/console/password" {
                (csrf_field(viewer))
                label for="current_password" { "Current password" }
                input #current_password name="current_password" type="password" autocomplete="current-password" required autofocus;
                label for="password" { "New password (at least 12 characters)" }
                input #password name="password" type="password" autocomplete="new-password" required minlength="12";
                label for="confirm" { "New password again" }
                input #confirm name="confirm" type="password" autocomplete="new-password" required minlength="12";
                button type="submit" { "Change password" }
            }
        },
    )
}

/// A refusal or a missing page, saying no more than the viewer may know.
pub fn error(viewer: Option<&Viewer>, title: &str, message: &str) -> Markup {
    frame(viewer, title, None, html! { p { (message) } p { a href=(routes::HOME) { "Back to my caseload" } } })
}

// ── caseload and client ──────────────────────────────────────────────────

/// The viewer's caseload and care-team clients, narrowed by `query` when
/// the viewer searched; `may_add` offers intake.
pub fn caseload(viewer: &Viewer, clients: &[Client], today: Date, query: &str, may_add: bool, flash: Option<&Flash>) -> Markup {
    frame(
        Some(viewer),
        "My caseload",
        flash,
        html! {
            div.actions {
                form.search role="search" method="get" action=(routes::HOME) {
                    label for="q" { "Find a client on your caseload (name or ID)" }
                    div.row {
                        input #q name="q" type="search" value=(query) autocomplete="off";
                        button type="submit" { "Search" }
                    }
                }
                @if may_add { a.button href=(routes::NEW_CLIENT) { "Add a client" } }
            }
            @if clients.is_empty() {
                @if query.is_empty() { p { "No clients are assigned to you or your care team." } }
                @else { p { "No client on your caseload or care team matches “" (query) "”. " a href=(routes::HOME) { "Show all" } } }
            } @else {
                table.stack {
                    caption {
                        (clients.len()) @if clients.len() == 1 { " client" } @else { " clients" } " on your caseload or care team"
                        @if !query.is_empty() { " matching “" (query) "” · " a href=(routes::HOME) { "Show all" } }
                    }
                    thead { tr { th scope="col" { "Client" } th scope="col" { "Status" } th scope="col" { "Age" } th scope="col" { "Program" } } }
                    tbody {
                        @for client in clients {
                            tr {
                                td { a href=(routes::client(&client.id)) { (client.name) } br; span.muted { (client.id) } }
                                td { (status_badge(client)) }
                                td { (client.birth.age_on(today).map(|a| a.to_string()).unwrap_or_default()) }
                                td {
                                    @if client.part2_program { span class="badge badge-part2" { "Part 2 program" } }
                                    @if client.lps_program { " " span class="badge badge-special" { "LPS program" } }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// One record (its latest version) as listed on the client page.
#[derive(Clone, Debug)]
pub struct RecordRow {
    /// The latest version's id.
    pub id: String,
    /// The record's category.
    pub category: Category,
    /// The day the latest version was written.
    pub date: String,
    /// The latest version's author, by display name.
    pub author: String,
    /// The first line of the latest version.
    pub title: String,
    /// How many versions there are (more than one: corrected).
    pub versions: usize,
}

/// Everything the viewer may see about one client.
pub struct ClientView<'a> {
    /// The client.
    pub client: &'a Client,
    /// Records the viewer may read (latest versions, newest first);
    /// psychotherapy notes only when the viewer wrote them.
    pub records: &'a [RecordRow],
    /// Psychotherapy notes on file that the viewer may not read.
    pub hidden_notes: usize,
    /// Authorizations and consents on file.
    pub authorizations: &'a [StoredAuthorization],
    /// Restriction requests and their decisions.
    pub restrictions: &'a [StoredRestriction],
    /// Whether the privacy notice was acknowledged.
    pub notice: &'a NoticeStatus,
    /// The care team's name, when the client has one.
    pub team: Option<&'a str>,
    /// The categories the viewer writes notes in.
    pub writable: &'a [Category],
    /// The viewer opened this client under break-glass.
    pub break_glass: bool,
    /// The day the page speaks of (expiry, ages).
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

/// The category's name as a note's writer reads it.
fn category_option(category: Category) -> String {
    if category == Category::PsychotherapyNotes {
        "Psychotherapy note — kept apart, only you will read it".into()
    } else {
        humanize(plain_category(category))
    }
}

fn records_table(client_id: &str, rows: &[&RecordRow], caption: &str) -> Markup {
    html! {
        table.stack.records {
            caption { (caption) }
            thead { tr { th scope="col" { "Date" } th scope="col" { "Note" } th scope="col" { "Category" } th scope="col" { "Written by" } } }
            tbody {
                @for row in rows {
                    tr {
                        td { (row.date) }
                        td {
                            a href=(routes::record(client_id, &row.id)) { (row.title) }
                            @if row.versions > 1 { " " span.badge { "Corrected · " (row.versions) " versions" } }
                        }
                        td {
                            (humanize(plain_category(row.category)))
                            @let (badge, class) = sensitivity(row.category);
                            @if row.category == Category::PsychotherapyNotes || row.category == Category::SubstanceUse || row.category == Category::Hiv {
                                " " span class=(class) { (badge) }
                            }
                        }
                        td { (row.author) }
                    }
                }
            }
        }
    }
}

/// A restriction's standing in words.
pub fn restriction_status(r: &StoredRestriction) -> (String, &'static str) {
    match &r.decision {
        Some(d) if d.agreed => (format!("Agreed on {} — binding", d.on), "badge badge-ok"),
        Some(d) => (format!("Declined on {}", d.on), "badge badge-muted"),
        None if r.restriction.agreed => ("Agreed — binding".into(), "badge badge-ok"),
        None => ("Waiting for the privacy officer".into(), "badge badge-warn"),
    }
}

/// What a restriction covers, in words.
pub fn restriction_scope(r: &Restriction) -> String {
    let what = if r.categories.is_empty() {
        "All information".to_string()
    } else {
        humanize(&r.categories.iter().map(|c| plain_category(*c)).collect::<Vec<_>>().join(", "))
    };
    let to = if r.recipient_kinds.is_empty() {
        "anyone".to_string()
    } else {
        r.recipient_kinds.iter().map(|k| humanize(k.as_str()).to_lowercase()).collect::<Vec<_>>().join(", ")
    };
    let why = if r.purposes.is_empty() {
        String::new()
    } else {
        format!(" for {}", r.purposes.iter().map(|p| humanize(p.as_str()).to_lowercase()).collect::<Vec<_>>().join(", "))
    };
    format!("{what}, not to {to}{why}")
}

/// A client's page: their details, records, notes form, authorizations, restrictions and the privacy notice.
pub fn client_page(viewer: &Viewer, view: &ClientView<'_>, flash: Option<&Flash>) -> Markup {
    let client = view.client;
    let (notes, others): (Vec<&RecordRow>, Vec<&RecordRow>) = view.records.iter().partition(|r| r.category == Category::PsychotherapyNotes);
    let today = view.today.to_string();
    frame(
        Some(viewer),
        &client.name,
        flash,
        html! {
            @if view.break_glass {
                p.flash.warn role="status" { "You opened this record with break-glass access. Your reason is logged and the privacy officer will review it." }
            }
            p {
                (status_badge(client)) " "
                @if client.part2_program { span class="badge badge-part2" { "Part 2 program: substance-use records need a Part 2 consent" } " " }
                @if client.lps_program { span class="badge badge-special" { "LPS program (Cal. Welf. & Inst. Code 5328)" } }
            }
            dl.facts {
                dt { "Client ID" } dd { (client.id) }
                @if let Some(age) = client.birth.age_on(view.today) { dt { "Age" } dd { (age) } }
                @if let Some(contact) = &client.contact { dt { "Contact" } dd { (contact) } }
                @if let Some(team) = view.team { dt { "Care team" } dd { (team) } }
                dt { "Privacy notice" } dd { (notice_summary(view.notice)) }
                @if let Some(on) = client.discharged_on { dt { "Discharged" } dd { (on) } }
                @if let Some(on) = client.died_on { dt { "Died" } dd { (on) } }
            }
            p.actions.noprint {
                a.button href=(routes::share_for(&client.id)) { "Can I share this?" }
                a href=(routes::new_authorization(&client.id)) { "Add an authorization" }
                a href=(routes::ascmi_list(&client.id)) { "ASCMI forms (California)" }
                @if viewer.oversees() { a href=(routes::accounting(&client.id)) { "Accounting of disclosures" } }
                a href=(routes::client_summary(&client.id)) { "Record summary to print" }
            }
            h2 { "Notes and records" }
            @if !view.writable.is_empty() {
                details.write.noprint #write open[view.records.is_empty()] {
                    summary { "Write a note" }
                    form #note-form method="post" action=(routes::records(&client.id)) {
                        (csrf_field(viewer))
                        label for="category" { "Category" }
                        select #category name="category" required {
                            @for c in view.writable { option value=(c.as_str()) selected[view.writable.len() == 1] { (category_option(*c)) } }
                        }
                        label for="content" { "Note" }
                        p.hint #content-hint { "The first line is the note's title in the list. A saved note is never edited: a correction is saved as a new version beside it." }
                        textarea #content name="content" rows="6" required aria-describedby="content-hint" {}
                        button type="submit" { "Save note" }
                    }
                }
            }
            @if others.is_empty() { p { "No records on file." } }
            @else { (records_table(&client.id, &others, "Newest first. Open a note to read it; opening is logged.")) }
            h2 { "Psychotherapy notes " span class="badge badge-pn" { "Kept apart from the record (45 CFR 164.501)" } }
            @if notes.is_empty() && view.hidden_notes == 0 { p { "None on file." } }
            @if !notes.is_empty() { (records_table(&client.id, &notes, "Your own psychotherapy notes; nobody else can read them.")) }
            @if view.hidden_notes > 0 {
                p.muted { (view.hidden_notes) " psychotherapy note(s) by another clinician are on file; only their author may read them." }
            }
            h2 { "Authorizations and consents" }
            @if view.authorizations.is_empty() { p { "None on file." } }
            @else {
                table.stack {
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
                                        form.inline method="post" action=(routes::revoke_authorization(&client.id, &a.id)) {
                                            (csrf_field(viewer))
                                            label.visually-hidden for={ "revoke-" (a.id) } { "Revocation date" }
                                            input id={ "revoke-" (a.id) } type="date" name="on" value=(today) required;
                                            button type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Privacy notice" }
            p { (notice_summary(view.notice)) }
            details.noprint #notice open[view.notice.acknowledged.is_empty()] {
                summary { @if view.notice.acknowledged.is_empty() { "Record the acknowledgment, or why it could not be obtained" } @else { "Record a new acknowledgment" } }
                div.two {
                    form.card method="post" action=(routes::notice(&client.id)) {
                        (csrf_field(viewer))
                        input type="hidden" name="outcome" value="acknowledged";
                        h3 { "The client acknowledged the notice" }
                        label for="ack-on" { "Day they signed the acknowledgment" }
                        input #ack-on type="date" name="on" value=(today) required;
                        button type="submit" { "Record the acknowledgment" }
                    }
                    form.card method="post" action=(routes::notice(&client.id)) {
                        (csrf_field(viewer))
                        input type="hidden" name="outcome" value="not_obtained";
                        h3 { "We tried, but could not get it" }
                        label for="nack-on" { "Day we tried" }
                        input #nack-on type="date" name="on" value=(today) required;
                        label for="reason" { "Why not (45 CFR 164.520(c)(2)(ii))" }
                        select #reason name="reason" required {
                            option value="" { "Choose the reason" }
                            @for r in NoticeNotObtained::ALL { option value=(r.as_str()) { (r.describe()) } }
                        }
                        button type="submit" { "Record the attempt" }
                    }
                }
            }
            h2 { "Restrictions the client asked for" }
            @if view.restrictions.is_empty() { p { "None." } }
            @else {
                table.stack {
                    thead { tr { th scope="col" { "Requested" } th scope="col" { "Restriction" } th scope="col" { "Decision" } } }
                    tbody {
                        @for r in view.restrictions {
                            @let (status, class) = restriction_status(r);
                            tr { td { (r.requested_on) } td { (restriction_scope(&r.restriction)) } td { span class=(class) { (status) } } }
                        }
                    }
                }
            }
            details.noprint #restriction {
                summary { "Record a restriction request (45 CFR 164.522)" }
                form #restriction-form method="post" action=(routes::restrictions(&client.id)) {
                    (csrf_field(viewer))
                    p { "The client asks us not to share some information. The privacy officer agrees or declines; an agreed restriction binds every later decision." }
                    fieldset {
                        legend { "What information (none ticked: all of it)" }
                        div.checks { @for c in Category::ALL { label.check { input type="checkbox" name="categories" value=(c.as_str()); " " (humanize(plain_category(*c))) } } }
                    }
                    fieldset {
                        legend { "Not to whom (none ticked: anyone)" }
                        div.checks { @for k in RecipientKind::ALL { label.check { input type="checkbox" name="recipient_kinds" value=(k.as_str()); " " (humanize(k.as_str())) } } }
                    }
                    label for="requested_on" { "Day the client asked" }
                    input #requested_on type="date" name="requested_on" value=(today) required;
                    button type="submit" { "Send to the privacy officer" }
                }
            }
        },
    )
}

/// The privacy-notice acknowledgment in one line.
pub fn notice_summary(notice: &NoticeStatus) -> String {
    match (notice.acknowledged.last(), notice.not_obtained.last()) {
        (Some(on), _) => format!("Acknowledged on {on}"),
        (None, Some((on, why))) => format!("Not obtained — tried on {on}: {}", why.describe().to_lowercase()),
        (None, None) => "Not yet acknowledged".into(),
    }
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
            form.card method="post" action=(routes::break_glass(client_id)) {
                (csrf_field(viewer))
                label for="reason" { "Why do you need this record now?" }
                textarea #reason name="reason" rows="3" minlength="10" required {}
                button.danger type="submit" { "Open with break-glass" }
            }
            p { a href=(routes::HOME) { "Go back" } }
        },
    )
}
