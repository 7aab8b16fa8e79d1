//! Courts and police.

use super::*;

#[test]
fn subpoena_needs_satisfactory_assurance() {
    let r = facts(base("attorney", "judicial_proceeding", &["diagnosis"]), &["subpoena"]);
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(has_remedy(&d, RemedyKind::ObtainSatisfactoryAssurance) && has_remedy(&d, RemedyKind::ObtainCourtOrder));
    let assured = decide(&facts(base("attorney", "judicial_proceeding", &["diagnosis"]), &["subpoena", "satisfactory_assurance"]));
    assert_eq!(assured.decision, OverallDecision::Permit);
}

#[test]
fn subpoena_in_california_privilege_must_be_claimed_by_a_therapist() {
    let r = set(
        facts(base("attorney", "judicial_proceeding", &["diagnosis"]), &["subpoena", "satisfactory_assurance"]),
        "/jurisdiction",
        json!("US-CA"),
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny, "AMB-12, Cal. Evid. Code 1014");
    assert!(has_remedy(&d, RemedyKind::ObtainCourtOrder) && has_remedy(&d, RemedyKind::ObtainAuthorization));
    let nurse = decide(&set(r, "/discloser/role", json!("nurse")));
    assert_eq!(nurse.decision, OverallDecision::Permit);
    assert!(has_obligation(&nurse, ObligationKind::InformClient));
}

#[test]
fn court_order_permits_federally_and_compels_in_california() {
    let r = facts(base("court", "judicial_proceeding", &["diagnosis"]), &["court_order"]);
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Permit, "AMB-5: 45 CFR 164.512(e)(1)(i) permits");
    assert!(has_obligation(&d, ObligationKind::LimitToRelevant) && has_obligation(&d, ObligationKind::RecordInAccounting));
    let ca = decide(&set(r, "/jurisdiction", json!("US-CA")));
    assert_eq!(ca.decision, OverallDecision::Required, "AMB-5: Cal. Civ. Code 56.10(b)(1) compels");
    assert!(fired(&ca, "ca.cmia.court") && has_obligation(&ca, ObligationKind::LimitToRelevant));
}

