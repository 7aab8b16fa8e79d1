//! Builds and runs the Go verifier in this directory (`main.go`, over Go's
//! `golang.org/x/mod/sumdb/tlog` and `sumdb/note` from Debian's
//! `golang-golang-x-mod-dev`, in GOPATH mode, offline). Shared by the tests
//! that check an exported log with it (`#[path]`-included).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const GO_PACKAGES: &str = "/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog";

/// Builds the Go verifier into `dir`, or says why it cannot.
pub fn build_verifier(dir: &Path) -> Result<PathBuf, String> {
    if !Path::new(GO_PACKAGES).is_dir() {
        return Err(format!("{GO_PACKAGES} is missing (Debian package golang-golang-x-mod-dev)"));
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tlogverify/main.go");
    let binary = dir.join("tlogverify");
    let out = Command::new("go")
        .arg("build")
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .env("GO111MODULE", "off")
        .env("GOPATH", "/usr/share/gocode")
        .env("GOCACHE", dir.join("gocache"))
        .env("GOFLAGS", "")
        .env("CGO_ENABLED", "0")
        .env("GOPROXY", "off")
        .output()
        .map_err(|e| format!("`go` cannot be run ({e}; Debian package golang-go)"))?;
    if !out.status.success() {
        return Err(format!("go build failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(binary)
}

/// The verifier, or `None` (having said why) when Go is missing and not
/// required; a failure when `CONFIDANT_TLOG_GO=required`.
pub fn verifier_or_skip(dir: &Path, what: &str) -> Option<PathBuf> {
    match build_verifier(dir) {
        Ok(path) => Some(path),
        Err(why) => {
            if std::env::var("CONFIDANT_TLOG_GO").as_deref() == Ok("required") {
                panic!("the Go verifier is required (CONFIDANT_TLOG_GO=required) but cannot be built: {why}");
            }
            eprintln!("skipping {what}: {why} (scripts/test installs golang-go and golang-golang-x-mod-dev)");
            None
        }
    }
}

/// Runs the verifier on an export under the verifier key `vkey`.
pub fn verify(verifier: &Path, export: &Path, vkey: &str) -> Output {
    Command::new(verifier).arg(export).arg(vkey).output().unwrap()
}
