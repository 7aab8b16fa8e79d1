//! Rule families, one test per behaviour, each naming the cite it checks.
//! Requests are written as the contract's JSON and decided by the real engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::LazyLock;

use confidant_policy::vocab::{Category, ObligationKind, Outcome, OverallDecision, RemedyKind};
use confidant_policy::{Decision, Engine, parse_request};
use serde_json::{Value, json};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::new().expect("engine loads"));

/// A baseline request: a psychotherapist, federal law only, organization policy off.
fn base(recipient: &str, purpose: &str, categories: &[&str]) -> Value {
    json!({
        "as_of": "2026-03-02",
        "jurisdiction": "US",
        "organization_policy": "none",
        "discloser": { "role": "psychotherapist" },
        "client": { "age": 34, "status": "active", "part2_program": false },
        "recipient": { "kind": recipient, "name": "R", "same_organization": false },
        "purpose": purpose,
        "categories": categories,
        "facts": {},
        "authorizations": [],
        "restrictions": []
    })
}

fn set(mut v: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() { &mut v } else { v.pointer_mut(parent).unwrap() };
    target.as_object_mut().unwrap().insert(key.to_string(), value);
    v
}

fn facts(v: Value, names: &[&str]) -> Value {
    let map: serde_json::Map<String, Value> = names.iter().map(|n| (n.to_string(), Value::Bool(true))).collect();
    set(v, "/facts", Value::Object(map))
}

fn decide(v: &Value) -> Decision {
    let request = parse_request(&v.to_string()).unwrap_or_else(|e| panic!("test request invalid: {e}"));
    ENGINE.decide(&request).unwrap()
}

fn outcome(d: &Decision, category: &str) -> Outcome {
    let c = Category::parse(category).unwrap();
    d.categories.iter().find(|x| x.category == c).map(|x| x.outcome).unwrap()
}

fn fired(d: &Decision, id: &str) -> bool {
    d.rules.iter().any(|r| r.id == id)
}

fn has_obligation(d: &Decision, kind: ObligationKind) -> bool {
    d.obligations.iter().any(|o| o.kind == kind)
}

fn has_remedy(d: &Decision, kind: RemedyKind) -> bool {
    d.remedies.iter().any(|r| r.kind == kind)
}

fn valid_auth(kind: &str, recipient: &str, purpose: &str, categories: &[&str]) -> Value {
    json!({
        "id": "auth-1", "kind": kind, "signed_by": "client", "signed_on": "2026-01-10",
        "categories": categories, "recipients": [{ "kind": recipient, "name": "R" }],
        "purposes": [purpose], "expires_on": "2026-12-31", "revoked_on": null,
        "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }
    })
}

// ── Right of access (45 CFR 164.524) ────────────────────────────────────────

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

// ── Treatment and the organization's consent policy (AMB-4) ─────────────────

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

// ── Family and friends (45 CFR 164.510(b)) ───────────────────────────────────

#[test]
fn family_non_objection_is_enough_for_the_law_but_not_for_the_organization() {
    let r = facts(base("family_or_friend", "care_involvement", &["appointments"]), &["client_present", "recipient_involved_in_care"]);
    assert_eq!(decide(&r).decision, OverallDecision::Permit);
    let org = decide(&set(r, "/organization_policy", json!("default")));
    assert_eq!(org.decision, OverallDecision::Deny);
    assert!(fired(&org, "org.family_needs_explicit_agreement"));
}

#[test]
fn family_only_what_is_relevant_to_involvement() {
    let r = facts(base("family_or_friend", "care_involvement", &["appointments", "progress_notes"]), &["client_present", "client_agrees"]);
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Partial);
    assert_eq!(outcome(&d, "progress_notes"), Outcome::Deny);
    assert!(has_obligation(&d, ObligationKind::LimitToRelevant));
}

#[test]
fn family_client_objection_forbids() {
    let r = facts(
        base("family_or_friend", "care_involvement", &["appointments"]),
        &["client_incapacitated", "recipient_involved_in_care", "client_objects"],
    );
    assert_eq!(decide(&r).decision, OverallDecision::Deny);
}

