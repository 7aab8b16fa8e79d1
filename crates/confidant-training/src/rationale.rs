//! Why each option is right or wrong, in the engine's own terms: the key's
//! rationale names the rule that decided (id and cite); a distractor's names
//! the rule that contradicts it, or the missing paperwork or fact that would
//! make it right (from the engine's checked remedies).

use confidant_policy::vocab::{Category, Effect, Layer, ObligationKind, Outcome, RemedyKind};
use confidant_policy::{Decision, FiredRule, obligation_detail, plain_category, remedy_detail};

use crate::claim::{Claim, obligation_applies, outcome_of, remedies_for};

/// `id (cite)`, how every rationale names a rule.
pub(crate) fn name(rule: &FiredRule) -> String {
    format!("{} ({})", rule.id, rule.cite)
}

/// The rule that decided `category`: for a release the releasing rule
/// (a requiring one when required); for a denial the one whose summary is
/// the engine's reason, else a forbidding or advising rule it cites.
pub(crate) fn deciding_rule(decision: &Decision, category: Category) -> Option<&FiredRule> {
    let asked = decision.categories.iter().find(|c| c.category == category)?;
    let cited = |r: &&FiredRule| r.cited_in(&asked.cites);
    let rules = || decision.rules.iter().map(AsRef::as_ref).filter(cited);
    let wanted: &[Effect] = match asked.outcome {
        Outcome::Required => &[Effect::Require],
        Outcome::Permit => &[Effect::Permit, Effect::Require],
        Outcome::Deny => &[Effect::Forbid, Effect::Advise],
    };
    let by_reason = asked.reason.as_ref().and_then(|reason| rules().find(|r| &r.summary == reason));
    // Every law layer that applies must allow a release, so the one that
    // decides it is the most specific: Part 2 over HIPAA, a state's over both.
    let specificity = |layer: Layer| match layer {
        Layer::Hipaa | Layer::Organization => 0,
        Layer::Part2 => 1,
        Layer::California | Layer::State => 2,
    };
    by_reason
        .or_else(|| rules().filter(|r| wanted.contains(&r.effect)).min_by_key(|r| std::cmp::Reverse(specificity(r.layer))))
        .or_else(|| rules().next())
        .or_else(|| decision.rules.first().map(AsRef::as_ref))
}

/// What the deciding rule does to the category, with its words.
fn ruling(decision: &Decision, category: Category) -> String {
    let Some(rule) = deciding_rule(decision, category) else {
        return "no rule fired for it".to_string();
    };
    let reason =
        decision.categories.iter().find(|c| c.category == category).and_then(|c| c.reason.clone()).unwrap_or_else(|| rule.summary.clone());
    let verb = match outcome_of(decision, category) {
        Some(Outcome::Required) => "requires it",
        Some(Outcome::Permit) => "allows it",
        _ => "withholds it",
    };
    format!("{} {verb}: {}", name(rule), trim(&reason))
}

fn trim(text: &str) -> &str {
    text.trim_end_matches('.')
}

fn remedy_short(kind: RemedyKind) -> &'static str {
    match kind {
        RemedyKind::ObtainAuthorization => "A signed authorization",
        RemedyKind::ObtainPart2Consent => "A Part 2 consent",
        RemedyKind::ObtainCourtOrder => "A court order",
        RemedyKind::ObtainPart2CourtOrder => "A 42 CFR 2.64 court order",
        RemedyKind::AskClient => "The client's agreement",
        RemedyKind::ObtainSatisfactoryAssurance => "Assurance that the client had notice",
        RemedyKind::VerifyIdentity => "Verifying the requester",
        RemedyKind::OfferProfessionalReview => "A review by another professional",
        RemedyKind::ObtainWrittenRequest => "A signed 56.104 written request",
    }
}

/// What the engine says would open a withheld category, or that nothing would.
fn what_would_open(decision: &Decision, category: Category) -> String {
    match remedies_for(decision, category).first() {
        Some(kind) => format!(" What would open it: {}", remedy_detail(*kind)),
        None => " Nothing the engine can check for (authorization, consent, order, the client's agreement) would open it.".to_string(),
    }
}

fn obligation_words(kind: ObligationKind) -> &'static str {
    match kind {
        ObligationKind::MinimumNecessary => "the minimum-necessary limit",
        ObligationKind::RecordInAccounting => "an accounting-of-disclosures entry",
        _ => "that obligation",
    }
}

