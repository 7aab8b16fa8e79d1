//! Audit log and accounting benchmarks, on SQLite and (when
//! `CONFIDANT_TEST_POSTGRES_URL` or `CONFIDANT_BENCH_POSTGRES_URL` is set)
//! PostgreSQL in the same run, printed as a report:
//!
//! - append throughput with batched commits (one signed head per batch) and,
//!   for contrast, one commit per entry;
//! - `verify_audit` over the whole log (default 1M entries;
//!   `CONFIDANT_BENCH_LOG_SIZE` changes it), with the process's peak RSS
//!   during it (Linux), and again in a fresh process of its own (this
//!   binary, run with `CONFIDANT_BENCH_VERIFY_ONLY` set to the database),
//!   whose peak RSS is the verify's alone, as `confidant audit verify`'s
//!   would be, not the million appends' left in the allocator;
//! - inclusion-proof generation at that size, with the store's tile cache
//!   cold and then warm;
//! - one client's accounting with 10k disclosures on file, beside bare reads
//!   of its rows, run after run (`CONFIDANT_BENCH_ACCOUNTING_RUNS`, default 21).
//!
//! `cargo bench -p confidant-store --bench audit`;
//! `CONFIDANT_BENCH_BACKENDS=postgres` (or `sqlite`) runs one backend, and
//! `CONFIDANT_BENCH_VERIFY_RUNS=3` verifies three times and prints the
//! medians. A harness of its own
//! because each measurement needs minutes of setup that criterion would
//! repeat.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use confidant_audit::LogSigningKey;
use confidant_policy::Date;
use confidant_policy::vocab::{Category, Purpose, RecipientKind};
use confidant_store::crypto::Kek;
use confidant_store::testing::{TestDatabase, fresh_postgres};
use confidant_store::{
    AccountingBasis, AuditEvent, AuditKind, Birth, DatabaseUrl, KeyRing, NativePool, NewClient, NewDisclosure, NewStaff, StaffRole, Store,
};
use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::AssertSqlSafe;

/// The baseline beside each number: `sql` (binding `arg` to `$1` when
/// given) read with the native driver, every row streamed in and dropped
/// (streamed, not collected: a million rows held at once would leave the
/// allocator's peak behind for the next backend's memory reading).
/// Returns the row count and the time taken.
async fn bare_read(pool: &NativePool, sql: &str, arg: Option<i64>) -> (usize, Duration) {
    let start = Instant::now();
    let rows = match pool {
        NativePool::Sqlite(p) => {
            let q = sqlx::query(AssertSqlSafe(sql.to_string()));
            let q = match arg {
                Some(a) => q.bind(a),
                None => q,
            };
            q.fetch(p).try_fold(0, |n, _| async move { Ok(n + 1) }).await.unwrap()
        }
        NativePool::Postgres(p) => {
            let q = sqlx::query(AssertSqlSafe(sql.to_string()));
            let q = match arg {
                Some(a) => q.bind(a),
                None => q,
            };
            q.fetch(p).try_fold(0, |n, _| async move { Ok(n + 1) }).await.unwrap()
        }
    };
    (rows, start.elapsed())
}

/// The baseline beside SQLite's reads, which go through its own library:
/// `sql` read with rusqlite on a fresh connection to the file at `path`,
/// every column of every row looked at and dropped. Returns the row count
/// and the time taken.
fn library_read(path: &std::path::Path, sql: &str) -> (usize, Duration) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let start = Instant::now();
    let mut statement = conn.prepare(sql).unwrap();
    let columns = statement.column_count();
    let mut rows = statement.query([]).unwrap();
    let mut n = 0;
    while let Some(row) = rows.next().unwrap() {
        for c in 0..columns {
            std::hint::black_box(row.get_ref(c).unwrap());
        }
        n += 1;
    }
    (n, start.elapsed())
}

