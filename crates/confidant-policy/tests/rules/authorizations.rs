//! Authorizations, psychotherapy notes, HIV, marketing, research.

use super::*;

#[test]
fn authorization_opens_only_what_it_covers() {
    let r = set(
        base("employer", "employment", &["diagnosis", "medications"]),
        "/authorizations",
        json!([valid_auth("hipaa", "employer", "employment", &["diagnosis"])]),
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Partial);
    assert!(!has_obligation(&d, ObligationKind::MinimumNecessary) && !has_obligation(&d, ObligationKind::RecordInAccounting));
}

#[test]
fn psychotherapy_notes_need_their_own_authorization() {
    let own = set(
        base("attorney", "client_request", &["psychotherapy_notes"]),
        "/authorizations",
        json!([valid_auth("hipaa", "attorney", "client_request", &["psychotherapy_notes"])]),
    );
    assert_eq!(decide(&own).decision, OverallDecision::Permit);
    let compound = set(
        base("attorney", "client_request", &["psychotherapy_notes", "diagnosis"]),
        "/authorizations",
        json!([valid_auth("hipaa", "attorney", "client_request", &["psychotherapy_notes", "diagnosis"])]),
    );
    let d = decide(&compound);
    assert_eq!(d.decision, OverallDecision::Deny, "164.508(b)(3)(ii): a compound authorization counts for nothing");
    assert!(!d.authorizations[0].counts);
}

#[test]
fn psychotherapy_notes_are_offered_a_form_of_their_own() {
    // One form for the notes and the rest would be compound and count for
    // nothing (164.508(b)(3)(ii)), so the remedy names two forms.
    let d = decide(&base("employer", "employment", &["psychotherapy_notes", "diagnosis"]));
    let forms: Vec<Vec<Category>> =
        d.remedies.iter().filter(|r| r.kind == RemedyKind::ObtainAuthorization).map(|r| r.categories.clone()).collect();
    assert_eq!(forms, vec![vec![Category::Diagnosis], vec![Category::PsychotherapyNotes]]);
    assert!(d.remedies.iter().any(|r| r.is_notes_form() && r.detail.contains("164.508(b)(3)(ii)")), "{:?}", d.remedies);
    // Doing what they say, two forms, releases both.
    let mut done = set(
        base("employer", "employment", &["psychotherapy_notes", "diagnosis"]),
        "/authorizations",
        json!([
            valid_auth("hipaa", "employer", "employment", &["diagnosis"]),
            valid_auth("hipaa", "employer", "employment", &["psychotherapy_notes"]),
        ]),
    );
    done["authorizations"][1]["id"] = json!("auth-2");
    assert_eq!(decide(&done).decision, OverallDecision::Permit);
    // Notes alone keep the usual wording for the kind.
    let alone = decide(&base("employer", "employment", &["psychotherapy_notes"]));
    assert!(alone.remedies.iter().all(|r| !r.detail.contains("164.508(b)(3)(ii)")), "{:?}", alone.remedies);
}

#[test]
fn a_form_that_does_not_count_is_cited_by_its_defect() {
    let mut r = set(
        base("employer", "employment", &["diagnosis"]),
        "/authorizations",
        json!([valid_auth("hipaa", "employer", "employment", &["diagnosis"])]),
    );
    r["authorizations"][0]["revoked_on"] = json!("2026-02-01");
    let d = decide(&r);
    let cites = &d.categories[0].cites;
    assert!(cites.iter().any(|c| c == "45 CFR 164.508(b)(5)"), "{cites:?}");
    assert!(cites.iter().any(|c| c == "45 CFR 164.508(b)(2)(iii)"), "{cites:?}");
}

#[test]
fn psychotherapy_notes_supervised_training_inside_the_program() {
    let r = set(base("supervisor", "training", &["psychotherapy_notes"]), "/recipient/same_organization", json!(true));
    assert_eq!(decide(&r).decision, OverallDecision::Permit, "164.508(a)(2)(i)(B)");
}

#[test]
fn hiv_in_california_needs_a_specific_authorization() {
    let r = set(facts(base("health_plan", "payment", &["hiv", "billing"]), &[]), "/jurisdiction", json!("US-CA"));
    let d = decide(&r);
    assert_eq!(outcome(&d, "hiv"), Outcome::Deny);
    assert_eq!(outcome(&d, "billing"), Outcome::Permit);
    let to_provider = decide(&set(base("treating_provider", "treatment", &["hiv"]), "/jurisdiction", json!("US-CA")));
    assert_eq!(to_provider.decision, OverallDecision::Permit, "120985: providers for treatment");
}

#[test]
fn marketing_needs_an_authorization_that_names_it() {
    let d = decide(&base("business_associate", "marketing", &["demographics"]));
    assert!(fired(&d, "hipaa.marketing") && d.decision == OverallDecision::Deny);
    let ok = decide(&set(
        base("business_associate", "marketing", &["demographics"]),
        "/authorizations",
        json!([valid_auth("hipaa", "business_associate", "marketing", &["demographics"])]),
    ));
    assert_eq!(ok.decision, OverallDecision::Permit);
}

#[test]
fn research_without_a_waiver_needs_an_authorization() {
    let d = decide(&base("researcher", "research", &["diagnosis"]));
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(has_remedy(&d, RemedyKind::ObtainAuthorization));
}
