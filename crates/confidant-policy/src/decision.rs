//! The decision, exactly in the contract's shape, assembled from the
//! per-category verdicts: outcomes, release and withhold lists, every rule
//! that fired, the authorizations on file, obligations, remedies and the
//! plain-language explanation.

use serde::Serialize;

use crate::authorization::{Reason, Standing, representative_set_aside};
use crate::catalog::{Catalog, Rule};
use crate::engine::CategoryEvaluation;
use crate::explain;
use crate::request::Request;
use crate::vocab::{AuthorizationKind, Category, Effect, Layer, ObligationKind, Outcome, OverallDecision, RecipientKind, RemedyKind};

/// The answer to one request, serialized exactly as the contract's
/// decision JSON (`spec/decisions.md`, "Decision").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// The overall answer: `deny` if nothing is released, `partial` if some
    /// requested category is withheld, `required` if a released category is
    /// required, otherwise `permit`.
    pub decision: OverallDecision,
    /// One answer per requested category, in the request's order.
    pub categories: Vec<CategoryDecision>,
    /// The categories that may (or must) go, in the request's order.
    pub release: Vec<Category>,
    /// The categories that must not go, in the request's order.
    pub withhold: Vec<Category>,
    /// Every rule that fired, from every layer, plus the rules that explain
    /// an outcome, each once, in catalog order.
    ///
    /// Shared with the catalog: a decision reports many rules, and cloning
    /// their texts was a fifth of a memoized decision.
    pub rules: Vec<std::sync::Arc<FiredRule>>,
    /// Every authorization and Part 2 consent on file, whether it counts
    /// and, when not, why.
    pub authorizations: Vec<AuthorizationReport>,
    /// What the discloser must do for the released categories, one entry
    /// per kind.
    pub obligations: Vec<Obligation>,
    /// What would make a withheld category lawful, one entry per kind;
    /// only remedies the engine checked actually release.
    pub remedies: Vec<Remedy>,
    /// A plain-language paragraph a peer support specialist can read.
    pub explanation: String,
    /// The digest of the rule packs that decided (contract v2).
    pub rules_version: String,
}

/// The answer for one requested category.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryDecision {
    /// The requested category.
    pub category: Category,
    /// `required`, `permit` or `deny`.
    pub outcome: Outcome,
    /// The cites of the rules that explain the outcome: those that release
    /// it, or those that withhold it and advise on it.
    pub cites: Vec<String>,
    /// Why a denied category is withheld, in one sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A rule as a decision reports it: the part of its catalog entry the
/// contract names. Built once per rule when the catalog loads, with its JSON.
#[derive(Clone, PartialEq, Serialize)]
pub struct FiredRule {
    /// The rule's `@id`.
    pub id: String,
    /// The layer it belongs to.
    pub layer: Layer,
    /// The provision it applies.
    pub cite: String,
    /// What it means when it fires.
    pub effect: Effect,
    /// One plain sentence saying what it does.
    pub summary: String,
    /// The fields above as the decision's JSON writes them, written once
    /// when the catalog is built ([`FiredRule::new`]). Shared, so the
    /// clone each decision takes of a fired rule allocates nothing for it.
    #[serde(skip)]
    json: std::sync::Arc<str>,
}

impl FiredRule {
    /// The rule as decisions report it, with its JSON written once.
    pub(crate) fn new(id: String, layer: Layer, cite: String, effect: Effect, summary: String) -> FiredRule {
        let mut json = Vec::with_capacity(64 + id.len() + cite.len() + summary.len());
        crate::render::fired_rule(&mut json, &id, layer, &cite, effect, &summary);
        // Only `fired_rule` wrote to it, and it writes UTF-8.
        let json = std::sync::Arc::from(String::from_utf8(json).unwrap_or_default());
        FiredRule { id, layer, cite, effect, summary, json }
    }

    /// The rule's JSON in a decision, as written when the catalog was built.
    pub(crate) fn json(&self) -> &str {
        &self.json
    }

    /// Whether a category's cites name this rule: every provision of its
    /// cite is among them (a category lists each provision on its own,
    /// [`crate::provisions`]).
    pub fn cited_in(&self, cites: &[String]) -> bool {
        crate::cite::provisions(&self.cite).iter().all(|p| cites.contains(p))
    }
}

impl std::fmt::Debug for FiredRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let FiredRule { id, layer, cite, effect, summary, json: _ } = self;
        f.debug_struct("FiredRule")
            .field("id", id)
            .field("layer", layer)
            .field("cite", cite)
            .field("effect", effect)
            .field("summary", summary)
            .finish()
    }
}

/// How one authorization on file stood against the request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuthorizationReport {
    /// The authorization's `id` as filed.
    pub id: String,
    /// Whether it is valid on `as_of` and matches this request.
    pub counts: bool,
    /// Why it does not count; empty when it counts.
    pub reasons: Vec<Reason>,
}

