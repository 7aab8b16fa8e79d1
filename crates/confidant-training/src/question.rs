//! Questions: a situation from a template, run through the engine, becomes a
//! multiple-choice question whose key is the engine's decision for the asked
//! category and whose distractors are claims the engine shows wrong.
//!
//! Every option carries a [`Claim`] and a rationale, so "exactly one option
//! is correct" is checkable against the engine, now and after any rule
//! change ([`check_question`]), and every option explains itself by the rule
//! that decides it.

use confidant_policy::vocab::{Category, ObligationKind, Outcome, RemedyKind};
use confidant_policy::{Decision, Engine, EngineError, InputError, request_from_value};
use serde::Serialize;
use serde_json::Value;

use crate::claim::{Claim, obligation_applies, outcome_of, remedies_for};
use crate::hash::{draw, fnv1a};
use crate::misconceptions::{self, Misconception};
use crate::options::{framed, phrase};
use crate::rationale;
use crate::templates::{self, Situation};
use crate::topic::Topic;

/// One generated multiple-choice question.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// Stable: a hash of the template id and its parameters.
    pub id: String,
    /// The id of the template the situation came from.
    pub template: &'static str,
    /// The topic the question counts toward.
    pub topic: Topic,
    /// The situation and the question asked about it.
    pub stem: String,
    /// The answer options, shuffled; [`Question::key`] indexes them.
    pub options: Vec<String>,
    /// What each option claims, in option order.
    pub claims: Vec<Claim>,
    /// Why each option is right or wrong, in option order: the key's names
    /// the deciding rule and its cite; each distractor's, the rule that
    /// contradicts it or what would have to change.
    pub rationales: Vec<String>,
    /// Index of the correct option.
    pub key: usize,
    /// The category the question asks about.
    pub category: Category,
    /// The second category, for a question about which of two to release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_category: Option<Category>,
    /// A nudge toward the deciding rule without giving the answer.
    pub hint: String,
    /// The engine's explanation and the rules that fired, shown after answering.
    pub explanation: String,
    /// The provisions behind the key, from the engine's decision.
    pub cites: Vec<String>,
    /// The contract request the key was decided from (`confidant check` it).
    pub request: Value,
}

/// Why the bank could not be generated: a template that the engine refuses
/// or that yields no sound question is a defect, so it stops generation.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// The template edits a request field that does not exist.
    #[error("template `{template}`: no field at JSON pointer `{pointer}`")]
    Pointer {
        /// The template's id.
        template: &'static str,
        /// The JSON pointer that names no field.
        pointer: String,
    },
    /// The template's request is not a valid contract request.
    #[error("template `{template}`: request: {source}")]
    Request {
        /// The template's id.
        template: &'static str,
        /// What the request parser refused.
        source: InputError,
    },
    /// The engine could not decide the template's request.
    #[error("template `{template}`: engine: {source}")]
    Engine {
        /// The template's id.
        template: &'static str,
        /// The engine's error.
        source: EngineError,
    },
    /// The decision says nothing about the category the question asks.
    #[error("template `{template}`: the decision has no outcome for `{category}`")]
    NoOutcome {
        /// The template's id.
        template: &'static str,
        /// The asked category.
        category: Category,
    },
    /// Fewer than two distractors the engine shows wrong.
    #[error("template `{template}`: fewer than two wrong options")]
    TooFewDistractors {
        /// The template's id.
        template: &'static str,
    },
    /// The rule the situation was written to exercise did not fire.
    #[error("template `{template}`: rule `{rule}`, which the situation was written to exercise, did not fire")]
    NotGrounded {
        /// The template's id.
        template: &'static str,
        /// The rule id that should have fired.
        rule: &'static str,
    },
    /// Not exactly one of the template's statements holds, so there is no single key.
    #[error("template `{template}`: {count} of its statements hold, not exactly one")]
    NotOneKey {
        /// The template's id.
        template: &'static str,
        /// How many statements hold.
        count: usize,
    },
}

/// How many options a question has at most.
const MAX_OPTIONS: usize = 4;

/// Generates every question of every template, deciding each with `engine`.
pub fn generate_bank(engine: &Engine) -> Result<Vec<Question>, BankError> {
    templates::situations().into_iter().map(|s| build(engine, s)).collect()
}

/// Decides a question's (or template's) request.
fn decide(engine: &Engine, template: &'static str, request: &Value) -> Result<Decision, BankError> {
    let request = request_from_value(request, "").map_err(|source| BankError::Request { template, source })?;
    engine.decide(&request).map_err(|source| BankError::Engine { template, source })
}

