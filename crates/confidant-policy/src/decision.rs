//! The decision, exactly in the contract's shape, assembled from the
//! per-category verdicts: outcomes, release and withhold lists, every rule
//! that fired, the authorizations on file, obligations, remedies and the
//! plain-language explanation.

use serde::Serialize;

use crate::authorization::{Reason, Standing};
use crate::catalog::Catalog;
use crate::engine::CategoryEvaluation;
use crate::explain;
use crate::request::Request;
use crate::vocab::{Category, Effect, Layer, ObligationKind, Outcome, OverallDecision, RemedyKind};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    pub decision: OverallDecision,
    pub categories: Vec<CategoryDecision>,
    pub release: Vec<Category>,
    pub withhold: Vec<Category>,
    /// Shared with the catalog: a decision reports many rules, and cloning
    /// their texts was a fifth of a memoized decision.
    pub rules: Vec<std::sync::Arc<FiredRule>>,
    pub authorizations: Vec<AuthorizationReport>,
    pub obligations: Vec<Obligation>,
    pub remedies: Vec<Remedy>,
    pub explanation: String,
    /// The digest of the rule packs that decided (contract v2).
    pub rules_version: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryDecision {
    pub category: Category,
    pub outcome: Outcome,
    pub cites: Vec<String>,
    /// Why a denied category is withheld, in one sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FiredRule {
    pub id: String,
    pub layer: Layer,
    pub cite: String,
    pub effect: Effect,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuthorizationReport {
    pub id: String,
    pub counts: bool,
    pub reasons: Vec<Reason>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Obligation {
    pub kind: ObligationKind,
    pub detail: String,
    /// The released categories it applies to.
    pub categories: Vec<Category>,
    /// The rules that impose it.
    pub rules: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Remedy {
    pub kind: RemedyKind,
    /// The withheld categories it would open.
    pub categories: Vec<Category>,
    pub detail: String,
}

pub(crate) fn assemble(request: &Request, standings: &[Standing], evaluations: &[CategoryEvaluation], catalog: &Catalog) -> Decision {
    let rules = catalog.rules();
    let mut categories = Vec::with_capacity(evaluations.len());
    let mut release = Vec::new();
    let mut withhold = Vec::new();
    let mut reported: Vec<usize> = Vec::new();
    let mut obligations: Vec<Obligation> = Vec::new();
    let mut remedies: Vec<Remedy> = Vec::new();

    for eval in evaluations {
        let v = &eval.verdict;
        let outcome = match (v.released, v.required) {
            (true, true) => Outcome::Required,
            (true, false) => Outcome::Permit,
            (false, _) => Outcome::Deny,
        };
        let explaining: Vec<usize> = if v.released {
            v.releasing.clone()
        } else {
            v.blocking.iter().chain(&v.advising).copied().collect()
        };
        let mut cites: Vec<String> = Vec::new();
        for &i in &explaining {
            if let Some(rule) = rules.get(i) {
                push_unique(&mut cites, rule.cite.clone());
            }
        }
        reported.extend(explaining);
        // `rules`: every rule that fired, from every layer (the contract).
        reported.extend(eval.fired.iter().copied());
        if v.released {
            release.push(eval.category);
            reported.extend(v.blocking.iter().chain(&v.obligating).copied());
            for (kind, rule) in v.obligations(rules) {
                add_obligation(&mut obligations, kind, eval.category, &rule.id);
            }
        } else {
            withhold.push(eval.category);
            for kind in &eval.remedies {
                add_remedy(&mut remedies, *kind, eval.category);
            }
        }
        categories.push(CategoryDecision {
            category: eval.category,
            outcome,
            cites,
            reason: if v.released { None } else { Some(v.main_reason(rules).map_or_else(|| "no rule allows this disclosure".to_string(), |r| r.summary.clone())) },
        });
    }

    reported.sort_unstable();
    reported.dedup();
    obligations.sort_by_key(|o| o.kind);
    remedies.sort_by_key(|r| r.kind);
    let decision = if release.is_empty() {
        OverallDecision::Deny
    } else if !withhold.is_empty() {
        OverallDecision::Partial
    } else if categories.iter().any(|c| c.outcome == Outcome::Required) {
        OverallDecision::Required
    } else {
        OverallDecision::Permit
    };
    let mut out = Decision {
        decision,
        categories,
        release,
        withhold,
        rules: reported
            .iter()
            .filter_map(|&i| catalog.fired_rule(i))
            .map(std::sync::Arc::clone)
            .collect(),
        authorizations: standings.iter().map(|s| AuthorizationReport { id: s.id.clone(), counts: s.counts, reasons: s.reasons.clone() }).collect(),
        obligations,
        remedies,
        explanation: String::new(),
        rules_version: catalog.version().to_string(),
    };
    out.explanation = explain::explain(request, &out, evaluations, rules);
    out
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn add_obligation(list: &mut Vec<Obligation>, kind: ObligationKind, category: Category, rule: &str) {
    if let Some(o) = list.iter_mut().find(|o| o.kind == kind) {
        push_unique(&mut o.categories, category);
        push_unique(&mut o.rules, rule.to_string());
    } else {
        list.push(Obligation { kind, detail: explain::obligation_detail(kind).to_string(), categories: vec![category], rules: vec![rule.to_string()] });
    }
}

fn add_remedy(list: &mut Vec<Remedy>, kind: RemedyKind, category: Category) {
    if let Some(r) = list.iter_mut().find(|r| r.kind == kind) {
        push_unique(&mut r.categories, category);
    } else {
        list.push(Remedy { kind, categories: vec![category], detail: explain::remedy_detail(kind).to_string() });
    }
}
