//! A bounded load test on loopback: starts the server in-process on
//! 127.0.0.1 with the demo organization (or drives `--url`), then N
//! connections send a fixed number of requests — decisions (`POST
//! /v1/decisions`) and record reads (`GET /v1/clients/{id}/records`, each
//! audited) mixed — and it prints throughput, p50/p99 and errors, and checks
//! that the audit log verifies afterwards.
//!
//! `cargo bench -p confidant-server --bench load -- [--connections 32]
//! [--requests 50000] [--reads-per-100 10] [--url http://127.0.0.1:8080
//! --token TOKEN]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use confidant_audit::LogSigningKey;
use confidant_policy::Engine;
use confidant_server::{Config, router, serve, state};
use confidant_store::crypto::Kek;
use confidant_store::{DatabaseUrl, KeyRing, Store};
use serde_json::Value;

struct Options {
    connections: usize,
    requests: u64,
    reads_per_100: u64,
    url: Option<String>,
    token: Option<String>,
}

fn options() -> Options {
    let mut o = Options { connections: 32, requests: 50_000, reads_per_100: 10, url: None, token: None };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--connections" => o.connections = value.parse().unwrap(),
            "--requests" => o.requests = value.parse().unwrap(),
            "--reads-per-100" => o.reads_per_100 = value.parse().unwrap(),
            "--url" => o.url = Some(value),
            "--token" => o.token = Some(value),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        // The server under test, unless a URL was given.
        let mut local = None;
        let (base, token, clients) = match (&o.url, &o.token) {
            (Some(url), Some(token)) => {
                let http = reqwest::Client::new();
                let clients: Value = http.get(format!("{url}/v1/clients")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
                (
                    url.clone(),
                    token.clone(),
                    clients.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>(),
                )
            }
            _ => {
                let url = DatabaseUrl::sqlite_file(&dir.path().join("load.sqlite"));
                let mut store = Store::create(&url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
                store.enable_audit(LogSigningKey::from_seed(&[4; 32]), None).await.unwrap();
                confidant_store::demo::fill(&store, confidant_store::demo::DEFAULT_SEED).await.unwrap();
                let staff = "st-psychotherapist-1";
                let (token, hash) = confidant_server::auth::new_token();
                store.create_api_token(&hash, staff, "load", &["decisions".into(), "read".into()]).await.unwrap();
                let clients = store.visible_clients(staff).await.unwrap();
                let store = Arc::new(store);
                let (app_state, writer) = state(store.clone(), Arc::new(Engine::new().unwrap()), Config::default());
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
                let app = router(app_state.clone());
                let server = tokio::spawn(async move {
                    serve(listener, app, async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
                    drop(app_state);
                    writer.await.unwrap();
                });
                local = Some((store, stop, server));
                (format!("http://{addr}"), token.to_string(), clients)
            }
        };
        let request: Value = serde_json::from_str(include_str!("../../../examples/new-provider.json")).unwrap();
        let body = Arc::new(serde_json::to_vec(&request).unwrap());
        let clients = Arc::new(clients);
        let next = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..o.connections {
            let (base, token, body, clients, next, errors) =
                (base.clone(), token.clone(), body.clone(), clients.clone(), next.clone(), errors.clone());
            let (requests, reads) = (o.requests, o.reads_per_100);
            tasks.push(tokio::spawn(async move {
                // One keep-alive connection per task.
                let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
                let mut decisions = Vec::new();
                let mut record_reads = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= requests {
                        break;
                    }
                    let read = n % 100 < reads;
                    let t = Instant::now();
                    let response = if read {
                        let client = &clients[(n as usize) % clients.len()];
                        http.get(format!("{base}/v1/clients/{client}/records")).bearer_auth(&token).send().await
                    } else {
                        http.post(format!("{base}/v1/decisions"))
                            .bearer_auth(&token)
                            .header("content-type", "application/json")
                            .body(body.as_ref().clone())
                            .send()
                            .await
                    };
                    let ok = match response {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    };
                    if !ok {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    if read { record_reads.push(t.elapsed()) } else { decisions.push(t.elapsed()) }
                }
                (decisions, record_reads)
            }));
        }
        let mut decisions = Vec::new();
        let mut reads = Vec::new();
        for t in tasks {
            let (d, r) = t.await.unwrap();
            decisions.extend(d);
            reads.extend(r);
        }
        let elapsed = started.elapsed();
        decisions.sort();
        reads.sort();
        let mut all: Vec<Duration> = decisions.iter().chain(reads.iter()).copied().collect();
        all.sort();
        let total = all.len() as f64;
        println!(
            "load: {} connections, {} requests ({} decisions, {} record reads) in {elapsed:.2?}",
            o.connections,
            all.len(),
            decisions.len(),
            reads.len()
        );
        println!(
            "  throughput: {:.0} requests/s, {:.0} decisions/s",
            total / elapsed.as_secs_f64(),
            decisions.len() as f64 / elapsed.as_secs_f64()
        );
        println!("  latency all:       p50 {:.2?}  p99 {:.2?}", percentile(&all, 0.5), percentile(&all, 0.99));
        println!("  latency decisions: p50 {:.2?}  p99 {:.2?}", percentile(&decisions, 0.5), percentile(&decisions, 0.99));
        println!("  latency reads:     p50 {:.2?}  p99 {:.2?}", percentile(&reads, 0.5), percentile(&reads, 0.99));
        println!("  errors: {}", errors.load(Ordering::Relaxed));
        if let Some((store, stop, server)) = local {
            let _ = stop.send(());
            server.await.unwrap();
            let key = store.audit_public_key().await.unwrap().unwrap();
            let start = Instant::now();
            let report = store.verify_audit(&key, None).await.unwrap();
            println!(
                "  audit verify after the run: {} entries, {} heads, {} in {:.2?}",
                report.size,
                report.heads_checked,
                if report.problem.is_none() { "intact" } else { "DAMAGED" },
                start.elapsed()
            );
            assert!(report.problem.is_none(), "{:?}", report.problem);
        }
        assert_eq!(errors.load(Ordering::Relaxed), 0, "requests failed");
    });
}
