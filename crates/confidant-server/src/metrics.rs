//! `GET /metrics`: the server's counters and gauges in the Prometheus
//! exposition format (OpenMetrics text 1.0, which Prometheus scrapes
//! natively), for loopback callers and for an overseer (privacy officer or
//! admin) whose token carries the `audit` scope.
//!
//! Why `prometheus-client`: it is the Prometheus project's own Rust client,
//! maintained under the `prometheus` GitHub organization, keeps metrics in a
//! registry we own (no process-global recorder, so several servers in one
//! test process keep their own counts), types label sets as structs, and
//! has no default features (no protobuf, no HTTP server).
//!
//! Labels carry no client data: outcomes, layers, route templates (never
//! the path as sent), status codes. Gauges that describe the vault (audit
//! log size and the latest signed head's age, open break-glass grants, the
//! connection pool) are read when scraped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use confidant_policy::Decision;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;
use crate::auth::{Scope, principal_of};
use crate::problem::Problem;

/// The media type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LayerLabels {
    layer: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// The server's metrics and the registry that exposes them.
pub struct Metrics {
    registry: Registry,
    decisions: Family<OutcomeLabels, Counter>,
    decisions_by_layer: Family<LayerLabels, Counter>,
    decision_seconds: Histogram,
    http_requests: Family<HttpLabels, Counter>,
    sign_in_failures: Counter,
    audit_entries: Gauge,
    checkpoint_age: Gauge<f64, AtomicU64>,
    break_glass_open: Gauge,
    pool: Family<PoolLabels, Gauge>,
    pool_max: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every metric at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("confidant");
        let decisions = Family::<OutcomeLabels, Counter>::default();
        registry.register("decisions", "Decisions made, by overall outcome", decisions.clone());
        let decisions_by_layer = Family::<LayerLabels, Counter>::default();
        registry.register(
            "decisions_by_layer",
            "Decisions in which a layer's rules fired, by layer and overall outcome",
            decisions_by_layer.clone(),
        );
        // 100 µs to ~1.6 s.
        let decision_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 15));
        registry.register("decision_seconds", "Time to decide a request, from parsed input to decision", decision_seconds.clone());
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered, by method, route template and status", http_requests.clone());
        let sign_in_failures = Counter::default();
        registry.register(
            "sign_in_failures",
            "Refused sign-ins (wrong id, password or code, or a locked account)",
            sign_in_failures.clone(),
        );
        let audit_entries = Gauge::default();
        registry.register("audit_log_entries", "Entries in the audit log (size of the latest signed tree head)", audit_entries.clone());
        let checkpoint_age = Gauge::<f64, AtomicU64>::default();
        registry.register("audit_checkpoint_age_seconds", "Seconds since the latest signed tree head was signed", checkpoint_age.clone());
        let break_glass_open = Gauge::default();
        registry.register("break_glass_open", "Break-glass grants not yet expired", break_glass_open.clone());
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register("db_pool_connections", "Database connections held by the pool, by state", pool.clone());
        let pool_max = Gauge::default();
        registry.register("db_pool_max_connections", "Largest number of connections the pool opens", pool_max.clone());
        Metrics {
            registry,
            decisions,
            decisions_by_layer,
            decision_seconds,
            http_requests,
            sign_in_failures,
            audit_entries,
            checkpoint_age,
            break_glass_open,
            pool,
            pool_max,
        }
    }

    /// Counts a decision and how long it took.
    pub fn decision(&self, decision: &Decision, took: Duration) {
        let outcome = decision.decision.as_str();
        self.decisions.get_or_create(&OutcomeLabels { outcome }).inc();
        let mut layers: Vec<&'static str> = decision.rules.iter().map(|r| r.layer.as_str()).collect();
        layers.sort_unstable();
        layers.dedup();
        for layer in layers {
            self.decisions_by_layer.get_or_create(&LayerLabels { layer, outcome }).inc();
        }
        self.decision_seconds.observe(took.as_secs_f64());
    }

    /// Counts an answered request under its route template.
    pub fn http_request(&self, method: &str, route: &str, status: u16) {
        self.http_requests.get_or_create(&HttpLabels { method: method.to_string(), route: route.to_string(), status }).inc();
    }

    /// Counts a refused sign-in.
    pub fn sign_in_failed(&self) {
        self.sign_in_failures.inc();
    }

    /// Reads the vault's gauges and renders everything.
    async fn render(&self, state: &AppState) -> Result<String, Problem> {
        let store = &state.store;
        let head = store.tree_head().await?;
        let now_ms = store.now_secs().saturating_mul(1000);
        self.audit_entries.set(head.as_ref().map_or(0, |h| i64::try_from(h.head.size).unwrap_or(i64::MAX)));
        let age_ms = head.as_ref().map_or(0, |h| now_ms.saturating_sub(i64::try_from(h.head.timestamp_ms).unwrap_or(now_ms)).max(0));
        self.checkpoint_age.set(age_ms as f64 / 1000.0);
        self.break_glass_open.set(i64::try_from(store.open_break_glass_count().await?).unwrap_or(i64::MAX));
        let pool = store.pool();
        let size = i64::from(pool.size());
        let idle = i64::try_from(pool.num_idle()).unwrap_or(0);
        self.pool.get_or_create(&PoolLabels { state: "idle" }).set(idle);
        self.pool.get_or_create(&PoolLabels { state: "in_use" }).set((size - idle).max(0));
        self.pool_max.set(i64::from(pool.options().get_max_connections()));
        let mut out = String::new();
        encode(&mut out, &self.registry).map_err(|e| Problem::internal(&e))?;
        Ok(out)
    }
}

/// `GET /metrics`: loopback callers, or an overseer with the `audit` scope.
pub(crate) async fn metrics(State(state): State<Arc<AppState>>, extensions: Extensions, headers: HeaderMap) -> Response {
    let loopback = state.config.metrics_from_loopback
        && extensions.get::<ConnectInfo<SocketAddr>>().is_some_and(|ConnectInfo(addr)| addr.ip().is_loopback());
    if !loopback {
        let allowed = match principal_of(&state, &headers).await {
            Ok(Some(p)) => p.require(Scope::Audit).and_then(|()| {
                if p.oversees() { Ok(()) } else { Err(Problem::forbidden("metrics are for the privacy officer and admins")) }
            }),
            Ok(None) => Err(Problem::unauthorized()),
            Err(problem) => Err(problem),
        };
        if let Err(problem) = allowed {
            return problem.into_response();
        }
    }
    match state.metrics.render(&state).await {
        Ok(text) => {
            let mut response = text.into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            response
        }
        Err(problem) => problem.into_response(),
    }
}
