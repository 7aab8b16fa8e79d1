//! Federal situations (HIPAA and 42 CFR Part 2) and the program's own
//! policy, one per rule the everyday templates do not reach: police without
//! legal process, crime on the premises, personal representatives, the
//! dead, custody, research, Part 2 patient access and its other exceptions.
//! Each names the rule it was written to exercise; the engine still decides.

use confidant_policy::vocab::Category;
use serde_json::json;

use super::{Builder, Paper, Req, paper};
use crate::misconceptions as mc;
use crate::topic::Topic;

const POLICE: &str = "Without a warrant, order or subpoena, HIPAA lets you tell police only a few things, in a few situations.";
const REPS: &str = "A personal representative stands in the client's shoes — unless the law sets them aside.";
const PART2: &str = "In a Part 2 program only a Part 2 consent or one of Part 2's own exceptions opens the record.";

fn us(role: &str) -> Req {
    Req::new("US").role(role).law_only()
}

pub(super) fn situations(b: &mut Builder) {
    hipaa(b);
    organization(b);
    part2(b);
}

fn hipaa(b: &mut Builder) {
    use Category::*;
    let t = "federal.rule";
    b.grounded(
        t,
        "employer_pays_for_counseling",
        "hipaa.payment.employer",
        Topic::MinimumNecessary,
        "An employer pays your program directly for an employee's counseling sessions. Its benefits office asks for this month's invoice, and also for the diagnosis.",
        us("administrative_staff").to("employer").named("benefits office").purpose("payment"),
        &[Billing, Diagnosis],
        "Whoever pays may be sent what the bill needs.",
        vec![mc::never_to_employers()],
    );
    b.grounded(
        t,
        "caller_as_dead_client",
        "hipaa.to_client.after_death",
        Topic::AfterDischargeOrDeath,
        "A client died in December. A caller gives the client's name and date of birth and asks, as the client, for a copy of the diagnosis.",
        us("administrative_staff").deceased("2025-12-01").to("client").purpose("client_request"),
        &[Diagnosis],
        "After death, who holds the client's rights to the record?",
        vec![mc::client_right_survives()],
    );
    b.grounded(
        t,
        "police_at_an_overdose",
        "hipaa.emergency.call_for_care",
        Topic::RecordsAndAccounting,
        "A client collapses in the waiting room after an apparent overdose. A police officer who happens to be there asks you for the client's medication list.",
        us("case_manager").to("law_enforcement").named("Officer").purpose("emergency").fact("medical_emergency"),
        &[Medications],
        "In an emergency, who needs the medication list to treat the client?",
        vec![mc::police_must_be_answered()],
    );
    b.grounded(
        t,
        "research_on_decedents",
        "hipaa.research.decedents",
        Topic::AfterDischargeOrDeath,
        "A researcher studying suicide among former clients asks for the diagnoses of clients who died in the last few years. No review board has looked at the study, and nobody signed anything.",
        us("administrative_staff").deceased("2021-06-30").to("researcher").named("mortality study").purpose("research"),
        &[Diagnosis],
        "Research on the records of people who have died has its own route in HIPAA.",
        vec![mc::ends_at_death(), mc::never_without_written_consent()],
    );
    b.grounded(
        t,
        "locate_witness",
        "hipaa.law_enforcement.locate",
        Topic::RecordsAndAccounting,
        "Police trying to locate a material witness ask for the client's address and description. They have no warrant or order.",
        us("psychiatrist").to("law_enforcement").purpose("law_enforcement").fact("locating_suspect_or_missing_person"),
        &[Demographics, ProgressNotes],
        POLICE,
        vec![],
    );
    b.grounded(
        t,
        "escaped_hold",
        "hipaa.escape",
        Topic::RecordsAndAccounting,
        "A client held involuntarily on your unit walked out an hour ago. The charge nurse asks you to call the police so they can find the client and bring them back; the officer asks who the client is, what they look like, and their diagnosis.",
        us("nurse").to("law_enforcement").purpose("law_enforcement").facts(&["client_in_custody", "locating_suspect_or_missing_person"]),
        &[Demographics, Diagnosis],
        "When a client appears to have escaped from lawful custody, an involuntary hold included, HIPAA lets you tell the police what they need to identify and apprehend the client (45 CFR 164.512(j)(1)(ii)(B)); the diagnosis is not part of that.",
        vec![],
    );
    b.grounded(t, "message_with_relative", "hipaa.care_involvement.message", Topic::FamilyAndFriends,
        "You call an adult client to confirm tomorrow's appointment. The client is out and their brother answers, offering to pass on a message. The brother is not involved in the client's care.",
        us("administrative_staff").to("family_or_friend").named("brother").purpose("treatment"), &[Appointments],
        "HHS lets a short message be left with whoever answers, in the client's best interest (45 CFR 164.510(b)(3)).", vec![mc::family_never()]);
    b.grounded(t, "restricted_warning_to_er", "hipaa.restriction.threat", Topic::ClientRights,
        "Last year your program agreed to a client's request not to share their diagnosis with emergency rooms. Today the client calls from the ER lobby saying they will end their life tonight, and the ER physician, who can admit them, asks what you know. You file the call as treatment.",
        us("psychotherapist").to("emergency_provider").purpose("treatment").facts(&["serious_imminent_threat", "recipient_can_prevent_or_lessen"])
            .restriction(json!({ "categories": ["diagnosis"], "recipient_kinds": ["emergency_provider"], "purposes": ["treatment"], "agreed": true })),
        &[Diagnosis], "A restriction the program agreed to binds its own treatment, payment and operations, not a disclosure to avert a serious threat (45 CFR 164.522(a)(1)(v)).", vec![mc::threat_needs_consent()]);
    b.grounded(t, "subpoena_client_objected", "hipaa.subpoena.objection", Topic::RecordsAndAccounting,
        "A lawyer's subpoena for a client's treatment plan comes with a letter saying the client was given notice. The client has since filed an objection with the court, which has not ruled on it.",
        us("case_manager").to("attorney").purpose("judicial_proceeding").facts(&["subpoena", "satisfactory_assurance", "client_objects"]), &[TreatmentPlan],
        "Notice counts only once the time to object has passed with no objection, or the court has ruled on it.", vec![mc::subpoena_opens()]);
    b.grounded(
        t,
        "crime_victim",
        "hipaa.law_enforcement.victim",
        Topic::RecordsAndAccounting,
        "The client was assaulted outside a bar and agrees that you may tell the investigating detective about the injuries and diagnosis.",
        us("psychotherapist").to("law_enforcement").purpose("law_enforcement").fact("client_agrees"),
        &[Diagnosis],
        POLICE,
        vec![mc::police_must_be_answered()],
    );
    b.grounded(t, "crisis_team_crime", "hipaa.law_enforcement.emergency_crime", Topic::RecordsAndAccounting,
        "Your mobile crisis team, called to a client's home, finds that the client has just stabbed his roommate, who has been taken away by ambulance. While you care for the client, you call the police to tell them what happened and who did it.",
        us("nurse").to("law_enforcement").purpose("law_enforcement").fact("medical_emergency"), &[Demographics, Diagnosis], POLICE, vec![mc::police_must_be_answered()]);
    b.grounded(t, "decedent_crime_alert", "hipaa.law_enforcement.decedent", Topic::AfterDischargeOrDeath,
        "A client was found dead at home with injuries you believe someone else inflicted. Detectives investigating the death ask who he was and what he was being treated for.",
        us("psychiatrist").deceased("2026-01-15").to("law_enforcement").purpose("death_investigation"), &[Demographics, Diagnosis], POLICE, vec![mc::police_must_be_answered(), mc::never_without_written_consent()]);
    b.grounded(t, "red_cross_reunification", "hipaa.notification.assist", Topic::FamilyAndFriends,
        "After a wildfire, a client evacuated to your shelter clinic agrees that the Red Cross, which is reuniting families, may be told she is there and how she is. The Red Cross worker asks.",
        us("case_manager").to("social_services_agency").named("Red Cross").purpose("notification").facts(&["client_present", "client_agrees"]), &[PresenceAndCondition], "Someone helping to notify family may learn where the client is and how she is in general terms (45 CFR 164.510(b)(1)(ii), (b)(4)).", vec![mc::never_without_written_consent()]);
    b.grounded(t, "decedent_objected", "hipaa.decedent.objected", Topic::AfterDischargeOrDeath,
        "A client who died last month had told you she did not want her brother, who drove her to appointments, told anything about her care. The brother asks what medications she was on.",
        us("psychiatrist").deceased("2026-01-15").to("family_or_friend").purpose("care_involvement").facts(&["recipient_involved_in_care", "client_objects"]), &[Medications], "A wish the client expressed in life still binds after death (45 CFR 164.510(b)(5)).", vec![mc::ends_at_death()]);
    b.grounded(t, "police_no_process", "hipaa.law_enforcement.no_process", Topic::RecordsAndAccounting,
        "A detective investigating a burglary in the neighbourhood calls to ask for a client's progress notes. There is no warrant, order or subpoena.",
        us("case_manager").to("law_enforcement").purpose("law_enforcement"), &[ProgressNotes], POLICE, vec![mc::police_must_be_answered()]);
    b.grounded(t, "crime_on_premises", "hipaa.law_enforcement.premises", Topic::RecordsAndAccounting,
        "A client smashed the clinic's front window and struck the receptionist. Responding police ask for the client's name and address and your session notes.",
        us("psychotherapist").to("law_enforcement").purpose("law_enforcement").fact("crime_on_premises"), &[Demographics, PsychotherapyNotes], POLICE, vec![]);
    b.grounded(
        t,
        "attorney_letter",
        "hipaa.judicial.no_process",
        Topic::RecordsAndAccounting,
        "An opposing attorney in a civil suit writes asking for a client's progress notes, with no subpoena or court order.",
        us("case_manager").to("attorney").purpose("judicial_proceeding"),
        &[ProgressNotes],
        "A lawyer's request is not legal process.",
        vec![mc::subpoena_opens()],
    );
    b.grounded(
        t,
        "court_order_pn",
        "hipaa.court_order.psychotherapy_notes",
        Topic::PsychotherapyNotes,
        "A federal court order compels you to produce your separately kept psychotherapy notes.",
        us("psychotherapist").to("court").purpose("judicial_proceeding").facts(&["court_order", "required_by_law"]),
        &[PsychotherapyNotes],
        "Psychotherapy notes have few exceptions; what the law requires is one.",
        vec![mc::never_without_written_consent()],
    );
    b.grounded(
        t,
        "board_oversees_author",
        "hipaa.psychotherapy_notes.oversight",
        Topic::PsychotherapyNotes,
        "The state licensing board is investigating a complaint about your own practice and asks you for your psychotherapy notes on the client involved.",
        us("psychotherapist").to("health_oversight_agency").named("licensing board").purpose("health_oversight"),
        &[PsychotherapyNotes],
        "Psychotherapy notes have few exceptions; oversight of the therapist who wrote them is one.",
        vec![mc::never_without_written_consent()],
    );
    b.grounded(
        t,
        "program_audit_notes",
        "hipaa.psychotherapy_notes.oversight.other_staff",
        Topic::PsychotherapyNotes,
        "You work in medical records. The state Medicaid agency auditing your clinic's claims asks for a client's progress notes and the therapist's separately kept psychotherapy notes.",
        us("administrative_staff").to("health_oversight_agency").named("Medicaid auditors").purpose("health_oversight"),
        &[ProgressNotes, PsychotherapyNotes],
        "Psychotherapy notes have few exceptions; an audit of the program is not one of them.",
        vec![mc::never_without_written_consent(), mc::board_may_have_anything()],
    );
    b.grounded(
        t,
        "child_asks_own_record",
        "hipaa.to_client.minor_request",
        Topic::ClientRights,
        "A 9-year-old whose mother consented to her counseling asks to read what you wrote about her diagnosis.",
        us("psychotherapist").age(9).to("client").purpose("client_request"),
        &[Diagnosis],
        "For a young child's care the parent holds the right of access; what the child is told is the provider's call.",
        vec![mc::no_right_to_own_record()],
    );
    b.grounded(
        t,
        "own_defense",
        "hipaa.psychotherapy_notes.legal_defense",
        Topic::PsychotherapyNotes,
        "A former client sues you for malpractice; your defence attorney asks for your psychotherapy notes.",
        us("psychotherapist").discharged().to("attorney").purpose("legal_defense"),
        &[PsychotherapyNotes],
        "Psychotherapy notes have few exceptions; defending yourself is one.",
        vec![mc::never_without_written_consent()],
    );
    b.grounded(
        t,
        "malpractice_progress_notes",
        "hipaa.legal_defense",
        Topic::AfterDischargeOrDeath,
        "A former client has filed a malpractice claim against your program; the program's defence attorney asks for the progress notes.",
        us("case_manager").discharged().to("attorney").purpose("legal_defense"),
        &[ProgressNotes],
        "A program may use records to defend itself.",
        vec![mc::ends_at_discharge(), mc::never_without_written_consent()],
    );
    b.grounded(t, "report_with_pn", "hipaa.psychotherapy_notes.mandated_report", Topic::MandatedReporting,
        "You are reporting suspected abuse of the client's child; your separately kept psychotherapy notes describe what the client told you.",
        Req::new("US-CA").role("psychotherapist").law_only().to("child_welfare_agency").purpose("report_child_abuse").fact("suspected_child_abuse"), &[Demographics, PsychotherapyNotes], "A mandated report carries what the report needs.", vec![]);
    b.grounded(
        t,
        "required_by_law",
        "hipaa.required_by_law",
        Topic::MandatedReporting,
        "A state law requires you to report suspected abuse of a 50-year-old dependent adult client to Adult Protective Services.",
        us("nurse")
            .age(50)
            .to("adult_protective_services")
            .purpose("report_elder_abuse")
            .facts(&["suspected_elder_abuse", "required_by_law"]),
        &[Demographics],
        "What a law requires, HIPAA permits.",
        vec![mc::report_optional(), mc::only_clinicians_report()],
    );
    b.grounded(t, "adult_abuse_client_agrees", "hipaa.adult_abuse", Topic::MandatedReporting,
        "A 45-year-old client tells you her adult son has been beating her. No law in your state requires a report, and she agrees that you call Adult Protective Services.",
        us("case_manager").age(45).to("adult_protective_services").purpose("report_elder_abuse").facts(&["suspected_elder_abuse", "client_agrees"]),
        &[Demographics], "Without a law requiring it, a report about an adult rests on the client's agreement (or, rarely, on preventing serious harm); tell the client you made it.",
        vec![mc::report_optional(), mc::never_without_written_consent()]);
    b.grounded(t, "jail_care", "hipaa.correctional", Topic::ConsentAndAuthorization,
        "The client is held in county jail. The jail's mental-health unit needs the diagnosis to continue care, and also asks for your psychotherapy notes.",
        us("psychiatrist").to("correctional_institution").purpose("treatment").fact("client_in_custody"), &[Diagnosis, PsychotherapyNotes], "Custody opens what care in custody needs.", vec![]);
    b.grounded(t, "housing_referral", "hipaa.treatment.care_coordination", Topic::MinimumNecessary,
        "You refer a homeless client with a serious mental illness to a supportive-housing agency, which asks for the upcoming appointments needed for the placement.",
        us("case_manager").to("social_services_agency").purpose("treatment"), &[Appointments], "Coordinating care with social services is part of treatment under HIPAA.", vec![mc::never_without_written_consent()]);
    b.grounded(t, "plan_quality_review", "hipaa.operations.other_entity", Topic::MinimumNecessary,
        "The client's health plan, which pays for their care, asks for the diagnosis for its quality-improvement review of the members it covers.",
        us("administrative_staff").to("health_plan").purpose("health_care_operations"), &[Diagnosis], "Another covered entity's quality work about a client you both serve is allowed, minimum necessary.", vec![mc::never_without_written_consent()]);
    b.grounded(
        t,
        "plan_audit",
        "hipaa.operations.plan_audit",
        Topic::MinimumNecessary,
        "The client's health plan audits the claims it paid your clinic and asks for the diagnosis behind them.",
        us("administrative_staff").to("health_plan").purpose("health_oversight"),
        &[Diagnosis],
        "A plan's audit of care it covers is its own payment or compliance work: allowed, minimum necessary.",
        vec![mc::never_without_written_consent()],
    );
    b.grounded(
        t,
        "directory_by_name",
        "hipaa.directory",
        Topic::FamilyAndFriends,
        "A caller asks the inpatient unit for the client by name. At admission the client was told about the directory and did not object.",
        us("nurse").to("family_or_friend").purpose("notification").fact("client_present"),
        &[PresenceAndCondition],
        "A directory gives presence and general condition to someone who asks by name, unless the client objected.",
        vec![mc::family_never()],
    );
    b.grounded(
        t,
        "family_absent_involved",
        "hipaa.care_involvement.absent",
        Topic::FamilyAndFriends,
        "The client is away this week. Their sister, who drives them to appointments, asks for the time of the next one.",
        us("case_manager").to("family_or_friend").purpose("care_involvement").fact("recipient_involved_in_care"),
        &[Appointments],
        "When the client is not there, professional judgment decides what an involved person hears.",
        vec![mc::family_never()],
    );
    b.grounded(t, "family_prior_objection_emergency", "hipaa.care_involvement.over_objection", Topic::FamilyAndFriends,
        "The client once asked that their spouse not be told about treatment. Now the client is in the emergency room after a medication reaction and cannot be asked; the spouse, who manages the pill organizer, needs the medication list.",
        us("psychiatrist").to("family_or_friend").purpose("care_involvement").facts(&["client_objects", "medical_emergency", "recipient_involved_in_care"]), &[Medications], "An objection binds; an emergency may change what it binds.", vec![mc::family_never()]);
    b.grounded(
        t,
        "notify_death",
        "hipaa.decedent.notification",
        Topic::AfterDischargeOrDeath,
        "A resident of your crisis program died last night. You call the resident's father to tell him of the death.",
        us("nurse").deceased("2026-02-28").to("family_or_friend").purpose("notification"),
        &[PresenceAndCondition],
        "Notifying family of a death is one of the oldest permitted disclosures.",
        vec![mc::family_never()],
    );
    b.grounded(
        t,
        "executor_access",
        "hipaa.decedent.personal_representative",
        Topic::AfterDischargeOrDeath,
        "The executor of a client who died last year asks in person for the progress notes; nobody has checked the executor's papers yet.",
        us("psychotherapist").deceased("2025-05-01").to("personal_representative").purpose("client_request"),
        &[ProgressNotes],
        "After death, the executor stands in the client's place.",
        vec![mc::ends_at_death()],
    );
    b.grounded(t, "minor_parent_agreed_confidentiality", "hipaa.minor.own_care", Topic::ClientRights,
        "The parent of a 16-year-old consented to therapy and agreed it would stay confidential. Now the parent asks for the progress notes.",
        Req::new("US-CA").role("psychotherapist").law_only().age(16).to("personal_representative").purpose("client_request").facts(&["parent_agreed_to_confidentiality", "identity_verified"]), &[ProgressNotes], REPS, vec![mc::family_entitled()]);
    b.grounded(t, "parent_representative", "hipaa.personal_representative", Topic::ClientRights,
        "The father of a 14-year-old whose treatment he consented to asks in person to inspect the child's treatment plan; staff have not yet checked his identification.",
        Req::new("US-CA").role("psychotherapist").law_only().age(14).to("personal_representative").purpose("client_request"), &[TreatmentPlan], REPS, vec![mc::family_never()]);
    b.grounded(
        t,
        "representative_may_endanger",
        "hipaa.personal_representative.may_endanger",
        Topic::ClientRights,
        "You reasonably believe the parent of a 12-year-old client is abusing the child. The parent demands the child's progress notes.",
        us("psychotherapist").age(12).to("personal_representative").purpose("client_request").facts(&[
            "representative_may_endanger",
            "suspected_child_abuse",
            "identity_verified",
        ]),
        &[ProgressNotes],
        REPS,
        vec![mc::family_entitled()],
    );
    b.grounded(t, "minor_agrees_parent_told", "hipaa.representative_set_aside.client_agrees", Topic::FamilyAndFriends,
        "A 16-year-old in counseling she consented to herself agrees that you may tell her mother, who is in the room, her next appointment time.",
        Req::new("US-CA").role("psychotherapist").law_only().age(16).to("personal_representative").purpose("care_involvement").facts(&["minor_consented_to_own_care", "client_agrees", "client_present"]), &[Appointments], REPS, vec![mc::family_never()]);
    b.grounded(
        t,
        "minor_suicide_plan",
        "hipaa.to_client",
        Topic::DutyToProtect,
        "A 16-year-old who consented to counseling alone tells you of a plan to kill themself tonight. Their mother can keep them safe.",
        us("psychotherapist").age(16).to("personal_representative").purpose("prevent_serious_threat").facts(&[
            "minor_consented_to_own_care",
            "serious_imminent_threat",
            "recipient_can_prevent_or_lessen",
        ]),
        &[ProgressNotes],
        "A serious and imminent threat to the client's own life is still a serious threat.",
        vec![mc::threat_needs_consent()],
    );
}