/// The baseline beside the append: the same number of rows of the same
/// shape inserted by a bare multi-row INSERT into a scratch table, `batch`
/// per commit, with nothing hashed, sealed or signed. `numbered` writes the
/// placeholders `$1…` (on SQLite its driver then looks each one's name up
/// in a list, quadratic in a statement's parameters); otherwise SQLite gets
/// anonymous `?`, as the store's audit inserts do.
async fn bare_append(pool: &NativePool, count: u64, batch: u64, numbered: bool) -> Duration {
    let ddl = "CREATE TABLE bench_floor (seq BIGINT PRIMARY KEY, at_ms BIGINT NOT NULL, kind TEXT NOT NULL, actor_id TEXT, \
               client_id TEXT, categories TEXT NOT NULL, break_glass BIGINT NOT NULL, data_key_id TEXT NOT NULL, details BYTEA NOT NULL)";
    let details = vec![7u8; 120];
    macro_rules! run {
        ($p:expr, $ddl:expr) => {{
            sqlx::query(AssertSqlSafe($ddl.to_string())).execute($p).await.unwrap();
            let start = Instant::now();
            let mut i = 0u64;
            while i < count {
                let n = batch.min(count - i);
                let mut tx = $p.begin().await.unwrap();
                for chunk_start in (i..i + n).step_by(100) {
                    let chunk_end = (chunk_start + 100).min(i + n);
                    let mut sql = String::from("INSERT INTO bench_floor VALUES ");
                    for (k, _) in (chunk_start..chunk_end).enumerate() {
                        let b = k * 9;
                        if k > 0 {
                            sql.push(',');
                        }
                        if numbered {
                            let row: Vec<String> = (1..=9).map(|c| format!("${}", b + c)).collect();
                            sql.push_str(&format!("({})", row.join(",")));
                        } else {
                            sql.push_str("(?,?,?,?,?,?,?,?,?)");
                        }
                    }
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for seq in chunk_start..chunk_end {
                        q = q
                            .bind(seq as i64)
                            .bind(0i64)
                            .bind("record_read")
                            .bind("st-bench")
                            .bind(format!("cl-{}", seq % 500))
                            .bind("progress_notes")
                            .bind(0i64)
                            .bind("dk-bench")
                            .bind(details.as_slice());
                    }
                    q.execute(&mut *tx).await.unwrap();
                }
                tx.commit().await.unwrap();
                i += n;
            }
            let took = start.elapsed();
            sqlx::query("DROP TABLE bench_floor").execute($p).await.unwrap();
            took
        }};
    }
    match pool {
        NativePool::Sqlite(p) => run!(p, ddl.replace("BYTEA", "BLOB")),
        NativePool::Postgres(p) => run!(p, ddl),
    }
}

/// Every audit entry row, as verify reads them.
const ENTRY_ROWS: &str = "SELECT seq, at_ms, kind, actor_id, client_id, categories, break_glass, data_key_id, details FROM audit_entries";

/// The bench client's accounting rows with their wrapped data keys, as the
/// accounting reads them.
const ACCOUNTING_ROWS: &str = "SELECT a.id, a.disclosure_id, a.disclosed_on, a.recipient_kind, a.purpose, a.categories, a.cites, \
     a.corrects, a.details, a.audit_seq, a.data_key_id, a.recorded_at, k.kek_id, k.wrapped \
     FROM accounting_entries a LEFT JOIN data_keys k ON k.id = a.data_key_id WHERE a.client_id = 'cl-bench'";

/// The same rows without the join, as SQLite's accounting now reads them
/// (its one key looked up apart).
const ACCOUNTING_ALONE: &str = "SELECT id, disclosure_id, disclosed_on, recipient_kind, purpose, categories, cites, corrects, details, \
     audit_seq, data_key_id, recorded_at FROM accounting_entries WHERE client_id = 'cl-bench'";

fn key() -> LogSigningKey {
    LogSigningKey::from_seed(&[5; 32])
}

/// A fixed key, so the fresh verifying process opens the same vault.
fn keys() -> KeyRing {
    KeyRing::new(vec![Kek::from_bytes("kek-1", &[7; 32])]).unwrap()
}

/// Set in the child that verifies in a fresh process: the database's URL.
const VERIFY_ONLY: &str = "CONFIDANT_BENCH_VERIFY_ONLY";

async fn open(url: &DatabaseUrl) -> Store {
    let mut store = Store::create(url, keys()).await.unwrap();
    store.enable_audit(key(), None).await.unwrap();
    store
}

fn event(i: u64) -> AuditEvent {
    AuditEvent::new(AuditKind::RecordRead, Some("st-bench"))
        .client(&format!("cl-{}", i % 500))
        .categories(&[Category::ProgressNotes])
        .with(confidant_store::Detail::Records(vec![format!("rec-{i}")]))
}

