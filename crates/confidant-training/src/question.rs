//! Questions: a situation from a template, run through the engine, becomes a
//! multiple-choice question whose key is the engine's decision for the asked
//! category and whose distractors are misconceptions the engine shows wrong.
//!
//! Every option carries a [`Claim`] — an outcome and, for some topics, whether
//! an obligation applies — so "exactly one option is correct" is checkable
//! against the engine, now and after any rule change ([`check_question`]).

use confidant_policy::vocab::{Category, ObligationKind, Outcome};
use confidant_policy::{Decision, Engine, EngineError, InputError, request_from_value};
use serde::Serialize;
use serde_json::Value;

use crate::hash::fnv1a;
use crate::misconceptions::{self, Misconception};
use crate::templates::{self, Situation};
use crate::topic::Topic;

/// What an option asserts about the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Claim {
    /// The outcome for the asked category.
    pub outcome: Outcome,
    /// Whether this obligation applies to the asked category, when the option says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obligation: Option<ObligationKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obligation_applies: Option<bool>,
}

impl Claim {
    pub fn outcome(outcome: Outcome) -> Claim {
        Claim { outcome, obligation: None, obligation_applies: None }
    }

    pub fn with_obligation(outcome: Outcome, kind: ObligationKind, applies: bool) -> Claim {
        Claim { outcome, obligation: Some(kind), obligation_applies: Some(applies) }
    }

    /// Whether the decision bears the claim out for `category`.
    pub fn holds(&self, decision: &Decision, category: Category) -> bool {
        let Some(actual) = decision.categories.iter().find(|c| c.category == category) else {
            return false;
        };
        if actual.outcome != self.outcome {
            return false;
        }
        match (self.obligation, self.obligation_applies) {
            (Some(kind), Some(applies)) => obligation_applies(decision, category, kind) == applies,
            _ => true,
        }
    }
}

fn obligation_applies(decision: &Decision, category: Category, kind: ObligationKind) -> bool {
    decision.obligations.iter().any(|o| o.kind == kind && o.categories.contains(&category))
}

/// One generated multiple-choice question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Stable: a hash of the template id and its parameters.
    pub id: String,
    pub template: &'static str,
    pub topic: Topic,
    pub stem: String,
    pub options: Vec<String>,
    /// What each option claims, in option order.
    pub claims: Vec<Claim>,
    /// Index of the correct option.
    pub key: usize,
    /// The category the question asks about.
    pub category: Category,
    pub hint: String,
    pub explanation: String,
    pub cites: Vec<String>,
    /// The contract request the key was decided from (`confidant check` it).
    pub request: Value,
}