/// Something the discloser must do when releasing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Obligation {
    /// Which obligation of the contract.
    pub kind: ObligationKind,
    /// What it asks of the discloser, in plain words.
    pub detail: String,
    /// The released categories it applies to.
    pub categories: Vec<Category>,
    /// The rules that impose it.
    pub rules: Vec<String>,
}

/// Something that would make a withheld disclosure lawful.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Remedy {
    /// Which remedy of the contract.
    pub kind: RemedyKind,
    /// The withheld categories it would open.
    pub categories: Vec<Category>,
    /// What to do, in plain words.
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
        let explaining: Vec<usize> = if v.released { v.releasing.clone() } else { v.blocking.iter().chain(&v.advising).copied().collect() };
        let mut cites: Vec<String> = Vec::new();
        for &i in &explaining {
            if let Some(rule) = rules.get(i) {
                for provision in &rule.provisions {
                    push_unique(&mut cites, provision.clone());
                }
            }
        }
        if !v.released {
            defect_cites(&mut cites, request, standings, eval.category);
        }
        reported.extend(explaining);
        // `rules`: every rule that fired, from every layer (the contract).
        reported.extend(eval.fired.iter().copied());
        if v.released {
            release.push(eval.category);
            reported.extend(v.blocking.iter().chain(&v.obligating).copied());
            // Looked up only for an accounting obligation: most categories carry none.
            let exempt_basis = || exempt_basis(v.releasing.iter().filter_map(|&i| rules.get(i)));
            for (kind, rule) in v.obligations(rules) {
                // Asked only where a permission names the judgment: most carry none.
                if kind == ObligationKind::ProfessionalJudgment
                    && rule.effect == Effect::Permit
                    && !judgment_owed(v.required, standings, eval.category)
                {
                    continue;
                }
                // Part 2 keeps its own accounting of disclosures made with
                // consent (42 CFR 2.25), which an authorization does not end.
                if owed(kind, request, || rule.layer != Layer::Part2 && exempt_basis()) {
                    add_obligation(&mut obligations, kind, eval.category, &rule.id, request);
                }
            }
        } else {
            withhold.push(eval.category);
            for kind in &eval.remedies {
                add_remedy(&mut remedies, *kind, eval.category, request);
            }
        }
        categories.push(CategoryDecision {
            category: eval.category,
            outcome,
            cites,
            reason: if v.released {
                None
            } else {
                Some(v.main_reason(rules).map_or_else(|| "no rule allows this disclosure".to_string(), |r| r.plain_summary().to_string()))
            },
        });
    }

    reported.sort_unstable();
    reported.dedup();
    obligations.sort_by_key(|o| o.kind);
    // Asking the client first, when it alone would do: it is the lightest
    // step and the one the client decides (a peer's first move); then by
    // kind; within a kind, the notes' own form after the form for the rest.
    remedies.sort_by_key(|r| (r.kind != RemedyKind::AskClient, r.kind, r.is_notes_form()));
    // The notes' own form says "of their own" only beside a form of the same
    // kind for the rest; alone, the usual wording for the kind (which knows
    // the signer, the report, the revocation) says it.
    let beside_the_rest: Vec<RemedyKind> = remedies.iter().filter(|r| !r.is_notes_form()).map(|r| r.kind).collect();
    for r in remedies.iter_mut().filter(|r| r.is_notes_form() && beside_the_rest.contains(&r.kind)) {
        r.detail = explain::notes_form_detail(r.kind).to_string();
    }
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
        rules: reported.iter().filter_map(|&i| catalog.fired_rule(i)).map(std::sync::Arc::clone).collect(),
        authorizations: standings
            .iter()
            .map(|s| AuthorizationReport { id: s.id.clone(), counts: s.counts, reasons: s.reasons.clone() })
            .collect(),
        obligations,
        remedies,
        explanation: String::new(),
        rules_version: catalog.version().to_string(),
    };
    out.explanation = explain::explain(request, &out, evaluations, rules);
    out
}

/// Why a form on file that names a withheld category does not count, as
/// the paragraphs that say so (164.508(b)(2), 2.31): the cite a reader looks
/// for when an expired or unsigned authorization is refused. An ASCMI is
/// read as what it stands for on this record: a Part 2 consent for Part 2
/// records, a HIPAA authorization otherwise.
fn defect_cites(cites: &mut Vec<String>, request: &Request, standings: &[Standing], category: Category) {
    // One standing per authorization on file, in order (`authorization::assess`).
    for (standing, auth) in standings.iter().zip(&request.authorizations) {
        if standing.counts || !auth.categories.contains(&category) {
            continue;
        }
        let part2 = match standing.kind {
            AuthorizationKind::Part2 => true,
            AuthorizationKind::Hipaa => false,
            AuthorizationKind::Ascmi => request.client.part2_program,
        };
        for reason in &standing.reasons {
            for cite in reason.cites(part2) {
                push_unique(cites, (*cite).to_string());
            }
        }
    }
}

/// Releasing rules on whose basis 45 CFR 164.528(a)(1)(iv) asks no
/// accounting entry: a disclosure under an authorization. When one of them
/// releases a category, the disclosure rests on it even if a 164.512 rule (a
/// law that requires it, a threat) fires beside it: the client signed for
/// it. Part 2's own accounting (42 CFR 2.25) is not excused by them.
const AUTHORIZATION_BASES: &[&str] = &["hipaa.authorization", "hipaa.psychotherapy_notes.authorization"];