#[test]
fn part2_subpoena_never_opens_records_but_a_part2_order_does() {
    let r = set(
        facts(base("court", "judicial_proceeding", &["substance_use"]), &["subpoena", "satisfactory_assurance"]),
        "/client/part2_program",
        json!(true),
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(fired(&d, "part2.subpoena_insufficient"));
    let plain = decide(&set(
        facts(base("court", "judicial_proceeding", &["substance_use"]), &["court_order"]),
        "/client/part2_program",
        json!(true),
    ));
    assert_eq!(plain.decision, OverallDecision::Deny, "42 CFR 2.61: an ordinary order lacks Part 2's findings");
    assert!(has_remedy(&plain, RemedyKind::ObtainPart2CourtOrder));
    let ordered = decide(&set(
        facts(base("court", "judicial_proceeding", &["substance_use"]), &["court_order", "part2_court_order"]),
        "/client/part2_program",
        json!(true),
    ));
    assert_eq!(ordered.decision, OverallDecision::Permit, "42 CFR 2.64");
}

#[test]
fn part2_combined_proceeding_consent_explains_the_separate_consent() {
    // 42 CFR 2.31(d): a consent naming the court case and treatment does not
    // open the records for the court; the explanation says what would.
    let mut consent = valid_auth("part2", "court", "judicial_proceeding", &["substance_use"]);
    consent["purposes"] = json!(["judicial_proceeding", "treatment"]);
    let r = set(
        set(base("court", "judicial_proceeding", &["substance_use"]), "/authorizations", json!([consent])),
        "/client/part2_program",
        json!(true),
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(fired(&d, "part2.proceeding_consent_separate"), "{:?}", d.rules);
    assert!(d.explanation.contains("must be a consent of its own"), "{}", d.explanation);
    assert!(d.explanation.contains("Ask for a separate Part 2 consent"), "{}", d.explanation);
}

#[test]
fn law_enforcement_warrant_permits_except_for_part2() {
    let r = facts(base("law_enforcement", "law_enforcement", &["demographics"]), &["warrant"]);
    assert_eq!(decide(&r).decision, OverallDecision::Permit);
    let p2 = decide(&set(r, "/client/part2_program", json!(true)));
    assert_eq!(p2.decision, OverallDecision::Deny, "42 CFR 2.65: a warrant alone is not enough");
    assert!(has_remedy(&p2, RemedyKind::ObtainPart2CourtOrder));
}

#[test]
fn law_enforcement_crime_on_premises_releases_identity_only() {
    let r = set(
        facts(base("law_enforcement", "law_enforcement", &["demographics", "diagnosis"]), &["crime_on_premises"]),
        "/client/part2_program",
        json!(true),
    );
    let d = decide(&r);
    assert_eq!(outcome(&d, "demographics"), Outcome::Permit, "42 CFR 2.12(c)(5)");
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Deny);
    let hipaa = decide(&set(r, "/client/part2_program", json!(false)));
    assert_eq!(hipaa.decision, OverallDecision::Permit, "45 CFR 164.512(f)(5): evidence of the crime");
    assert!(has_obligation(&hipaa, ObligationKind::LimitToRelevant));
}

#[test]
fn a_subpoena_the_client_objected_to_waits_for_the_court_in_both_laws() {
    // 164.512(e)(1)(iii)(C); Code Civ. Proc. 1985.3(g).
    for (jurisdiction, role) in [("US", "psychotherapist"), ("US-CA", "nurse")] {
        let objected = set(
            set(
                facts(base("attorney", "judicial_proceeding", &["diagnosis"]), &["subpoena", "satisfactory_assurance", "client_objects"]),
                "/jurisdiction",
                json!(jurisdiction),
            ),
            "/discloser/role",
            json!(role),
        );
        let d = decide(&objected);
        assert_eq!(outcome(&d, "diagnosis"), Outcome::Deny, "{jurisdiction}");
        assert!(fired(&d, "hipaa.subpoena.objection"), "{jurisdiction}");
        assert!(has_remedy(&d, RemedyKind::ObtainCourtOrder), "{jurisdiction}: {:?}", d.remedies);
        assert!(!has_remedy(&d, RemedyKind::ObtainSatisfactoryAssurance), "an assurance no longer helps: {:?}", d.remedies);
        let ordered = decide(&facts(objected.clone(), &["subpoena", "satisfactory_assurance", "client_objects", "court_order"]));
        assert_ne!(outcome(&ordered, "diagnosis"), Outcome::Deny, "{jurisdiction}: the court has ruled");
    }
}

#[test]
fn a_police_order_does_not_ask_staff_to_tip_off_the_client() {
    let ordered = set(facts(base("law_enforcement", "law_enforcement", &["diagnosis"]), &["court_order"]), "/jurisdiction", json!("US-CA"));
    let d = decide(&ordered);
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Required, "Civ. Code 56.10(b)(1)");
    let inform = d.obligations.iter().find(|o| o.kind == ObligationKind::InformClient).expect("inform_client");
    assert!(inform.detail.contains("asks you to wait"), "{}", inform.detail);
}

#[test]
fn the_privilege_is_claimed_against_a_subpoena_whatever_else_is_stated() {
    // Evid. Code 1024 and a Part 2 order are for the court to weigh: the
    // psychotherapist claims the privilege (1015) and waits for its order.
    let subpoena = |extra: &[&str], part2: bool| {
        let mut names = vec!["subpoena", "satisfactory_assurance"];
        names.extend_from_slice(extra);
        let r = facts(base("attorney", "judicial_proceeding", &["diagnosis"]), &names);
        let r = set(set(r, "/jurisdiction", json!("US-CA")), "/client/part2_program", json!(part2));
        decide(&r)
    };
    for (extra, part2) in [(&["serious_imminent_threat"][..], false), (&["part2_court_order"][..], true)] {
        let d = subpoena(extra, part2);
        assert_eq!(d.decision, OverallDecision::Deny, "{extra:?}");
        assert!(d.rules.iter().any(|r| r.id == "ca.privilege"), "{extra:?}");
        assert!(d.remedies.iter().any(|r| r.kind == RemedyKind::ObtainCourtOrder), "{extra:?}");
    }
    // A case manager holds no privilege: the Part 2 order and the subpoena
    // compel (42 CFR 2.61(b); Civ. Code 56.10(b)(3)).
    let r = facts(base("attorney", "judicial_proceeding", &["diagnosis"]), &["subpoena", "part2_court_order"]);
    let r =
        set(set(set(r, "/jurisdiction", json!("US-CA")), "/client/part2_program", json!(true)), "/discloser/role", json!("case_manager"));
    assert_eq!(decide(&r).decision, OverallDecision::Required);
}

#[test]
fn a_court_order_reaches_whoever_it_names_under_federal_law() {
    for purpose in ["law_enforcement", "health_oversight"] {
        let r = facts(base("attorney", purpose, &["diagnosis", "psychotherapy_notes"]), &["court_order"]);
        let d = decide(&r);
        assert_eq!(outcome(&d, "diagnosis"), Outcome::Permit, "{purpose}: the record goes as the notes do");
        assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Permit, "{purpose}");
    }
}
