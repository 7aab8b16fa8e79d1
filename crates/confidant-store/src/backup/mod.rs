//! Backups that restore: one format for both backends, written while the
//! vault keeps serving, sealed under a passphrase, and restored only when
//! the result passes the vault check and the audit log's verification.
//!
//! A backup is a logical export taken inside one read-only snapshot
//! transaction ([`crate::db::begin_snapshot`]): SQLite in WAL mode keeps a
//! reader on one snapshot while writers commit beside it, PostgreSQL's
//! REPEATABLE READ does the same, so everything committed before the backup
//! began is in it and nothing half-written is. The rows are the stored rows:
//! records, names and audit details stay sealed under their data keys, the
//! data keys stay wrapped by the key-encryption key, and neither that key
//! nor the log's signing key is in the file (both live outside the
//! database and are backed up apart). The whole export is then sealed again
//! under a key derived from the operator's passphrase (`sealed.rs`), so the
//! clear columns (ids, dates, categories) are not readable either.
//!
//! Plaintext inside the envelope, JSON Lines: a manifest (format, schema
//! version, source backend, time, every table with its columns, types and
//! row count), then each table's rows as JSON arrays in the manifest's
//! order (blobs in base64), then `{"end":…}` with the total. Tables are
//! ordered so each follows the tables it references, and rows of a table
//! that references itself so a referenced row comes first: a restore
//! inserts in file order with foreign keys on.
//!
//! A restore reads and authenticates the whole file before it touches the
//! target, which must be an empty database; it builds the schema the backup
//! was taken under, inserts every row in one transaction, applies any newer
//! migration, opens the vault with the key-encryption key, and runs
//! [`Store::check`] and [`Store::verify_audit`] under the operator's log
//! key. If anything fails, every table it created is dropped again.

mod schema;
mod sealed;

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use confidant_audit::{LogSigningKey, SignedTreeHead};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Row};

use self::schema::{Column, ColumnType, MIGRATIONS_TABLE, Table};
pub use self::sealed::MIN_PASSPHRASE_CHARS;
use self::sealed::{SealedReader, SealedWriter, into_backup_error};
use crate::audit::{AuditEvent, AuditKind};
use crate::audit_detail::Detail;
use crate::db::{self, Backend, DatabaseUrl, begin_snapshot, begin_write};
use crate::error::StoreError;
use crate::keys::KeyRing;
use crate::vault::{Store, VaultCheck, multi_row_insert};

/// The version of the plaintext layout inside the envelope.
const LAYOUT: u32 = 1;

/// Parameters bound per insert statement (well under both backends' limits).
const PARAMS_PER_INSERT: usize = 900;

