//! The database connection: one code path for SQLite and PostgreSQL through
//! sqlx's `Any` driver, portable SQL with `$n` placeholders (both backends
//! accept them), and the embedded migration set.
//!
//! Why sqlx: async, pure Rust, both databases behind one API, and a migrator
//! that records what ran (and takes PostgreSQL's advisory lock). The only
//! per-backend differences live here: SQLite's connection pragmas, how a write
//! transaction begins (`BEGIN IMMEDIATE`, so writers queue on the busy timeout
//! instead of failing to upgrade a read lock), the lock key rotation takes on
//! PostgreSQL, and BLOB written as BYTEA in the DDL.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Executor, PgConnection, SqlSafeStr, SqliteConnection};

use crate::error::StoreError;
use crate::sqlite_reads::SqliteReads;

/// The migrations, oldest first, written once for both databases.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "vault", include_str!("../migrations/0001_vault.sql")),
    (2, "audit", include_str!("../migrations/0002_audit.sql")),
    (3, "accounts", include_str!("../migrations/0003_accounts.sql")),
    (4, "training", include_str!("../migrations/0004_training.sql")),
    (5, "lps", include_str!("../migrations/0005_lps.sql")),
    (6, "insiders", include_str!("../migrations/0006_insiders.sql")),
    (7, "settings", include_str!("../migrations/0007_settings.sql")),
    (8, "exams", include_str!("../migrations/0008_exams.sql")),
    (9, "daily_work", include_str!("../migrations/0009_daily_work.sql")),
    (10, "audit_tiles", include_str!("../migrations/0010_audit_tiles.sql")),
    (11, "first_run", include_str!("../migrations/0011_first_run.sql")),
    (12, "ascmi", include_str!("../migrations/0012_ascmi.sql")),
    (13, "clustering", include_str!("../migrations/0013_clustering.sql")),
    (14, "shared_state", include_str!("../migrations/0014_shared_state.sql")),
    (15, "record_keys", include_str!("../migrations/0015_record_keys.sql")),
    (16, "ascmi_review", include_str!("../migrations/0016_ascmi_review.sql")),
    (17, "record_metadata", include_str!("../migrations/0017_record_metadata.sql")),
];

