use super::*;
use crate::date::Date;
use crate::request::parse_request;
use crate::vocab::Fact;

fn request_with(auth: &str) -> Request {
    let text = format!(
        r#"{{"as_of":"2026-03-02","jurisdiction":"US","client":{{"age":34,"status":"active"}},
           "recipient":{{"kind":"employer","name":"Acme"}},"purpose":"employment",
           "categories":["diagnosis"],"authorizations":[{auth}]}}"#
    );
    match parse_request(&text) {
        Ok(r) => r,
        Err(e) => unreachable!("test request must parse: {e}"),
    }
}

const VALID: &str = r#"{"id":"a","kind":"hipaa","signed_by":"client","signed_on":"2026-01-10",
    "categories":["diagnosis"],"recipients":[{"kind":"employer","name":"Acme"}],
    "purposes":["employment"],"expires_on":"2026-12-31",
    "statements":{"right_to_revoke":true,"no_conditioning":true,"redisclosure":true}}"#;

fn reasons(auth: &str) -> Vec<String> {
    reasons_of(&request_with(auth))
}

fn reasons_of(request: &Request) -> Vec<String> {
    assess(request).iter().flat_map(|s| s.reasons.iter().map(|r| r.code())).collect()
}

#[test]
fn a_complete_matching_authorization_counts() {
    let s = assess(&request_with(VALID));
    assert_eq!(s.len(), 1);
    assert!(s.iter().all(|s| s.counts && s.covers == vec![Category::Diagnosis]));
}

