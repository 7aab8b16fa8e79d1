//! The server's request logs: one line per request naming the route's
//! template and the request id, and never a client's name, a record's
//! content, a client id or a password.
//!
//! A test binary of its own on purpose: `tracing` caches a callsite's
//! interest process-wide, and a test thread without a subscriber that hits
//! the request-log callsite first caches "never", silencing the capture here
//! (tokio-rs/tracing#3611). Alone in its process, this test is the first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::{Arc, Mutex};

use confidant_audit::LogSigningKey;
use confidant_policy::Engine;
use confidant_server::demo::create_demo_accounts;
use confidant_server::{Config, REQUEST_ID_HEADER, router, serve, state};
use confidant_store::crypto::Kek;
use confidant_store::testing::test_databases;
use confidant_store::{KeyRing, Store, WITNESS_FILE_NAME};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_logs_name_routes_and_request_ids_never_names_contents_or_ids() {
    // The test runtime is single-threaded, so a thread-local subscriber sees the server's events too.
    let sink = Captured::default();
    let writer = sink.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_ansi(false).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let db = test_databases().await.into_iter().next().unwrap();
    let mut store = Store::create(&db.url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
    store.enable_audit(LogSigningKey::from_seed(&[9; 32]), Some(db.dir.path().join(WITNESS_FILE_NAME))).await.unwrap();
    confidant_store::demo::fill(&store, confidant_store::demo::DEFAULT_SEED).await.unwrap();
    let accounts = create_demo_accounts(&store).await.unwrap();
    let password = accounts.iter().find(|a| a.staff_id == "st-case-manager-1").unwrap().password.clone();
    let (state, writer_task) = state(Arc::new(store), Arc::new(Engine::new().unwrap()), Config::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone());
    let server = tokio::spawn(async move {
        serve(listener, app, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
        drop(state);
        writer_task.await.unwrap();
    });

    let manager = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let signed_in: Value = manager
        .post(format!("{base}/v1/session"))
        .json(&json!({ "username": "st-case-manager-1", "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = signed_in["csrf_token"].as_str().unwrap().to_string();
    let added: Value = manager
        .post(format!("{base}/v1/clients"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "Zephyrine Quackenbush", "age": 41, "notes": "prefers evening calls" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = added["id"].as_str().unwrap().to_string();
    let record = manager
        .post(format!("{base}/v1/clients/{id}/records"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "category": "progress_notes", "content": "Discussed the Thistlewood housing application" }))
        .send()
        .await
        .unwrap();
    assert_eq!(record.status(), StatusCode::CREATED);
    let read = manager.get(format!("{base}/v1/clients/{id}/records?x=Quackenbush")).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let request_id = read.headers().get(REQUEST_ID_HEADER).unwrap().to_str().unwrap().to_string();
    let _ = stop.send(());
    server.await.unwrap();

    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("/v1/clients/{id}/records"), "{logs}");
    assert!(logs.lines().any(|l| l.contains(&request_id) && l.contains("status=200")), "{logs}");
    for secret in ["Zephyrine", "Quackenbush", "evening calls", "Thistlewood", id.as_str(), password.as_str()] {
        assert!(!logs.contains(secret), "`{secret}` reached the log:\n{logs}");
    }
}