/// Statements a migration needs in one dialect only (triggers), appended to
/// it for that backend. Kept beside the portable text so the two sets
/// cannot drift: the test below checks both mention the same tables.
const DIALECT_EXTRAS: &[(i64, &str, &str)] = &[
    (
        2,
        // Disclosures and the accounting are append-only for every client of the
        // database, not only for this program: a correction is a new entry.
        "CREATE TRIGGER disclosures_append_only_update BEFORE UPDATE ON disclosures \
         BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END;\n\
         CREATE TRIGGER disclosures_append_only_delete BEFORE DELETE ON disclosures \
         BEGIN SELECT RAISE(ABORT, 'disclosures are append-only'); END;\n\
         CREATE TRIGGER accounting_entries_append_only_update BEFORE UPDATE ON accounting_entries \
         BEGIN SELECT RAISE(ABORT, 'accounting entries are append-only'); END;\n\
         CREATE TRIGGER accounting_entries_append_only_delete BEFORE DELETE ON accounting_entries \
         BEGIN SELECT RAISE(ABORT, 'accounting entries are append-only'); END;\n",
        "CREATE FUNCTION confidant_append_only() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;\n\
         CREATE TRIGGER disclosures_append_only BEFORE UPDATE OR DELETE ON disclosures \
         FOR EACH ROW EXECUTE FUNCTION confidant_append_only();\n\
         CREATE TRIGGER accounting_entries_append_only BEFORE UPDATE OR DELETE ON accounting_entries \
         FOR EACH ROW EXECUTE FUNCTION confidant_append_only();\n",
    ),
    (
        8,
        // A submitted exam is a training record: it is never changed or
        // deleted, whoever connects to the database.
        "CREATE TRIGGER training_exam_draws_submitted_update BEFORE UPDATE ON training_exam_draws \
         WHEN OLD.submitted_at IS NOT NULL \
         BEGIN SELECT RAISE(ABORT, 'a submitted exam is a training record and does not change'); END;\n\
         CREATE TRIGGER training_exam_draws_submitted_delete BEFORE DELETE ON training_exam_draws \
         WHEN OLD.submitted_at IS NOT NULL \
         BEGIN SELECT RAISE(ABORT, 'a submitted exam is a training record and is not deleted'); END;\n",
        "CREATE FUNCTION confidant_training_record() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'a submitted exam is a training record and does not change'; END $$;\n\
         CREATE TRIGGER training_exam_draws_submitted BEFORE UPDATE OR DELETE ON training_exam_draws \
         FOR EACH ROW WHEN (OLD.submitted_at IS NOT NULL) EXECUTE FUNCTION confidant_training_record();\n",
    ),
    (
        13,
        // A client's rows together (see the migration's text). On SQLite
        // each table is rebuilt WITHOUT ROWID keyed by (client_id, id). The
        // accounting's corrections reference the rebuilt table itself (the
        // rename carries the reference over), so dropping the old table
        // leaves no row pointing at it; foreign keys are checked at commit.
        "PRAGMA defer_foreign_keys = ON;\n\
         CREATE TABLE records_by_client (\n\
             id TEXT NOT NULL,\n\
             client_id TEXT NOT NULL REFERENCES clients (id),\n\
             category TEXT NOT NULL CHECK (category IN ('demographics', 'appointments', 'billing', 'diagnosis',\n\
                 'treatment_plan', 'medications', 'progress_notes', 'peer_support_notes', 'test_results',\n\
                 'substance_use', 'hiv')),\n\
             author_id TEXT NOT NULL REFERENCES staff (id),\n\
             created_at BIGINT NOT NULL,\n\
             data_key_id TEXT NOT NULL REFERENCES data_keys (id),\n\
             content BLOB NOT NULL,\n\
             corrects TEXT,\n\
             PRIMARY KEY (client_id, id)\n\
         ) WITHOUT ROWID;\n\
         INSERT INTO records_by_client (id, client_id, category, author_id, created_at, data_key_id, content, corrects)\n\
             SELECT id, client_id, category, author_id, created_at, data_key_id, content, corrects FROM records;\n\
         DROP TABLE records;\n\
         ALTER TABLE records_by_client RENAME TO records;\n\
         CREATE UNIQUE INDEX records_id ON records (id);\n\
         CREATE UNIQUE INDEX records_corrects ON records (corrects);\n\
         CREATE TABLE psychotherapy_notes_by_client (\n\
             id TEXT NOT NULL,\n\
             client_id TEXT NOT NULL REFERENCES clients (id),\n\
             author_id TEXT NOT NULL REFERENCES staff (id),\n\
             created_at BIGINT NOT NULL,\n\
             data_key_id TEXT NOT NULL REFERENCES data_keys (id),\n\
             content BLOB NOT NULL,\n\
             corrects TEXT,\n\
             PRIMARY KEY (client_id, id)\n\
         ) WITHOUT ROWID;\n\
         INSERT INTO psychotherapy_notes_by_client (id, client_id, author_id, created_at, data_key_id, content, corrects)\n\
             SELECT id, client_id, author_id, created_at, data_key_id, content, corrects FROM psychotherapy_notes;\n\
         DROP TABLE psychotherapy_notes;\n\
         ALTER TABLE psychotherapy_notes_by_client RENAME TO psychotherapy_notes;\n\
         CREATE UNIQUE INDEX psychotherapy_notes_id ON psychotherapy_notes (id);\n\
         CREATE UNIQUE INDEX psychotherapy_notes_corrects ON psychotherapy_notes (corrects);\n\
         CREATE TABLE accounting_entries_by_client (\n\
             id TEXT NOT NULL,\n\
             client_id TEXT NOT NULL REFERENCES clients (id),\n\
             disclosure_id TEXT REFERENCES disclosures (id),\n\
             disclosed_on TEXT NOT NULL,\n\
             recorded_at BIGINT NOT NULL,\n\
             recipient_kind TEXT NOT NULL,\n\
             purpose TEXT NOT NULL,\n\
             categories TEXT NOT NULL,\n\
             cites TEXT NOT NULL,\n\
             corrects TEXT REFERENCES accounting_entries_by_client (id),\n\
             data_key_id TEXT NOT NULL REFERENCES data_keys (id),\n\
             details BLOB NOT NULL,\n\
             audit_seq BIGINT NOT NULL,\n\
             PRIMARY KEY (client_id, id)\n\
         ) WITHOUT ROWID;\n\
         CREATE UNIQUE INDEX accounting_entries_id ON accounting_entries_by_client (id);\n\
         INSERT INTO accounting_entries_by_client (id, client_id, disclosure_id, disclosed_on, recorded_at, recipient_kind, purpose,\n\
             categories, cites, corrects, data_key_id, details, audit_seq)\n\
             SELECT id, client_id, disclosure_id, disclosed_on, recorded_at, recipient_kind, purpose,\n\
             categories, cites, corrects, data_key_id, details, audit_seq FROM accounting_entries;\n\
         DROP TABLE accounting_entries;\n\
         ALTER TABLE accounting_entries_by_client RENAME TO accounting_entries;\n\
         CREATE TRIGGER accounting_entries_append_only_update BEFORE UPDATE ON accounting_entries \
         BEGIN SELECT RAISE(ABORT, 'accounting entries are append-only'); END;\n\
         CREATE TRIGGER accounting_entries_append_only_delete BEFORE DELETE ON accounting_entries \
         BEGIN SELECT RAISE(ABORT, 'accounting entries are append-only'); END;\n",
        // PostgreSQL keeps the tables (and their triggers) and rewrites them
        // in client order once.
        "CLUSTER records USING records_client;\n\
         CLUSTER psychotherapy_notes USING psychotherapy_notes_client;\n\
         CLUSTER accounting_entries USING accounting_entries_client;\n",
    ),
    (
        14,
        // Every change that can make a cached principal wrong bumps the
        // shared version, whoever makes it (a server, the CLI, an operator's
        // SQL), in the change's own transaction. The upsert makes the row on
        // first use, so a restored backup brings its own.
        "CREATE TRIGGER staff_principal_updated AFTER UPDATE ON staff \
         BEGIN INSERT INTO principal_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1; END;\n\
         CREATE TRIGGER staff_principal_deleted AFTER DELETE ON staff \
         BEGIN INSERT INTO principal_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1; END;\n\
         CREATE TRIGGER sessions_principal_updated AFTER UPDATE ON sessions \
         BEGIN INSERT INTO principal_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1; END;\n\
         CREATE TRIGGER sessions_principal_deleted AFTER DELETE ON sessions \
         BEGIN INSERT INTO principal_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1; END;\n\
         CREATE TRIGGER api_tokens_principal_updated AFTER UPDATE ON api_tokens \
         BEGIN INSERT INTO principal_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1; END;\n\
         CREATE TRIGGER api_tokens_principal_deleted AFTER DELETE ON api_tokens \
         BEGIN INSERT INTO principal_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1; END;\n\
         CREATE TRIGGER staff_credentials_principal_updated AFTER UPDATE ON staff_credentials \
         WHEN OLD.must_change_password IS NOT NEW.must_change_password \
         BEGIN INSERT INTO principal_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET version = version + 1; END;\n",
        "CREATE FUNCTION confidant_principal_changed() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN INSERT INTO principal_version (id, version) VALUES (1, 1) \
         ON CONFLICT (id) DO UPDATE SET version = principal_version.version + 1; RETURN NULL; END $$;\n\
         CREATE TRIGGER staff_principal_changed AFTER UPDATE OR DELETE ON staff \
         FOR EACH STATEMENT EXECUTE FUNCTION confidant_principal_changed();\n\
         CREATE TRIGGER sessions_principal_changed AFTER UPDATE OR DELETE ON sessions \
         FOR EACH STATEMENT EXECUTE FUNCTION confidant_principal_changed();\n\
         CREATE TRIGGER api_tokens_principal_changed AFTER UPDATE OR DELETE ON api_tokens \
         FOR EACH STATEMENT EXECUTE FUNCTION confidant_principal_changed();\n\
         CREATE TRIGGER staff_credentials_principal_changed AFTER UPDATE ON staff_credentials \
         FOR EACH ROW WHEN (OLD.must_change_password IS DISTINCT FROM NEW.must_change_password) \
         EXECUTE FUNCTION confidant_principal_changed();\n",
    ),
    (
        17,
        // SQLite's tables are keyed by client since migration 13: nothing.
        "",
        // PostgreSQL: a client's record list from the index alone (see the
        // migration's text). The covering indexes take over from the plain
        // ones of migration 1 and become the tables' clustering indexes, and
        // the heaps are rewritten in client order once more, for the rows
        // added since migration 13.
        "CREATE INDEX records_client_list ON records (client_id) INCLUDE (id, category, author_id, created_at, corrects);\n\
         DROP INDEX records_client;\n\
         CLUSTER records USING records_client_list;\n\
         CREATE INDEX psychotherapy_notes_client_list ON psychotherapy_notes (client_id) INCLUDE (id, author_id, created_at, corrects);\n\
         DROP INDEX psychotherapy_notes_client;\n\
         CLUSTER psychotherapy_notes USING psychotherapy_notes_client_list;\n",
    ),
];

