//! Contract version 2 (law round 2).

use super::*;

fn ca(v: Value) -> Value {
    set(v, "/jurisdiction", json!("US-CA"))
}

fn cites(d: &Decision) -> Vec<String> {
    d.rules.iter().map(|r| r.cite.clone()).chain(d.categories.iter().flat_map(|c| c.cites.clone())).collect()
}

fn cites_include(d: &Decision, prefix: &str) -> bool {
    cites(d).iter().any(|c| c.starts_with(prefix))
}

#[test]
fn to_the_client_for_any_purpose_is_permitted_and_only_access_is_required() {
    let d = decide(&base("client", "treatment", &["treatment_plan", "psychotherapy_notes"]));
    assert_eq!(d.decision, OverallDecision::Permit, "AMB-13, 45 CFR 164.502(a)(1)(i)");
    assert!(cites_include(&d, "45 CFR 164.502(a)(1)(i)"));
}

#[test]
fn minor_who_consented_alone_controls_the_information_not_the_parent() {
    let r = facts(
        set(base("personal_representative", "client_request", &["progress_notes"]), "/client/age", json!(14)),
        &["minor_consented_to_own_care", "identity_verified"],
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny, "AMB-8, 45 CFR 164.502(g)(3)(i)");
    assert!(has_remedy(&d, RemedyKind::AskClient));
    let d = decide(&ca(r.clone()));
    assert!(cites_include(&d, "Cal. Health & Safety Code 123115(a)(1)"));
    let agrees = decide(&facts(
        set(base("personal_representative", "client_request", &["progress_notes"]), "/client/age", json!(14)),
        &["minor_consented_to_own_care", "client_agrees"],
    ));
    assert_eq!(agrees.decision, OverallDecision::Permit, "the minor may choose to share");
    // A parent of a minor who did not consent alone is the representative.
    let parent = decide(&set(base("personal_representative", "client_request", &["progress_notes"]), "/client/age", json!(14)));
    assert_eq!(parent.decision, OverallDecision::Required);
}

#[test]
fn a_representative_who_may_endanger_the_client_is_not_treated_as_one() {
    let r = facts(base("personal_representative", "client_request", &["diagnosis"]), &["representative_may_endanger"]);
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny, "45 CFR 164.502(g)(5)");
    // Their signature does not count for the client either.
    let mut auth = valid_auth("hipaa", "personal_representative", "client_request", &["diagnosis"]);
    auth["signed_by"] = json!("personal_representative");
    let d = decide(&set(r, "/authorizations", json!([auth])));
    assert_eq!(d.authorizations[0].reasons.iter().map(|x| x.code()).collect::<Vec<_>>(), vec!["missing_element:signature"]);
}

#[test]
fn notification_of_presence_and_condition_when_the_client_cannot_agree() {
    let r = facts(base("family_or_friend", "notification", &["presence_and_condition", "diagnosis"]), &["client_incapacitated"]);
    let d = decide(&r);
    assert_eq!(outcome(&d, "presence_and_condition"), Outcome::Permit, "45 CFR 164.510(b)(1)(ii), (b)(3)");
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Deny, "notification is location and general condition only");
    assert!(has_obligation(&d, ObligationKind::ProfessionalJudgment));
    let p2 = decide(&set(r, "/client/part2_program", json!(true)));
    assert_eq!(outcome(&p2, "presence_and_condition"), Outcome::Deny, "42 CFR 2.13(c)");
    assert!(fired(&p2, "part2.presence") && has_remedy(&p2, RemedyKind::ObtainPart2Consent));
}

#[test]
fn client_not_present_family_involved_in_care_by_professional_judgment() {
    let r = facts(base("family_or_friend", "care_involvement", &["appointments"]), &["recipient_involved_in_care"]);
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Permit, "AMB-14, 45 CFR 164.510(b)(3)");
    assert!(has_obligation(&d, ObligationKind::ProfessionalJudgment) && has_obligation(&d, ObligationKind::LimitToRelevant));
    let objected =
        facts(base("family_or_friend", "care_involvement", &["appointments"]), &["recipient_involved_in_care", "client_objects"]);
    assert_eq!(decide(&objected).decision, OverallDecision::Deny);
    let emergency = facts(
        base("family_or_friend", "care_involvement", &["appointments"]),
        &["recipient_involved_in_care", "client_objects", "medical_emergency"],
    );
    let d = decide(&emergency);
    assert_eq!(d.decision, OverallDecision::Permit, "AMB-14: an earlier objection is one factor in an emergency");
    assert!(has_obligation(&d, ObligationKind::DocumentRationale));
    let dead = deceased(
        facts(
            base("family_or_friend", "care_involvement", &["appointments"]),
            &["recipient_involved_in_care", "client_objects", "medical_emergency"],
        ),
        "2026-01-01",
    );
    assert_eq!(decide(&dead).decision, OverallDecision::Deny, "164.510(b)(5): the objection binds after death");
}

