//! Evaluation: turn a validated request into Cedar requests (one per
//! category), collect the rules that fired, keep those of applicable layers,
//! and hand them to the combinator. The engine does no I/O.

use std::cell::{OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use cedar_policy::{Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, RestrictedExpression};

use crate::authorization::{self, Standing};
use crate::catalog::{Catalog, CatalogError, Rule};
use crate::combine::{self, Verdict};
use crate::decision::{self, Decision};
use crate::index::{self, DIMENSIONS, Point, dim};
use crate::request::{Facts, InputError, Request};
mod input;

use input::EvalInput;

use crate::vocab::{Category, ClientStatus, Fact, Jurisdiction, Layer, RemedyKind};

/// The decision engine: the parsed rule packs, shared by every decision.
#[derive(Debug)]
pub struct Engine {
    catalog: Catalog,
    authorizer: Authorizer,
    action: EntityUid,
    principal: EntityUid,
    information_type: EntityTypeName,
    memo: Mutex<HashMap<EvalInput, Arc<[usize]>, Fx>>,
    /// The working remedies of withheld inputs, memoized like the rules.
    remedy_memo: Mutex<HashMap<EvalInput, Arc<[RemedyKind]>, Fx>>,
    /// Policy sets of residual policies (those the index leaves to Cedar),
    /// by their bit set, built on first use.
    residual_sets: Mutex<HashMap<Vec<u64>, Arc<PolicySet>, Fx>>,
}

/// Why a request was not decided: a request naming what the loaded packs do
/// not cover ([`EngineError::Input`], the caller's), or a failure inside the
/// engine on a valid request (every other variant: a defect, never the user's).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request names something the loaded packs do not cover.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The rule packs did not load.
    #[error("rule catalog: {0}")]
    Catalog(#[from] CatalogError),
    /// Cedar refused the request built from a valid input.
    #[error("building the cedar request: {0}")]
    Request(String),
    /// Cedar could not evaluate a rule on this request.
    #[error("evaluating rule `{rule}`: {message}")]
    Evaluation {
        /// The rule's `@id`.
        rule: String,
        /// Cedar's error.
        message: String,
    },
}

/// The rules that fired for one category, after applicability.
#[derive(Clone, Debug)]
pub(crate) struct CategoryEvaluation {
    pub category: Category,
    pub verdict: Verdict,
    /// Every rule that fired (the decision's `rules` lists them all).
    pub fired: Arc<[usize]>,
    /// For a withheld category, the remedies that would release it, each
    /// checked by deciding again with the remedy applied.
    pub remedies: Vec<RemedyKind>,
}

impl Engine {
    /// Loads the embedded rule packs.
    pub fn new() -> Result<Engine, EngineError> {
        Engine::with_catalog(Catalog::load()?)
    }

    /// An engine over an already loaded catalog, e.g. the built-in packs
    /// with a packs directory laid over them ([`crate::packs::overlay`]).
    pub fn with_catalog(catalog: Catalog) -> Result<Engine, EngineError> {
        let uid = |ty: &str, id: &str| -> Result<EntityUid, EngineError> {
            let ty: EntityTypeName = ty.parse().map_err(|e: cedar_policy::ParseErrors| EngineError::Request(e.to_string()))?;
            Ok(EntityUid::from_type_name_and_id(ty, EntityId::new(id)))
        };
        Ok(Engine {
            catalog,
            authorizer: Authorizer::new(),
            action: uid("Action", "disclose")?,
            principal: uid("Discloser", "discloser")?,
            information_type: "Information".parse().map_err(|e: cedar_policy::ParseErrors| EngineError::Request(e.to_string()))?,
            memo: Mutex::new(HashMap::default()),
            remedy_memo: Mutex::new(HashMap::default()),
            residual_sets: Mutex::new(HashMap::default()),
        })
    }

    /// Every rule, in layer and file order.
    pub fn rules(&self) -> &[Rule] {
        self.catalog.rules()
    }

    /// The rule with this `@id`, if the catalog has one.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.catalog.rule(id)
    }

    /// The catalog the engine decides with (its rules, version and
    /// jurisdictions).
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Decides one request.
    pub fn decide(&self, request: &Request) -> Result<Decision, EngineError> {
        self.accepts(request)?;
        let standings = authorization::assess(request);
        let evaluations = self.evaluate(request, &standings)?;
        Ok(decision::assemble(request, &standings, &evaluations, &self.catalog))
    }

    /// Whether these packs can decide `request`: its jurisdiction is `US`,
    /// `US-CA` or a state a loaded pack declares. Otherwise it is bad input,
    /// naming `/jurisdiction`, as any unknown value is.
    pub fn accepts(&self, request: &Request) -> Result<(), InputError> {
        let known = self.catalog.jurisdictions();
        if known.contains(&request.jurisdiction) {
            return Ok(());
        }
        let names: Vec<String> = known.iter().map(|j| format!("`{j}`")).collect();
        Err(InputError::new(
            "/jurisdiction",
            format!("one of {} (the loaded packs declare no rules for `{}`)", names.join(", "), request.jurisdiction),
        ))
    }

    /// Runs the rules for every requested category.
    pub(crate) fn evaluate(&self, request: &Request, standings: &[Standing]) -> Result<Vec<CategoryEvaluation>, EngineError> {
        let mut out = Vec::with_capacity(request.categories.len());
        let scratch = Scratch::default();
        for &category in &request.categories {
            let input = EvalInput::new(request, standings, category, &self.catalog);
            let fired = self.fired(&input, &scratch)?;
            let verdict = combine::combine(&self.catalog.rules, &fired);
            let remedies = if verdict.released { Vec::new() } else { self.remedies_memoized(&input, &verdict, &scratch)?.to_vec() };
            out.push(CategoryEvaluation { category, verdict, fired, remedies });
        }
        Ok(out)
    }

    fn remedies_memoized(&self, input: &EvalInput, verdict: &Verdict, scratch: &Scratch) -> Result<Arc<[RemedyKind]>, EngineError> {
        if let Some(hit) = self.remedy_memo.lock().ok().and_then(|m| m.get(input).cloned()) {
            return Ok(hit);
        }
        let remedies: Arc<[RemedyKind]> = self.working_remedies(input, verdict, |i| self.fired(i, scratch).map(|f| f.to_vec()))?.into();
        if let Ok(mut memo) = self.remedy_memo.lock() {
            if memo.len() >= MEMO_CAPACITY {
                memo.clear();
            }
            memo.insert(input.clone(), remedies.clone());
        }
        Ok(remedies)
    }

    /// The remedies for a withheld category that would actually release it
    /// (`spec/rules.md` §1.6; issue: "a remedy must be something that, done,
    /// makes the disclosure lawful"). Candidates are the remedies the
    /// blocking and advising rules name, plus a Part 2 consent wherever Part 2
    /// applies (for Part 2 records an authorization or the client's word is
    /// never enough); each is applied to the evaluation input and decided
    /// again. A professional review is kept as offered: it reviews the denial
    /// rather than releasing to this recipient.
    fn working_remedies(
        &self,
        input: &EvalInput,
        verdict: &Verdict,
        fired: impl Fn(&EvalInput) -> Result<Vec<usize>, EngineError>,
    ) -> Result<Vec<RemedyKind>, EngineError> {
        if verdict.released {
            return Ok(Vec::new());
        }
        let mut candidates: Vec<RemedyKind> = Vec::new();
        for (kind, _) in verdict.remedies(&self.catalog.rules) {
            if !candidates.contains(&kind) {
                candidates.push(kind);
            }
        }
        if input.part2_program && !candidates.contains(&RemedyKind::ObtainPart2Consent) {
            candidates.push(RemedyKind::ObtainPart2Consent);
        }
        let releases = |remedies: &[RemedyKind]| -> Result<bool, EngineError> {
            let mut changed = input.clone();
            for remedy in remedies {
                changed.apply(*remedy);
            }
            Ok(combine::combine(&self.catalog.rules, &fired(&changed)?).released)
        };
        let mut working = Vec::new();
        // Nobody can ask a client who has died. (A client who objected may
        // still be asked: agreement given later is what would release.)
        candidates.retain(|k| !(*k == RemedyKind::AskClient && input.status == ClientStatus::Deceased));
        // Nor can a form be asked of nobody.
        candidates.retain(|k| !(*k == RemedyKind::ObtainAuthorization && input.nobody_may_sign));
        candidates.retain(|k| !(*k == RemedyKind::ObtainPart2Consent && input.nobody_may_consent));
        // A Part 2 order already in hand is not a next step; what it lacks
        // (a mandate that compels, 42 CFR 2.61(a)) is obtain_court_order.
        candidates.retain(|k| !(*k == RemedyKind::ObtainPart2CourtOrder && input.facts.get(Fact::Part2CourtOrder)));
        // HIPAA takes psychotherapy notes out of the right of access, and its
        // denial is not reviewable (45 CFR 164.524(a)(1)(i), (a)(2)(i));
        // California gives access to them, with its own review (ca.access).
        candidates.retain(|k| {
            !(*k == RemedyKind::OfferProfessionalReview
                && input.category == Category::PsychotherapyNotes
                && input.jurisdiction == Jurisdiction::Us)
        });
        for kind in candidates {
            if kind == RemedyKind::OfferProfessionalReview || releases(&[kind])? {
                working.push(kind);
            }
        }
        // Psychotherapy notes of a Part 2 client need both documents: the
        // notes' own HIPAA authorization and the Part 2 consent. They are
        // offered beside an order that would do (a client may sign where a
        // court has not yet ruled).
        let pair = [RemedyKind::ObtainAuthorization, RemedyKind::ObtainPart2Consent];
        if !working.contains(&RemedyKind::ObtainAuthorization)
            && !working.contains(&RemedyKind::ObtainPart2Consent)
            && input.part2_program
            && !input.nobody_may_sign
            && !input.nobody_may_consent
            && input.category == Category::PsychotherapyNotes
            && releases(&pair)?
        {
            working.extend(pair);
        }
        Ok(working)
    }

    /// The applicable rules that fire for one evaluation input, memoized:
    /// rule evaluation is a pure function of [`EvalInput`], and the same
    /// questions recur all day in a program.
    fn fired(&self, input: &EvalInput, scratch: &Scratch) -> Result<Arc<[usize]>, EngineError> {
        if let Some(hit) = self.memo.lock().ok().and_then(|m| m.get(input).cloned()) {
            return Ok(hit);
        }
        let fired: Arc<[usize]> = self.evaluate_rules(input, scratch)?.into();
        if let Ok(mut memo) = self.memo.lock() {
            if memo.len() >= MEMO_CAPACITY {
                memo.clear();
            }
            memo.insert(input.clone(), fired.clone());
        }
        Ok(fired)
    }

    /// The applicable rules that fire, without the memo: the index decides
    /// the policies it analysed exactly, Cedar evaluates the residual ones
    /// the index admits (one call) and any layer the index leaves whole.
    fn evaluate_rules(&self, input: &EvalInput, scratch: &Scratch) -> Result<Vec<usize>, EngineError> {
        let Some(point) = self.point(input) else { return self.evaluate_unindexed(input, scratch) };
        let applicable: Vec<Layer> = Layer::ALL.iter().copied().filter(|l| input.applies(*l)).collect();
        let mut fired: Vec<usize> = Vec::new();
        let mut residual: Vec<u64> = Vec::new();
        self.catalog.index().select(&point, &applicable, &mut fired, &mut residual);
        if residual.iter().any(|w| *w != 0) {
            let policies = self.residual_set(residual)?;
            self.fire(input, scratch, &policies, &mut fired)?;
        }
        for layer in applicable.iter().filter(|l| self.catalog.index().whole_layers.contains(l)) {
            if let Some(policies) = self.catalog.layer_set(*layer) {
                self.fire(input, scratch, policies, &mut fired)?;
            }
        }
        Ok(self.finish(input, fired))
    }

    /// The reference evaluation: every policy of each applicable layer, one
    /// Cedar call per layer, no index.
    fn evaluate_unindexed(&self, input: &EvalInput, scratch: &Scratch) -> Result<Vec<usize>, EngineError> {
        let mut fired: Vec<usize> = Vec::new();
        for layer in Layer::ALL.iter().copied().filter(|l| input.applies(*l)) {
            if let Some(policies) = self.catalog.layer_set(layer) {
                self.fire(input, scratch, policies, &mut fired)?;
            }
        }
        Ok(self.finish(input, fired))
    }

    /// Applicability of `state.` rules, catalog order, supersession.
    fn finish(&self, input: &EvalInput, mut fired: Vec<usize>) -> Vec<usize> {
        keep_own_state(&self.catalog.rules, input.jurisdiction, &mut fired);
        fired.sort_unstable();
        apply_supersession(&self.catalog.rules, &mut fired);
        fired
    }

    /// Asks Cedar which of `policies` fire for `input`, adding them to `fired`.
    fn fire(&self, input: &EvalInput, scratch: &Scratch, policies: &PolicySet, fired: &mut Vec<usize>) -> Result<(), EngineError> {
        let (request, entities) = self.cedar_request(input, scratch)?;
        let response = self.authorizer.is_authorized(&request, policies, &entities);
        if let Some(cedar_policy::AuthorizationError::PolicyEvaluationError(error)) = response.diagnostics().errors().next() {
            return Err(EngineError::Evaluation { rule: error.policy_id().to_string(), message: error.to_string() });
        }
        fired.extend(response.diagnostics().reason().filter_map(|pid| self.catalog.by_policy.get(pid).copied()));
        Ok(())
    }

    /// The Cedar request and entities for one input. The principal and the
    /// context are the request's, built once per decision and shared by its
    /// categories (the context once per set of facts: a remedy may change them).
    fn cedar_request(&self, input: &EvalInput, scratch: &Scratch) -> Result<(cedar_policy::Request, Entities), EngineError> {
        let principal = match scratch.principal.get() {
            Some(p) => p.clone(),
            None => {
                let p = self.principal_entity(input)?;
                scratch.principal.get_or_init(|| p).clone()
            }
        };
        let context = scratch.contexts.borrow().iter().find(|(f, _)| *f == input.facts).map(|(_, c)| c.clone());
        let context = match context {
            Some(c) => c,
            None => {
                let c = self.context(input)?;
                scratch.contexts.borrow_mut().push((input.facts, c.clone()));
                c
            }
        };
        let resource = self.information_entity(input)?;
        let resource_uid = resource.uid();
        let entities = Entities::from_entities([principal, resource], None).map_err(|e| EngineError::Request(e.to_string()))?;
        let request = cedar_policy::Request::new(self.principal.clone(), self.action.clone(), resource_uid, context, None)
            .map_err(|e| EngineError::Request(e.to_string()))?;
        Ok((request, entities))
    }

    /// The policy set of the residual policies in `bits`, cached.
    fn residual_set(&self, bits: Vec<u64>) -> Result<Arc<PolicySet>, EngineError> {
        if let Some(hit) = self.residual_sets.lock().ok().and_then(|m| m.get(&bits).cloned()) {
            return Ok(hit);
        }
        let mut set = PolicySet::new();
        for (w, word) in bits.iter().enumerate() {
            let mut rest = *word;
            while rest != 0 {
                let i = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                if let Some(policy) = self.catalog.by_rule.get(i) {
                    set.add(policy.clone()).map_err(|e| EngineError::Request(e.to_string()))?;
                }
            }
        }
        let set = Arc::new(set);
        if let Ok(mut sets) = self.residual_sets.lock() {
            if sets.len() >= RESIDUAL_SETS {
                sets.clear();
            }
            sets.insert(bits, set.clone());
        }
        Ok(set)
    }

    /// Where `input` lies in the index's dimensions; `None` when a value is
    /// outside them (then the engine evaluates unindexed).
    fn point(&self, input: &EvalInput) -> Option<Point> {
        let index = self.catalog.index();
        let mut p = [0u8; DIMENSIONS];
        let mut set = |d: usize, v: u8| {
            if let Some(slot) = p.get_mut(d) {
                *slot = v;
            }
        };
        set(dim::PURPOSE, input.purpose as u8);
        set(dim::RECIPIENT_KIND, input.recipient_kind as u8);
        set(dim::CATEGORY, input.category as u8);
        set(dim::ROLE, input.role as u8);
        set(dim::STATUS, input.status as u8);
        set(dim::JURISDICTION, index.jurisdiction(input.jurisdiction.as_str())?);
        set(dim::AGE, index.age(input.age_band)?);
        set(dim::YEARS_SINCE_DEATH, index.years_since_death(input.years_since_death_band)?);
        set(dim::MANDATED_REPORTER, input.mandated_reporter.map_or(0, |m| 1 + u8::from(m)));
        set(dim::SAME_ORGANIZATION, u8::from(input.same_organization));
        set(dim::PART2_PROGRAM, u8::from(input.part2_program));
        set(dim::LPS_PROGRAM, u8::from(input.lps_program));
        set(dim::AUTHORIZED, u8::from(input.authorized));
        set(dim::REPRESENTATIVE_SIGNED, u8::from(input.representative_signed));
        set(dim::CONSENTED, u8::from(input.consented));
        set(dim::RESTRICTED_AGREED, u8::from(input.restricted_agreed));
        set(dim::RESTRICTION_REQUESTED, u8::from(input.restriction_requested));
        set(dim::REPORTING, u8::from(input.purpose.carries_report()));
        set(dim::WARNING, u8::from(input.purpose.carries_warning(input.recipient_kind, input.same_organization)));
        set(dim::DOES_RESEARCH, u8::from(input.recipient_kind.does_research()));
        for (i, fact) in Fact::ALL.iter().enumerate() {
            set(index::FIXED + i, u8::from(input.facts.get(*fact)));
        }
        Some(Point(p))
    }

    /// Evaluates without the memo (benchmarks compare the two).
    pub fn decide_uncached(&self, request: &Request) -> Result<Decision, EngineError> {
        self.decide_with(request, |i, s| self.evaluate_rules(i, s))
    }

    /// Evaluates without the memo and without the index: every policy of
    /// each applicable layer in Cedar. The reference the indexed evaluation
    /// must equal (tests and benchmarks compare them).
    pub fn decide_unindexed(&self, request: &Request) -> Result<Decision, EngineError> {
        self.decide_with(request, |i, s| self.evaluate_unindexed(i, s))
    }

    fn decide_with(
        &self,
        request: &Request,
        evaluate: impl Fn(&EvalInput, &Scratch) -> Result<Vec<usize>, EngineError>,
    ) -> Result<Decision, EngineError> {
        self.accepts(request)?;
        let standings = authorization::assess(request);
        let scratch = Scratch::default();
        let mut evaluations = Vec::with_capacity(request.categories.len());
        for &category in &request.categories {
            let input = EvalInput::new(request, &standings, category, &self.catalog);
            let fired = evaluate(&input, &scratch)?;
            let verdict = combine::combine(&self.catalog.rules, &fired);
            let remedies = self.working_remedies(&input, &verdict, |i| evaluate(i, &scratch))?;
            evaluations.push(CategoryEvaluation { category, verdict, fired: fired.into(), remedies });
        }
        Ok(decision::assemble(request, &standings, &evaluations, &self.catalog))
    }

    fn principal_entity(&self, input: &EvalInput) -> Result<Entity, EngineError> {
        let mut attrs = HashMap::from([("role".to_string(), RestrictedExpression::new_string(input.role.as_str().to_string()))]);
        if let Some(flag) = input.mandated_reporter {
            attrs.insert("mandated_reporter".to_string(), RestrictedExpression::new_bool(flag));
        }
        Entity::new(self.principal.clone(), attrs, HashSet::new()).map_err(|e| EngineError::Request(e.to_string()))
    }

    fn information_entity(&self, input: &EvalInput) -> Result<Entity, EngineError> {
        let attrs = HashMap::from([
            ("category".to_string(), RestrictedExpression::new_string(input.category.as_str().to_string())),
            ("authorized".to_string(), RestrictedExpression::new_bool(input.authorized)),
            ("representative_signed".to_string(), RestrictedExpression::new_bool(input.representative_signed)),
            ("consented".to_string(), RestrictedExpression::new_bool(input.consented)),
            ("restricted_agreed".to_string(), RestrictedExpression::new_bool(input.restricted_agreed)),
            ("restriction_requested".to_string(), RestrictedExpression::new_bool(input.restriction_requested)),
        ]);
        let uid = EntityUid::from_type_name_and_id(self.information_type.clone(), EntityId::new(input.category.as_str()));
        Entity::new(uid, attrs, HashSet::new()).map_err(|e| EngineError::Request(e.to_string()))
    }

    fn context(&self, input: &EvalInput) -> Result<Context, EngineError> {
        let record = |fields: Vec<(&str, RestrictedExpression)>| {
            RestrictedExpression::new_record(fields.into_iter().map(|(k, v)| (k.to_string(), v)))
                .map_err(|e| EngineError::Request(e.to_string()))
        };
        let string = |s: &str| RestrictedExpression::new_string(s.to_string());
        let facts = record(Fact::ALL.iter().map(|f| (f.as_str(), RestrictedExpression::new_bool(input.facts.get(*f)))).collect())?;
        let recipient = record(vec![
            ("kind", string(input.recipient_kind.as_str())),
            ("same_organization", RestrictedExpression::new_bool(input.same_organization)),
            ("does_research", RestrictedExpression::new_bool(input.recipient_kind.does_research())),
        ])?;
        let client = record(vec![
            ("age", RestrictedExpression::new_long(input.age_band)),
            ("status", string(input.status.as_str())),
            ("part2_program", RestrictedExpression::new_bool(input.part2_program)),
            ("lps_program", RestrictedExpression::new_bool(input.lps_program)),
            ("years_since_death", RestrictedExpression::new_long(input.years_since_death_band)),
        ])?;
        Context::from_pairs([
            ("jurisdiction".to_string(), string(input.jurisdiction.as_str())),
            ("purpose".to_string(), string(input.purpose.as_str())),
            ("reporting".to_string(), RestrictedExpression::new_bool(input.purpose.carries_report())),
            (
                "warning".to_string(),
                RestrictedExpression::new_bool(input.purpose.carries_warning(input.recipient_kind, input.same_organization)),
            ),
            ("recipient".to_string(), recipient),
            ("client".to_string(), client),
            ("facts".to_string(), facts),
        ])
        .map_err(|e| EngineError::Request(e.to_string()))
    }
}

