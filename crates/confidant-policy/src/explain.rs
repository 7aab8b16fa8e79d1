//! The plain-language explanation: one short sentence per group of categories
//! released or withheld for the same reason, naming the rule, then what to do
//! before sharing (obligations) and next (remedies). Written for a peer
//! support specialist, not a lawyer.

use crate::catalog::Rule;
use crate::decision::Decision;
use crate::engine::CategoryEvaluation;
use crate::request::Request;
use crate::vocab::{Category, ClientStatus, Effect, ObligationKind, RemedyKind};

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
        ObligationKind::RecordInAccounting => "Record this disclosure in the client's accounting of disclosures.",
        ObligationKind::VerifyIdentity => "Verify the recipient's identity and authority before sharing.",
        ObligationKind::RedisclosureNotice => "Send the Part 2 notice prohibiting redisclosure with the records (42 CFR 2.32).",
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
            "Only a Part 2 court order can open these records without consent: one issued under 42 CFR 2.64, or 2.65 when the records are sought to investigate or prosecute the client."
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

pub(crate) fn explain(request: &Request, decision: &Decision, evaluations: &[CategoryEvaluation], rules: &[Rule]) -> String {
    let mut groups: Vec<(Group, Vec<Category>)> = Vec::new();
    for eval in evaluations {
        let v = &eval.verdict;
        let group = if v.released {
            let primary = v.releasing.iter().copied().find(|&i| !v.required || rules.get(i).is_some_and(|r| r.effect == Effect::Require));
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
        text.push_str(match group.kind {
            GroupKind::Must => "You must share ",
            GroupKind::May => "You may share ",
            GroupKind::Not => "Do not share ",
        });
        join_plain(text, cats);
        text.push('.');
        if let Some(r) = group.rule.and_then(|i| rules.get(i)) {
            text.push(' ');
            text.push_str(r.plain_summary().trim_end_matches('.'));
            text.push_str(" (");
            text.push_str(&r.cite);
            text.push_str(").");
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
        let text = out.start();
        text.push_str("Next step: ");
        for (i, r) in decision.remedies.iter().enumerate() {
            if i > 0 {
                text.push_str(" Or: ");
            }
            text.push_str(&r.detail);
        }
    }
    let mut advice: Vec<&str> = Vec::new();
    for eval in evaluations {
        // A released category's releasing and obligate rules; a withheld
        // one's standing forbids and advise rules, whose advice names the
        // lawful way forward (for LPS records under a serious threat: bring
        // in the psychotherapist, call crisis or emergency services; for a
        // Part 2 consent that also names treatment: a consent of its own).
        let v = &eval.verdict;
        let withheld_by = (!v.released).then(|| v.blocking.iter().copied().chain(v.applicable_advice(rules))).into_iter().flatten();
        for i in v.obligating.iter().chain(&v.releasing).copied().chain(withheld_by) {
            if let Some(text) = rules.get(i).and_then(|r| r.advice.as_deref())
                && !advice.contains(&text)
            {
                advice.push(text);
            }
        }
    }
    for text in advice {
        out.start().push_str(text);
    }
    match request.client.status {
        ClientStatus::Discharged => out.start().push_str("Confidentiality does not end at discharge."),
        ClientStatus::Deceased => out.start().push_str("Confidentiality continues after death."),
        ClientStatus::Active => {}
    }
    if !decision.withhold.is_empty() {
        out.start().push_str("If you are unsure, ask your supervisor or privacy officer before sharing anything.");
    }
    out.text
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
