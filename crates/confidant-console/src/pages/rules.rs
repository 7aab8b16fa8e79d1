//! The rule catalog and the packs in use.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The rule packs in use, for the privacy officer and the admin.
#[derive(Clone, Debug)]
pub struct PacksView {
    /// `built-in packs`, or the packs directory.
    pub source: String,
    /// The catalog digest decisions name.
    pub rules_version: String,
    /// How many rules are loaded.
    pub rules: usize,
    /// The packs directory's own scenarios: passed, and the failures.
    pub tests: Option<(usize, Vec<String>)>,
    /// The last reload, if any since start.
    pub last_reload: Option<ReloadView>,
}

/// What the last reload changed, from the decisions it replayed.
#[derive(Clone, Debug)]
pub struct ReloadView {
    /// When, in words.
    pub when: String,
    /// Who reloaded.
    pub by: String,
    /// The catalog digest before.
    pub old_version: String,
    /// The catalog digest after.
    pub new_version: String,
    /// Recorded decisions replayed.
    pub replayed: usize,
    /// Category outcomes that changed.
    pub changed: usize,
    /// Audit entry, category, old outcome, new outcome, rules (old → new).
    pub changes: Vec<(u64, String, String, String, String)>,
}

fn packs_section(packs: &PacksView) -> Markup {
    html! {
        section aria-labelledby="packs" {
            h2 #packs { "Rule packs in use" }
            dl.facts {
                dt { "From" } dd { (packs.source) }
                dt { "Rules version" } dd { code { (packs.rules_version) } }
                dt { "Rules" } dd { (packs.rules) }
                dt { "Pack tests" }
                dd {
                    @match &packs.tests {
                        None => "no scenarios beside the packs",
                        Some((passed, failures)) if failures.is_empty() => { (passed) " passed, 0 failed" }
                        Some((passed, failures)) => {
                            strong { (passed) " passed, " (failures.len()) " failed" }
                            ul { @for f in failures { li { (f) } } }
                        }
                    }
                }
            }
            @if let Some(reload) = &packs.last_reload {
                h3 { "Last reload" }
                p {
                    (reload.when) " by " (reload.by) ": " code { (reload.old_version) } " → " code { (reload.new_version) } ". "
                    (reload.replayed) " recorded decisions of the last 30 days replayed; " (reload.changed) " category outcomes change."
                }
                @if !reload.changes.is_empty() {
                    table {
                        thead { tr { th scope="col" { "Audit entry" } th scope="col" { "Category" } th scope="col" { "Before" } th scope="col" { "Now" } th scope="col" { "Rules (before → now)" } } }
                        tbody {
                            @for (entry, category, old, new, rules) in &reload.changes {
                                tr { td { a href=(routes::audit_entry(*entry)) { (entry) } } td { (humanize(category)) } td { (old) } td { (new) } td { (rules) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Every rule with its layer, cite and summary.
pub fn rules(viewer: &Viewer, rules: &[Rule], packs: Option<&PacksView>) -> Markup {
    frame(
        Some(viewer),
        "Rules",
        None,
        html! {
            @if let Some(packs) = packs { (packs_section(packs)) }
            p { "The rules Confidant applies, one per line, in the words staff use. Each links to its page with the policy text." }
            table {
                thead { tr { th scope="col" { "Rule" } th scope="col" { "Layer" } th scope="col" { "Cite" } th scope="col" { "In short" } } }
                tbody {
                    @for rule in rules {
                        tr { td { a href=(routes::rule(&rule.id)) { (rule.id) } } td { (humanize(rule.layer.as_str())) } td { (rule.cite) } td { (rule.summary) } }
                    }
                }
            }
        },
    )
}

/// One rule explained: its cite, effect, summary and Cedar policy.
pub fn rule(viewer: &Viewer, rule: &Rule) -> Markup {
    frame(
        Some(viewer),
        &rule.id,
        None,
        html! {
            p { (rule.summary) }
            dl.facts {
                dt { "Layer" } dd { (humanize(rule.layer.as_str())) }
                dt { "Cite" } dd { (rule.cite) }
                dt { "Effect" } dd { (humanize(rule.effect.as_str())) }
                @if !rule.obligations.is_empty() { dt { "Obligations" } dd { (rule.obligations.iter().map(|o| humanize(o.as_str())).collect::<Vec<_>>().join(", ")) } }
                @if !rule.remedies.is_empty() { dt { "Remedies" } dd { (rule.remedies.iter().map(|r| humanize(r.as_str())).collect::<Vec<_>>().join(", ")) } }
            }
            @if let Some(advice) = &rule.advice { p { (advice) } }
            h2 { "Policy text (Cedar)" }
            pre.source { (rule.source) }
            p { a href=(routes::RULES) { "All rules" } }
        },
    )
}