/// Re-decides the question's request and checks that its key, and only its
/// key, is borne out by the engine's current decision.
pub fn check_question(engine: &Engine, question: &Question) -> Result<bool, BankError> {
    let decision = decide(engine, question.template, &question.request)?;
    Ok(question.claims.iter().enumerate().all(|(i, claim)| claim.holds(&decision, question.category) == (i == question.key)))
}

/// One candidate option before shuffling.
struct Candidate {
    claim: Claim,
    belief: Option<&'static str>,
    text: Option<String>,
}

pub(crate) fn build(engine: &Engine, s: Situation) -> Result<Question, BankError> {
    let template = s.template;
    if let Some(pointer) = s.pointer_errors.first() {
        return Err(BankError::Pointer { template, pointer: pointer.clone() });
    }
    let decision = decide(engine, template, &s.request)?;
    if let Some(rule) = s.grounds
        && !decision.rules.iter().any(|r| r.id == rule)
    {
        return Err(BankError::NotGrounded { template, rule });
    }
    let actual = outcome_of(&decision, s.category).ok_or(BankError::NoOutcome { template, category: s.category })?;
    let id = format!("q-{:016x}", fnv1a(&std::iter::once(template).chain(s.params.iter().map(String::as_str)).collect::<Vec<_>>()));

    let (key_claim, mut candidates) = if !s.statements.is_empty() {
        let holding: Vec<usize> =
            (0..s.statements.len()).filter(|&i| s.statements.get(i).is_some_and(|st| st.claim.holds(&decision, s.category))).collect();
        let [k] = holding[..] else {
            return Err(BankError::NotOneKey { template, count: holding.len() });
        };
        let mut all: Vec<Candidate> =
            s.statements.iter().map(|st| Candidate { claim: st.claim, belief: st.belief, text: Some(st.text.to_string()) }).collect();
        let key = all.remove(k);
        (key, all)
    } else if let Some(second) = s.second {
        release_candidates(&decision, s.category, second, template)?
    } else {
        let key = key_claim(&decision, s.category, actual, s.focus, &id);
        let mut beliefs: Vec<Misconception> = s.misconceptions.clone();
        beliefs.extend(misconceptions::generic());
        let mut list: Vec<Candidate> = beliefs
            .into_iter()
            .map(|m| Candidate { claim: lift(m.claim, s.focus, &decision, s.category), belief: Some(m.belief), text: None })
            .collect();
        list.extend(
            systematic(&key, s.focus, s.request.pointer("/client/part2_program") == Some(&Value::Bool(true)), &id)
                .into_iter()
                .map(|claim| Candidate { claim, belief: None, text: None }),
        );
        (Candidate { claim: key, belief: None, text: None }, list)
    };

    // Keep only claims the engine contradicts, each once, up to the limit.
    let mut options: Vec<Candidate> = vec![key_claim];
    for c in candidates.drain(..) {
        if options.len() >= MAX_OPTIONS {
            break;
        }
        if c.claim.holds(&decision, s.category) || options.iter().any(|o| o.claim == c.claim && o.text == c.text) {
            continue;
        }
        options.push(c);
    }
    if options.len() < 3 {
        return Err(BankError::TooFewDistractors { template });
    }

    // A fixed shuffle seeded by the id: the same order on every run, the key
    // in no fixed place.
    let mut order: Vec<(u64, usize)> = (0..options.len()).map(|i| (draw(&[&id, "position", &i.to_string()]), i)).collect();
    order.sort_unstable();
    let mut texts = Vec::with_capacity(options.len());
    let mut claims = Vec::with_capacity(options.len());
    let mut rationales = Vec::with_capacity(options.len());
    let mut key = 0;
    for (pos, (_, original)) in order.iter().enumerate() {
        let Some(c) = options.get(*original) else { continue };
        if *original == 0 {
            key = pos;
            rationales.push(rationale::for_key(&c.claim, &decision, s.category));
        } else {
            rationales.push(rationale::for_distractor(&c.claim, &decision, s.category, c.belief));
        }
        let text = match &c.text {
            Some(statement) => statement.clone(),
            None if matches!(c.claim, Claim::Release { .. }) => phrase(&c.claim, &id),
            None => framed(&phrase(&c.claim, &format!("{id}/{original}")), &id),
        };
        texts.push(text);
        claims.push(c.claim);
    }

    let mut cites: Vec<String> = Vec::new();
    for cat in std::iter::once(s.category).chain(s.second) {
        if let Some(asked) = decision.categories.iter().find(|c| c.category == cat) {
            for cite in &asked.cites {
                push_unique(&mut cites, cite.clone());
            }
        }
    }
    for rule in &decision.rules {
        push_unique(&mut cites, rule.cite.clone());
    }
    let rules: Vec<String> = decision.rules.iter().map(|r| format!("{} ({}): {}", r.id, r.cite, r.summary)).collect();
    let mut explanation = format!("{}\nRules that fired: {}", decision.explanation, rules.join("; "));
    if let Some(card) = s.card.and_then(|id| crate::flashcards::flashcards().into_iter().find(|c| c.id == id)) {
        explanation.push_str(&format!("\nConcept ({}): {}", card.front, card.back));
        for cite in card.cites {
            push_unique(&mut cites, (*cite).to_string());
        }
    }

    Ok(Question {
        id,
        template,
        topic: s.topic,
        stem: s.stem,
        options: texts,
        claims,
        rationales,
        key,
        category: s.category,
        second_category: s.second,
        hint: s.hint,
        explanation,
        cites,
        request: s.request,
    })
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The key for a one-category question: the outcome, with the remedy the
/// engine offers for a denial (or none), or the focused obligation.
fn key_claim(decision: &Decision, category: Category, actual: Outcome, focus: Option<ObligationKind>, id: &str) -> Claim {
    match (actual, focus) {
        (Outcome::Deny, _) => {
            let offered = remedies_for(decision, category);
            let pick = usize::try_from(draw(&[id, "remedy"]) % (offered.len().max(1) as u64)).unwrap_or(0);
            Claim::Outcome { outcome: Outcome::Deny, remedy: offered.get(pick).copied() }
        }
        (outcome, Some(obligation)) => {
            Claim::Obligation { outcome, obligation, applies: obligation_applies(decision, category, obligation) }
        }
        (outcome, None) => Claim::outcome(outcome),
    }
}

/// A misconception's claim in the question's form: on an obligation
/// question a released outcome also states the obligation, the wrong way
/// round from the decision when the outcome itself is right.
fn lift(claim: Claim, focus: Option<ObligationKind>, decision: &Decision, category: Category) -> Claim {
    match (claim, focus) {
        (Claim::Outcome { outcome, .. }, Some(obligation)) if outcome != Outcome::Deny => {
            let applies = obligation_applies(decision, category, obligation);
            let same = outcome_of(decision, category) == Some(outcome);
            Claim::Obligation { outcome, obligation, applies: if same { !applies } else { applies } }
        }
        _ => claim,
    }
}

/// Every other claim of the question's form, in an order drawn from the id.
fn systematic(key: &Claim, focus: Option<ObligationKind>, part2: bool, id: &str) -> Vec<Claim> {
    let mut out: Vec<Claim> = Vec::new();
    let released = [Outcome::Required, Outcome::Permit];
    match focus {
        Some(obligation) => {
            for outcome in released {
                for applies in [true, false] {
                    out.push(Claim::Obligation { outcome, obligation, applies });
                }
            }
        }
        None => out.extend(released.map(Claim::outcome)),
    }
    out.push(Claim::outcome(Outcome::Deny));
    let mut remedies: Vec<RemedyKind> = vec![RemedyKind::ObtainAuthorization, RemedyKind::AskClient, RemedyKind::ObtainCourtOrder];
    if part2 {
        remedies.extend([RemedyKind::ObtainPart2Consent, RemedyKind::ObtainPart2CourtOrder]);
    }
    let turn = usize::try_from(draw(&[id, "distractors"]) % remedies.len() as u64).unwrap_or(0);
    remedies.rotate_left(turn);
    // In a Part 2 program the consent is what people reach for first, so it
    // is a wrong option whenever it is not the key (and never only the key).
    if part2 {
        remedies.retain(|k| *k != RemedyKind::ObtainPart2Consent);
        remedies.insert(0, RemedyKind::ObtainPart2Consent);
    }
    let mut until: Vec<Claim> = remedies.into_iter().map(Claim::deny_until).collect();
    // Which kinds come first also turns with the id, so no kind of wrong
    // option is always present.
    if draw(&[id, "kinds"]).is_multiple_of(2) {
        until.append(&mut out);
        out = until;
    } else {
        out.append(&mut until);
    }
    out.retain(|c| c != key);
    out
}

/// The four ways of releasing two categories; the key is the engine's.
fn release_candidates(
    decision: &Decision,
    first: Category,
    second: Category,
    template: &'static str,
) -> Result<(Candidate, Vec<Candidate>), BankError> {
    let mut all: Vec<Claim> = Vec::new();
    for first_released in [true, false] {
        for second_released in [true, false] {
            all.push(Claim::Release { first, first_released, second, second_released });
        }
    }
    let k = all.iter().position(|c| c.holds(decision, first)).ok_or(BankError::NoOutcome { template, category: second })?;
    let key = all.remove(k);
    Ok((
        Candidate { claim: key, belief: None, text: None },
        all.into_iter().map(|claim| Candidate { claim, belief: None, text: None }).collect(),
    ))
}
