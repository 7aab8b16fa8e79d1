//! Reading one rule's annotations into a `Rule`: the checks each annotation
//! must pass, and the cross-references (`@spares`, `@only_blocks`, …)
//! resolved against the whole catalog.

use std::collections::HashMap;

use cedar_policy::Policy;

use super::error::{CatalogError, policy_position, rule_position};
use super::{Blocking, Duty, Rule};
use crate::vocab::{Effect, Jurisdiction, Layer, ObligationKind, RemedyKind};

/// An annotation's value. Cedar's own `Policy::annotation` parses the key
/// as an identifier on every call (a parser run per lookup); reading the
/// annotations in place is what made loading the catalog cheap again.
pub(super) fn annotation<'p>(policy: &'p Policy, key: &str) -> Option<&'p str> {
    policy.annotations().find(|(k, _)| *k == key).map(|(_, v)| v)
}

pub(super) fn required<'p>(policy: &'p Policy, file: &str, text: &str, key: &'static str) -> Result<&'p str, CatalogError> {
    annotation(policy, key).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
        let (line, column) = match annotation(policy, "id") {
            Some(id) => rule_position(text, id),
            None => policy_position(text, policy),
        };
        CatalogError::MissingAnnotation { file: file.to_string(), line, column, annotation: key, source_text: policy.to_string() }
    })
}

pub(super) fn describe(layer: Layer, file: &str, text: &str, policy: &Policy, id: &str) -> Result<Rule, CatalogError> {
    // The position is only found for an error: scanning the file per rule
    // was a visible share of loading.
    let bad = |annotation: &'static str, message: String| {
        let (line, column) = rule_position(text, id);
        CatalogError::BadAnnotation { file: file.to_string(), line, column, id: id.to_string(), annotation, message }
    };
    let prefix = match layer {
        Layer::Hipaa => "hipaa.",
        Layer::Part2 => "part2.",
        Layer::California => "ca.",
        Layer::State => "state.",
        Layer::Organization => "org.",
    };
    if !id.starts_with(prefix) {
        return Err(bad("id", format!("should start with `{prefix}` in the {layer} layer")));
    }
    // Another state's rules name their state; no other rule may.
    let jurisdiction = match (layer, annotation(policy, "jurisdiction")) {
        (Layer::State, Some(code)) => Some(
            Jurisdiction::parse(code)
                .filter(|j| j.is_state())
                .ok_or_else(|| bad("jurisdiction", format!("is `{code}`; expected a US state, DC or territory code such as `US-NY`")))?,
        ),
        (Layer::State, None) => {
            return Err(bad("jurisdiction", "a state pack's rule names its state, e.g. `@jurisdiction(\"US-NY\")`".into()));
        }
        (_, Some(_)) => {
            return Err(bad("jurisdiction", format!("belongs on `state.` rules only; the {layer} layer's jurisdiction is fixed")));
        }
        (_, None) => None,
    };
    let cite = required(policy, file, text, "cite")?.to_string();
    if layer == Layer::Organization && cite != format!("org:{}", id.trim_start_matches("org.")) {
        return Err(bad("cite", "should be `org:<rule-id>` for an organization rule".into()));
    }
    let effect_text = required(policy, file, text, "effect")?;
    let effect =
        Effect::parse(effect_text).ok_or_else(|| bad("effect", format!("is `{effect_text}`; expected one of {}", Effect::expected())))?;
    if effect == Effect::Require && !layer.is_law() {
        return Err(bad("effect", "`require` is for law layers only".into()));
    }
    let summary = required(policy, file, text, "summary")?.to_string();
    let obligations = list(annotation(policy, "obligations"), ObligationKind::parse)
        .map_err(|v| bad("obligations", format!("names `{v}`; expected one of {}", ObligationKind::expected())))?;
    let remedies = list(annotation(policy, "remedies"), RemedyKind::parse)
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
    let duty = match annotation(policy, "duty") {
        None => None,
        Some(_) if effect != Effect::Require => return Err(bad("duty", "belongs on `require` rules only".into())),
        Some(text) => Some(Duty::parse(text).ok_or_else(|| bad("duty", format!("is `{text}`; expected `report` or `warning`")))?),
    };
    Ok(Rule {
        id: id.to_string(),
        layer,
        provisions: crate::cite::provisions(&cite),
        cite,
        effect,
        plain_end: super::plain_end(&summary),
        summary,
        obligations,
        remedies,
        advice: annotation(policy, "advice").map(str::to_string),
        source: policy.to_string(),
        jurisdiction,
        duty,
        blocking: Blocking::default(),
    })
}