/// The custodian's own needs for a client in custody, 164.512(k)(5), which
/// 164.528(a)(1)(vii) exempts.
const CUSTODY_BASES: &[&str] = &["hipaa.correctional", "hipaa.correctional.transport"];

/// Whether the rules releasing a category put the disclosure on a basis the
/// accounting does not list ([`AUTHORIZATION_BASES`], [`CUSTODY_BASES`]).
/// The custody basis exempts only a disclosure that rests on it alone: a
/// warrant, an order, a mandated report or a threat warning to the police
/// while the client happens to be in custody is made under 164.512(f),
/// (b), (c) or (j), which are accounted for, not for the custodian's needs.
fn exempt_basis<'r>(mut releasing: impl Iterator<Item = &'r Rule> + Clone) -> bool {
    releasing.clone().any(|r| AUTHORIZATION_BASES.contains(&r.id.as_str()))
        || (releasing.clone().any(|r| CUSTODY_BASES.contains(&r.id.as_str()))
            && !releasing.any(|r| !CUSTODY_BASES.contains(&r.id.as_str()) && r.obligations.contains(&ObligationKind::RecordInAccounting)))
}

/// Whether a permission's best-interest judgment (45 CFR 164.510(b)(3)) is
/// still the discloser's to make: not where a law requires the disclosure
/// (a statutory notice is given, not weighed), nor where the client's
/// counting written authorization or Part 2 consent covers it (the client
/// decided).
fn judgment_owed(required: bool, standings: &[Standing], category: Category) -> bool {
    if required {
        return false;
    }
    let covered = crate::authorization::coverage(standings, category);
    !(covered.authorized || covered.consented)
}

/// Whether an obligation a releasing rule names is owed on this request.
/// The accounting lists *disclosures* (45 CFR 164.528(a); 42 CFR 2.24): a
/// use inside the covered entity or program (`same_organization`) is not a
/// disclosure (45 CFR 164.501, "use" and "disclosure"), so it makes no entry,
/// whichever rule released it: the contract defines `same_organization` as
/// "a use inside the covered entity / program rather than a disclosure
/// outside it". The audit log still records the access. Nor
/// does a disclosure to the client, or to the representative standing in
/// the client's place (164.528(a)(1)(ii), 164.502(g)(1)), or one resting on
/// an exempt basis ([`exempt_basis`]).
fn owed(kind: ObligationKind, request: &Request, exempt_basis: impl FnOnce() -> bool) -> bool {
    kind != ObligationKind::RecordInAccounting
        || !(request.recipient.same_organization || to_the_client_or_stand_in(request) || exempt_basis())
}

/// The client, or a personal representative the provider recognizes as one
/// (the test that decides who may sign for the client): not a parent set
/// aside for care the minor controls or a representative the provider judged
/// may endanger the client (164.502(g)(3), (g)(5)), who is told, if at all,
/// under 164.510 or 164.512.
fn to_the_client_or_stand_in(request: &Request) -> bool {
    match request.recipient.kind {
        RecipientKind::Client => true,
        RecipientKind::PersonalRepresentative => !representative_set_aside(request),
        _ => false,
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn add_obligation(list: &mut Vec<Obligation>, kind: ObligationKind, category: Category, rule: &str, request: &Request) {
    if let Some(o) = list.iter_mut().find(|o| o.kind == kind) {
        push_unique(&mut o.categories, category);
        push_unique(&mut o.rules, rule.to_string());
    } else {
        list.push(Obligation {
            kind,
            detail: explain::obligation_detail_for(kind, request).to_string(),
            categories: vec![category],
            rules: vec![rule.to_string()],
        });
    }
}

fn add_remedy(list: &mut Vec<Remedy>, kind: RemedyKind, category: Category, request: &Request) {
    // Psychotherapy notes need a form of their own (45 CFR 164.508(b)(3)(ii);
    // SUD counseling notes, 42 CFR 2.31(b)): one form for them and the rest
    // would count for nothing, so they get an entry of their own.
    let apart = Remedy::notes_apart(kind, category);
    if let Some(r) = list.iter_mut().find(|r| r.kind == kind && r.is_notes_form() == apart) {
        push_unique(&mut r.categories, category);
    } else {
        list.push(Remedy { kind, categories: vec![category], detail: explain::remedy_detail_for(kind, request).to_string() });
    }
}

impl Remedy {
    fn notes_apart(kind: RemedyKind, category: Category) -> bool {
        category == Category::PsychotherapyNotes && matches!(kind, RemedyKind::ObtainAuthorization | RemedyKind::ObtainPart2Consent)
    }

    /// The separate authorization or consent for psychotherapy notes alone.
    pub fn is_notes_form(&self) -> bool {
        self.categories.first().is_some_and(|c| Remedy::notes_apart(self.kind, *c))
    }
}
