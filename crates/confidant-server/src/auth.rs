//! Who is asking: Argon2id passwords, TOTP second factor, session cookies
//! with a CSRF token, hashed scoped API tokens, backoff and lockout, and the
//! extractors that turn a request into a [`Principal`] or a typed refusal.
//!
//! Password hashing, tokens and codes are `confidant_app::credentials`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use confidant_store::{Staff, StaffRole};

// Credentials are the operations layer's (one implementation for every front end).
pub use confidant_app::credentials::{LOCK_AFTER, LOCK_SECS, new_token, token_hash};

use crate::AppState;
use crate::problem::Problem;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "confidant_session";
/// Sign-in attempts allowed per client address per minute, by default.
pub const ATTEMPTS_PER_MINUTE: u32 = 10;

/// What an API token may do.
/// What an API token may do. A session may do whatever its role may; a
/// token only what its scopes name as well.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Ask for decisions (`POST /v1/decisions`, decisions about a stored client).
    Decisions,
    /// Read client data.
    Read,
    /// Change client data, release, revoke.
    Write,
    /// Read and verify the audit log.
    Audit,
}

impl Scope {
    /// Every scope, in the order the API lists them.
    pub const ALL: [Scope; 4] = [Scope::Decisions, Scope::Read, Scope::Write, Scope::Audit];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Decisions => "decisions",
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Audit => "audit",
        }
    }

    /// The scope spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The spellings, for error messages.
    pub fn expected() -> String {
        Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// The signed-in staff member and how they proved it.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Who, as the vault has them now (a deactivated account has no principal).
    pub staff: Staff,
    /// Which credential they came with.
    pub via: Via,
    /// The session's password was set by someone else (a one-time or reset
    /// password): until it is changed, the session may only change it or
    /// sign out.
    pub must_change_password: bool,
}

/// The credential a request came with.
#[derive(Clone, Debug)]
pub enum Via {
    /// A signed-in session (the cookie).
    Session {
        /// The session token's SHA-256, as stored.
        token_hash: String,
        /// The session's CSRF token, which cookie writes must send back.
        csrf: String,
    },
    /// An API token (`Authorization: Bearer`).
    Token {
        /// The token's id (never its value).
        id: String,
        /// What the token may do, beyond which its owner's role does not matter.
        scopes: Vec<Scope>,
    },
}

impl Principal {
    /// The staff member as the operations layer's actor, acting through `via`.
    pub fn actor(&self, via: confidant_app::Channel) -> confidant_app::Actor {
        confidant_app::Actor::staff(self.staff.clone(), via)
    }

    /// The staff id.
    pub fn id(&self) -> &str {
        &self.staff.id
    }

    /// The staff member's role.
    pub fn role(&self) -> StaffRole {
        self.staff.role
    }

    /// The privacy officer: the accounting of every client, suspensions,
    /// the authorization review queue.
    pub fn is_privacy_officer(&self) -> bool {
        self.staff.role == StaffRole::PrivacyOfficer
    }

    /// Privacy officers and admins oversee: audit log, accounting, review.
    pub fn oversees(&self) -> bool {
        matches!(self.staff.role, StaffRole::PrivacyOfficer | StaffRole::Admin)
    }

    /// Whether a token carries `scope` (sessions may do everything their role may).
    pub fn may(&self, scope: Scope) -> bool {
        match &self.via {
            Via::Session { .. } => true,
            Via::Token { scopes, .. } => scopes.contains(&scope),
        }
    }

    /// Refuses a token without `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.may(scope) { Ok(()) } else { Err(Problem::forbidden(format!("this API token lacks the `{}` scope", scope.as_str()))) }
    }

    /// The session's CSRF token (none for an API token).
    pub fn csrf(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf, .. } => Some(csrf),
            Via::Token { .. } => None,
        }
    }
}

/// Whether a state-changing request comes from another site. A browser's
/// `Sec-Fetch-Site` decides when present (pages cannot set it): only
/// `same-origin` or `none` (typed or bookmarked) pass. Without it, an
/// `Origin` must name this request's `Host`; `Origin: null` (what a
/// no-referrer page sends even to itself) does not. Requests with neither
/// header (API clients, not browsers) pass; they need a token or the CSRF
/// header anyway.
pub fn cross_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str().unwrap_or_default(), "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin.to_str().ok().and_then(|o| o.split_once("://")), host) {
        (Some((_, origin_host)), Some(host)) => !origin_host.trim_end_matches('/').eq_ignore_ascii_case(host),
        _ => true,
    }
}