pub(super) fn resolve_blocking(
    layer: Layer,
    policy: &Policy,
    file: &str,
    text: &str,
    index: &HashMap<String, usize>,
) -> Result<Blocking, CatalogError> {
    let id = annotation(policy, "id").unwrap_or_default().to_string();
    let bad = |annotation: &'static str, message: String| {
        let (line, column) = rule_position(text, &id);
        CatalogError::BadAnnotation { file: file.to_string(), line, column, id: id.clone(), annotation, message }
    };
    let ids = |key: &'static str| -> Result<Option<Vec<usize>>, CatalogError> {
        let Some(text) = annotation(policy, key) else { return Ok(None) };
        // A rule of another layer may be absent when that layer's pack was
        // replaced (an organization pack without `org.supervision`); a
        // missing rule of this rule's own layer is a typo.
        let own_prefix = id.split('.').next().unwrap_or_default();
        let mut found = Vec::new();
        for name in text.split(',').map(str::trim) {
            match index.get(name) {
                Some(i) => found.push(*i),
                None if name.split('.').next() != Some(own_prefix) && name.contains('.') => {}
                None => return Err(bad(key, format!("names unknown rule `{name}`"))),
            }
        }
        Ok(Some(found))
    };
    let flag = |key: &'static str| -> Result<bool, CatalogError> {
        match annotation(policy, key) {
            None => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(bad(key, format!("is `{other}`; expected `true` or no annotation"))),
        }
    };
    let mut yields_to_layer = false;
    let mut yields_to_requirement = false;
    if let Some(text) = annotation(policy, "yields") {
        for part in text.split(',').map(str::trim) {
            match part {
                "layer" => yields_to_layer = true,
                "requirement" => yields_to_requirement = true,
                other => return Err(bad("yields", format!("names `{other}`; expected `layer` or `requirement`"))),
            }
        }
    }
    let supersedes = match annotation(policy, "supersedes") {
        None => None,
        Some(name) => {
            Some(Layer::parse(name).ok_or_else(|| bad("supersedes", format!("names `{name}`; expected one of {}", Layer::expected())))?)
        }
    };
    // A layer may switch off only its own rules: no pack can silence another
    // law (a state pack cannot override Part 2, an organization pack no law).
    if let Some(other) = supersedes.filter(|l| *l != layer) {
        return Err(bad("supersedes", format!("names `{other}`; a rule may supersede only its own layer (`{layer}`)")));
    }
    let blocking = Blocking {
        spares: ids("spares")?.unwrap_or_default(),
        only_blocks: ids("only_blocks")?,
        yields_to_layer,
        yields_to_requirement,
        blocks_required: flag("blocks_required")?,
        default_deny: flag("default_deny")?,
        supersedes,
        unless_required: flag("unless_required")?,
        aside: flag("aside")?,
    };
    if blocking.blocks_required && id.starts_with("org.") {
        return Err(bad("blocks_required", "the organization layer never blocks a required disclosure".into()));
    }
    let effect = annotation(policy, "effect").unwrap_or_default();
    let forbid_only = !blocking.spares.is_empty()
        || blocking.only_blocks.is_some()
        || yields_to_layer
        || yields_to_requirement
        || blocking.blocks_required
        || blocking.default_deny;
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
