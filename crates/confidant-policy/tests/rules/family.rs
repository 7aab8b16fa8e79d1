//! Family and friends (45 CFR 164.510(b)).

use super::*;

#[test]
fn family_non_objection_is_enough_for_the_law_but_not_for_the_organization() {
    let r = facts(base("family_or_friend", "care_involvement", &["appointments"]), &["client_present", "recipient_involved_in_care"]);
    assert_eq!(decide(&r).decision, OverallDecision::Permit);
    let org = decide(&set(r, "/organization_policy", json!("default")));
    assert_eq!(org.decision, OverallDecision::Deny);
    assert!(fired(&org, "org.family_needs_explicit_agreement"));
}

#[test]
fn family_only_what_is_relevant_to_involvement() {
    let r = facts(base("family_or_friend", "care_involvement", &["appointments", "progress_notes"]), &["client_present", "client_agrees"]);
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Partial);
    assert_eq!(outcome(&d, "progress_notes"), Outcome::Deny);
    assert!(has_obligation(&d, ObligationKind::LimitToRelevant));
}

#[test]
fn family_client_objection_forbids() {
    let r = facts(
        base("family_or_friend", "care_involvement", &["appointments"]),
        &["client_incapacitated", "recipient_involved_in_care", "client_objects"],
    );
    assert_eq!(decide(&r).decision, OverallDecision::Deny);
}

#[test]
fn family_confidentiality_survives_discharge() {
    let r = set(base("family_or_friend", "care_involvement", &["diagnosis"]), "/client/status", json!("discharged"));
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(has_remedy(&d, RemedyKind::AskClient) && has_remedy(&d, RemedyKind::ObtainAuthorization));
    assert!(d.explanation.contains("does not end at discharge"));
}

#[test]
fn an_appointment_message_may_be_left_with_whoever_answers_but_not_a_minors_confidential_one() {
    // HHS FAQ 198; 45 CFR 164.510(b)(3).
    let message =
        set(base("family_or_friend", "treatment", &["appointments", "diagnosis"]), "/discloser/role", json!("administrative_staff"));
    let d = decide(&message);
    assert_eq!(outcome(&d, "appointments"), Outcome::Permit);
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Deny, "the message carries the appointment, not the care");
    assert!(has_obligation(&d, ObligationKind::ProfessionalJudgment));
    // The client said no, or is here to be asked.
    assert_eq!(outcome(&decide(&facts(message.clone(), &["client_objects"])), "appointments"), Outcome::Deny);
    // Care a 16-year-old consented to alone is not left with the family.
    let minor = facts(set(message.clone(), "/client/age", json!(16)), &["minor_consented_to_own_care"]);
    assert_eq!(outcome(&decide(&minor), "appointments"), Outcome::Deny, "164.502(g)(3)");
    // Nor with a relative the provider fears may endanger the client.
    assert_eq!(outcome(&decide(&facts(message.clone(), &["representative_may_endanger"])), "appointments"), Outcome::Deny, "164.502(g)(5)");
    // Part 2 never acknowledges a client without consent (2.13(c)).
    assert_eq!(outcome(&decide(&set(message, "/client/part2_program", json!(true))), "appointments"), Outcome::Deny);
}
