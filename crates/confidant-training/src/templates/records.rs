//! Situations about whose records and which rights: Part 2 programs, family and
//! friends, after discharge or death, the client's rights and the accounting.

use confidant_policy::plain_category;
use confidant_policy::vocab::{Category, ObligationKind};
use serde_json::json;

use super::{Builder, Paper, Req, paper, place};
use crate::misconceptions::{self as mc, Misconception};
use crate::topic::Topic;

pub(super) fn substance_use(b: &mut Builder) {
    let consent = |p: Paper, recipient: &str, purposes: &[&str]| paper("part2", p, &[Category::SubstanceUse], recipient, None, purposes);
    let cases: Vec<(&str, String, Req, Vec<Misconception>)> = vec![
        ("provider_no_consent", "A primary-care doctor treating the client asks for the client's substance-use treatment history. The client agrees out loud; there is no written consent.".into(),
            Req::new("US").to("treating_provider").purpose("treatment").fact("client_agrees"), vec![mc::any_provider(), mc::verbal_ok()]),
        ("provider_part2_consent", "A primary-care doctor treating the client asks for the client's substance-use treatment history. The client signed a current Part 2 consent naming treating providers for treatment.".into(),
            Req::new("US").to("treating_provider").purpose("treatment").fact("client_agrees").authorization(consent(Paper::Valid, "treating_provider", &["treatment"])), vec![mc::never_without_written_consent()]),
        ("provider_revoked_consent", "A primary-care doctor treating the client asks for the client's substance-use treatment history. The client's Part 2 consent naming treating providers was revoked last month.".into(),
            Req::new("US").to("treating_provider").purpose("treatment").fact("client_agrees").authorization(consent(Paper::Revoked, "treating_provider", &["treatment"])), vec![mc::any_signed_form(), mc::any_provider()]),
        ("hipaa_authorization_only", "The client's employer asks for substance-use information. The file holds a valid HIPAA authorization naming the employer, but no Part 2 consent.".into(),
            Req::new("US").to("employer").purpose("employment").authorization(paper("hipaa", Paper::Valid, &[Category::SubstanceUse], "employer", None, &["employment"])), vec![mc::hipaa_auth_opens_part2(), mc::any_signed_form()]),
        ("medical_emergency", "An emergency-room doctor calls: the client is unconscious after an overdose, and the doctor needs to know what substances they were being treated for.".into(),
            Req::new("US").to("emergency_provider").purpose("emergency").facts(&["medical_emergency", "client_incapacitated"]), vec![mc::part2_never_even_emergency()]),
        ("subpoena_alone", "An attorney serves a subpoena for the client's substance-use records; there is no court order.".into(),
            Req::new("US").to("attorney").purpose("judicial_proceeding").fact("subpoena"), vec![mc::subpoena_opens()]),
        ("subpoena_with_assurance", "A court clerk sends a subpoena for the client's substance-use records, with written assurance that the client was notified; there is no court order.".into(),
            Req::new("US").to("court").purpose("judicial_proceeding").facts(&["subpoena", "satisfactory_assurance"]), vec![mc::subpoena_opens()]),
        ("part2_court_order", "A judge issues an order under 42 CFR 2.64, after the required findings, for the client's substance-use records.".into(),
            Req::new("US").to("court").purpose("judicial_proceeding").fact("court_order"), vec![mc::never_without_written_consent()]),
        ("police_warrant", "A police officer arrives with a search warrant (no court order) for the client's substance-use records.".into(),
            Req::new("US").to("law_enforcement").purpose("law_enforcement").fact("warrant"), vec![mc::police_must_be_answered()]),
        ("threat_to_victim", "The client makes a serious, imminent threat against a named coworker; there is no consent or court order.".into(),
            Req::new("US").to("potential_victim").purpose("prevent_serious_threat").facts(&["serious_imminent_threat", "identifiable_victim", "recipient_can_prevent_or_lessen"]), vec![mc::report_optional()]),
        ("child_abuse_report", "You suspect the client is abusing their child and consider the initial report to child protective services.".into(),
            Req::new("US").to("child_welfare_agency").purpose("report_child_abuse").fact("suspected_child_abuse"), vec![mc::part2_never_even_emergency()]),
        ("auditor", "A state licensing auditor reviewing the program asks for the client's substance-use records.".into(),
            Req::new("US").to("health_oversight_agency").purpose("health_oversight"), vec![mc::never_without_written_consent()]),
    ];
    for (i, (name, situation, req, misc)) in cases.into_iter().enumerate() {
        // Half the cases ask about the substance-use information, half about
        // the diagnosis (which, in a Part 2 program, is just as protected).
        let category = if i % 2 == 0 { Category::SubstanceUse } else { Category::Diagnosis };
        let stem = format!(
            "You are a peer support specialist in a federally assisted substance-use-disorder program (42 CFR Part 2 applies). {situation} What do you do about {}?",
            plain_category(category)
        );
        // Consents on file describe the substance-use information only.
        let req = req.part2();
        b.add("substance_use.part2", &[name, category.as_str()], Topic::SubstanceUseRecords, stem, req, category, None,
            "In a Part 2 program every record identifies the client as in SUD treatment; only a Part 2 consent or one of Part 2's own exceptions opens it.",
            misc);
    }
}

