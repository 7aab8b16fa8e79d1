//! California situations, one per rule of the California layer (the CMIA,
//! privilege, minors, HIV, and the LPS Act's Welf. & Inst. Code 5328 for
//! county mental-health records) that the everyday templates do not reach.
//! Each names the rule it was written to exercise; the engine still decides.

use confidant_policy::vocab::Category;
use serde_json::{Value, json};

use super::{Builder, Paper, Req, paper};
use crate::misconceptions as mc;
use crate::topic::Topic;

const LEGAL: &str = "A subpoena, an order, a warrant and a lawyer's letter are different things in California: ask which one you hold, and who holds the privilege.";
const LPS: &str = "Records of county (LPS) mental-health services open only in the cases Welf. & Inst. Code 5328 lists.";
const MINORS: &str = "For care a minor could consent to alone, the minor, not the parent, controls the record.";

fn ca(role: &str) -> Req {
    Req::new("US-CA").role(role).law_only()
}

/// A California ASCMI (authorization to share confidential medical information) naming one agency.
fn ascmi(agency: &str) -> Value {
    json!({
        "id": "ascmi-1", "kind": "ascmi", "signed_by": "client", "signed_on": "2026-01-10",
        "categories": ["appointments", "diagnosis"], "recipients": [{ "kind": "social_services_agency", "name": agency }],
        "purposes": ["care_involvement"], "expires_on": "2026-12-31", "revoked_on": null,
        "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true }
    })
}

