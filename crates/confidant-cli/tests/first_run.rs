//! A real first run, as a new operator does it: `init` creates the first
//! administrator and prints a one-time password; `serve` lets them sign in
//! with it, but the session may do nothing but change it (or sign out)
//! until it is changed; then everything an admin may do works. `staff add
//! --password-stdin` and `staff password` give others passwords to change
//! at their first sign-in; every password set is audited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

fn confidant(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confidant"));
    command
        .arg("--data-dir")
        .arg(dir)
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_AUDIT_KEY")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_DATA_DIR");
    command
}

fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = confidant(dir).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(dir: &Path, args: &[&str], stdin: &str) -> String {
    let out = run(dir, args, stdin);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(dir: &Path) -> (Killed, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = confidant(dir)
        .args(["serve", "--log", "off", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while !reqwest::get(format!("{base}/readyz")).await.is_ok_and(|r| r.status() == StatusCode::OK) {
        assert!(started.elapsed() < Duration::from_secs(30), "the server did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (Killed(child), base)
}

async fn sign_in(base: &str, id: &str, password: &str) -> (reqwest::Client, reqwest::Response) {
    let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = http.post(format!("{base}/v1/session")).json(&json!({ "username": id, "password": password })).send().await.unwrap();
    (http, response)
}

#[tokio::test]
async fn init_then_serve_signs_in_the_first_admin_who_must_change_the_one_time_password() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(d, &["init"], "");
    assert!(out.contains("administrator: admin"), "{out}");
    let one_time = out.lines().find_map(|l| l.trim().strip_prefix("one-time password: ")).unwrap().split(' ').next().unwrap().to_string();
    assert_eq!(one_time.len(), 24, "{out}");

    let (_server, base) = serve(d).await;
    let (http, response) = sign_in(&base, "admin", &one_time).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["must_change_password"], true);
    let csrf = session["csrf_token"].as_str().unwrap().to_string();
    // Nothing but the password change until it is changed.
    let refused = http.get(format!("{base}/v1/staff")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let detail = refused.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_string();
    assert!(detail.starts_with("password: change the one-time password first"), "{detail}");
    let console = http.get(format!("{base}/console")).send().await.unwrap();
    assert_eq!(console.status(), StatusCode::SEE_OTHER);
    assert_eq!(console.headers()["location"], "/console/password");
    assert_eq!(http.get(format!("{base}/console/password")).send().await.unwrap().status(), StatusCode::OK);

    let change = |password: &str, current: &str| {
        http.post(format!("{base}/v1/staff/admin/password"))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "password": password, "current_password": current }))
            .send()
    };
    assert_eq!(change("short", &one_time).await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(change("my own long passphrase", &one_time).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(http.get(format!("{base}/v1/staff")).send().await.unwrap().status(), StatusCode::OK, "the same session goes on");
    let (_, again) = sign_in(&base, "admin", &one_time).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "the one-time password is spent");
    let (_, fresh) = sign_in(&base, "admin", "my own long passphrase").await;
    assert_eq!(fresh.json::<Value>().await.unwrap()["must_change_password"], false);
}

#[tokio::test]
async fn staff_get_passwords_from_standard_input_that_they_change_at_first_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(d, &["init", "--admin-id", "st-boss", "--admin-password-stdin"], "the admin's own passphrase\n");
    assert!(out.contains("administrator: st-boss (with the password read from standard input)") && !out.contains("one-time"), "{out}");
    let added = ok(
        d,
        &["staff", "add", "--name", "Ana", "--role", "peer_support_specialist", "--id", "st-ana", "--password-stdin"],
        "ana first password\n",
    );
    assert!(added.contains("added staff st-ana with a password to change"), "{added}");
    let short = run(d, &["staff", "password", "st-ana", "--password-stdin"], "short\n");
    assert_eq!(short.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&short.stderr).trim(), "error: --password-stdin: at least 12 characters");
    let unknown = run(d, &["staff", "password", "st-nobody", "--password-stdin"], "long enough password\n");
    assert_eq!(unknown.status.code(), Some(2));
    ok(d, &["staff", "password", "st-ana", "--password-stdin"], "ana reset password\n");
    let set: Value = serde_json::from_str(&ok(d, &["audit", "show", "--kind", "password_set", "--format", "json"], "")).unwrap();
    assert_eq!(set.as_array().unwrap().len(), 3, "the admin's, Ana's first and her reset: {set}");
    let short_admin = run(tempfile::tempdir().unwrap().path(), &["init", "--admin-password-stdin"], "short\n");
    assert_eq!(short_admin.status.code(), Some(2));

    let (_server, base) = serve(d).await;
    let (_, boss) = sign_in(&base, "st-boss", "the admin's own passphrase").await;
    assert_eq!(boss.json::<Value>().await.unwrap()["must_change_password"], false);
    let (_, first) = sign_in(&base, "st-ana", "ana first password").await;
    assert_eq!(first.status(), StatusCode::UNAUTHORIZED, "the reset replaced it");
    let (ana, reset) = sign_in(&base, "st-ana", "ana reset password").await;
    let session: Value = reset.json().await.unwrap();
    assert_eq!(session["must_change_password"], true);
    assert_eq!(ana.get(format!("{base}/v1/clients")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    // The console's own page: mismatched confirmation, then a real change.
    let csrf = session["csrf_token"].as_str().unwrap();
    let form = |new: &str, confirm: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("current_password", "ana reset password".into()),
            ("password", new.into()),
            ("confirm", confirm.into()),
        ]
    };
    let page = format!("{base}/console/password");
    let mismatch = ana.post(&page).form(&form("ana chose this one", "ana chose another")).send().await.unwrap();
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text().await.unwrap().contains("The two new passwords differ."));
    let changed = ana.post(&page).form(&form("ana chose this one", "ana chose this one")).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(ana.get(format!("{base}/console")).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(ana.get(format!("{base}/v1/clients")).send().await.unwrap().status(), StatusCode::OK);
}

