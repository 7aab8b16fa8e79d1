//! The harness the server's integration tests share: a real server on
//! 127.0.0.1 over a demo vault (SQLite, or PostgreSQL when configured), with
//! an optional fixed clock and configuration.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::sync::Arc;

use confidant_audit::LogSigningKey;
use confidant_policy::Engine;
use confidant_server::demo::{DemoAccount, create_demo_accounts};
use confidant_server::{Config, router, serve, state};
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, test_databases};
use confidant_store::{Clock, KeyRing, Store, WITNESS_FILE_NAME};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// How to start a test server.
#[derive(Default)]
pub struct Options {
    pub reloader: Option<confidant_server::Reloader>,
    /// The vault's clock (the system clock when absent).
    pub clock: Option<Clock>,
    pub config: Config,
    /// The packs' own scenarios, as `serve --policies DIR` sets them.
    pub tester: Option<confidant_server::PackTester>,
}

pub struct Server {
    pub base: String,
    pub accounts: Vec<DemoAccount>,
    pub store: Arc<Store>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
    _db: TestDatabase,
}

impl Server {
    pub async fn start(db: TestDatabase) -> Server {
        Server::start_with(db, Options::default()).await
    }

    pub async fn start_with(db: TestDatabase, options: Options) -> Server {
        let mut store = Store::create(&db.url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
        if let Some(clock) = options.clock {
            store.set_clock(clock);
        }
        store.enable_audit(LogSigningKey::from_seed(&[9; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
        confidant_store::demo::fill(&store, confidant_store::demo::DEFAULT_SEED).await.unwrap();
        let accounts = create_demo_accounts(&store).await.unwrap();
        let store = Arc::new(store);
        let (state, writer) = state(store.clone(), Arc::new(Engine::new().unwrap()), options.config);
        if let Some(reloader) = options.reloader {
            state.set_reloader(reloader);
        }
        if let Some(tester) = options.tester {
            state.set_packs("test packs".into(), tester);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(state.clone());
        let done = tokio::spawn(async move {
            serve(listener, app, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
            drop(state);
            writer.await.unwrap();
        });
        Server { base: format!("http://{addr}"), accounts, store, stop: Some(stop), done: Some(done), _db: db }
    }

    pub fn password(&self, staff: &str) -> String {
        self.accounts.iter().find(|a| a.staff_id == staff).unwrap().password.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client with a cookie jar, signed in as `staff`; returns it and the CSRF token.
    pub async fn session(&self, staff: &str) -> (reqwest::Client, String) {
        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let response = client
            .post(self.url("/v1/session"))
            .json(&json!({ "username": staff, "password": self.password(staff) }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        (client, body["csrf_token"].as_str().unwrap().to_string())
    }

    /// An API token for `staff` with `scopes`, made from a signed-in session;
    /// returns the `Authorization` header's value.
    pub async fn bearer(&self, staff: &str, scopes: &[&str]) -> String {
        let (session, csrf) = self.session(staff).await;
        let response = session
            .post(self.url("/v1/tokens"))
            .header("x-csrf-token", &csrf)
            .json(&json!({ "name": "test", "scopes": scopes }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let token: Value = response.json().await.unwrap();
        format!("Bearer {}", token["token"].as_str().unwrap())
    }

    /// Stops the server and flushes its audit writer. The database is handed
    /// back so a test reading the store afterwards keeps its directory alive:
    /// dropping it deletes the SQLite file under any pool still open on it.
    pub async fn stop(mut self) -> TestDatabase {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            done.await.unwrap();
        }
        self._db
    }
}

pub async fn sqlite_server() -> Server {
    Server::start(test_databases().await.into_iter().next().unwrap()).await
}

pub async fn problem(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_string();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    (status, response.json().await.unwrap())
}

/// A client the peer support specialist may not see.
pub async fn not_on_caseload(server: &Server, staff: &str) -> String {
    let visible = server.store.visible_clients(staff).await.unwrap();
    server.store.list_clients().await.unwrap().into_iter().map(|c| c.id).find(|id| !visible.contains(id)).unwrap()
}

pub const PEER: &str = "st-peer-support-specialist-1";
pub const THERAPIST: &str = "st-psychotherapist-1";
pub const OFFICER: &str = "st-privacy-officer-1";
/// The one answer to every refused sign-in.
pub const REFUSED: &str = "wrong staff id, password or code (or the account is locked for a while after repeated failures)";
