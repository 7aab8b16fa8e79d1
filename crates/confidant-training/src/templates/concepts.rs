//! Conceptual questions: what confidentiality protects, why it exists, how
//! privilege differs from it, and that it outlives the relationship. Each
//! rests on a flashcard (and its cites) and on a situation the engine
//! decides: every statement claims something about that decision, so the
//! key is still the engine's and each wrong statement's rationale names the
//! rule that refutes it.

use confidant_policy::vocab::{Category, Outcome};

use super::{Builder, Req, Statement};
use crate::claim::Claim;
use crate::topic::Topic;

fn say(text: &'static str, claim: Claim, belief: Option<&'static str>) -> Statement {
    Statement { text, claim, belief }
}

const PERMIT: Claim = Claim::outcome(Outcome::Permit);
const REQUIRED: Claim = Claim::outcome(Outcome::Required);

pub(super) fn situations(b: &mut Builder) {
    b.concept("what_is_protected_identity", "card-confidentiality", Topic::ConsentAndAuthorization,
        "You are a peer support specialist in a California program. A client's employer calls to ask whether a certain employee is \"one of your clients\". No authorization is on file. Which statement is right?".into(),
        Req::new("US-CA").to("employer").purpose("employment"), Category::Demographics,
        "Is the bare fact that someone is a client protected?",
        vec![
            say("What is protected here: even the fact that they are a client, so say nothing.", Claim::Withheld, None),
            say("What is protected here: only billing and payment details, so you may confirm.", PERMIT, Some("only financial information is protected")),
            say("What is protected here: only the medical record, not attendance, so confirm.", PERMIT, Some("only the medical record is protected")),
            say("What is protected here: nothing that outweighs an employer's right to know.", REQUIRED, Some("an employer is entitled to know")),
        ]);
    b.concept("what_is_protected_spoken", "card-confidentiality", Topic::FamilyAndFriends,
        "You are a peer support specialist in a California program. A friend of a participant, not involved in their care, asks what the participant talked about in your one-to-one sessions. Which statement is right?".into(),
        Req::new("US-CA").to("family_or_friend").purpose("care_involvement"), Category::PeerSupportNotes,
        "Does confidentiality cover only what is in the chart, or what the client tells you too?",
        vec![
            say("What is protected here: what a participant tells you, like their chart; decline.", Claim::Withheld, None),
            say("What is protected here: only the clinical chart, not what was said; tell them.", PERMIT, Some("only the medical record is protected")),
            say("What is protected here: only money matters and insurance; you may tell them.", PERMIT, Some("only financial information is protected")),
            say("What is protected here: nothing a concerned friend is not owed; you must tell.", REQUIRED, Some("close friends are entitled to know")),
        ]);
    b.concept("why_confidentiality", "card-why-confidentiality", Topic::ConsentAndAuthorization,
        "You are a case manager in a program outside California (federal law only). A coworker of your client, who is also a friend, asks what the client is being treated for \"so I can support them\". The client is not here and has said nothing about it. Which statement is right?".into(),
        Req::new("US").role("case_manager").law_only().to("family_or_friend").purpose("care_involvement"), Category::Diagnosis,
        "Why does confidentiality exist at all?",
        vec![
            say("Confidentiality exists for the client: their trust and safety rest on it; decline.", Claim::Withheld, None),
            say("Confidentiality exists to shield the program from lawsuits; a friend is no risk.", PERMIT, Some("confidentiality exists to protect the program, not the client")),
            say("Confidentiality exists for insurance and money matters, not a friend's help; tell.", PERMIT, Some("only financial information is protected")),
            say("Confidentiality exists only until supporters need to know; you must tell them.", REQUIRED, Some("supporters are entitled to know")),
        ]);
    b.concept("privilege_holder", "card-privilege", Topic::ClientRights,
        "You are a psychotherapist in a California program. Opposing counsel in your client's lawsuit serves a subpoena for the diagnosis, with assurance that the client was notified. There is no court order, and the client has not waived anything. Which statement is right?".into(),
        Req::new("US-CA").role("psychotherapist").law_only().to("attorney").purpose("judicial_proceeding").facts(&["subpoena", "satisfactory_assurance"]), Category::Diagnosis,
        "Who holds the privilege, and what does a subpoena do to it?",
        vec![
            say("The privilege here is the client's: claim it, and send nothing without an order.", Claim::Withheld, None),
            say("The privilege here is yours as the therapist, so you may waive it and send.", PERMIT, Some("the privilege belongs to the therapist")),
            say("The privilege here gives way to any subpoena; send everything by the deadline.", REQUIRED, Some("a subpoena alone opens these records")),
            say("The privilege here is only confidentiality, and notice to the client ended both.", PERMIT, Some("privilege and confidentiality are the same duty")),
        ]);
    b.concept("privilege_waived", "card-privilege", Topic::ClientRights,
        "You are a psychotherapist in a California program. The client's own lawyer asks for the diagnosis; the client signed a valid authorization naming that lawyer, for the lawsuit, covering the diagnosis. Which statement is right?".into(),
        Req::new("US-CA").role("psychotherapist").law_only().to("attorney").purpose("judicial_proceeding").authorization(super::paper("hipaa", super::Paper::Valid, &[Category::Diagnosis], "attorney", None, &["judicial_proceeding"])), Category::Diagnosis,
        "Whose privilege is it, and who may waive it?",
        vec![
            say("The privilege here is the client's, and the client waived it: you may send it.", PERMIT, None),
            say("The privilege here is yours as the therapist, and you have not waived it: refuse.", Claim::Withheld, Some("the privilege belongs to the therapist")),
            say("The privilege here binds you once the client signs: send whatever is asked.", REQUIRED, Some("once the client signs, you have to send whatever is asked")),
            say("The privilege here bars lawyers from therapy records, whatever is signed: refuse.", Claim::Withheld, Some("lawyers may never receive therapy records")),
        ]);
    b.concept("after_discharge", "card-after-relationship", Topic::AfterDischargeOrDeath,
        "You are a peer support specialist in a California program. A former participant was discharged two years ago. Their ex-partner calls to ask whether they were ever in your program. Which statement is right?".into(),
        Req::new("US-CA").discharged().to("family_or_friend").purpose("care_involvement"), Category::Demographics,
        "Does the duty end when services end?",
        vec![
            say("Once services end, the duty of confidentiality still holds: say nothing.", Claim::Withheld, None),
            say("Once services end, confidentiality ends with them, so you may answer.", PERMIT, Some("confidentiality ends at discharge")),
            say("Once services end, only the billing stays protected, so you may answer.", PERMIT, Some("only financial information is protected")),
            say("Once services end, the file is a public record, and you must answer.", REQUIRED, Some("closed records become public")),
        ]);
    b.concept("after_death", "card-after-relationship", Topic::AfterDischargeOrDeath,
        "You are a case manager in a program outside California (federal law only). A client died ten years ago. A neighbour who never took part in their care asks what they were treated for. Which statement is right?".into(),
        Req::new("US").role("case_manager").law_only().deceased("2016-03-01").to("family_or_friend").purpose("care_involvement"), Category::Diagnosis,
        "How long does confidentiality last after death?",
        vec![
            say("After a client dies, the record stays protected for fifty years: decline.", Claim::Withheld, None),
            say("After a client dies, confidentiality ends, so you may tell them.", PERMIT, Some("confidentiality ends when the client dies")),
            say("After a client dies, records become public in ten years; you may tell.", PERMIT, Some("old records become public")),
            say("After a client dies, anyone who asks must be told what they had.", REQUIRED, Some("the dead have no privacy")),
        ]);
}
