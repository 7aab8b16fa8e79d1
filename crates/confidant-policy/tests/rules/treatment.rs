//! Treatment and the organization's consent policy (AMB-4).

use super::*;

#[test]
fn treatment_law_permits_the_organization_asks_for_agreement() {
    let law = decide(&base("treating_provider", "treatment", &["diagnosis"]));
    assert_eq!(law.decision, OverallDecision::Permit);
    let org = decide(&set(base("treating_provider", "treatment", &["diagnosis"]), "/organization_policy", json!("default")));
    assert_eq!(org.decision, OverallDecision::Deny);
    assert!(fired(&org, "org.outside_needs_agreement") && fired(&org, "hipaa.treatment"));
    assert!(has_remedy(&org, RemedyKind::AskClient));
    let agreed = decide(&facts(
        set(base("treating_provider", "treatment", &["diagnosis"]), "/organization_policy", json!("default")),
        &["client_agrees"],
    ));
    assert_eq!(agreed.decision, OverallDecision::Permit);
    assert!(has_obligation(&agreed, ObligationKind::MinimumNecessary), "org:minimum_necessary");
}

#[test]
fn treatment_in_an_emergency_needs_no_agreement() {
    let r = facts(
        set(base("emergency_provider", "emergency", &["medications"]), "/organization_policy", json!("default")),
        &["medical_emergency"],
    );
    assert_eq!(decide(&r).decision, OverallDecision::Permit);
}

#[test]
fn internal_use_for_operations_carries_minimum_necessary() {
    let r = set(base("workforce_member", "health_care_operations", &["billing"]), "/recipient/same_organization", json!(true));
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Permit);
    assert!(has_obligation(&d, ObligationKind::MinimumNecessary));
    assert!(!has_obligation(&d, ObligationKind::VerifyIdentity), "own workforce");
}
