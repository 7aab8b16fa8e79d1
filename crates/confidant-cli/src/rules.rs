//! `confidant rules [ID]`: the rule catalog, or one rule explained.

use std::io::{self, Write};

use confidant_policy::{Engine, Rule};
use serde_json::json;

use crate::{Failure, render};

/// How `confidant rules` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Json,
    Text,
    /// The whole catalog as Markdown (`docs/rules.md`).
    Markdown,
}

pub fn run(id: Option<&str>, format: RulesFormat) -> Result<(), Failure> {
    let engine = Engine::new().map_err(|e| Failure::Internal(e.to_string()))?;
    let text = match id {
        None => match format {
            RulesFormat::Json => json_text(&engine.rules().iter().map(rule_json).collect::<Vec<_>>())?,
            RulesFormat::Text => render::rule_table(engine.rules()),
            RulesFormat::Markdown => engine.catalog().markdown().trim_end().to_string(),
        },
        Some(id) => {
            let rule = engine.rule(id).ok_or_else(|| {
                Failure::Input(format!("{id}: a rule id; `confidant rules` lists them (e.g. `hipaa.treatment`)"))
            })?;
            match format {
                RulesFormat::Json => json_text(&rule_json(rule))?,
                RulesFormat::Text | RulesFormat::Markdown => render::rule_detail(rule),
            }
        }
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{text}").map_err(|e| Failure::Internal(e.to_string()))
}

fn rule_json(rule: &Rule) -> serde_json::Value {
    json!({
        "id": rule.id,
        "layer": rule.layer,
        "cite": rule.cite,
        "effect": rule.effect,
        "summary": rule.summary,
        "obligations": rule.obligations,
        "remedies": rule.remedies,
        "policy": rule.source,
    })
}

fn json_text(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|e| Failure::Internal(e.to_string()))
}
