//! `confidant.toml`: `--check-config` names each setting's source (flag,
//! environment, config file, default) with flags over the environment over
//! the file; an unknown key or a value out of range exits 2 naming it; and
//! `serve` takes its address and the training policy from the file (the
//! policy change audited).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn confidant() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confidant"));
    for var in [
        "CONFIDANT_KEY",
        "CONFIDANT_AUDIT_KEY",
        "CONFIDANT_DATABASE_URL",
        "CONFIDANT_DATA_DIR",
        "CONFIDANT_CONFIG",
        "CONFIDANT_POLICIES",
        "CONFIDANT_ADDR",
        "CONFIDANT_BREAK_GLASS_MINUTES",
    ] {
        command.env_remove(var);
    }
    command
}

fn output(command: &mut Command) -> (Option<i32>, String, String) {
    let Output { status, stdout, stderr } = command.stdin(Stdio::null()).output().unwrap();
    (status.code(), String::from_utf8(stdout).unwrap(), String::from_utf8(stderr).unwrap())
}

fn write_config(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("confidant.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn flags_override_the_environment_which_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let from_file = dir.path().join("from-file");
    let config =
        write_config(dir.path(), &format!("[vault]\ndata_dir = {:?}\n\n[training]\npass_percent = 90\n", from_file.to_str().unwrap()));
    let (code, out, err) = output(confidant().arg("--config").arg(&config).arg("--check-config"));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("confidant.toml: valid"), "{out}");
    assert!(out.contains(&format!("vault.data_dir = {}  [config file]", from_file.display())), "{out}");
    assert!(out.contains("training.pass_percent = 90"), "{out}");
    assert!(out.contains("vault.database_url = SQLite in the data directory  [default]"), "{out}");

    let (_, out, _) = output(confidant().arg("--config").arg(&config).arg("--check-config").env("CONFIDANT_DATA_DIR", "/from/env"));
    assert!(out.contains("vault.data_dir = /from/env  [environment]"), "{out}");
    let (_, out, _) = output(
        confidant()
            .arg("--config")
            .arg(&config)
            .args(["--check-config", "--data-dir", "/from/flag"])
            .env("CONFIDANT_DATA_DIR", "/from/env"),
    );
    assert!(out.contains("vault.data_dir = /from/flag  [flag]"), "{out}");
    // The file can also come from the environment.
    let (code, out, _) = output(confidant().arg("--check-config").env("CONFIDANT_CONFIG", &config));
    assert_eq!(code, Some(0));
    assert!(out.contains("[config file]"), "{out}");
}

#[test]
fn an_unknown_key_or_a_value_out_of_range_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        ("[server]\nadress = \"127.0.0.1:1\"\n", "unknown field `adress`"),
        ("[training]\npass_percent = 0\n", "training.pass_percent: 1 to 100"),
        ("[server]\naddr = \"localhost\"\n", "server.addr: an address and port"),
        ("[server]\nbreak_glass_minutes = 5000\n", "server.break_glass_minutes: 1 to 1440"),
        ("[vault]\ndatabase_url = \"mysql://x\"\n", "vault.database_url: a `sqlite:` or `postgres://` URL"),
        ("[vault\n", "confidant.toml"),
    ] {
        let config = write_config(dir.path(), text);
        let (code, out, err) = output(confidant().arg("--config").arg(&config).arg("--check-config"));
        assert_eq!(code, Some(2), "{text}: {out}");
        assert!(err.starts_with("error: --config: ") && err.contains(expected), "{text}: {err}");
    }
    let (code, _, err) = output(confidant().args(["--config", "/no/such/confidant.toml", "--check-config"]));
    assert_eq!(code, Some(2));
    assert!(err.contains("a readable file"), "{err}");
}

#[test]
fn serve_takes_its_address_and_the_training_policy_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("vault");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = write_config(
        dir.path(),
        &format!(
            "[vault]\ndata_dir = {:?}\n\n[server]\naddr = \"127.0.0.1:{port}\"\nbreak_glass_minutes = 30\n\n[training]\npass_percent = 90\ninterval_months = 6\n",
            data.to_str().unwrap()
        ),
    );
    let (code, _, err) = output(confidant().arg("--config").arg(&config).arg("init"));
    assert_eq!(code, Some(0), "{err}");
    let mut server = confidant().arg("--config").arg(&config).args(["serve", "--log", "off"]).stdout(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    let ready = loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break true;
        }
        if started.elapsed() > Duration::from_secs(30) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = server.kill();
    let _ = server.wait();
    assert!(ready, "serve did not listen on the address from the file");
    let (code, out, err) = output(confidant().arg("--config").arg(&config).args(["train", "report", "--format", "json"]));
    assert_eq!(code, Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["policy"]["pass_percent"], 90);
    assert_eq!(report["policy"]["interval_months"], 6);
    let (_, out, _) = output(confidant().arg("--config").arg(&config).args(["audit", "show", "--kind", "training_policy_changed"]));
    assert!(out.contains("training_policy_changed"), "the policy change is audited: {out}");
}
