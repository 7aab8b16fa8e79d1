//! `docs/rules.md` is generated from the packs; this test fails when it is
//! stale. Regenerate with `confidant rules --format markdown > docs/rules.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use confidant_policy::Catalog;

#[test]
fn docs_rules_md_matches_the_packs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/rules.md");
    let on_disk = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}; generate it with `confidant rules --format markdown > docs/rules.md`"));
    let generated = Catalog::load().expect("catalog loads").markdown();
    assert!(
        on_disk.trim_end() == generated.trim_end(),
        "docs/rules.md is stale: regenerate it with `confidant rules --format markdown > docs/rules.md`"
    );
}

/// What staff read (a rule's plain summary and its advice) carries no
/// engineering notes: no field names in backticks, no issue or position ids.
/// Those belong after "Position" in the catalog.
#[test]
fn what_a_decision_shows_carries_no_engineering_notes() {
    let catalog = Catalog::load().expect("catalog loads");
    for rule in catalog.rules() {
        for text in [Some(rule.plain_summary()), rule.advice.as_deref()].into_iter().flatten() {
            for mark in ["`", "issue 12", "AMB-", "Position"] {
                assert!(!text.contains(mark), "{}: {mark:?} in text shown to staff: {text}", rule.id);
            }
        }
    }
}
