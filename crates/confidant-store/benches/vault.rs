//! Vault throughput: inserts 100k encrypted records (each under its own data
//! key) in batches of 1000 per transaction, then reads back one client's 1000
//! records with their contents decrypted. Runs on SQLite (a file, WAL,
//! `synchronous = FULL`) and, in the same run, on PostgreSQL when
//! `CONFIDANT_BENCH_POSTGRES_URL` or `CONFIDANT_TEST_POSTGRES_URL` is set.
//!
//! `cargo bench -p confidant-store --bench vault`; `CONFIDANT_BENCH_RECORDS`
//! makes the run smaller (a multiple of the 100 clients). Aim on SQLite:
//! at least 5000 inserts/s and under 5 ms for the 1k read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use confidant_policy::vocab::Category;
use confidant_store::crypto::Kek;
use confidant_store::{Birth, DatabaseUrl, KeyRing, NativePool, NewClient, NewRecord, NewStaff, StaffRole, Store};

const CLIENTS: usize = 100;
const BATCH: usize = 1000;
const READS: usize = 30;

/// The statement the store reads a client's records with: records and
/// psychotherapy notes, each with the copy of its wrapped data key it
/// carries since migration 15.
const RECORDS_OF_CLIENT: &str = "SELECT r.id, r.client_id, r.category, r.author_id, r.created_at, r.content, r.corrects, r.data_key_id, \
     r.kek_id, r.wrapped_key FROM records r WHERE r.client_id = $1 \
     UNION ALL SELECT n.id, n.client_id, 'psychotherapy_notes', n.author_id, n.created_at, n.content, n.corrects, n.data_key_id, \
     n.kek_id, n.wrapped_key FROM psychotherapy_notes n WHERE n.client_id = $1";

/// The statement a client's record list (metadata only) is read with on
/// PostgreSQL: no contents or keys, an index-only scan since migration 17.
const RECORD_LIST_OF_CLIENT: &str = "SELECT r.id, r.client_id, r.category, r.author_id, r.created_at, r.corrects FROM records r \
     WHERE r.client_id = $1 \
     UNION ALL SELECT n.id, n.client_id, 'psychotherapy_notes', n.author_id, n.created_at, n.corrects FROM psychotherapy_notes n \
     WHERE n.client_id = $1";

/// The statement it read them with before: each row joined with its
/// `data_keys` row.
const RECORDS_JOINED: &str = "SELECT r.id, r.client_id, r.category, r.author_id, r.created_at, r.content, r.corrects, r.data_key_id, \
     d.kek_id, d.wrapped FROM records r JOIN data_keys d ON d.id = r.data_key_id WHERE r.client_id = $1 \
     UNION ALL SELECT n.id, n.client_id, 'psychotherapy_notes', n.author_id, n.created_at, n.content, n.corrects, n.data_key_id, \
     d.kek_id, d.wrapped FROM psychotherapy_notes n JOIN data_keys d ON d.id = n.data_key_id WHERE n.client_id = $1";

/// A progress note of a realistic length (about 400 bytes).
fn content(i: usize) -> String {
    format!(
        "Session {i}: client reported sleeping better, discussed coping strategies for work stress, reviewed the safety plan, \
             agreed to continue weekly sessions and to try the breathing exercise before meetings. Mood brighter than last week; \
             no thoughts of self-harm reported. Follow-up on medication side effects with the psychiatrist next visit. {i:08}"
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at]
}

