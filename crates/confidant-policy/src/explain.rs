//! The plain-language explanation: one short sentence per group of categories
//! released or withheld for the same reason, naming the rule, then what to do
//! before sharing (obligations) and next (remedies). Written for a peer
//! support specialist, not a lawyer.

use std::fmt::Write as _;

use crate::authorization::{self, Reason};
use crate::catalog::{Duty, Rule};
use crate::decision::{Decision, Remedy};
use crate::engine::CategoryEvaluation;
use crate::request::{Authorization, Request};
use crate::vocab::{
    AuthorizationKind, Category, ClientStatus, Effect, Fact, Jurisdiction, Layer, ObligationKind, Purpose, RecipientKind, RemedyKind, Role,
    Signer,
};

/// A category in everyday words.
pub fn plain_category(category: Category) -> &'static str {
    match category {
        Category::Demographics => "identifying details",
        Category::Appointments => "appointments",
        Category::Billing => "billing information",
        Category::Diagnosis => "the diagnosis",
        Category::TreatmentPlan => "the treatment plan",
        Category::Medications => "medications",
        Category::ProgressNotes => "progress notes",
        Category::PsychotherapyNotes => "psychotherapy notes",
        Category::PeerSupportNotes => "peer support notes",
        Category::TestResults => "test results",
        Category::SubstanceUse => "substance use information",
        Category::Hiv => "HIV information",
        Category::PresenceAndCondition => "whether the client is here and how they are in general terms",
    }
}

/// What an obligation asks, as an instruction.
pub fn obligation_detail(kind: ObligationKind) -> &'static str {
    match kind {
        ObligationKind::MinimumNecessary => "Share only the minimum necessary for the purpose.",
        ObligationKind::RecordInAccounting => {
            "Record this disclosure in the client's accounting of disclosures: the date, who received it (and their address, if known), a brief description of what you shared, and why (45 CFR 164.528(b)(2))."
        }
        ObligationKind::VerifyIdentity => "Verify the recipient's identity and authority before sharing.",
        ObligationKind::RedisclosureNotice => {
            "Send the Part 2 notice prohibiting redisclosure with the records (42 CFR 2.32(a)) and, when the client's consent is what allows it, a copy of the consent or a clear explanation of what it covers (2.32(b))."
        }
        ObligationKind::InformClient => "Tell the client what was shared and why, unless that would put someone at risk.",
        ObligationKind::DocumentRationale => "Write down what you shared, with whom, when and why.",
        ObligationKind::LimitToRelevant => "Limit what you share to what is relevant to the purpose.",
        ObligationKind::WrittenRequest => "Ask for the request in writing.",
        ObligationKind::ProfessionalJudgment => {
            "Share only if, in your professional judgment, it is in the client's best interest, and only what bears on this person's involvement; this is your judgment call to make and to write down."
        }
    }
}

/// What a remedy asks, as an instruction.
pub fn remedy_detail(kind: RemedyKind) -> &'static str {
    match kind {
        RemedyKind::ObtainAuthorization => {
            "Ask the client (or their personal representative; after death, the executor) to sign a written authorization that names this recipient, purpose and information."
        }
        RemedyKind::ObtainPart2Consent => {
            "Ask the client (or whoever may sign for them under 42 CFR 2.14–2.15) to sign a Part 2 consent (42 CFR 2.31) that covers this information and recipient."
        }
        RemedyKind::ObtainCourtOrder => "Ask the requester for a court order.",
        RemedyKind::ObtainPart2CourtOrder => {
            "Only a Part 2 court order can open these records without consent: ask for an order that both makes the findings Part 2 requires (42 CFR 2.64, or 2.65 when the records are sought to investigate or prosecute the client) and orders the disclosure. Part 2's findings alone permit the disclosure but do not compel it (42 CFR 2.61(a)), and a subpoena beside them does not answer a privilege the law makes you claim; one order of the court can do both."
        }
        RemedyKind::AskClient => "Ask the client whether they agree to this sharing.",
        RemedyKind::ObtainSatisfactoryAssurance => {
            "Ask for written assurance that the client was told of the subpoena or that a protective order was sought."
        }
        RemedyKind::VerifyIdentity => "Confirm who the requester is and their authority.",
        RemedyKind::OfferProfessionalReview => {
            "Offer a review of the denial by another licensed professional, or to send the records to a professional the client names."
        }
        RemedyKind::ObtainWrittenRequest => {
            "Ask the requester for the signed written request California requires before psychotherapy details go out (Cal. Civ. Code 56.104): what is needed, why, for how long, and that it will not be used otherwise."
        }
    }
}

/// What 42 CFR 2.51(c) asks to be written down after an emergency release,
/// shared by the texts that add to it.
macro_rules! part2_emergency_record {
    () => {
        "Write down who received it and where they work, who shared it, the date and time, and the nature of the emergency (42 CFR 2.51(c))."
    };
}