pub(super) fn family(b: &mut Builder) {
    let cases: [(&str, &str, &[&str]); 5] = [
        ("present_agrees", "The client is in the room and says they want their sister to know.", &["client_present", "client_agrees"]),
        ("present_silent", "The client is in the room, was asked, and did not object, but never said yes.", &["client_present"]),
        (
            "present_objects",
            "The client is in the room and says they do not want their sister told anything.",
            &["client_present", "client_objects"],
        ),
        (
            "incapacitated_involved",
            "The client is in hospital and unable to communicate; the sister has been helping with their care for months.",
            &["client_incapacitated", "recipient_involved_in_care"],
        ),
        ("absent_not_involved", "The client is not around, and the sister has not been involved in their care.", &[]),
    ];
    for (name, situation, facts) in cases {
        for jurisdiction in ["US-CA", "US"] {
            let stem = format!(
                "You are a peer support specialist {}. The client's sister, who drives them to appointments, asks about the medications. {situation} What do you do?",
                place(jurisdiction)
            );
            let req = Req::new(jurisdiction).to("family_or_friend").purpose("care_involvement").facts(facts);
            b.add("family.sister_asks", &[name, Category::Medications.as_str(), jurisdiction], Topic::FamilyAndFriends, stem, req.clone(), Category::Medications, None,
                "Family may hear what is relevant to their involvement when the client agrees or, if the client cannot say, when it is in their best interest.",
                vec![mc::family_entitled(), mc::family_never(), mc::never_without_written_consent()]);
            let stem = format!(
                "You are a peer support specialist {}. The client's sister, who drives them to appointments, asks for the next appointment times and what your progress notes say. {situation} What do you do?",
                place(jurisdiction)
            );
            b.add_pair(
                "family.sister_pair",
                &[name, jurisdiction],
                Topic::FamilyAndFriends,
                stem,
                req,
                [Category::Appointments, Category::ProgressNotes],
                "What is relevant to someone's involvement in care is not the whole record.",
            );
        }
    }
}

