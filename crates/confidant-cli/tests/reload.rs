//! `confidant serve --policies DIR` reloads its packs on SIGHUP: a valid
//! change is taken at once (decisions name the new `rules_version`), a
//! refused pack leaves the running rules in place.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the demo server on the packs in `dir`; returns it, its URL and the privacy officer's password.
fn start(dir: &std::path::Path) -> (Killed, String, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_confidant"))
        .args(["serve", "--demo", "--log", "off", "--addr", &format!("127.0.0.1:{port}"), "--policies", dir.to_str().unwrap()])
        .env_remove("CONFIDANT_DATA_DIR")
        .env_remove("CONFIDANT_DATABASE_URL")
        .env_remove("CONFIDANT_KEY")
        .env_remove("CONFIDANT_AUDIT_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut password = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.trim_start().starts_with("st-privacy-officer-1") {
            password = line.split("password: ").nth(1).map(|p| p.trim().to_string());
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (Killed(child), format!("http://127.0.0.1:{port}"), password.expect("the demo prints the privacy officer's sign-in"))
}

async fn version(http: &reqwest::Client, base: &str, csrf: &str) -> String {
    let request: Value = serde_json::from_str(include_str!("../../../examples/new-provider.json")).unwrap();
    let response = http.post(format!("{base}/v1/decisions")).header("x-csrf-token", csrf).json(&request).send().await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    response.json::<Value>().await.unwrap()["rules_version"].as_str().unwrap().to_string()
}

fn hangup(server: &Killed) {
    let status = Command::new("kill").args(["-HUP", &server.0.id().to_string()]).status().unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn sighup_reloads_valid_packs_and_keeps_the_rules_when_a_pack_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base, password) = start(dir.path());
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let signed_in: Value = http
        .post(format!("{base}/v1/session"))
        .json(&json!({ "username": "st-privacy-officer-1", "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = signed_in["csrf_token"].as_str().unwrap().to_string();
    let builtin = version(&http, &base, &csrf).await;

    let pack = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/packs/peer-run/organization.cedar");
    std::fs::copy(pack, dir.path().join("organization.cedar")).unwrap();
    hangup(&server);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut now = version(&http, &base, &csrf).await;
    while now == builtin && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        now = version(&http, &base, &csrf).await;
    }
    assert_ne!(now, builtin, "SIGHUP did not load the new pack");

    std::fs::write(dir.path().join("broken.cedar"), "@id(\"org.broken\")\n@effect(\"forbid\")\npermit (principal, action, resource);")
        .unwrap();
    hangup(&server);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(version(&http, &base, &csrf).await, now, "a refused pack replaced the running rules");
    drop(server);
}