fn organization(b: &mut Builder) {
    use Category::*;
    let t = "organization.rule";
    let org = |jurisdiction: &str| Req::new(jurisdiction);
    b.grounded(
        t,
        "historian_50_years",
        "org.confidentiality_after_death",
        Topic::AfterDischargeOrDeath,
        "Under your program's policy, a university historian asks for the diagnosis of a client who died more than fifty years ago.",
        org("US").role("administrative_staff").deceased("1975-12-14").to("researcher").purpose("research"),
        &[Diagnosis],
        "Your program's policy may keep more private than the law does.",
        vec![mc::ends_at_death()],
    );
    b.grounded(
        t,
        "police_missing_person",
        "org.law_enforcement_needs_process",
        Topic::RecordsAndAccounting,
        "Police ask your peer program for a missing participant's address and description to find her. There is no warrant or order.",
        org("US").to("law_enforcement").purpose("law_enforcement").fact("locating_suspect_or_missing_person"),
        &[Demographics],
        POLICE,
        vec![mc::police_must_be_answered()],
    );
    b.grounded(
        t,
        "peer_notes_outside",
        "org.peer_notes_private",
        Topic::ConsentAndAuthorization,
        "The participant's new outside therapist asks you for your peer support notes; the participant has not been asked.",
        org("US-CA").to("treating_provider").purpose("treatment"),
        &[PeerSupportNotes],
        "Peer support notes are the participant's story, told to a peer.",
        vec![mc::any_provider(), mc::providers_must_get_it()],
    );
    b.grounded(t, "peer_supervision", "org.supervision", Topic::MinimumNecessary,
        "You bring a difficult situation with a participant to supervision with your peer supervisor inside the program, and want to share your peer support notes.",
        org("US-CA").to("supervisor").inside().purpose("health_care_operations"), &[PeerSupportNotes], "Supervision inside the program is part of doing the work well.", vec![mc::never_without_written_consent()]);
}

