//! Evaluation: turn a validated request into Cedar requests (one per
//! category), collect the rules that fired, keep those of applicable layers,
//! and hand them to the combinator. The engine does no I/O.

use std::collections::{HashMap, HashSet};

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression,
};

use crate::authorization::{self, Standing};
use crate::catalog::{Catalog, CatalogError, Rule};
use crate::combine::{self, Verdict};
use crate::decision::{self, Decision};
use crate::request::Request;
use crate::vocab::{Category, ClientStatus, Fact, Jurisdiction, Layer, OrganizationPolicy};

/// The decision engine: the parsed rule packs, shared by every decision.
#[derive(Debug)]
pub struct Engine {
    catalog: Catalog,
    authorizer: Authorizer,
    action: EntityUid,
    principal: EntityUid,
    information_type: EntityTypeName,
}

/// A failure inside the engine on a valid request: a defect, never the user's.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("rule catalog: {0}")]
    Catalog(#[from] CatalogError),
    #[error("building the cedar request: {0}")]
    Request(String),
    #[error("evaluating rule `{rule}`: {message}")]
    Evaluation { rule: String, message: String },
}

/// The rules that fired for one category, after applicability.
#[derive(Clone, Debug)]
pub(crate) struct CategoryEvaluation {
    pub category: Category,
    pub verdict: Verdict,
}

impl Engine {
    /// Loads the embedded rule packs.
    pub fn new() -> Result<Engine, EngineError> {
        Engine::with_catalog(Catalog::load()?)
    }

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
        })
    }

    /// Every rule, in layer and file order.
    pub fn rules(&self) -> &[Rule] {
        self.catalog.rules()
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.catalog.rule(id)
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Decides one request.
    pub fn decide(&self, request: &Request) -> Result<Decision, EngineError> {
        let standings = authorization::assess(request);
        let evaluations = self.evaluate(request, &standings)?;
        Ok(decision::assemble(request, &standings, &evaluations, self.catalog.rules()))
    }

    /// Runs the rules for every requested category.
    pub(crate) fn evaluate(&self, request: &Request, standings: &[Standing]) -> Result<Vec<CategoryEvaluation>, EngineError> {
        let context = self.context(request)?;
        let principal = self.principal_entity(request)?;
        let applicable = applicable_layers(request);
        let mut out = Vec::with_capacity(request.categories.len());
        for &category in &request.categories {
            let resource = self.information_entity(request, standings, category)?;
            let resource_uid = resource.uid();
            let entities = Entities::from_entities([principal.clone(), resource], None)
                .map_err(|e| EngineError::Request(e.to_string()))?;
            let cedar_request = cedar_policy::Request::new(self.principal.clone(), self.action.clone(), resource_uid, context.clone(), None)
                .map_err(|e| EngineError::Request(e.to_string()))?;
            let response = self.authorizer.is_authorized(&cedar_request, &self.catalog.policies, &entities);
            if let Some(cedar_policy::AuthorizationError::PolicyEvaluationError(error)) = response.diagnostics().errors().next() {
                return Err(EngineError::Evaluation { rule: error.policy_id().to_string(), message: error.to_string() });
            }
            let mut fired: Vec<usize> = response
                .diagnostics()
                .reason()
                .filter_map(|pid| self.catalog.by_policy.get(pid).copied())
                .filter(|&i| self.catalog.rules.get(i).is_some_and(|r| applicable.contains(&r.layer)))
                .collect();
            fired.sort_unstable();
            apply_supersession(&self.catalog.rules, &mut fired);
            out.push(CategoryEvaluation { category, verdict: combine::combine(&self.catalog.rules, &fired) });
        }
        Ok(out)
    }

    fn principal_entity(&self, request: &Request) -> Result<Entity, EngineError> {
        let mut attrs = HashMap::from([(
            "role".to_string(),
            RestrictedExpression::new_string(request.discloser.role.as_str().to_string()),
        )]);
        if let Some(flag) = request.discloser.mandated_reporter {
            attrs.insert("mandated_reporter".to_string(), RestrictedExpression::new_bool(flag));
        }
        Entity::new(self.principal.clone(), attrs, HashSet::new()).map_err(|e| EngineError::Request(e.to_string()))
    }

    fn information_entity(&self, request: &Request, standings: &[Standing], category: Category) -> Result<Entity, EngineError> {
        let coverage = authorization::coverage(standings, category);
        let restrictions = request.restrictions.iter().filter(|r| r.covers(category, request.recipient.kind, request.purpose));
        let mut restricted_agreed = false;
        let mut restriction_requested = false;
        for r in restrictions {
            restriction_requested = true;
            restricted_agreed |= r.agreed;
        }
        let attrs = HashMap::from([
            ("category".to_string(), RestrictedExpression::new_string(category.as_str().to_string())),
            ("authorized".to_string(), RestrictedExpression::new_bool(coverage.authorized)),
            ("consented".to_string(), RestrictedExpression::new_bool(coverage.consented)),
            ("restricted_agreed".to_string(), RestrictedExpression::new_bool(restricted_agreed)),
            ("restriction_requested".to_string(), RestrictedExpression::new_bool(restriction_requested)),
        ]);
        let uid = EntityUid::from_type_name_and_id(self.information_type.clone(), EntityId::new(category.as_str()));
        Entity::new(uid, attrs, HashSet::new()).map_err(|e| EngineError::Request(e.to_string()))
    }

    fn context(&self, request: &Request) -> Result<Context, EngineError> {
        let record = |fields: Vec<(&str, RestrictedExpression)>| {
            RestrictedExpression::new_record(fields.into_iter().map(|(k, v)| (k.to_string(), v)))
                .map_err(|e| EngineError::Request(e.to_string()))
        };
        let string = |s: &str| RestrictedExpression::new_string(s.to_string());
        let facts = record(
            Fact::ALL.iter().map(|f| (f.as_str(), RestrictedExpression::new_bool(request.facts.get(*f)))).collect(),
        )?;
        let recipient = record(vec![
            ("kind", string(request.recipient.kind.as_str())),
            ("same_organization", RestrictedExpression::new_bool(request.recipient.same_organization)),
        ])?;
        let client = record(vec![
            ("age", RestrictedExpression::new_long(i64::from(request.client.age))),
            ("status", string(request.client.status.as_str())),
            ("part2_program", RestrictedExpression::new_bool(request.client.part2_program)),
            ("years_since_death", RestrictedExpression::new_long(years_since_death(request))),
        ])?;
        Context::from_pairs([
            ("jurisdiction".to_string(), string(request.jurisdiction.as_str())),
            ("purpose".to_string(), string(request.purpose.as_str())),
            ("recipient".to_string(), recipient),
            ("client".to_string(), client),
            ("facts".to_string(), facts),
        ])
        .map_err(|e| EngineError::Request(e.to_string()))
    }
}