/// What an obligation asks, in words fitting this request. Around an abuse
/// report, telling "the client" can mean tipping off the person suspected
/// (the client themselves, or the parent who speaks for a child), which the
/// inform duty never asks (45 CFR 164.512(c)(2)).
pub(crate) fn obligation_detail_for(kind: ObligationKind, request: &Request) -> &'static str {
    let facts = request.facts;
    let abuse = matches!(request.purpose, Purpose::ReportChildAbuse | Purpose::ReportElderAbuse)
        || facts.get(Fact::SuspectedChildAbuse)
        || facts.get(Fact::SuspectedElderAbuse)
        || facts.get(Fact::RepresentativeMayEndanger);
    // A serious and imminent threat is read as the medical emergency 2.51
    // answers (part2.medical_emergency), so its record is 2.51(c)'s too.
    let to_care = matches!(
        request.recipient.kind,
        RecipientKind::EmergencyProvider | RecipientKind::TreatingProvider | RecipientKind::CareTeamMember
    );
    let part2_emergency = request.client.part2_program
        && (facts.get(Fact::MedicalEmergency)
            || (facts.get(Fact::SeriousImminentThreat) && to_care)
            || request.purpose == Purpose::Emergency);
    let police_process = request.recipient.kind == RecipientKind::LawEnforcement
        && (facts.get(Fact::Warrant) || facts.get(Fact::CourtOrder) || facts.get(Fact::RequiredByLaw));
    match kind {
        // 164.512(f)(1)(ii)(A): a warrant or order "issued by a judicial
        // officer"; Civ. Code 56.10(b)(6) and Health & Safety Code 24250(b),
        // 24251(b) as SB 81 (Stats. 2025, ch. 123) wrote them.
        ObligationKind::VerifyIdentity if police_process && request.jurisdiction == Jurisdiction::UsCa => {
            "Verify the officer's identity and authority before sharing. A warrant or court order counts only if a judge or magistrate issued it: an administrative warrant or a request from immigration enforcement is neither, and does not by itself compel you to share. Send any request connected with immigration enforcement to the program's management or legal counsel at once, and share nothing for it without a judicial warrant or court order (Civ. Code 56.10(b)(6); Health & Safety Code 24250(b), 24251(b))."
        }
        ObligationKind::VerifyIdentity if police_process => {
            "Verify the officer's identity and authority before sharing. A warrant or court order counts only if a judge or magistrate issued it (45 CFR 164.512(f)(1)(ii)(A)); an administrative warrant or request, such as one from immigration enforcement, is neither: take it to your privacy officer, who decides whether HIPAA's test for administrative requests is met (164.512(f)(1)(ii)(C)), before anything goes."
        }
        // A 2.51 disclosure carries no 2.32 notice, but HIPAA's request to
        // the provider still follows an agreed restriction that gave way.
        ObligationKind::DocumentRationale if part2_emergency && request.restrictions.iter().any(|r| r.agreed) => {
            concat!(
                part2_emergency_record!(),
                " The client asked for a restriction the program agreed to, and it gives way only to this emergency: ask the provider not to use or disclose the information further (45 CFR 164.522(a)(1)(iv))."
            )
        }
        ObligationKind::DocumentRationale if part2_emergency => part2_emergency_record!(),
        // Outside Part 2 the notice comes only from an agreed restriction
        // that gave way to emergency treatment (hipaa.restriction.emergency).
        ObligationKind::RedisclosureNotice if !request.client.part2_program => {
            "Ask the provider who receives it not to use or disclose it further: the client asked for a restriction the program agreed to, and it gives way only to this emergency (45 CFR 164.522(a)(1)(iv))."
        }
        // Evid. Code 1027: the child's best interest decides whether the
        // privilege stands; nobody's "involvement" is at issue in a case.
        ObligationKind::ProfessionalJudgment if request.purpose == Purpose::JudicialProceeding && request.client.age < 16 => {
            "Disclose only if, in your professional judgment, it is in the child's best interest (Evid. Code 1027); otherwise claim the privilege for the child. This is your judgment call to make and to write down."
        }
        // Fam. Code 6924(d), Health & Safety Code 124260(d): telling a
        // minor's parent of a danger is the parent's involvement in the
        // minor's treatment, which the treating professional judges.
        ObligationKind::ProfessionalJudgment
            if request.client.age < 18
                && facts.get(Fact::SeriousImminentThreat)
                && matches!(request.recipient.kind, RecipientKind::PersonalRepresentative | RecipientKind::FamilyOrFriend)
                && matches!(request.discloser.role, Role::PeerSupportSpecialist | Role::AdministrativeStaff) =>
        {
            "Whether to involve this parent, guardian or family member is the judgment of the professional treating the minor, not yours: bring it to that clinician (or the crisis team) now; share only if they judge it appropriate and in the minor's best interest, and only what keeping the minor safe needs. Write down who decided and why."
        }
        ObligationKind::ProfessionalJudgment
            if request.client.age < 18
                && facts.get(Fact::SeriousImminentThreat)
                && matches!(request.recipient.kind, RecipientKind::PersonalRepresentative | RecipientKind::FamilyOrFriend) =>
        {
            "Share only if, in your professional judgment as the professional treating the minor, involving this parent, guardian or family member is appropriate and in the minor's best interest, and only what keeping the minor safe needs; this is your judgment call to make and to write down."
        }
        // Peer services are non-clinical (DHCS's scope of practice for
        // Medi-Cal peer support specialists): the best-interest call of
        // 45 CFR 164.510(b)(3) belongs with the clinician or a supervisor.
        ObligationKind::ProfessionalJudgment
            if matches!(request.discloser.role, Role::PeerSupportSpecialist | Role::AdministrativeStaff) =>
        {
            "Whether sharing is in the client's best interest is a professional judgment: make it with the client's clinician or your supervisor, share only what bears on this person's involvement, and write down who decided and why."
        }
        // 164.528(a)(2): an agency given records for its oversight or a
        // police matter (164.512(d), (f)) that says the accounting would
        // impede it may have the entry suspended; staff hear it from the officer.
        ObligationKind::RecordInAccounting
            if matches!(request.recipient.kind, RecipientKind::LawEnforcement | RecipientKind::HealthOversightAgency)
                && matches!(request.purpose, Purpose::LawEnforcement | Purpose::HealthOversight) =>
        {
            "Record this disclosure in the client's accounting of disclosures: the date, who received it (and their address, if known), a brief description of what you shared, and why (45 CFR 164.528(b)(2)). If the agency asks that it be left out of the client's accounting for now, write down who asked and until when; a request made only orally lasts at most 30 days (164.528(a)(2))."
        }
        ObligationKind::InformClient if abuse && request.client.status == ClientStatus::Deceased => {
            "Never tell a person suspected of the abuse, or a representative who may be responsible for it. Otherwise tell the client's personal representative (the executor or administrator of the estate) that a report was made, unless that would put someone at risk."
        }
        ObligationKind::InformClient if abuse => {
            "Never tell a person suspected of the abuse, or a parent or representative who may be responsible for it. Otherwise tell the client that a report was made, unless that would put them or someone else at risk."
        }
        // No law asks the provider to tip off the subject of an
        // investigation; HIPAA even lets police suspend the accounting
        // (164.528(a)(2)). Telling the client is the program's own practice.
        ObligationKind::InformClient
            if (request.recipient.kind == RecipientKind::LawEnforcement || request.purpose == Purpose::LawEnforcement)
                && request.client.status != ClientStatus::Deceased =>
        {
            "Tell the client what was shared and why, unless the order or the agency asks you to wait (an investigation may need it kept quiet for a time; write down who asked and until when), or telling would put someone at risk."
        }
        // After death the personal representative stands for the client
        // (45 CFR 164.502(g)(4)).
        ObligationKind::InformClient if request.client.status == ClientStatus::Deceased => {
            "The client has died: tell their personal representative (the executor or administrator of the estate) what was shared and why, unless that would put someone at risk."
        }
        _ => obligation_detail(kind),
    }
}

