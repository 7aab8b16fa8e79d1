//! The words of an option, from its claim alone: every option of a question
//! is an instruction of the same shape and about the same length, and which
//! of a claim's wordings is used is drawn from the question id, so neither
//! the length, the opening words nor the wording of an option says whether it
//! is the key. The reasons live in the rationales, shown after answering.

use confidant_policy::plain_category;
use confidant_policy::vocab::{ObligationKind, Outcome, RemedyKind};

use crate::claim::Claim;
use crate::hash::draw;

/// The option text for `claim`; `seed` picks one of its wordings.
pub(crate) fn phrase(claim: &Claim, seed: &str) -> String {
    let pick = |choices: &[&str]| -> String {
        let n = choices.len().max(1) as u64;
        let i = usize::try_from(draw(&[seed, "wording"]) % n).unwrap_or(0);
        choices.get(i).copied().unwrap_or_default().to_string()
    };
    match *claim {
        Claim::Outcome { outcome: Outcome::Required, .. } => pick(&[
            "Share it: the law requires this disclosure here.",
            "Disclose it, since the law makes it mandatory here.",
            "Send it; refusing would break a legal duty to share.",
            "You have no choice here: the law obliges you to share.",
        ]),
        Claim::Outcome { outcome: Outcome::Permit, .. } => pick(&[
            "You may share it, but no law requires you to do so.",
            "Share it only if you judge it wise; it is optional.",
            "It is your call: sharing is allowed but not required.",
            "Sharing is permitted here, though not mandatory.",
        ]),
        Claim::Outcome { outcome: Outcome::Deny, remedy: None } => pick(&[
            "Refuse: no signature or order could make this lawful.",
            "Do not share it, and no paperwork could change that.",
            "Decline for good; nothing you could obtain allows it.",
        ]),
        Claim::Outcome { outcome: Outcome::Deny, remedy: Some(kind) } => pick(until(kind)),
        Claim::Withheld => {
            pick(&["Withhold it for now; the law does not let it go yet.", "Keep it back: as things stand it may not be shared."])
        }
        Claim::Obligation { outcome, obligation, applies } => obligation_phrase(outcome, obligation, applies, seed),
        Claim::Release { first, first_released, second, second_released } => {
            let (a, b) = (plain_category(first), plain_category(second));
            let which = match (first_released, second_released) {
                (true, true) => "send both".to_string(),
                (true, false) => format!("send only {a}"),
                (false, true) => format!("send only {b}"),
                (false, false) => "send neither".to_string(),
            };
            format!("Of {a} and {b}, {which}.")
        }
    }
}

/// Half the questions (drawn from the id) frame every option alike, so
/// that in them no option's opening words differ from another's.
pub(crate) fn framed(text: &str, question_id: &str) -> String {
    if draw(&[question_id, "frame"]).is_multiple_of(2) {
        return text.to_string();
    }
    let mut chars = text.chars();
    let rest: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("Best course — {rest}")
}

fn until(kind: RemedyKind) -> &'static [&'static str] {
    match kind {
        RemedyKind::ObtainAuthorization => {
            &["Get the client's signed authorization before sharing it.", "Only once a written authorization is signed, share it."]
        }
        RemedyKind::ObtainPart2Consent => {
            &["Get a signed Part 2 consent from the client first.", "Only after a Part 2 consent is signed may it go out."]
        }
        RemedyKind::ObtainCourtOrder => {
            &["Tell the requester to come back with a court order.", "Not without a judge's order; ask them for one first."]
        }
        RemedyKind::ObtainPart2CourtOrder => {
            &["Insist on a court order issued under 42 CFR 2.64.", "Nothing goes until a 2.64 court order is issued."]
        }
        RemedyKind::AskClient => {
            &["Ask the client first; share it only if they agree.", "Check with the client, and share only with their OK."]
        }
        RemedyKind::ObtainSatisfactoryAssurance => {
            &["Require written assurance that the client got notice.", "Get proof the client was notified, then share it."]
        }
        RemedyKind::VerifyIdentity => {
            &["Confirm who is asking, and their authority, first.", "Verify the requester's identity before sharing it."]
        }
        RemedyKind::OfferProfessionalReview => {
            &["Refuse, but offer a review by another professional.", "Offer another clinician's review of this refusal."]
        }
        RemedyKind::ObtainWrittenRequest => {
            &["Require the signed written request 56.104 demands.", "Ask the plan for its signed 56.104 request first."]
        }
    }
}

fn obligation_phrase(outcome: Outcome, obligation: ObligationKind, applies: bool, seed: &str) -> String {
    let second = draw(&[seed, "lead"]) % 2 == 1;
    let lead = match (outcome, second) {
        (Outcome::Required, false) => "You must share it",
        (Outcome::Required, true) => "The law makes you share it",
        (Outcome::Permit, false) => "You may share it",
        (Outcome::Permit, true) => "It is yours to share or not",
        (Outcome::Deny, _) => "Do not share it",
    };
    let tail = match (obligation, applies) {
        (ObligationKind::MinimumNecessary, true) => ", cut to the minimum the purpose needs.",
        (ObligationKind::MinimumNecessary, false) => "; the minimum-necessary limit does not apply.",
        (ObligationKind::RecordInAccounting, true) => ", and log it in the accounting of disclosures.",
        (ObligationKind::RecordInAccounting, false) => "; it needs no accounting-of-disclosures entry.",
        (_, true) => ", and meet that obligation.",
        (_, false) => "; that obligation does not apply.",
    };
    format!("{lead}{tail}")
}