pub(super) fn after_discharge_or_death(b: &mut Builder) {
    let cases: Vec<(&str, String, Req, Category, Vec<Misconception>)> = vec![
        (
            "discharged_friend",
            "A former client was discharged last year. A friend who was never involved in their care asks how they did in the program."
                .into(),
            Req::new("US-CA").discharged().to("family_or_friend").purpose("care_involvement"),
            Category::ProgressNotes,
            vec![mc::ends_at_discharge()],
        ),
        (
            "discharged_employer",
            "A former client was discharged last year. Their new employer calls to ask what the diagnosis was.".into(),
            Req::new("US-CA").discharged().to("employer").purpose("employment"),
            Category::Diagnosis,
            vec![mc::ends_at_discharge(), mc::only_financial()],
        ),
        (
            "discharged_new_provider",
            "A former client was discharged last year. Their new therapist asks for the treatment plan; the client wants them to have it."
                .into(),
            Req::new("US-CA").discharged().to("treating_provider").purpose("treatment").fact("client_agrees"),
            Category::TreatmentPlan,
            vec![mc::never_without_written_consent()],
        ),
        (
            "deceased_family_involved",
            "A client died last month. Their mother, who cared for them through treatment, asks about the medications they were on.".into(),
            Req::new("US-CA").deceased("2026-02-01").to("family_or_friend").purpose("care_involvement").fact("recipient_involved_in_care"),
            Category::Medications,
            vec![mc::family_never()],
        ),
        (
            "deceased_reporter",
            "A client died last month. A journalist writing about the death asks for the diagnosis.".into(),
            Req::new("US-CA").deceased("2026-02-01").to("employer").purpose("marketing"),
            Category::Diagnosis,
            vec![mc::ends_at_death()],
        ),
        (
            "deceased_coroner",
            "A client died last week. The county coroner investigating the cause of death asks for progress notes.".into(),
            Req::new("US-CA").deceased("2026-02-20").to("coroner").purpose("death_investigation"),
            Category::ProgressNotes,
            vec![mc::never_without_written_consent()],
        ),
        (
            "deceased_60_years",
            "A historian asks about a client of the program who died in 1960.".into(),
            Req::new("US").deceased("1960-05-01").to("researcher").purpose("research").law_only(),
            Category::Diagnosis,
            vec![mc::never_without_written_consent()],
        ),
        (
            "deceased_friend_not_involved",
            "A client died last month. An old friend who was not involved in their care asks what they were being treated for.".into(),
            Req::new("US-CA").deceased("2026-02-01").to("family_or_friend").purpose("care_involvement"),
            Category::Diagnosis,
            vec![mc::ends_at_death(), mc::family_entitled()],
        ),
    ];
    for (name, situation, req, category, misc) in cases {
        let stem = format!("You are a peer support specialist. {situation} What do you do?");
        b.add(
            "after.relationship_ends",
            &[name],
            Topic::AfterDischargeOrDeath,
            stem,
            req,
            category,
            None,
            "Confidentiality does not end at discharge, and continues after death (for 50 years under HIPAA).",
            misc,
        );
    }
}

pub(super) fn client_rights(b: &mut Builder) {
    let cases: Vec<(&str, String, Req, Category, Vec<Misconception>)> = vec![
        ("access_progress_notes", "The client asks in writing for a copy of their progress notes.".into(),
            Req::new("US-CA").to("client").purpose("client_request").fact("identity_verified"), Category::ProgressNotes, vec![mc::no_right_to_own_record()]),
        ("access_diagnosis", "The client asks in writing for a copy of their diagnosis.".into(),
            Req::new("US").to("client").purpose("client_request").fact("identity_verified"), Category::Diagnosis, vec![mc::no_right_to_own_record()]),
        ("access_psychotherapy_notes", "The client asks their psychotherapist for the separately kept psychotherapy notes.".into(),
            Req::new("US-CA").role("psychotherapist").to("client").purpose("client_request").fact("identity_verified"), Category::PsychotherapyNotes, vec![mc::no_right_to_own_record()]),
        ("access_endangers", "The client asks for their progress notes; a licensed clinician has found that reading them would likely endanger the client's life.".into(),
            Req::new("US-CA").role("psychotherapist").to("client").purpose("client_request").facts(&["identity_verified", "access_would_endanger"]), Category::ProgressNotes, vec![mc::no_right_to_own_record()]),
        ("personal_representative", "The court-appointed conservator of the client, acting as their personal representative, asks for the treatment plan.".into(),
            Req::new("US").to("personal_representative").purpose("client_request").fact("identity_verified"), Category::TreatmentPlan, vec![mc::never_without_written_consent()]),
        ("self_pay_restriction", "The client paid in full out of pocket for their sessions and asked you not to tell their health plan. The plan asks for the diagnosis for payment.".into(),
            Req::new("US").to("health_plan").purpose("payment").fact("paid_in_full_out_of_pocket").restriction(json!({ "categories": ["diagnosis"], "recipient_kinds": ["health_plan"], "purposes": ["payment"], "agreed": false })), Category::Diagnosis, vec![mc::restriction_ignorable()]),
        ("agreed_restriction", "The program agreed to the client's request not to share anything with their health plan. The plan asks for the medications for payment.".into(),
            Req::new("US").to("health_plan").purpose("payment").restriction(json!({ "categories": [], "recipient_kinds": ["health_plan"], "purposes": [], "agreed": true })), Category::Medications, vec![mc::restriction_ignorable()]),
        ("restriction_emergency", "The program agreed not to share the medications with other providers; now the client is in the emergency room and the doctor asks for them.".into(),
            Req::new("US").to("emergency_provider").purpose("emergency").facts(&["medical_emergency"]).restriction(json!({ "categories": ["medications"], "recipient_kinds": [], "purposes": [], "agreed": true })), Category::Medications, vec![mc::never_without_written_consent()]),
    ];
    for (name, situation, req, category, misc) in cases {
        let stem = format!("{situation} What do you do?");
        b.add(
            "client_rights.request",
            &[name],
            Topic::ClientRights,
            stem,
            req,
            category,
            None,
            "Clients have a right to their records (with narrow exceptions) and to ask for restrictions; some restrictions bind.",
            misc,
        );
    }
}