/// The remedy when a never-expiring Part 2 consent or ASCMI already counts
/// (45 CFR 164.508(c)(1)(v); Cal. Civ. Code 56.11(b)(8)): another like it
/// would fail the same way, so the form asked for must say when it ends.
const NEVER_EXPIRES: &str = "The consent on file says it never expires: that is allowed in a Part 2 consent for treatment, payment and operations, but not in a HIPAA authorization, which must end on a date or event (45 CFR 164.508(c)(1)(v)), nor in a California one, which must end on a specific date (Cal. Civ. Code 56.11(b)(8)). Ask the client (or whoever may sign for them) to sign a form that names this recipient, purpose and information and says when it ends.";

const WITHOUT_HIPAA_STATEMENTS: &str = "The Part 2 consent on file counts under Part 2, but it lacks statements every HIPAA authorization must carry: that treatment or payment cannot be made to depend on signing it, and that what is disclosed may be disclosed again by the recipient (45 CFR 164.508(c)(2)). Ask the client (or whoever may sign for them) to sign a form that names this recipient, purpose and information and carries those statements.";

/// The remedy entry for psychotherapy notes alone (`decision::add_remedy`).
pub(crate) fn notes_form_detail(kind: RemedyKind) -> &'static str {
    if kind == RemedyKind::ObtainPart2Consent {
        "A separate Part 2 consent for the psychotherapy notes (SUD counseling notes) alone, covering nothing else (42 CFR 2.31(b))."
    } else {
        "A separate written authorization for the psychotherapy notes alone, covering nothing else (45 CFR 164.508(b)(3)(ii)): a form that lists them with other information counts for nothing."
    }
}

