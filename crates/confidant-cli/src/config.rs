//! `confidant.toml`: the settings an installation keeps in one file, named
//! by `--config FILE` or `CONFIDANT_CONFIG`. Environment variables override
//! the file and flags override both (clap already ranks flags over their
//! environment variables; the file fills only what neither gave).
//! `--check-config` reads and checks it, prints the settings in effect and
//! where each came from, and exits (0 valid, 2 not).
//!
//! ```toml
//! [vault]
//! data_dir = "/var/lib/confidant"
//! database_url = "postgres://confidant@localhost/confidant"   # omit for SQLite in data_dir
//! policies = "/etc/confidant/packs"
//!
//! [server]
//! addr = "127.0.0.1:8080"
//! secure_cookies = true          # false: plain HTTP beyond loopback (trusted networks only)
//! break_glass_minutes = 60
//! metrics_token_only = false
//!
//! [training]
//! pass_percent = 80
//! interval_months = 12
//! ```

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::Failure;

/// The file's contents; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub vault: VaultSection,
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default)]
    pub training: TrainingSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultSection {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub policies: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    pub addr: Option<String>,
    pub secure_cookies: Option<bool>,
    pub break_glass_minutes: Option<i64>,
    pub metrics_token_only: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSection {
    pub pass_percent: Option<u8>,
    pub interval_months: Option<u16>,
}

/// Reads and checks the file at `path`: its syntax, its keys and every
/// value's range, naming the key at fault.
pub fn load(path: &Path) -> Result<ConfigFile, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("--config: a readable file ({}: {e})", path.display())))?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        let message = e.message().trim_end_matches('\n').to_string();
        Failure::Input(format!("--config: {}: {message}", path.display()))
    })?;
    let bad = |key: &str, expected: &str| Failure::Input(format!("--config: {}: {key}: {expected}", path.display()));
    if let Some(addr) = &file.server.addr
        && addr.parse::<SocketAddr>().is_err()
    {
        return Err(bad("server.addr", &format!("an address and port such as `127.0.0.1:8080`, got `{addr}`")));
    }
    if file.server.break_glass_minutes.is_some_and(|m| !(1..=1440).contains(&m)) {
        return Err(bad("server.break_glass_minutes", "1 to 1440"));
    }
    if let Some(url) = &file.vault.database_url {
        confidant_store::DatabaseUrl::new(url.clone())
            .backend()
            .map_err(|_| bad("vault.database_url", "a `sqlite:` or `postgres://` URL"))?;
    }
    if file.training.pass_percent.is_some_and(|p| !(1..=100).contains(&p)) {
        return Err(bad("training.pass_percent", "1 to 100"));
    }
    if file.training.interval_months.is_some_and(|m| !(1..=120).contains(&m)) {
        return Err(bad("training.interval_months", "1 to 120"));
    }
    Ok(file)
}

/// Where a setting in effect came from.
fn source(matches: &ArgMatches, id: &str, from_file: bool) -> &'static str {
    match matches.try_get_raw(id).ok().flatten().and(matches.value_source(id)) {
        Some(ValueSource::CommandLine) => "flag",
        Some(ValueSource::EnvVariable) => "environment",
        _ if from_file => "config file",
        _ => "default",
    }
}

/// Whether `id` was given by a flag or an environment variable.
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches!(matches.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

/// Fills the global vault settings the flags and environment left unset.
pub fn apply_location(file: &ConfigFile, location: &mut crate::vault::Location, policies: &mut Option<PathBuf>) {
    if location.data_dir.is_none() {
        location.data_dir.clone_from(&file.vault.data_dir);
    }
    if location.database.as_deref().is_none_or(str::is_empty) {
        location.database.clone_from(&file.vault.database_url);
    }
    if policies.is_none() {
        policies.clone_from(&file.vault.policies);
    }
}

/// Fills `serve`'s settings that neither a flag nor the environment gave.
pub fn apply_serve(file: &ConfigFile, serve: &ArgMatches, args: &mut crate::serve::ServeArgs) -> Result<(), Failure> {
    if !given(serve, "addr")
        && let Some(addr) = &file.server.addr
    {
        args.addr = addr.parse().map_err(|_| Failure::Input(format!("--config: server.addr: an address, got `{addr}`")))?;
    }
    if !given(serve, "break_glass_minutes")
        && let Some(minutes) = file.server.break_glass_minutes
    {
        args.break_glass_minutes = minutes;
    }
    if !given(serve, "secure_cookies") && !given(serve, "insecure_cookies") {
        match file.server.secure_cookies {
            Some(true) => args.secure_cookies = true,
            Some(false) => args.insecure_cookies = true,
            None => {}
        }
    }
    if !given(serve, "metrics_token_only")
        && let Some(only) = file.server.metrics_token_only
    {
        args.metrics_token_only = only;
    }
    Ok(())
}

/// The training policy the file declares, if it declares one.
pub fn training_policy(file: &ConfigFile, current: confidant_store::TrainingPolicy) -> Option<confidant_store::TrainingPolicy> {
    if file.training.pass_percent.is_none() && file.training.interval_months.is_none() {
        return None;
    }
    Some(confidant_store::TrainingPolicy {
        pass_percent: file.training.pass_percent.unwrap_or(current.pass_percent),
        interval_months: file.training.interval_months.unwrap_or(current.interval_months),
    })
}

/// The report `--check-config` prints: each setting in effect and its source.
pub fn report(path: Option<&Path>, file: &ConfigFile, matches: &ArgMatches, location: &crate::vault::Location) -> String {
    let mut out = String::new();
    match path {
        Some(path) => {
            let _ = writeln!(out, "{}: valid", path.display());
        }
        None => {
            let _ = writeln!(out, "no config file (--config or CONFIDANT_CONFIG); flags, environment and defaults only");
        }
    }
    let data_dir = location.data_dir().map_or_else(|f| format!("(none: {})", f.message()), |d| d.display().to_string());
    let _ = writeln!(out, "vault.data_dir = {data_dir}  [{}]", source(matches, "data_dir", file.vault.data_dir.is_some()));
    let database = match location.database.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => confidant_store::DatabaseUrl::new(url).to_string(),
        None => "SQLite in the data directory".into(),
    };
    let _ = writeln!(out, "vault.database_url = {database}  [{}]", source(matches, "database", file.vault.database_url.is_some()));
    let policies = crate::packs::dir().map_or_else(|| "(built-in packs only)".to_string(), |d| d.display().to_string());
    let _ = writeln!(out, "vault.policies = {policies}  [{}]", source(matches, "policies", file.vault.policies.is_some()));
    let server = &file.server;
    let show = |key: &str, value: Option<String>| match value {
        Some(v) => format!("{key} = {v}  [config file unless a flag or the environment says otherwise]\n"),
        None => format!("{key}: not set in the file (serve's flag or default)\n"),
    };
    out.push_str(&show("server.addr", server.addr.clone()));
    out.push_str(&show("server.secure_cookies", server.secure_cookies.map(|b| b.to_string())));
    out.push_str(&show("server.break_glass_minutes", server.break_glass_minutes.map(|m| m.to_string())));
    out.push_str(&show("server.metrics_token_only", server.metrics_token_only.map(|b| b.to_string())));
    out.push_str(&show("training.pass_percent", file.training.pass_percent.map(|p| p.to_string())));
    out.push_str(&show("training.interval_months", file.training.interval_months.map(|m| m.to_string())));
    out
}
