//! A bounded load test on loopback. By default it starts the server with
//! the demo organization in a child process (this same program with
//! `--serve`, so the server's memory is measured alone), or drives `--url`;
//! then N connections send a fixed number of requests — decisions (`POST
//! /v1/decisions`) and record reads (`GET /v1/clients/{id}/records`, each
//! audited) mixed — and it prints throughput, p50/p99 and errors, the
//! server's peak resident memory (`VmHWM` of `/proc/<pid>/status`), and
//! checks that the audit log verifies afterwards.
//!
//! `--storm C` adds a sign-in storm: C more connections sign in (`POST
//! /v1/session`, right passwords, so every one costs an Argon2id check, a
//! session and an audit entry) for as long as the decisions and reads run;
//! the per-address limit is lifted in the bench's server, since every
//! request comes from loopback. `CONFIDANT_ARGON2_SLOTS` set for the run
//! changes how many Argon2id checks the server runs at once.
//!
//! `cargo bench -p confidant-server --bench load -- [--connections 32]
//! [--requests 50000] [--reads-per-100 10] [--storm 16] [--url
//! http://127.0.0.1:8080 --token TOKEN [--server-pid PID]]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use confidant_audit::LogSigningKey;
use confidant_policy::Engine;
use confidant_server::{Config, router, serve, state};
use confidant_store::crypto::Kek;
use confidant_store::{DatabaseUrl, KeyRing, NewStaff, StaffRole, Store};
use serde_json::{Value, json};

/// Staff members the storm signs in as.
const STORM_USERS: usize = 8;
const STORM_PASSWORD: &str = "a storm of sign-ins";

struct Options {
    connections: usize,
    requests: u64,
    reads_per_100: u64,
    storm: usize,
    url: Option<String>,
    token: Option<String>,
    server_pid: Option<u32>,
    serve: bool,
}

fn options() -> Options {
    let mut o =
        Options { connections: 32, requests: 50_000, reads_per_100: 10, storm: 0, url: None, token: None, server_pid: None, serve: false };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--connections" => o.connections = value.parse().unwrap(),
            "--requests" => o.requests = value.parse().unwrap(),
            "--reads-per-100" => o.reads_per_100 = value.parse().unwrap(),
            "--storm" => o.storm = value.parse().unwrap(),
            "--url" => o.url = Some(value),
            "--token" => o.token = Some(value),
            "--server-pid" => o.server_pid = Some(value.parse().unwrap()),
            "--serve" => {
                o.serve = true;
                i += 1;
                continue;
            }
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

/// A `kB` line of `/proc/<pid>/status`, in MiB.
fn proc_status_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    if o.serve {
        runtime.block_on(serve_child());
    } else {
        runtime.block_on(drive(o));
    }
}

/// The server under test, in this (child) process: prints one JSON line
/// (address, token, clients, the storm's staff ids), serves until standard
/// input closes, then verifies the audit log and prints the result.
async fn serve_child() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::sqlite_file(&dir.path().join("load.sqlite"));
    let mut store = Store::create(&url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[4; 32]), Some(dir.path().join("audit-witness.json"))).await.unwrap();
    confidant_store::demo::fill(&store, confidant_store::demo::DEFAULT_SEED).await.unwrap();
    let staff = "st-psychotherapist-1";
    let (token, hash) = confidant_server::auth::new_token();
    store.create_api_token(&hash, staff, "load", &["decisions".into(), "read".into()]).await.unwrap();
    let clients = store.visible_clients(staff).await.unwrap();
    let phc = confidant_app::credentials::hash_password(STORM_PASSWORD).unwrap();
    let mut storm_users = Vec::new();
    for n in 0..STORM_USERS {
        let id = format!("st-storm-{n}");
        store.add_staff(NewStaff { id: Some(id.clone()), display_name: format!("Storm {n}"), role: StaffRole::CaseManager }).await.unwrap();
        store.set_password_hash(&id, &phc).await.unwrap();
        storm_users.push(id);
    }
    let store = Arc::new(store);
    let config = Config { sign_ins_per_minute: u32::MAX, ..Config::default() };
    let (app_state, writer) = state(store.clone(), Arc::new(Engine::new().unwrap()), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(app_state.clone());
    println!("{}", json!({ "url": format!("http://{addr}"), "token": token.as_str(), "clients": clients, "storm_users": storm_users }));
    std::io::stdout().flush().unwrap();
    serve(listener, app, async {
        // The driver closes our standard input when it is done.
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            while std::io::stdin().lock().read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                line.clear();
            }
        })
        .await;
    })
    .await
    .unwrap();
    drop(app_state);
    writer.await.unwrap();
    let flushing = store.clone();
    tokio::task::spawn_blocking(move || flushing.flush_witness()).await.unwrap();
    let key = store.audit_public_key().await.unwrap().unwrap();
    let start = Instant::now();
    let witness = confidant_store::read_witness(&dir.path().join("audit-witness.json")).unwrap();
    let report = store.verify_audit(&key, witness.as_ref()).await.unwrap();
    println!(
        "  audit verify after the run: {} entries, {} heads, {} in {:.2?}",
        report.size,
        report.heads_checked,
        if report.problem.is_none() { "intact" } else { "DAMAGED" },
        start.elapsed()
    );
    assert!(report.problem.is_none(), "{:?}", report.problem);
}