/// What a remedy asks, in words fitting this request: who can sign or agree
/// depends on the client. After death the estate's representative signs
/// (45 CFR 164.502(g)(4); 42 CFR 2.15(b)); for care a minor consented to
/// alone only the minor signs (164.502(g)(3); 42 CFR 2.14(a)); a
/// representative the provider believes may endanger the client signs
/// nothing for them (164.502(g)(5)); a client who objected is not pressed.
pub(crate) fn remedy_detail_for(kind: RemedyKind, request: &Request) -> &'static str {
    let deceased = request.client.status == ClientStatus::Deceased;
    // The contract cannot say who is suspected: in an abuse report the
    // parent, the representative or the client may be, and asking them to
    // sign warns them (45 CFR 164.512(c)(2)(ii), 164.502(g)(5)). A report
    // to an agency is the report under any purpose it can be filed under,
    // as the rules read it (`Purpose::carries_report`).
    let to_agency = matches!(
        request.recipient.kind,
        RecipientKind::ChildWelfareAgency
            | RecipientKind::AdultProtectiveServices
            | RecipientKind::LawEnforcement
            | RecipientKind::PublicHealthAuthority
    );
    // California's health department takes no child-abuse report (Penal
    // Code 11165.9, ca.child_abuse.report_agency): there is no report here
    // to go without a signature.
    let wrong_agency = request.jurisdiction == Jurisdiction::UsCa
        && request.purpose == Purpose::ReportChildAbuse
        && request.recipient.kind == RecipientKind::PublicHealthAuthority;
    let abuse_report = (matches!(request.purpose, Purpose::ReportChildAbuse | Purpose::ReportElderAbuse)
        || (request.purpose.carries_report() && to_agency))
        && (request.facts.get(Fact::SuspectedChildAbuse) || request.facts.get(Fact::SuspectedElderAbuse))
        && !wrong_agency;
    // A report or warning the staff member starts has no requester to ask.
    let self_started = matches!(request.purpose, Purpose::ReportChildAbuse | Purpose::ReportElderAbuse | Purpose::PreventSeriousThreat)
        || (request.purpose == Purpose::Emergency && request.facts.get(Fact::SeriousImminentThreat));
    match kind {
        RemedyKind::ObtainAuthorization | RemedyKind::ObtainPart2Consent if wrong_agency => {
            "Make the report to an agency that takes it, as set out above; do not wait for a form. Only a written authorization would let the health department be told as well, and never ask a parent or anyone else who may be responsible for the abuse to sign it."
        }
        RemedyKind::ObtainCourtOrder if self_started => {
            "Only a court order would release this without the client's signature: there is no requester to ask, but the agency or the police can ask a court for one."
        }
        // AMB-9, Welf. & Inst. Code 5328(a), (r): in an LPS crisis the way
        // forward is the psychotherapist and the crisis team, not a form.
        RemedyKind::ObtainAuthorization
            if request.facts.get(Fact::SeriousImminentThreat)
                && request.client.lps_program
                && request.jurisdiction == Jurisdiction::UsCa
                && !deceased =>
        {
            if matches!(request.discloser.role, Role::Psychotherapist | Role::Psychiatrist) {
                "Do not wait for a form: bring in your supervisor and the crisis team now, as set out above. Only a written authorization signed by the client would let this go to this recipient otherwise."
            } else {
                "Do not wait for a form: bring this now to the client's psychotherapist, your supervisor and the crisis team, as set out above. Only a written authorization signed by the client would let this go to this recipient otherwise."
            }
        }
        // 42 CFR 2.12(c)(6) excepts child-abuse reports only; an adult's
        // abuse report has no "report itself" to go without the consent.
        RemedyKind::ObtainPart2Consent
            if abuse_report && !deceased && request.client.part2_program && !request.facts.get(Fact::SuspectedChildAbuse) =>
        {
            "Ask the client (or whoever may sign for them under 42 CFR 2.15) for a written Part 2 consent that covers this report; never ask anyone who may be responsible for the abuse to sign it."
        }
        RemedyKind::ObtainAuthorization | RemedyKind::ObtainPart2Consent if abuse_report && !deceased => {
            "The report itself needs no signature, and what the law requires goes without one. Anything more needs the client's written authorization (or Part 2 consent), signed by whoever may sign for them; never ask a parent, representative or anyone else who may be responsible for the abuse to sign it, and do not delay the report for it. The agency can seek the rest through its own process."
        }
        // 45 CFR 164.508(b)(5); 42 CFR 2.31(a)(6): the client withdrew
        // their permission, and asking again is pressing them.
        RemedyKind::ObtainAuthorization | RemedyKind::ObtainPart2Consent if revoked_on_file(request) && !deceased => {
            "Only a new written authorization (or Part 2 consent) that the client offers would let this go; until then, share only what the law allows without one."
        }
        // Cal. Civ. Code 56.11(b)(3): a deceased patient's beneficiary or
        // personal representative signs; 164.502(g)(4) defers to that law.
        RemedyKind::ObtainAuthorization if deceased && request.jurisdiction == Jurisdiction::UsCa => {
            "Ask the client's personal representative (the executor or administrator of the estate) or a beneficiary of the estate (Cal. Civ. Code 56.11(b)(3)) to sign a written authorization that names this recipient, purpose and information."
        }
        RemedyKind::ObtainAuthorization if deceased => {
            "Ask the client's personal representative (the executor or administrator of the estate, or whoever else has authority to act for the client or the estate under state law, 45 CFR 164.502(g)(4)) to sign a written authorization that names this recipient, purpose and information."
        }
        RemedyKind::ObtainAuthorization
            if authorization::signer_today(request, AuthorizationKind::Hipaa) == Signer::PersonalRepresentative =>
        {
            "Ask the client's parent or guardian (their personal representative) to sign a written authorization that names this recipient, purpose and information."
        }
        // Cal. Civ. Code 56.11(b)(3); 164.502(g)(3)(i)(C): neither the child
        // nor the parent who agreed to confidentiality signs alone.
        RemedyKind::ObtainAuthorization
            if authorization::child_and_parent_sign(request) && !request.facts.get(Fact::RepresentativeMayEndanger) =>
        {
            "Ask the child and their parent or guardian to sign one written authorization together that names this recipient, purpose and information. In California a child under 12 cannot sign alone, and a parent who agreed to keep the care confidential cannot sign alone either (Cal. Civ. Code 56.11(b)(3); 45 CFR 164.502(g)(3))."
        }
        RemedyKind::ObtainAuthorization if !authorization::signer_recognized(request) => {
            if request.facts.get(Fact::RepresentativeMayEndanger) {
                "Ask the client to sign a written authorization that names this recipient, purpose and information. A representative you believe may harm or endanger the client cannot sign for them (45 CFR 164.502(g)(5))."
            } else {
                "Ask the client to sign a written authorization that names this recipient, purpose and information. Only the minor can sign for care they consented to alone or that a parent agreed to keep confidential; a parent's signature does not count (45 CFR 164.502(g)(3))."
            }
        }
        // After the arms that say who signs, which matter more.
        RemedyKind::ObtainAuthorization if !deceased && authorization::open_ended_consent_on_file(request) => NEVER_EXPIRES,
        RemedyKind::ObtainAuthorization if !deceased && authorization::consent_without_hipaa_statements_on_file(request) => {
            WITHOUT_HIPAA_STATEMENTS
        }
        RemedyKind::ObtainAuthorization => {
            "Ask the client (or their personal representative) to sign a written authorization that names this recipient, purpose and information."
        }
        RemedyKind::ObtainPart2Consent if deceased => {
            "Ask the person who may act for the deceased client to sign a Part 2 consent (42 CFR 2.31) that covers this information and recipient: the executor, administrator or other personal representative appointed under state law; if none has been appointed, the client's spouse or, if there is none, a responsible member of the family (42 CFR 2.15(b)(2))."
        }
        RemedyKind::ObtainPart2Consent if authorization::joint_consent_required(request) => {
            "Ask the client and their parent or guardian to sign a Part 2 consent (42 CFR 2.31) that covers this information and recipient: where state law required the parent's consent to the treatment, the minor's consent to disclose needs the parent's signature beside it (42 CFR 2.14(b)(1))."
        }
        RemedyKind::ObtainPart2Consent if authorization::minor_may_consent_to_sud_care_alone(request) => {
            "Ask the client to sign a Part 2 consent (42 CFR 2.31) that covers this information and recipient. In California a minor aged 12 or older signs it alone; a parent's signature does not count (42 CFR 2.14(a); Cal. Fam. Code 6929(b))."
        }
        // After the arms that say who signs, which matter more.
        RemedyKind::ObtainPart2Consent if !deceased && authorization::open_ended_consent_on_file(request) => NEVER_EXPIRES,
        // The designated-professional route is California's (Health & Safety
        // Code 123115(b)); HIPAA's review is by another licensed professional
        // who took no part in the denial (45 CFR 164.524(a)(4)).
        RemedyKind::OfferProfessionalReview if request.jurisdiction == Jurisdiction::Us => {
            "Offer the person who asked (the client or their personal representative) a review of the denial by another licensed health care professional who took no part in it, and abide by that professional's decision (45 CFR 164.524(a)(4), (d)(4))."
        }
        // AMB-8 keeps the client's own wish as the way forward; a child
        // asked about a parent the provider fears must be asked alone, and
        // what prompted the fear may itself have to be reported.
        RemedyKind::AskClient if request.facts.get(Fact::RepresentativeMayEndanger) => {
            "Ask the client themselves, not the person you believe may endanger them, whether they want this shared. If you suspect abuse or neglect, report it as the law requires."
        }
        RemedyKind::AskClient if request.facts.get(Fact::ClientObjects) => {
            "The client objected. Their agreement would change this, but do not press them: if they change their mind, they can tell you."
        }
        _ => remedy_detail(kind),
    }
}