/// Counts a sign-in attempt from `address` against the per-address limit
/// of [`crate::Config::sign_ins_per_minute`] in any sliding minute: a 429
/// problem, with how long to wait, when over. The window is kept in the
/// vault, so every server on one database counts together (under a hash of
/// the address, never the address itself).
pub async fn limit_sign_ins(state: &AppState, address: &str) -> Result<(), Problem> {
    let now_ms = state.store.now_secs().saturating_mul(1000);
    let subject = token_hash(&format!("sign-in address\0{address}"));
    let limit = state.config.sign_ins_per_minute;
    let counted = state.store.count_attempt(&subject, now_ms, SIGN_IN_WINDOW_MS, limit, true).await?;
    if counted.allowed {
        return Ok(());
    }
    let wait_ms = counted.frees_at_ms.map_or(SIGN_IN_WINDOW_MS, |at| at - now_ms);
    let wait = u64::try_from((wait_ms + 999) / 1000).unwrap_or(60).max(1);
    Err(Problem::too_many("too many sign-in attempts from this address; wait and try again", wait))
}

/// The per-address limit's window, in milliseconds.
pub const SIGN_IN_WINDOW_MS: i64 = 60_000;

/// The session token from the cookie header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE && !value.is_empty()).then(|| value.to_string())
    })
}

/// The `Set-Cookie` value for a new session (or, with `None`, clearing it).
pub fn session_set_cookie(token: Option<&str>, secure: bool, max_age_secs: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(token) => format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

/// How long a looked-up principal is trusted without asking the database
/// again, at most. Revocation and sign-out through this server take effect
/// at once (they evict); a change made anywhere else (another server, the
/// CLI) is seen when [`PrincipalCache::watch`] next polls the vault's
/// principal version, [`PRINCIPAL_POLL`] later; this is the backstop
/// should polling fail.
pub const PRINCIPAL_TTL: Duration = Duration::from_secs(30);

/// How often each server asks the vault whether any principal changed.
pub const PRINCIPAL_POLL: Duration = Duration::from_millis(250);

/// Principals by token hash, so a busy client does not cost two database
/// round trips per request.
///
/// Coherence across processes: the vault keeps one principal version that
/// its own triggers move in the transaction of every change that can make
/// a cached principal wrong (migration 14). Each server polls it; when it
/// moves, the whole cache is forgotten. A lookup notes the cache's
/// generation before it reads the vault and is not cached if the cache was
/// forgotten meanwhile, so a principal read before a change never
/// outlives the poll that saw the change.
#[derive(Default)]
pub struct PrincipalCache {
    entries: std::sync::Mutex<CacheEntries>,
}

#[derive(Default)]
struct CacheEntries {
    /// Bumped every time the cache is forgotten.
    generation: u64,
    /// The vault's principal version last seen.
    version: Option<i64>,
    by_hash: HashMap<String, (Principal, Instant)>,
}

impl PrincipalCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheEntries> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, hash: &str) -> Option<Principal> {
        let entries = self.lock();
        entries.by_hash.get(hash).filter(|(_, at)| at.elapsed() < PRINCIPAL_TTL).map(|(p, _)| p.clone())
    }

    /// The generation to pass to [`PrincipalCache::put`], taken before the vault is read.
    fn generation(&self) -> u64 {
        self.lock().generation
    }

    fn put(&self, generation: u64, hash: String, principal: Principal) {
        let mut entries = self.lock();
        if entries.generation != generation {
            return;
        }
        if entries.by_hash.len() >= 10_000 {
            entries.by_hash.retain(|_, (_, at)| at.elapsed() < PRINCIPAL_TTL);
        }
        entries.by_hash.insert(hash, (principal, Instant::now()));
    }

    /// Forgets a token or session (revoked, signed out).
    pub fn evict(&self, hash: &str) {
        self.lock().by_hash.remove(hash);
    }

    /// Forgets every principal of one staff member.
    pub fn evict_staff(&self, staff_id: &str) {
        self.lock().by_hash.retain(|_, (p, _)| p.staff.id != staff_id);
    }

    /// Forgets everything when the vault's principal version is not the one
    /// last seen (the first version seen forgets too: anything cached
    /// before it is unchecked). Returns whether it forgot.
    pub fn seen_version(&self, version: i64) -> bool {
        let mut entries = self.lock();
        if entries.version == Some(version) {
            return false;
        }
        entries.version = Some(version);
        entries.generation += 1;
        entries.by_hash.clear();
        true
    }

    /// How many principals are cached (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().by_hash.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Polls the vault's principal version every [`PRINCIPAL_POLL`] until
    /// the server's state is gone, forgetting the cache whenever it moves.
    /// A failed poll forgets too (the vault may have changed unseen).
    pub async fn watch(state: std::sync::Weak<AppState>) {
        let mut tick = tokio::time::interval(PRINCIPAL_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(state) = state.upgrade() else { return };
            match state.store.principal_version().await {
                Ok(version) => {
                    state.principals.seen_version(version);
                }
                Err(e) => {
                    tracing::warn!(target: "confidant::auth", error = %e.to_string().split(':').next().unwrap_or("error"), "principal version not read; cache forgotten");
                    let mut entries = state.principals.lock();
                    entries.version = None;
                    entries.generation += 1;
                    entries.by_hash.clear();
                }
            }
        }
    }
}