async fn append(store: &Store, from: u64, count: u64, batch: u64) -> Duration {
    let start = Instant::now();
    let mut i = from;
    while i < from + count {
        let n = batch.min(from + count - i);
        store.append_audit((i..i + n).map(event).collect()).await.unwrap();
        i += n;
    }
    start.elapsed()
}

/// Runs this binary again to verify the log alone and prints what it
/// reports: the process's resident set before opening the vault and at its
/// peak, and the time.
fn verify_in_fresh_process(url: &DatabaseUrl) {
    let shown = url.to_string();
    // Display hides a password; the child could not connect without it.
    if shown.contains("***") {
        println!("(fresh-process verify skipped: the URL carries a password)");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe).env(VERIFY_ONLY, &shown).output().unwrap();
    assert!(out.status.success(), "fresh-process verify failed: {}", String::from_utf8_lossy(&out.stderr));
    print!("{}", String::from_utf8_lossy(&out.stdout));
}

/// The child's work: open the vault, verify the whole log, report.
async fn verify_only(url: DatabaseUrl) {
    let before = status_line("VmRSS:").unwrap_or_default();
    let store = Store::open(&url, keys()).await.unwrap();
    let start = Instant::now();
    let verified = store.verify_audit(&key().verifying_key(), None).await.unwrap();
    let took = start.elapsed();
    assert_eq!(verified.problem, None);
    println!(
        "audit verify in a fresh process:   {} entries in {took:.2?}, RSS at start {before}, peak {}",
        verified.size,
        peak_rss().unwrap_or_default()
    );
}

/// `VmHWM` (peak resident set) from `/proc/self/status`, on Linux.
fn peak_rss() -> Option<String> {
    status_line("VmHWM:")
}

/// One line's value of `/proc/self/status` (Linux).
fn status_line(name: &str) -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with(name)).map(|l| l.trim_start_matches(name).trim().to_string())
}

fn per_sec(count: u64, took: Duration) -> String {
    format!("{:.0}/s", count as f64 / took.as_secs_f64())
}

