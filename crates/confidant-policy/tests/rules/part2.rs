//! Part 2.

use super::*;

#[test]
fn part2_consent_opens_what_it_covers_with_the_redisclosure_notice() {
    let r = set(
        set(base("treating_provider", "treatment", &["substance_use", "diagnosis"]), "/client/part2_program", json!(true)),
        "/authorizations",
        json!([valid_auth("part2", "treating_provider", "treatment", &["substance_use"])]),
    );
    let d = decide(&r);
    assert_eq!(outcome(&d, "substance_use"), Outcome::Permit);
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Deny, "AMB-7: every category is a Part 2 record");
    assert!(has_obligation(&d, ObligationKind::RedisclosureNotice) && has_obligation(&d, ObligationKind::RecordInAccounting));
}

#[test]
fn part2_a_hipaa_authorization_does_not_open_part2_records() {
    let r = set(
        set(base("employer", "employment", &["substance_use"]), "/client/part2_program", json!(true)),
        "/authorizations",
        json!([valid_auth("hipaa", "employer", "employment", &["substance_use"])]),
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(has_remedy(&d, RemedyKind::ObtainPart2Consent));
}

#[test]
fn part2_consent_satisfies_hipaa_except_psychotherapy_notes() {
    let mut notes = valid_auth("part2", "employer", "employment", &["psychotherapy_notes"]);
    notes["id"] = json!("a-2");
    let consents = json!([valid_auth("part2", "employer", "employment", &["diagnosis"]), notes]);
    let r = set(
        set(base("employer", "employment", &["diagnosis", "psychotherapy_notes"]), "/client/part2_program", json!(true)),
        "/authorizations",
        consents,
    );
    let d = decide(&r);
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Permit);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Deny);
    // The notes need their own HIPAA authorization too; that is the remedy offered.
    assert!(has_remedy(&d, RemedyKind::ObtainAuthorization));
}

#[test]
fn part2_consent_without_hipaas_statements_counts_only_under_part2_until_the_2024_compliance_date() {
    let mut consent = valid_auth("part2", "employer", "employment", &["diagnosis"]);
    consent["statements"] = json!({ "right_to_revoke": true });
    let r =
        set(set(base("employer", "employment", &["diagnosis"]), "/client/part2_program", json!(true)), "/authorizations", json!([consent]));
    let after = decide(&r);
    assert_eq!(after.decision, OverallDecision::Deny, "42 CFR 2.31(a) as amended in 2024");
    // Before that date it is a Part 2 consent, but no HIPAA authorization
    // without HIPAA's own statements (45 CFR 164.508(c)(2)).
    let before = decide(&set(r, "/as_of", json!("2026-02-15")));
    assert!(before.rules.iter().any(|x| x.id == "part2.consent"), "it counts under Part 2");
    assert_eq!(before.decision, OverallDecision::Deny, "45 CFR 164.508(b)(2)(ii)");
}

#[test]
fn part2_internal_communication_for_treatment() {
    let r = set(
        set(base("care_team_member", "treatment", &["substance_use"]), "/client/part2_program", json!(true)),
        "/recipient/same_organization",
        json!(true),
    );
    assert_eq!(decide(&r).decision, OverallDecision::Permit, "42 CFR 2.12(c)(3)");
}

#[test]
fn part2_client_may_see_own_records() {
    let r = set(base("client", "client_request", &["substance_use"]), "/client/part2_program", json!(true));
    assert_eq!(decide(&r).decision, OverallDecision::Required, "42 CFR 2.23");
}