/// Why a backup or a restore failed. A failed backup leaves no file; a
/// failed restore leaves the target as it found it.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The passphrase is unusable (too short, unreadable).
    #[error("passphrase: {0}")]
    Passphrase(String),
    /// The file is not a backup.
    #[error("backup: not a Confidant backup (the file does not start with a backup header)")]
    NotABackup,
    /// A format this build does not read.
    #[error("backup: format {0} is not one this build reads")]
    UnsupportedFormat(u32),
    /// The passphrase does not open the file.
    #[error("backup: the passphrase is wrong (or the file's header is damaged)")]
    WrongPassphrase,
    /// A chunk does not authenticate.
    #[error("backup: damaged: chunk {chunk} does not authenticate (the file was altered or corrupted); nothing was restored")]
    Damaged {
        /// The first chunk that fails, counting from 0.
        chunk: u32,
    },
    /// The file ends early.
    #[error("backup: truncated: the file ends before its last chunk; nothing was restored")]
    Truncated,
    /// Bytes follow the last chunk.
    #[error("backup: bytes follow the last chunk (the file was altered); nothing was restored")]
    TrailingData,
    /// The decrypted contents are malformed.
    #[error("backup: {0}")]
    Format(String),
    /// The backup's schema cannot be rebuilt.
    #[error("backup: schema: {0}")]
    Schema(String),
    /// Taken by a newer build.
    #[error("backup: taken under schema version {backup}, newer than this build's {known}; restore with a newer Confidant")]
    NewerSchema {
        /// The backup's schema version.
        backup: i64,
        /// This build's newest.
        known: i64,
    },
    /// The restore target already holds a vault.
    #[error("target: {0}")]
    TargetNotEmpty(String),
    /// The backup file could not be written.
    #[error("--out: {path}: {source}")]
    Output {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The restored vault fails `Store::check`.
    #[error("restore: the restored vault fails its check ({0}); nothing was kept")]
    CheckFailed(String),
    /// The restored audit log does not verify.
    #[error("restore: the restored audit log does not verify: {0}; nothing was kept")]
    AuditFailed(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading or writing the file failed.
    #[error("backup: {0}")]
    Io(#[from] io::Error),
}

impl BackupError {
    /// Whether the operator is at fault (exit 2): a wrong passphrase or
    /// file, a target that is not empty. A damaged file or a failed check
    /// is a finding (exit 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            BackupError::Store(e) => e.is_bad_input(),
            BackupError::Passphrase(_)
            | BackupError::NotABackup
            | BackupError::UnsupportedFormat(_)
            | BackupError::WrongPassphrase
            | BackupError::NewerSchema { .. }
            | BackupError::TargetNotEmpty(_)
            | BackupError::Output { .. } => true,
            _ => false,
        }
    }
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> BackupError {
        BackupError::Store(StoreError::from(e))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    confidant_backup: u32,
    schema_version: i64,
    source_backend: String,
    taken_at_ms: i64,
    tables: Vec<TableManifest>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableManifest {
    name: String,
    columns: Vec<Column>,
    rows: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct End {
    end: bool,
    rows: u64,
}

/// What a backup holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    /// The database schema's migration version when the backup was taken.
    pub schema_version: i64,
    /// `sqlite` or `postgres`.
    pub source_backend: String,
    /// When the snapshot was taken (Unix milliseconds).
    pub taken_at_ms: i64,
    /// Rows per table, in file order.
    pub tables: Vec<(String, u64)>,
    /// Audit log entries in the backup.
    pub audit_entries: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
}

impl BackupSummary {
    /// Rows in all tables.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }

    fn details(&self) -> [Detail; 6] {
        [
            Detail::SchemaVersion(self.schema_version),
            Detail::SourceBackend(self.source_backend.clone()),
            Detail::TakenAtMs(self.taken_at_ms),
            Detail::Rows(self.rows()),
            Detail::AuditEntries(self.audit_entries),
            Detail::Bytes(self.bytes),
        ]
    }
}

/// What a restore did.
#[derive(Clone, Debug)]
pub struct RestoreReport {
    /// What the backup held.
    pub backup: BackupSummary,
    /// The restored vault's check.
    pub check: VaultCheck,
    /// Entries verified in the restored log (before the restore's own entry).
    pub audit_verified: u64,
    /// The log's head after the restore's own entry: the new witness.
    pub head: Option<SignedTreeHead>,
}

/// What a restore needs besides the file and the target.
pub struct RestoreKeys {
    /// The key-encryption key(s) the backup's data keys are wrapped with.
    pub keys: KeyRing,
    /// The log's signing key: the restored log must verify under its public
    /// half, and the restore is appended to it.
    pub audit_key: LogSigningKey,
    /// The witness head the data directory held before (recorded in the
    /// restore's audit entry: a restore knowingly drops any later entries).
    pub previous_witness: Option<SignedTreeHead>,
}

fn check_passphrase(passphrase: &[u8]) -> Result<(), BackupError> {
    let text = std::str::from_utf8(passphrase).map_err(|_| BackupError::Passphrase("UTF-8 text".into()))?;
    if text.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(BackupError::Passphrase(format!("at least {MIN_PASSPHRASE_CHARS} characters")));
    }
    Ok(())
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

impl Store {
    /// Writes an encrypted backup of the whole vault to `out` (a new file,
    /// mode 0600) from one snapshot, while other connections keep writing,
    /// and appends a `backup_made` entry to the audit log when the store
    /// has its signing key. A failure removes the partial file.
    pub async fn backup(&self, out: &Path, passphrase: &[u8]) -> Result<BackupSummary, BackupError> {
        check_passphrase(passphrase)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(out).map_err(|source| BackupError::Output { path: out.display().to_string(), source })?;
        let written = self.write_backup(file, passphrase).await;
        let summary = match written {
            Ok(summary) => summary,
            Err(e) => {
                let _ = std::fs::remove_file(out);
                return Err(e);
            }
        };
        if self.audit.is_some() {
            self.append_audit(vec![AuditEvent::new(AuditKind::BackupMade, None).with_all(summary.details())]).await?;
        }
        Ok(summary)
    }

    async fn write_backup(&self, file: File, passphrase: &[u8]) -> Result<BackupSummary, BackupError> {
        let mut sink = SealedWriter::new(BufWriter::new(file), passphrase)?;
        let mut tx = self.pool.begin_with(begin_snapshot(self.backend())).await?;
        let conn: &mut AnyConnection = &mut tx;
        let tables = schema::tables(conn, self.backend()).await?;
        let version: Option<i64> = sqlx::query(AssertSqlSafe(format!("SELECT MAX(version) AS v FROM {MIGRATIONS_TABLE}")))
            .fetch_one(&mut *conn)
            .await?
            .try_get("v")?;
        let mut manifest = Manifest {
            confidant_backup: LAYOUT,
            schema_version: version.unwrap_or(0),
            source_backend: backend_name(self.backend()).into(),
            taken_at_ms: self.now_secs().saturating_mul(1000),
            tables: Vec::with_capacity(tables.len()),
        };
        for table in &tables {
            let n: i64 = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {}", quote(&table.name))))
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
            manifest.tables.push(TableManifest {
                name: table.name.clone(),
                columns: table.columns.clone(),
                rows: u64::try_from(n).unwrap_or(0),
            });
        }
        write_line(&mut sink, &manifest)?;
        let mut total = 0u64;
        for (table, listed) in tables.iter().zip(&manifest.tables) {
            let columns: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
            let sql = format!("SELECT {} FROM {}", columns.join(", "), quote(&table.name));
            let mut written = 0u64;
            if let Some(fk) = table.self_reference() {
                // Few rows (corrections of the accounting): ordered in memory.
                let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
                let encoded = rows.iter().map(|r| encode_row(r, &table.columns)).collect::<Result<Vec<_>, _>>()?;
                for row in referenced_first(table, &fk.column, &fk.parent_column, encoded)? {
                    write_line(&mut sink, &row)?;
                    written += 1;
                }
            } else {
                let mut stream = sqlx::query(AssertSqlSafe(sql)).fetch(&mut *conn);
                while let Some(row) = stream.try_next().await? {
                    write_line(&mut sink, &encode_row(&row, &table.columns)?)?;
                    written += 1;
                }
            }
            if written != listed.rows {
                return Err(BackupError::Format(format!("table `{}` changed during the snapshot", table.name)));
            }
            total += written;
        }
        tx.rollback().await?;
        write_line(&mut sink, &End { end: true, rows: total })?;
        let (writer, bytes) = sink.finish()?;
        let file = writer.into_inner().map_err(|e| BackupError::Io(e.into_error()))?;
        file.sync_all()?;
        Ok(summary_of(&manifest, bytes))
    }
}

fn summary_of(manifest: &Manifest, bytes: u64) -> BackupSummary {
    BackupSummary {
        schema_version: manifest.schema_version,
        source_backend: manifest.source_backend.clone(),
        taken_at_ms: manifest.taken_at_ms,
        tables: manifest.tables.iter().map(|t| (t.name.clone(), t.rows)).collect(),
        audit_entries: manifest.tables.iter().find(|t| t.name == "audit_entries").map_or(0, |t| t.rows),
        bytes,
    }
}

fn write_line<W: Write, T: Serialize>(sink: &mut W, value: &T) -> Result<(), BackupError> {
    serde_json::to_writer(&mut *sink, value).map_err(|e| BackupError::Io(io::Error::other(e)))?;
    sink.write_all(b"\n")?;
    Ok(())
}

/// One stored row as JSON: integers and reals as numbers, text as strings,
/// blobs as base64 strings, NULL as null.
fn encode_row(row: &AnyRow, columns: &[Column]) -> Result<Vec<Value>, BackupError> {
    columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            Ok(match column.kind {
                ColumnType::Integer => row.try_get::<Option<i64>, _>(i)?.map_or(Value::Null, Value::from),
                ColumnType::Real => row.try_get::<Option<f64>, _>(i)?.map_or(Value::Null, Value::from),
                ColumnType::Text => row.try_get::<Option<String>, _>(i)?.map_or(Value::Null, Value::from),
                ColumnType::Blob => row.try_get::<Option<Vec<u8>>, _>(i)?.map_or(Value::Null, |b| Value::from(STANDARD.encode(b))),
            })
        })
        .collect()
}