pub(super) fn situations(b: &mut Builder) {
    use Category::*;
    let t = "california.rule";
    // Courts, boards, subpoenas, warrants, privilege.
    b.grounded(
        t,
        "lps_court_order",
        "ca.lps.courts",
        Topic::RecordsAndAccounting,
        "A superior court orders your county mental-health (LPS) program to produce a client's case-management notes.",
        ca("case_manager").lps().to("court").purpose("judicial_proceeding").fact("court_order"),
        &[ProgressNotes],
        LEGAL,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "child_victim_privilege", "ca.privilege.child_victim", Topic::RecordsAndAccounting,
        "You are a psychotherapist treating a 12-year-old you believe was the victim of a crime. The prosecutor serves a subpoena for your notes, with written assurance the child's family was notified; you judge that disclosure is in the child's best interest.",
        ca("psychotherapist").age(12).to("attorney").named("Deputy District Attorney").purpose("judicial_proceeding")
            .facts(&["suspected_child_abuse", "subpoena", "satisfactory_assurance"]),
        &[ProgressNotes], LEGAL, vec![mc::subpoena_opens(), mc::never_without_written_consent()]);
    b.grounded(t, "lps_parent_designates", "ca.lps.representative_designation", Topic::ConsentAndAuthorization,
        "A 12-year-old receives county (LPS) mental-health services with the parent's consent. The parent signs a form designating the school counselor to receive the child's appointments.",
        ca("case_manager").lps().age(12).to("school").named("school counselor").purpose("care_involvement")
            .authorization(json!({ "id": "parent-designation", "kind": "hipaa", "signed_by": "personal_representative", "signed_on": "2026-01-05", "categories": ["appointments"], "recipients": [{ "kind": "school", "name": "school counselor" }], "purposes": ["care_involvement"], "expires_on": "2026-12-31", "revoked_on": null, "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true } })),
        &[Appointments], LPS, vec![mc::family_never(), mc::never_without_written_consent()]);
    b.grounded(t, "lps_research", "ca.lps.research", Topic::RecordsAndAccounting,
        "A university study of county mental-health outcomes, reviewed and approved by an institutional review board, asks your LPS program for clients' diagnoses; the researchers sign an oath not to reveal who anyone is.",
        ca("administrative_staff").lps().to("researcher").named("university study").purpose("research").fact("irb_waiver"),
        &[Diagnosis], LPS, vec![mc::never_without_written_consent()]);
    b.grounded(
        t,
        "court_order",
        "ca.cmia.court",
        Topic::RecordsAndAccounting,
        "A superior court orders your clinic to produce a client's progress notes for a civil trial.",
        ca("case_manager").to("court").purpose("judicial_proceeding").fact("court_order"),
        &[ProgressNotes],
        LEGAL,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(
        t,
        "board_subpoena",
        "ca.cmia.investigative_subpoena",
        Topic::RecordsAndAccounting,
        "The Board of Behavioral Sciences serves an investigative subpoena on you for a client's progress notes.",
        ca("psychotherapist")
            .to("health_oversight_agency")
            .named("Board of Behavioral Sciences")
            .purpose("health_oversight")
            .fact("subpoena"),
        &[ProgressNotes],
        LEGAL,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "board_adjudication", "ca.cmia.adjudication", Topic::RecordsAndAccounting,
        "In a disciplinary hearing before a state licensing board, the board issues a subpoena compelling production of a client's progress notes for its adjudication.",
        ca("psychotherapist").to("health_oversight_agency").purpose("judicial_proceeding").fact("subpoena"), &[ProgressNotes], LEGAL, vec![mc::never_without_written_consent()]);
    b.grounded(
        t,
        "search_warrant",
        "ca.cmia.search_warrant",
        Topic::RecordsAndAccounting,
        "Sheriff's deputies serve a search warrant on your community clinic for a client's progress notes; you are the records custodian.",
        ca("case_manager").to("law_enforcement").purpose("law_enforcement").fact("warrant"),
        &[ProgressNotes],
        LEGAL,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "police_locate_suspect", "ca.law_enforcement.process_or_consent", Topic::RecordsAndAccounting,
        "A detective phones your clinic: a robbery suspect may be one of your clients. He asks whether the man is in treatment with you and for his home address. He has no warrant or court order, and the client has signed nothing.",
        ca("case_manager").to("law_enforcement").purpose("law_enforcement").fact("locating_suspect_or_missing_person"), &[Demographics], "California asks more than HIPAA before police learn who is a client (Cal. Penal Code 1543).", vec![mc::police_must_be_answered()]);
    b.grounded(t, "subpoena_with_notice", "ca.cmia.subpoena", Topic::RecordsAndAccounting,
        "Plaintiff's counsel subpoenas a client's appointment history and sends written assurance that the client was notified and did not object.",
        ca("case_manager").to("attorney").purpose("judicial_proceeding").facts(&["subpoena", "satisfactory_assurance"]), &[Appointments], LEGAL, vec![mc::subpoena_opens()]);
    b.grounded(t, "subpoena_no_notice", "ca.cmia.subpoena_notice", Topic::RecordsAndAccounting,
        "An attorney in a civil case serves a subpoena on your peer program for a participant's appointment history; nothing shows the participant was told of it.",
        Req::new("US-CA").to("attorney").purpose("judicial_proceeding").fact("subpoena"), &[Appointments], LEGAL, vec![mc::subpoena_opens()]);
    b.grounded(t, "privilege_subpoena", "ca.privilege", Topic::ClientRights,
        "Opposing counsel in the client's divorce serves a subpoena for your progress notes, with assurance that the client was notified; there is no court order and the client has not waived anything.",
        ca("psychotherapist").to("attorney").purpose("judicial_proceeding").facts(&["subpoena", "satisfactory_assurance"]), &[ProgressNotes], LEGAL, vec![mc::subpoena_opens()]);
    b.grounded(t, "privilege_letter", "ca.privilege", Topic::ClientRights,
        "In a custody dispute, the other parent's attorney writes asking for the client's diagnosis and your notes. There is no subpoena, order or authorization.",
        ca("psychotherapist").to("attorney").purpose("judicial_proceeding"), &[Diagnosis], LEGAL, vec![mc::police_must_be_answered()]);
    b.grounded(t, "board_subpoena_privilege", "ca.privilege.agency_subpoena", Topic::ClientRights,
        "The Board of Behavioral Sciences serves you with an investigative subpoena for a former client's progress notes. The client has not authorized it and there is no court order.",
        ca("psychotherapist").to("health_oversight_agency").purpose("health_oversight").fact("subpoena"), &[ProgressNotes], LEGAL, vec![mc::subpoena_opens()]);
    b.grounded(t, "licensing_review_on_site", "ca.cmia.licensing_review", Topic::RecordsAndAccounting,
        "An inspector from the state licensing agency, reviewing the clinic for its license renewal, asks to look through a sample of clients' progress notes. There is no subpoena, and the clients signed nothing.",
        ca("case_manager").to("health_oversight_agency").purpose("health_oversight"), &[ProgressNotes], "A licensing or accrediting body may review records where they are kept; copies that identify the client stay unless another law lets them go (Cal. Civ. Code 56.10(c)(5)).", vec![mc::never_without_written_consent()]);
    b.grounded(t, "other_provider_billing", "ca.cmia.payment.other_provider", Topic::RecordsAndAccounting,
        "A community clinic that also sees your client asks for his diagnosis so it can bill Medi-Cal for its own visits. He has signed nothing for that clinic.",
        ca("case_manager").to("treating_provider").purpose("payment"), &[Diagnosis], "California's payment exception reaches whoever pays for the client's care, not another provider's billing.", vec![]);
    b.grounded(t, "malpractice_defense", "ca.privilege.breach_of_duty", Topic::AfterDischargeOrDeath,
        "A former client sues you for malpractice. Your defence lawyer asks for the progress notes and your separately kept psychotherapy notes.",
        ca("psychotherapist").discharged().to("attorney").purpose("legal_defense"), &[ProgressNotes, PsychotherapyNotes], LEGAL, vec![]);
    b.grounded(t, "required_report", "ca.cmia.required_by_law", Topic::MandatedReporting,
        "State firearms law requires you to report to the Department of Justice that a client was placed on a 5150 hold; the report needs the client's identifying details.",
        ca("psychiatrist").to("law_enforcement").purpose("law_enforcement").fact("required_by_law"), &[Demographics], "When a statute requires a report, what it requires goes — and nothing more.", vec![mc::threat_needs_consent()]);
    b.grounded(t, "threat_report_police", "ca.threat_report", Topic::DutyToProtect,
        "In session a client says he will shoot his former business partner, whom he names, and you believe him. You have warned the partner; the sheriff's office has not been told.",
        ca("psychotherapist").to("law_enforcement").purpose("law_enforcement").facts(&["serious_imminent_threat", "identifiable_victim"]), &[Demographics], "Warning the person threatened and reporting to the police are two duties in California; ask whether both are done.", vec![mc::threat_needs_consent()]);
    b.grounded(t, "psychotherapy_request", "ca.cmia.psychotherapy_request", Topic::PsychotherapyNotes,
        "A health plan reviewing outpatient therapy asks you for the client's progress notes to pay a claim; it has sent no signed written request.",
        ca("psychotherapist").to("health_plan").purpose("payment"), &[ProgressNotes], "California asks more before psychotherapy details go to a plan (Cal. Civ. Code 56.104).", vec![mc::any_signed_form()]);
    b.grounded(t, "plan_review", "ca.cmia.plan_review", Topic::PsychotherapyNotes,
        "The client's Medi-Cal managed care plan is reviewing whether the outpatient therapy it paid for was medically necessary and asks you, the psychotherapist, for the bills and your progress notes. It has sent no signed written request, and the client signed nothing.",
        ca("psychotherapist").to("health_plan").purpose("health_oversight"), &[Billing, ProgressNotes], "A plan reviewing the care it covers may receive what the review needs (Cal. Civ. Code 56.10(c)(4)); details of outpatient psychotherapy wait for its signed written request (56.104).", vec![mc::never_without_written_consent()]);
    // Social services, HIV, decedents.
    b.grounded(t, "ascmi_other_agency", "ca.cmia.not_a_provider", Topic::ConsentAndAuthorization,
        "A housing navigator from Westside Housing asks for the client's next appointments. The client signed an ASCMI naming a different agency, Eastside Care Management.",
        ca("case_manager").to("social_services_agency").named("Westside Housing").purpose("care_involvement").authorization(ascmi("Eastside Care Management")), &[Appointments], "A social-services agency is not a health care provider.", vec![mc::any_signed_form(), mc::any_provider()]);
    b.grounded(t, "hiv_to_plan", "ca.hiv", Topic::ConsentAndAuthorization,
        "To get a claim paid, the client's health plan asks for the billing information and the client's HIV test result. No HIV-specific written authorization is on file.",
        ca("nurse").to("health_plan").purpose("payment"), &[Billing, Hiv], "California guards HIV test results more closely than the rest of the record.", vec![]);
    b.grounded(t, "hiv_to_family", "ca.hiv", Topic::FamilyAndFriends,
        "The client's partner, who helps with their care, asks about the client's HIV test result. The client agreed out loud; nothing is in writing.",
        ca("nurse").to("family_or_friend").purpose("care_involvement").facts(&["client_agrees", "client_present", "recipient_involved_in_care"]), &[Hiv], "California guards HIV test results more closely than the rest of the record.", vec![mc::verbal_ok(), mc::family_entitled()]);
    b.grounded(t, "hiv_case_report", "ca.hiv.case_report", Topic::MandatedReporting,
        "Your clinic's psychiatrist confirms that a client has a new HIV infection. No authorization is on file. The state's HIV case report, with the client's name, goes to the county's local health officer.",
        ca("psychiatrist").to("public_health_authority").named("local health officer").purpose("public_health"), &[Hiv], "California guards HIV test results more closely than the rest of the record, except for the case report the law requires.", vec![mc::never_without_written_consent()]);
    b.grounded(t, "hiv_partner_notice", "ca.hiv.partner_notification", Topic::DutyToProtect,
        "Your clinic's psychiatrist confirmed a client's HIV infection weeks ago. Despite counseling he will not tell his wife or let the clinic do so, and the psychiatrist has told him she intends to notify his wife herself.",
        ca("psychiatrist").to("potential_victim").named("the client's wife").purpose("public_health"), &[Hiv], "California lets the client's physician, and only a physician, tell a spouse or partner after counseling the client (Health & Safety Code 121015).", vec![mc::never_without_written_consent()]);
    b.grounded(t, "hiv_custody_notice", "ca.hiv.custody_notice", Topic::MandatedReporting,
        "You are a nurse in the county jail's medical unit. A detainee's test shows he is infected with HIV. He asks you to keep it from the jail.",
        ca("nurse").to("correctional_institution").named("officer in charge").purpose("health_care_operations").facts(&["client_in_custody", "required_by_law"]), &[Hiv], "California guards HIV test results more closely than the rest of the record, except where a law requires a report, as it does for custody facilities' medical staff.", vec![mc::never_without_written_consent(), mc::report_optional()]);
    b.grounded(t, "threat_warning_to_family_not_the_victim", "ca.duty_to_protect.victim_filed_as_family", Topic::DutyToProtect,
        "A client tells you that he will hurt a named coworker tomorrow. You warn the coworker and the police, and you also call the client's sister, who can get him to the crisis clinic tonight.",
        ca("psychotherapist").to("family_or_friend").named("the client's sister").purpose("prevent_serious_threat")
            .facts(&["serious_imminent_threat", "identifiable_victim", "recipient_can_prevent_or_lessen"]),
        &[Demographics, Diagnosis], "Warning the person threatened is a California psychotherapist's duty; telling others who can help is a permission, and the record says which you did.", vec![mc::family_never(), mc::threat_needs_consent()]);
    b.grounded(t, "threat_history_is_not_a_threat", "ca.duty_to_protect.without_imminence", Topic::DutyToProtect,
        "A client with a record of assault talks about his ex-partner's new boyfriend by name, bitterly, but makes no threat against him. A colleague says you should warn the boyfriend just in case.",
        ca("psychotherapist").to("potential_victim").named("the ex-partner's boyfriend").purpose("prevent_serious_threat").facts(&["identifiable_victim"]),
        &[Demographics, Diagnosis], "The duty to warn turns on a serious threat of physical violence the client communicates, imminent or not; a history of violence alone is not one.", vec![mc::every_threat_to_police()]);
    b.grounded(t, "hiv_to_coroner", "ca.hiv.coroner", Topic::RecordsAndAccounting,
        "A client of your clinic died last week and the coroner's investigator asks for the client's records, the HIV test results among them. No authorization covering the HIV results is on file.",
        ca("psychiatrist").deceased("2026-02-20").to("coroner").purpose("death_investigation"), &[Hiv], "California guards HIV test results more closely than the rest of the record, even from a coroner (Health & Safety Code 120980).", vec![mc::coroner_gets_everything()]);
    b.grounded(t, "coroner_subpoena_privileged", "ca.coroner.privileged_subpoena", Topic::AfterDischargeOrDeath,
        "A client you saw weekly in therapy died last month. The coroner's office serves you with a subpoena for your progress notes to help decide the manner of death. The client's executor has signed nothing.",
        ca("psychotherapist").deceased("2026-02-20").to("coroner").purpose("death_investigation").fact("subpoena"), &[ProgressNotes], "A coroner's subpoena for what a client told their psychotherapist is answered through the presiding judge, who reviews the records in private (Gov. Code 27491.8).", vec![mc::coroner_gets_everything()]);
    b.grounded(t, "board_hearing_without_process", "ca.cmia.adjudication_needs_process", Topic::RecordsAndAccounting,
        "A licensing board's investigator calls you, a clinic nurse, and asks you to email a client's medication list and progress notes for a disciplinary hearing against another nurse. There is no subpoena or order, and the client has signed nothing.",
        ca("nurse").to("health_oversight_agency").named("licensing board").purpose("judicial_proceeding"), &[Medications, ProgressNotes], "For an adjudication California asks the board to compel the records, or the client to authorize their release.", vec![mc::board_may_have_anything(), mc::board_must_be_answered()]);
    b.grounded(t, "lps_board_hearing_without_process", "ca.lps.adjudication_needs_process", Topic::RecordsAndAccounting,
        "At a county mental-health (LPS) clinic, a licensing board's hearing officer asks you, a case manager, to send a client's diagnosis for a disciplinary hearing against a former employee. There is no subpoena or order, and the client has not consented.",
        ca("case_manager").lps().to("health_oversight_agency").named("licensing board").purpose("judicial_proceeding"), &[Diagnosis], "County mental-health records go only in the cases the LPS Act lists.", vec![mc::board_may_have_anything(), mc::board_must_be_answered()]);
    b.grounded(t, "hiv_court_order", "ca.hiv.not_compelled", Topic::RecordsAndAccounting,
        "A civil court orders your clinic to produce a client's medical record, and the record includes an HIV test result. The client has signed nothing about HIV.",
        ca("nurse").to("court").purpose("judicial_proceeding").fact("court_order"), &[Hiv, Medications], "California guards HIV test results more closely than the rest of the record, even against an order.", vec![]);
    b.grounded(t, "decedent_54_years", "ca.cmia.decedent", Topic::AfterDischargeOrDeath,
        "A granddaughter, never involved in his care and holding no authorization, asks for the diagnosis of a client who died 54 years ago.",
        ca("administrative_staff").deceased("1972-01-10").to("family_or_friend").purpose("care_involvement"), &[Diagnosis], "HIPAA's protection of the dead lasts fifty years; ask whether California's does.", vec![mc::ends_at_death()]);
    b.grounded(t, "decedent_research_60_years", "ca.cmia.research", Topic::AfterDischargeOrDeath,
        "A university study of mental-health care in the 1960s, reviewed by an institutional review board, asks for the diagnosis of a client who died 60 years ago.",
        ca("administrative_staff").deceased("1966-04-02").to("researcher").named("university study").purpose("research").fact("irb_waiver"), &[Diagnosis], "HIPAA's protection of the dead lasts fifty years; California's has no end, but it has its own research route.", vec![mc::ends_at_death()]);
    b.grounded(t, "work_injury_report_notes", "ca.cmia.employer_report.scope", Topic::MinimumNecessary,
        "A law requires your clinic to send a client's employer a report on a work injury you treated. The employer's HR office also asks for your session notes.",
        ca("case_manager").to("employer").named("HR office").purpose("employment").fact("required_by_law"), &[ProgressNotes, Diagnosis], "A report the law requires carries what that law names.", vec![mc::never_to_employers()]);
    // Minors.
    b.grounded(t, "minor_parent_lps", "ca.minor.parent_access", Topic::ClientRights,
        "A 15-year-old consented alone to outpatient care at your county program. The parent, with identification checked, asks for the diagnosis.",
        ca("psychotherapist").lps().age(15).to("personal_representative").purpose("client_request").facts(&["minor_consented_to_own_care", "identity_verified"]), &[Diagnosis], MINORS, vec![mc::family_entitled()]);
    b.grounded(t, "minor_parent_contact_recorded", "ca.minor.parent_involvement.record", Topic::ClientRights,
        "A 14-year-old consented alone to outpatient counseling. After talking it over with her, you judge that involving her mother is appropriate, and you call the mother to say that her daughter is in counseling.",
        ca("psychotherapist").age(14).to("personal_representative").purpose("notification").facts(&["minor_consented_to_own_care"]), &[PresenceAndCondition], MINORS, vec![mc::family_entitled()]);
    b.grounded(t, "minor_parent_harm", "ca.minor.parent_access_harm", Topic::ClientRights,
        "The parent of a 13-year-old (the parent consented to treatment) asks for the progress notes. You have determined that access would harm your relationship with the child and the child's well-being.",
        ca("psychotherapist").age(13).to("personal_representative").purpose("client_request").facts(&["identity_verified", "access_would_endanger"]), &[ProgressNotes], MINORS, vec![mc::family_entitled()]);
    // The LPS Act.
    let lps = |role: &str| ca(role).lps();
    b.grounded(t, "lps_referral", "ca.lps.professionals", Topic::ConsentAndAuthorization,
        "At a county mental-health (LPS) clinic, you refer a client to an outside psychologist who will take over therapy, and send the treatment plan.",
        lps("psychotherapist").to("treating_provider").purpose("treatment"), &[TreatmentPlan], LPS, vec![mc::never_without_written_consent()]);
    b.grounded(
        t,
        "lps_claim",
        "ca.lps.claims",
        Topic::RecordsAndAccounting,
        "Your county specialty mental-health (LPS) program sends a claim to the client's Medi-Cal plan, which asks for the diagnosis.",
        lps("case_manager").to("health_plan").purpose("payment"),
        &[Diagnosis],
        LPS,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "lps_employer_authorization", "ca.lps.consent", Topic::ConsentAndAuthorization,
        "A client of your county (LPS) program in supported employment signed a valid authorization naming the employer's HR office; HR asks for the diagnosis for work accommodations.",
        lps("case_manager").to("employer").purpose("employment").authorization(paper("hipaa", Paper::Valid, &[Diagnosis], "employer", None, &["employment"])), &[Diagnosis], LPS, vec![mc::never_to_employers()]);
    b.grounded(
        t,
        "lps_mother_client_agrees",
        "ca.lps.family",
        Topic::FamilyAndFriends,
        "The mother of a client of your county (LPS) program asks about the medications; the client, present and able, says yes.",
        lps("psychiatrist").to("family_or_friend").purpose("care_involvement").facts(&["client_present", "client_agrees"]),
        &[Medications],
        LPS,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "lps_mother_appointments_client_agrees", "ca.lps.family_scope", Topic::FamilyAndFriends,
        "The mother of a client of your county (LPS) program asks for the client's appointment times and lab results. The client, present and able, says that is fine, but signs nothing.",
        lps("case_manager").to("family_or_friend").purpose("care_involvement").facts(&["client_present", "client_agrees", "recipient_involved_in_care"]), &[Appointments, TestResults], "On the client's say-so, LPS law opens to family only the diagnosis, prognosis, medications and progress (Welf. & Inst. Code 5328.1(a)); the rest needs written authorization (5328(b)).", vec![mc::verbal_ok()]);
    b.grounded(t, "lps_sister_client_absent", "ca.lps.family_needs_authorization", Topic::FamilyAndFriends,
        "The sister of a client of your county (LPS) program, who drives the client to appointments, asks for the next appointment; the client is not there and has not authorized it.",
        lps("case_manager").to("family_or_friend").purpose("care_involvement").fact("recipient_involved_in_care"), &[Appointments], LPS, vec![mc::family_entitled()]);
    b.grounded(t, "lps_spouse_presence", "ca.lps.family_presence", Topic::FamilyAndFriends,
        "A client was admitted to your county (LPS) facility and cannot make decisions right now. The spouse calls to ask whether the client is there.",
        lps("nurse").to("family_or_friend").purpose("notification").fact("client_incapacitated"), &[PresenceAndCondition], LPS, vec![mc::family_never()]);
    b.grounded(t, "lps_threat", "ca.lps.serious_danger", Topic::DutyToProtect,
        "A client of your county (LPS) program tells you he will kill a named neighbour tonight, and you believe him. You consider warning the neighbour.",
        lps("psychotherapist").to("potential_victim").purpose("prevent_serious_threat").facts(&["serious_imminent_threat", "identifiable_victim", "recipient_can_prevent_or_lessen"]), &[Demographics], LPS, vec![mc::threat_needs_consent()]);
    b.grounded(t, "lps_public_health", "ca.lps.confidential", Topic::RecordsAndAccounting,
        "The county health department asks your county (LPS) program for a client's test results for a disease registry; no statute requires the report and the client has not consented.",
        lps("nurse").to("public_health_authority").purpose("public_health"), &[TestResults], LPS, vec![mc::staff_see_everything()]);
    b.grounded(t, "lps_disappearance", "ca.lps.disappearance", Topic::FamilyAndFriends,
        "A client of your county (LPS) program who is a danger to himself has walked out of the unit and cannot be found. You consider telling his mother that he is missing.",
        lps("nurse").to("family_or_friend").purpose("notification").facts(&["serious_imminent_threat", "locating_suspect_or_missing_person"]), &[PresenceAndCondition], LPS, vec![mc::family_never()]);
    b.grounded(t, "lps_escape", "ca.lps.escape", Topic::RecordsAndAccounting,
        "A client held on a 5150 at your county facility (LPS) has left the unit without permission and cannot be found. You ask the police in writing to find her and bring her back.",
        lps("nurse").to("law_enforcement").purpose("law_enforcement").facts(&["client_in_custody", "locating_suspect_or_missing_person"]), &[Demographics], LPS, vec![mc::never_without_written_consent()]);
    b.grounded(t, "lps_admission_notice", "ca.lps.family_notice", Topic::FamilyAndFriends,
        "A client was just admitted to your county psychiatric health facility (LPS). Told she may ask that no one be told, she did not object. You call her husband to tell him she has been admitted.",
        lps("nurse").to("family_or_friend").purpose("notification").fact("client_present"), &[PresenceAndCondition], LPS, vec![mc::family_never()]);
    b.grounded(t, "lps_minor_parent_safety", "ca.lps.minor_parent_safety", Topic::DutyToProtect,
        "A 15-year-old in your county (LPS) outpatient program, who consented to counseling on her own, tells you she will overdose tonight. Her mother can keep her safe; you consider telling her.",
        lps("psychotherapist").age(15).to("personal_representative").purpose("prevent_serious_threat").facts(&["minor_consented_to_own_care", "serious_imminent_threat", "recipient_can_prevent_or_lessen"]), &[Diagnosis], MINORS, vec![mc::threat_needs_consent()]);
    b.grounded(t, "lps_case_manager_threat", "ca.lps.serious_threat", Topic::DutyToProtect,
        "A client of your county (LPS) program tells you, his case manager, that he will hurt people at a local school. You want to call the school yourself with his diagnosis.",
        lps("case_manager").to("school").purpose("prevent_serious_threat").facts(&["serious_imminent_threat", "recipient_can_prevent_or_lessen"]), &[Diagnosis], LPS, vec![mc::threat_needs_consent()]);
    b.grounded(
        t,
        "lps_crime_identity",
        "ca.lps.crime",
        Topic::RecordsAndAccounting,
        "A client of your county (LPS) program assaults a staff member at the clinic. The police ask who the client is.",
        lps("case_manager").to("law_enforcement").purpose("law_enforcement").fact("crime_on_premises"),
        &[Demographics],
        LPS,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "lps_crime_diagnosis", "ca.lps.crime.limits", Topic::RecordsAndAccounting,
        "After a client of your county (LPS) program assaults a staff member at the clinic, the police also ask for the client's diagnosis.",
        lps("case_manager").to("law_enforcement").purpose("law_enforcement").fact("crime_on_premises"), &[Diagnosis], LPS, vec![mc::police_must_be_answered()]);
    b.grounded(t, "lps_outside_consultant", "ca.lps.outside_consultant", Topic::RecordsAndAccounting,
        "You are stuck with a hard case in your county (LPS) program and want to talk it through, with the diagnosis and your progress notes, with a psychologist you know in private practice. She has no part in the client's care, and the client has signed nothing.",
        lps("psychotherapist").to("supervisor").purpose("treatment"), &[Diagnosis, ProgressNotes], "Before LPS records go to a professional outside the program who has no responsibility for the client's care, the client must consent (Welf. & Inst. Code 5328(a)).", vec![mc::any_provider()]);
    b.grounded(t, "withheld_records_designated_psychologist", "ca.access.designated_professional", Topic::ClientRights,
        "You declined to give a client her progress notes because reading them now would seriously harm her, and wrote down why. She then asks in writing that the notes go to Dr. Lee, a licensed psychologist she names.",
        ca("psychotherapist").to("treating_provider").named("Dr. Lee").purpose("client_request").facts(&["identity_verified", "access_would_endanger"]), &[ProgressNotes], "A professional the client names must be given the mental health records withheld from her (Health & Safety Code 123115(b)(2)(A)).", vec![mc::no_right_to_own_record()]);
    b.grounded(t, "lps_elder_team_services", "ca.lps.elder_team", Topic::MandatedReporting,
        "A 74-year-old client of your county (LPS) program shows signs of neglect. The adult protective services worker on the county's elder-abuse team asks, with the client's consent, only whether she is receiving your program's services.",
        lps("case_manager").age(74).to("adult_protective_services").purpose("care_involvement").facts(&["suspected_elder_abuse", "client_agrees"]), &[PresenceAndCondition], "LPS law lets an elder-abuse team learn, with consent, whether an older client is served, and nothing about what the services are (Welf. & Inst. Code 5328.05).", vec![mc::never_without_written_consent()]);
    b.grounded(t, "lps_elder_team_diagnosis", "ca.lps.elder_team.limits", Topic::MandatedReporting,
        "The adult protective services worker on the county's elder-abuse team, who learned with a 74-year-old client's consent that she is served by your county (LPS) program, now asks for her diagnosis and treatment plan. She has signed nothing.",
        lps("case_manager").age(74).to("adult_protective_services").purpose("care_involvement").facts(&["suspected_elder_abuse", "client_agrees"]), &[Diagnosis], "An elder-abuse team learns whether an older client is served, not what the services are (Welf. & Inst. Code 5328.05(b)).", vec![mc::verbal_ok()]);
    b.grounded(t, "lps_robbery_report_diagnosis", "ca.lps.police_report.content", Topic::MandatedReporting,
        "A client of your county (LPS) inpatient unit robbed another patient there, and the law requires the facility to report it to the police. The officer taking the report also asks for the client's diagnosis and medications.",
        lps("psychiatrist").to("law_enforcement").purpose("law_enforcement").facts(&["crime_on_premises", "required_by_law"]), &[Diagnosis, Medications], "A required report to the police carries what that law names, not the clinical record (Welf. & Inst. Code 5328.4).", vec![mc::police_must_be_answered()]);
    b.grounded(t, "part2_order_with_subpoena", "ca.cmia.part2_order_subpoena", Topic::SubstanceUseRecords,
        "In a civil case, the court has issued an order under 42 CFR 2.64 after notice to your client, and the other side's attorney now serves a subpoena for the client's substance-use treatment summary named in the order.",
        ca("case_manager").part2().to("attorney").purpose("judicial_proceeding").facts(&["part2_court_order", "subpoena"]), &[SubstanceUse], "With a Part 2 order in place, a subpoena compels what the order allows (42 CFR 2.61(b); Civ. Code 56.10(b)(3)).", vec![mc::never_without_written_consent()]);
    b.grounded(t, "lps_child_abuse_report_medications", "ca.lps.abuse_report.content", Topic::MandatedReporting,
        "You report to child welfare that a client of your county (LPS) program is hitting her son. The social worker taking the report also asks for the client's diagnosis and medications. The client signed nothing.",
        lps("psychotherapist").to("child_welfare_agency").purpose("report_child_abuse").fact("suspected_child_abuse"), &[Diagnosis, Medications], "An abuse report carries what gave rise to the suspicion, not an LPS client's clinical record (Welf. & Inst. Code 5328; Penal Code 11167(a)).", vec![mc::report_opens_record()]);
    b.grounded(t, "minor_client_harms_grandmother", "ca.elder_abuse_mandate", Topic::MandatedReporting,
        "A 16-year-old client tells you, his nurse, that he pushes his 78-year-old grandmother around and takes her pension money. You want to report it to adult protective services.",
        ca("nurse").age(16).to("adult_protective_services").purpose("report_elder_abuse").fact("suspected_elder_abuse"), &[Demographics], "The duty to report elder abuse does not depend on who the abuser is, or on the abuser's permission (Welf. & Inst. Code 15630(b)(1)).", vec![mc::report_optional()]);
    b.grounded(t, "inpatient_on_hold_abused", "ca.elder_abuse_mandate", Topic::MandatedReporting,
        "A 35-year-old client held on a 5150 at your county's psychiatric unit tells you, her psychotherapist, that a night-shift staff member shoves her and takes her food. She does not want anyone told.",
        lps("psychotherapist").age(35).to("adult_protective_services").purpose("report_elder_abuse").facts(&["suspected_elder_abuse", "client_in_custody"]), &[Demographics], "An adult of 18 to 64 admitted as an inpatient to a 24-hour health facility is a dependent adult (Welf. & Inst. Code 15610.23(b)), so the report is required without her consent (15630(b)(1)).", vec![mc::report_optional()]);
    b.grounded(t, "minor_hold_parent_notice", "ca.minor_hold.parent_notice", Topic::FamilyAndFriends,
        "A 15-year-old is brought to your county's crisis stabilization unit on a 72-hour hold. She asks you, her nurse, not to tell her mother where she is.",
        lps("nurse").age(15).to("personal_representative").named("Mother").purpose("notification").facts(&["client_in_custody", "client_objects"]), &[PresenceAndCondition], "The facility must make every effort to tell a detained minor's parent or guardian as soon as possible (Welf. & Inst. Code 5585.50); the minor's wish does not stop that notice, though it does not open the chart.", vec![mc::never_without_written_consent()]);
    b.grounded(t, "lps_hearing_notice_family", "ca.lps.family_notice", Topic::FamilyAndFriends,
        "A client of your county psychiatric unit, held for 14 days of intensive treatment, has a certification review hearing on Thursday. He was told he may ask that his family not be told, and did not ask. His sister calls to ask when the hearing is.",
        lps("nurse").to("family_or_friend").named("Sister").purpose("notification").fact("client_in_custody"), &[PresenceAndCondition], "The facility must try to tell the family of the hearing's time and place unless the client asks it not to (Welf. & Inst. Code 5256.4, 5270.15); that notice is not the chart.", vec![mc::family_never(), mc::never_without_written_consent()]);
    b.grounded(t, "child_abuse_to_health_department", "ca.child_abuse.report_agency", Topic::MandatedReporting,
        "You suspect a 7-year-old client is being abused. Instead of child welfare, you call the county public health department's nurse line and give the child's name and what you saw.",
        ca("psychotherapist").age(7).to("public_health_authority").purpose("report_child_abuse").fact("suspected_child_abuse"), &[Demographics], "California names the agencies that take a child-abuse report (Penal Code 11165.9): the police or sheriff, a designated probation department, or the county welfare department.", vec![mc::any_agency_takes_reports()]);
    b.grounded(t, "tarasoff_jail_custody_staff", "ca.duty_to_protect", Topic::DutyToProtect,
        "You are the psychotherapist for a client held in the county jail. He tells you, and means it, that he will kill his cellmate, whom he names, tonight.",
        ca("psychotherapist").to("correctional_institution").named("Jail custody staff").purpose("prevent_serious_threat").facts(&["client_in_custody", "serious_imminent_threat", "identifiable_victim"]), &[Demographics], "The jail holding the client is the law-enforcement agency with custody; warning it and the person threatened is the duty (Civ. Code 43.92(b)).", vec![mc::threat_needs_consent()]);
    b.grounded(t, "lps_elder_abuse_medication_report", "ca.lps.elder_abuse_report", Topic::MandatedReporting,
        "You are the psychiatrist of a 79-year-old client of the county mental-health program. You believe her son, who manages her pills, is giving her sedatives to keep her quiet, and you report it to adult protective services.",
        lps("psychiatrist").age(79).to("adult_protective_services").named("County APS").purpose("report_elder_abuse").fact("suspected_elder_abuse"), &[Medications], "LPS records may go in communications about the investigation of elder abuse (Welf. & Inst. Code 5328.5), as far as the report needs them.", vec![mc::never_without_written_consent()]);
    b.grounded(t, "attorney_says_law_requires", "ca.cmia.required_by_law.proceeding", Topic::RecordsAndAccounting,
        "An attorney in a client's divorce case writes to you, the client's psychotherapist, that the law requires you to send the client's diagnosis for the case. There is no court order and no subpoena, and the client has not agreed.",
        ca("psychotherapist").to("attorney").named("Opposing counsel").purpose("judicial_proceeding").fact("required_by_law"), &[Diagnosis], "In a court case records go on a court order, or a subpoena with notice to the client, and the privilege is claimed (Civ. Code 56.10(b); Evid. Code 1014).", vec![mc::said_to_be_required(), mc::subpoena_opens()]);
    b.grounded(t, "tarasoff_notes_to_victim", "ca.duty_to_protect.beyond_the_warning", Topic::DutyToProtect,
        "Your client tells you, his psychotherapist, that he will stab his former partner, whom he names, tonight. When you call her to warn her, she asks you to send her your session notes about him.",
        ca("psychotherapist").to("potential_victim").named("Former partner").purpose("prevent_serious_threat").facts(&["serious_imminent_threat", "identifiable_victim"]), &[PsychotherapyNotes], "The duty is the warning to her and the police, and the report to the police (Civ. Code 43.92(b); Welf. & Inst. Code 8105(c)); the notes go, if at all, only as far as preventing the harm needs.", vec![mc::notes_are_the_warning(), mc::threat_needs_consent()]);
    b.grounded(t, "child_abuse_report_process_notes", "ca.child_abuse.notes_stay", Topic::MandatedReporting,
        "A client tells you, her psychotherapist, that her boyfriend beats her 6-year-old. You call child welfare to report it, and the intake worker asks you to fax your psychotherapy notes of the session.",
        ca("psychotherapist").to("child_welfare_agency").named("County CWS").purpose("report_child_abuse").fact("suspected_child_abuse"), &[PsychotherapyNotes], "The report carries what the law asks of it; a reporter may attach only nonprivileged documents (Penal Code 11166(a)).", vec![mc::report_opens_record(), mc::report_requires_chart()]);
    b.grounded(t, "tarasoff_employer_security", "ca.duty_to_protect.other_recipient", Topic::DutyToProtect,
        "Your client tells you, his psychotherapist, that he will shoot a named co-worker at work tomorrow. You call the employer's security office, who can keep him out of the building.",
        ca("psychotherapist").to("employer").named("Security office").purpose("prevent_serious_threat").facts(&["serious_imminent_threat", "identifiable_victim", "recipient_can_prevent_or_lessen"]), &[Demographics], "Anyone able to prevent the harm may be warned, but the duty is met by warning the person threatened and the police (Civ. Code 43.92(b)).", vec![mc::any_warning_discharges_duty(), mc::threat_needs_consent()]);
    b.grounded(t, "teen_suspected_of_elder_abuse", "hipaa.adult_abuse.minor_client", Topic::MandatedReporting,
        "A 16-year-old you support as a peer support specialist tells you he has been hitting his grandmother when she will not give him money. He asks you not to tell anyone.",
        ca("peer_support_specialist").age(16).to("adult_protective_services").purpose("report_elder_abuse").fact("suspected_elder_abuse"), &[Demographics], "Anyone may report elder abuse, and the program's staff are care custodians (Welf. & Inst. Code 15631, 15610.17); the report carries what it needs about him, not his chart.", vec![mc::never_without_written_consent()]);
    b.grounded(t, "hiv_to_parent_minor_consented", "ca.hiv.set_aside_representative", Topic::ConsentAndAuthorization,
        "A 15-year-old who consented to her own counseling says you may tell her mother her HIV test result. She has not signed anything.",
        ca("psychotherapist").age(15).to("personal_representative").named("Mother").purpose("care_involvement").facts(&["minor_consented_to_own_care", "client_agrees"]), &[Hiv], "For care the minor consented to, the parent is not her representative; HIV results go to anyone else only on a written authorization (Health & Safety Code 120980).", vec![mc::verbal_ok(), mc::family_entitled()]);
    b.grounded(t, "abuse_report_not_whole_chart", "ca.abuse_report.scope", Topic::MandatedReporting,
        "You are making a required report to child welfare about a 9-year-old client. The intake worker asks you to send his lab results as well.",
        ca("psychotherapist").age(9).to("child_welfare_agency").purpose("report_child_abuse").facts(&["suspected_child_abuse", "required_by_law"]), &[TestResults], "The law requires the report: who, where, and what gave rise to the suspicion (Penal Code 11167(a)); the rest of the chart may go only as far as the report needs it.", vec![mc::report_requires_chart()]);
    b.grounded(t, "part2_order_subpoena_privilege", "ca.privilege", Topic::ConsentAndAuthorization,
        "An attorney in a custody case serves you, the psychotherapist at a county substance-use program, with a subpoena for a client's progress notes and a court order issued under 42 CFR 2.64. The client has not agreed.",
        ca("psychotherapist").part2().to("attorney").named("Counsel").purpose("judicial_proceeding").facts(&["subpoena", "part2_court_order"]), &[ProgressNotes], "A Part 2 order satisfies Part 2, but the subpoena with it yields to a legal defense other than Part 2's (42 CFR 2.61(b)(2)): you claim the psychotherapist-patient privilege, and the court decides (Evid. Code 1014, 1015).", vec![mc::order_compels()]);
    b.grounded(t, "child_abuse_to_county_social_services", "ca.child_abuse_mandate", Topic::MandatedReporting,
        "You suspect a 7-year-old client is being neglected. Your county's child-abuse hotline is run by the county department of social services, and you call it.",
        ca("psychotherapist").age(7).to("social_services_agency").purpose("report_child_abuse").fact("suspected_child_abuse"), &[Demographics], "The county welfare department is one of the agencies a child-abuse report goes to (Penal Code 11165.9), so the report is required.", vec![mc::report_optional()]);
    b.grounded(t, "premises_crime_diagnosis", "ca.law_enforcement.clinical_records", Topic::RecordsAndAccounting,
        "A client of your outpatient clinic smashed the waiting-room window. The responding officer asks for the client's name, which you give, and then for the client's diagnosis. There is no warrant or court order, and the client signed nothing.",
        ca("nurse").to("law_enforcement").purpose("law_enforcement").fact("crime_on_premises"), &[Diagnosis], "California asks more than HIPAA before police see a client's clinical record (Cal. Penal Code 1543).", vec![mc::police_must_be_answered()]);
    b.grounded(
        t,
        "lps_coroner_record",
        "ca.lps.coroner",
        Topic::AfterDischargeOrDeath,
        "A client of your county (LPS) clinic has died. The coroner's office asks the clinic for the client's medical record.",
        lps("case_manager").deceased("2026-02-20").to("coroner").purpose("death_investigation"),
        &[ProgressNotes],
        LPS,
        vec![mc::ends_at_death(), mc::never_without_written_consent()],
    );
    b.grounded(t, "jail_classification_diagnosis", "ca.cmia.custody", Topic::ConsentAndAuthorization,
        "A client of your outpatient clinic has been booked into county jail. A classification officer, not the jail's health staff, asks for her diagnosis to decide where to house her. She signed nothing and there is no court order.",
        ca("psychotherapist").to("correctional_institution").purpose("health_care_operations").fact("client_in_custody"), &[Diagnosis], "California lets a jail's health staff have what they need for the client's care, but not the custodian for its own needs (Civ. Code 56.10(a), (c)).", vec![mc::police_must_be_answered()]);
    b.grounded(t, "attorney_authorization_psychiatrist", "ca.evidence.attorney_authorization", Topic::ConsentAndAuthorization,
        "Before any lawsuit is filed, an attorney hands your clinic's psychiatrist a written authorization the client signed, naming the attorney's office, and asks to copy the client's diagnosis.",
        ca("psychiatrist").to("attorney").named("Ruiz Law").purpose("client_request")
            .authorization(paper("hipaa", Paper::Valid, &[Diagnosis], "attorney", Some("Ruiz Law"), &["client_request"])),
        &[Diagnosis], "Before a suit is filed, a physician must let the attorney who presents the patient's authorization inspect and copy the records within five days (Cal. Evid. Code 1158).", vec![mc::never_without_written_consent()]);
    b.grounded(t, "adult_victim_police_spoken_yes", "ca.law_enforcement.abuse_victim_consent", Topic::MandatedReporting,
        "A 30-year-old client tells you her partner beats her and says yes when you offer to tell the police. An officer calls and asks for your progress notes on it. She has signed nothing.",
        ca("psychotherapist").age(30).to("law_enforcement").purpose("law_enforcement").facts(&["suspected_elder_abuse", "client_agrees"]), &[ProgressNotes], "California wants an adult's prior written consent before the police see the record (Penal Code 1543(a)); no reporting law covers a 30-year-old who is not a dependent adult.", vec![mc::verbal_ok()]);
    b.grounded(t, "lps_adult_victim_spoken_yes", "ca.lps.abuse_victim_consent", Topic::MandatedReporting,
        "A 40-year-old client of your county (LPS) program says her brother hits her and agrees aloud that you may tell the police. The officer asks for your progress notes. She has signed nothing.",
        lps("case_manager").age(40).to("law_enforcement").purpose("law_enforcement").facts(&["suspected_elder_abuse", "client_agrees"]), &[ProgressNotes], "LPS records go to the police on a report no law requires only with the client's written consent (Welf. & Inst. Code 5328(b)).", vec![mc::verbal_ok()]);
    b.grounded(t, "lps_jail_care", "ca.lps.custody_care", Topic::ConsentAndAuthorization,
        "A client of your county (LPS) program has been booked into county jail. The jail's health staff ask for her medications and diagnosis to continue her care in custody.",
        lps("psychiatrist").to("correctional_institution").purpose("treatment").fact("client_in_custody"), &[Medications], LPS, vec![mc::never_without_written_consent()]);
    b.grounded(t, "lps_suicide_risk_police", "ca.lps.serious_threat", Topic::DutyToProtect,
        "A client of your county (LPS) program tells you, her peer support specialist, that she will end her life tonight. You want to phone the police with her diagnosis; she has signed no release.",
        lps("peer_support_specialist").to("law_enforcement").purpose("emergency").fact("serious_imminent_threat"), &[Diagnosis], LPS, vec![mc::every_threat_to_police()]);
    b.grounded(t, "lps_minor_social_worker", "ca.lps.minor_coordination", Topic::ConsentAndAuthorization,
        "A 13-year-old in foster care receives county (LPS) mental-health services. Her county social worker asks for her medications to coordinate her care.",
        lps("case_manager").age(13).to("child_welfare_agency").purpose("treatment"), &[Medications], MINORS, vec![mc::never_without_written_consent()]);
    b.grounded(t, "minor_social_worker", "ca.cmia.minor_coordination", Topic::ConsentAndAuthorization,
        "A 9-year-old in foster care sees your clinic's counselor. The county social worker asks for the child's diagnosis to coordinate the child's care.",
        ca("case_manager").age(9).to("child_welfare_agency").purpose("treatment"), &[Diagnosis], MINORS, vec![mc::never_without_written_consent()]);
    b.grounded(t, "privilege_dangerous_patient", "ca.privilege.dangerous_patient", Topic::ClientRights,
        "Counsel in a civil case subpoenas your progress notes, with assurance that the client was told. You have reasonable cause to believe the client is a danger to others and that disclosure is needed to prevent it.",
        ca("psychotherapist").to("attorney").purpose("judicial_proceeding").facts(&["subpoena", "satisfactory_assurance", "serious_imminent_threat"]), &[ProgressNotes], LEGAL, vec![mc::subpoena_opens()]);
    b.grounded(t, "lps_defense_counsel", "ca.lps.confidential", Topic::ConsentAndAuthorization,
        "A former client of your county (LPS) clinic is suing the county. The county's outside defense lawyer asks you for the client's progress notes. There is no court order, and the client signed nothing.",
        lps("case_manager").discharged().to("attorney").purpose("legal_defense"), &[ProgressNotes], "The LPS Act lists the only cases in which these records may go (Welf. & Inst. Code 5328); the program's own defense is not one of them, so the lawyer needs the client's written consent, or the court's order.", vec![mc::own_defense_opens_record()]);
    b.grounded(t, "part2_abuse_report_filed_as_police", "part2.child_abuse_report.scope", Topic::SubstanceUseRecords,
        "At your county substance-use program you call the police to report suspected abuse of a client's child; a law requires the report. The officer asks for the client's substance use history as well.",
        ca("case_manager").part2().to("law_enforcement").purpose("law_enforcement").facts(&["suspected_child_abuse", "required_by_law"]), &[SubstanceUse], "Part 2 frees the report, not the record: the substance use history is never what the reporting law requires (42 CFR 2.12(c)(6)).", vec![mc::report_requires_chart()]);
}
