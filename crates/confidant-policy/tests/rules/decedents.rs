//! Decedents.

use super::*;

pub(crate) fn deceased(v: Value, died_on: &str) -> Value {
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

#[test]
fn decedent_relative_who_paid_is_told_the_bill_whatever_the_label() {
    // 164.510(b)(5) turns on involvement, not the label: HHS FAQ 1503 has
    // billing records go to a relative closing the estate.
    for purpose in ["payment", "treatment", "client_request"] {
        let r = facts(
            deceased(base("family_or_friend", purpose, &["billing", "progress_notes"]), "2026-01-10"),
            &["recipient_involved_in_care"],
        );
        let d = decide(&r);
        assert_eq!(outcome(&d, "billing"), Outcome::Permit, "{purpose}");
        assert_eq!(outcome(&d, "progress_notes"), Outcome::Deny, "{purpose}: only what bears on the involvement");
        assert!(has_obligation(&d, ObligationKind::LimitToRelevant), "{purpose}");
        let uninvolved = decide(&deceased(base("family_or_friend", purpose, &["billing"]), "2026-01-10"));
        assert_eq!(outcome(&uninvolved, "billing"), Outcome::Deny, "{purpose}: not involved");
        let objected = facts(
            deceased(base("family_or_friend", purpose, &["billing"]), "2026-01-10"),
            &["recipient_involved_in_care", "client_objects"],
        );
        assert_eq!(outcome(&decide(&objected), "billing"), Outcome::Deny, "{purpose}: the earlier objection binds");
    }
}

#[test]
fn decedent_notice_owed_goes_to_the_personal_representative() {
    let r = set(
        deceased(facts(base("court", "judicial_proceeding", &["diagnosis"]), &["court_order"]), "2026-01-10"),
        "/organization_policy",
        json!("default"),
    );
    let d = decide(&r);
    let inform = d.obligations.iter().find(|o| o.kind == ObligationKind::InformClient).map(|o| o.detail.clone()).unwrap_or_default();
    assert!(inform.contains("personal representative"), "{inform}");
}
