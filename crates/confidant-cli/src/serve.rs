//! `confidant serve`: the HTTP API and the console on one address. With
//! `--demo`, a throwaway data directory is filled like `init --demo`, demo
//! sign-ins are made, and their passwords printed; the directory is removed
//! when the server stops.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use confidant_server::{Config, demo::create_demo_accounts, router, serve, state};
use tracing_subscriber::fmt::writer::BoxMakeWriter;

use crate::Failure;
use crate::vault::{Location, open, store_failure};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "CONFIDANT_ADDR")]
    pub addr: SocketAddr,
    /// Serve a fictional demo organization from a temporary data directory.
    #[arg(long)]
    pub demo: bool,
    /// Mark session cookies `Secure` (served over TLS, e.g. behind a proxy).
    /// On by default whenever `--addr` is not a loopback address.
    #[arg(long, conflicts_with = "insecure_cookies")]
    pub secure_cookies: bool,
    /// Send cookies without `Secure` even beyond loopback (plain HTTP on a
    /// trusted network only; a session cookie sent in clear can be stolen).
    #[arg(long)]
    pub insecure_cookies: bool,
    /// How long a break-glass access lasts, in minutes (1 to 1440).
    #[arg(long, default_value_t = 60, env = "CONFIDANT_BREAK_GLASS_MINUTES", value_parser = clap::value_parser!(i64).range(1..=1440))]
    pub break_glass_minutes: i64,
    /// Serve `/metrics` only to an overseer's `audit`-scope token, not to
    /// every loopback caller (behind a reverse proxy on the same host, where
    /// every request comes from loopback).
    #[arg(long)]
    pub metrics_token_only: bool,
    /// Request logs on standard error: `text`, `json` (one object a line) or `off`.
    #[arg(long, value_enum, default_value = "text")]
    pub log: LogFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
    Off,
}

/// Installs the log subscriber: INFO and above to standard error, through
/// the log thread ([`crate::serve_log`]) so no request waits for a write.
/// The server logs ids, routes, statuses and timings only (never names or
/// contents), so nothing here needs filtering. The guard returned waits,
/// when dropped, for the lines logged before to be written.
fn init_logs(format: LogFormat) -> Option<crate::serve_log::Flushing> {
    if format == LogFormat::Off {
        return None;
    }
    // Straight to standard error only if the log thread could not start.
    let (writer, flushing) = match crate::serve_log::start(std::io::stderr()) {
        Some((sink, flushing)) => (BoxMakeWriter::new(sink), Some(flushing)),
        None => (BoxMakeWriter::new(std::io::stderr), None),
    };
    let builder = tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_ansi(false).with_writer(writer);
    // A subscriber already installed (e.g. by an embedding test) wins.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text | LogFormat::Off => builder.try_init(),
    };
    flushing
}

/// Removes the demo's data directory when the server stops.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Cookies are `Secure` unless the server listens on loopback only (where
/// there is no TLS to be had) or the operator opts out explicitly.
fn secure_cookies(args: &ServeArgs) -> bool {
    args.secure_cookies || (!args.insecure_cookies && !args.addr.ip().is_loopback())
}

/// Sets the training policy the config file declares when the vault's
/// differs (as the operator, audited), so the file is the declared state.
async fn apply_training_policy(store: &confidant_store::Store, file: &crate::config::ConfigFile) -> Result<(), Failure> {
    let app = confidant_app::App::new(store, store);
    let current = app.training_policy().await.map_err(crate::vault::app_failure)?;
    match crate::config::training_policy(file, current) {
        Some(wanted) if wanted != current => {
            app.set_training_policy(&confidant_app::Actor::operator(None), wanted).await.map_err(crate::vault::app_failure)
        }
        _ => Ok(()),
    }
}

