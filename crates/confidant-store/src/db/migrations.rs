//! The embedded migration set, written once for both databases: BLOB
//! becomes BYTEA on PostgreSQL, and the few statements one dialect needs
//! alone (triggers, PostgreSQL's CLUSTER and covering indexes) are kept
//! beside the portable text.

use std::borrow::Cow;

use sqlx::AssertSqlSafe;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Backend;

/// The migrations, oldest first, written once for both databases.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "vault", include_str!("../../migrations/0001_vault.sql")),
    (2, "audit", include_str!("../../migrations/0002_audit.sql")),
    (3, "accounts", include_str!("../../migrations/0003_accounts.sql")),
    (4, "training", include_str!("../../migrations/0004_training.sql")),
    (5, "lps", include_str!("../../migrations/0005_lps.sql")),
    (6, "insiders", include_str!("../../migrations/0006_insiders.sql")),
    (7, "settings", include_str!("../../migrations/0007_settings.sql")),
    (8, "exams", include_str!("../../migrations/0008_exams.sql")),
    (9, "daily_work", include_str!("../../migrations/0009_daily_work.sql")),
    (10, "audit_tiles", include_str!("../../migrations/0010_audit_tiles.sql")),
    (11, "first_run", include_str!("../../migrations/0011_first_run.sql")),
    (12, "ascmi", include_str!("../../migrations/0012_ascmi.sql")),
    (13, "clustering", include_str!("../../migrations/0013_clustering.sql")),
    (14, "shared_state", include_str!("../../migrations/0014_shared_state.sql")),
    (15, "record_keys", include_str!("../../migrations/0015_record_keys.sql")),
    (16, "ascmi_review", include_str!("../../migrations/0016_ascmi_review.sql")),
    (17, "record_metadata", include_str!("../../migrations/0017_record_metadata.sql")),
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

/// The newest migration this build knows.
pub fn latest_migration() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
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

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;
    use crate::db::{Checkpoints, DatabaseUrl, connect_unmigrated};

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
}
