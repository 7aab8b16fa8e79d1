//! Mandated reporting.

use super::*;

pub(crate) fn child_abuse(role: &str, jurisdiction: &str) -> Value {
    let r = facts(
        base("child_welfare_agency", "report_child_abuse", &["demographics", "peer_support_notes", "diagnosis"]),
        &["suspected_child_abuse"],
    );
    set(set(set(r, "/discloser/role", json!(role)), "/jurisdiction", json!(jurisdiction)), "/organization_policy", json!("default"))
}

#[test]
fn child_abuse_federal_permits_california_requires() {
    assert_eq!(decide(&child_abuse("psychotherapist", "US")).decision, OverallDecision::Permit);
    let ca = decide(&child_abuse("psychotherapist", "US-CA"));
    assert_eq!(outcome(&ca, "demographics"), Outcome::Required);
    assert_eq!(outcome(&ca, "peer_support_notes"), Outcome::Required, "org.peer_notes_private never blocks a mandate");
    assert_eq!(outcome(&ca, "diagnosis"), Outcome::Permit);
}

/// Penal Code 11166(a); Welf. & Inst. Code 15630(b)(1): the report is the
/// report under every label it can be filed under, in every layer (the
/// organization's included), and under no other.
#[test]
fn abuse_reports_are_read_by_their_facts_under_every_reporting_purpose() {
    use confidant_policy::vocab::Purpose;
    let report = |role: &str, label: &str, recipient: &str, age: u32, suspicion: &str| {
        let r = set(set(child_abuse(role, "US-CA"), "/purpose", json!(label)), "/recipient/kind", json!(recipient));
        decide(&set(set(r, "/client/age", json!(age)), "/facts", json!({ suspicion: true })))
    };
    for purpose in Purpose::ALL {
        let label = purpose.as_str();
        let child = report("case_manager", label, "law_enforcement", 9, "suspected_child_abuse");
        let elder = report("nurse", label, "adult_protective_services", 80, "suspected_elder_abuse");
        if purpose.carries_report() {
            assert_eq!(outcome(&child, "demographics"), Outcome::Required, "{label}: child-abuse report to the police");
            assert_eq!(
                outcome(&child, "diagnosis"),
                Outcome::Permit,
                "{label}: the organization layer lets the report carry the diagnosis"
            );
            assert_eq!(outcome(&elder, "demographics"), Outcome::Required, "{label}: elder-abuse report to protective services");
        } else {
            assert!(!fired(&child, "ca.child_abuse_mandate"), "{label} is not a report");
            assert!(!fired(&elder, "ca.elder_abuse_mandate"), "{label} is not a report");
        }
    }
}

#[test]
fn child_abuse_peer_specialist_is_not_mandated_unless_designated() {
    let peer = decide(&child_abuse("peer_support_specialist", "US-CA"));
    assert_eq!(outcome(&peer, "demographics"), Outcome::Permit, "AMB-1");
    assert!(peer.explanation.contains("supervisor"));
    let designated = decide(&set(child_abuse("peer_support_specialist", "US-CA"), "/discloser/mandated_reporter", json!(true)));
    assert_eq!(outcome(&designated, "demographics"), Outcome::Required);
    let opted_out = decide(&set(child_abuse("psychotherapist", "US-CA"), "/discloser/mandated_reporter", json!(false)));
    assert_eq!(outcome(&opted_out, "demographics"), Outcome::Permit);
}

#[test]
fn child_abuse_part2_allows_the_initial_report() {
    let d = decide(&set(child_abuse("psychotherapist", "US-CA"), "/client/part2_program", json!(true)));
    assert_eq!(outcome(&d, "demographics"), Outcome::Required, "42 CFR 2.12(c)(6)");
}

#[test]
fn elder_abuse_needs_a_basis_federally_and_is_mandated_in_california() {
    let r = facts(
        set(base("adult_protective_services", "report_elder_abuse", &["demographics"]), "/client/age", json!(81)),
        &["suspected_elder_abuse"],
    );
    let us = decide(&r);
    assert_eq!(us.decision, OverallDecision::Deny, "164.512(c)(1) needs law, agreement or threat");
    assert!(has_remedy(&us, RemedyKind::AskClient));
    let with_law = decide(&facts(
        set(base("adult_protective_services", "report_elder_abuse", &["demographics"]), "/client/age", json!(81)),
        &["suspected_elder_abuse", "required_by_law"],
    ));
    assert_eq!(with_law.decision, OverallDecision::Permit, "AMB-11");
    let ca = decide(&set(r.clone(), "/jurisdiction", json!("US-CA")));
    assert_eq!(ca.decision, OverallDecision::Required);
    assert!(has_obligation(&ca, ObligationKind::InformClient));
    let young = decide(&set(set(r, "/jurisdiction", json!("US-CA")), "/client/age", json!(40)));
    assert_eq!(young.decision, OverallDecision::Deny);
}

#[test]
fn outside_california_a_marked_mandated_reporter_reports_by_law() {
    // 164.512(c)(1)(i): required by (state) law; 164.508(a)(2)(ii): the
    // notes need no authorization for it. Unmarked, federal law alone asks
    // the client's agreement for an adult's abuse report.
    let elder = |marked: bool| {
        let r = facts(base("adult_protective_services", "report_elder_abuse", &["progress_notes"]), &["suspected_elder_abuse"]);
        let r = set(r, "/client/age", json!(80));
        decide(&if marked { set(r, "/discloser/mandated_reporter", json!(true)) } else { r })
    };
    assert_eq!(elder(true).decision, OverallDecision::Permit);
    assert_eq!(elder(false).decision, OverallDecision::Deny);
    let child = facts(
        set(
            set(base("child_welfare_agency", "report_child_abuse", &["psychotherapy_notes"]), "/client/age", json!(9)),
            "/discloser/mandated_reporter",
            json!(true),
        ),
        &["suspected_child_abuse"],
    );
    assert_eq!(decide(&child).decision, OverallDecision::Permit);
}