/// Orders rows so that a row referenced through the table's own foreign
/// key comes before the rows that reference it.
fn referenced_first(table: &Table, column: &str, parent_column: &str, rows: Vec<Vec<Value>>) -> Result<Vec<Vec<Value>>, BackupError> {
    let at = |name: &str| table.columns.iter().position(|c| c.name == name);
    let (Some(child), Some(parent)) = (at(column), at(parent_column)) else {
        return Err(BackupError::Schema(format!("table `{}` references a column it does not have", table.name)));
    };
    let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut pending = rows;
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|row| match row.get(child) {
            None | Some(Value::Null) => true,
            Some(v) => placed.contains(&v.to_string()) || row.get(parent) == Some(v),
        });
        for row in ready {
            if let Some(key) = row.get(parent) {
                placed.insert(key.to_string());
            }
            out.push(row);
        }
        pending = rest;
        if pending.len() == before {
            return Err(BackupError::Schema(format!("rows of `{}` reference rows that are missing or each other", table.name)));
        }
    }
    Ok(out)
}

/// A decoded cell, ready to bind.
enum Cell {
    Null(ColumnType),
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

fn decode_row(line: &str, table: &TableManifest, number: u64) -> Result<Vec<Cell>, BackupError> {
    let bad = |what: String| BackupError::Format(format!("table `{}` row {number}: {what}", table.name));
    let values: Vec<Value> = serde_json::from_str(line).map_err(|e| bad(format!("not a JSON array ({e})")))?;
    if values.len() != table.columns.len() {
        return Err(bad(format!("{} values for {} columns", values.len(), table.columns.len())));
    }
    values
        .into_iter()
        .zip(&table.columns)
        .map(|(value, column)| {
            Ok(match (column.kind, value) {
                (kind, Value::Null) => Cell::Null(kind),
                (ColumnType::Integer, Value::Number(n)) => {
                    Cell::Integer(n.as_i64().ok_or_else(|| bad(format!("`{}` not an integer", column.name)))?)
                }
                (ColumnType::Real, Value::Number(n)) => {
                    Cell::Real(n.as_f64().ok_or_else(|| bad(format!("`{}` not a number", column.name)))?)
                }
                (ColumnType::Text, Value::String(s)) => Cell::Text(s),
                (ColumnType::Blob, Value::String(s)) => {
                    Cell::Blob(STANDARD.decode(s).map_err(|_| bad(format!("`{}` not base64", column.name)))?)
                }
                (kind, _) => return Err(bad(format!("`{}` is not of type {kind:?}", column.name))),
            })
        })
        .collect()
}

/// The plaintext lines of a backup file, authenticated as they are read.
struct Lines {
    lines: io::Lines<BufReader<SealedReader<File>>>,
}

impl Lines {
    fn open(path: &Path, passphrase: &[u8]) -> Result<(Lines, Manifest), BackupError> {
        let file = File::open(path).map_err(|e| BackupError::Format(format!("{}: {e}", path.display())))?;
        let mut lines = Lines { lines: BufReader::new(SealedReader::new(file, passphrase)?).lines() };
        let first = lines.next_line()?.ok_or_else(|| BackupError::Format("no manifest".into()))?;
        let manifest: Manifest =
            serde_json::from_str(&first).map_err(|e| BackupError::Format(format!("the manifest is not valid ({e})")))?;
        if manifest.confidant_backup != LAYOUT {
            return Err(BackupError::UnsupportedFormat(manifest.confidant_backup));
        }
        Ok((lines, manifest))
    }

