//! Statutory lists and tests that two rules restate must agree.
//!
//! Cedar has no shared constants, so 5328.1(a)'s list, Fam. Code 6924(d)'s
//! carve-out and 15630's elder/dependent-adult test are written out in more
//! than one rule. These tests hold the copies to one reading by behaviour:
//! editing one copy and not the other fails here.

use super::*;
use confidant_policy::vocab::Purpose;

/// Welf. & Inst. Code 5328.1(a): diagnosis, prognosis (treatment plan),
/// medications and progress, plus presence in the facility.
const LPS_FAMILY_LIST: &[&str] = &["diagnosis", "medications", "treatment_plan", "progress_notes", "presence_and_condition"];

fn lps_family(category: &str, age: u32, extra: &[&str]) -> Value {
    let r = set(base("family_or_friend", "care_involvement", &[category]), "/jurisdiction", json!("US-CA"));
    let r = set(r, "/client/lps_program", json!(true));
    let r = set(r, "/client/age", json!(age));
    facts(r, extra)
}

#[test]
fn lps_family_list_and_its_scope_limit_are_complements() {
    // With the client's spoken yes, ca.lps.family opens each listed category
    // and ca.lps.family_scope closes each other one; psychotherapy notes
    // follow their own rule and belong to neither.
    for category in Category::ALL.iter().map(|c| c.as_str()) {
        let d = decide(&lps_family(category, 34, &["client_agrees"]));
        let listed = LPS_FAMILY_LIST.contains(&category);
        let notes = category == "psychotherapy_notes";
        assert_eq!(fired(&d, "ca.lps.family"), listed, "ca.lps.family on {category}");
        assert_eq!(fired(&d, "ca.lps.family_scope"), !listed && !notes, "ca.lps.family_scope on {category}");
        if !listed {
            assert_eq!(outcome(&d, category), Outcome::Deny, "{category} goes only on a written authorization (5328(b))");
        }
    }
}

#[test]
fn minor_parent_safety_carve_out_is_the_same_in_every_lps_family_limit() {
    // Fam. Code 6924(d): a minor's parent told of a serious threat. No LPS
    // limit on family or on threat warnings may block it, with or without the
    // client's yes, and they apply again when the parent may be the danger.
    for category in Category::ALL.iter().map(|c| c.as_str()) {
        for agrees in [true, false] {
            let mut extra = vec!["serious_imminent_threat"];
            if agrees {
                extra.push("client_agrees");
            }
            let d = decide(&lps_family(category, 15, &extra));
            // Psychotherapy notes follow hipaa.psychotherapy_notes, which lets
            // them go for a 164.512(j) warning; no California permit claims them.
            let notes = category == "psychotherapy_notes";
            assert_eq!(fired(&d, "ca.lps.minor_parent_safety"), !notes, "{category}, agrees {agrees}");
            for limit in ["ca.lps.family_needs_authorization", "ca.lps.family_scope", "ca.lps.serious_threat"] {
                assert!(!fired(&d, limit), "{limit} blocked the 6924(d) warning on {category}, agrees {agrees}");
            }
            extra.push("representative_may_endanger");
            let endangering = decide(&lps_family(category, 15, &extra));
            let limited = fired(&endangering, "ca.lps.family_needs_authorization") || fired(&endangering, "ca.lps.family_scope");
            let expect_limit = !(agrees && (LPS_FAMILY_LIST.contains(&category) || category == "psychotherapy_notes"));
            assert_eq!(limited, expect_limit, "a parent who may be the danger, {category}, agrees {agrees}");
            assert!(fired(&endangering, "ca.lps.serious_threat"), "5328 bars the warning to a parent who may be the danger, {category}");
        }
    }
}