/// The Cedar inputs one decision shares between its categories.
#[derive(Default)]
struct Scratch {
    principal: OnceCell<Entity>,
    /// The context for each set of facts seen (the request's, and those a
    /// remedy produces).
    contexts: RefCell<Vec<(Facts, Context)>>,
}

/// A fast hasher for the memo's keys (FxHash's multiply-rotate): the keys
/// are small, internal and not attacker-chosen in a way that matters (the
/// memo is bounded), and SipHash was a tenth of a cached decision.
#[derive(Clone, Copy, Default)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word.iter_mut().zip(chunk).for_each(|(w, b)| *w = *b);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Fx = std::hash::BuildHasherDefault<FxHasher>;

/// Memo entries kept before the memo is emptied; bounds memory on varied input.
const MEMO_CAPACITY: usize = 65_536;

/// Residual policy sets kept before the cache is emptied (a set holds
/// policies, so fewer than the memo's entries).
const RESIDUAL_SETS: usize = 1_024;

/// A `state.` rule speaks only for the state it names.
fn keep_own_state(rules: &[Rule], jurisdiction: Jurisdiction, fired: &mut Vec<usize>) {
    fired.retain(|&i| rules.get(i).and_then(|r| r.jurisdiction).is_none_or(|j| j == jurisdiction));
}

