//! Confidant's HTTP server: the `/v1` JSON API (every CLI capability), the
//! staff console under `/console`, sign-in (Argon2id passwords, optional
//! TOTP, session cookies with CSRF tokens, scoped API tokens), need-to-know
//! access with break-glass, RFC 9457 problem details, security headers,
//! OpenAPI 3.1 at `/openapi.json` with an offline docs page at `/docs`,
//! `/healthz`, `/readyz` (the database answers and the audit log can be
//! signed) and `/metrics` (Prometheus).
//!
//! [`router`] builds the application for a state; [`serve`] runs it on a
//! listener until a shutdown future resolves, then lets in-flight requests
//! finish and flushes the audit writer. Tests start it on `127.0.0.1:0`.
//!
//! Invariants: only this crate knows HTTP; every access to a client's data
//! passes [`access::client_access`] and is audited; handlers never log
//! names or contents (ids only).

#![deny(missing_docs)]

pub mod access;
mod api;
mod audit_writer;
pub mod auth;
mod body;
mod cds;
mod console;
pub mod demo;
pub mod fhir;
pub mod metrics;
mod openapi;
mod packs;
pub mod problem;
mod training;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use confidant_policy::Engine;
use confidant_store::Store;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

pub use audit_writer::AuditWriter;
pub use packs::{PackTester, PackTests, ReloadReport, ReplayedChange, RulesStatus};

use crate::problem::Problem;

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (set when served over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a session lasts.
    pub session_secs: i64,
    /// How long a break-glass grant lasts.
    pub break_glass_minutes: i64,
    /// Serve `/metrics` to any loopback caller without signing in. Turn it
    /// off behind a reverse proxy on the same host, where every request
    /// comes from loopback; an overseer's `audit`-scope token still works.
    pub metrics_from_loopback: bool,
    /// Sign-in attempts allowed per client address in any minute, counted
    /// in the vault across every server on it.
    pub sign_ins_per_minute: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: false,
            body_limit: 1024 * 1024,
            session_secs: 8 * 3600,
            break_glass_minutes: 60,
            metrics_from_loopback: true,
            sign_ins_per_minute: auth::ATTEMPTS_PER_MINUTE,
        }
    }
}

/// Everything a handler needs.
pub struct AppState {
    /// The vault.
    pub store: Arc<Store>,
    /// The engine in use; swapped whole by a reload, so a request sees one
    /// rule set from start to end (it holds the `Arc` it took).
    engine: std::sync::RwLock<Arc<Engine>>,
    /// Builds a fresh engine from the configured packs (set by `serve`).
    reloader: std::sync::OnceLock<Reloader>,
    /// One reload at a time, so the "old" version an event names is the one replaced.
    reloading: tokio::sync::Mutex<()>,
    /// Where reads and decisions are audited (group commit).
    pub audit: AuditWriter,
    /// How this server was started.
    pub config: Config,
    /// Principals looked up recently, by credential hash; forgotten when
    /// the vault's principal version moves (see [`auth::PrincipalCache`]).
    pub principals: auth::PrincipalCache,
    /// The question bank, generated once, off the async workers.
    bank: tokio::sync::OnceCell<Result<Arc<training::Bank>, String>>,
    /// The rules in use as the privacy officer sees them: where the packs
    /// come from, their tests, and what the last reload changed.
    packs: std::sync::RwLock<packs::PacksRecord>,
    /// Runs a packs directory's own scenarios against an engine (set by `serve`).
    tester: std::sync::OnceLock<PackTester>,
    /// Packages released through the console in this run, by disclosure id,
    /// so the page to print can be opened after the release.
    pub packages: Mutex<HashMap<String, (String, String)>>,
    /// Counters and gauges served at `/metrics`.
    pub metrics: metrics::Metrics,
}

/// Builds the state and starts the audit writer; await the handle after
/// the server stops to be sure the log is flushed. Also starts, for as long
/// as the state lives, the poll of the vault's principal version and the
/// pruning of old sign-in windows, and has the store write its witness
/// file from a thread of its own.
pub fn state(store: Arc<Store>, engine: Arc<Engine>, config: Config) -> (Arc<AppState>, tokio::task::JoinHandle<()>) {
    if let Err(e) = store.write_witness_in_background() {
        // The head still goes to the file, before each append returns.
        tracing::warn!(target: "confidant::audit", error = %e, "witness thread not started");
    }
    let (audit, writer) = AuditWriter::start(store.clone());
    let state = AppState {
        store,
        packs: std::sync::RwLock::new(packs::PacksRecord::default()),
        tester: std::sync::OnceLock::new(),
        engine: std::sync::RwLock::new(engine),
        reloader: std::sync::OnceLock::new(),
        reloading: tokio::sync::Mutex::new(()),
        audit,
        config,
        principals: auth::PrincipalCache::default(),
        bank: tokio::sync::OnceCell::new(),
        packages: Mutex::new(HashMap::new()),
        metrics: metrics::Metrics::new(),
    };
    let state = Arc::new(state);
    tokio::spawn(auth::PrincipalCache::watch(Arc::downgrade(&state)));
    tokio::spawn(prune_sign_in_windows(Arc::downgrade(&state)));
    (state, writer)
}

/// Deletes, once a minute, the sign-in windows no limit looks at any more
/// (the longest is the lock window), until the state is gone.
async fn prune_sign_in_windows(state: std::sync::Weak<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(state) = state.upgrade() else { return };
        let before_ms = state.store.now_secs().saturating_sub(auth::LOCK_SECS.max(60)).saturating_mul(1000);
        if let Err(e) = state.store.prune_attempts(before_ms).await {
            tracing::warn!(target: "confidant::auth", error = %e.to_string().split(':').next().unwrap_or("error"), "old sign-in windows not pruned");
        }
    }
}