/// Finds the principal of a request: a bearer token, else the session cookie.
pub async fn principal_of(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, Problem> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let text = auth.to_str().map_err(|_| Problem::unauthorized())?;
        let token = text.strip_prefix("Bearer ").ok_or_else(Problem::unauthorized)?;
        let hash = token_hash(token.trim());
        if let Some(principal) = state.principals.get(&hash) {
            return Ok(Some(principal));
        }
        let generation = state.principals.generation();
        let Some(record) = state.store.api_token(&hash).await? else {
            return Err(Problem::unauthorized());
        };
        let staff = state.store.staff(&record.staff_id).await?;
        // A stored scope this build does not know grants nothing.
        let scopes = record.scopes.iter().filter_map(|s| Scope::parse(s)).collect();
        let principal = Principal { staff, via: Via::Token { id: record.id, scopes }, must_change_password: false };
        state.principals.put(generation, hash, principal.clone());
        return Ok(Some(principal));
    }
    let Some(token) = session_cookie(headers) else { return Ok(None) };
    let hash = token_hash(&token);
    if let Some(principal) = state.principals.get(&hash) {
        return Ok(Some(principal));
    }
    let generation = state.principals.generation();
    let Some(session) = state.store.session(&hash).await? else { return Ok(None) };
    let staff = state.store.staff(&session.staff_id).await?;
    let must_change_password = state.store.credential(&staff.id).await?.is_some_and(|c| c.must_change_password);
    let principal = Principal { staff, via: Via::Session { token_hash: hash.clone(), csrf: session.csrf_token }, must_change_password };
    state.principals.put(generation, hash, principal.clone());
    Ok(Some(principal))
}

/// A signed-in principal for `/v1`: 401 problem otherwise; and for writes
/// over a session cookie, the `X-CSRF-Token` header must match.
pub struct ApiPrincipal(pub Principal);

impl FromRequestParts<Arc<AppState>> for ApiPrincipal {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let principal = principal_of(state, &parts.headers).await?.ok_or_else(Problem::unauthorized)?;
        if principal.must_change_password && !may_while_password_must_change(&principal, &parts.method, parts.uri.path()) {
            return Err(Problem::forbidden(format!(
                "password: change the one-time password first (`POST /v1/staff/{}/password` with `current_password`)",
                principal.id()
            )));
        }
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
            && let Some(expected) = principal.csrf()
        {
            if cross_origin(&parts.headers) {
                return Err(Problem::forbidden("a write with a session cookie must come from this server's own pages (`Origin`)"));
            }
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !constant_time_eq(sent, expected) {
                return Err(Problem::forbidden("a write with a session cookie needs the session's `X-CSRF-Token` header"));
            }
        }
        Ok(ApiPrincipal(principal))
    }
}

/// The console's page for changing one's password.
pub const PASSWORD_PAGE: &str = confidant_console::routes::PASSWORD;