/// Whether the client has revoked an authorization or consent on file for
/// this kind of recipient.
fn revoked_on_file(request: &Request) -> bool {
    request
        .authorizations
        .iter()
        .any(|a| a.revoked_on.is_some_and(|d| d <= request.as_of) && a.recipients.iter().any(|r| r.kind == request.recipient.kind))
}

/// One sentence per authorization on file that does not count for this
/// request, saying why, so that whoever holds a signed form knows what is
/// wrong with it.
fn authorization_notes(out: &mut Sentences, request: &Request, decision: &Decision) {
    for report in decision.authorizations.iter().filter(|a| !a.counts) {
        let Some(auth) = request.authorizations.iter().find(|a| a.id == report.id) else { continue };
        let text = out.start();
        let _ = write!(text, "The form on file \"{}\" does not count here: ", report.id);
        let count = report.reasons.len();
        for (n, reason) in report.reasons.iter().enumerate() {
            if n > 0 {
                text.push_str(if n + 1 == count { " and " } else { ", " });
            }
            authorization_reason(text, *reason, auth, request);
        }
        text.push('.');
        if report.reasons.contains(&Reason::Revoked) {
            text.push_str(" Respect the client's choice: do not ask them to sign again unless they raise it.");
        }
    }
}

/// Why one authorization fails, as a clause after "it".
fn authorization_reason(text: &mut String, reason: Reason, auth: &Authorization, request: &Request) {
    let _ = match reason {
        Reason::Expired => match auth.expires_on {
            Some(day) => write!(text, "it expired on {day}"),
            None => write!(text, "it has expired"),
        },
        Reason::Revoked => match auth.revoked_on {
            Some(day) => write!(text, "the client revoked it on {day}"),
            None => write!(text, "the client revoked it"),
        },
        Reason::NotYetSigned => write!(text, "it is dated after the day of this disclosure"),
        Reason::MissingElement(authorization::Element::Signature) if auth.signed_by == Some(Signer::PersonalRepresentative) => {
            write!(text, "it was signed by a personal representative who cannot sign for this client here")
        }
        Reason::MissingElement(authorization::Element::Signature) if auth.signed_by == Some(Signer::Client) => {
            if request.client.status == ClientStatus::Deceased {
                write!(text, "it was signed by the client after their death or lacks the personal representative's signature")
            } else if auth.kind != AuthorizationKind::Hipaa && authorization::nobody_may_consent(request) {
                write!(
                    text,
                    "a minor's Part 2 consent needs a second signature, from a parent, guardian or other person state law lets act for the minor (42 CFR 2.14(b)(1)), and a parent you believe may endanger the client cannot give it (45 CFR 164.502(g)(5)): ask another guardian, or a court"
                )
            } else if authorization::child_lacks_a_cosigner(request) {
                write!(
                    text,
                    "a child under 12 signs only beside a parent or guardian (Cal. Civ. Code 56.11(b)(3)), and a parent you believe may endanger the client cannot give that signature (45 CFR 164.502(g)(5)): ask another guardian, or a court"
                )
            } else {
                write!(
                    text,
                    "the client's own signature does not count for this form (their parent or guardian signs, or signs beside them)"
                )
            }
        }
        Reason::MissingElement(authorization::Element::Expiration) if auth.expiry_event.is_some() && auth.expires_on.is_none() => {
            write!(text, "it names no end date (\"{}\" is not one it may use here)", auth.expiry_event.as_deref().unwrap_or_default())
        }
        Reason::MissingElement(element) => write!(text, "it lacks {}", element.describe()),
        Reason::MissingStatement(statement) => {
            // "the statement that ..." or "the statement of the client's right ...".
            let described = statement.describe();
            let joint = if described.starts_with("that ") { "" } else { "of " };
            write!(text, "it lacks the statement {joint}{described}")
        }
        Reason::CompoundPsychotherapyNotes => write!(
            text,
            "it puts psychotherapy notes on the same form as other information, so none of it counts; the notes need a form of their own (45 CFR 164.508(b)(3)(ii))"
        ),
        Reason::RecipientMismatch => write!(text, "it does not name this recipient"),
        // 42 CFR 2.31(d): the purpose is on the form, folded in with others.
        Reason::PurposeMismatch
            if request.client.part2_program
                && auth.kind != AuthorizationKind::Ascmi
                && auth.purposes.contains(&request.purpose)
                && authorization::PROCEEDING_PURPOSES.contains(&request.purpose)
                && authorization::combines_proceeding_with_other_purposes(auth) =>
        {
            write!(
                text,
                "it folds this court or police matter into a consent for other purposes, and a Part 2 consent for a proceeding must be one of its own (42 CFR 2.31(d))"
            )
        }
        Reason::PurposeMismatch => write!(text, "it does not name this purpose"),
        Reason::CategoryNotCovered => write!(text, "it does not cover the information asked for"),
    };
}

