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

#[test]
fn access_endangerment_withholds_psychotherapy_notes_too_whoever_signs() {
    // The notes are outside the right of access (164.524(a)(1)(i)) and the
    // provider may give them; not against a licensed professional's finding
    // that access would endanger someone's life or physical safety.
    let asked = facts(base("client", "client_request", &["psychotherapy_notes"]), &["identity_verified"]);
    assert_eq!(outcome(&decide(&asked), "psychotherapy_notes"), Outcome::Permit);
    let endangered = facts(base("client", "client_request", &["psychotherapy_notes"]), &["identity_verified", "access_would_endanger"]);
    let d = decide(&endangered);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Deny);
    // Outside the right of access, the notes' denial is not reviewable
    // (164.524(a)(2)(i)): no review is offered.
    assert!(!has_remedy(&d, RemedyKind::OfferProfessionalReview), "{:?}", d.remedies);
    assert!(!has_remedy(&d, RemedyKind::ObtainAuthorization), "no form overrides the finding: {:?}", d.remedies);
    let signed = set(
        endangered,
        "/authorizations",
        json!([{ "id": "pn", "kind": "hipaa", "signed_by": "client", "signed_on": "2026-01-01",
                 "categories": ["psychotherapy_notes"], "recipients": [{ "kind": "client" }],
                 "purposes": ["client_request"], "expires_on": "2027-01-01",
                 "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true } }]),
    );
    assert_eq!(outcome(&decide(&signed), "psychotherapy_notes"), Outcome::Deny);
    let representative =
        facts(base("personal_representative", "client_request", &["psychotherapy_notes"]), &["identity_verified", "access_would_endanger"]);
    assert_eq!(outcome(&decide(&representative), "psychotherapy_notes"), Outcome::Deny, "164.524(a)(3)(iii)");
}

#[test]
fn access_denial_says_the_rest_still_goes_and_how_to_deny_in_writing() {
    let d = decide(&facts(base("client", "client_request", &["progress_notes"]), &["access_would_endanger"]));
    assert!(d.explanation.contains("the rest of what the client asked for still goes"), "{}", d.explanation);
    assert!(d.explanation.contains("written denial"), "{}", d.explanation);
    assert!(d.explanation.contains("distress or upset is not"), "{}", d.explanation);
}