/// What a session whose password must change may still do: change it (API
/// or console) and sign out.
fn may_while_password_must_change(p: &Principal, method: &Method, path: &str) -> bool {
    let own = format!("/v1/staff/{}/password", p.id());
    match *method {
        Method::POST => path == own || path == PASSWORD_PAGE || path == confidant_console::routes::SIGN_OUT,
        Method::DELETE => path == "/v1/session",
        Method::GET | Method::HEAD => path == PASSWORD_PAGE,
        _ => false,
    }
}

/// A signed-in principal for the console: a redirect to the sign-in page otherwise.
pub struct ConsolePrincipal(pub Principal);

/// The console's answer to a request without a session: a redirect to sign in.
pub struct ToSignIn;

impl IntoResponse for ToSignIn {
    fn into_response(self) -> Response {
        Redirect::to(confidant_console::routes::SIGN_IN).into_response()
    }
}

impl FromRequestParts<Arc<AppState>> for ConsolePrincipal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) && cross_origin(&parts.headers) {
            return Err(Problem::forbidden("a form must be sent from this server's own pages (`Origin`)").into_response());
        }
        match principal_of(state, &parts.headers).await {
            Ok(Some(principal @ Principal { via: Via::Session { .. }, .. }))
                if principal.must_change_password && !may_while_password_must_change(&principal, &parts.method, parts.uri.path()) =>
            {
                Err(Redirect::to(PASSWORD_PAGE).into_response())
            }
            Ok(Some(principal @ Principal { via: Via::Session { .. }, .. })) => Ok(ConsolePrincipal(principal)),
            Ok(_) => Err(ToSignIn.into_response()),
            Err(problem) => Err(problem.into_response()),
        }
    }
}

/// Compares two secrets without leaking where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The address a request came from, for the sign-in limiter.
pub fn client_address(parts_headers: &HeaderMap, peer: Option<std::net::SocketAddr>) -> String {
    let _ = parts_headers;
    peer.map_or_else(|| "unknown".to_string(), |p| p.ip().to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn cross_origin_trusts_sec_fetch_site_then_compares_origin_with_host() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            h
        };
        assert!(!cross_origin(&headers(&[])), "API clients send neither");
        assert!(!cross_origin(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")])), "a no-referrer page posting to itself");
        assert!(cross_origin(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")])));
        assert!(cross_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!cross_origin(&headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")])));
        assert!(cross_origin(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:8080")])));
        assert!(cross_origin(&headers(&[("origin", "null"), ("host", "127.0.0.1:8080")])));
    }

    #[test]
    fn the_session_cookie_is_found_among_others_and_is_strict() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; confidant_session=abc; b=2".parse().unwrap());
        assert_eq!(session_cookie(&headers).as_deref(), Some("abc"));
        let set = session_set_cookie(Some("abc"), true, 60);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Secure"));
        assert!(!session_set_cookie(Some("abc"), false, 60).contains("Secure"));
    }

    fn principal(id: &str) -> Principal {
        let staff = Staff { id: id.into(), display_name: "Someone".into(), role: StaffRole::Psychotherapist, active: true };
        Principal { staff, via: Via::Token { id: "tok-1".into(), scopes: vec![Scope::Read] }, must_change_password: false }
    }

    #[test]
    fn a_moved_principal_version_forgets_the_cache_and_a_lookup_begun_before_is_not_kept() {
        let cache = PrincipalCache::default();
        assert!(cache.seen_version(0), "the first version seen forgets whatever was cached unchecked");
        let before = cache.generation();
        cache.put(before, "h1".into(), principal("st-1"));
        assert!(cache.get("h1").is_some());
        assert!(!cache.seen_version(0), "an unmoved version keeps the cache");
        assert!(cache.get("h1").is_some());
        // A lookup starts, another server revokes, the poll sees it, then the lookup ends.
        let begun = cache.generation();
        assert!(cache.seen_version(1));
        assert!(cache.get("h1").is_none());
        cache.put(begun, "h1".into(), principal("st-1"));
        assert!(cache.get("h1").is_none(), "a principal read before the change must not be cached after it");
        cache.put(cache.generation(), "h1".into(), principal("st-1"));
        assert_eq!(cache.len(), 1);
    }
}