#[test]
fn family_confidentiality_survives_discharge() {
    let r = set(base("family_or_friend", "care_involvement", &["diagnosis"]), "/client/status", json!("discharged"));
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(has_remedy(&d, RemedyKind::AskClient) && has_remedy(&d, RemedyKind::ObtainAuthorization));
    assert!(d.explanation.contains("does not end at discharge"));
}

// ── Decedents ────────────────────────────────────────────────────────────────

fn deceased(v: Value, died_on: &str) -> Value {
    set(set(v, "/client/status", json!("deceased")), "/client/died_on", json!(died_on))
}

#[test]
fn decedent_family_involved_in_care_may_be_told_what_is_relevant() {
    let r = facts(
        deceased(base("family_or_friend", "care_involvement", &["medications", "psychotherapy_notes"]), "2025-11-03"),
        &["recipient_involved_in_care"],
    );
    let d = decide(&r);
    assert_eq!(outcome(&d, "medications"), Outcome::Permit);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Deny);
    assert!(d.explanation.contains("continues after death"));
}

#[test]
fn decedent_coroner_receives_records_with_accounting() {
    let d = decide(&deceased(base("coroner", "death_investigation", &["diagnosis", "psychotherapy_notes"]), "2026-02-01"));
    assert_eq!(d.decision, OverallDecision::Permit);
    assert!(has_obligation(&d, ObligationKind::RecordInAccounting));
}

#[test]
fn decedent_fifty_years_on_hipaa_stops_but_part2_still_applies() {
    let r = deceased(base("researcher", "research", &["diagnosis"]), "1970-01-01");
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Permit);
    assert!(fired(&d, "hipaa.decedent_50_years"));
    assert!(d.rules.iter().all(|x| x.layer.as_str() != "hipaa" || x.id == "hipaa.decedent_50_years"));
    let day_before = decide(&set(deceased(base("researcher", "research", &["diagnosis"]), "1976-03-03"), "/as_of", json!("2026-03-02")));
    assert_eq!(day_before.decision, OverallDecision::Deny, "49 years and 364 days");
    let part2 = decide(&set(r, "/client/part2_program", json!(true)));
    assert_eq!(part2.decision, OverallDecision::Deny, "AMB-10: Part 2 still applies");
}

// ── Serious threat and the duty to protect ───────────────────────────────────

fn threat(role: &str, jurisdiction: &str) -> Value {
    let r = facts(
        base("potential_victim", "prevent_serious_threat", &["demographics", "progress_notes", "psychotherapy_notes"]),
        &["serious_imminent_threat", "identifiable_victim"],
    );
    set(set(r, "/discloser/role", json!(role)), "/jurisdiction", json!(jurisdiction))
}

#[test]
fn serious_threat_federal_permits_including_psychotherapy_notes() {
    let d = decide(&threat("psychotherapist", "US"));
    assert_eq!(d.decision, OverallDecision::Permit);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Permit, "164.508(a)(2)(ii)");
    assert!(has_obligation(&d, ObligationKind::DocumentRationale) && has_obligation(&d, ObligationKind::RecordInAccounting));
}

#[test]
fn serious_threat_california_psychotherapist_must_warn() {
    let d = decide(&set(threat("psychotherapist", "US-CA"), "/organization_policy", json!("default")));
    assert_eq!(outcome(&d, "progress_notes"), Outcome::Required);
    assert_eq!(outcome(&d, "demographics"), Outcome::Required);
    assert_eq!(outcome(&d, "psychotherapy_notes"), Outcome::Permit);
    assert!(fired(&d, "ca.duty_to_protect"));
}

#[test]
fn serious_threat_other_roles_may_warn_and_bring_in_a_clinician() {
    let d = decide(&threat("peer_support_specialist", "US-CA"));
    assert_eq!(outcome(&d, "progress_notes"), Outcome::Permit, "AMB-2");
    assert!(d.explanation.contains("bring in a clinician"));
}

#[test]
fn serious_threat_part2_has_no_exception() {
    let d = decide(&set(threat("psychotherapist", "US-CA"), "/client/part2_program", json!(true)));
    assert_eq!(d.decision, OverallDecision::Deny, "42 CFR 2.20: Part 2 blocks the California requirement");
    assert!(has_remedy(&d, RemedyKind::ObtainPart2CourtOrder));
}

// ── Mandated reporting ───────────────────────────────────────────────────────

