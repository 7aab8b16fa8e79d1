//! Restrictions (45 CFR 164.522).

use super::*;

fn restriction(kinds: &[&str], purposes: &[&str], categories: &[&str], agreed: bool) -> Value {
    json!([{ "categories": categories, "recipient_kinds": kinds, "purposes": purposes, "agreed": agreed }])
}

#[test]
fn restriction_agreed_binds_treatment_but_not_emergencies_or_the_law() {
    let r = set(
        base("treating_provider", "treatment", &["diagnosis"]),
        "/restrictions",
        restriction(
            &["treating_provider", "emergency_provider", "law_enforcement"],
            &["treatment", "emergency", "law_enforcement"],
            &["diagnosis"],
            true,
        ),
    );
    assert_eq!(decide(&r).decision, OverallDecision::Deny);
    let unagreed = set(
        base("treating_provider", "treatment", &["diagnosis"]),
        "/restrictions",
        restriction(&["treating_provider"], &["treatment"], &["diagnosis"], false),
    );
    assert_eq!(decide(&unagreed).decision, OverallDecision::Permit);
    let emergency = facts(
        set(
            base("emergency_provider", "emergency", &["diagnosis"]),
            "/restrictions",
            restriction(&["emergency_provider"], &["emergency"], &["diagnosis"], true),
        ),
        &["medical_emergency"],
    );
    assert_eq!(decide(&emergency).decision, OverallDecision::Permit, "164.522(a)(1)(iii)");
    let warrant = facts(
        set(
            base("law_enforcement", "law_enforcement", &["diagnosis"]),
            "/restrictions",
            restriction(&["law_enforcement"], &["law_enforcement"], &["diagnosis"], true),
        ),
        &["warrant"],
    );
    assert_eq!(decide(&warrant).decision, OverallDecision::Permit, "164.522(a)(1)(v)");
}

#[test]
fn restriction_self_pay_binds_without_agreement() {
    let r = facts(
        set(
            base("health_plan", "payment", &["billing"]),
            "/restrictions",
            restriction(&["health_plan"], &["payment"], &["billing"], false),
        ),
        &["paid_in_full_out_of_pocket"],
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(d.categories[0].cites.iter().any(|c| c.starts_with("45 CFR 164.522")));
}

#[test]
fn restriction_reaches_a_plan_whatever_it_calls_its_audit() {
    // A plan is not a health oversight agency (164.512(d)); its audit is its
    // own payment or operations work, which the client's restriction reaches.
    let self_pay = facts(
        set(
            base("health_plan", "health_oversight", &["diagnosis"]),
            "/restrictions",
            restriction(&["health_plan"], &["payment"], &[], false),
        ),
        &["paid_in_full_out_of_pocket"],
    );
    let d = decide(&self_pay);
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Deny, "164.522(a)(1)(vi)");
    assert!(fired(&d, "hipaa.restriction.self_pay"));
    let part2 = set(self_pay, "/client/part2_program", json!(true));
    assert!(fired(&decide(&part2), "part2.restriction.self_pay"), "42 CFR 2.26(a)(6)");
    let agreed = set(
        base("health_plan", "health_oversight", &["diagnosis"]),
        "/restrictions",
        restriction(&[], &["health_care_operations"], &[], true),
    );
    assert_eq!(outcome(&decide(&agreed), "diagnosis"), Outcome::Deny, "164.522(a)(1)(i)");
    // A government oversight agency is not reached by a restriction on payment.
    let agency = facts(
        set(
            base("health_oversight_agency", "health_oversight", &["diagnosis"]),
            "/restrictions",
            restriction(&[], &["payment"], &[], true),
        ),
        &["paid_in_full_out_of_pocket"],
    );
    assert_eq!(outcome(&decide(&agency), "diagnosis"), Outcome::Permit, "164.522(a)(1)(v)");
}

/// 164.522(a)(1)(iii): the restriction gives way when the client needs
/// emergency treatment, not because a request is filed as an emergency; the
/// emergency provider treating the client now is the one label that states it.
#[test]
fn restriction_holds_against_the_emergency_label_without_an_emergency() {
    let filed = |recipient: &str, emergency: bool| {
        let r = set(
            base(recipient, "emergency", &["diagnosis"]),
            "/restrictions",
            restriction(&[recipient], &["treatment", "emergency"], &["diagnosis"], true),
        );
        decide(&if emergency { facts(r, &["medical_emergency"]) } else { r })
    };
    let label_only = filed("treating_provider", false);
    assert_eq!(outcome(&label_only, "diagnosis"), Outcome::Deny);
    assert!(fired(&label_only, "hipaa.restriction.emergency_not_stated"));
    assert!(!has_obligation(&label_only, ObligationKind::RedisclosureNotice), "no emergency, no emergency request");
    let stated = filed("treating_provider", true);
    assert_eq!(outcome(&stated, "diagnosis"), Outcome::Permit);
    assert!(has_obligation(&stated, ObligationKind::RedisclosureNotice), "164.522(a)(1)(iv)");
    assert_eq!(outcome(&filed("emergency_provider", false), "diagnosis"), Outcome::Permit, "the ER treating the client now");
}

#[test]
fn a_restriction_gives_way_to_a_threat_the_recipient_can_lessen_under_any_label_and_offers_the_clients_form() {
    // 164.522(a)(1)(v): a restriction does not stop a 164.512 disclosure,
    // and 164.512(j)(1)(i) reads the threat and who can help, not the label.
    let restricted = set(
        base("emergency_provider", "treatment", &["diagnosis"]),
        "/restrictions",
        restriction(&["emergency_provider"], &["treatment"], &["diagnosis"], true),
    );
    let d = decide(&restricted);
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Deny);
    assert!(has_remedy(&d, RemedyKind::ObtainAuthorization), "the client's own form lifts it: {:?}", d.remedies);
    let threat = facts(restricted.clone(), &["serious_imminent_threat", "recipient_can_prevent_or_lessen"]);
    let warned = decide(&threat);
    assert_eq!(outcome(&warned, "diagnosis"), Outcome::Permit, "164.522(a)(1)(v)");
    // A 164.512(j) disclosure, not a 164.506 one: it is accounted for.
    assert!(has_obligation(&warned, ObligationKind::RecordInAccounting), "{:?}", warned.obligations);
    // A claim to the plan is still a payment disclosure the restriction binds.
    let claim = facts(
        set(
            set(
                set(base("health_plan", "payment", &["diagnosis"]), "/discloser/role", json!("administrative_staff")),
                "/restrictions",
                restriction(&["health_plan"], &["payment"], &["diagnosis"], true),
            ),
            "/purpose",
            json!("payment"),
        ),
        &["serious_imminent_threat", "recipient_can_prevent_or_lessen"],
    );
    assert_eq!(outcome(&decide(&claim), "diagnosis"), Outcome::Deny, "164.522(a)(1)(ii)");
    // An emergency room can act on a crisis without the fact being ticked,
    // as hipaa.serious_threat reads it.
    let threat_only = facts(restricted.clone(), &["serious_imminent_threat"]);
    assert_eq!(outcome(&decide(&threat_only), "diagnosis"), Outcome::Permit);
    // Without a threat the restriction binds the ER's treatment.
    assert_eq!(outcome(&decide(&facts(restricted, &["recipient_can_prevent_or_lessen"])), "diagnosis"), Outcome::Deny);
}
