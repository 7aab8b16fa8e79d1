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