pub fn run(location: &Location, args: ServeArgs, file: &crate::config::ConfigFile) -> Result<(), Failure> {
    let _logs = init_logs(args.log);
    let mut location = location.clone();
    let _demo_dir = if args.demo {
        let mut bytes = [0u8; 6];
        rand::fill(&mut bytes);
        let dir = std::env::temp_dir().join(format!("confidant-demo-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()));
        location.data_dir = Some(dir.clone());
        location.database = None;
        crate::vault::init_quietly(&location, true)?;
        Some(TempDir(dir))
    } else {
        None
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failure::Internal(format!("runtime: {e}")))?;
    runtime.block_on(async {
        let store = Arc::new(open(&location).await?);
        apply_training_policy(&store, file).await?;
        let accounts = if args.demo { create_demo_accounts(&store).await.map_err(store_failure)? } else { Vec::new() };
        let engine = Arc::new(crate::packs::serving_engine()?);
        let config = Config {
            secure_cookies: secure_cookies(&args),
            break_glass_minutes: args.break_glass_minutes,
            metrics_from_loopback: !args.metrics_token_only,
            ..Config::default()
        };
        let (state, writer) = state(store.clone(), engine, config);
        if crate::packs::has_dir() {
            // `POST /v1/rules/reload` or SIGHUP: read the packs again.
            state.set_reloader(Arc::new(|| crate::packs::serving_engine().map_err(|f| f.message())));
            // A pack's own scenarios (`DIR/scenarios/*.json`) run at start and on every reload.
            if let Some(dir) = crate::packs::dir() {
                let scenarios = dir.join("scenarios");
                let tester: confidant_server::PackTester = Arc::new(move |engine| {
                    if !scenarios.is_dir() {
                        return None;
                    }
                    Some(match crate::rules::scenarios(std::slice::from_ref(&scenarios)) {
                        Ok(list) => confidant_server::PackTests::run(engine, &list),
                        Err(e) => confidant_server::PackTests { passed: 0, failures: vec![e.message()] },
                    })
                });
                state.set_packs(dir.display().to_string(), tester);
            }
            let on_hangup = state.clone();
            tokio::spawn(async move {
                let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
                while hangups.recv().await.is_some() {
                    // Refusals are logged by reload_rules; the server keeps its rules.
                    let _ = on_hangup.reload_rules(None).await;
                }
            });
        }
        let listener =
            tokio::net::TcpListener::bind(args.addr).await.map_err(|e| Failure::Input(format!("--addr: an address to listen on ({e})")))?;
        let addr = listener.local_addr().map_err(|e| Failure::Internal(e.to_string()))?;
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "Confidant is listening on http://{addr}/ (console at /console, API docs at /docs)");
            if args.demo {
                let _ = writeln!(out, "Demo organization (fictional). Sign in with:");
                for a in &accounts {
                    let _ = writeln!(out, "  {:<30} {:<24} password: {}", a.staff_id, a.role, a.password);
                }
                if !addr.ip().is_loopback() {
                    let _ = writeln!(out, "warning: the demo is listening beyond this machine");
                }
            }
            let _ = out.flush();
        }
        serve(listener, router(state.clone()), shutdown_signal()).await.map_err(|e| Failure::Internal(format!("server: {e}")))?;
        // In-flight requests are done; let the audit writer drain, then close.
        drop(state);
        let _ = writer.await;
        // The witness thread writes the last head before the store closes.
        let flushing = store.clone();
        let _ = tokio::task::spawn_blocking(move || flushing.flush_witness()).await;
        if let Ok(store) = Arc::try_unwrap(store) {
            store.close().await;
        }
        Ok(())
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn args(line: &[&str]) -> ServeArgs {
        Cli::try_parse_from(std::iter::once("serve").chain(line.iter().copied())).unwrap().serve
    }

    #[test]
    fn cookies_are_secure_by_default_beyond_loopback_only() {
        assert!(!secure_cookies(&args(&[])));
        assert!(secure_cookies(&args(&["--addr", "0.0.0.0:8080"])));
        assert!(secure_cookies(&args(&["--addr", "10.1.2.3:8080"])));
        assert!(!secure_cookies(&args(&["--addr", "0.0.0.0:8080", "--insecure-cookies"])));
        assert!(secure_cookies(&args(&["--secure-cookies"])));
        assert!(Cli::try_parse_from(["serve", "--secure-cookies", "--insecure-cookies"]).is_err());
    }

    #[test]
    fn the_break_glass_window_is_configurable_within_a_day() {
        assert_eq!(args(&[]).break_glass_minutes, 60);
        assert_eq!(args(&["--break-glass-minutes", "15"]).break_glass_minutes, 15);
        assert!(Cli::try_parse_from(["serve", "--break-glass-minutes", "0"]).is_err());
        assert!(Cli::try_parse_from(["serve", "--break-glass-minutes", "2000"]).is_err());
    }
}