async fn bench(name: &str, url: DatabaseUrl, sqlite: Option<&std::path::Path>, log_size: u64) {
    println!("== {name} ==");
    let store = open(&url).await;

    let single = 500;
    let took = append(&store, 0, single, 1).await;
    println!("append, one commit per entry:       {single} entries in {took:.2?} = {}", per_sec(single, took));
    let batched = 100_000u64.min(log_size);
    let took = append(&store, single, batched, 1_000).await;
    println!("append, 1000 entries per commit:    {batched} entries in {took:.2?} = {}", per_sec(batched, took));

    let rest = log_size.saturating_sub(single + batched);
    let took = append(&store, single + batched, rest, 5_000).await;
    println!("append, 5000 entries per commit:    {rest} entries in {took:.2?} = {}", per_sec(rest, took));
    let on_sqlite = matches!(store.native_pool(), NativePool::Sqlite(_));
    let floor = bare_append(store.native_pool(), batched, 1_000, !on_sqlite).await;
    println!("  baseline: bare INSERT of {batched} rows, 1000 per commit: {floor:.2?} = {}", per_sec(batched, floor));
    if on_sqlite {
        let floor = bare_append(store.native_pool(), batched, 1_000, true).await;
        println!("  (the same with $N placeholders, as before: {floor:.2?} = {})", per_sec(batched, floor));
    }

    // Verify `runs` times (`CONFIDANT_BENCH_VERIFY_RUNS`, default 1), each
    // followed by its floor: reading the rows and nothing else, with the
    // native driver (after the verify, whose peak memory these million rows
    // would otherwise swamp).
    let runs: usize = std::env::var("CONFIDANT_BENCH_VERIFY_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let (mut verifies, mut bares) = (Vec::new(), Vec::new());
    let mut report = None;
    for _ in 0..runs {
        // Linux: writing 5 to clear_refs resets the peak RSS, so the peak
        // read after the verify is the verify's own (the appends before it
        // included).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        if let Some(now) = status_line("VmRSS:") {
            println!("RSS of the process before verify: {now}");
        }
        let start = Instant::now();
        let verified = store.verify_audit(&key().verifying_key(), None).await.unwrap();
        let took = start.elapsed();
        if let Some(peak) = peak_rss() {
            println!("peak RSS of the process during verify: {peak}");
        }
        assert_eq!(verified.problem, None);
        println!(
            "audit verify:                       {} entries, {} checkpoints, {} tiles in {took:.2?}",
            verified.size, verified.heads_checked, verified.tiles_checked
        );
        let (rows, bare) = bare_read(store.native_pool(), ENTRY_ROWS, None).await;
        println!("  baseline: bare read of every entry row: {rows} rows in {bare:.2?}");
        if let Some(path) = sqlite {
            let (rows, took) = library_read(path, ENTRY_ROWS);
            println!("  baseline: bare read of every entry row, SQLite's own library (rusqlite): {rows} rows in {took:.2?}");
        }
        verifies.push(took);
        bares.push(bare);
        report = Some(verified);
    }
    if runs > 1 {
        verifies.sort();
        bares.sort();
        println!(
            "audit verify, median of {runs}: {:.2?} (bare read's median {:.2?}, ratio {:.2})",
            verifies[runs / 2],
            bares[runs / 2],
            verifies[runs / 2].as_secs_f64() / bares[runs / 2].as_secs_f64()
        );
    }
    let report = report.unwrap();
    verify_in_fresh_process(&url);

    let size = report.size;
    let proofs = 1_000u64;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let seqs: Vec<u64> = (0..proofs)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % size
        })
        .collect();
    // First pass: the store's tile cache starts empty, so nearly every
    // proof reads its level-0 tile (a million entries have ~3,900).
    let start = Instant::now();
    for &seq in &seqs {
        let (proof, _) = store.audit_inclusion_proof(seq, None).await.unwrap();
        assert!(proof.path.len() <= 64);
    }
    let took = start.elapsed();
    println!("inclusion proof at {size}, cold:   {:.1?} each (mean of {proofs}, tiles read on first use)", took / proofs as u32);
    // Second pass over the same entries: the tiles are cached.
    let start = Instant::now();
    for &seq in &seqs {
        let (proof, _) = store.audit_inclusion_proof(seq, None).await.unwrap();
        assert!(proof.path.len() <= 64);
    }
    let took = start.elapsed();
    println!("inclusion proof at {size}, warm:   {:.1?} each (mean of {proofs}, tiles cached)", took / proofs as u32);
    // Baseline: the same number of bare reads of one tile row (a proof
    // reads the latest checkpoint and the few tiles on its path).
    let start = Instant::now();
    for i in 0..proofs {
        bare_read(
            store.native_pool(),
            "SELECT hashes FROM audit_tiles WHERE level = 0 AND idx = $1",
            Some((i % (size / 256).max(1)) as i64),
        )
        .await;
    }
    println!("  baseline: bare read of one tile row: {:.1?} each", start.elapsed() / proofs as u32);

    if std::env::var("CONFIDANT_BENCH_SKIP_ACCOUNTING").is_err() {
        accounting(&store, sqlite).await;
    }
    store.close().await;
}