/// A peer support specialist or front-desk worker receiving a request for
/// the client's own record (45 CFR 164.524(a)(3): the judgments are a
/// licensed professional's).
fn hands_off_access(request: &Request) -> bool {
    matches!(request.discloser.role, Role::PeerSupportSpecialist | Role::AdministrativeStaff)
        && matches!(request.recipient.kind, RecipientKind::Client | RecipientKind::PersonalRepresentative)
        && request.purpose == Purpose::ClientRequest
}

pub(crate) fn explain(request: &Request, decision: &Decision, evaluations: &[CategoryEvaluation], rules: &[Rule]) -> String {
    let mut groups: Vec<(Group, Vec<Category>)> = Vec::new();
    let mut also: Vec<usize> = Vec::new();
    for eval in evaluations {
        let v = &eval.verdict;
        let group = if v.released {
            // For Part 2 or LPS records, the Part 2 or LPS rule that releases
            // them is the reason they may go (HIPAA's broader permission
            // alone would not open them, and its text names recipients those
            // laws exclude), so it leads where it can.
            let fits = |i: &usize| !v.required || rules.get(*i).is_some_and(|r| r.effect == Effect::Require);
            // A reporting or warning duty leads (a required category), so
            // the answer says what the duty asks (the report, its
            // deadlines), not a general "required by law" beside it; then
            // the narrower law; then the first that fits.
            let rank = |i: &usize| match rules.get(*i) {
                Some(r) if r.duty.is_some() => 0,
                Some(r) if r.layer == Layer::Part2 || (request.client.lps_program && r.id.starts_with("ca.lps.")) => 1,
                _ => 2,
            };
            let primary = v.releasing.iter().copied().filter(fits).min_by_key(rank);
            // Another duty on the same information (a child-abuse report
            // beside a warning, the 8105(c) report beside either) is a duty
            // of its own: it is named too, once, after the groups.
            if primary.and_then(|i| rules.get(i)).is_some_and(|r| r.duty.is_some()) {
                for i in v.releasing.iter().copied().filter(|&i| Some(i) != primary) {
                    if rules.get(i).is_some_and(|r| r.duty.is_some()) && !also.contains(&i) {
                        also.push(i);
                    }
                }
            }
            Group { kind: if v.required { GroupKind::Must } else { GroupKind::May }, rule: primary }
        } else {
            Group { kind: GroupKind::Not, rule: v.main_reason_index(rules) }
        };
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, cats)) => cats.push(eval.category),
            None => groups.push((group, vec![eval.category])),
        }
    }
    groups.sort_by_key(|(g, _)| g.kind);

    // Written straight into one string (sentences separated by one space),
    // not as a list of formatted sentences joined at the end: this runs for
    // every decision, and those were a dozen allocations each.
    let mut out = Sentences::default();
    for (group, cats) in &groups {
        let text = out.start();
        let rule = group.rule.and_then(|i| rules.get(i));
        match (group.kind, rule.and_then(|r| r.duty)) {
            // A reporting or warning duty requires the report, not the
            // record: the information goes in only as far as it needs.
            (GroupKind::Must, Some(duty)) => {
                text.push_str("You must ");
                text.push_str(duty.action());
                text.push_str(", sharing ");
                join_plain(text, cats);
                text.push_str(" only as far as ");
                text.push_str(duty.noun());
                text.push_str(" needs");
            }
            // The right of access is the program's duty, and a peer or
            // front-desk worker passes the request on (hipaa.access.handoff):
            // "you must share" would skip the licensed professional's review.
            (GroupKind::Must, _) if hands_off_access(request) => {
                text.push_str(if request.recipient.kind == RecipientKind::Client {
                    "The program must give the client "
                } else {
                    "The program must give the personal representative "
                });
                join_plain(text, cats);
                text.push_str("; you pass the request on rather than hand them over yourself");
            }
            (kind, _) => {
                text.push_str(match kind {
                    GroupKind::Must => "You must share ",
                    GroupKind::May => "You may share ",
                    GroupKind::Not => "Do not share ",
                });
                join_plain(text, cats);
            }
        }
        text.push('.');
        if let Some(r) = rule {
            text.push(' ');
            push_summary(text, r);
        }
    }
    // In a threat or an abuse report, what to do now (warn without naming
    // the program, call the crisis team, report to the right agency) comes
    // before the record keeping and the forms that would release the rest.
    let advice = advice_texts(evaluations, decision, rules);
    // A further duty the advice already tells (the 8105(c) report beside
    // the warning's) is not named twice.
    let told = |r: &Rule| {
        let short = r.cite.strip_prefix("Cal. ").unwrap_or(&r.cite);
        advice.iter().any(|a| a.contains(short))
    };
    for &i in also.iter().filter(|&&i| !groups.iter().any(|(g, _)| g.rule == Some(i))) {
        let Some(r) = rules.get(i).filter(|r| !told(r)) else { continue };
        let Some(duty) = r.duty else { continue };
        let text = out.start();
        // A second report beside a first (child and elder abuse) is "another".
        let again = groups.iter().any(|(g, _)| g.rule.and_then(|j| rules.get(j)).and_then(|p| p.duty) == Some(duty));
        text.push_str(match (duty, again) {
            (Duty::Report, true) => "You must also make another report",
            (Duty::Warning, true) => "You must also give another warning",
            (Duty::Report, false) => "You must also make the report",
            (Duty::Warning, false) => "You must also give the warning",
        });
        text.push_str(". ");
        push_summary(text, r);
    }
    if !decision.withhold.is_empty() {
        authorization_notes(&mut out, request, decision);
    }
    // What to do with the police at the door comes first too.
    let urgent = request.facts.get(Fact::SeriousImminentThreat)
        || matches!(request.purpose, Purpose::ReportChildAbuse | Purpose::ReportElderAbuse)
        || request.recipient.kind == RecipientKind::LawEnforcement;
    if urgent {
        for text in &advice {
            out.start().push_str(text);
        }
    }
    if !decision.obligations.is_empty() {
        let text = out.start();
        text.push_str("Before you share:");
        for o in &decision.obligations {
            text.push(' ');
            text.push_str(&o.detail);
        }
    }
    if !decision.remedies.is_empty() {
        // A Part 2 client's counseling notes are offered the HIPAA
        // authorization and the Part 2 consent only as a pair (neither alone
        // releases them, 45 CFR 164.508(a)(2); 42 CFR 2.31(b)): say so.
        let for_notes =
            |kind: RemedyKind| decision.remedies.iter().any(|r| r.kind == kind && r.categories.contains(&Category::PsychotherapyNotes));
        let both_for_notes =
            request.client.part2_program && for_notes(RemedyKind::ObtainAuthorization) && for_notes(RemedyKind::ObtainPart2Consent);
        let text = out.start();
        text.push_str("Next step: ");
        // The forms for the rest are alternatives. The notes' own form, when
        // the rest has one of the same kind (or, for a Part 2 client, the
        // pair of forms the notes need), comes after, as well as.
        let apart =
            |r: &Remedy| r.is_notes_form() && (both_for_notes || decision.remedies.iter().any(|o| o.kind == r.kind && !o.is_notes_form()));
        let (notes, rest): (Vec<&Remedy>, Vec<&Remedy>) = decision.remedies.iter().partition(|r| apart(r));
        for (i, r) in rest.iter().enumerate() {
            if i > 0 {
                text.push_str(" Or: ");
            }
            text.push_str(&r.detail);
        }
        for (i, r) in notes.iter().enumerate() {
            let lead = match (both_for_notes, i, rest.is_empty()) {
                (true, 0, true) => "For psychotherapy notes both are needed: ",
                (true, 0, false) => " For psychotherapy notes both are needed: ",
                (true, _, _) => " And: ",
                (false, 0, true) => "",
                (false, _, _) => " ",
            };
            text.push_str(lead);
            text.push_str(&r.detail);
        }
    }
    if !urgent {
        for text in advice {
            out.start().push_str(text);
        }
    }
    // The rules read this report as one to the county welfare department
    // (`RecipientKind::as_reported`); a community group is not that.
    if request.recipient.kind.as_reported(request.purpose) != request.recipient.kind {
        out.start().push_str(if request.jurisdiction == Jurisdiction::UsCa {
            "This is read as a report to the county welfare department's child welfare or adult protective services intake (Penal Code 11165.9; Welf. & Inst. Code 15610.13, 15630(b)(1)). If this organization is not that intake (a housing, benefits or other community organization), it cannot take the report and gets nothing for it: make the report to the county intake or the police instead."
        } else {
            "This is read as a report to the government agency the law names to receive it, such as the county's child or adult protective services (45 CFR 164.512(b)(1)(ii), (c)(1)). If this organization is not that agency (a housing, benefits or other community organization), it cannot take the report and gets nothing for it: make the report to the agency or the police instead."
        });
    }
    // A report filed to a parent, relative, school or employer is not the
    // report: the law names the agencies that take it, and the person told
    // may be the one responsible (45 CFR 164.502(g)(5)).
    let suspicion = request.facts.get(Fact::SuspectedChildAbuse) || request.facts.get(Fact::SuspectedElderAbuse);
    if suspicion
        && matches!(request.purpose, Purpose::ReportChildAbuse | Purpose::ReportElderAbuse)
        && matches!(
            request.recipient.kind,
            RecipientKind::PersonalRepresentative | RecipientKind::FamilyOrFriend | RecipientKind::School | RecipientKind::Employer
        )
    {
        out.start().push_str(match (request.jurisdiction, request.purpose) {
            (Jurisdiction::UsCa, Purpose::ReportChildAbuse) => {
                "Telling this person is not the report: a mandated reporter reports to the police or sheriff, or to the county's child welfare services (Penal Code 11165.9, 11166(a)), and never warns a parent, relative or anyone else who may be responsible for the abuse."
            }
            (Jurisdiction::UsCa, _) => {
                "Telling this person is not the report: a mandated reporter reports to adult protective services or the police (Welf. & Inst. Code 15630(b)(1)), and never warns a relative, conservator or anyone else who may be responsible for the abuse."
            }
            _ => {
                "Telling this person is not the report: the report goes to the agency the law names to receive it, such as child or adult protective services, or the police (45 CFR 164.512(b)(1)(ii), (c)(1)); never warn a parent, relative or anyone else who may be responsible for the abuse."
            }
        });
    }
    match request.client.status {
        ClientStatus::Discharged => out.start().push_str("Confidentiality does not end at discharge."),
        ClientStatus::Deceased => out.start().push_str("Confidentiality continues after death."),
        ClientStatus::Active => {}
    }
    // 42 CFR 2.13(c)(2): any answer to a request Part 2 does not allow must
    // not reveal that the person is in substance use treatment (the
    // presence rule's own advice says it when presence was asked).
    let part2_withholds = evaluations
        .iter()
        .any(|e| !e.verdict.released && e.verdict.blocking.iter().any(|&i| rules.get(i).is_some_and(|r| r.layer == Layer::Part2)));
    if part2_withholds
        && decision.release.is_empty()
        && !decision.withhold.contains(&Category::PresenceAndCondition)
        && !request.recipient.same_organization
        && !matches!(request.recipient.kind, RecipientKind::Client | RecipientKind::PersonalRepresentative)
    {
        out.start().push_str(
            "Answer in a way that does not reveal that the client is, or was, in substance use treatment here (42 CFR 2.13(c)(2)).",
        );
    }
    if !decision.withhold.is_empty() {
        out.start().push_str("If you are unsure, ask your supervisor or privacy officer before sharing anything.");
    }
    out.text
}

