//! Serious threat and the duty to protect.

use super::*;

pub(crate) fn threat(role: &str, jurisdiction: &str) -> Value {
    let r = facts(
        base("potential_victim", "prevent_serious_threat", &["demographics", "progress_notes", "psychotherapy_notes"]),
        &["serious_imminent_threat", "identifiable_victim"],
    );
    set(set(r, "/discloser/role", json!(role)), "/jurisdiction", json!(jurisdiction))
}

#[test]
fn serious_threat_federal_permits_including_psychotherapy_notes() {
    let d = decide(&threat("psychotherapist", "US"));
    assert_eq!(d.decision, OverallDecision::Permit);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Permit, "164.508(a)(2)(ii)");
    assert!(has_obligation(&d, ObligationKind::DocumentRationale) && has_obligation(&d, ObligationKind::RecordInAccounting));
}

#[test]
fn serious_threat_california_psychotherapist_must_warn() {
    let d = decide(&set(threat("psychotherapist", "US-CA"), "/organization_policy", json!("default")));
    assert_eq!(outcome(&d, "progress_notes"), Outcome::Required);
    assert_eq!(outcome(&d, "demographics"), Outcome::Required);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Permit);
    assert!(fired(&d, "ca.duty_to_protect"));
}

#[test]
fn serious_threat_other_roles_may_warn_and_bring_in_a_clinician() {
    let d = decide(&threat("peer_support_specialist", "US-CA"));
    assert_eq!(outcome(&d, "progress_notes"), Outcome::Permit, "AMB-2");
    assert!(d.explanation.contains("Bring in a clinician now"));
}

#[test]
fn serious_threat_part2_has_no_exception() {
    let d = decide(&set(threat("psychotherapist", "US-CA"), "/client/part2_program", json!(true)));
    assert_eq!(d.decision, OverallDecision::Deny, "42 CFR 2.20: Part 2 blocks the California requirement");
    assert!(has_remedy(&d, RemedyKind::ObtainPart2CourtOrder));
}

/// Welf. & Inst. Code 8105(c): the report of the client's identity to the
/// police is a duty of its own, whichever purpose the staff member files it
/// under, binds only licensed psychotherapists, and needs an identifiable
/// victim.
#[test]
fn threat_report_to_police_required_of_psychotherapists_only() {
    let report = |role: &str, purpose: &str, victim: bool| {
        let mut known = vec!["serious_imminent_threat", "recipient_can_prevent_or_lessen"];
        if victim {
            known.push("identifiable_victim");
        }
        let r = facts(base("law_enforcement", purpose, &["demographics"]), &known);
        decide(&set(set(r, "/discloser/role", json!(role)), "/jurisdiction", json!("US-CA")))
    };
    for purpose in ["prevent_serious_threat", "law_enforcement"] {
        let d = report("psychotherapist", purpose, true);
        assert_eq!(outcome(&d, "demographics"), Outcome::Required, "{purpose}");
        assert!(fired(&d, "ca.threat_report"), "{purpose}");
        assert!(d.explanation.contains("within 24 hours"), "{purpose}: the advice names the deadline");
    }
    assert_eq!(
        outcome(&report("psychotherapist", "prevent_serious_threat", false), "demographics"),
        Outcome::Permit,
        "no identifiable victim"
    );
    assert_eq!(outcome(&report("nurse", "prevent_serious_threat", true), "demographics"), Outcome::Permit, "AMB-2");
}

/// 43.92 and 164.512(j) turn on the threat, not the label: a warning to the
/// person threatened or the police is the same warning filed as a report
/// (a threat to the client's child filed as a child-abuse report), a police
/// matter, a notification or the person's involvement.
#[test]
fn threat_warnings_are_read_by_their_facts_under_every_reporting_purpose() {
    use confidant_policy::vocab::Purpose;
    for purpose in Purpose::ALL {
        let label = purpose.as_str();
        let warns = purpose.carries_report() || ["care_involvement", "treatment"].contains(&label);
        for recipient in ["potential_victim", "law_enforcement"] {
            let d = decide(&set(set(threat("psychotherapist", "US-CA"), "/purpose", json!(label)), "/recipient/kind", json!(recipient)));
            if warns {
                assert_eq!(outcome(&d, "demographics"), Outcome::Required, "{label} to {recipient}: 43.92");
                assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Permit, "{label} to {recipient}: 164.512(j)");
                assert!(!has_remedy(&d, RemedyKind::ObtainAuthorization), "{label} to {recipient}: no form for a warning");
            } else {
                assert!(!fired(&d, "ca.duty_to_protect"), "{label} is not a warning");
            }
            let police = recipient == "law_enforcement";
            assert_eq!(fired(&d, "ca.threat_report"), warns && police, "{label} to {recipient}: 8105(c)");
        }
        let federal =
            decide(&set(set(threat("case_manager", "US"), "/purpose", json!(label)), "/recipient/kind", json!("child_welfare_agency")));
        if warns {
            assert_eq!(outcome(&federal, "demographics"), Outcome::Permit, "{label}: 164.512(j) to child welfare");
        }
    }
}

#[test]
fn a_treatment_filed_warning_to_an_outside_workforce_member_is_still_a_warning() {
    // A workforce member of another organization gives this client no care,
    // so a threat they can lessen, filed as treatment, is a 164.512(j)
    // disclosure; inside the program, treatment is treatment.
    let outside =
        facts(base("workforce_member", "treatment", &["diagnosis"]), &["serious_imminent_threat", "recipient_can_prevent_or_lessen"]);
    let d = decide(&outside);
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Permit, "164.512(j)(1)(i)");
    assert!(has_obligation(&d, ObligationKind::RecordInAccounting), "a warning is accounted for: {:?}", d.obligations);
    let inside = decide(&set(outside, "/recipient/same_organization", json!(true)));
    assert_eq!(outcome(&inside, "diagnosis"), Outcome::Permit);
    assert!(!has_obligation(&inside, ObligationKind::RecordInAccounting), "a use inside the program is not accounted for");
}

#[test]
fn part2_police_in_a_crisis_get_nothing_but_staff_are_pointed_to_help() {
    let crisis = facts(
        set(base("law_enforcement", "emergency", &["demographics"]), "/client/part2_program", json!(true)),
        &["medical_emergency", "serious_imminent_threat"],
    );
    let d = decide(&crisis);
    assert_eq!(outcome(&d, "demographics"), Outcome::Deny, "42 CFR 2.65, 2.66");
    assert!(fired(&d, "part2.emergency_police"));
    assert!(d.explanation.contains("call 911"), "{}", d.explanation);
}
