//! Two `confidant serve` processes (the built binary) on one PostgreSQL
//! database, sharing nothing but it (each its own data directory with
//! copies of the two key files, as two hosts would):
//!
//! - 8 concurrent writers against each server, a bounded number of audited
//!   operations each (real disclosures, committed with their audit entry in
//!   their own transaction, and record reads, audited through each server's
//!   group-commit writer): every acknowledged operation has exactly one
//!   entry in the log, nothing more; the log verifies with `confidant audit
//!   verify` under either server's witness, and its export passes Go's
//!   `sumdb/tlog` verifier (`tests/tlogverify`);
//! - sign-in failures on A lock the account on B, and the per-address limit
//!   counts attempts on both;
//! - an API token used on B (so cached there) and revoked on A stops
//!   working on B within a poll of the principal version;
//! - a staff member deactivated through A is refused on B (their token
//!   cached there) within a poll too, and so is one whose role A changed
//!   (a role change ends the tokens issued under the old role).
//!
//! Runs when `CONFIDANT_TEST_POSTGRES_URL` is set (`scripts/with-postgres`,
//! `scripts/test`); says so and passes otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use confidant_store::{
    AUDIT_KEY_FILE_NAME, AuditFilter, AuditKind, DatabaseUrl, KEY_FILE_NAME, KeyRing, NewStaff, StaffRole, Store, WITNESS_FILE_NAME,
};
use serde_json::{Value, json};

#[path = "tlogverify/build.rs"]
mod go_verifier;

/// Writers per server.
const WRITERS: usize = 8;
/// Operations per writer: half disclosures, half record reads.
const OPS_PER_WRITER: usize = 24;
const ADMIN_PASSWORD: &str = "scale-admin-password-1";
const PASSWORD: &str = "scale-test-password-1";

fn confidant(dir: &Path, database: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_confidant"));
    cmd.arg("--data-dir").arg(dir).arg("--database").arg(database);
    cmd.env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR")
        .env_remove("CONFIDANT_AUDIT_KEY")
        .env_remove("CONFIDANT_ADDR");
    cmd
}