/// The advice of the rules behind each category, once each: a released
/// category's releasing and obligate rules; a withheld one's standing
/// forbids and advise rules, whose advice names the lawful way forward (for
/// LPS records under a serious threat: bring in the psychotherapist, call
/// crisis or emergency services; for a Part 2 consent that also names
/// treatment: a consent of its own).
fn advice_texts<'r>(evaluations: &[CategoryEvaluation], decision: &Decision, rules: &'r [Rule]) -> Vec<&'r str> {
    let mut advice: Vec<&'r str> = Vec::new();
    for eval in evaluations {
        let v = &eval.verdict;
        let withheld_by = (!v.released).then(|| v.blocking.iter().copied().chain(v.applicable_advice(rules))).into_iter().flatten();
        // A permission's best-interest advice goes where its judgment is
        // owed (`decision::judgment_owed`), not beside a statutory notice or
        // the client's own signed form.
        let judged =
            decision.obligations.iter().any(|o| o.kind == ObligationKind::ProfessionalJudgment && o.categories.contains(&eval.category));
        let advises = |r: &Rule| judged || !(r.effect == Effect::Permit && r.obligations.contains(&ObligationKind::ProfessionalJudgment));
        for i in v.obligating.iter().chain(&v.releasing).copied().chain(withheld_by) {
            if let Some(text) = rules.get(i).filter(|r| advises(r)).and_then(|r| r.advice.as_deref())
                && !advice.contains(&text)
            {
                advice.push(text);
            }
        }
    }
    advice
}