fn part2(b: &mut Builder) {
    use Category::*;
    let t = "part2.rule";
    let p2 = |role: &str| us(role).part2();
    b.grounded(
        t,
        "court_order_264",
        "part2.court_order",
        Topic::SubstanceUseRecords,
        "After a hearing with notice, a court issues an order under 42 CFR 2.64 for a client's substance-use summary.",
        p2("psychotherapist").to("court").purpose("judicial_proceeding").facts(&["court_order", "part2_court_order"]),
        &[SubstanceUse],
        PART2,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "jail_withdrawal_emergency", "part2.medical_emergency.custody", Topic::SubstanceUseRecords,
        "A client of your opioid treatment program was booked into county jail last night and is now in severe withdrawal; he is too ill to sign anything. The jail's medical unit calls for his methadone dose.",
        p2("nurse").to("correctional_institution").named("jail medical unit").purpose("emergency").facts(&["client_in_custody", "medical_emergency"]),
        &[Medications, Billing], "Medical staff treating a bona fide medical emergency get what they need to meet it, wherever they work (42 CFR 2.51(a)).", vec![mc::part2_never_even_emergency()]);
    b.grounded(t, "crisis_police_welfare_check", "part2.emergency_police", Topic::SubstanceUseRecords,
        "A client of your substance use program tells you on the phone that she has pills in hand and means to take them all. You think of asking the police for a welfare check and giving them her name and address from the record.",
        p2("peer_support_specialist").to("law_enforcement").purpose("emergency").facts(&["medical_emergency", "serious_imminent_threat"]), &[Demographics],
        "Part 2 names medical personnel for an emergency (42 CFR 2.51); it protects only what identifies someone as a substance use client.", vec![mc::police_must_be_answered()]);
    b.grounded(t, "court_order_264_alone", "part2.court_order", Topic::SubstanceUseRecords,
        "In a custody case, a judge issues an order under 42 CFR 2.64, after notice and a hearing, allowing your program to give the court a client's substance-use summary. No subpoena has been served.",
        p2("case_manager").to("court").purpose("judicial_proceeding").fact("part2_court_order"), &[SubstanceUse],
        "A Part 2 order allows the disclosure; only a subpoena or other mandate compels it (42 CFR 2.61(a)).", vec![mc::order_compels(), mc::never_without_written_consent()]);
    b.grounded(
        t,
        "court_order_263_notes",
        "part2.court_order.confidential_communications",
        Topic::SubstanceUseRecords,
        "A court's order under 42 CFR 2.64, served with a subpoena, asks for a client's counseling progress notes in a civil case.",
        p2("psychotherapist").to("court").purpose("judicial_proceeding").facts(&["court_order", "part2_court_order"]),
        &[ProgressNotes],
        "What a client said in treatment opens only on one of the findings 42 CFR 2.63(a) lists; check the order for it.",
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "court_order_265", "part2.court_order.criminal", Topic::SubstanceUseRecords,
        "Detectives investigating a homicide bring a search warrant and an order a judge issued under 42 CFR 2.65, after the findings it requires, for a client's substance-use treatment records.",
        p2("psychotherapist").to("law_enforcement").purpose("law_enforcement").facts(&["warrant", "court_order", "part2_court_order"]),
        &[SubstanceUse], PART2, vec![mc::never_without_written_consent(), mc::police_must_be_answered()]);
    b.grounded(t, "crime_on_premises", "part2.crime_on_premises", Topic::SubstanceUseRecords,
        "A client of your substance-use program assaulted a counselor in the lobby. Police ask for the client's name and address and the diagnosis.",
        p2("case_manager").to("law_enforcement").purpose("law_enforcement").fact("crime_on_premises"), &[Demographics, Diagnosis], PART2, vec![]);
    b.grounded(
        t,
        "deceased_coroner",
        "part2.deceased",
        Topic::AfterDischargeOrDeath,
        "The medical examiner investigating the death of a client of your substance-use program asks for the substance-use information.",
        p2("psychiatrist").deceased("2026-02-20").to("coroner").purpose("death_investigation"),
        &[SubstanceUse],
        PART2,
        vec![mc::part2_never_even_emergency()],
    );
    b.grounded(t, "deceased_mother", "part2.deceased.needs_consent", Topic::AfterDischargeOrDeath,
        "The mother of a deceased client of your substance-use program, who helped with their care, asks about the client's substance use. The estate's representative has signed nothing.",
        p2("psychotherapist").deceased("2026-02-20").to("family_or_friend").purpose("care_involvement").fact("recipient_involved_in_care"), &[SubstanceUse], PART2, vec![mc::ends_at_death(), mc::family_entitled()]);
    b.grounded(
        t,
        "internal_counselor",
        "part2.internal",
        Topic::SubstanceUseRecords,
        "In your substance-use program you want to tell the participant's counselor, on the same team, about a relapse.",
        Req::new("US-CA").part2().to("care_team_member").inside().purpose("treatment"),
        &[SubstanceUse],
        PART2,
        vec![mc::never_without_written_consent()],
    );
    b.grounded(t, "minor_lacks_capacity_threat", "part2.minor_lacks_capacity.threat", Topic::SubstanceUseRecords,
        "A 14-year-old in your substance-use program, too young and too unwell to weigh telling a parent, is using in a way that could kill them. The program director judges that telling the mother the relevant facts may reduce the danger.",
        p2("psychotherapist").age(14).to("personal_representative").named("mother").purpose("prevent_serious_threat")
            .facts(&["client_incapacitated", "serious_imminent_threat", "recipient_can_prevent_or_lessen"]),
        &[SubstanceUse], PART2, vec![mc::part2_never_even_emergency(), mc::never_without_written_consent()]);
    b.grounded(t, "incapacitated_adult_payment", "part2.incapacity.payment", Topic::SubstanceUseRecords,
        "An adult client of your substance-use program has a medical condition that leaves them unable to act on their own behalf; no court has appointed anyone. The billing office needs to send the health plan a claim for their treatment.",
        p2("administrative_staff").to("health_plan").purpose("payment").fact("client_incapacitated"),
        &[Billing], PART2, vec![mc::never_without_written_consent(), mc::only_financial()]);
    b.grounded(t, "minor_parent_consent", "part2.minor_consents_alone", Topic::SubstanceUseRecords,
        "A 16-year-old entered your substance-use program on their own consent. The parent signs a Part 2 consent naming themselves and asks for the substance-use information.",
        p2("psychotherapist").age(16).to("personal_representative").purpose("care_involvement").fact("minor_consented_to_own_care")
            .authorization(json!({ "id": "p2-parent", "kind": "part2", "signed_by": "personal_representative", "signed_on": "2026-02-20", "categories": ["substance_use"], "recipients": [{ "kind": "personal_representative" }], "purposes": ["care_involvement"], "expires_on": "2026-12-31", "revoked_on": null, "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true } })),
        &[SubstanceUse], PART2, vec![mc::any_signed_form(), mc::family_entitled()]);
    b.grounded(t, "minor_application_parent", "part2.minor_application.parent", Topic::SubstanceUseRecords,
        "A 12-year-old was admitted to your substance-use program with her father's consent, as state law required. She is in acute withdrawal, and the program director judges she cannot make a rational choice about whether her mother, also her guardian, may be told. The mother calls to ask whether she is a patient there.",
        p2("nurse").age(12).to("personal_representative").named("mother").purpose("notification").fact("client_incapacitated"),
        &[PresenceAndCondition], PART2, vec![mc::family_entitled(), mc::never_without_written_consent()]);
    b.grounded(t, "minor_joint_consent", "part2.minor_joint_consent", Topic::SubstanceUseRecords,
        "A 15-year-old entered your substance-use program with his mother's consent, as state law required. He alone signs a Part 2 consent letting you send his substance-use information to his school counselor; his mother has not signed it.",
        p2("case_manager").age(15).to("school").named("school counselor").purpose("care_involvement")
            .authorization(json!({ "id": "p2-minor", "kind": "part2", "signed_by": "client", "signed_on": "2026-02-20", "categories": ["substance_use"], "recipients": [{ "kind": "school", "name": "school counselor" }], "purposes": ["care_involvement"], "expires_on": "2026-12-31", "revoked_on": null, "statements": { "right_to_revoke": true, "no_conditioning": true, "redisclosure": true } })),
        &[SubstanceUse], PART2, vec![mc::any_signed_form()]);
    b.grounded(
        t,
        "patient_access",
        "part2.patient_access",
        Topic::ClientRights,
        "A client of your substance-use program asks in writing for a copy of their own substance-use assessment.",
        p2("psychotherapist").to("client").purpose("client_request").fact("identity_verified"),
        &[SubstanceUse],
        PART2,
        vec![mc::no_right_to_own_record()],
    );
    b.grounded(t, "presence_call", "part2.presence", Topic::SubstanceUseRecords,
        "A client of your withdrawal-management program is too sedated to be asked. The client's mother calls to ask whether the client is there and how they are.",
        p2("nurse").to("family_or_friend").purpose("notification").fact("client_incapacitated"), &[PresenceAndCondition], PART2, vec![mc::family_entitled()]);
    b.grounded(t, "public_health_registry", "part2.public_health", Topic::SubstanceUseRecords,
        "A state law requires reports to the county's overdose registry. The public health department asks your substance-use program for the names and substance-use information of clients treated this month; none has signed a consent for it.",
        p2("administrative_staff").to("public_health_authority").purpose("public_health").fact("required_by_law"), &[Demographics, SubstanceUse], PART2, vec![]);
    b.grounded(t, "proceeding_consent_combined", "part2.proceeding_consent_separate", Topic::SubstanceUseRecords,
        "A client of your substance-use program signed one Part 2 consent covering both her treatment and the use of her records in her custody case. The family court asks you for her substance-use records.",
        p2("case_manager").to("court").purpose("judicial_proceeding")
            .authorization(paper("part2", Paper::Valid, &[SubstanceUse], "court", None, &["treatment", "judicial_proceeding"])),
        &[SubstanceUse], PART2, vec![mc::any_signed_form()]);
    b.grounded(t, "plan_audit_part2", "part2.audit.payer", Topic::SubstanceUseRecords,
        "The Medicaid plan covering a client of your substance-use program sends auditors to review the services it paid for; the client signed no consent.",
        p2("administrative_staff").to("health_plan").purpose("health_oversight"), &[SubstanceUse], PART2, vec![mc::never_without_written_consent()]);
    b.grounded(t, "probation_consent_part2", "part2.criminal_justice_consent", Topic::SubstanceUseRecords,
        "The court made treatment in your substance-use program a condition of a client's probation, and he signed a Part 2 consent naming County Probation for his drug test results. His probation officer asks for this month's results.",
        p2("case_manager").to("law_enforcement").named("County Probation").purpose("law_enforcement")
            .authorization(paper("part2", Paper::Valid, &[TestResults], "law_enforcement", Some("County Probation"), &["law_enforcement"])),
        &[TestResults], "A consent to the criminal justice system that monitors a client's treatment reaches only those monitors, for those duties (42 CFR 2.35).", vec![mc::police_must_be_answered()]);
    b.grounded(t, "elder_abuse_part2", "part2.no_adult_abuse_exception", Topic::MandatedReporting,
        "A 70-year-old client of your substance-use program tells you her son takes her money and leaves her without food. You call adult protective services; the worker asks for her substance-use treatment information. She has not signed a Part 2 consent.",
        p2("psychotherapist").age(70).to("adult_protective_services").purpose("report_elder_abuse").fact("suspected_elder_abuse"),
        &[SubstanceUse], "Part 2 excepts reports of child abuse, not of elder abuse; a state reporting duty does not open these records (42 CFR 2.12(c)(6), 2.20).", vec![mc::report_opens_record()]);
    b.grounded(t, "vital_statistics_part2", "part2.deceased.vital_statistics", Topic::SubstanceUseRecords,
        "A client of your substance-use program has died. State law requires the program's physician to report the cause of death, an overdose, to the vital statistics registrar for the death certificate.",
        p2("psychiatrist").deceased("2026-02-28").to("public_health_authority").purpose("public_health").fact("required_by_law"), &[Diagnosis], PART2, vec![mc::never_without_written_consent()]);
    b.grounded(t, "administrative_control", "part2.administrative_control", Topic::SubstanceUseRecords,
        "Your withdrawal-management unit is part of a general hospital. A hospital internist called to treat a patient's withdrawal seizure asks for the patient's substance-use history and medications; the patient signed no consent.",
        p2("nurse").to("treating_provider").inside().purpose("treatment"), &[SubstanceUse, Medications], PART2, vec![mc::never_without_written_consent()]);
    b.grounded(t, "cps_follow_up_part2", "part2.child_abuse_follow_up", Topic::MandatedReporting,
        "You reported suspected neglect of a client's toddler to child welfare. A week later the worker asks your substance-use program for the parent-client's treatment plan and drug test results; the client signed no consent and there is no court order.",
        p2("case_manager").to("child_welfare_agency").purpose("report_child_abuse").fact("suspected_child_abuse"),
        &[TreatmentPlan, TestResults], "The initial report is excepted; the program's original records behind it are not. They need the client's Part 2 consent or a Part 2 court order (42 CFR 2.12(c)(6), 2.64).", vec![mc::report_opens_record()]);
    b.grounded(t, "pdmp_part2", "part2.pdmp", Topic::SubstanceUseRecords,
        "State law requires your opioid treatment program to report the buprenorphine it dispenses to the state prescription drug monitoring program. A new client has not signed a Part 2 consent naming the monitoring program.",
        p2("administrative_staff").to("public_health_authority").purpose("public_health").fact("required_by_law"),
        &[Medications], "A program may report to a prescription drug monitoring program only after the client's Part 2 consent, even where state law requires the report (42 CFR 2.36).", vec![mc::state_law_opens_part2()]);
    b.grounded(t, "qso_counsel", "part2.qso.communication", Topic::SubstanceUseRecords,
        "A former client sues your substance-use program. The law firm defending the program works for it under a qualified service organization agreement and asks for the client's diagnosis and substance-use record to prepare the defense.",
        p2("administrative_staff").to("business_associate").purpose("legal_defense"), &[Diagnosis, SubstanceUse],
        "Communications with a qualified service organization, legal services among them, are outside Part 2's restrictions (42 CFR 2.11, 2.12(c)(4)); filing the records in court still needs a separate consent or a Part 2 court order.", vec![mc::never_without_written_consent()]);
    b.grounded(t, "qso_counsel_counseling_notes", "part2.counseling_notes.legal_defense", Topic::SubstanceUseRecords,
        "A former client sues your substance-use program over their counseling. The program's own lawyers, under a qualified service organization agreement, ask for the counselor's separate SUD counseling notes to prepare the defense; the client signed no consent for them.",
        p2("psychotherapist").discharged().to("business_associate").purpose("legal_defense"), &[PsychotherapyNotes],
        "SUD counseling notes need a consent of their own, with a few exceptions; the program defending itself in a proceeding the client brought is one (42 CFR 2.31(b)(1)(i)(C)). Filing them in court still needs a consent or a Part 2 court order.", vec![mc::never_without_written_consent()]);
    b.grounded(t, "qso_billing", "part2.qso", Topic::SubstanceUseRecords,
        "Your substance-use program sends claims data, including the substance-use information, to its billing company under a qualified service organization agreement.",
        p2("administrative_staff").to("business_associate").purpose("payment"), &[SubstanceUse], PART2, vec![mc::never_without_written_consent()]);
    b.grounded(
        t,
        "research_waiver",
        "part2.research",
        Topic::SubstanceUseRecords,
        "A university study asks for substance-use records under an IRB waiver of consent.",
        p2("administrative_staff").to("researcher").purpose("research").fact("irb_waiver"),
        &[SubstanceUse],
        PART2,
        vec![mc::never_without_written_consent()],
    );
    let tpo = paper(
        "part2",
        Paper::Valid,
        &[SubstanceUse, Medications, Diagnosis, Billing],
        "treating_provider",
        None,
        &["treatment", "payment", "health_care_operations"],
    );
    b.grounded(t, "agreed_restriction", "part2.restriction", Topic::ClientRights,
        "A client's Part 2 consent lets you share with all treating providers, but the program later agreed to her request that her substance-use information not go to Valley Clinic. Valley Clinic asks for it and for the medications.",
        p2("psychotherapist").to("treating_provider").named("Valley Clinic").purpose("treatment").authorization(tpo)
            .restriction(json!({ "categories": ["substance_use"], "recipient_kinds": ["treating_provider"], "purposes": ["treatment"], "agreed": true })),
        &[SubstanceUse, Medications], PART2, vec![]);
    b.grounded(t, "self_pay_restriction", "part2.restriction.self_pay", Topic::ClientRights,
        "A client of your substance-use program paid in full out of pocket and asked that her health plan not be told. The plan asks for the substance-use information under her payment consent.",
        p2("administrative_staff").to("health_plan").purpose("payment").fact("paid_in_full_out_of_pocket")
            .authorization(paper("part2", Paper::Valid, &[SubstanceUse], "health_plan", None, &["payment"]))
            .restriction(json!({ "categories": ["substance_use"], "recipient_kinds": ["health_plan"], "purposes": ["payment"], "agreed": false })),
        &[SubstanceUse], PART2, vec![mc::restriction_ignorable(), mc::any_signed_form()]);
    b.grounded(t, "employer_helps_find_spouse", "hipaa.notification.assist.judgment", Topic::FamilyAndFriends,
        "A client is brought in unconscious and his wife cannot be reached. You call his employer to help find her, and say only that he is in the hospital and in serious condition.",
        us("nurse").to("employer").purpose("notification").fact("client_incapacitated"), &[PresenceAndCondition], "HIPAA lets you ask anyone who can help find the family, the employer included, telling them only where the client is and how he is in general (45 CFR 164.510(b)(1)(ii), (b)(3)).", vec![mc::never_to_employers()]);
}
