//! Test support shared by every crate that tests against the vault (feature
//! `testing`): the databases a suite runs on — a SQLite file always, and a
//! fresh database on the PostgreSQL server named by
//! `CONFIDANT_TEST_POSTGRES_URL` when it is set (`scripts/with-postgres`
//! starts a throwaway one) — so no suite writes this twice or needs a
//! hand-started server.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::PathBuf;

use sqlx::{AssertSqlSafe, Connection};

use crate::DatabaseUrl;

/// One database to run a test against, with a directory for its key files.
pub struct TestDatabase {
    /// Where the database is.
    pub url: DatabaseUrl,
    /// The SQLite file, when the database is SQLite.
    pub sqlite: Option<PathBuf>,
    /// A scratch directory (key file, witness), removed when dropped.
    pub dir: tempfile::TempDir,
}

impl TestDatabase {
    /// `sqlite` or `postgres`, for assertion messages.
    pub fn name(&self) -> &'static str {
        if self.sqlite.is_some() { "sqlite" } else { "postgres" }
    }
}

/// SQLite, plus PostgreSQL when `CONFIDANT_TEST_POSTGRES_URL` is set.
pub async fn test_databases() -> Vec<TestDatabase> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(crate::DATABASE_FILE_NAME);
    out.push(TestDatabase { url: DatabaseUrl::sqlite_file(&path), sqlite: Some(path), dir });
    if let Ok(base) = std::env::var("CONFIDANT_TEST_POSTGRES_URL")
        && !base.is_empty()
    {
        out.push(TestDatabase { url: fresh_postgres(&base).await, sqlite: None, dir: tempfile::tempdir().expect("a temporary directory") });
    }
    out
}

/// Creates an empty database on the server `base` points at and returns its URL.
pub async fn fresh_postgres(base: &str) -> DatabaseUrl {
    DatabaseUrl::new(fresh_postgres_url(base).await)
}

/// [`fresh_postgres`] as the plain URL text, for a command line.
pub async fn fresh_postgres_url(base: &str) -> String {
    let mut bytes = [0u8; 6];
    rand::fill(&mut bytes);
    let name = format!("confidant_test_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let mut conn = sqlx::PgConnection::connect(base).await.expect("CONFIDANT_TEST_POSTGRES_URL connects");
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("CREATE DATABASE");
    conn.close().await.expect("close");
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (base, String::new()),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let rest = head.get(scheme_end..).unwrap_or_default();
    match rest.find('/') {
        Some(slash) => format!("{}/{name}{query}", head.get(..scheme_end + slash).unwrap_or_default()),
        None => format!("{head}/{name}{query}"),
    }
}

impl crate::Store {
    /// A client's records read through sqlx's driver, as every read went
    /// before SQLite's own library served them: the reference the faster
    /// path is checked against (unaudited, like [`crate::Store::records`]).
    pub async fn records_through_sqlx(&self, client_id: &str, with_content: bool) -> Result<Vec<crate::Record>, crate::StoreError> {
        crate::db::native!(&self.native, |p| self
            .records_selected_on(&mut crate::db::Conn::from(&mut *p.acquire().await?), client_id, with_content, &|_| true)
            .await)
    }

    /// Replaces the sealed content of record (or psychotherapy note) `id`
    /// with bytes that decrypt under no key, as damage would: for tests of
    /// which records a read opens.
    pub async fn damage_record_for_tests(&self, id: &str) -> Result<(), crate::StoreError> {
        for table in ["records", "psychotherapy_notes"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET content = $1 WHERE id = $2")))
                .bind(vec![1u8; 64])
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// A client's accounting entries, unaudited, through the backend's
    /// fast path when `native_path` (SQLite's own library, PostgreSQL's
    /// binary copy), else through sqlx's driver: what the audited read
    /// shows, for tests.
    pub async fn accounting_entries_for_tests(
        &self,
        client_id: &str,
        native_path: bool,
    ) -> Result<Vec<crate::AccountingEntry>, crate::StoreError> {
        self.accounting_entries_through(client_id, native_path).await
    }
}
