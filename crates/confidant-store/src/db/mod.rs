//! The database connection: one code path for SQLite and PostgreSQL through
//! sqlx's `Any` driver, portable SQL with `$n` placeholders (both backends
//! accept them), and the embedded migration set (`migrations.rs`).
//!
//! Why sqlx: async, pure Rust, both databases behind one API, and a migrator
//! that records what ran (and takes PostgreSQL's advisory lock). The only
//! per-backend differences live here: SQLite's connection pragmas, how a write
//! transaction begins (`BEGIN IMMEDIATE`, so writers queue on the busy timeout
//! instead of failing to upgrade a read lock), the lock key rotation takes on
//! PostgreSQL, and BLOB written as BYTEA in the DDL.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Executor, PgConnection, SqliteConnection};

use crate::error::StoreError;
use crate::sqlite_reads::SqliteReads;

mod migrations;

#[cfg(test)]
pub(crate) use migrations::tests::populated_vault_at;
pub use migrations::{latest_migration, migrator, migrator_up_to};

/// How long a SQLite writer waits for the write lock before giving up.
pub(crate) const BUSY_TIMEOUT_MS: u64 = 30_000;

/// How much of a SQLite file is read through a memory map.
pub(crate) const MMAP_BYTES: u64 = 1 << 30;

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (`sqlite:`), the default.
    Sqlite,
    /// A PostgreSQL server (`postgres://` or `postgresql://`).
    Postgres,
}

/// A database URL whose `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a URL as given; [`DatabaseUrl::backend`] checks its scheme.
    pub fn new(url: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(url.into())
    }

    /// The URL of a SQLite file, created when missing.
    pub fn sqlite_file(path: &Path) -> DatabaseUrl {
        let mut encoded = String::new();
        for c in path.to_string_lossy().chars() {
            match c {
                '%' => encoded.push_str("%25"),
                '?' => encoded.push_str("%3F"),
                '#' => encoded.push_str("%23"),
                c => encoded.push(c),
            }
        }
        DatabaseUrl(format!("sqlite://{encoded}?mode=rwc"))
    }

    /// The backend the URL's scheme names; bad input for any other scheme.
    pub fn backend(&self) -> Result<Backend, StoreError> {
        if self.0.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::invalid("database", "a `sqlite:` or `postgres://` URL"))
        }
    }

    /// The URL itself, for connecting only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // scheme://user:password@host → scheme://user:***@host
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let userinfo = self.0.get(scheme_end + 3..at).unwrap_or_default();
                let user = userinfo.split(':').next().unwrap_or_default();
                let redacted = if userinfo.contains(':') { format!("{user}:***") } else { user.to_string() };
                write!(f, "{}{}{}", self.0.get(..scheme_end + 3).unwrap_or_default(), redacted, self.0.get(at..).unwrap_or_default())
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Opens a pool on `url` for a store, configures SQLite connections and
/// applies the migrations. On SQLite its connections leave checkpoints to
/// the store's checkpoint thread but for a long WAL (see `wal`).
pub async fn connect(url: &DatabaseUrl) -> Result<(AnyPool, Backend), StoreError> {
    let (pool, backend) = connect_unmigrated(url, Checkpoints::Background).await?;
    migrator(backend).run(&pool).await?;
    Ok((pool, backend))
}

/// A pool of the database's own driver: SQLite's or PostgreSQL's, without
/// the `Any` layer's per-value conversion (about 5 µs a row). The hot paths
/// (audit append, verify, tiles and proofs, a client's records and
/// accounting) run on it; [`native!`] writes their SQL once for both.
#[derive(Clone, Debug)]
pub enum NativePool {
    /// A SQLite file, with the same connection settings as the `Any` pool.
    Sqlite(SqlitePool),
    /// A PostgreSQL server.
    Postgres(PgPool),
}

impl NativePool {
    /// Closes the pool, waiting for its connections to finish.
    pub async fn close(&self) {
        match self {
            NativePool::Sqlite(pool) => pool.close().await,
            NativePool::Postgres(pool) => pool.close().await,
        }
    }
}

/// One connection (usually inside a transaction) of either kind: the `Any`
/// one of the cold paths' transactions, or a native one. Code that must
/// run inside both (an audit append joins its caller's transaction) takes
/// this and writes its SQL once with [`on_conn!`].
pub(crate) enum Conn<'c> {
    /// A connection of the `Any` pool.
    Any(&'c mut AnyConnection),
    /// A native SQLite connection.
    Sqlite(&'c mut SqliteConnection),
    /// A native PostgreSQL connection.
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c mut AnyConnection> for Conn<'c> {
    fn from(conn: &'c mut AnyConnection) -> Conn<'c> {
        Conn::Any(conn)
    }
}

impl<'c> From<&'c mut SqliteConnection> for Conn<'c> {
    fn from(conn: &'c mut SqliteConnection) -> Conn<'c> {
        Conn::Sqlite(conn)
    }
}

impl<'c> From<&'c mut PgConnection> for Conn<'c> {
    fn from(conn: &'c mut PgConnection) -> Conn<'c> {
        Conn::Postgres(conn)
    }
}

/// `native!(pool, |p| body)`: `body` once per native pool type, with `p`
/// the `&SqlitePool` or `&PgPool`. One text of SQL, compiled against each
/// driver (values are decoded inside `body`, where the row type is known).
macro_rules! native {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::db::NativePool::Sqlite($p) => $body,
            $crate::db::NativePool::Postgres($p) => $body,
        }
    };
}
pub(crate) use native;

