//! Right of access (45 CFR 164.524).

use super::*;

#[test]
fn access_the_client_is_owed_their_record_but_not_psychotherapy_notes() {
    let d = decide(&facts(base("client", "client_request", &["diagnosis", "psychotherapy_notes"]), &["identity_verified"]));
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Required);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Permit, "164.524(a)(1)(i): discretionary");
    assert!(has_obligation(&d, ObligationKind::WrittenRequest));
    assert!(!has_obligation(&d, ObligationKind::VerifyIdentity));
    assert!(!has_obligation(&d, ObligationKind::RecordInAccounting));
}

#[test]
fn access_unverified_identity_must_be_verified() {
    let d = decide(&base("personal_representative", "client_request", &["diagnosis"]));
    assert_eq!(d.decision, OverallDecision::Required);
    assert!(has_obligation(&d, ObligationKind::VerifyIdentity));
}

#[test]
fn access_endangerment_is_a_reviewable_denial() {
    let d = decide(&facts(base("client", "client_request", &["progress_notes"]), &["access_would_endanger"]));
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(fired(&d, "hipaa.access.endangerment"));
    assert!(has_remedy(&d, RemedyKind::OfferProfessionalReview));
    let ca = decide(&set(
        facts(base("client", "client_request", &["progress_notes"]), &["access_would_endanger"]),
        "/jurisdiction",
        json!("US-CA"),
    ));
    assert_eq!(ca.decision, OverallDecision::Deny, "Cal. Health & Safety Code 123115(b)");
}