/// A fired rule with `@supersedes` turns off the other rules of that layer
/// (45 CFR 160.103: fifty years after death HIPAA's rules stop).
fn apply_supersession(rules: &[Rule], fired: &mut Vec<usize>) {
    let superseding: Vec<(usize, Layer)> =
        fired.iter().filter_map(|&i| rules.get(i).and_then(|r| r.blocking.supersedes.map(|l| (i, l)))).collect();
    for (keeper, layer) in superseding {
        fired.retain(|&i| i == keeper || rules.get(i).is_some_and(|r| r.layer != layer));
    }
}

#[cfg(test)]
#[allow(clippy::panic, reason = "test failures")]
mod tests {
    use super::*;
    use crate::request::{Client, Discloser, Recipient};
    use crate::vocab::{Jurisdiction, OrganizationPolicy};
    use crate::vocab::{Purpose, RecipientKind, Role};

    /// The index leaves out only policies that cannot fire and decides only
    /// what it analysed exactly: over every purpose and recipient kind, with
    /// and without the facts most rules test, the same rules fire as over
    /// whole layers (`tests/properties/` checks random requests).
    #[test]
    fn the_index_decides_most_builtin_rules_without_cedar() {
        let engine = Engine::new().unwrap_or_else(|e| panic!("{e}"));
        let residual: Vec<&str> =
            engine.catalog.index().residual().into_iter().filter_map(|i| engine.rules().get(i)).map(|r| r.id.as_str()).collect();
        assert!(residual.len() * 20 < engine.rules().len(), "{residual:?}");
    }