#[test]
fn an_agreed_restriction_binds_every_family_and_notification_rule() {
    let r = facts(base("family_or_friend", "notification", &["presence_and_condition"]), &["client_incapacitated"]);
    let r = set(r, "/restrictions", json!([{ "categories": [], "recipient_kinds": ["family_or_friend"], "purposes": [], "agreed": true }]));
    assert_eq!(decide(&r).decision, OverallDecision::Deny, "45 CFR 164.522(a)(1)");
}

#[test]
fn uses_inside_the_program_carry_minimum_necessary_even_for_treatment() {
    let inside = set(base("care_team_member", "treatment", &["medications"]), "/recipient/same_organization", json!(true));
    assert!(has_obligation(&decide(&inside), ObligationKind::MinimumNecessary), "AMB-16, 45 CFR 164.514(d)(2)");
    let outside = decide(&base("treating_provider", "treatment", &["medications"]));
    assert!(!has_obligation(&outside, ObligationKind::MinimumNecessary), "45 CFR 164.502(b)(2)(i)");
}

#[test]
fn serious_threat_reaches_anyone_able_to_prevent_it() {
    let employer = facts(
        base("employer", "prevent_serious_threat", &["demographics"]),
        &["serious_imminent_threat", "recipient_can_prevent_or_lessen"],
    );
    assert_eq!(decide(&employer).decision, OverallDecision::Permit, "AMB-15");
    let police = facts(base("law_enforcement", "prevent_serious_threat", &["demographics"]), &["serious_imminent_threat"]);
    assert_eq!(decide(&police).decision, OverallDecision::Permit, "AMB-15: law enforcement");
    let bystander = facts(base("employer", "prevent_serious_threat", &["demographics"]), &["serious_imminent_threat"]);
    assert_eq!(decide(&bystander).decision, OverallDecision::Deny, "not someone able to prevent it");
}

#[test]
fn police_locating_someone_get_identifying_details_only() {
    let r = facts(base("law_enforcement", "law_enforcement", &["demographics", "progress_notes"]), &["locating_suspect_or_missing_person"]);
    let d = decide(&r);
    assert_eq!(outcome(&d, "demographics"), Outcome::Permit, "45 CFR 164.512(f)(2)");
    assert_eq!(outcome(&d, "progress_notes"), Outcome::Deny);
}

#[test]
fn correctional_institution_with_custody_gets_what_it_needs_for_care() {
    let r = facts(base("correctional_institution", "treatment", &["medications", "psychotherapy_notes"]), &["client_in_custody"]);
    let d = decide(&r);
    assert_eq!(outcome(&d, "medications"), Outcome::Permit, "45 CFR 164.512(k)(5)");
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Deny);
    assert!(!has_obligation(&d, ObligationKind::RecordInAccounting), "164.528(a)(1): correctional disclosures are not accounted");
    let released = decide(&base("correctional_institution", "treatment", &["medications"]));
    assert_eq!(released.decision, OverallDecision::Deny, "no custody, no (k)(5)");
}

#[test]
fn cmia_56104_psychotherapy_details_need_the_written_request() {
    let r = ca(base("health_plan", "payment", &["treatment_plan", "billing"]));
    let d = decide(&r);
    assert_eq!(outcome(&d, "treatment_plan"), Outcome::Deny, "AMB-17, Cal. Civ. Code 56.104");
    assert_eq!(outcome(&d, "billing"), Outcome::Permit);
    assert!(has_remedy(&d, RemedyKind::ObtainWrittenRequest));
    assert_eq!(decide(&facts(r, &["cmia_56104_request"])).decision, OverallDecision::Permit);
}

#[test]
fn lps_records_follow_welfare_and_institutions_code_5328() {
    let lps = |v: Value| ca(set(v, "/client/lps_program", json!(true)));
    let referral = decide(&lps(base("treating_provider", "treatment", &["diagnosis"])));
    assert_eq!(referral.decision, OverallDecision::Permit);
    assert!(cites_include(&referral, "Cal. Welf. & Inst. Code 5328(a)"));
    let family = facts(base("family_or_friend", "care_involvement", &["diagnosis"]), &["recipient_involved_in_care"]);
    assert_eq!(decide(&family).decision, OverallDecision::Permit, "HIPAA alone: professional judgment");
    let d = decide(&lps(family.clone()));
    assert_eq!(d.decision, OverallDecision::Deny, "5328.1: the client must authorize");
    assert!(has_remedy(&d, RemedyKind::AskClient));
    assert_eq!(decide(&ca(family)).decision, OverallDecision::Permit, "AMB-9: without the flag, not 5328 records");
    let police = facts(base("law_enforcement", "law_enforcement", &["demographics"]), &["locating_suspect_or_missing_person"]);
    assert_eq!(decide(&lps(police)).decision, OverallDecision::Deny, "5328 lists no such disclosure");
    let ordered = facts(base("court", "judicial_proceeding", &["diagnosis"]), &["court_order"]);
    assert_eq!(decide(&lps(ordered)).decision, OverallDecision::Required, "a compelled disclosure is not blocked");
}

