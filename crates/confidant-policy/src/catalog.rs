//! The rule catalog: the Cedar policy packs embedded in the binary, one file
//! per layer, and the rule metadata read from their annotations. Loading
//! checks that every rule is well described (unique id, cite, known layer,
//! effect, obligation and remedy kinds, resolvable cross-references).

use std::collections::HashMap;

use cedar_policy::{Policy, PolicyId, PolicySet};

use crate::vocab::{Effect, Layer, ObligationKind, RemedyKind};

/// The Cedar schema the rules are written against.
pub const SCHEMA: &str = include_str!("../policies/confidant.cedarschema");

/// The policy packs, in layer order, with the file each came from.
pub const PACKS: &[(Layer, &str, &str)] = &[
    (Layer::Hipaa, "hipaa.cedar", include_str!("../policies/hipaa.cedar")),
    (Layer::Part2, "part2.cedar", include_str!("../policies/part2.cedar")),
    (Layer::California, "california.cedar", include_str!("../policies/california.cedar")),
    (Layer::California, "california-lps.cedar", include_str!("../policies/california-lps.cedar")),
    (Layer::Organization, "organization.cedar", include_str!("../policies/organization.cedar")),
];

/// One rule of the catalog, as its annotations describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub layer: Layer,
    pub cite: String,
    pub effect: Effect,
    /// One plain sentence a peer support specialist can read.
    pub summary: String,
    pub obligations: Vec<ObligationKind>,
    pub remedies: Vec<RemedyKind>,
    /// Extra advice for the explanation when the rule contributes.
    pub advice: Option<String>,
    /// The Cedar text of the rule, for `confidant rules ID`.
    pub source: String,
    pub(crate) blocking: Blocking,
}

/// How a forbid interacts with the permissions it meets (src/combine.rs).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Blocking {
    /// Rule indices this forbid never blocks.
    pub spares: Vec<usize>,
    /// When set, the only rule indices this forbid blocks.
    pub only_blocks: Option<Vec<usize>>,
    /// Stands down when a rule of its own layer releases the category.
    pub yields_to_layer: bool,
    /// Stands down when any law requires the disclosure.
    pub yields_to_requirement: bool,
    /// Blocks required disclosures too (otherwise only permissions).
    pub blocks_required: bool,
    /// The layer's deny-by-default: its remedies are offered only when no
    /// more specific forbid explains the withholding.
    pub default_deny: bool,
    /// When this rule fires, the other rules of this layer are off.
    pub supersedes: Option<Layer>,
    /// An obligation not owed on a required disclosure.
    pub unless_required: bool,
}

/// The loaded catalog: the Cedar policy set and each rule's metadata.
#[derive(Debug)]
pub struct Catalog {
    pub(crate) policies: PolicySet,
    /// The same policies split by layer, so only applicable layers are evaluated.
    pub(crate) layer_policies: Vec<(Layer, PolicySet)>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) by_policy: HashMap<PolicyId, usize>,
    /// Where the rules' comparisons on `context.client.age` change truth.
    pub(crate) age_breakpoints: Vec<i64>,
    /// The same for `context.client.years_since_death`.
    pub(crate) death_breakpoints: Vec<i64>,
    /// `sha256:<hex>` over the packs' layers, file names and texts, so a
    /// stored decision names the exact rules it came from.
    pub(crate) version: String,
}

/// A defect in the embedded rule packs; a build with one never ships,
/// because the test suite loads the catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: cedar syntax: {message}")]
    Syntax { file: &'static str, message: String },
    #[error("{file}: a rule has no `@{annotation}` annotation:\n{source_text}")]
    MissingAnnotation { file: &'static str, annotation: &'static str, source_text: String },
    #[error("{file}: rule `{id}`: `@{annotation}` {message}")]
    BadAnnotation { file: &'static str, id: String, annotation: &'static str, message: String },
    #[error("rule id `{0}` is used twice")]
    DuplicateId(String),
    #[error("cedar: {0}")]
    Cedar(String),
}

