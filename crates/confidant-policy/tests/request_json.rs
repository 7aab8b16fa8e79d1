//! `request_to_value` is the inverse of the parser: every scenario's request
//! (the public ones beside the project and the project's own) reads back as
//! the same request, and decides the same, after a trip through JSON. Recorded
//! decisions keep their request this way, so `rules diff` can replay them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use confidant_policy::{Engine, request_from_value, request_to_value};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_scenario_request_survives_a_trip_through_json_and_decides_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    json_files(&root.join("tests/scenarios"), &mut files);
    json_files(&root.join("../../../shared/scenarios"), &mut files);
    let engine = Engine::new().unwrap();
    let mut checked = 0;
    for file in &files {
        let scenario: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let Some(value) = scenario.get("request") else { continue };
        let Ok(request) = request_from_value(value, "") else { continue };
        let written = request_to_value(&request);
        let again = request_from_value(&written, "").unwrap_or_else(|e| panic!("{}: {e}\n{written:#}", file.display()));
        assert_eq!(again, request, "{}", file.display());
        assert_eq!(
            serde_json::to_value(engine.decide(&again).unwrap()).unwrap(),
            serde_json::to_value(engine.decide(&request).unwrap()).unwrap(),
            "{}",
            file.display()
        );
        checked += 1;
    }
    assert!(checked >= 450, "only {checked} scenario requests found");
}