/// The tables each dialect-only addition protects (checked by a test).
#[cfg(test)]
const DIALECT_EXTRA_TABLES: &[(i64, &[&str])] = &[
    (2, &["disclosures", "accounting_entries"]),
    (8, &["training_exam_draws"]),
    (13, &["records", "psychotherapy_notes", "accounting_entries"]),
    (14, &["staff", "sessions", "api_tokens", "staff_credentials"]),
    // An index on PostgreSQL alone: no rule that the other dialect must match.
    (17, &[]),
];

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

/// The newest migration this build knows.
pub fn latest_migration() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
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

/// The migration set for one backend.
pub fn migrator(backend: Backend) -> Migrator {
    migrator_up_to(backend, i64::MAX)
}

/// The migrations up to and including `version`: a restore rebuilds the
/// schema its backup was taken under, fills it, then applies the rest.
pub fn migrator_up_to(backend: Backend, version: i64) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .filter(|(v, _, _)| *v <= version)
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(*description),
                MigrationType::Simple,
                AssertSqlSafe(ddl_for(backend, sql) + dialect_extras(backend, *version)).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

/// The one-dialect statements of migration `version` for `backend`.
fn dialect_extras(backend: Backend, version: i64) -> &'static str {
    DIALECT_EXTRAS.iter().find(|(v, _, _)| *v == version).map_or("", |(_, sqlite, postgres)| match backend {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    })
}

