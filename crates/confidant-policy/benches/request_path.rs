//! What `POST /v1/decisions` spends inside the engine crate, per request:
//! parse the JSON text, decide (memoized, as the server does), render the
//! decision as JSON. Every run measures the current path beside the old one
//! it replaced, on the same requests in the same process.
//!
//! The requests are those `scripts/bench-http` sends by default: every
//! project scenario that expects a decision (not an error).
//!
//! - `parse/value_validator` (the old path: a `serde_json::Value`, then the
//!   field-by-field validator) against `parse/typed` (`parse_request`,
//!   which reads straight into the request's types);
//! - `parse_decide_render/old` against `parse_decide_render/new`: the whole
//!   path, with the old parser and serde's rendering against the current
//!   `parse_request` and rendering.
//!
//! Criterion reports each as a throughput in requests per second. On a
//! shared, busy machine its runs one after the other drift apart, so the
//! bench then also times old and new in alternation (`interleaved`: 41
//! rounds, each over every request) and prints the median of the per-round
//! ratios and the ratio of the fastest rounds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use confidant_policy::{Decision, Engine, Request, parse_request, request_from_value};
use criterion::{Criterion, Throughput, criterion_group};
use serde_json::Value;

/// The project's scenario requests that expect a decision, as JSON text.
fn scenario_requests() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = ["federal", "california", "independent"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|path| {
            let scenario: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            scenario.pointer("/expect/decision").filter(|d| !d.is_null())?;
            Some(scenario["request"].to_string())
        })
        .collect()
}

/// The parser before the typed fast path: a `Value`, then the validator.
fn parse_old(text: &str) -> Request {
    request_from_value(&serde_json::from_str::<Value>(text).unwrap(), "").unwrap()
}

/// serde's rendering into one presized buffer, as the server wrote it.
fn render_old(decision: &Decision) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    serde_json::to_writer(&mut out, decision).unwrap();
    out
}

fn render_new(decision: &Decision) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    decision.write_json(&mut out);
    out
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new().expect("engine loads");
    let texts = scenario_requests();
    assert!(texts.len() > 500, "scenario requests: {}", texts.len());
    let decisions: Vec<Decision> = texts.iter().map(|t| engine.decide(&parse_old(t)).unwrap()).collect();
    for (text, decision) in texts.iter().zip(&decisions) {
        assert_eq!(parse_request(text).unwrap(), parse_old(text));
        assert_eq!(render_new(decision), render_old(decision));
    }
    let n = texts.len() as u64;

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(n));
    group.bench_function("value_validator", |b| b.iter(|| texts.iter().map(|t| parse_old(black_box(t)).categories.len()).sum::<usize>()));
    group
        .bench_function("typed", |b| b.iter(|| texts.iter().map(|t| parse_request(black_box(t)).unwrap().categories.len()).sum::<usize>()));
    group.finish();

    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(n));
    group.bench_function("serde", |b| b.iter(|| decisions.iter().map(|d| render_old(black_box(d)).len()).sum::<usize>()));
    group.bench_function("new", |b| b.iter(|| decisions.iter().map(|d| render_new(black_box(d)).len()).sum::<usize>()));
    group.finish();

    let mut group = c.benchmark_group("parse_decide_render");
    group.throughput(Throughput::Elements(n));
    group.bench_function("old", |b| {
        b.iter(|| texts.iter().map(|t| render_old(&engine.decide(&parse_old(black_box(t))).unwrap()).len()).sum::<usize>())
    });
    group.bench_function("new", |b| {
        b.iter(|| texts.iter().map(|t| render_new(&engine.decide(&parse_request(black_box(t)).unwrap()).unwrap()).len()).sum::<usize>())
    });
    group.finish();
}

/// Times `old` and `new` in alternation, each round over every request, and
/// prints the per-request times and the old/new ratios.
fn interleaved(label: &str, n: usize, mut old: impl FnMut() -> usize, mut new: impl FnMut() -> usize) {
    const ROUNDS: usize = 41;
    let mut times = [Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS)];
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS + 2 {
        let mut elapsed = [0.0; 2];
        for which in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let started = Instant::now();
            black_box(if which == 0 { old() } else { new() });
            elapsed[which] = started.elapsed().as_secs_f64() / n as f64 * 1e6;
        }
        // The first two rounds warm caches and the memo.
        if round >= 2 {
            times[0].push(elapsed[0]);
            times[1].push(elapsed[1]);
            ratios.push(elapsed[0] / elapsed[1]);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let (old_min, new_min) = (min(&times[0]), min(&times[1]));
    println!(
        "interleaved {label}: old {:.2} µs, new {:.2} µs per request (medians); old/new: median {:.2}x, fastest rounds {:.2}x",
        median(&mut times[0]),
        median(&mut times[1]),
        median(&mut ratios),
        old_min / new_min,
    );
}

fn ratios() {
    let engine = Engine::new().expect("engine loads");
    let texts = scenario_requests();
    let decisions: Vec<Decision> = texts.iter().map(|t| engine.decide(&parse_old(t)).unwrap()).collect();
    let n = texts.len();
    let sizes: Vec<usize> = decisions.iter().map(|d| render_old(d).len()).collect();
    let explanation: usize = decisions.iter().map(|d| d.explanation.len()).sum();
    let rules: usize =
        decisions.iter().map(|d| d.rules.iter().map(|r| r.summary.len() + r.cite.len() + r.id.len() + 60).sum::<usize>()).sum();
    println!(
        "decisions: {} bytes on average (largest {}, {} over 4 KiB); explanations {} bytes, rules {} bytes on average",
        sizes.iter().sum::<usize>() / n,
        sizes.iter().max().unwrap(),
        sizes.iter().filter(|s| **s > 4096).count(),
        explanation / n,
        rules / n
    );
    interleaved(
        "parse",
        n,
        || texts.iter().map(|t| parse_old(black_box(t)).categories.len()).sum(),
        || texts.iter().map(|t| parse_request(black_box(t)).unwrap().categories.len()).sum(),
    );
    interleaved(
        "render",
        n,
        || decisions.iter().map(|d| render_old(black_box(d)).len()).sum(),
        || decisions.iter().map(|d| render_new(black_box(d)).len()).sum(),
    );
    interleaved(
        "parse_decide_render",
        n,
        || texts.iter().map(|t| render_old(&engine.decide(&parse_old(black_box(t))).unwrap()).len()).sum(),
        || texts.iter().map(|t| render_new(&engine.decide(&parse_request(black_box(t)).unwrap()).unwrap()).len()).sum(),
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench -- <filter>` runs the interleaved ratios only when the
    // filter is absent or names them.
    if std::env::args().skip(1).filter(|a| !a.starts_with('-')).all(|a| "interleaved".contains(&a)) {
        ratios();
    }
}
