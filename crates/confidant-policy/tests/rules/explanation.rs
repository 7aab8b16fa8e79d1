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
fn a_use_inside_the_organization_is_never_an_accounting_entry() {
    // 164.528(a) accounts for disclosures; a use inside the covered entity
    // (164.501) is not one, even when the rule that allows it is an
    // accounting rule outside the organization.
    let inside = set(
        facts(
            base("treating_provider", "prevent_serious_threat", &["progress_notes"]),
            &["serious_imminent_threat", "identifiable_victim"],
        ),
        "/recipient/same_organization",
        json!(true),
    );
    let d = decide(&inside);
    assert_eq!(d.decision, OverallDecision::Permit, "164.512(j)(1)(i)");
    assert!(!has_obligation(&d, ObligationKind::RecordInAccounting), "a use makes no accounting entry");
    assert!(has_obligation(&d, ObligationKind::DocumentRationale), "other obligations stay");
    let outside = decide(&set(inside, "/recipient/same_organization", json!(false)));
    assert!(has_obligation(&outside, ObligationKind::RecordInAccounting), "the same release outside is a disclosure");
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

fn remedy_text(d: &Decision, kind: RemedyKind) -> String {
    d.remedies.iter().find(|r| r.kind == kind).map(|r| r.detail.clone()).unwrap_or_default()
}

#[test]
fn the_next_step_names_who_can_actually_sign() {
    // After death: the estate's representative (45 CFR 164.502(g)(4)).
    let dead = set(
        set(base("family_or_friend", "client_request", &["diagnosis"]), "/client/status", json!("deceased")),
        "/client/died_on",
        json!("2026-01-05"),
    );
    let text = remedy_text(&decide(&dead), RemedyKind::ObtainAuthorization);
    assert!(text.starts_with("Ask the client's personal representative (the executor"), "{text}");
    // Care a minor consented to alone: the minor, and not the parent (164.502(g)(3)).
    let minor = facts(
        set(base("personal_representative", "client_request", &["diagnosis"]), "/client/age", json!(15)),
        &["minor_consented_to_own_care"],
    );
    let text = remedy_text(&decide(&minor), RemedyKind::ObtainAuthorization);
    assert!(text.starts_with("Ask the client to sign") && text.contains("a parent's signature does not count"), "{text}");
    // A living adult: no talk of executors.
    let adult = decide(&base("employer", "client_request", &["diagnosis"]));
    let text = remedy_text(&adult, RemedyKind::ObtainAuthorization);
    assert!(text.starts_with("Ask the client (or their personal representative)") && !text.contains("executor"), "{text}");
}

/// 42 CFR 2.15(b)(2): most estates are never opened, so the spouse or a
/// responsible family member signs when no representative was appointed;
/// Cal. Civ. Code 56.11(b)(3) lets a beneficiary sign.
#[test]
fn a_deceased_clients_signers_include_those_the_law_names_when_no_executor_exists() {
    let dead = |v: Value| set(set(v, "/client/status", json!("deceased")), "/client/died_on", json!("2026-01-05"));
    let part2 = dead(set(base("family_or_friend", "client_request", &["diagnosis"]), "/client/part2_program", json!(true)));
    let text = remedy_text(&decide(&part2), RemedyKind::ObtainPart2Consent);
    assert!(text.contains("spouse") && text.contains("42 CFR 2.15(b)(2)"), "{text}");
    let california = dead(set(base("family_or_friend", "client_request", &["diagnosis"]), "/jurisdiction", json!("US-CA")));
    let text = remedy_text(&decide(&california), RemedyKind::ObtainAuthorization);
    assert!(text.contains("beneficiary") && text.contains("56.11(b)(3)"), "{text}");
}

/// 164.512(f)(1)(ii)(A) and, in California, SB 81 (Civ. Code 56.10(b)(6);
/// Health & Safety Code 24250(b)): only a judge's warrant or order counts,
/// and immigration requests go to management or counsel.
#[test]
fn a_warrant_is_checked_for_a_judges_signature_and_immigration_requests_are_routed() {
    let warrant = facts(base("law_enforcement", "law_enforcement", &["demographics"]), &["warrant"]);
    let detail = |d: &Decision| {
        d.obligations.iter().find(|o| o.kind == ObligationKind::VerifyIdentity).map(|o| o.detail.clone()).unwrap_or_default()
    };
    let federal = decide(&warrant);
    assert!(detail(&federal).contains("judge or magistrate") && detail(&federal).contains("164.512(f)(1)(ii)(C)"), "{}", detail(&federal));
    let california = decide(&set(warrant, "/jurisdiction", json!("US-CA")));
    let text = detail(&california);
    assert!(text.contains("immigration enforcement") && text.contains("24250(b)") && text.contains("56.10(b)(6)"), "{text}");
    // Not for a treating provider.
    let provider = decide(&base("treating_provider", "treatment", &["diagnosis"]));
    assert!(!detail(&provider).contains("judge"), "{}", detail(&provider));
}

#[test]
fn a_california_minor_in_a_part2_program_is_told_to_sign_the_consent_alone() {
    let r = set(
        set(
            set(base("personal_representative", "care_involvement", &["substance_use"]), "/client/age", json!(16)),
            "/client/part2_program",
            json!(true),
        ),
        "/jurisdiction",
        json!("US-CA"),
    );
    let d = decide(&r);
    let text = remedy_text(&d, RemedyKind::ObtainPart2Consent);
    assert!(text.contains("a minor aged 12 or older signs it alone") && text.contains("Cal. Fam. Code 6929(b)"), "{text}");
    // The reason is Part 2's bar, not California's "needs an authorization".
    assert!(d.categories[0].reason.as_deref().is_some_and(|r| r.contains("Part 2 consent")), "{:?}", d.categories[0].reason);
}

#[test]
fn a_child_is_asked_alone_about_a_parent_who_may_endanger_them() {
    let r = facts(
        set(
            set(base("personal_representative", "client_request", &["diagnosis"]), "/client/age", json!(12)),
            "/jurisdiction",
            json!("US-CA"),
        ),
        &["representative_may_endanger"],
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    let ask = remedy_text(&d, RemedyKind::AskClient);
    assert!(ask.starts_with("Ask the client themselves, not the person") && ask.contains("report it"), "{ask}");
    // The child cannot sign for care the parent consented to (Cal. Civ. Code
    // 56.11(b)(3)(A)) and the parent set aside cannot either, so no form is
    // offered.
    assert!(!has_remedy(&d, RemedyKind::ObtainAuthorization), "{:?}", d.remedies);
    // A teenager signs only for care they consented to alone (Cal. Civ. Code
    // 56.11(b)(3)(A); AMB-8): without that, no form either; with it, theirs.
    let teen = set(r.clone(), "/client/age", json!(14));
    assert!(!has_remedy(&decide(&teen), RemedyKind::ObtainAuthorization));
    let consented = decide(&facts(teen, &["representative_may_endanger", "minor_consented_to_own_care"]));
    assert_eq!(consented.decision, OverallDecision::Deny);
    assert!(has_remedy(&consented, RemedyKind::ObtainAuthorization), "{:?}", consented.remedies);
}

#[test]
fn a_client_who_objected_is_not_pressed() {
    let r = facts(
        base("family_or_friend", "care_involvement", &["medications"]),
        &["client_present", "client_objects", "recipient_involved_in_care"],
    );
    let text = remedy_text(&decide(&r), RemedyKind::AskClient);
    assert!(text.contains("do not press them"), "{text}");
}

#[test]
fn an_authorization_that_does_not_count_is_explained() {
    let auth = |extra: Value| {
        let mut a = json!({
            "id": "auth-9", "kind": "hipaa", "signed_by": "client", "signed_on": "2026-01-10",
            "categories": ["diagnosis"], "recipients": [{ "kind": "employer" }], "purposes": ["client_request"],
            "expires_on": "2026-12-31", "expiry_event": null, "revoked_on": null,
            "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }
        });
        for (k, v) in extra.as_object().unwrap() {
            a[k] = v.clone();
        }
        set(base("employer", "client_request", &["diagnosis"]), "/authorizations", json!([a]))
    };
    let expired = decide(&auth(json!({ "expires_on": "2026-02-01" })));
    assert!(
        expired.explanation.contains("The form on file \"auth-9\" does not count here: it expired on 2026-02-01."),
        "{}",
        expired.explanation
    );
    let revoked = decide(&auth(json!({ "revoked_on": "2026-02-01" })));
    assert!(
        revoked.explanation.contains("the client revoked it on 2026-02-01")
            && revoked.explanation.contains("do not ask them to sign again")
    );
    // The next step does not then ask for the signature the client withdrew
    // (45 CFR 164.508(b)(5)).
    let next = remedy_text(&revoked, RemedyKind::ObtainAuthorization);
    assert!(next.contains("that the client offers") && !next.starts_with("Ask the client"), "{next}");
    let good = decide(&auth(json!({})));
    assert_eq!(good.decision, OverallDecision::Permit);
    assert!(!good.explanation.contains("does not count"), "{}", good.explanation);
}

#[test]
fn around_an_abuse_report_the_suspect_is_never_the_one_told() {
    let r = set(
        facts(
            set(base("child_welfare_agency", "report_child_abuse", &["demographics"]), "/jurisdiction", json!("US-CA")),
            &["suspected_child_abuse"],
        ),
        "/organization_policy",
        json!("default"),
    );
    let d = decide(&r);
    let inform = d.obligations.iter().find(|o| o.kind == ObligationKind::InformClient).map(|o| o.detail.clone()).unwrap_or_default();
    assert!(inform.starts_with("Never tell a person suspected of the abuse"), "{inform}");
}

#[test]
fn the_professional_judgment_asked_is_named_for_what_the_law_weighs() {
    let detail = |d: &Decision| {
        d.obligations.iter().find(|o| o.kind == ObligationKind::ProfessionalJudgment).map(|o| o.detail.clone()).unwrap_or_default()
    };
    // Family of an absent adult: the client's best interest (164.510(b)(3)).
    let family = decide(&facts(base("family_or_friend", "care_involvement", &["appointments"]), &["recipient_involved_in_care"]));
    assert!(detail(&family).contains("client's best interest"), "{}", detail(&family));
    // A minor's parent told of a danger: the treating professional judges
    // the parent's involvement (Fam. Code 6924(d)).
    let parent = minor_danger_told_to_parent("psychiatrist");
    let d = decide(&parent);
    assert_eq!(outcome(&d, "diagnosis"), Outcome::Permit);
    assert!(detail(&d).contains("treating the minor") && detail(&d).contains("minor's best interest"), "{}", detail(&d));
}

#[test]
fn the_next_step_never_asks_a_possible_abuser_to_sign() {
    // In a report the parent, the representative or the client may be the
    // one suspected (45 CFR 164.512(c)(2)(ii), 164.502(g)(5)).
    let r = set(
        facts(base("child_welfare_agency", "report_child_abuse", &["psychotherapy_notes"]), &["suspected_child_abuse"]),
        "/client/age",
        json!(9),
    );
    let text = remedy_text(&decide(&r), RemedyKind::ObtainAuthorization);
    assert!(text.contains("never ask a parent, representative or anyone else who may be responsible"), "{text}");
}

#[test]
fn the_next_step_for_a_child_whose_parent_agreed_to_confidentiality_is_both_signatures() {
    // Cal. Civ. Code 56.11(b)(3): a child under 12 does not sign alone; the
    // parent's agreement keeps the parent from signing alone (164.502(g)(3)).
    let r = set(
        set(facts(base("school", "treatment", &["diagnosis"]), &["parent_agreed_to_confidentiality"]), "/client/age", json!(11)),
        "/jurisdiction",
        json!("US-CA"),
    );
    let text = remedy_text(&decide(&r), RemedyKind::ObtainAuthorization);
    assert!(text.starts_with("Ask the child and their parent or guardian to sign one written authorization together"), "{text}");
}

#[test]
fn a_peer_is_told_the_minors_safety_call_is_the_treating_clinicians() {
    // Fam. Code 6924(d): the professional treating the minor judges the
    // parent's involvement; a peer brings it to that clinician.
    let r = minor_danger_told_to_parent("peer_support_specialist");
    let d = decide(&r);
    let detail =
        d.obligations.iter().find(|o| o.kind == ObligationKind::ProfessionalJudgment).map(|o| o.detail.clone()).unwrap_or_default();
    assert!(detail.contains("not yours"), "{detail}");
}

#[test]
fn an_lps_crisis_leads_with_the_psychotherapist_and_crisis_team_not_a_form() {
    // Welf. & Inst. Code 5328(a), (r): a peer's way forward in a threat is the
    // client's psychotherapist and the crisis team; a form comes last.
    let r = california_lps(
        facts(base("potential_victim", "prevent_serious_threat", &["demographics"]), &["serious_imminent_threat", "identifiable_victim"]),
        34,
        "peer_support_specialist",
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny, "AMB-9: 5328(r) is the psychotherapist's");
    assert!(remedy_text(&d, RemedyKind::ObtainAuthorization).starts_with("Do not wait for a form"), "{:?}", d.remedies);
}

/// The request as a California LPS program would make it: a client of this
/// age in county care, asked about by a staff member in this role.
/// A 16-year-old LPS client in danger; the discloser tells the parent, who
/// can help.
fn minor_danger_told_to_parent(role: &str) -> Value {
    california_lps(
        facts(
            base("personal_representative", "prevent_serious_threat", &["diagnosis"]),
            &["serious_imminent_threat", "recipient_can_prevent_or_lessen"],
        ),
        16,
        role,
    )
}

fn california_lps(v: Value, age: u32, role: &str) -> Value {
    let v = set(v, "/client", json!({ "age": age, "status": "active", "lps_program": true }));
    set(set(v, "/jurisdiction", json!("US-CA")), "/discloser", json!({ "role": role }))
}

/// Penal Code 11166(a), 11167(a); Civ. Code 43.92(b): what a reporting or
/// warning duty requires is the report or the warning, in the discloser's
/// own words, not the record; the explanation says that, and a required
/// disclosure that is not a duty (a court order) still reads "must share".
#[test]
fn a_reporting_duty_is_explained_as_the_report_not_the_record() {
    let report = decide(&reporting::child_abuse("psychotherapist", "US-CA"));
    assert_eq!(outcome(&report, "demographics"), Outcome::Required);
    assert!(
        report
            .explanation
            .starts_with("You must make the report, sharing identifying details and peer support notes only as far as the report needs."),
        "{}",
        report.explanation
    );
    assert!(!report.explanation.contains("You must share"), "{}", report.explanation);

    let warning = decide(&set(
        set(
            facts(base("potential_victim", "prevent_serious_threat", &["diagnosis"]), &["serious_imminent_threat", "identifiable_victim"]),
            "/jurisdiction",
            json!("US-CA"),
        ),
        "/discloser/role",
        json!("psychotherapist"),
    ));
    assert_eq!(outcome(&warning, "diagnosis"), Outcome::Required, "Civ. Code 43.92");
    assert!(
        warning.explanation.starts_with("You must give the warning, sharing the diagnosis only as far as the warning needs."),
        "{}",
        warning.explanation
    );

    let order =
        decide(&set(facts(base("court", "judicial_proceeding", &["diagnosis"]), &["court_order"]), "/jurisdiction", json!("US-CA")));
    assert_eq!(outcome(&order, "diagnosis"), Outcome::Required, "Civ. Code 56.10(b)(1)");
    assert!(order.explanation.starts_with("You must share the diagnosis."), "{}", order.explanation);
}

/// 42 CFR 2.51(c): a Part 2 release read as a medical emergency because of a
/// serious and imminent threat is documented as 2.51(c) asks, not with the
/// generic note; 45 CFR 164.528(b)(2), (a)(2): the accounting instruction
/// says what an entry holds, and to police, how a suspension is recorded.
#[test]
fn record_keeping_details_name_what_the_law_asks_to_be_written() {
    let threat = decide(&set(
        facts(base("emergency_provider", "prevent_serious_threat", &["substance_use"]), &["serious_imminent_threat"]),
        "/client/part2_program",
        json!(true),
    ));
    assert_eq!(outcome(&threat, "substance_use"), Outcome::Permit, "42 CFR 2.51");
    let note = threat.obligations.iter().find(|o| o.kind == ObligationKind::DocumentRationale).map(|o| o.detail.as_str());
    assert!(note.is_some_and(|d| d.contains("(42 CFR 2.51(c))")), "{note:?}");

    let warrant = decide(&facts(base("law_enforcement", "law_enforcement", &["diagnosis"]), &["warrant"]));
    let entry = warrant.obligations.iter().find(|o| o.kind == ObligationKind::RecordInAccounting).map(|o| o.detail.as_str());
    assert!(entry.is_some_and(|d| d.contains("164.528(b)(2)") && d.contains("at most 30 days")), "{entry:?}");
}

#[test]
fn an_abuse_report_filed_with_social_services_names_who_may_take_it() {
    // The rules read it as a report to the county welfare department
    // (Penal Code 11165.9); the explanation says a community group is not one.
    let report = set(
        facts(base("social_services_agency", "report_child_abuse", &["demographics"]), &["suspected_child_abuse"]),
        "/client/age",
        json!(9),
    );
    for (jurisdiction, cite) in [("US-CA", "Penal Code 11165.9"), ("US", "45 CFR 164.512(b)(1)(ii)")] {
        let d = decide(&set(report.clone(), "/jurisdiction", json!(jurisdiction)));
        assert_ne!(d.decision, OverallDecision::Deny, "{jurisdiction}");
        assert!(d.explanation.contains("community organization), it cannot take the report"), "{jurisdiction}: {}", d.explanation);
        assert!(d.explanation.contains(cite), "{jurisdiction}: {}", d.explanation);
    }
    // Anything else asked by a social-services agency gets no such line.
    let d = decide(&base("social_services_agency", "treatment", &["demographics"]));
    assert!(!d.explanation.contains("community organization cannot take it"), "{}", d.explanation);
}

#[test]
fn a_peer_is_told_the_best_interest_call_is_made_with_a_clinician() {
    // 164.510(b)(3) leaves it to professional judgment; peer services are
    // non-clinical, so the peer brings it to the clinician or a supervisor.
    let absent =
        facts(base("family_or_friend", "care_involvement", &["appointments"]), &["client_incapacitated", "recipient_involved_in_care"]);
    let peer = decide(&set(absent.clone(), "/discloser/role", json!("peer_support_specialist")));
    assert!(has_obligation(&peer, ObligationKind::ProfessionalJudgment), "{:?}", peer.obligations);
    assert!(peer.explanation.contains("with the client's clinician or your supervisor"), "{}", peer.explanation);
    let therapist = decide(&absent);
    assert!(therapist.explanation.contains("this is your judgment call"), "{}", therapist.explanation);
}

#[test]
fn asking_the_client_is_offered_first_when_it_would_do() {
    let d = decide(&base("family_or_friend", "care_involvement", &["diagnosis"]));
    let kinds: Vec<RemedyKind> = d.remedies.iter().map(|r| r.kind).collect();
    assert_eq!(kinds.first(), Some(&RemedyKind::AskClient), "{kinds:?}");
    assert!(kinds.contains(&RemedyKind::ObtainAuthorization), "{kinds:?}");
}

#[test]
fn a_summary_that_closes_on_its_cite_is_not_cited_twice() {
    // ca.child_abuse_mandate's summary ends "(Penal Code 11166(a))"; its
    // cite is "Cal. Penal Code 11166(a)".
    let r = set(
        facts(
            set(base("child_welfare_agency", "report_child_abuse", &["demographics"]), "/client/age", json!(9)),
            &["suspected_child_abuse"],
        ),
        "/jurisdiction",
        json!("US-CA"),
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Required);
    assert!(d.explanation.contains("(Penal Code 11166(a))."), "{}", d.explanation);
    assert!(!d.explanation.contains("(Penal Code 11166(a)) (Cal. Penal Code 11166(a))"), "{}", d.explanation);
}

#[test]
fn the_organization_policy_is_named_in_words_not_by_its_rule_id() {
    let r = set(base("treating_provider", "treatment", &["diagnosis"]), "/organization_policy", json!("default"));
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny, "AMB-4: the organization asks for the client's agreement");
    assert!(d.explanation.contains("(this program's policy)"), "{}", d.explanation);
    assert!(!d.explanation.contains("org:"), "{}", d.explanation);
}

#[test]
fn a_refused_part2_request_is_answered_without_revealing_treatment() {
    // 42 CFR 2.13(c)(2): any answer to a request Part 2 does not allow.
    let r = set(base("employer", "employment", &["diagnosis"]), "/client/part2_program", json!(true));
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(
        d.explanation.contains("does not reveal that the client is, or was, in substance use treatment here (42 CFR 2.13(c)(2))"),
        "{}",
        d.explanation
    );
    // Not for a client outside Part 2, nor for the client's own request.
    let plain = decide(&base("employer", "employment", &["diagnosis"]));
    assert!(!plain.explanation.contains("2.13(c)(2)"), "{}", plain.explanation);
    let own = decide(&set(
        set(base("client", "employment", &["psychotherapy_notes"]), "/client/part2_program", json!(true)),
        "/purpose",
        json!("client_request"),
    ));
    assert!(!own.explanation.contains("2.13(c)(2)"), "{}", own.explanation);
}

#[test]
fn in_an_lps_crisis_a_psychotherapist_is_not_sent_to_the_clients_psychotherapist() {
    let crisis = |role: &str| {
        let r = facts(base("family_or_friend", "prevent_serious_threat", &["diagnosis"]), &["serious_imminent_threat"]);
        let r = set(set(set(r, "/jurisdiction", json!("US-CA")), "/client/lps_program", json!(true)), "/discloser/role", json!(role));
        decide(&r)
    };
    let therapist = crisis("psychotherapist");
    assert_eq!(therapist.decision, OverallDecision::Deny, "5328 has no family warning about a danger without a victim");
    let text = remedy_text(&therapist, RemedyKind::ObtainAuthorization);
    assert!(text.contains("bring in your supervisor and the crisis team"), "{text}");
    assert!(!text.contains("client's psychotherapist"), "{text}");
    let peer = remedy_text(&crisis("peer_support_specialist"), RemedyKind::ObtainAuthorization);
    assert!(peer.contains("the client's psychotherapist"), "{peer}");
}

#[test]
fn a_part2_consent_without_hipaa_statements_is_named_as_the_shortfall() {
    // Before 2026-02-16 a Part 2 consent needed only the right to revoke;
    // as a HIPAA authorization it needs all three statements (164.508(c)(2)).
    let consent = json!([{
        "id": "c1", "kind": "part2", "signed_by": "client", "signed_on": "2025-11-10",
        "categories": ["diagnosis"], "recipients": [{ "kind": "employer", "name": "R" }], "purposes": ["employment"],
        "expires_on": "2026-12-31", "revoked_on": null,
        "statements": { "right_to_revoke": true, "no_conditioning": false, "redisclosure": false }
    }]);
    let r = set(set(base("employer", "employment", &["diagnosis"]), "/as_of", json!("2026-01-20")), "/authorizations", consent.clone());
    let d = decide(&set(r.clone(), "/client/part2_program", json!(true)));
    assert_eq!(d.decision, OverallDecision::Deny, "no HIPAA authorization on file");
    assert!(remedy_text(&d, RemedyKind::ObtainAuthorization).contains("lacks statements every HIPAA authorization must carry"));
    // With the statements it is both, and releases.
    let full = set(r, "/authorizations/0/statements", json!({ "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }));
    assert_eq!(decide(&set(full, "/client/part2_program", json!(true))).decision, OverallDecision::Permit);
}

#[test]
fn a_part2_consent_folding_a_proceeding_into_others_says_so() {
    // 42 CFR 2.31(d): the purpose is on the form, but a consent for a
    // proceeding must be a separate one; "does not name this purpose" would
    // send staff looking for the wrong defect.
    let consent = json!([{
        "id": "c1", "kind": "part2", "signed_by": "client", "signed_on": "2026-03-01",
        "categories": ["diagnosis"], "recipients": [{ "kind": "court", "name": "R" }],
        "purposes": ["treatment", "judicial_proceeding"],
        "expires_on": "2026-12-31", "revoked_on": null,
        "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }
    }]);
    let r = set(
        set(set(base("court", "judicial_proceeding", &["diagnosis"]), "/client/part2_program", json!(true)), "/as_of", json!("2026-06-01")),
        "/authorizations",
        consent,
    );
    let d = decide(&r);
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(d.explanation.contains("42 CFR 2.31(d)"), "{}", d.explanation);
    assert!(!d.explanation.contains("does not name this purpose"), "{}", d.explanation);
}

#[test]
fn a_child_abuse_report_beside_a_warning_names_both_duties() {
    // Penal Code 11166(a) and Civ. Code 43.92: two duties on the same
    // information; the explanation names the report too, with its deadlines.
    let r = set(
        facts(
            base("law_enforcement", "report_child_abuse", &["diagnosis", "progress_notes"]),
            &["suspected_child_abuse", "serious_imminent_threat", "identifiable_victim"],
        ),
        "/client/age",
        json!(12),
    );
    let d = decide(&set(r, "/jurisdiction", json!("US-CA")));
    assert_eq!(d.decision, OverallDecision::Required);
    assert!(d.explanation.contains("You must give the warning"), "{}", d.explanation);
    assert!(d.explanation.contains("You must also make the report."), "{}", d.explanation);
    assert!(d.explanation.contains("within 36 hours"), "{}", d.explanation);
    // The 8105(c) report the warning's advice already tells is not named again.
    assert_eq!(d.explanation.matches("You must also").count(), 1, "{}", d.explanation);
    // What to do now comes before the record keeping.
    let advice = d.explanation.find("whichever you reach first").unwrap_or(usize::MAX);
    let bookkeeping = d.explanation.find("Before you share").unwrap_or(0);
    assert!(advice < bookkeeping, "{}", d.explanation);
}

#[test]
fn an_abuse_report_told_to_a_parent_says_where_the_report_goes() {
    let r = set(
        facts(base("personal_representative", "report_child_abuse", &["progress_notes"]), &["suspected_child_abuse"]),
        "/client/age",
        json!(10),
    );
    let r = set(r, "/jurisdiction", json!("US-CA"));
    let d = decide(&r);
    assert!(d.explanation.contains("Telling this person is not the report"), "{}", d.explanation);
    assert!(d.explanation.contains("Penal Code 11165.9"), "{}", d.explanation);
    // Filed with the agency itself, no such line.
    let d = decide(&set(r, "/recipient/kind", json!("child_welfare_agency")));
    assert!(!d.explanation.contains("Telling this person is not the report"), "{}", d.explanation);
}

#[test]
fn emergency_care_advice_is_never_the_reason_for_a_denial() {
    // hipaa.emergency.call_for_care is an aside: the reason stays the law's.
    let d = decide(&facts(base("law_enforcement", "emergency", &["medications"]), &["medical_emergency"]));
    assert_eq!(d.decision, OverallDecision::Deny);
    assert!(d.explanation.contains("call 911"), "{}", d.explanation);
    let reason = d.categories[0].reason.clone().unwrap_or_default();
    assert!(!reason.contains("the staff member is told"), "{reason}");
}