/// Builds a new engine from the rule packs the server was started with.
pub type Reloader = Arc<dyn Fn() -> Result<Engine, String> + Send + Sync>;

impl AppState {
    /// The engine to decide with: the current rule set, held for the request.
    pub fn engine(&self) -> Arc<Engine> {
        match self.engine.read() {
            Ok(engine) => engine.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The operations layer over this server's vault; reads and decisions
    /// are audited through the group-commit writer.
    pub fn app(&self) -> confidant_app::App<'_> {
        confidant_app::App::new(&self.store, &self.audit)
    }

    /// Where a reload takes its packs from.
    pub fn set_reloader(&self, reloader: Reloader) {
        let _ = self.reloader.set(reloader);
    }
}

/// The whole application.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.body_limit;
    Router::new()
        .route("/", get(|| async { axum::response::Redirect::to(confidant_console::routes::HOME) }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::metrics))
        .merge(openapi::routes())
        .merge(api::routes())
        .merge(cds::routes())
        .merge(fhir::routes())
        .merge(console::routes())
        .merge(training::routes())
        .fallback(|| async { Problem::not_found("no such resource") })
        .method_not_allowed_fallback(|| async { Problem::new(StatusCode::METHOD_NOT_ALLOWED, "this method is not allowed here") })
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(state.clone(), request_log))
        .with_state(state)
}

/// Ready when the database answers and the audit log can be appended to:
/// the signing key is loaded, it is the key the log is registered under,
/// and the group-commit writer is running. Every handler that touches
/// client data appends to the log, so without it the server cannot work.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match sqlx_ping(&state).await.and(audit_ready(&state).await) {
        Ok(()) => "ready".into_response(),
        Err(p) => p.into_response(),
    }
}

async fn audit_ready(state: &AppState) -> Result<(), Problem> {
    let unavailable = |why: &str| Problem::new(StatusCode::SERVICE_UNAVAILABLE, format!("audit log not ready: {why}"));
    let Some(ours) = state.store.audit_verifying_key() else {
        return Err(unavailable("no signing key is loaded"));
    };
    match state.store.audit_public_key().await {
        Ok(Some(registered)) if registered == ours => {}
        Ok(_) => return Err(unavailable("the signing key is not the key the log is registered under")),
        Err(_) => return Err(unavailable("the log's key cannot be read")),
    }
    if !state.audit.is_running() {
        return Err(unavailable("the audit writer has stopped"));
    }
    Ok(())
}

async fn sqlx_ping(state: &AppState) -> Result<(), Problem> {
    state.store.ping().await.map_err(|e| {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, format!("database not ready: {}", e.to_string().split(':').next().unwrap_or("error")))
    })
}

/// Headers on every response: a strict content security policy (the
/// console loads only its own embedded assets), no framing, no sniffing, no
/// referrer, and `no-store` on everything that may carry PHI.
///
/// The names and values are constants, checked when the crate is compiled
/// rather than on every response.
async fn security_headers(request: Request, next: Next) -> Response {
    const CSP: HeaderValue =
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'");
    const COOP: header::HeaderName = header::HeaderName::from_static("cross-origin-opener-policy");
    const PERMISSIONS: header::HeaderName = header::HeaderName::from_static("permissions-policy");
    const ALWAYS: [(header::HeaderName, HeaderValue); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (COOP, HeaderValue::from_static("same-origin")),
        (PERMISSIONS, HeaderValue::from_static("camera=(), microphone=(), geolocation=()")),
    ];
    const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
    let asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Room for all of them at once, instead of the map growing on the way.
    headers.reserve(ALWAYS.len() + 2);
    // A handler may send a stricter policy of its own (the disclosure package).
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, CSP);
    }
    for (name, value) in ALWAYS {
        headers.insert(name, value);
    }
    if !asset {
        headers.insert(header::CACHE_CONTROL, NO_STORE);
    }
    response
}

/// The response header carrying the id a request is logged under.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// One structured log line per request: method, the route's *template*
/// (`/v1/clients/{id}/records`, never the path as sent, so no id, query
/// string or typed text reaches the log), status and duration, under a
/// random request id that is also returned as `X-Request-Id` so a staff
/// member's report can be matched to the line. Who asked, and about whom,
/// is in the audit log, not here.
async fn request_log(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    // The template is shared (an `Arc<str>` inside), so keeping it costs no copy.
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("(no route)", MatchedPath::as_str);
    let mut id = [0u8; 8];
    rand::fill(&mut id);
    // 16 hex digits on the stack: logged as text and sent as the header,
    // with no `String` in between.
    let mut hex_id = [0u8; 16];
    let request_id = match hex::encode_to_slice(id, &mut hex_id) {
        Ok(()) => std::str::from_utf8(&hex_id).unwrap_or_default(),
        Err(_) => "",
    };
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    state.metrics.http_request(method.as_str(), route, status);
    if status >= 500 {
        tracing::warn!(target: "confidant::http", request_id = %request_id, method = %method, route = %route, status, micros, "request");
    } else {
        tracing::info!(target: "confidant::http", request_id = %request_id, method = %method, route = %route, status, micros, "request");
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Serves `app` on `listener` until `shutdown` resolves; in-flight requests
/// finish first. The caller then awaits the audit writer's handle.
///
/// Responses go out at once (`TCP_NODELAY`): a response written in more
/// than one piece must not wait for the client's delayed acknowledgement.
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(target: "confidant::http", error = %e, "TCP_NODELAY not set");
        }
    });
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await
}