async fn drive(o: Options) {
    let mut child = None;
    let (base, token, clients, storm_users, pid) = match (&o.url, &o.token) {
        (Some(url), Some(token)) => {
            let http = reqwest::Client::new();
            let clients: Value = http.get(format!("{url}/v1/clients")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
            let clients = clients.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
            (url.clone(), token.clone(), clients, Vec::new(), o.server_pid)
        }
        _ => {
            let mut server = Command::new(std::env::current_exe().unwrap())
                .arg("--serve")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap();
            let mut out = BufReader::new(server.stdout.take().unwrap());
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            let hello: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("server said `{line}`: {e}"));
            let list = |key: &str| hello[key].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect::<Vec<_>>();
            let found = (
                hello["url"].as_str().unwrap().to_string(),
                hello["token"].as_str().unwrap().to_string(),
                list("clients"),
                list("storm_users"),
            );
            let pid = server.id();
            child = Some((server, out));
            (found.0, found.1, found.2, found.3, Some(pid))
        }
    };
    if o.storm > 0 && storm_users.is_empty() {
        panic!("--storm needs the bench's own server (its storm accounts)");
    }
    // The server's resident memory, sampled while the load runs.
    let sampling = Arc::new(AtomicBool::new(true));
    let peak_rss = Arc::new(AtomicU64::new(0));
    let sampler = pid.map(|pid| {
        let (sampling, peak_rss) = (sampling.clone(), peak_rss.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                if let Some(mib) = proc_status_mib(pid, "VmRSS:") {
                    peak_rss.fetch_max((mib * 1024.0) as u64, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });

    let request: Value = serde_json::from_str(include_str!("../../../examples/new-provider.json")).unwrap();
    let body = Arc::new(serde_json::to_vec(&request).unwrap());
    let clients = Arc::new(clients);
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let storming = Arc::new(AtomicBool::new(o.storm > 0));
    let storm_errors = Arc::new(AtomicU64::new(0));
    let mut storm_tasks = Vec::new();
    for s in 0..o.storm {
        let (base, user, storming, storm_errors) =
            (base.clone(), storm_users[s % storm_users.len()].clone(), storming.clone(), storm_errors.clone());
        storm_tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
            let mut times = Vec::new();
            while storming.load(Ordering::Relaxed) {
                let t = Instant::now();
                let sent =
                    http.post(format!("{base}/v1/session")).json(&json!({ "username": user, "password": STORM_PASSWORD })).send().await;
                match sent {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => {
                        storm_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                times.push(t.elapsed());
            }
            times
        }));
    }
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
    storming.store(false, Ordering::Relaxed);
    let mut sign_ins = Vec::new();
    for t in storm_tasks {
        sign_ins.extend(t.await.unwrap());
    }
    sampling.store(false, Ordering::Relaxed);
    if let Some(sampler) = sampler {
        sampler.await.unwrap();
    }
    let hwm = pid.and_then(|pid| proc_status_mib(pid, "VmHWM:"));
    decisions.sort();
    reads.sort();
    sign_ins.sort();
    let mut all: Vec<Duration> = decisions.iter().chain(reads.iter()).copied().collect();
    all.sort();
    let total = all.len() as f64;
    println!(
        "load: {} connections, {} requests ({} decisions, {} record reads) in {elapsed:.2?}{}",
        o.connections,
        all.len(),
        decisions.len(),
        reads.len(),
        if o.storm > 0 { format!(", beside a storm of {} sign-ins on {} connections", sign_ins.len(), o.storm) } else { String::new() }
    );
    println!(
        "  throughput: {:.0} requests/s, {:.0} decisions/s",
        total / elapsed.as_secs_f64(),
        decisions.len() as f64 / elapsed.as_secs_f64()
    );
    println!("  latency all:       p50 {:.2?}  p99 {:.2?}", percentile(&all, 0.5), percentile(&all, 0.99));
    println!("  latency decisions: p50 {:.2?}  p99 {:.2?}", percentile(&decisions, 0.5), percentile(&decisions, 0.99));
    println!("  latency reads:     p50 {:.2?}  p99 {:.2?}", percentile(&reads, 0.5), percentile(&reads, 0.99));
    if o.storm > 0 {
        println!(
            "  sign-ins:          {:.1}/s  p50 {:.2?}  p99 {:.2?}  errors {}",
            sign_ins.len() as f64 / elapsed.as_secs_f64(),
            percentile(&sign_ins, 0.5),
            percentile(&sign_ins, 0.99),
            storm_errors.load(Ordering::Relaxed)
        );
    }
    match hwm {
        Some(hwm) => println!(
            "  server memory: peak RSS (VmHWM) {hwm:.1} MiB, largest sampled VmRSS {:.1} MiB",
            peak_rss.load(Ordering::Relaxed) as f64 / 1024.0
        ),
        None => println!("  server memory: unknown (give --server-pid with --url)"),
    }
    println!("  errors: {}", errors.load(Ordering::Relaxed));
    if let Some((mut server, mut out)) = child {
        drop(server.stdin.take());
        let mut rest = String::new();
        while out.read_line(&mut rest).map(|n| n > 0).unwrap_or(false) {}
        print!("{rest}");
        assert!(server.wait().unwrap().success(), "the server failed after the run");
    }
    assert_eq!(errors.load(Ordering::Relaxed), 0, "requests failed");
    assert_eq!(storm_errors.load(Ordering::Relaxed), 0, "sign-ins failed");
}
