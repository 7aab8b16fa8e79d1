//! What an option asserts about the engine's decision, and whether the
//! decision bears it out. Every option of every question carries one, so
//! "exactly one option is right" is checkable against the engine at any time.

use confidant_policy::Decision;
use confidant_policy::vocab::{Category, ObligationKind, Outcome, RemedyKind};
use serde::Serialize;

/// One option's assertion about the decision for the question's category
/// (or, for [`Claim::Release`], its two categories).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Claim {
    /// The outcome. For a denial, `remedy` is what the option says would
    /// open the information: `None` claims that nothing the engine checks
    /// (authorization, consent, order, the client's agreement, …) would.
    Outcome {
        /// The outcome claimed for the category.
        outcome: Outcome,
        /// For a denial, the remedy claimed to open the category.
        #[serde(skip_serializing_if = "Option::is_none")]
        remedy: Option<RemedyKind>,
    },
    /// Withheld now, whatever might open it later.
    Withheld,
    /// The outcome and whether an obligation applies to the category.
    Obligation {
        /// The outcome claimed for the category.
        outcome: Outcome,
        /// The obligation the claim is about.
        obligation: ObligationKind,
        /// Whether the claim says the obligation applies to the category.
        applies: bool,
    },
    /// Which of two categories are released.
    Release {
        /// The first category.
        first: Category,
        /// Whether the claim says the first category is released.
        first_released: bool,
        /// The second category.
        second: Category,
        /// Whether the claim says the second category is released.
        second_released: bool,
    },
}

impl Claim {
    pub(crate) const fn outcome(outcome: Outcome) -> Claim {
        Claim::Outcome { outcome, remedy: None }
    }

    pub(crate) const fn deny_until(remedy: RemedyKind) -> Claim {
        Claim::Outcome { outcome: Outcome::Deny, remedy: Some(remedy) }
    }

    /// Whether the decision bears the claim out for `category` (the
    /// question's category; a [`Claim::Release`] names its own two).
    pub fn holds(&self, decision: &Decision, category: Category) -> bool {
        match *self {
            Claim::Outcome { outcome, remedy } => {
                outcome_of(decision, category) == Some(outcome)
                    && (outcome != Outcome::Deny
                        || match remedy {
                            None => remedies_for(decision, category).is_empty(),
                            Some(kind) => remedies_for(decision, category).contains(&kind),
                        })
            }
            Claim::Withheld => outcome_of(decision, category) == Some(Outcome::Deny),
            Claim::Obligation { outcome, obligation, applies } => {
                outcome_of(decision, category) == Some(outcome) && obligation_applies(decision, category, obligation) == applies
            }
            Claim::Release { first, first_released, second, second_released } => {
                released(decision, first) == Some(first_released) && released(decision, second) == Some(second_released)
            }
        }
    }
}

/// The decision's outcome for one category.
pub(crate) fn outcome_of(decision: &Decision, category: Category) -> Option<Outcome> {
    decision.categories.iter().find(|c| c.category == category).map(|c| c.outcome)
}

pub(crate) fn released(decision: &Decision, category: Category) -> Option<bool> {
    outcome_of(decision, category).map(|o| o != Outcome::Deny)
}

/// The remedies the engine checked would release `category`.
pub(crate) fn remedies_for(decision: &Decision, category: Category) -> Vec<RemedyKind> {
    decision.remedies.iter().filter(|r| r.categories.contains(&category)).map(|r| r.kind).collect()
}

pub(crate) fn obligation_applies(decision: &Decision, category: Category, kind: ObligationKind) -> bool {
    decision.obligations.iter().any(|o| o.kind == kind && o.categories.contains(&category))
}
