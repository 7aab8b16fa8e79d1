//! Intake: adding a client.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The intake form's values, kept when it comes back with an error.
#[derive(Clone, Debug, Default)]
pub struct IntakeValues {
    /// The client's name.
    pub name: String,
    /// How to reach them.
    pub contact: String,
    /// Date of birth (`YYYY-MM-DD`, as typed).
    pub birth_date: String,
    /// The care team, if any.
    pub team_id: String,
    /// Seen in a 42 CFR Part 2 program.
    pub part2_program: bool,
    /// Seen under the LPS Act (Welf. & Inst. Code 5328).
    pub lps_program: bool,
}

/// Adds a client, who lands on the intake worker's caseload.
pub fn new_client(viewer: &Viewer, values: &IntakeValues, teams: &[CareTeam], error: Option<&str>) -> Markup {
    let flash = error.map(|text| Flash { kind: crate::FlashKind::Error, text: text.to_string() });
    frame(
        Some(viewer),
        "Add a client",
        flash.as_ref(),
        html! {
            form.card #intake-form method="post" action=(routes::CLIENTS) {
                (csrf_field(viewer))
                label for="name" { "Name" }
                input #name name="name" type="text" autocomplete="off" required value=(values.name);
                label for="contact" { "Contact (phone, email or address)" }
                input #contact name="contact" type="text" autocomplete="off" value=(values.contact);
                label for="birth_date" { "Date of birth" }
                input #birth_date name="birth_date" type="date" required value=(values.birth_date);
                label for="team" { "Care team" }
                select #team name="team" {
                    option value="" { "No team yet" }
                    @for t in teams { option value=(t.id) selected[t.id == values.team_id] { (t.name) } }
                }
                fieldset {
                    legend { "Programs (they change what the law allows)" }
                    label.check { input type="checkbox" name="part2_program" value="true" checked[values.part2_program]; " A federally assisted substance-use program (42 CFR Part 2)" }
                    label.check { input type="checkbox" name="lps_program" value="true" checked[values.lps_program]; " A California LPS program: county, Medi-Cal specialty or MHSA (Welf. & Inst. Code 5328)" }
                }
                p.muted { "The client is put on your caseload. Record the privacy-notice acknowledgment on their page next." }
                button type="submit" { "Add the client" }
            }
        },
    )
}