async fn run(label: &str, url: &DatabaseUrl, sqlite: Option<&std::path::Path>, total: usize) {
    let store = Store::create(url, KeyRing::new(vec![Kek::generate("kek-1")]).unwrap()).await.unwrap();
    let author = store
        .add_staff(NewStaff { id: Some("st-1".into()), display_name: "Morgan Ashgrove".into(), role: StaffRole::Psychotherapist })
        .await
        .unwrap();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let id = store
            .add_client(NewClient {
                id: Some(format!("cl-{c:03}")),
                name: format!("Client {c}"),
                contact: None,
                notes: None,
                birth: Birth::Age { years: 40, on: confidant_store::today() },
                part2_program: false,
                lps_program: false,
                team_id: None,
            })
            .await
            .unwrap();
        clients.push(id);
    }

    // Records go round-robin over the clients, so one client's records are
    // spread over the whole table as in a live vault.
    let started = Instant::now();
    let mut batch_times = Vec::new();
    let mut i = 0;
    while i < total {
        let batch: Vec<NewRecord> = (i..(i + BATCH).min(total))
            .map(|n| NewRecord {
                id: Some(format!("rec-{n:07}")),
                client_id: clients[n % CLIENTS].clone(),
                category: Category::ProgressNotes,
                author_id: author.clone(),
                content: content(n),
            })
            .collect();
        let len = batch.len();
        let t = Instant::now();
        store.add_records(batch).await.unwrap();
        batch_times.push(t.elapsed());
        i += len;
    }
    let insert = started.elapsed();
    batch_times.sort();

    let per_client = total / CLIENTS;
    // Every kind of read of one client in turn, client after client, so a
    // burst of load on the machine falls on all of them alike: the store's
    // read with contents and metadata only; the same rows (records with
    // their wrapped keys) read bare with the native driver, nothing decoded
    // or decrypted; on SQLite the same through SQLite's own library
    // (rusqlite), which the store's read uses, and the statement the store
    // used before migration 15 (each row joined with its data key).
    let sql = RECORDS_OF_CLIENT;
    let library_conn = sqlite.map(|path| {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.pragma_update(None, "mmap_size", 1i64 << 30).unwrap();
        conn
    });
    let (mut reads, mut meta, mut bare, mut bare_list, mut library, mut joined) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in 0..READS {
        let client = clients[(r * 37) % CLIENTS].clone();
        let t = Instant::now();
        let records = store.records(&client, true).await.unwrap();
        reads.push(t.elapsed());
        assert_eq!(records.len(), per_client);
        assert!(records.iter().all(|r| r.content.is_some()));

        let t = Instant::now();
        let records = store.records(&client, false).await.unwrap();
        meta.push(t.elapsed());
        assert_eq!(records.len(), per_client);

        let t = Instant::now();
        let n = match store.native_pool() {
            NativePool::Sqlite(p) => sqlx::query(sql).bind(client.clone()).fetch_all(p).await.unwrap().len(),
            NativePool::Postgres(p) => sqlx::query(sql).bind(client.clone()).fetch_all(p).await.unwrap().len(),
        };
        bare.push(t.elapsed());
        assert_eq!(n, per_client);

        let t = Instant::now();
        let n = match store.native_pool() {
            NativePool::Sqlite(p) => sqlx::query(RECORD_LIST_OF_CLIENT).bind(client.clone()).fetch_all(p).await.unwrap().len(),
            NativePool::Postgres(p) => sqlx::query(RECORD_LIST_OF_CLIENT).bind(client.clone()).fetch_all(p).await.unwrap().len(),
        };
        bare_list.push(t.elapsed());
        assert_eq!(n, per_client);

        if let Some(conn) = &library_conn {
            for (statement, times) in [(sql, &mut library), (RECORDS_JOINED, &mut joined)] {
                let t = Instant::now();
                let mut statement = conn.prepare_cached(statement).unwrap();
                let mut rows = statement.query([client.clone()]).unwrap();
                let mut n = 0;
                while let Some(row) = rows.next().unwrap() {
                    std::hint::black_box(row.get_ref(5).unwrap());
                    n += 1;
                }
                times.push(t.elapsed());
                assert_eq!(n, per_client);
            }
        }
    }
    for times in [&mut reads, &mut meta, &mut bare, &mut bare_list, &mut library, &mut joined] {
        times.sort();
    }
    store.close().await;

    println!("{label}:");
    println!(
        "  insert {total} encrypted records, {BATCH}/tx: {:.2} s = {:.0} records/s (batch median {:.1} ms, p95 {:.1} ms)",
        insert.as_secs_f64(),
        total as f64 / insert.as_secs_f64(),
        percentile(&batch_times, 0.5).as_secs_f64() * 1e3,
        percentile(&batch_times, 0.95).as_secs_f64() * 1e3,
    );
    println!(
        "  read one client's {per_client} records, decrypted, {READS} runs: median {:.2} ms, p95 {:.2} ms, min {:.2} ms",
        percentile(&reads, 0.5).as_secs_f64() * 1e3,
        percentile(&reads, 0.95).as_secs_f64() * 1e3,
        reads[0].as_secs_f64() * 1e3,
    );
    println!(
        "  read the same, metadata only: median {:.2} ms, p95 {:.2} ms",
        percentile(&meta, 0.5).as_secs_f64() * 1e3,
        percentile(&meta, 0.95).as_secs_f64() * 1e3,
    );
    println!(
        "  baseline: bare read of the same rows, native driver: median {:.2} ms, p95 {:.2} ms",
        percentile(&bare, 0.5).as_secs_f64() * 1e3,
        percentile(&bare, 0.95).as_secs_f64() * 1e3,
    );
    println!(
        "  baseline: bare read of the record list (no contents or keys), native driver: median {:.2} ms, p95 {:.2} ms",
        percentile(&bare_list, 0.5).as_secs_f64() * 1e3,
        percentile(&bare_list, 0.95).as_secs_f64() * 1e3,
    );
    if !library.is_empty() {
        println!(
            "  baseline: bare read of the same rows, SQLite's own library (rusqlite): median {:.2} ms, p95 {:.2} ms",
            percentile(&library, 0.5).as_secs_f64() * 1e3,
            percentile(&library, 0.95).as_secs_f64() * 1e3,
        );
        println!(
            "  for comparison: the former statement (rows joined with data_keys), rusqlite: median {:.2} ms, p95 {:.2} ms",
            percentile(&joined, 0.5).as_secs_f64() * 1e3,
            percentile(&joined, 0.95).as_secs_f64() * 1e3,
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument that is not ours means
    // another bench target was asked for.
    if std::env::args().skip(1).any(|a| !a.starts_with('-') && a != "vault") {
        return;
    }
    let total: usize = std::env::var("CONFIDANT_BENCH_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let total = (total / CLIENTS).max(1) * CLIENTS;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.sqlite");
        run("sqlite", &DatabaseUrl::sqlite_file(&path), Some(&path), total).await;
        let pg = ["CONFIDANT_BENCH_POSTGRES_URL", "CONFIDANT_TEST_POSTGRES_URL"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()));
        match pg {
            Some(base) => run("postgres", &confidant_store::testing::fresh_postgres(&base).await, None, total).await,
            None => println!("postgres: skipped (set CONFIDANT_BENCH_POSTGRES_URL or CONFIDANT_TEST_POSTGRES_URL)"),
        }
    });
}