    /// A rule that turns residual costs a Cedar call on every category it
    /// may fire for (the six-category benchmark went from 9 to 31 µs when
    /// two did). These are the ones known to need Cedar; a new one fails
    /// here until its conditions are rewritten so that no conjunct's
    /// dimensions multiply past the index's truth-table limit, or it is
    /// added with a reason.
    #[test]
    fn no_rule_needs_cedar_beyond_the_known_residual_set() {
        const KNOWN: &[&str] = &[
            // Negated conjunctions over the role, purpose, recipient and facts.
            "hipaa.care_involvement.present",
            "part2.redisclosure_notice",
            "ca.lps.confidential",
            "ca.lps.serious_threat",
            "ca.lps.family_needs_authorization",
            "ca.lps.disappearance",
        ];
        let engine = Engine::new().unwrap_or_else(|e| panic!("{e}"));
        let residual: Vec<&str> =
            engine.catalog.index().residual().into_iter().filter_map(|i| engine.rules().get(i)).map(|r| r.id.as_str()).collect();
        let new: Vec<&&str> = residual.iter().filter(|id| !KNOWN.contains(id)).collect();
        assert!(new.is_empty(), "rules Cedar must evaluate on every request: {new:?}");
    }

    #[test]
    fn indexed_evaluation_fires_exactly_what_whole_layers_fire() {
        let engine = Engine::new().unwrap_or_else(|e| panic!("{e}"));
        let all_facts = Facts::with(Fact::ALL);
        for purpose in Purpose::ALL {
            for kind in RecipientKind::ALL {
                for facts in [Facts::default(), all_facts] {
                    for category in [Category::Diagnosis, Category::PsychotherapyNotes, Category::Demographics] {
                        let request = Request {
                            as_of: crate::Date::from_ymd_const(2026, 4, 1),
                            jurisdiction: Jurisdiction::UsCa,
                            organization_policy: OrganizationPolicy::Default,
                            discloser: Discloser { role: Role::Psychotherapist, mandated_reporter: None },
                            client: Client { age: 15, status: ClientStatus::Active, died_on: None, part2_program: true, lps_program: true },
                            recipient: Recipient { kind: *kind, name: None, same_organization: facts == all_facts },
                            purpose: *purpose,
                            categories: vec![category],
                            facts,
                            authorizations: Vec::new(),
                            restrictions: Vec::new(),
                        };
                        let input = EvalInput::new(&request, &[], category, &engine.catalog);
                        let scratch = Scratch::default();
                        let indexed = engine.evaluate_rules(&input, &scratch).unwrap_or_else(|e| panic!("{e}"));
                        let whole = engine.evaluate_unindexed(&input, &Scratch::default()).unwrap_or_else(|e| panic!("{e}"));
                        assert_eq!(indexed, whole, "{purpose} to {kind}, {category}");
                    }
                }
            }
        }
    }
}
