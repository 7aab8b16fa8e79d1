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
use sqlx::{AnyPool, AssertSqlSafe, Executor, SqlSafeStr};

use crate::error::StoreError;

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
    (14, "shared_state", include_str!("../migrations/0014_shared_state.sql")),
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
];

/// The tables each dialect-only addition protects (checked by a test).
#[cfg(test)]
const DIALECT_EXTRA_TABLES: &[(i64, &[&str])] = &[
    (2, &["disclosures", "accounting_entries"]),
    (8, &["training_exam_draws"]),
    (14, &["staff", "sessions", "api_tokens", "staff_credentials"]),
];

/// How long a SQLite writer waits for the write lock before giving up.
const BUSY_TIMEOUT_MS: u64 = 30_000;

/// How much of a SQLite file is read through a memory map.
const MMAP_BYTES: u64 = 1 << 30;

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

/// Opens a pool on `url`, configures SQLite connections and applies the migrations.
pub async fn connect(url: &DatabaseUrl) -> Result<(AnyPool, Backend), StoreError> {
    let (pool, backend) = connect_unmigrated(url).await?;
    migrator(backend).run(&pool).await?;
    Ok((pool, backend))
}

/// The newest migration this build knows.
pub fn latest_migration() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
}

/// Opens a pool on `url` with the vault's connection settings, applying no
/// migration (a restore checks that the target is empty first).
pub(crate) async fn connect_unmigrated(url: &DatabaseUrl) -> Result<(AnyPool, Backend), StoreError> {
    install_default_drivers();
    let backend = url.backend()?;
    let options = AnyPoolOptions::new().max_connections(if backend == Backend::Sqlite { 8 } else { 10 });
    let options = match backend {
        Backend::Sqlite => options.after_connect(|conn, _meta| {
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
mod tests {
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
                assert!(sqlite.contains(&format!("ON {table}")) && postgres.contains(&format!("ON {table}")), "{table}");
            }
        }
        assert_eq!(replace_word("x BLOBS BLOB, BLOB_ID", "BLOB", "BYTEA"), "x BLOBS BYTEA, BLOB_ID");
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
