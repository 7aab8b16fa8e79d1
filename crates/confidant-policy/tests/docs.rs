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