/// The right of access, category by category: what the client may have.
fn access(b: &mut Builder) {
    for jurisdiction in ["US", "US-CA"] {
        for category in [
            Category::Demographics,
            Category::Diagnosis,
            Category::TreatmentPlan,
            Category::Medications,
            Category::TestResults,
            Category::Billing,
            Category::Appointments,
        ] {
            let stem = format!(
                "You are a case manager {}. The client, whose identity you have checked, asks in writing for a copy of {}. What do you do?",
                place(jurisdiction),
                plain_category(category)
            );
            let req = Req::new(jurisdiction).role("case_manager").to("client").purpose("client_request").fact("identity_verified");
            b.add(
                "client_rights.access",
                &[jurisdiction, category.as_str()],
                Topic::ClientRights,
                stem,
                req,
                category,
                None,
                "Clients have a right to inspect and copy their own records, with narrow exceptions.",
                vec![mc::no_right_to_own_record(), mc::never_without_written_consent()],
            );
        }
    }
}

pub(super) fn accounting(b: &mut Builder) {
    access(b);
    let cases: Vec<(&str, String, Req, Category)> = vec![
        (
            "court_order",
            "A judge orders the program to produce the client's progress notes.".into(),
            Req::new("US").to("court").purpose("judicial_proceeding").fact("court_order"),
            Category::ProgressNotes,
        ),
        (
            "public_health",
            "The county health department asks for test results for required disease reporting.".into(),
            Req::new("US").to("public_health_authority").purpose("public_health"),
            Category::TestResults,
        ),
        (
            "treatment",
            "The client's primary-care doctor asks for the medication list for treatment; the client agrees.".into(),
            Req::new("US").to("treating_provider").purpose("treatment").fact("client_agrees"),
            Category::Medications,
        ),
        (
            "authorization",
            "The client's employer asks for the diagnosis; a valid authorization naming the employer is on file.".into(),
            Req::new("US").to("employer").purpose("employment").authorization(paper(
                "hipaa",
                Paper::Valid,
                &[Category::Diagnosis],
                "employer",
                None,
                &["employment"],
            )),
            Category::Diagnosis,
        ),
        (
            "payment",
            "The client's health plan asks for billing information to pay a claim.".into(),
            Req::new("US").to("health_plan").purpose("payment"),
            Category::Billing,
        ),
        (
            "research_waiver",
            "A university researcher asks for diagnoses under an IRB waiver of authorization.".into(),
            Req::new("US").to("researcher").purpose("research").fact("irb_waiver"),
            Category::Diagnosis,
        ),
        (
            "oversight",
            "A state licensing auditor asks for progress notes during an inspection.".into(),
            Req::new("US").to("health_oversight_agency").purpose("health_oversight"),
            Category::ProgressNotes,
        ),
        (
            "police_warrant",
            "A police officer presents a warrant for the client's demographics.".into(),
            Req::new("US").to("law_enforcement").purpose("law_enforcement").fact("warrant"),
            Category::Demographics,
        ),
        (
            "client_copy",
            "The client asks in writing for a copy of their progress notes.".into(),
            Req::new("US").to("client").purpose("client_request").fact("identity_verified"),
            Category::ProgressNotes,
        ),
    ];
    for (name, situation, req, category) in cases {
        let stem = format!(
            "You are a case manager {}. {situation} What do you do, and does it go in the client's accounting of disclosures?",
            place("US")
        );
        b.add("accounting.disclosure", &[name], Topic::RecordsAndAccounting, stem, req.role("case_manager"), category, Some(ObligationKind::RecordInAccounting),
            "The accounting lists disclosures made without the client's say-so for other than treatment, payment or operations: courts, public health, oversight, research, police, threats.",
            vec![]);
    }
}
