//! SECURITY.md names, for each protection, the test that shows it. A
//! renamed or deleted test must not leave the page pointing at nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_test_security_md_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let page = std::fs::read_to_string(root.join("SECURITY.md")).unwrap();
    let mut sources = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let krate = krate.unwrap().path();
        for sub in ["tests", "src"] {
            if krate.join(sub).is_dir() {
                rust_files(&krate.join(sub), &mut sources);
            }
        }
    }
    let mut named = 0;
    for quoted in page.split('`').skip(1).step_by(2) {
        let Some((_, name)) = quoted.rsplit_once("::") else { continue };
        if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') || name.is_empty() {
            continue;
        }
        named += 1;
        let needle = format!("fn {name}(");
        assert!(sources.iter().any(|s| s.contains(&needle)), "SECURITY.md names `{quoted}`, which no test defines");
    }
    assert!(named >= 30, "only {named} tests named; did the page's format change?");
}