fn child_abuse(role: &str, jurisdiction: &str) -> Value {
    let r = facts(
        base("child_welfare_agency", "report_child_abuse", &["demographics", "peer_support_notes", "diagnosis"]),
        &["suspected_child_abuse"],
    );
    set(set(set(r, "/discloser/role", json!(role)), "/jurisdiction", json!(jurisdiction)), "/organization_policy", json!("default"))
}

#[test]
fn child_abuse_federal_permits_california_requires() {
    assert_eq!(decide(&child_abuse("psychotherapist", "US")).decision, OverallDecision::Permit);
    let ca = decide(&child_abuse("psychotherapist", "US-CA"));
    assert_eq!(outcome(&ca, "demographics"), Outcome::Required);
    assert_eq!(outcome(&ca, "peer_support_notes"), Outcome::Required, "org.peer_notes_private never blocks a mandate");
    assert_eq!(outcome(&ca, "diagnosis"), Outcome::Permit);
}

#[test]
fn child_abuse_peer_specialist_is_not_mandated_unless_designated() {
    let peer = decide(&child_abuse("peer_support_specialist", "US-CA"));
    assert_eq!(outcome(&peer, "demographics"), Outcome::Permit, "AMB-1");
    assert!(peer.explanation.contains("supervisor"));
    let designated = decide(&set(child_abuse("peer_support_specialist", "US-CA"), "/discloser/mandated_reporter", json!(true)));
    assert_eq!(outcome(&designated, "demographics"), Outcome::Required);
    let opted_out = decide(&set(child_abuse("psychotherapist", "US-CA"), "/discloser/mandated_reporter", json!(false)));
    assert_eq!(outcome(&opted_out, "demographics"), Outcome::Permit);
}

#[test]
fn child_abuse_part2_allows_the_initial_report() {
    let d = decide(&set(child_abuse("psychotherapist", "US-CA"), "/client/part2_program", json!(true)));
    assert_eq!(outcome(&d, "demographics"), Outcome::Required, "42 CFR 2.12(c)(6)");
}

#[test]
fn elder_abuse_needs_a_basis_federally_and_is_mandated_in_california() {
    let r = facts(
        set(base("adult_protective_services", "report_elder_abuse", &["demographics"]), "/client/age", json!(81)),
        &["suspected_elder_abuse"],
    );
    let us = decide(&r);
    assert_eq!(us.decision, OverallDecision::Deny, "164.512(c)(1) needs law, agreement or threat");
    assert!(has_remedy(&us, RemedyKind::AskClient));
    let with_law = decide(&facts(
        set(base("adult_protective_services", "report_elder_abuse", &["demographics"]), "/client/age", json!(81)),
        &["suspected_elder_abuse", "required_by_law"],
    ));
    assert_eq!(with_law.decision, OverallDecision::Permit, "AMB-11");
    let ca = decide(&set(r.clone(), "/jurisdiction", json!("US-CA")));
    assert_eq!(ca.decision, OverallDecision::Required);
    assert!(has_obligation(&ca, ObligationKind::InformClient));
    let young = decide(&set(set(r, "/jurisdiction", json!("US-CA")), "/client/age", json!(40)));
    assert_eq!(young.decision, OverallDecision::Deny);
}

// ── Courts and police ────────────────────────────────────────────────────────

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

// ── Part 2 ───────────────────────────────────────────────────────────────────

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
fn part2_consent_without_hipaas_statements_stops_counting_at_the_2024_compliance_date() {
    let mut consent = valid_auth("part2", "employer", "employment", &["diagnosis"]);
    consent["statements"] = json!({ "right_to_revoke": true });
    let r =
        set(set(base("employer", "employment", &["diagnosis"]), "/client/part2_program", json!(true)), "/authorizations", json!([consent]));
    let after = decide(&r);
    assert_eq!(after.decision, OverallDecision::Deny, "42 CFR 2.31(a) as amended in 2024");
    let before = decide(&set(r, "/as_of", json!("2026-02-15")));
    assert_eq!(before.decision, OverallDecision::Permit);
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

// ── Authorizations, psychotherapy notes, HIV, marketing, research ────────────

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

// ── Restrictions (45 CFR 164.522) ────────────────────────────────────────────

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

// ── Obligations and explanation ─────────────────────────────────────────────

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

// ── Contract version 2 (law round 2) ─────────────────────────────────────────

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
