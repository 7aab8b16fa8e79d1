//! Text rendering for people: a decision as a table per category with cites,
//! then obligations as a checklist, remedies as next steps, the
//! authorizations on file and the explanation; the rule catalog as a table.

use std::fmt::Write;

use confidant_policy::{Decision, Rule};

const WIDTH: usize = 88;

pub fn decision(d: &Decision) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Decision: {}", d.decision.as_str().to_uppercase());
    let _ = writeln!(s);
    let cat_w = d.categories.iter().map(|c| c.category.as_str().len()).max().unwrap_or(8).max(8);
    let _ = writeln!(s, "{:<cat_w$}  {:<8}  CITES", "CATEGORY", "OUTCOME");
    for c in &d.categories {
        let cites = if c.cites.is_empty() { "–".to_string() } else { c.cites.join("; ") };
        let _ = writeln!(s, "{:<cat_w$}  {:<8}  {}", c.category.as_str(), c.outcome.as_str(), cites);
        if let Some(reason) = &c.reason {
            for line in wrap(reason, WIDTH.saturating_sub(cat_w + 12)) {
                let _ = writeln!(s, "{:<cat_w$}  {:<8}  {}", "", "", line);
            }
        }
    }
    if !d.obligations.is_empty() {
        let _ = writeln!(s, "\nBefore you share:");
        for o in &d.obligations {
            let cats: Vec<&str> = o.categories.iter().map(|c| c.as_str()).collect();
            item(&mut s, "[ ]", &format!("{} ({}): {}", o.kind, cats.join(", "), o.detail));
        }
    }
    if !d.remedies.is_empty() {
        let _ = writeln!(s, "\nTo make the withheld information shareable:");
        for r in &d.remedies {
            let cats: Vec<&str> = r.categories.iter().map(|c| c.as_str()).collect();
            item(&mut s, "->", &format!("{} ({}): {}", r.kind, cats.join(", "), r.detail));
        }
    }
    if !d.authorizations.is_empty() {
        let _ = writeln!(s, "\nAuthorizations on file:");
        for a in &d.authorizations {
            let status = if a.counts {
                "counts".to_string()
            } else {
                let reasons: Vec<String> = a.reasons.iter().map(|r| r.code()).collect();
                format!("does not count: {}", reasons.join(", "))
            };
            item(&mut s, "-", &format!("{}: {status}", a.id));
        }
    }
    let _ = writeln!(s, "\nRules that fired:");
    let id_w = d.rules.iter().map(|r| r.id.len()).max().unwrap_or(4);
    for r in &d.rules {
        let _ = writeln!(s, "  {:<id_w$}  {:<8}  {}", r.id, r.effect.as_str(), r.cite);
    }
    let _ = writeln!(s, "\nExplanation:");
    for line in wrap(&d.explanation, WIDTH - 2) {
        let _ = writeln!(s, "  {line}");
    }
    s
}

pub fn rule_table(rules: &[Rule]) -> String {
    let id_w = rules.iter().map(|r| r.id.len()).max().unwrap_or(2);
    let cite_w = rules.iter().map(|r| r.cite.len()).max().unwrap_or(4);
    let mut s = String::new();
    let _ = writeln!(s, "{:<id_w$}  {:<12}  {:<8}  {:<cite_w$}  SUMMARY", "ID", "LAYER", "EFFECT", "CITE");
    for r in rules {
        let _ = writeln!(s, "{:<id_w$}  {:<12}  {:<8}  {:<cite_w$}  {}", r.id, r.layer.as_str(), r.effect.as_str(), r.cite, r.summary);
    }
    let _ = write!(s, "{} rules. `confidant rules ID` explains one.", rules.len());
    s
}

pub fn rule_detail(r: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}  ({} layer, {})", r.id, r.layer, r.effect);
    let _ = writeln!(s, "Cite: {}", r.cite);
    let _ = writeln!(s);
    for line in wrap(&r.summary, WIDTH) {
        let _ = writeln!(s, "{line}");
    }
    if !r.obligations.is_empty() {
        let list: Vec<&str> = r.obligations.iter().map(|o| o.as_str()).collect();
        let _ = writeln!(s, "\nObligations when it releases: {}", list.join(", "));
    }
    if !r.remedies.is_empty() {
        let list: Vec<&str> = r.remedies.iter().map(|o| o.as_str()).collect();
        let _ = writeln!(s, "\nRemedies when it withholds: {}", list.join(", "));
    }
    let _ = write!(s, "\nPolicy (Cedar):\n{}", r.source);
    s
}

fn item(s: &mut String, bullet: &str, text: &str) {
    let pad = " ".repeat(bullet.len() + 3);
    for (i, line) in wrap(text, WIDTH - pad.len()).iter().enumerate() {
        if i == 0 {
            let _ = writeln!(s, "  {bullet} {line}");
        } else {
            let _ = writeln!(s, "{pad}{line}");
        }
    }
}

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
