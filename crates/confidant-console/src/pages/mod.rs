//! One function per page. Each takes what the page shows, already fetched
//! and already allowed by the server's access checks, and returns HTML.

use confidant_audit::{InclusionProof, SignedTreeHead};
use confidant_disclosure::Package;
use confidant_policy::authorization::{Element, Reason, Statement, required_statements};
use confidant_policy::vocab::{AuthorizationKind, Category, ClientStatus, Fact, Outcome, Purpose, RecipientKind, Signer};
use confidant_policy::{Date, Decision, Restriction, Rule, plain_category};
use confidant_store::{
    Accounting, AuditEntry, AuditVerification, CareTeam, Client, NoticeNotObtained, NoticeStatus, Record, Staff, StaffRole,
    StoredAuthorization, StoredRestriction, unix_days,
};
use maud::{Markup, html};

use crate::components::{Flash, Viewer, csrf_field, frame, humanize, sensitivity};
use crate::routes;

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

mod admin;
mod ascmi;
mod authorizations;
mod clients;
mod intake;
mod notes;
mod oversight;
mod review;
mod rules;
mod share;

pub use admin::*;
pub use ascmi::*;
pub use authorizations::*;
pub use clients::*;
pub use intake::*;
pub use notes::*;
pub use oversight::*;
pub use review::*;
pub use rules::*;
pub use share::*;

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
        assert!(!rules(&viewer(), &[], None).into_string().contains(routes::AUDIT));
        let mut officer = viewer();
        officer.role = StaffRole::PrivacyOfficer;
        assert!(rules(&officer, &[], None).into_string().contains(routes::AUDIT));
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
