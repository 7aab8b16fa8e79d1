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
