//! Obligations and explanation.

use super::*;

#[test]
fn accounting_is_never_owed_for_treatment_payment_or_operations() {
    for (kind, purpose) in
        [("treating_provider", "treatment"), ("health_plan", "payment"), ("business_associate", "health_care_operations")]
    {
        let d = decide(&base(kind, purpose, &["diagnosis"]));
        assert_eq!(d.decision, OverallDecision::Permit, "{purpose}");
        assert!(!has_obligation(&d, ObligationKind::RecordInAccounting), "{purpose}");
    }
}

#[test]
fn explanation_names_the_rule_and_the_next_step() {
    let d =
        decide(&set(base("treating_provider", "treatment", &["diagnosis", "psychotherapy_notes"]), "/organization_policy", json!("none")));
    assert!(d.explanation.contains("You may share the diagnosis"), "{}", d.explanation);
    assert!(d.explanation.contains("Do not share psychotherapy notes"), "{}", d.explanation);
    assert!(d.explanation.contains("45 CFR 164.508(a)(2)"), "{}", d.explanation);
    assert!(d.explanation.contains("Next step: Ask the client (or their personal representative"), "{}", d.explanation);
    let denied = &d.categories[1];
    assert_eq!(denied.reason.as_deref(), Some("Psychotherapy notes need an authorization of their own, separate from any other."));
}

#[test]
fn emergency_treatment_reaches_any_treating_provider_even_for_part2() {
    let r = set(
        facts(base("treating_provider", "emergency", &["substance_use", "medications"]), &["medical_emergency"]),
        "/client/part2_program",
        json!(true),
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Permit, "42 CFR 2.51 and 45 CFR 164.506(c)(2)");
    assert!(has_obligation(&d, ObligationKind::DocumentRationale));
}

#[test]
fn restriction_with_empty_lists_restricts_everything() {
    let r = set(
        base("treating_provider", "treatment", &["diagnosis"]),
        "/restrictions",
        json!([{ "categories": [], "recipient_kinds": [], "purposes": [], "agreed": true }]),
    );
    assert_eq!(decide(&r).decision, OverallDecision::Deny);
}

#[test]
fn memoized_decisions_equal_fresh_evaluation() {
    let requests = [
        threat("psychotherapist", "US-CA"),
        child_abuse("peer_support_specialist", "US-CA"),
        set(base("treating_provider", "treatment", &["diagnosis", "psychotherapy_notes", "hiv"]), "/jurisdiction", json!("US-CA")),
        set(base("court", "judicial_proceeding", &["substance_use"]), "/client/part2_program", json!(true)),
    ];
    for r in &requests {
        let request = parse_request(&r.to_string()).unwrap();
        let fresh = ENGINE.decide_uncached(&request).unwrap();
        assert_eq!(ENGINE.decide(&request).unwrap(), fresh);
        assert_eq!(ENGINE.decide(&request).unwrap(), fresh, "second call is served from the memo");
    }
}
