//! The decision JSON the server sends, written by hand
//! (`Decision::write_json`), is byte for byte serde's rendering of the same
//! decision, for every scenario of the contract (v1 and v2) and of the
//! project, decided with the built-in packs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use confidant_policy::{Engine, parse_request};
use serde_json::Value;

#[test]
fn every_scenario_decision_writes_the_same_json_bytes_as_serde() {
    let engine = Engine::new().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [
        root.join("../../../shared/scenarios"),
        root.join("../../../shared/scenarios/v2"),
        root.join("tests/scenarios/federal"),
        root.join("tests/scenarios/california"),
        root.join("tests/scenarios/independent"),
    ];
    let mut decided = 0;
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let scenario: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let Some(Ok(request)) = scenario.get("request").map(|r| parse_request(&r.to_string())) else { continue };
            let Ok(decision) = engine.decide(&request) else { continue };
            let mut written = Vec::new();
            decision.write_json(&mut written);
            assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&decision).unwrap(), "{}", path.display());
            decided += 1;
        }
    }
    assert!(decided > 600, "scenarios decided: {decided}");
}
