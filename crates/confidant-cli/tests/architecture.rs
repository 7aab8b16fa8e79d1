//! The dependency direction ARCHITECTURE.md documents, checked against
//! `cargo metadata`: each crate may depend only on crates of a lower layer
//! (dev-dependencies may also reach their own layer), and every workspace
//! crate has a place in the table, so a new crate must be placed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::Command;

/// Layers, lowest first: policy, audit ← store ← disclosure, training ←
/// console ← server ← cli.
const LAYERS: &[(&str, u8)] = &[
    ("confidant-policy", 0),
    ("confidant-audit", 0),
    ("confidant-store", 1),
    ("confidant-disclosure", 2),
    ("confidant-training", 2),
    ("confidant-app", 3),
    ("confidant-console", 3),
    ("confidant-server", 4),
    ("confidant-cli", 5),
];

fn layer(name: &str) -> Option<u8> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

#[test]
fn crates_depend_only_downward_as_architecture_md_says() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: Vec<&str> = metadata["packages"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    let mut problems = Vec::new();
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let Some(own) = layer(name) else {
            problems.push(format!("{name} has no layer in this test's table (and ARCHITECTURE.md)"));
            continue;
        };
        for dep in package["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            if !members.contains(&dep_name) {
                continue;
            }
            let theirs = layer(dep_name).unwrap_or(u8::MAX);
            let dev = dep["kind"].as_str() == Some("dev");
            let allowed = if dev { theirs <= own } else { theirs < own };
            if !allowed {
                problems.push(format!(
                    "{name} (layer {own}) depends on {dep_name} (layer {theirs}){}",
                    if dev { " as a dev-dependency" } else { "" }
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(members.len(), LAYERS.len(), "workspace crates: {members:?}");
}
