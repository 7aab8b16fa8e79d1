//! Concept flashcards, written in our own words, each with the cites a
//! learner can look up. Their ids are fixed strings so progress survives edits
//! to the wording.

use serde::Serialize;

use crate::topic::Topic;

/// One concept card: a question on the front, our answer on the back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flashcard {
    /// Fixed id (`card-…`), the key of the learner's review state.
    pub id: &'static str,
    /// The topic the card counts toward.
    pub topic: Topic,
    /// The question shown first.
    pub front: &'static str,
    /// The answer, in our own words.
    pub back: &'static str,
    /// The provisions the answer rests on, as the engine cites them.
    pub cites: &'static [&'static str],
}

/// Every concept card.
pub fn flashcards() -> Vec<Flashcard> {
    use Topic::*;
    vec![
        Flashcard {
            id: "card-confidentiality",
            topic: ConsentAndAuthorization,
            front: "What is confidentiality?",
            back: "Your duty not to pass on what a client tells you or what is in their record, unless the client agrees or the law allows or requires it. It covers the fact that someone is a client at all.",
            cites: &["45 CFR 164.502(a)", "Cal. Civ. Code 56.10(a)"],
        },
        Flashcard {
            id: "card-why-confidentiality",
            topic: ConsentAndAuthorization,
            front: "Why does confidentiality exist?",
            back: "For the client: people tell the truth about their lives, and so get help, only when they trust it stays private. A broken confidence can cost a client their job, housing, relationships or safety, and can keep others from seeking care at all.",
            cites: &["45 CFR 164.502(a)", "Cal. Civ. Code 56.10(a)"],
        },
        Flashcard {
            id: "card-privilege",
            topic: ClientRights,
            front: "How is privilege different from confidentiality?",
            back: "Confidentiality is your everyday duty to keep information private. Privilege is the client's right to keep their psychotherapist from testifying or producing records in a legal case; the client holds it, and the therapist must claim it for them when a subpoena arrives.",
            cites: &["Cal. Evid. Code 1014", "Cal. Evid. Code 1015"],
        },
        Flashcard {
            id: "card-informed-consent",
            topic: ConsentAndAuthorization,
            front: "What makes consent informed?",
            back: "The client knows what will be shared, with whom, why, for how long, that they may say no or take it back, and what happens if they do — before they agree. Explain the limits of confidentiality at the start of services.",
            cites: &["45 CFR 164.508(c)", "45 CFR 164.520"],
        },
        Flashcard {
            id: "card-authorization-elements",
            topic: ConsentAndAuthorization,
            front: "What must a valid HIPAA authorization contain?",
            back: "A description of the information, who discloses it, who receives it, the purpose, an expiration date or event, the client's (or representative's) signature and date, and statements that it can be revoked, that treatment does not depend on signing, and that the recipient may pass it on. Missing any one, it does not count.",
            cites: &["45 CFR 164.508(c)(1)", "45 CFR 164.508(c)(2)", "45 CFR 164.508(b)(2)"],
        },
        Flashcard {
            id: "card-minimum-necessary",
            topic: MinimumNecessary,
            front: "What is the minimum-necessary standard?",
            back: "When a disclosure is allowed, share only what the purpose needs — not the whole record. It does not apply to treatment between providers, to the client, under an authorization, or to what the law requires.",
            cites: &["45 CFR 164.502(b)", "45 CFR 164.514(d)"],
        },
        Flashcard {
            id: "card-need-to-know",
            topic: MinimumNecessary,
            front: "What does need to know mean inside a program?",
            back: "Coworkers see a client's information only when their job with that client needs it. Working in the same building, or curiosity, is not a need to know.",
            cites: &["45 CFR 164.514(d)(2)", "org:minimum_necessary"],
        },
        Flashcard {
            id: "card-psychotherapy-notes",
            topic: PsychotherapyNotes,
            front: "How are psychotherapy notes different from the medical record?",
            back: "Psychotherapy notes are a therapist's own notes analysing session content, kept apart from the chart. The diagnosis, medications, treatment plan, progress and test results are the medical record, not psychotherapy notes. Psychotherapy notes need their own authorization, which cannot be combined with another.",
            cites: &["45 CFR 164.501", "45 CFR 164.508(a)(2)", "45 CFR 164.508(b)(3)(ii)"],
        },
        Flashcard {
            id: "card-mandated-reporting",
            topic: MandatedReporting,
            front: "What is mandated reporting?",
            back: "Certain professionals must report suspected child abuse, or elder and dependent adult abuse, to the named agency right away — confidentiality does not stop it. In California peer support specialists are not named reporters unless their employer designates them, but anyone may report.",
            cites: &["Cal. Penal Code 11166(a)", "Cal. Welf. & Inst. Code 15630(b)(1)", "45 CFR 164.512(b)(1)(ii)"],
        },
        Flashcard {
            id: "card-duty-to-protect",
            topic: DutyToProtect,
            front: "What is the duty to protect?",
            back: "When a client tells a psychotherapist of a serious threat of violence against a reasonably identifiable person, the therapist must make reasonable efforts to warn that person and the police. Other staff may disclose to prevent a serious and imminent threat, and should bring in a clinician at once.",
            cites: &["Cal. Civ. Code 43.92", "45 CFR 164.512(j)(1)(i)"],
        },
        Flashcard {
            id: "card-part2",
            topic: SubstanceUseRecords,
            front: "What does 42 CFR Part 2 protect, and how is it stricter?",
            back: "Records of federally assisted substance-use-disorder programs. Sharing needs a Part 2 consent or one of its own exceptions (medical emergency, audit, research, child-abuse initial report, a 2.64 court order). A subpoena alone, a HIPAA authorization, or a warrant is not enough, and a notice against redisclosure goes with what is shared.",
            cites: &["42 CFR 2.31", "42 CFR 2.51", "42 CFR 2.61", "42 CFR 2.64", "42 CFR 2.32"],
        },
        Flashcard {
            id: "card-accounting",
            topic: RecordsAndAccounting,
            front: "What is an accounting of disclosures?",
            back: "A client may ask for a list of disclosures of their information for the past six years that they did not sign for and that were not for treatment, payment or operations — for example to courts, police, public health, auditors or researchers. Each entry: date, recipient, what was shared, why.",
            cites: &["45 CFR 164.528"],
        },
        Flashcard {
            id: "card-restrictions",
            topic: ClientRights,
            front: "When does a client's request to restrict sharing bind the program?",
            back: "A program need not agree to a restriction, but once it agrees it must keep it (except for emergency treatment). It must honour a request not to tell a health plan about care the client paid for in full out of pocket.",
            cites: &["45 CFR 164.522(a)(1)", "45 CFR 164.522(a)(1)(vi)"],
        },
        Flashcard {
            id: "card-after-relationship",
            topic: AfterDischargeOrDeath,
            front: "Does confidentiality end when services end?",
            back: "No. It continues after discharge, and after death — under HIPAA for 50 years. A deceased client's personal representative stands in their place, and family involved in their care may hear what is relevant.",
            cites: &["45 CFR 164.502(f)", "45 CFR 164.510(b)(5)", "45 CFR 164.502(g)(4)"],
        },
        Flashcard {
            id: "card-family",
            topic: FamilyAndFriends,
            front: "When may you talk to a client's family or friends?",
            back: "When the client agrees or, present and given the chance, does not object — limited to what is relevant to that person's involvement in care. If the client cannot decide, use professional judgment about their best interest. Never over an objection.",
            cites: &["45 CFR 164.510(b)"],
        },
        Flashcard {
            id: "card-right-of-access",
            topic: ClientRights,
            front: "May a client see their own record?",
            back: "Yes: clients have a right to inspect and copy their records, with narrow exceptions (psychotherapy notes; a licensed professional's finding that access would endanger someone, which the client may have reviewed).",
            cites: &["45 CFR 164.524", "Cal. Health & Safety Code 123115"],
        },
    ]
}