/// The rule that imposes `kind` on the category, when one does.
fn obligating_rule(decision: &Decision, category: Category, kind: ObligationKind) -> Option<&FiredRule> {
    let ob = decision.obligations.iter().find(|o| o.kind == kind && o.categories.contains(&category))?;
    ob.rules.iter().find_map(|id| decision.rules.iter().map(AsRef::as_ref).find(|r| &r.id == id))
}

/// The key's rationale.
pub(crate) fn for_key(claim: &Claim, decision: &Decision, category: Category) -> String {
    match *claim {
        Claim::Release { first, second, .. } => {
            format!(
                "Right. For {}: {}. For {}: {}.",
                plain_category(first),
                ruling(decision, first),
                plain_category(second),
                ruling(decision, second)
            )
        }
        Claim::Outcome { outcome: Outcome::Deny, remedy } => {
            let open = match remedy {
                Some(kind) => format!(" What would open it: {}", remedy_detail(kind)),
                None => what_would_open(decision, category),
            };
            format!("Right. {}.{open}", ruling(decision, category))
        }
        Claim::Withheld => format!("Right. {}.{}", ruling(decision, category), what_would_open(decision, category)),
        Claim::Obligation { obligation, applies, .. } => {
            let extra = match (applies, obligating_rule(decision, category, obligation)) {
                (true, Some(rule)) => format!(" And {} adds: {}", name(rule), obligation_detail(obligation)),
                _ => format!(" No rule that fired imposes {} on this disclosure.", obligation_words(obligation)),
            };
            format!("Right. {}.{extra}", ruling(decision, category))
        }
        Claim::Outcome { .. } => format!("Right. {}.", ruling(decision, category)),
    }
}

/// A distractor's rationale: what in the engine's decision contradicts it,
/// after the misconception it rests on, when the template named one.
pub(crate) fn for_distractor(claim: &Claim, decision: &Decision, category: Category, belief: Option<&str>) -> String {
    let lead = match belief {
        Some(b) => format!("Wrong: this assumes {}. ", trim(b)),
        None => "Wrong. ".to_string(),
    };
    format!("{lead}{}", contradiction(claim, decision, category))
}

fn contradiction(claim: &Claim, decision: &Decision, category: Category) -> String {
    let actual = outcome_of(decision, category);
    let released = matches!(actual, Some(Outcome::Required | Outcome::Permit));
    match *claim {
        Claim::Release { first, first_released, second, second_released } => {
            let mut parts = Vec::new();
            for (cat, claimed) in [(first, first_released), (second, second_released)] {
                if crate::claim::released(decision, cat) != Some(claimed) {
                    parts.push(format!("for {}, {}.", plain_category(cat), ruling(decision, cat)));
                }
            }
            capitalize(&parts.join(" And "))
        }
        Claim::Outcome { outcome: Outcome::Deny, .. } | Claim::Obligation { outcome: Outcome::Deny, .. } | Claim::Withheld if released => {
            format!("There is nothing to wait for: {}.", ruling(decision, category))
        }
        Claim::Outcome { outcome: Outcome::Deny, remedy: None } | Claim::Withheld => {
            let open = remedies_for(decision, category).first().map_or_else(String::new, |k| format!(" {}", remedy_detail(*k)));
            format!("It can be opened: {}.{open}", ruling(decision, category))
        }
        Claim::Outcome { outcome: Outcome::Deny, remedy: Some(kind) } => {
            format!("{} would not open it here: {}.{}", remedy_short(kind), ruling(decision, category), what_would_open(decision, category))
        }
        Claim::Outcome { .. } | Claim::Obligation { .. } if !released => {
            format!("In fact {}.{}", ruling(decision, category), what_would_open(decision, category))
        }
        Claim::Outcome { outcome: Outcome::Required, .. } | Claim::Obligation { outcome: Outcome::Required, .. }
            if actual == Some(Outcome::Permit) =>
        {
            format!("Nothing requires it; the choice is yours: {}.", ruling(decision, category))
        }
        Claim::Outcome { outcome: Outcome::Permit, .. } | Claim::Obligation { outcome: Outcome::Permit, .. }
            if actual == Some(Outcome::Required) =>
        {
            format!("It is not optional: {}.", ruling(decision, category))
        }
        Claim::Obligation { obligation, applies, .. } => {
            let imposed = obligation_applies(decision, category, obligation);
            match (applies, obligating_rule(decision, category, obligation)) {
                (false, Some(rule)) if imposed => format!("{} imposes it: {}", name(rule), obligation_detail(obligation)),
                _ => format!("In fact {}, and no rule that fired adds {}.", ruling(decision, category), obligation_words(obligation)),
            }
        }
        Claim::Outcome { .. } => format!("In fact {}.", ruling(decision, category)),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