/// `on_conn!(conn, |c| body)`: `body` once per [`Conn`] kind, with `c` a
/// `&mut &mut` connection (use `&mut **c` as the executor).
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Any($c) => $body,
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_conn;

/// Opens the native pool on `url` (after [`connect`] has migrated it). On
/// SQLite the settings match the `Any` pool's: WAL, so readers never wait
/// for the writer, `synchronous = FULL`, the busy timeout, so the two
/// pools' writers queue for SQLite's one write lock (every write
/// transaction begins `IMMEDIATE`, so none waits holding a read snapshot
/// it would have to upgrade: no deadlock, no `SQLITE_BUSY` short of the
/// timeout). Its connections leave checkpoints to the store's checkpoint
/// thread but for a long WAL (see `wal`).
pub(crate) async fn connect_native(url: &DatabaseUrl, backend: Backend) -> Result<NativePool, StoreError> {
    let acquire = Duration::from_secs(60);
    match backend {
        Backend::Sqlite => {
            let options = url
                .expose()
                .parse::<SqliteConnectOptions>()?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))
                .pragma("mmap_size", MMAP_BYTES.to_string())
                .pragma("temp_store", "MEMORY")
                .pragma("wal_autocheckpoint", crate::wal::COMMIT_CHECKPOINT_FRAMES.to_string());
            let pool = SqlitePoolOptions::new().max_connections(4).acquire_timeout(acquire).connect_with(options).await?;
            Ok(NativePool::Sqlite(pool))
        }
        Backend::Postgres => {
            let options = url.expose().parse::<PgConnectOptions>()?;
            let pool = PgPoolOptions::new().max_connections(8).acquire_timeout(acquire).connect_with(options).await?;
            Ok(NativePool::Postgres(pool))
        }
    }
}

/// The reads of the hot paths through SQLite's own library (see
/// `sqlite_reads`) on a SQLite `url`; none on PostgreSQL.
pub(crate) fn sqlite_reads(url: &DatabaseUrl, backend: Backend) -> Result<Option<SqliteReads>, StoreError> {
    Ok(match backend {
        Backend::Sqlite => {
            let options = url.expose().parse::<SqliteConnectOptions>()?;
            Some(SqliteReads::new(options.get_filename().to_path_buf()))
        }
        Backend::Postgres => None,
    })
}

/// Who checkpoints a SQLite WAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Checkpoints {
    /// SQLite, from inside the commit that finds the WAL long (its default):
    /// for pools used without a store (a restore, tests).
    Automatic,
    /// The store's checkpoint thread (`wal`); a commit checkpoints only
    /// once the WAL is long (`wal::COMMIT_CHECKPOINT_FRAMES`).
    Background,
}

/// Opens a pool on `url` with the vault's connection settings, applying no
/// migration (a restore checks that the target is empty first).
pub(crate) async fn connect_unmigrated(url: &DatabaseUrl, checkpoints: Checkpoints) -> Result<(AnyPool, Backend), StoreError> {
    install_default_drivers();
    let backend = url.backend()?;
    let options = AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 8 } else { 10 });
    let options = match backend {
        Backend::Sqlite => options.after_connect(move |conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer; FULL makes every commit
                // durable; the busy timeout queues writers instead of failing them.
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = FULL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute(AssertSqlSafe(format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))).await?;
                // Reads through a memory map share the OS page cache across the
                // pool's connections instead of each warming its own through
                // read(2); a client's records are scattered over the file, so
                // this is most of the cost of reading them back (benches/vault.rs).
                conn.execute(AssertSqlSafe(format!("PRAGMA mmap_size = {MMAP_BYTES}"))).await?;
                // A multi-row insert inside a transaction keeps a statement
                // journal; in memory it costs no file writes (12% of bulk
                // insert time when on disk, per `perf`). It holds only pages
                // of the current statement, never past a commit.
                conn.execute("PRAGMA temp_store = MEMORY").await?;
                if checkpoints == Checkpoints::Background {
                    let frames = crate::wal::COMMIT_CHECKPOINT_FRAMES;
                    conn.execute(AssertSqlSafe(format!("PRAGMA wal_autocheckpoint = {frames}"))).await?;
                }
                Ok(())
            })
        }),
        Backend::Postgres => options,
    };
    let pool = options.acquire_timeout(Duration::from_secs(60)).connect(url.expose()).await?;
    Ok((pool, backend))
}

/// The statement that starts a read-only transaction over one snapshot: on
/// SQLite in WAL mode a deferred transaction reads one snapshot from its
/// first read to its end while writers go on; on PostgreSQL, REPEATABLE READ.
pub(crate) fn begin_snapshot(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN DEFERRED",
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    }
}

/// The statement that starts a write transaction.
pub(crate) fn begin_write(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// Statement run first in key rotation: on PostgreSQL, holds off writers that
/// would wrap new data keys with the retiring KEK (SQLite's single writer
/// already does).
pub(crate) fn rotation_lock(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some("LOCK TABLE data_keys, key_encryption_keys IN EXCLUSIVE MODE"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn urls_hide_passwords_and_name_their_backend() {
        let url = DatabaseUrl::new("postgres://vault:s3cret@db.example:5432/confidant");
        assert_eq!(url.to_string(), "postgres://vault:***@db.example:5432/confidant");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.backend().unwrap(), Backend::Postgres);
        let file = DatabaseUrl::sqlite_file(Path::new("/tmp/a b/c?.sqlite"));
        assert_eq!(file.expose(), "sqlite:///tmp/a b/c%3F.sqlite?mode=rwc");
        assert_eq!(file.backend().unwrap(), Backend::Sqlite);
        assert!(DatabaseUrl::new("mysql://x").backend().is_err());
    }
}