#[test]
fn social_services_coordination_is_treatment_federally_but_needs_authorization_in_california() {
    let r = base("social_services_agency", "treatment", &["diagnosis"]);
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Permit, "45 CFR 164.506(c)(1), HHS FAQ");
    assert!(has_obligation(&d, ObligationKind::MinimumNecessary));
    let d = decide(&ca(r));
    assert_eq!(d.decision, OverallDecision::Deny, "Cal. Civ. Code 56.10(c)(1) reaches providers only");
    assert!(has_remedy(&d, RemedyKind::ObtainAuthorization));
}

fn ascmi(categories: &[&str]) -> Value {
    json!({
        "id": "ascmi-1", "kind": "ascmi", "signed_by": "client", "signed_on": "2026-01-10",
        "categories": categories, "recipients": [{ "kind": "social_services_agency", "name": "R" }],
        "purposes": ["care_involvement", "treatment"], "expires_on": "2027-01-10", "revoked_on": null,
        "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }
    })
}

#[test]
fn an_ascmi_counts_as_authorization_and_part2_consent_but_never_for_psychotherapy_notes() {
    let r = ca(set(
        set(
            base("social_services_agency", "care_involvement", &["substance_use", "psychotherapy_notes"]),
            "/client/part2_program",
            json!(true),
        ),
        "/authorizations",
        json!([ascmi(&["substance_use"])]),
    ));
    let d = decide(&r);
    assert_eq!(outcome(&d, "substance_use"), Outcome::Permit);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Deny);
    assert!(has_obligation(&d, ObligationKind::RedisclosureNotice));
    let compound = decide(&set(r, "/authorizations", json!([ascmi(&["substance_use", "psychotherapy_notes"])])));
    assert_eq!(compound.authorizations[0].reasons.iter().map(|x| x.code()).collect::<Vec<_>>(), vec!["compound_psychotherapy_notes"]);
}

#[test]
fn a_notes_only_authorization_releases_them_under_164_508_a_2() {
    let r = set(
        base("attorney", "client_request", &["psychotherapy_notes"]),
        "/authorizations",
        json!([valid_auth("hipaa", "attorney", "client_request", &["psychotherapy_notes"])]),
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Permit);
    assert_eq!(d.categories[0].cites, vec!["45 CFR 164.508(a)(2)".to_string()]);
}

#[test]
fn a_part2_treatment_referral_offers_a_part2_consent_not_a_hipaa_remedy() {
    let r = set(base("treating_provider", "treatment", &["substance_use"]), "/client/part2_program", json!(true));
    let r = set(r, "/organization_policy", json!("default"));
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    let kinds: Vec<RemedyKind> = d.remedies.iter().map(|m| m.kind).collect();
    assert_eq!(kinds, vec![RemedyKind::ObtainPart2Consent], "42 CFR 2.31, 2.33");
}

#[test]
fn every_decision_names_the_rules_version() {
    let d = decide(&base("treating_provider", "treatment", &["diagnosis"]));
    assert!(d.rules_version.starts_with("sha256:") && d.rules_version.len() == "sha256:".len() + 64);
    assert_eq!(d.rules_version, ENGINE.catalog().version());
}

#[test]
fn an_organization_forbid_never_lets_part2_block_a_california_mandate_it_had_allowed() {
    // Found by the organization-layer property: a Part 2 court order lets
    // Part 2 stand down, California's 56.10(b)(1) then compels; our policy on
    // peer notes narrows permissions only and must not revive Part 2's default.
    let r = ca(facts(
        set(base("law_enforcement", "law_enforcement", &["peer_support_notes"]), "/client/part2_program", json!(true)),
        &["part2_court_order", "subpoena"],
    ));
    let law = decide(&r);
    assert_eq!(law.decision, OverallDecision::Required);
    let org = decide(&set(r, "/organization_policy", json!("default")));
    assert_eq!(org.decision, OverallDecision::Required, "rules.md §1.4");
}

#[test]
fn a_parents_authorization_does_not_waive_a_minors_privilege_in_court() {
    // Cal. Evid. Code 1013, 912, 1014: the minor holds the privilege; a
    // parent's signature satisfies the records laws but waives nothing.
    let mut auth = valid_auth("hipaa", "attorney", "judicial_proceeding", &["progress_notes"]);
    auth["signed_by"] = json!("personal_representative");
    let r = ca(facts(
        set(set(base("attorney", "judicial_proceeding", &["progress_notes"]), "/client/age", json!(7)), "/authorizations", json!([auth])),
        &["subpoena"],
    ));
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(fired(&d, "ca.privilege") && has_remedy(&d, RemedyKind::ObtainCourtOrder));
    // The same authorization for an adult client, signed by the client, opens the records.
    let mut own = valid_auth("hipaa", "attorney", "judicial_proceeding", &["progress_notes"]);
    own["signed_by"] = json!("client");
    let adult =
        ca(facts(set(base("attorney", "judicial_proceeding", &["progress_notes"]), "/authorizations", json!([own])), &["subpoena"]));
    assert_eq!(decide(&adult).decision, OverallDecision::Permit);
}