#[test]
fn every_missing_element_is_reported() {
    let r = reasons(r#"{"id":"a","kind":"hipaa"}"#);
    for code in [
        "missing_element:description",
        "missing_element:recipient",
        "missing_element:purpose",
        "missing_element:expiration",
        "missing_element:signature",
        "missing_element:date",
        "missing_statement:right_to_revoke",
        "missing_statement:no_conditioning",
        "missing_statement:redisclosure",
    ] {
        assert!(r.contains(&code.to_string()), "{code} missing from {r:?}");
    }
}

#[test]
fn in_california_a_child_under_12_cannot_sign_alone_for_care_a_parent_consented_to_or_agreed_to_keep_confidential() {
    let mut request = request_with(VALID);
    request.jurisdiction = Jurisdiction::UsCa;
    request.client.age = 10;
    assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
    // The parent's signature counts instead (Cal. Civ. Code 56.11(b)(3)(B)).
    let by_parent = VALID.replace("\"signed_by\":\"client\"", "\"signed_by\":\"personal_representative\"");
    let mut parent_signed = request_with(&by_parent);
    parent_signed.jurisdiction = Jurisdiction::UsCa;
    parent_signed.client.age = 10;
    assert!(reasons_of(&parent_signed).is_empty());
    // Care the child lawfully consented to alone is the child's to release.
    request.facts.set(Fact::MinorConsentedToOwnCare, true);
    assert!(reasons_of(&request).is_empty());
    // At 12 or more the minor signs only for care they consented to alone:
    // without the fact the parent is the representative (AMB-8), as under
    // federal law; a Part 2 client of 12 may consent to SUD care alone (Cal.
    // Fam. Code 6929(b)) and so signs the Part 2 consent.
    request.facts.set(Fact::MinorConsentedToOwnCare, false);
    request.client.age = 15;
    assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
    let mut part2 = request_with(&VALID.replace("\"kind\":\"hipaa\"", "\"kind\":\"part2\""));
    part2.jurisdiction = Jurisdiction::UsCa;
    part2.client.age = 15;
    part2.client.part2_program = true;
    assert!(reasons_of(&part2).is_empty());
    request.client.age = 10;
    // A parent's agreement to confidentiality does not let a child under
    // 12 sign alone, nor the parent: both sign (child_and_parent_sign).
    request.facts.set(Fact::ParentAgreedToConfidentiality, true);
    parent_signed.facts.set(Fact::ParentAgreedToConfidentiality, true);
    assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
    assert_eq!(reasons_of(&parent_signed), vec!["missing_element:signature"]);
    let mut both = request.clone();
    both.authorizations.extend(parent_signed.authorizations.iter().cloned());
    assert!(assess(&both).iter().all(|s| s.counts));
    // A parent the provider fears cannot be the second signature, and the
    // child's stays insufficient alone: nobody the request shows can sign.
    both.facts.set(Fact::RepresentativeMayEndanger, true);
    assert!(assess(&both).iter().all(|s| !s.counts));
    assert!(child_lacks_a_cosigner(&both));
    assert!(!child_lacks_a_cosigner(&request));
    request.jurisdiction = Jurisdiction::Us;
    assert!(reasons_of(&request).is_empty());
}

#[test]
fn a_child_under_12_signs_no_hipaa_form_in_california_even_for_part2_records() {
    let mut request = request_with(VALID);
    request.jurisdiction = Jurisdiction::UsCa;
    request.client.age = 8;
    request.client.part2_program = true;
    assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
    // A Part 2 consent is the child's to sign, beside the parent (42 CFR 2.14(b)).
    let consent = VALID.replace("\"hipaa\"", "\"part2\"");
    let mut part2 = request_with(&consent);
    part2.jurisdiction = Jurisdiction::UsCa;
    part2.client.age = 8;
    part2.client.part2_program = true;
    let parent = consent.replace("\"signed_by\":\"client\"", "\"signed_by\":\"personal_representative\"");
    part2.authorizations.extend(request_with(&parent).authorizations);
    assert!(assess(&part2).iter().all(|s| s.counts), "{:?}", assess(&part2));
}

#[test]
fn a_form_dated_after_the_clients_death_carries_no_signature_of_the_client() {
    let mut request = request_with(VALID);
    request.client.status = ClientStatus::Deceased;
    request.client.died_on = Some(Date::from_ymd_const(2026, 1, 9));
    assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
    // Signed the day they died, or before: it counts until it expires.
    request.client.died_on = Some(Date::from_ymd_const(2026, 1, 10));
    assert!(reasons_of(&request).is_empty());
    // Their personal representative signs after death.
    let by_rep = VALID.replace("\"signed_by\":\"client\"", "\"signed_by\":\"personal_representative\"");
    let mut rep = request_with(&by_rep);
    rep.client.status = ClientStatus::Deceased;
    rep.client.died_on = Some(Date::from_ymd_const(2026, 1, 9));
    assert!(reasons_of(&rep).is_empty());
    // A California child under 12 who could not have signed anyway: the
    // form lacks the one signature, reported once.
    request.jurisdiction = Jurisdiction::UsCa;
    request.client.age = 10;
    request.client.died_on = Some(Date::from_ymd_const(2026, 1, 9));
    assert_eq!(reasons_of(&request), vec!["missing_element:signature"]);
}

#[test]
fn part2_consent_needed_only_the_revocation_statement_before_the_2024_rule() {
    let auth = VALID
        .replace("\"hipaa\"", "\"part2\"")
        .replace("\"no_conditioning\":true,\"redisclosure\":true", "\"no_conditioning\":false,\"redisclosure\":false");
    let mut request = request_with(&auth);
    request.as_of = Date::from_ymd_const(2026, 2, 15);
    assert!(assess(&request).iter().all(|s| s.counts), "{:?}", assess(&request));
}

#[test]
fn part2_consent_carries_hipaas_statements_from_the_compliance_date() {
    let auth = VALID
        .replace("\"hipaa\"", "\"part2\"")
        .replace("\"no_conditioning\":true,\"redisclosure\":true", "\"no_conditioning\":false,\"redisclosure\":false");
    let mut request = request_with(&auth);
    request.as_of = Date::from_ymd_const(2026, 2, 16);
    assert_eq!(reasons_of(&request), vec!["missing_statement:no_conditioning", "missing_statement:redisclosure"]);
}

#[test]
fn an_ascmi_never_covers_psychotherapy_notes_and_counts_for_both_laws() {
    let auth = VALID.replace("\"hipaa\"", "\"ascmi\"").replace("\"employment\"]", "\"employment\",\"treatment\"]");
    let mut request = request_with(&auth);
    request.purpose = Purpose::Employment;
    // Employment is not a purpose the form can name.
    assert!(assess(&request).iter().all(|s| !s.counts && s.reasons.contains(&Reason::PurposeMismatch)));
    request.purpose = Purpose::Treatment;
    request.categories = vec![Category::Diagnosis, Category::PsychotherapyNotes];
    let s = assess(&request);
    assert!(s.iter().all(|s| s.counts && s.covers == vec![Category::Diagnosis]));
    let c = coverage(&s, Category::Diagnosis);
    assert!(c.authorized && c.consented);
    assert_eq!(coverage(&s, Category::PsychotherapyNotes), Coverage::default());
}

#[test]
fn expires_on_the_day_still_counts_and_the_day_after_does_not() {
    assert!(reasons(&VALID.replace("2026-12-31", "2026-03-02")).is_empty());
    assert_eq!(reasons(&VALID.replace("2026-12-31", "2026-03-01")), vec!["expired"]);
}

#[test]
fn an_expiry_event_never_expires() {
    let r = reasons(&VALID.replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"end of treatment""#));
    assert!(r.is_empty(), "{r:?}");
}

#[test]
fn none_is_an_expiration_only_for_research_or_a_part2_consent_for_treatment_payment_or_operations() {
    let never = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"None""#);
    assert_eq!(reasons(&never), vec!["missing_element:expiration"], "164.508(c)(1)(v): not for employment");
    let research = never.replace(r#""purposes":["employment"]"#, r#""purposes":["research"]"#);
    assert!(form_defects(&parse_auth(&research)).is_empty(), "164.508(c)(1)(v): research may say none");
    let tpo = never.replace("\"hipaa\"", "\"part2\"").replace(r#""purposes":["employment"]"#, r#""purposes":["treatment","payment"]"#);
    assert!(form_defects(&parse_auth(&tpo)).is_empty(), "2.31(a)(7): a TPO consent may say none");
    let part2_employer = never.replace("\"hipaa\"", "\"part2\"");
    assert!(form_defects(&parse_auth(&part2_employer)).contains(&Reason::MissingElement(Element::Expiration)));
}

#[test]
fn wording_that_sets_no_end_is_no_expiration() {
    for event in [
        "None",
        "forever",
        "Perpetual",
        "no end date",
        "ongoing",
        "permanent",
        "NA",
        "-",
        "until I revoke it",
        "upon revocation",
        "Until revoked in writing.",
        "this authorization does not expire",
    ] {
        let form = VALID.replace(r#""expires_on":"2026-12-31""#, &format!(r#""expiry_event":"{event}""#));
        assert_eq!(reasons(&form), vec!["missing_element:expiration"], "{event:?} sets no end (164.508(c)(1)(v))");
    }
    for event in ["end of treatment", "discharge from the program or until revoked", "one year after signing"] {
        let form = VALID.replace(r#""expires_on":"2026-12-31""#, &format!(r#""expiry_event":"{event}""#));
        assert!(reasons(&form).is_empty(), "{event:?} is an event");
    }
}

#[test]
fn a_california_authorization_needs_a_date_not_only_an_event() {
    let event = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"end of treatment""#);
    let mut request = request_with(&event);
    request.jurisdiction = Jurisdiction::UsCa;
    assert_eq!(reasons_of(&request), vec!["missing_element:expiration"], "Cal. Civ. Code 56.11(b)(8)");
}

#[test]
fn an_lps_authorization_may_end_on_an_event() {
    // Civ. Code 56.30(a) leaves LPS records to Welf. & Inst. Code 5328, whose
    // consent form (5328.7) asks no date; HIPAA accepts the event.
    let event = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"end of treatment""#);
    let mut request = request_with(&event);
    request.jurisdiction = Jurisdiction::UsCa;
    request.client.lps_program = true;
    assert!(reasons_of(&request).is_empty(), "{:?}", reasons_of(&request));
}

#[test]
fn a_california_treatment_disclosure_takes_a_hipaa_form_with_an_event() {
    let event = VALID
        .replace(r#""expires_on":"2026-12-31""#, r#""expiry_event":"end of treatment""#)
        .replace(r#"{"kind":"employer","name":"Acme"}"#, r#"{"kind":"treating_provider"}"#)
        .replace(r#""purposes":["employment"]"#, r#""purposes":["treatment"]"#);
    let mut request = request_with(&event);
    request.jurisdiction = Jurisdiction::UsCa;
    request.recipient.kind = RecipientKind::TreatingProvider;
    request.recipient.name = None;
    request.purpose = Purpose::Treatment;
    assert!(reasons_of(&request).is_empty(), "56.11(a): 56.10(c)(1) already allows it, so 56.11(b)(8) does not apply");
}

fn parse_auth(auth: &str) -> Authorization {
    request_with(auth).authorizations.remove(0)
}

#[test]
fn a_passed_date_expires_a_form_that_also_names_an_event() {
    let both = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expires_on":"2026-03-01","expiry_event":"end of treatment""#);
    assert_eq!(reasons(&both), vec!["expired"]);
    let date_to_come = VALID.replace(r#""expires_on":"2026-12-31""#, r#""expires_on":"2026-03-02","expiry_event":"end of treatment""#);
    assert!(reasons(&date_to_come).is_empty());
}

#[test]
fn revoked_on_or_before_the_day_stops_counting() {
    assert_eq!(reasons(&VALID.replace(r#""expires_on""#, r#""revoked_on":"2026-03-02","expires_on""#)), vec!["revoked"]);
    assert!(reasons(&VALID.replace(r#""expires_on""#, r#""revoked_on":"2026-03-03","expires_on""#)).is_empty());
}

#[test]
fn signed_after_the_day_is_not_yet_signed() {
    assert_eq!(reasons(&VALID.replace("2026-01-10", "2026-03-03")), vec!["not_yet_signed"]);
}

#[test]
fn compound_psychotherapy_notes_never_count() {
    let r = reasons(&VALID.replace(r#"["diagnosis"]"#, r#"["diagnosis","psychotherapy_notes"]"#));
    assert_eq!(r, vec!["compound_psychotherapy_notes"]);
}

#[test]
fn mismatches_are_named() {
    assert_eq!(reasons(&VALID.replace(r#""name":"Acme""#, r#""name":"Other Co""#)), vec!["recipient_mismatch"]);
    assert_eq!(reasons(&VALID.replace(r#""purposes":["employment"]"#, r#""purposes":["research"]"#)), vec!["purpose_mismatch"]);
    assert_eq!(reasons(&VALID.replace(r#""categories":["diagnosis"]"#, r#""categories":["billing"]"#)), vec!["category_not_covered"]);
}

#[test]
fn a_recipient_class_without_name_matches_any_name_and_names_ignore_case() {
    assert!(reasons(&VALID.replace(r#","name":"Acme""#, "")).is_empty());
    assert!(reasons(&VALID.replace(r#""name":"Acme""#, r#""name":"  acme ""#)).is_empty());
}

fn minor_part2_request(facts: &str, auths: &[(&str, &str, &str)]) -> Request {
    let auths: Vec<String> = auths
        .iter()
        .map(|(id, signer, categories)| {
            format!(
                r#"{{"id":"{id}","kind":"part2","signed_by":"{signer}","signed_on":"2026-01-10","categories":{categories},
                   "recipients":[{{"kind":"personal_representative"}}],"purposes":["notification"],"expires_on":"2026-12-31",
                   "statements":{{"right_to_revoke":true,"no_conditioning":true,"redisclosure":true}}}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"as_of":"2026-03-02","jurisdiction":"US","client":{{"age":15,"status":"active","part2_program":true}},
           "recipient":{{"kind":"personal_representative"}},"purpose":"notification","facts":{facts},
           "categories":["substance_use","presence_and_condition"],"authorizations":[{}]}}"#,
        auths.join(",")
    );
    match parse_request(&text) {
        Ok(r) => r,
        Err(e) => unreachable!("test request must parse: {e}"),
    }
}

#[test]
fn a_part2_minors_consent_needs_the_parents_signature_too_where_the_parent_consented_to_treatment() {
    let both = r#"["substance_use","presence_and_condition"]"#;
    let only = |facts: &str, auths: &[(&str, &str, &str)]| match assess(&minor_part2_request(facts, auths)).as_slice() {
        [one] => one.clone(),
        other => unreachable!("one authorization on file, got {other:?}"),
    };
    // The minor alone: only the fact of treatment may go to the parent (2.14(b)(2)(i)).
    let s = only("{}", &[("m", "client", both)]);
    assert!(s.counts && s.covers == vec![Category::PresenceAndCondition], "{s:?}");
    // The parent alone: nothing (2.14(b)(1)).
    let s = only("{}", &[("p", "personal_representative", both)]);
    assert!(!s.counts && s.reasons == vec![Reason::MissingElement(Element::Signature)], "{s:?}");
    // Both: what both cover.
    let s = assess(&minor_part2_request("{}", &[("m", "client", both), ("p", "personal_representative", r#"["substance_use"]"#)]));
    assert!(s.iter().all(|s| s.counts), "{s:?}");
    assert!(coverage(&s, Category::SubstanceUse).consented);
    // The minor's consent alone still reaches the fact of treatment.
    assert!(coverage(&s, Category::PresenceAndCondition).consented);
    // Where the minor consented to the care alone, the minor's signature is the one that counts (2.14(a)).
    let s = only(r#"{"minor_consented_to_own_care":true}"#, &[("m", "client", both)]);
    assert!(s.counts && s.covers.len() == 2, "{s:?}");
}

#[test]
fn hipaas_grounds_for_setting_a_parent_aside_do_not_let_a_part2_minor_consent_alone() {
    let both = r#"["substance_use","presence_and_condition"]"#;
    let pair = [("m", "client", both), ("p", "personal_representative", both)];
    // A parent who agreed to keep the care confidential still gave the
    // consent state law asked for, so 2.14(b)(1) asks for both signatures.
    let agreed = r#"{"parent_agreed_to_confidentiality":true}"#;
    let s = assess(&minor_part2_request(agreed, &pair[..1]));
    assert!(!coverage(&s, Category::SubstanceUse).consented, "{s:?}");
    let s = assess(&minor_part2_request(agreed, &pair));
    assert!(s.iter().all(|s| s.counts) && coverage(&s, Category::SubstanceUse).consented, "{s:?}");
    // A parent the provider believes may endanger the minor cannot co-sign,
    // and the minor's consent alone is not enough either.
    let feared = r#"{"representative_may_endanger":true}"#;
    let s = assess(&minor_part2_request(feared, &pair));
    assert!(!coverage(&s, Category::SubstanceUse).consented, "{s:?}");
    assert!(nobody_may_consent(&minor_part2_request(feared, &[])));
    assert!(!nobody_may_consent(&minor_part2_request(agreed, &[])));
}

fn part2_proceeding_request(purpose: &str, purposes: &str, kind: &str, as_of: &str, part2: bool) -> Request {
    let text = format!(
        r#"{{"as_of":"{as_of}","jurisdiction":"US","client":{{"age":34,"status":"active","part2_program":{part2}}},
           "recipient":{{"kind":"court"}},"purpose":"{purpose}","categories":["substance_use"],
           "authorizations":[{{"id":"c","kind":"{kind}","signed_by":"client","signed_on":"2025-01-10",
             "categories":["substance_use"],"recipients":[{{"kind":"court"}}],"purposes":{purposes},
             "expires_on":"2027-12-31","statements":{{"right_to_revoke":true,"no_conditioning":true,"redisclosure":true}}}}]}}"#
    );
    match parse_request(&text) {
        Ok(r) => r,
        Err(e) => unreachable!("test request must parse: {e}"),
    }
}

fn codes_for(request: &Request) -> Vec<String> {
    assess(request).iter().flat_map(|s| s.reasons.iter().map(|r| r.code())).collect()
}

#[test]
fn a_part2_consent_folding_a_proceeding_into_other_purposes_does_not_count_for_the_proceeding() {
    let combined = r#"["judicial_proceeding","treatment"]"#;
    let r = part2_proceeding_request("judicial_proceeding", combined, "part2", "2026-03-02", true);
    assert_eq!(codes_for(&r), vec!["purpose_mismatch"]);
    // Its other purposes are untouched (2.31(d) bars only the proceeding part).
    let r = part2_proceeding_request("treatment", combined, "part2", "2026-03-02", true);
    assert!(codes_for(&r).is_empty());
    // A consent for proceedings alone, or for a court case and the
    // investigation behind it, counts.
    for purposes in [r#"["judicial_proceeding"]"#, r#"["judicial_proceeding","law_enforcement"]"#] {
        let r = part2_proceeding_request("judicial_proceeding", purposes, "part2", "2026-03-02", true);
        assert!(codes_for(&r).is_empty(), "{purposes}");
    }
    // Investigations and the program's own defense are proceedings too.
    for (purpose, purposes) in
        [("law_enforcement", r#"["law_enforcement","payment"]"#), ("legal_defense", r#"["legal_defense","health_care_operations"]"#)]
    {
        let r = part2_proceeding_request(purpose, purposes, "part2", "2026-03-02", true);
        assert_eq!(codes_for(&r), vec!["purpose_mismatch"], "{purpose}");
    }
}

#[test]
fn the_separate_proceeding_consent_binds_part2_records_from_the_2024_compliance_date() {
    let combined = r#"["judicial_proceeding","treatment"]"#;
    let before = part2_proceeding_request("judicial_proceeding", combined, "part2", "2026-02-15", true);
    assert!(codes_for(&before).is_empty());
    // A HIPAA authorization may combine them (164.508(b)(3)), and records
    // outside a Part 2 program are not Part 2 records.
    let hipaa = part2_proceeding_request("judicial_proceeding", combined, "hipaa", "2026-03-02", true);
    assert!(codes_for(&hipaa).is_empty());
    let not_part2 = part2_proceeding_request("judicial_proceeding", combined, "part2", "2026-03-02", false);
    assert!(codes_for(&not_part2).is_empty());
}

#[test]
fn part2_consent_satisfies_hipaa_except_for_psychotherapy_notes() {
    let s = Standing {
        id: "c".into(),
        kind: AuthorizationKind::Part2,
        counts: true,
        reasons: vec![],
        covers: vec![Category::SubstanceUse, Category::PsychotherapyNotes],
        by_representative: false,
        open_ended: false,
        hipaa_statements: true,
    };
    let su = coverage(std::slice::from_ref(&s), Category::SubstanceUse);
    assert!(su.authorized && su.consented);
    let pn = coverage(std::slice::from_ref(&s), Category::PsychotherapyNotes);
    assert!(!pn.authorized && pn.consented);
    // "None" is an expiration for a Part 2 TPO consent (2.31(a)(7)), not for
    // the HIPAA authorization it would otherwise stand in for (164.508(c)(1)(v)).
    for kind in [AuthorizationKind::Part2, AuthorizationKind::Ascmi] {
        let open = Standing { kind, open_ended: true, ..s.clone() };
        let su = coverage(std::slice::from_ref(&open), Category::SubstanceUse);
        assert!(!su.authorized && su.consented, "{kind:?}");
    }
    // A consent without HIPAA's statements (one signed to the rule before
    // its 2024 amendments) is no HIPAA authorization (164.508(b)(2)(ii)).
    let bare = Standing { hipaa_statements: false, ..s.clone() };
    let su = coverage(std::slice::from_ref(&bare), Category::SubstanceUse);
    assert!(!su.authorized && su.consented);
}

#[test]
fn a_signature_without_authority_in_life_stays_invalid_after_the_client_dies() {
    let by_rep = VALID.replace("\"signed_by\":\"client\"", "\"signed_by\":\"personal_representative\"");
    let dead = |facts: &[Fact], died: Date| {
        let mut r = request_with(&by_rep);
        r.client.age = 16;
        r.client.status = ClientStatus::Deceased;
        r.client.died_on = Some(died);
        for f in facts {
            r.facts.set(*f, true);
        }
        r
    };
    let after_signing = Date::from_ymd_const(2026, 2, 1);
    let before_signing = Date::from_ymd_const(2026, 1, 9);
    // A parent signed for care the minor controlled (45 CFR 164.502(g)(3)(i)),
    // or a representative the provider had declined (164.502(g)(5)): the form
    // lacked a valid signature when signed, and death does not cure it.
    for fact in [Fact::MinorConsentedToOwnCare, Fact::RepresentativeMayEndanger, Fact::ParentAgreedToConfidentiality] {
        assert_eq!(reasons_of(&dead(&[fact], after_signing)), vec!["missing_element:signature"], "{fact:?}");
    }
    // The representative acting after death signs under 164.502(g)(4),
    // whatever the minor controlled in life.
    for fact in [Fact::MinorConsentedToOwnCare, Fact::ParentAgreedToConfidentiality] {
        assert!(reasons_of(&dead(&[fact], before_signing)).is_empty(), "{fact:?}");
    }
    // Not one the provider declined to recognize (164.502(g)(5)): the
    // access it refuses them is not one form away.
    assert_eq!(reasons_of(&dead(&[Fact::RepresentativeMayEndanger], before_signing)), vec!["missing_element:signature"]);
    // A parent with authority in life: the form still counts after death.
    assert!(reasons_of(&dead(&[], after_signing)).is_empty());
}

#[test]
fn a_part2_parents_consent_that_lacked_the_minors_signature_stays_incomplete_after_death() {
    let both = r#"["substance_use","presence_and_condition"]"#;
    let mut request = minor_part2_request("{}", &[("p", "personal_representative", both)]);
    request.client.status = ClientStatus::Deceased;
    request.client.died_on = Some(Date::from_ymd_const(2026, 2, 1));
    let s = assess(&request);
    assert!(s.iter().all(|s| !s.counts && s.reasons == vec![Reason::MissingElement(Element::Signature)]), "{s:?}");
    // Signed jointly in life, the consent still counts after death.
    let mut joint = minor_part2_request("{}", &[("m", "client", both), ("p", "personal_representative", both)]);
    joint.client.status = ClientStatus::Deceased;
    joint.client.died_on = Some(Date::from_ymd_const(2026, 2, 1));
    assert!(assess(&joint).iter().all(|s| s.counts), "{:?}", assess(&joint));
    // Signed by the representative after death (2.15(b)): it counts alone.
    request.client.died_on = Some(Date::from_ymd_const(2026, 1, 9));
    assert!(assess(&request).iter().all(|s| s.counts), "{:?}", assess(&request));
}