#[test]
fn elder_abuse_mandate_and_its_advice_split_every_age() {
    // 15630(b)(1): the mandate fires for an elder, a dependent adult, or a
    // client under 18 (the suspicion is of harm to someone else); the advice
    // covers exactly the remaining 18-to-64 case. One or the other, never both.
    for incapacitated in [false, true] {
        for age in 0..=110u32 {
            let mut extra = vec!["suspected_elder_abuse"];
            if incapacitated {
                extra.push("client_incapacitated");
            }
            let r = set(base("adult_protective_services", "report_elder_abuse", &["demographics"]), "/jurisdiction", json!("US-CA"));
            let d = decide(&facts(set(r, "/client/age", json!(age)), &extra));
            let mandate = fired(&d, "ca.elder_abuse_mandate");
            let advice = fired(&d, "ca.elder_abuse_mandate.client_suspected");
            let elder_or_dependent = !(18..65).contains(&age) || incapacitated;
            assert_eq!(mandate, elder_or_dependent, "mandate at age {age}, incapacitated {incapacitated}");
            assert_eq!(advice, !elder_or_dependent, "advice at age {age}, incapacitated {incapacitated}");
        }
    }
}

#[test]
fn a_clients_own_request_is_either_the_access_right_or_a_minors_permitted_request() {
    // 164.502(g)(3)(i): hipaa.access states when the client holds the right
    // of access, hipaa.to_client.minor_request the rest of a client's own
    // requests. Each condition is the other's negation, written twice.
    let roles: &[(&str, &[&str])] =
        &[("none", &[]), ("consented", &["minor_consented_to_own_care"]), ("agreed", &["parent_agreed_to_confidentiality"])];
    for jurisdiction in ["US", "US-CA"] {
        for age in [0u32, 9, 12, 15, 17, 18, 40] {
            for (label, extra) in roles {
                let r = set(base("client", "client_request", &["diagnosis"]), "/jurisdiction", json!(jurisdiction));
                let d = decide(&facts(set(r, "/client/age", json!(age)), extra));
                let access = fired(&d, "hipaa.access");
                let minor = fired(&d, "hipaa.to_client.minor_request");
                assert!(access != minor, "{jurisdiction}, age {age}, {label}: access {access}, minor request {minor}");
                assert_ne!(outcome(&d, "diagnosis"), Outcome::Deny, "{jurisdiction}, age {age}, {label}");
            }
        }
    }
}

#[test]
fn psychotherapy_notes_to_oversight_are_the_authors_or_advised_against() {
    // 164.508(a)(2)(ii): hipaa.psychotherapy_notes.oversight releases the
    // notes when their author answers; its advice covers every other role.
    for role in ["psychotherapist", "psychiatrist", "nurse", "case_manager", "peer_support_specialist", "administrative_staff"] {
        let d = decide(&set(base("health_oversight_agency", "health_oversight", &["psychotherapy_notes"]), "/discloser/role", json!(role)));
        let author = fired(&d, "hipaa.psychotherapy_notes.oversight");
        let advised = fired(&d, "hipaa.psychotherapy_notes.oversight.other_staff");
        assert!(author != advised, "{role}: release {author}, advice {advised}");
        assert_eq!(outcome(&d, "psychotherapy_notes") == Outcome::Deny, advised, "{role}");
    }
}

#[test]
fn lps_escape_and_its_exception_in_the_lps_bar_are_complements() {
    // Welf. & Inst. Code 7325(a) is written twice: as ca.lps.escape and as
    // the exception that keeps ca.lps.confidential from barring it. For an
    // adult who escaped a hold, with police as the recipient, exactly one of
    // the two fires, whatever the category, purpose, presence or death.
    for category in Category::ALL.iter().map(|c| c.as_str()) {
        for purpose in Purpose::ALL.iter().map(|p| p.as_str()) {
            for present in [false, true] {
                for deceased in [false, true] {
                    let mut r = set(base("law_enforcement", purpose, &[category]), "/jurisdiction", json!("US-CA"));
                    r = set(r, "/client/lps_program", json!(true));
                    if deceased {
                        r = set(r, "/client/status", json!("deceased"));
                        r = set(r, "/client/died_on", json!("2026-01-01"));
                    }
                    let mut extra = vec!["client_in_custody", "locating_suspect_or_missing_person"];
                    if present {
                        extra.push("client_present");
                    }
                    let d = decide(&facts(r, &extra));
                    let escape = fired(&d, "ca.lps.escape");
                    assert_ne!(escape, fired(&d, "ca.lps.confidential"), "{category}, {purpose}, present {present}, deceased {deceased}");
                    if escape {
                        assert!(
                            ["demographics", "presence_and_condition"].contains(&category),
                            "7325 carries who and where, not {category}"
                        );
                    }
                }
            }
        }
    }
}