#[test]
fn the_operator_changes_a_role_and_deactivates_an_account_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["init", "--admin-id", "st-boss", "--admin-password-stdin"], "the admin's own passphrase\n");
    ok(d, &["staff", "add", "--name", "Ana", "--role", "peer_support_specialist", "--id", "st-ana"], "");
    let wrong = run(d, &["staff", "role", "st-ana", "--role", "wizard"], "");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).starts_with("error: --role: one of "), "{}", String::from_utf8_lossy(&wrong.stderr));
    let same = run(d, &["staff", "role", "st-ana", "--role", "peer_support_specialist"], "");
    assert_eq!(same.status.code(), Some(2), "the role she has already");
    let nobody = run(d, &["staff", "role", "st-nobody", "--role", "nurse"], "");
    assert_eq!(nobody.status.code(), Some(2));
    let changed = ok(d, &["staff", "role", "st-ana", "--role", "case_manager"], "");
    assert!(changed.contains("st-ana is now case_manager (was peer_support_specialist)"), "{changed}");
    // An admin acting through --as may not change their own account.
    let own = run(d, &["--as", "st-boss", "staff", "role", "st-boss", "--role", "nurse"], "");
    assert_eq!(own.status.code(), Some(2), "{}", String::from_utf8_lossy(&own.stderr));
    ok(d, &["staff", "deactivate", "st-ana"], "");
    let staff: Value = serde_json::from_str(&ok(d, &["staff", "list", "--format", "json"], "")).unwrap();
    let ana = staff.as_array().unwrap().iter().find(|s| s["id"] == "st-ana").unwrap().clone();
    assert_eq!((ana["role"].as_str(), ana["active"].as_bool()), (Some("case_manager"), Some(false)));
    ok(d, &["staff", "activate", "st-ana"], "");
    let changes: Value = serde_json::from_str(&ok(d, &["audit", "show", "--kind", "staff_changed", "--format", "json"], "")).unwrap();
    assert_eq!(changes.as_array().unwrap().len(), 1, "only the change that happened: {changes}");
    let toggles: Value =
        serde_json::from_str(&ok(d, &["audit", "show", "--kind", "staff_active_changed", "--format", "json"], "")).unwrap();
    assert_eq!(toggles.as_array().unwrap().len(), 2);
}