async fn accounting(store: &Store, sqlite: Option<&std::path::Path>) {
    store
        .add_staff(NewStaff { id: Some("st-bench".into()), display_name: "Bench Staff".into(), role: StaffRole::Psychotherapist })
        .await
        .unwrap();
    store
        .add_client(NewClient {
            id: Some("cl-bench".into()),
            name: "Bench Client".into(),
            contact: None,
            notes: None,
            birth: Birth::DateOfBirth(Date::parse("1980-01-01").unwrap()),
            part2_program: false,
            lps_program: false,
            team_id: None,
        })
        .await
        .unwrap();
    let disclosures: u64 = std::env::var("CONFIDANT_BENCH_DISCLOSURES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let start = Instant::now();
    for i in 0..disclosures {
        let on = Date::parse(&format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28)).unwrap();
        store
            .record_disclosure(NewDisclosure {
                client_id: "cl-bench".into(),
                staff_id: "st-bench".into(),
                disclosed_on: on,
                recipient_kind: RecipientKind::PublicHealthAuthority,
                recipient_name: Some("County Health".into()),
                recipient_address: Some("1 Main St".into()),
                purpose: Purpose::PublicHealth,
                released: vec![Category::Diagnosis],
                withheld: vec![],
                record_ids: vec![format!("rec-{i}")],
                decision: json!({ "decision": "permit" }),
                request: json!({}),
                accounting: Some(AccountingBasis {
                    categories: vec![Category::Diagnosis],
                    cites: vec!["45 CFR 164.512(b)(1)(i)".into()],
                    description: "Diagnosis".into(),
                    statement: "Public health (45 CFR 164.512(b)(1)(i)).".into(),
                }),
            })
            .await
            .unwrap();
    }
    let took = start.elapsed();
    println!("record_disclosure (tx each):        {disclosures} in {took:.2?} = {}", per_sec(disclosures, took));
    let as_of = Date::parse("2026-01-01").unwrap();
    let mut times = Vec::new();
    for i in 0..21 {
        let start = Instant::now();
        store.append_audit(vec![event(i)]).await.unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    println!("one audit append (a commit):        median {:.2?}, min {:.2?} (21 appends)", times[10], times[0]);
    let on_sqlite = matches!(store.native_pool(), NativePool::Sqlite(_));
    let floor = bare_append(store.native_pool(), 21, 1, !on_sqlite).await;
    println!("  baseline: bare one-row INSERT and commit: {:.2?} each (mean of 21)", floor / 21);
    // The accounting and its baselines in turn, run after run, so a burst
    // of load on the machine falls on all of them alike.
    // `CONFIDANT_BENCH_ACCOUNTING_RUNS` makes more (for a profile).
    let runs: usize = std::env::var("CONFIDANT_BENCH_ACCOUNTING_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(21).max(1);
    let (mut times, mut bare, mut library, mut alone) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (rows, took) = bare_read(store.native_pool(), ACCOUNTING_ROWS, None).await;
        assert_eq!(rows as u64, disclosures);
        bare.push(took);
        if let Some(path) = sqlite {
            let (rows, took) = library_read(path, ACCOUNTING_ROWS);
            assert_eq!(rows as u64, disclosures);
            library.push(took);
            let (rows, took) = library_read(path, ACCOUNTING_ALONE);
            assert_eq!(rows as u64, disclosures);
            alone.push(took);
        }
        let start = Instant::now();
        let accounting = store.accounting("cl-bench", None, as_of, Some("st-bench")).await.unwrap();
        times.push(start.elapsed());
        assert_eq!(accounting.entries.len() as u64, disclosures);
    }
    for t in [&mut times, &mut bare, &mut library, &mut alone] {
        t.sort();
    }
    println!(
        "accounting of 10k disclosures:      median {:.2?}, min {:.2?} ({runs} runs; its audit append runs beside the read)",
        times[runs / 2],
        times[0]
    );
    println!(
        "  baseline: bare read of the {disclosures} accounting rows, native driver: median {:.2?}, min {:.2?}",
        bare[runs / 2],
        bare[0]
    );
    if !library.is_empty() {
        println!(
            "  baseline: bare read of the {disclosures} accounting rows, SQLite's own library (rusqlite): median {:.2?}, min {:.2?}",
            library[runs / 2],
            library[0]
        );
        println!(
            "  baseline: bare read of the {disclosures} accounting rows without the key join (rusqlite): median {:.2?}, min {:.2?}",
            alone[runs / 2],
            alone[0]
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; anything else (a filter) is ignored.
    let log_size: u64 = std::env::var("CONFIDANT_BENCH_LOG_SIZE").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    if let Ok(url) = std::env::var(VERIFY_ONLY) {
        runtime.block_on(verify_only(DatabaseUrl::new(url)));
        return;
    }
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let dir_path = dir.path().to_path_buf();
        let sqlite = TestDatabase { url: DatabaseUrl::sqlite_file(&dir.path().join("bench.sqlite")), sqlite: None, dir };
        let path = dir_path.join("bench.sqlite");
        // `CONFIDANT_BENCH_BACKENDS=postgres` (or `sqlite`) runs only that one.
        let only = std::env::var("CONFIDANT_BENCH_BACKENDS").unwrap_or_default();
        if !only.contains("postgres") || only.contains("sqlite") {
            bench("SQLite", sqlite.url.clone(), Some(&path), log_size).await;
        }
        if !only.is_empty() && !only.contains("postgres") {
            return;
        }
        let pg = std::env::var("CONFIDANT_BENCH_POSTGRES_URL").or_else(|_| std::env::var("CONFIDANT_TEST_POSTGRES_URL"));
        match pg {
            Ok(base) if !base.is_empty() => bench("PostgreSQL", fresh_postgres(&base).await, None, log_size).await,
            _ => println!("(PostgreSQL skipped: set CONFIDANT_BENCH_POSTGRES_URL or run under scripts/with-postgres)"),
        }
    });
}
