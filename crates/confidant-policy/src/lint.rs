//! Load-time checks on a pack's policies that Cedar's validator cannot make:
//! every string a policy compares with a vocabulary attribute must be a known
//! value (a misspelt `"treatmnet"` validates, and the rule silently never
//! fires), and the numeric attributes the engine bands for its memo must be
//! compared only with constants. Both read the parsed policy (Cedar's JSON
//! form), never the text, so `context["purpose"]` and `context.purpose` are
//! the same thing to them.

use serde_json::Value;

use crate::vocab::{Category, ClientStatus, Jurisdiction, Purpose, RecipientKind, Role};

/// An attribute whose values come from a closed vocabulary.
struct VocabAttribute {
    path: &'static str,
    known: fn(&str) -> bool,
    expected: fn() -> String,
}

const VOCABULARY: &[VocabAttribute] = &[
    VocabAttribute { path: "context.purpose", known: |s| Purpose::parse(s).is_some(), expected: Purpose::expected },
    VocabAttribute { path: "context.recipient.kind", known: |s| RecipientKind::parse(s).is_some(), expected: RecipientKind::expected },
    VocabAttribute { path: "resource.category", known: |s| Category::parse(s).is_some(), expected: Category::expected },
    VocabAttribute { path: "principal.role", known: |s| Role::parse(s).is_some(), expected: Role::expected },
    VocabAttribute { path: "context.client.status", known: |s| ClientStatus::parse(s).is_some(), expected: ClientStatus::expected },
    VocabAttribute { path: "context.jurisdiction", known: |s| Jurisdiction::parse(s).is_some(), expected: Jurisdiction::expected },
];

/// The numeric attributes the memo bands (src/engine.rs `EvalInput`).
pub(crate) const BANDED: [&str; 2] = ["context.client.age", "context.client.years_since_death"];

/// A problem found in one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    /// Text to look for in the policy's source to place the finding.
    pub needle: String,
    pub message: String,
}

/// `context.client.age` for an attribute access, `None` for anything else.
pub(crate) fn attribute_path(expr: &Value) -> Option<String> {
    if let Some(var) = expr.get("Var").and_then(Value::as_str) {
        return Some(var.to_string());
    }
    let access = expr.get(".")?;
    let base = attribute_path(access.get("left")?)?;
    let attr = access.get("attr")?.as_str()?;
    Some(format!("{base}.{attr}"))
}

fn string_literal(expr: &Value) -> Option<&str> {
    expr.get("Value").and_then(Value::as_str)
}

fn number_literal(expr: &Value) -> Option<i64> {
    expr.get("Value").and_then(Value::as_i64)
}

/// Checks the string literals compared with vocabulary attributes.
pub(crate) fn vocabulary_findings(policy_json: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    walk(policy_json, &mut |node| {
        let Some(object) = node.as_object() else { return };
        for (op, args) in object {
            let (Some(left), Some(right)) = (args.get("left"), args.get("right")) else { continue };
            let pairs: Vec<(&Value, &Value)> = match op.as_str() {
                "==" | "!=" => vec![(left, right), (right, left)],
                // `["a", "b"].contains(attr)`, and the set forms.
                "contains" => vec![(right, left)],
                "containsAny" | "containsAll" => vec![(left, right), (right, left)],
                _ => continue,
            };
            for (attr_side, literal_side) in pairs {
                let Some(path) = attribute_path(attr_side) else { continue };
                let Some(vocab) = VOCABULARY.iter().find(|v| v.path == path) else { continue };
                let literals: Vec<&str> = match literal_side.get("Set").and_then(Value::as_array) {
                    Some(items) => items.iter().filter_map(string_literal).collect(),
                    None => string_literal(literal_side).into_iter().collect(),
                };
                for literal in literals {
                    if !(vocab.known)(literal) {
                        out.push(Finding {
                            needle: format!("\"{literal}\""),
                            message: format!("`{literal}` is not a value of `{path}`; expected one of {}", (vocab.expected)()),
                        });
                    }
                }
            }
        }
    });
    out
}

/// The constants a banded attribute is compared with; an error when it is
/// used any other way, since the memo could then not be exact.
pub(crate) fn comparison_constants(policy_json: &Value, attribute: &str) -> Result<Vec<i64>, Finding> {
    let mut constants = Vec::new();
    let mut compared = 0usize;
    let mut uses = 0usize;
    walk(policy_json, &mut |node| {
        if attribute_path(node).as_deref() == Some(attribute) {
            uses += 1;
        }
        let Some(object) = node.as_object() else { return };
        for (op, args) in object {
            if !matches!(op.as_str(), "<" | "<=" | ">" | ">=" | "==" | "!=") {
                continue;
            }
            let (Some(left), Some(right)) = (args.get("left"), args.get("right")) else { continue };
            for (attr_side, literal_side) in [(left, right), (right, left)] {
                if attribute_path(attr_side).as_deref() == Some(attribute)
                    && let Some(n) = number_literal(literal_side)
                {
                    compared += 1;
                    constants.push(n);
                }
            }
        }
    });
    if compared == uses {
        Ok(constants)
    } else {
        let leaf = attribute.rsplit('.').next().unwrap_or(attribute);
        Err(Finding {
            needle: leaf.to_string(),
            message: format!(
                "`{attribute}` may only be compared with a number (`{attribute} >= 65`), so decisions can be memoized exactly"
            ),
        })
    }
}

/// Visits every node of a JSON tree, parents first.
fn walk(value: &Value, visit: &mut impl FnMut(&Value)) {
    visit(value);
    match value {
        Value::Object(map) => map.values().for_each(|v| walk(v, visit)),
        Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
        _ => {}
    }
}

/// 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