/// Why the bank could not be generated: a template that the engine refuses
/// or that yields no sound question is a defect, so it stops generation.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("template `{template}`: request: {source}")]
    Request { template: &'static str, source: InputError },
    #[error("template `{template}`: engine: {source}")]
    Engine { template: &'static str, source: EngineError },
    #[error("template `{template}`: the decision has no outcome for `{category}`")]
    NoOutcome { template: &'static str, category: Category },
    #[error("template `{template}`: fewer than two wrong options")]
    TooFewDistractors { template: &'static str },
}

/// How many options a question has at most.
const MAX_OPTIONS: usize = 4;

/// Generates every question of every template, deciding each with `engine`.
pub fn generate_bank(engine: &Engine) -> Result<Vec<Question>, BankError> {
    templates::situations().into_iter().map(|s| build(engine, s)).collect()
}

/// Re-decides the question's request and checks that its key, and only its
/// key, is borne out by the engine's current decision.
pub fn check_question(engine: &Engine, question: &Question) -> Result<bool, BankError> {
    let template = question.template;
    let request = request_from_value(&question.request, "").map_err(|source| BankError::Request { template, source })?;
    let decision = engine.decide(&request).map_err(|source| BankError::Engine { template, source })?;
    Ok(question
        .claims
        .iter()
        .enumerate()
        .all(|(i, claim)| claim.holds(&decision, question.category) == (i == question.key)))
}

fn build(engine: &Engine, s: Situation) -> Result<Question, BankError> {
    let template = s.template;
    let request = request_from_value(&s.request, "").map_err(|source| BankError::Request { template, source })?;
    let decision = engine.decide(&request).map_err(|source| BankError::Engine { template, source })?;
    let asked = decision
        .categories
        .iter()
        .find(|c| c.category == s.category)
        .ok_or(BankError::NoOutcome { template, category: s.category })?;

    let key_claim = match s.focus {
        Some(kind) => Claim::with_obligation(asked.outcome, kind, obligation_applies(&decision, s.category, kind)),
        None => Claim::outcome(asked.outcome),
    };
    let key_text = format!("{} — {}", misconceptions::claim_lead(&key_claim), reason(&decision, s.category));

    // Distractors: the template's misconceptions first, then the generic ones;
    // each kept only when the engine shows it wrong for this request.
    let mut options: Vec<(String, Claim)> = vec![(key_text, key_claim)];
    let candidates: Vec<Misconception> = s.misconceptions.iter().cloned().chain(misconceptions::generic(&key_claim)).collect();
    for m in candidates {
        if options.len() >= MAX_OPTIONS {
            break;
        }
        if m.claim.holds(&decision, s.category) || options.iter().any(|(t, _)| *t == m.text) {
            continue;
        }
        options.push((m.text, m.claim));
    }
    if options.len() < 3 {
        return Err(BankError::TooFewDistractors { template });
    }

    let id = format!("q-{:016x}", fnv1a(&std::iter::once(template).chain(s.params.iter().map(String::as_str)).collect::<Vec<_>>()));
    // A fixed shuffle per id, so the key is not always first but the order
    // is the same on every run.
    let mut order: Vec<(u64, usize)> = (0..options.len()).map(|i| (fnv1a(&[&id, &i.to_string()]), i)).collect();
    order.sort_unstable();
    let mut texts = Vec::with_capacity(options.len());
    let mut claims = Vec::with_capacity(options.len());
    let mut key = 0;
    for (pos, (_, original)) in order.iter().enumerate() {
        if let Some((text, claim)) = options.get(*original) {
            if *original == 0 {
                key = pos;
            }
            texts.push(text.clone());
            claims.push(*claim);
        }
    }

    let mut cites: Vec<String> = asked.cites.clone();
    for rule in &decision.rules {
        if !cites.contains(&rule.cite) {
            cites.push(rule.cite.clone());
        }
    }
    let rules: Vec<String> = decision.rules.iter().map(|r| format!("{} ({}): {}", r.id, r.cite, r.summary)).collect();
    let explanation = format!("{}\nRules that fired: {}", decision.explanation, rules.join("; "));

    Ok(Question {
        id,
        template,
        topic: s.topic,
        stem: s.stem,
        options: texts,
        claims,
        key,
        category: s.category,
        hint: s.hint,
        explanation,
        cites,
        request: s.request,
    })
}

/// The engine's reason for the asked category, in the words of the rule
/// that decided it.
fn reason(decision: &Decision, category: Category) -> String {
    let Some(asked) = decision.categories.iter().find(|c| c.category == category) else {
        return String::new();
    };
    if let Some(reason) = &asked.reason {
        return reason.clone();
    }
    let wanted = match asked.outcome {
        Outcome::Required => &[confidant_policy::vocab::Effect::Require][..],
        _ => &[confidant_policy::vocab::Effect::Permit, confidant_policy::vocab::Effect::Require][..],
    };
    asked
        .cites
        .iter()
        .find_map(|cite| decision.rules.iter().find(|r| &r.cite == cite && wanted.contains(&r.effect)))
        .map(|r| r.summary.clone())
        .unwrap_or_else(|| "a rule allows it".to_string())
}