    fn next_line(&mut self) -> Result<Option<String>, BackupError> {
        self.lines.next().transpose().map_err(into_backup_error)
    }

    fn row(&mut self, table: &TableManifest, number: u64) -> Result<Vec<Cell>, BackupError> {
        let line = self.next_line()?.ok_or_else(|| BackupError::Format(format!("table `{}` ends after {number} rows", table.name)))?;
        decode_row(&line, table, number)
    }

    fn end(&mut self, total: u64) -> Result<(), BackupError> {
        let line = self.next_line()?.ok_or_else(|| BackupError::Format("no end line".into()))?;
        let end: End = serde_json::from_str(&line).map_err(|_| BackupError::Format("more rows than the manifest lists".into()))?;
        if !end.end || end.rows != total {
            return Err(BackupError::Format(format!("the end line counts {} rows, the file holds {total}", end.rows)));
        }
        if self.next_line()?.is_some() {
            return Err(BackupError::Format("lines after the end line".into()));
        }
        Ok(())
    }
}

/// Reads and authenticates a whole backup file and checks every row
/// against its manifest, without touching any database.
pub fn inspect_backup(path: &Path, passphrase: &[u8]) -> Result<BackupSummary, BackupError> {
    let (mut lines, manifest) = Lines::open(path, passphrase)?;
    let mut total = 0u64;
    for table in &manifest.tables {
        for number in 0..table.rows {
            lines.row(table, number)?;
        }
        total += table.rows;
    }
    lines.end(total)?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(summary_of(&manifest, bytes))
}

/// Restores the backup at `path` into the empty database at `target`: see
/// the module documentation. On failure the target is left as found (every
/// table this call created is dropped).
pub async fn restore_backup(path: &Path, passphrase: &[u8], target: &DatabaseUrl, keys: RestoreKeys) -> Result<RestoreReport, BackupError> {
    let summary = inspect_backup(path, passphrase)?;
    let known = db::latest_migration();
    if summary.schema_version > known {
        return Err(BackupError::NewerSchema { backup: summary.schema_version, known });
    }
    let (pool, backend) = db::connect_unmigrated(target, db::Checkpoints::Automatic).await?;
    let before = {
        let mut conn = pool.acquire().await?;
        let tables = existing_tables(&mut conn, backend).await?;
        if !tables.is_empty() {
            drop(conn);
            pool.close().await;
            return Err(BackupError::TargetNotEmpty(format!(
                "an empty database to restore into; {target} already holds {} table(s), e.g. `{}`",
                tables.len(),
                tables.first().map(String::as_str).unwrap_or_default()
            )));
        }
        existing_functions(&mut conn, backend).await?
    };
    let result = restore_into(&pool, backend, path, passphrase, target, keys, summary).await;
    if result.is_err()
        && let Err(undo) = drop_created(&pool, backend, &before).await
    {
        eprintln!("warning: the failed restore's tables could not all be dropped: {undo}");
    }
    pool.close().await;
    result
}

async fn restore_into(
    pool: &AnyPool,
    backend: Backend,
    path: &Path,
    passphrase: &[u8],
    target: &DatabaseUrl,
    keys: RestoreKeys,
    summary: BackupSummary,
) -> Result<RestoreReport, BackupError> {
    db::migrator_up_to(backend, summary.schema_version).run(pool).await.map_err(StoreError::from)?;
    let (mut lines, manifest) = Lines::open(path, passphrase)?;
    let mut tx = pool.begin_with(begin_write(backend)).await?;
    {
        let conn: &mut AnyConnection = &mut tx;
        let schema = schema::tables(conn, backend).await?;
        compare_schema(&manifest, &schema)?;
        let mut total = 0u64;
        for table in &manifest.tables {
            insert_table(conn, backend, &mut lines, table).await?;
            total += table.rows;
        }
        lines.end(total)?;
    }
    tx.commit().await?;

    let RestoreKeys { keys, audit_key, previous_witness } = keys;
    let verifying = audit_key.verifying_key();
    let mut store = Store::open(target, keys).await?;
    let outcome = async {
        store.enable_audit(audit_key, None).await?;
        let check = store.check().await?;
        if !check.is_sound() {
            return Err(BackupError::CheckFailed(format!(
                "integrity {:?}, {} stray data keys, {} undecryptable records",
                check.integrity, check.stray_data_keys, check.undecryptable_records
            )));
        }
        let verification = store.verify_audit(&verifying, None).await?;
        if let Some(problem) = verification.problem {
            return Err(BackupError::AuditFailed(problem.to_string()));
        }
        let mut event = AuditEvent::new(AuditKind::VaultRestored, None).with_all(summary.details());
        if let Some(w) = &previous_witness {
            event = event.with_all([
                Detail::PreviousWitnessSize(w.head.size),
                Detail::EntriesAfterBackupDropped(w.head.size.saturating_sub(verification.size)),
            ]);
        }
        store.append_audit(vec![event]).await?;
        let head = store.tree_head().await?;
        Ok(RestoreReport { backup: summary, check, audit_verified: verification.size, head })
    }
    .await;
    store.close().await;
    outcome
}

fn compare_schema(manifest: &Manifest, schema: &[Table]) -> Result<(), BackupError> {
    let listed: std::collections::BTreeSet<&str> = manifest.tables.iter().map(|t| t.name.as_str()).collect();
    let present: std::collections::BTreeSet<&str> = schema.iter().map(|t| t.name.as_str()).collect();
    if listed != present {
        return Err(BackupError::Schema(format!(
            "the backup's tables {listed:?} are not the tables of schema version {} {present:?}",
            manifest.schema_version
        )));
    }
    for table in &manifest.tables {
        let mut theirs = table.columns.clone();
        let mut ours = schema.iter().find(|t| t.name == table.name).map(|t| t.columns.clone()).unwrap_or_default();
        theirs.sort_by(|a, b| a.name.cmp(&b.name));
        ours.sort_by(|a, b| a.name.cmp(&b.name));
        if theirs != ours {
            return Err(BackupError::Schema(format!("table `{}` has other columns than this build's", table.name)));
        }
    }
    Ok(())
}

async fn insert_table(conn: &mut AnyConnection, backend: Backend, lines: &mut Lines, table: &TableManifest) -> Result<(), BackupError> {
    let columns: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
    let head = format!("INSERT INTO {} ({}) VALUES ", quote(&table.name), columns.join(", "));
    let per_statement = (PARAMS_PER_INSERT / table.columns.len().max(1)).max(1);
    let mut number = 0u64;
    while number < table.rows {
        let take = usize::try_from((table.rows - number).min(per_statement as u64)).unwrap_or(1);
        let mut batch = Vec::with_capacity(take);
        for _ in 0..take {
            batch.push(lines.row(table, number)?);
            number += 1;
        }
        let sql = multi_row_insert(backend, &head, table.columns.len(), batch.len());
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for cell in batch.into_iter().flatten() {
            query = match cell {
                Cell::Null(ColumnType::Integer) => query.bind(Option::<i64>::None),
                Cell::Null(ColumnType::Real) => query.bind(Option::<f64>::None),
                Cell::Null(ColumnType::Text) => query.bind(Option::<String>::None),
                Cell::Null(ColumnType::Blob) => query.bind(Option::<Vec<u8>>::None),
                Cell::Integer(v) => query.bind(v),
                Cell::Real(v) => query.bind(v),
                Cell::Text(v) => query.bind(v),
                Cell::Blob(v) => query.bind(v),
            };
        }
        query.execute(&mut *conn).await.map_err(|e| BackupError::Format(format!("table `{}`: {e}", table.name)))?;
    }
    Ok(())
}

async fn existing_tables(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<String>, BackupError> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY table_name"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(|r| r.try_get::<String, _>("name")).collect::<Result<_, _>>()?)
}

/// Functions in the target schema (PostgreSQL's triggers call functions a
/// migration creates; a failed restore drops the ones it made).
async fn existing_functions(conn: &mut AnyConnection, backend: Backend) -> Result<Vec<String>, BackupError> {
    match backend {
        Backend::Sqlite => Ok(Vec::new()),
        Backend::Postgres => {
            let rows = sqlx::query(
                "SELECT p.proname::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE n.nspname = current_schema()",
            )
            .fetch_all(&mut *conn)
            .await?;
            Ok(rows.iter().map(|r| r.try_get::<String, _>("name")).collect::<Result<_, _>>()?)
        }
    }
}

/// Drops every table (and, on PostgreSQL, every function not in `before`)
/// that a failed restore created, children first.
async fn drop_created(pool: &AnyPool, backend: Backend, before: &[String]) -> Result<(), BackupError> {
    let mut conn = pool.acquire().await?;
    let mut tables: Vec<String> = schema::tables(&mut conn, backend).await.map(|t| t.into_iter().map(|t| t.name).collect())?;
    tables.reverse();
    tables.push(MIGRATIONS_TABLE.to_string());
    let cascade = if backend == Backend::Postgres { " CASCADE" } else { "" };
    for table in tables {
        sqlx::query(AssertSqlSafe(format!("DROP TABLE IF EXISTS {}{cascade}", quote(&table)))).execute(&mut *conn).await?;
    }
    for function in existing_functions(&mut conn, backend).await? {
        if !before.contains(&function) {
            sqlx::query(AssertSqlSafe(format!("DROP FUNCTION IF EXISTS {} CASCADE", quote(&function)))).execute(&mut *conn).await?;
        }
    }
    Ok(())
}