impl Catalog {
    /// Parses and checks the embedded packs.
    pub fn load() -> Result<Catalog, CatalogError> {
        Catalog::from_packs(PACKS)
    }

    /// Parses and checks the given packs (tests use this with broken ones).
    pub fn from_packs(packs: &[(Layer, &'static str, &str)]) -> Result<Catalog, CatalogError> {
        let mut parsed: Vec<(Layer, &'static str, Policy)> = Vec::new();
        for (layer, file, text) in packs {
            let set: PolicySet = text
                .parse()
                .map_err(|e: cedar_policy::ParseErrors| CatalogError::Syntax { file, message: e.to_string() })?;
            let mut policies: Vec<Policy> = set.policies().cloned().collect();
            // Keep the file's order: it is the order `confidant rules` lists.
            policies.sort_by_key(|p| policy_number(p.id()));
            parsed.extend(policies.into_iter().map(|p| (*layer, *file, p)));
        }

        let mut rules = Vec::with_capacity(parsed.len());
        let mut index: HashMap<String, usize> = HashMap::new();
        for (layer, file, policy) in &parsed {
            let id = required(policy, file, "id")?.to_string();
            if index.insert(id.clone(), rules.len()).is_some() {
                return Err(CatalogError::DuplicateId(id));
            }
            rules.push(describe(*layer, file, policy, &id)?);
        }
        // Cross-references can point forward, so they resolve in a second pass.
        for (i, (_, file, policy)) in parsed.iter().enumerate() {
            let blocking = resolve_blocking(policy, file, &index)?;
            if let Some(rule) = rules.get_mut(i) {
                rule.blocking = blocking;
            }
        }

        let mut policies = PolicySet::new();
        let mut layer_policies: Vec<(Layer, PolicySet)> = Vec::new();
        let mut by_policy = HashMap::new();
        for (i, (layer, _, policy)) in parsed.iter().enumerate() {
            let Some(rule) = rules.get(i) else { continue };
            let pid = PolicyId::new(&rule.id);
            let renamed = policy.new_id(pid.clone());
            policies.add(renamed.clone()).map_err(|e| CatalogError::Cedar(e.to_string()))?;
            let set = match layer_policies.iter_mut().find(|(l, _)| l == layer) {
                Some((_, set)) => set,
                None => {
                    layer_policies.push((*layer, PolicySet::new()));
                    match layer_policies.last_mut() {
                        Some((_, set)) => set,
                        None => continue,
                    }
                }
            };
            set.add(renamed).map_err(|e| CatalogError::Cedar(e.to_string()))?;
            by_policy.insert(pid, i);
        }
        let sources: Vec<&str> = packs.iter().map(|(_, _, text)| *text).collect();
        let age_breakpoints = breakpoints(&sources, "context.client.age")?;
        let death_breakpoints = breakpoints(&sources, "context.client.years_since_death")?;
        let version = rules_version(packs);
        Ok(Catalog { policies, layer_policies, rules, by_policy, age_breakpoints, death_breakpoints, version })
    }

    /// Every rule, in layer order and file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The digest of the loaded packs, `sha256:<hex>` (contract v2 `rules_version`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The Cedar policy set (for benchmarks and validation).
    pub fn policy_set(&self) -> &PolicySet {
        &self.policies
    }
}

/// The values at which a numeric attribute's comparisons can change truth:
/// every constant `T` it is compared with, and `T + 1`. Two values with the
/// same largest breakpoint at or below them satisfy exactly the same rules,
/// so the engine may evaluate (and memoize) the breakpoint instead of the
/// value. Any use of the attribute other than `attr OP constant` is refused,
/// because it could not be banded safely.
fn breakpoints(sources: &[&str], attribute: &str) -> Result<Vec<i64>, CatalogError> {
    let mut points = vec![0];
    for text in sources {
        let code: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
        for (at, _) in code.match_indices(attribute) {
            let rest = code.get(at + attribute.len()..).unwrap_or("");
            let rest = rest.trim_start();
            let op_len = rest.chars().take_while(|c| matches!(c, '<' | '>' | '=' | '!')).count();
            let digits: String = rest.get(op_len..).unwrap_or("").trim_start().chars().take_while(char::is_ascii_digit).collect();
            let valid_op = matches!(rest.get(..op_len), Some("<" | "<=" | ">" | ">=" | "==" | "!="));
            match digits.parse::<i64>() {
                Ok(t) if valid_op => points.extend([t, t.saturating_add(1)]),
                _ => {
                    return Err(CatalogError::Cedar(format!(
                        "`{attribute}` may only be compared with a number (`{attribute} >= 65`), so decisions can be memoized by band"
                    )));
                }
            }
        }
    }
    points.sort_unstable();
    points.dedup();
    Ok(points)
}

/// The digest of a set of packs: each pack's layer, file name and text,
/// length-prefixed so no two different sets can hash alike by concatenation.
fn rules_version(packs: &[(Layer, &'static str, &str)]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for (layer, file, text) in packs {
        for part in [layer.as_str(), file, text] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The largest breakpoint at or below `value`.
pub(crate) fn band(breakpoints: &[i64], value: i64) -> i64 {
    breakpoints.iter().copied().take_while(|b| *b <= value).last().unwrap_or(value)
}

/// `policy12` → 12: Cedar numbers policies in file order.
fn policy_number(id: &PolicyId) -> usize {
    id.to_string().trim_start_matches("policy").parse().unwrap_or(usize::MAX)
}

fn required<'p>(policy: &'p Policy, file: &'static str, key: &'static str) -> Result<&'p str, CatalogError> {
    policy.annotation(key).filter(|v| !v.trim().is_empty()).ok_or_else(|| CatalogError::MissingAnnotation {
        file,
        annotation: key,
        source_text: policy.to_string(),
    })
}

fn describe(layer: Layer, file: &'static str, policy: &Policy, id: &str) -> Result<Rule, CatalogError> {
    let bad = |annotation: &'static str, message: String| CatalogError::BadAnnotation { file, id: id.to_string(), annotation, message };
    let prefix = match layer {
        Layer::Hipaa => "hipaa.",
        Layer::Part2 => "part2.",
        Layer::California => "ca.",
        Layer::Organization => "org.",
    };
    if !id.starts_with(prefix) {
        return Err(bad("id", format!("should start with `{prefix}` in the {layer} layer")));
    }
    let cite = required(policy, file, "cite")?.to_string();
    if layer == Layer::Organization && cite != format!("org:{}", id.trim_start_matches("org.")) {
        return Err(bad("cite", "should be `org:<rule-id>` for an organization rule".into()));
    }
    let effect_text = required(policy, file, "effect")?;
    let effect = Effect::parse(effect_text).ok_or_else(|| bad("effect", format!("is `{effect_text}`; expected one of {}", Effect::expected())))?;
    if effect == Effect::Require && !layer.is_law() {
        return Err(bad("effect", "`require` is for law layers only".into()));
    }
    let summary = required(policy, file, "summary")?.to_string();
    let obligations = list(policy.annotation("obligations"), ObligationKind::parse)
        .map_err(|v| bad("obligations", format!("names `{v}`; expected one of {}", ObligationKind::expected())))?;
    let remedies = list(policy.annotation("remedies"), RemedyKind::parse)
        .map_err(|v| bad("remedies", format!("names `{v}`; expected one of {}", RemedyKind::expected())))?;
    let releases_or_obligates = matches!(effect, Effect::Require | Effect::Permit | Effect::Obligate);
    if !obligations.is_empty() && !releases_or_obligates {
        return Err(bad("obligations", "only rules that release or obligate carry obligations".into()));
    }
    if !remedies.is_empty() && releases_or_obligates {
        return Err(bad("remedies", "only forbid and advise rules carry remedies".into()));
    }
    if effect == Effect::Obligate && obligations.is_empty() {
        return Err(bad("obligations", "an obligate rule must name at least one obligation".into()));
    }
    Ok(Rule {
        id: id.to_string(),
        layer,
        cite,
        effect,
        summary,
        obligations,
        remedies,
        advice: policy.annotation("advice").map(str::to_string),
        source: policy.to_string(),
        blocking: Blocking::default(),
    })
}

fn resolve_blocking(policy: &Policy, file: &'static str, index: &HashMap<String, usize>) -> Result<Blocking, CatalogError> {
    let id = policy.annotation("id").unwrap_or_default().to_string();
    let bad = |annotation: &'static str, message: String| CatalogError::BadAnnotation { file, id: id.clone(), annotation, message };
    let ids = |key: &'static str| -> Result<Option<Vec<usize>>, CatalogError> {
        let Some(text) = policy.annotation(key) else { return Ok(None) };
        text.split(',')
            .map(str::trim)
            .map(|name| index.get(name).copied().ok_or_else(|| bad(key, format!("names unknown rule `{name}`"))))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    let flag = |key: &'static str| -> Result<bool, CatalogError> {
        match policy.annotation(key) {
            None => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(bad(key, format!("is `{other}`; expected `true` or no annotation"))),
        }
    };
    let mut yields_to_layer = false;
    let mut yields_to_requirement = false;
    if let Some(text) = policy.annotation("yields") {
        for part in text.split(',').map(str::trim) {
            match part {
                "layer" => yields_to_layer = true,
                "requirement" => yields_to_requirement = true,
                other => return Err(bad("yields", format!("names `{other}`; expected `layer` or `requirement`"))),
            }
        }
    }
    let supersedes = match policy.annotation("supersedes") {
        None => None,
        Some(name) => Some(Layer::parse(name).ok_or_else(|| bad("supersedes", format!("names `{name}`; expected one of {}", Layer::expected())))?),
    };
    let blocking = Blocking {
        spares: ids("spares")?.unwrap_or_default(),
        only_blocks: ids("only_blocks")?,
        yields_to_layer,
        yields_to_requirement,
        blocks_required: flag("blocks_required")?,
        default_deny: flag("default_deny")?,
        supersedes,
        unless_required: flag("unless_required")?,
    };
    if blocking.blocks_required && id.starts_with("org.") {
        return Err(bad("blocks_required", "the organization layer never blocks a required disclosure".into()));
    }
    let effect = policy.annotation("effect").unwrap_or_default();
    let forbid_only = !blocking.spares.is_empty() || blocking.only_blocks.is_some() || yields_to_layer || yields_to_requirement || blocking.blocks_required || blocking.default_deny;
    if forbid_only && effect != "forbid" {
        return Err(bad("effect", "only a forbid may carry @spares, @only_blocks, @yields, @blocks_required or @default_deny".into()));
    }
    Ok(blocking)
}

fn list<T>(text: Option<&str>, parse: fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    match text {
        None => Ok(Vec::new()),
        Some(t) if t.trim().is_empty() => Ok(Vec::new()),
        Some(t) => t.split(',').map(str::trim).map(|v| parse(v).ok_or_else(|| v.to_string())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakpoints_cover_every_comparison_constant_and_the_next_value() {
        let text = "when { context.client.age >= 65 && context.client.age < 18 } // context.client.age == 99";
        let points = breakpoints(&[text], "context.client.age").ok();
        assert_eq!(points, Some(vec![0, 18, 19, 65, 66]));
        assert_eq!(band(&[0, 18, 19, 65, 66], 34), 19);
        assert_eq!(band(&[0, 18, 19, 65, 66], 65), 65);
        assert_eq!(band(&[0, 18, 19, 65, 66], 81), 66);
    }

    #[test]
    fn an_attribute_used_other_than_against_a_constant_is_refused() {
        assert!(breakpoints(&["context.client.age + 1 > 3"], "context.client.age").is_err());
        assert!(breakpoints(&["[context.client.age].contains(3)"], "context.client.age").is_err());
    }

    #[test]
    fn the_embedded_rules_band_age_at_18_and_65_and_death_at_50_years() {
        let catalog = Catalog::load().ok();
        assert_eq!(catalog.as_ref().map(|c| c.age_breakpoints.clone()), Some(vec![0, 18, 19, 65, 66]));
        assert_eq!(catalog.map(|c| c.death_breakpoints), Some(vec![0, 50, 51]));
    }
}