/// Which layers apply (`spec/rules.md` §1.2).
pub(crate) fn applicable_layers(request: &Request) -> Vec<Layer> {
    let mut layers = vec![Layer::Hipaa];
    if request.client.part2_program {
        layers.push(Layer::Part2);
    }
    if request.jurisdiction == Jurisdiction::UsCa {
        layers.push(Layer::California);
    }
    if request.organization_policy == OrganizationPolicy::Default {
        layers.push(Layer::Organization);
    }
    layers
}

/// A fired rule with `@supersedes` turns off the other rules of that layer
/// (45 CFR 160.103: fifty years after death HIPAA's rules stop).
fn apply_supersession(rules: &[Rule], fired: &mut Vec<usize>) {
    let superseding: Vec<(usize, Layer)> = fired
        .iter()
        .filter_map(|&i| rules.get(i).and_then(|r| r.blocking.supersedes.map(|l| (i, l))))
        .collect();
    for (keeper, layer) in superseding {
        fired.retain(|&i| i == keeper || rules.get(i).is_some_and(|r| r.layer != layer));
    }
}

/// Whole years from the death to `as_of`; 0 for a living client.
fn years_since_death(request: &Request) -> i64 {
    match (request.client.status, request.client.died_on) {
        (ClientStatus::Deceased, Some(died)) => {
            let mut years = request.as_of.year().saturating_sub(died.year());
            while years > 0 && died.plus_years(years) > request.as_of {
                years -= 1;
            }
            i64::from(years)
        }
        _ => 0,
    }
}