/// The migration text for a backend: BLOB is BYTEA on PostgreSQL.
pub(crate) fn ddl_for(backend: Backend, sql: &str) -> String {
    match backend {
        Backend::Sqlite => sql.to_string(),
        Backend::Postgres => {
            let mut out = String::with_capacity(sql.len());
            for line in sql.split_inclusive('\n') {
                if line.trim_start().starts_with("--") {
                    out.push_str(line);
                } else {
                    out.push_str(&replace_word(line, "BLOB", "BYTEA"));
                }
            }
            out
        }
    }
}

fn replace_word(line: &str, word: &str, with: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(word) {
        let before = rest.get(..at).unwrap_or_default();
        let after = rest.get(at + word.len()..).unwrap_or_default();
        let boundary_before = before.chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let boundary_after = after.chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        out.push_str(before);
        out.push_str(if boundary_before && boundary_after { with } else { word });
        rest = after;
    }
    out.push_str(rest);
    out
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
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn postgres_ddl_differs_only_in_blob_types() {
        for (_, _, sql) in MIGRATIONS {
            let pg = ddl_for(Backend::Postgres, sql);
            assert_eq!(pg.lines().count(), sql.lines().count());
            for (a, b) in sql.lines().zip(pg.lines()) {
                if a != b {
                    assert_eq!(a.replace("BLOB", "BYTEA"), b);
                }
            }
            assert!(!pg.lines().filter(|l| !l.trim_start().starts_with("--")).any(|l| l.contains("BLOB")));
        }
        assert!(ddl_for(Backend::Postgres, MIGRATIONS[0].2).contains("content BYTEA NOT NULL"));
        for (version, sqlite, postgres) in DIALECT_EXTRAS {
            assert!(MIGRATIONS.iter().any(|(v, _, _)| v == version));
            let tables = DIALECT_EXTRA_TABLES.iter().find(|(v, _)| v == version).map(|(_, t)| *t).unwrap();
            for table in tables {
                let names = |text: &str| text.contains(&format!("ON {table}")) || text.contains(&format!("CLUSTER {table} "));
                assert!(names(sqlite) && names(postgres), "{table}");
            }
        }
        assert_eq!(replace_word("x BLOBS BLOB, BLOB_ID", "BLOB", "BYTEA"), "x BLOBS BYTEA, BLOB_ID");
    }

    /// Migration 13 keeps every row (and the accounting's append-only
    /// rule) while rebuilding the tables by client, foreign keys on.
    #[tokio::test]
    async fn clustering_migration_keeps_rows_and_the_append_only_rule() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::sqlite_file(&dir.path().join("m.sqlite"));
        let (pool, backend) = connect_unmigrated(&url, Checkpoints::Automatic).await.unwrap();
        migrator_up_to(backend, 11).run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO key_encryption_keys (id, verifier, created_at) VALUES ('kek', x'00', 0)",
            "INSERT INTO data_keys (id, kek_id, wrapped) VALUES ('dk', 'kek', x'00')",
            "INSERT INTO staff (id, data_key_id, display_name, role, active, created_at) VALUES ('st', 'dk', x'00', 'psychotherapist', 1, 0)",
            "INSERT INTO clients (id, data_key_id, name, age_years, age_recorded_on, status, part2_program, created_at) \
             VALUES ('cl-b', 'dk', x'00', 40, '2026-01-01', 'active', 0, 0), ('cl-a', 'dk', x'00', 40, '2026-01-01', 'active', 0, 0)",
            "INSERT INTO records (id, client_id, category, author_id, created_at, data_key_id, content) VALUES \
             ('r1', 'cl-b', 'diagnosis', 'st', 1, 'dk', x'01'), ('r2', 'cl-a', 'diagnosis', 'st', 2, 'dk', x'02')",
            "INSERT INTO records (id, client_id, category, author_id, created_at, data_key_id, content, corrects) VALUES \
             ('r3', 'cl-b', 'diagnosis', 'st', 3, 'dk', x'03', 'r1')",
            "INSERT INTO psychotherapy_notes (id, client_id, author_id, created_at, data_key_id, content) VALUES \
             ('n1', 'cl-a', 'st', 1, 'dk', x'04')",
            "INSERT INTO disclosures (id, client_id, staff_id, disclosed_at, disclosed_on, recipient_kind, purpose, released, withheld, \
             data_key_id, details, audit_seq) VALUES ('d1', 'cl-b', 'st', 0, '2026-01-01', 'x', 'y', '', '', 'dk', x'00', 0)",
            "INSERT INTO accounting_entries (id, client_id, disclosure_id, disclosed_on, recorded_at, recipient_kind, purpose, \
             categories, cites, corrects, data_key_id, details, audit_seq) VALUES \
             ('a1', 'cl-b', 'd1', '2026-01-01', 0, 'x', 'y', '', '', NULL, 'dk', x'00', 0), \
             ('a2', 'cl-b', NULL, '2026-01-02', 1, 'x', 'y', '', '', 'a1', 'dk', x'00', 1)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        migrator(backend).run(&pool).await.unwrap();
        let records: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT id, client_id, corrects FROM records ORDER BY id").fetch_all(&pool).await.unwrap();
        assert_eq!(
            records,
            [("r1".into(), "cl-b".into(), None), ("r2".into(), "cl-a".into(), None), ("r3".into(), "cl-b".into(), Some("r1".into()))]
        );
        let notes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM psychotherapy_notes").fetch_one(&pool).await.unwrap();
        assert_eq!(notes, 1);
        let corrected: Option<String> =
            sqlx::query_scalar("SELECT corrects FROM accounting_entries WHERE id = 'a2'").fetch_one(&pool).await.unwrap();
        assert_eq!(corrected.as_deref(), Some("a1"));
        // Stored by client now, and still append-only and unique by id.
        let ddl: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'records'").fetch_one(&pool).await.unwrap();
        assert!(ddl.contains("WITHOUT ROWID") && ddl.contains("PRIMARY KEY (client_id, id)"), "{ddl}");
        let ddl: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'accounting_entries'").fetch_one(&pool).await.unwrap();
        assert!(!ddl.contains("_by_client") && ddl.contains("WITHOUT ROWID"), "{ddl}");
        assert!(sqlx::query("UPDATE accounting_entries SET cites = 'z'").execute(&pool).await.is_err());
        assert!(sqlx::query("DELETE FROM accounting_entries").execute(&pool).await.is_err());
        let duplicate = "INSERT INTO records (id, client_id, category, author_id, created_at, data_key_id, content) \
                         VALUES ('r1', 'cl-a', 'diagnosis', 'st', 4, 'dk', x'05')";
        assert!(sqlx::query(duplicate).execute(&pool).await.is_err());
        let problems: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(&pool).await.unwrap();
        assert!(problems.is_empty());
    }

    /// Migration 15 gives each record of an existing vault a copy of its
    /// wrapped data key, so the vault reads and checks as before: on
    /// SQLite, and on PostgreSQL under `scripts/with-postgres`.
    #[tokio::test]
    async fn record_keys_migration_keeps_an_existing_vault_readable() {
        for db in crate::testing::test_databases().await {
            record_keys_migration_keeps_readable(&db.url).await;
        }
    }

    /// A vault built at migration 14 with two records and a psychotherapy
    /// note, migrated to the latest version, then read and checked.
    async fn record_keys_migration_keeps_readable(url: &DatabaseUrl) {
        let kek = populated_vault_at(url, 14).await;
        let store = crate::Store::open(url, crate::KeyRing::new(vec![kek]).unwrap()).await.unwrap();
        type Copy = (String, Option<String>, Option<Vec<u8>>, Vec<u8>);
        let copies: Vec<Copy> = sqlx::query_as(
            "SELECT r.id, r.kek_id, r.wrapped_key, d.wrapped FROM records r JOIN data_keys d ON d.id = r.data_key_id \
             UNION ALL SELECT n.id, n.kek_id, n.wrapped_key, d.wrapped FROM psychotherapy_notes n JOIN data_keys d ON d.id = n.data_key_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(copies.len(), 3);
        for (id, kek_id, copy, wrapped) in copies {
            assert_eq!((kek_id.as_deref(), copy.as_ref()), (Some("kek-1"), Some(&wrapped)), "`{id}`");
        }
        assert_reads_and_checks(&store).await;
        store.close().await;
    }

    /// Migration 17 leaves a populated version-16 vault reading as before,
    /// with contents and without: on SQLite, and on PostgreSQL (under
    /// `scripts/with-postgres`), where the record lists now come from the
    /// covering indexes, which took over from the plain ones.
    #[tokio::test]
    async fn record_metadata_migration_keeps_an_existing_vault_readable() {
        for db in crate::testing::test_databases().await {
            let kek = populated_vault_at(&db.url, 16).await;
            let store = crate::Store::open(&db.url, crate::KeyRing::new(vec![kek]).unwrap()).await.unwrap();
            assert_reads_and_checks(&store).await;
            let listed: Vec<(String, Option<String>)> =
                store.records("cl", false).await.unwrap().into_iter().map(|r| (r.id, r.content)).collect();
            assert_eq!(listed, [("r1".into(), None), ("r2".into(), None), ("n1".into(), None)]);
            if store.backend() == Backend::Postgres {
                let indexes: Vec<(String, bool)> = sqlx::query_as(
                    "SELECT c.relname::TEXT, i.indisclustered FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                     JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname IN ('records', 'psychotherapy_notes') \
                     AND c.relname LIKE '%client%' ORDER BY c.relname",
                )
                .fetch_all(store.pool())
                .await
                .unwrap();
                assert_eq!(indexes, [("psychotherapy_notes_client_list".into(), true), ("records_client_list".into(), true)]);
            }
            store.close().await;
        }
    }

    /// The vault of [`populated_vault_at`] reads with its contents and
    /// checks sound.
    async fn assert_reads_and_checks(store: &crate::Store) {
        let read: Vec<(String, Option<String>)> = store.records("cl", true).await.unwrap().into_iter().map(|r| (r.id, r.content)).collect();
        assert_eq!(
            read,
            [("r1".into(), Some("note r1".into())), ("r2".into(), Some("note r2".into())), ("n1".into(), Some("process note".into()))]
        );
        let check = store.check().await.unwrap();
        assert!(check.is_sound() && check.records == 3, "{check:?}");
    }

    /// A vault built at migration `version` (14 or later) with SQL alone:
    /// a staff member, a client, two records and a psychotherapy note, each
    /// under its own data key (from version 15 on, with the row's copy of
    /// it). Returns the KEK that wraps the keys.
    pub(crate) async fn populated_vault_at(url: &DatabaseUrl, version: i64) -> crate::crypto::Kek {
        use crate::crypto::{DataKey, Kek, field_aad};
        let (pool, backend) = connect_unmigrated(url, Checkpoints::Automatic).await.unwrap();
        migrator_up_to(backend, version).run(&pool).await.unwrap();
        let kek = Kek::generate("kek-1");
        sqlx::query("INSERT INTO key_encryption_keys (id, verifier, created_at) VALUES ('kek-1', $1, 0)")
            .bind(kek.verifier().unwrap())
            .execute(&pool)
            .await
            .unwrap();
        // A key for the staff member, one for the client, one per record.
        let mut keys = Vec::new();
        for id in ["dk-st", "dk-cl", "dk-r1", "dk-r2", "dk-n1"] {
            let key = DataKey::generate();
            sqlx::query("INSERT INTO data_keys (id, kek_id, wrapped) VALUES ($1, 'kek-1', $2)")
                .bind(id)
                .bind(kek.wrap(id, &key).unwrap())
                .execute(&pool)
                .await
                .unwrap();
            keys.push(key);
        }
        sqlx::query("INSERT INTO staff (id, data_key_id, display_name, role, active, created_at) VALUES ('st', 'dk-st', $1, 'psychotherapist', 1, 0)")
            .bind(keys[0].seal(&field_aad("staff", "display_name", "st"), b"Morgan").unwrap())
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO clients (id, data_key_id, name, age_years, age_recorded_on, status, part2_program, created_at) \
             VALUES ('cl', 'dk-cl', $1, 40, '2026-01-01', 'active', 0, 0)",
        )
        .bind(keys[1].seal(&field_aad("clients", "name", "cl"), b"Client").unwrap())
        .execute(&pool)
        .await
        .unwrap();
        for (n, (id, key_id)) in [("r1", "dk-r1"), ("r2", "dk-r2")].into_iter().enumerate() {
            sqlx::query(
                "INSERT INTO records (id, client_id, category, author_id, created_at, data_key_id, content) \
                 VALUES ($1, 'cl', 'diagnosis', 'st', $2, $3, $4)",
            )
            .bind(id)
            .bind(i64::try_from(n).unwrap())
            .bind(key_id)
            .bind(keys[2 + n].seal(&field_aad("records", "content", id), format!("note {id}").as_bytes()).unwrap())
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query(
            "INSERT INTO psychotherapy_notes (id, client_id, author_id, created_at, data_key_id, content) VALUES ('n1', 'cl', 'st', 5, 'dk-n1', $1)",
        )
        .bind(keys[4].seal(&field_aad("psychotherapy_notes", "content", "n1"), b"process note").unwrap())
        .execute(&pool)
        .await
        .unwrap();
        if version >= 15 {
            for copy in crate::vault::RECORD_KEY_COPIES {
                sqlx::query(copy).execute(&pool).await.unwrap();
            }
        }
        pool.close().await;
        kek
    }

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
