//! Administration (the admin role): staff accounts and care teams. Every
//! change is audited by the operation behind it; nobody changes their own
//! account here or adds themselves to a team.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Staff: add, change a role, deactivate or reactivate, reset a password,
/// clear the second factor, revoke API tokens.
pub fn staff_page(viewer: &Viewer, staff: &[Staff], flash: Option<&Flash>) -> Markup {
    frame(
        Some(viewer),
        "Staff",
        flash,
        html! {
            p.actions { a href=(routes::TEAMS) { "Care teams" } }
            form.card #staff-form method="post" action=(routes::STAFF) {
                (csrf_field(viewer))
                h2 { "Add a staff member" }
                label for="display_name" { "Name" }
                input #display_name name="display_name" type="text" autocomplete="off" required;
                label for="role" { "Role" }
                select #role name="role" required {
                    option value="" { "Choose a role" }
                    @for role in StaffRole::ALL { option value=(role.as_str()) { (humanize(role.as_str())) } }
                }
                label for="password" { "First password (at least 12 characters; they change it after signing in)" }
                input #password name="password" type="password" autocomplete="new-password" minlength="12" required;
                button type="submit" { "Add" }
            }
            table.stack.staff {
                caption { (staff.len()) " staff accounts" }
                thead { tr { th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Account" } th scope="col" { "Actions" } } }
                tbody {
                    @for s in staff {
                        tr {
                            td { (s.display_name) br; span.muted { (s.id) } }
                            td { (humanize(s.role.as_str())) }
                            td { @if s.active { span class="badge badge-ok" { "Active" } } @else { span class="badge badge-muted" { "Deactivated" } } }
                            td {
                                @if s.id == viewer.staff_id {
                                    span.muted { "Your own account: another admin changes it." }
                                } @else {
                                    details.manage {
                                        summary { "Manage" span.visually-hidden { " " (s.display_name) "'s account" } }
                                        div.admin-actions {
                                            form.inline method="post" action=(routes::staff_role(&s.id)) {
                                                (csrf_field(viewer))
                                                label for={ "role-" (s.id) } { "New role (ends their sessions and tokens)" }
                                                select id={ "role-" (s.id) } name="role" required {
                                                    option value="" { "Choose a role" }
                                                    @for role in StaffRole::ALL.iter().filter(|r| **r != s.role) {
                                                        option value=(role.as_str()) { (humanize(role.as_str())) }
                                                    }
                                                }
                                                button type="submit" { "Change role" }
                                            }
                                            form.inline method="post" action=(routes::staff_password(&s.id)) {
                                                (csrf_field(viewer))
                                                label for={ "pw-" (s.id) } { "New password" }
                                                input id={ "pw-" (s.id) } name="password" type="password" autocomplete="new-password" minlength="12" required;
                                                button type="submit" { "Reset password" }
                                            }
                                            form.inline method="post" action=(routes::staff_totp(&s.id)) {
                                                (csrf_field(viewer))
                                                button type="submit" { "Clear second factor" }
                                            }
                                            form.inline method="post" action=(routes::staff_tokens(&s.id)) {
                                                (csrf_field(viewer))
                                                button type="submit" { "Revoke API tokens" }
                                            }
                                            form.inline method="post" action=(routes::staff_active(&s.id)) {
                                                (csrf_field(viewer))
                                                @if s.active {
                                                    input type="hidden" name="active" value="false";
                                                    button.danger type="submit" { "Deactivate (ends every session now)" }
                                                } @else {
                                                    input type="hidden" name="active" value="true";
                                                    button type="submit" { "Reactivate" }
                                                }
                                            }
                                        }
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

/// Care teams and their members; add a team or a member.
pub fn teams_page(viewer: &Viewer, teams: &[CareTeam], staff: &[Staff], flash: Option<&Flash>) -> Markup {
    let name_of = |id: &str| staff.iter().find(|s| s.id == id).map_or_else(|| id.to_string(), |s| s.display_name.clone());
    frame(
        Some(viewer),
        "Care teams",
        flash,
        html! {
            p.actions { a href=(routes::STAFF) { "Staff" } }
            p { "A care team's members see the team's clients. Nobody adds themselves: another admin does." }
            @for t in teams {
                section.card {
                    h2 { (t.name) " " span.muted { "(" (t.id) ")" } }
                    @if t.members.is_empty() { p { "No members yet." } }
                    @else { ul { @for m in &t.members { li { (name_of(m)) " " span.muted { (m) } } } } }
                    form.inline method="post" action=(routes::team_members(&t.id)) {
                        (csrf_field(viewer))
                        label for={ "member-" (t.id) } { "Add a member" }
                        select id={ "member-" (t.id) } name="staff_id" required {
                            option value="" { "Choose staff" }
                            @for s in staff.iter().filter(|s| s.active && !t.members.contains(&s.id) && s.id != viewer.staff_id) {
                                option value=(s.id) { (s.display_name) " · " (humanize(s.role.as_str())) }
                            }
                        }
                        button type="submit" { "Add" }
                    }
                }
            }
            form.card method="post" action=(routes::TEAMS) {
                (csrf_field(viewer))
                h2 { "Add a care team" }
                label for="team-name" { "Name" }
                input #team-name name="name" type="text" required;
                button type="submit" { "Add the team" }
            }
        },
    )
}