/// A rule's plain summary as one sentence, with its cite unless it closes
/// on it already.
fn push_summary(text: &mut String, r: &Rule) {
    let summary = r.plain_summary().trim_end_matches('.');
    text.push_str(summary);
    if ends_citing(summary, &r.cite) {
        text.push('.');
    } else if r.cite.starts_with("org:") {
        // The organization's own rule: its id means nothing to staff.
        text.push_str(" (this program's policy).");
    } else {
        text.push_str(" (");
        text.push_str(&r.cite);
        text.push_str(").");
    }
}

/// Whether `summary` ends on a parenthesis that names `cite` (without the
/// "Cal." its cite carries), as "... (Penal Code 11166(a))" does.
fn ends_citing(summary: &str, cite: &str) -> bool {
    let short = cite.strip_prefix("Cal. ").unwrap_or(cite);
    summary.ends_with(')') && summary.rfind(" (").is_some_and(|at| summary[at..].contains(short))
}

/// Sentences joined by one space, written in place.
#[derive(Default)]
struct Sentences {
    text: String,
    any: bool,
}

impl Sentences {
    /// The string to write the next sentence to, after a space if one came before.
    fn start(&mut self) -> &mut String {
        if self.any {
            self.text.push(' ');
        } else {
            self.text.reserve(512);
            self.any = true;
        }
        &mut self.text
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GroupKind {
    Must,
    May,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Group {
    kind: GroupKind,
    rule: Option<usize>,
}

/// "a", "a and b", "a, b and c", appended to `out`.
fn join_plain(out: &mut String, cats: &[Category]) {
    let last = cats.len().saturating_sub(1);
    for (i, c) in cats.iter().enumerate() {
        if i > 0 {
            out.push_str(if i == last { " and " } else { ", " });
        }
        out.push_str(plain_category(*c));
    }
}