fn ok(dir: &Path, database: &str, args: &[&str]) -> String {
    let out = confidant(dir, database).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A running `confidant serve` and its address.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(dir: &Path, database: &str) -> Server {
        let mut child = confidant(dir, database)
            .args(["serve", "--addr", "127.0.0.1:0", "--log", "off"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in `{line}`"))
            .trim_end_matches('/')
            .to_string();
        Server { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then the graceful shutdown must end with status 0.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "serve exited with {status}");
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "serve did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one writer got acknowledged: the log entries its disclosures were
/// given, and how many record reads succeeded.
#[derive(Default)]
struct Acked {
    disclosure_seqs: Vec<u64>,
    reads: u64,
}

async fn writer(base: String, token: String, clients: Vec<String>, offset: usize) -> Acked {
    let http = reqwest::Client::new();
    let mut acked = Acked::default();
    let report = json!({
        "to": "child_welfare_agency", "recipient_name": "County CWS", "recipient_address": "1 Main St",
        "purpose": "report_child_abuse", "categories": ["demographics", "progress_notes"], "facts": ["suspected_child_abuse"]
    });
    for i in 0..OPS_PER_WRITER {
        let client = &clients[(offset + i) % clients.len()];
        if i % 2 == 0 {
            let r = http.post(format!("{base}/v1/clients/{client}/disclosures")).bearer_auth(&token).json(&report).send().await.unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap();
            assert!(status.is_success(), "disclosure on {base}: {status} {body}");
            let seq = body["package"]["audit_entry"].as_u64().or_else(|| body["audit_entry"].as_u64());
            acked.disclosure_seqs.push(seq.unwrap_or_else(|| panic!("no audit entry in {body}")));
        } else {
            let r = http.get(format!("{base}/v1/clients/{client}/records")).bearer_auth(&token).send().await.unwrap();
            assert!(r.status().is_success(), "read on {base}: {}", r.status());
            r.bytes().await.unwrap();
            acked.reads += 1;
        }
    }
    acked
}

async fn sign_in(http: &reqwest::Client, base: &str, username: &str, password: &str) -> reqwest::StatusCode {
    http.post(format!("{base}/v1/session")).json(&json!({ "username": username, "password": password })).send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgresql_keep_one_log_shared_limits_and_coherent_principals() {
    let Some(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipping the two-server test: CONFIDANT_TEST_POSTGRES_URL is not set (scripts/with-postgres sets it)");
        return;
    };
    let database = confidant_store::testing::fresh_postgres_url(&base).await;
    let (dir_a, dir_b, work) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut init = confidant(dir_a.path(), &database)
        .args(["init", "--demo", "--admin-password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(init.stdin.take().unwrap(), "{ADMIN_PASSWORD}").unwrap();
    let out = init.wait_with_output().unwrap();
    assert!(out.status.success(), "init: {}", String::from_utf8_lossy(&out.stderr));
    // The second host gets the keys, not the witness.
    for file in [KEY_FILE_NAME, AUDIT_KEY_FILE_NAME] {
        std::fs::copy(dir_a.path().join(file), dir_b.path().join(file)).unwrap();
    }

    // Accounts, made straight in the vault: a therapist with a token for
    // the writers and one to revoke, and a staff member to lock out.
    let store = Store::open(&DatabaseUrl::new(database.clone()), KeyRing::load(&dir_a.path().join(KEY_FILE_NAME)).unwrap()).await.unwrap();
    let therapist = "st-psychotherapist-1";
    let clients = store.visible_clients(therapist).await.unwrap();
    assert!(clients.len() >= 2, "the demo therapist has a caseload");
    let scopes: Vec<String> = ["decisions", "read", "write"].map(String::from).to_vec();
    let (token, hash) = confidant_app::credentials::new_token();
    store.create_api_token(&hash, therapist, "scale", &scopes).await.unwrap();
    let (doomed, doomed_hash) = confidant_app::credentials::new_token();
    let doomed_id = store.create_api_token(&doomed_hash, therapist, "doomed", &scopes).await.unwrap();
    store
        .add_staff(NewStaff { id: Some("st-locked".into()), display_name: "Locked Out".into(), role: StaffRole::PeerSupportSpecialist })
        .await
        .unwrap();
    store.set_password_hash("st-locked", &confidant_app::credentials::hash_password(PASSWORD).unwrap()).await.unwrap();
    // An admin with a token, and a staff member they deactivate on A while
    // signed in on B.
    for (id, role) in [("st-admin-scale", StaffRole::Admin), ("st-leaving", StaffRole::Nurse), ("st-promoted", StaffRole::Nurse)] {
        store.add_staff(NewStaff { id: Some(id.into()), display_name: id.into(), role }).await.unwrap();
    }
    let (leaving_token, leaving_hash) = confidant_app::credentials::new_token();
    store.create_api_token(&leaving_hash, "st-leaving", "leaving", &["read".to_string()]).await.unwrap();
    let (promoted_token, promoted_hash) = confidant_app::credentials::new_token();
    store.create_api_token(&promoted_hash, "st-promoted", "promoted", &["read".to_string()]).await.unwrap();
    let (admin_token, admin_hash) = confidant_app::credentials::new_token();
    store.create_api_token(&admin_hash, "st-admin-scale", "admin", &["write".to_string()]).await.unwrap();

    let a = Server::start(dir_a.path(), &database);
    let b = Server::start(dir_b.path(), &database);

    // 8 writers on each server at once.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (s, server) in [&a, &b].into_iter().enumerate() {
        for w in 0..WRITERS {
            tasks.push(tokio::spawn(writer(server.base.clone(), token.to_string(), clients.clone(), s * WRITERS + w)));
        }
    }
    let mut seqs = Vec::new();
    let mut reads = 0;
    for task in tasks {
        let acked = task.await.unwrap();
        seqs.extend(acked.disclosure_seqs);
        reads += acked.reads;
    }
    eprintln!("two servers: {} disclosures and {reads} reads acknowledged in {:.1?}", seqs.len(), started.elapsed());
    let distinct: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(distinct.len(), seqs.len(), "two disclosures were acknowledged with the same log entry");

    // Lockout on A blocks sign-in on B, and the per-address limit counts both.
    let http = reqwest::Client::new();
    let wrong = (0..confidant_app::credentials::LOCK_AFTER).map(|i| {
        let (http, base) = (http.clone(), if i % 2 == 0 { a.base.clone() } else { b.base.clone() });
        async move { sign_in(&http, &base, "st-locked", "not the password at all").await }
    });
    for status in futures_join(wrong).await {
        assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        sign_in(&http, &b.base, "st-locked", PASSWORD).await,
        reqwest::StatusCode::UNAUTHORIZED,
        "locked on B after failures on A and B"
    );
    let mut attempts = confidant_app::credentials::LOCK_AFTER + 1;
    while attempts < 10 {
        assert_ne!(sign_in(&http, &a.base, "st-nobody", PASSWORD).await, reqwest::StatusCode::TOO_MANY_REQUESTS);
        attempts += 1;
    }
    assert_eq!(
        sign_in(&http, &b.base, "st-locked", PASSWORD).await,
        reqwest::StatusCode::TOO_MANY_REQUESTS,
        "the 11th attempt in a minute"
    );

    // A token cached on B and revoked on A stops working on B promptly.
    let me = |server: &Server| http.get(server.url("/v1/me")).bearer_auth(doomed.as_str()).send();
    assert_eq!(me(&b).await.unwrap().status(), reqwest::StatusCode::OK);
    let revoked = http.delete(a.url(&format!("/v1/tokens/{doomed_id}"))).bearer_auth(token.as_str()).send().await.unwrap();
    assert_eq!(revoked.status(), reqwest::StatusCode::NO_CONTENT);
    refused_within_a_poll(&http, &b, &doomed, "a token revoked on A stopped working on B").await;

    // A deactivation on A refuses the staff member on B (their token cached
    // there; no sign-in, which the per-address limit above has used up)
    // within the poll interval.
    let leaving_me = || http.get(b.url("/v1/me")).bearer_auth(leaving_token.as_str()).send();
    assert_eq!(leaving_me().await.unwrap().status(), reqwest::StatusCode::OK);
    let deactivated = http
        .post(a.url("/v1/staff/st-leaving/active"))
        .bearer_auth(admin_token.as_str())
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), reqwest::StatusCode::NO_CONTENT);
    refused_within_a_poll(&http, &b, &leaving_token, "a staff member deactivated on A was refused on B").await;

    // A role change on A: B stops accepting what was issued under the old role.
    let promoted_me = || http.get(b.url("/v1/me")).bearer_auth(promoted_token.as_str()).send();
    let before: serde_json::Value = promoted_me().await.unwrap().json().await.unwrap();
    assert_eq!(before["role"], "nurse");
    let changed = http
        .post(a.url("/v1/staff/st-promoted/role"))
        .bearer_auth(admin_token.as_str())
        .json(&json!({ "role": "supervisor" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), reqwest::StatusCode::OK);
    refused_within_a_poll(&http, &b, &promoted_token, "a role changed on A ended the old role's token on B").await;

    a.stop();
    b.stop();

    // Every acknowledged operation is in the log exactly once.
    let log = store.audit_entries(&AuditFilter::default()).await.unwrap();
    let in_log: Vec<u64> = log.iter().map(|e| e.seq).collect();
    assert_eq!(in_log, (0..log.len() as u64).collect::<Vec<_>>(), "the log is one line with no gap");
    let disclosures: BTreeSet<u64> = log
        .iter()
        .filter(|e| e.actor.as_deref() == Some(therapist) && matches!(e.kind, AuditKind::Disclosure | AuditKind::Decision))
        .map(|e| e.seq)
        .collect();
    assert_eq!(disclosures, distinct, "disclosure entries in the log are exactly those acknowledged");
    let read_entries = log.iter().filter(|e| e.actor.as_deref() == Some(therapist) && e.kind == AuditKind::RecordRead).count();
    assert_eq!(read_entries as u64, reads, "record-read entries in the log are exactly the reads acknowledged");
    store.close().await;

    // The log verifies under either server's witness, and in Go.
    for dir in [dir_a.path(), dir_b.path()] {
        assert!(dir.join(WITNESS_FILE_NAME).is_file(), "each server keeps its own witness");
        let report = ok(dir, &database, &["audit", "verify"]);
        assert!(report.starts_with("audit log intact"), "{report}");
    }
    let export = work.path().join("export");
    ok(dir_a.path(), &database, &["audit", "export", export.to_str().unwrap()]);
    let vkey = ok(dir_a.path(), &database, &["audit", "vkey"]).trim().to_string();
    if let Some(verifier) = go_verifier::verifier_or_skip(work.path(), "the Go check of the two-server log") {
        let out = go_verifier::verify(&verifier, &export, &vkey);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "the Go verifier refused the log: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(&format!("{} entries", log.len())), "{stdout}");
    }
}

/// Runs futures at once and collects their results in order.
async fn futures_join<F: std::future::Future<Output = T> + Send + 'static, T: Send + 'static>(futures: impl Iterator<Item = F>) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// Polls `server`'s `/v1/me` with `token` until it is refused, failing
/// after 3 s (the principal version is polled every 250 ms); prints how long
/// `what` took.
async fn refused_within_a_poll(http: &reqwest::Client, server: &Server, token: &str, what: &str) {
    let since = Instant::now();
    while http.get(server.url("/v1/me")).bearer_auth(token).send().await.unwrap().status() == reqwest::StatusCode::OK {
        assert!(since.elapsed() < Duration::from_secs(3), "not yet after 3 s: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("{what} after {:.0?}", since.elapsed());
}
