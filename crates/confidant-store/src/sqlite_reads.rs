//! SQLite's hot reads through rusqlite: a client's records, the accounting's
//! entries and the rows `audit verify` streams.
//!
//! Why: sqlx's SQLite driver runs each connection on a worker thread of its
//! own and hands every row from that thread to the caller over a channel,
//! a few microseconds a row whatever the row holds; rusqlite steps the
//! statement in the thread that asked and decodes columns in place. Each
//! call here runs on tokio's blocking pool, so an async worker never waits
//! on the file. Writes stay on sqlx (one code path for both backends, and
//! a change commits with its audit entry in one transaction); these
//! connections are `query_only`.
//!
//! Only one crate may link sqlite3: rusqlite 0.39 depends on the same
//! `libsqlite3-sys` (0.37) as sqlx-sqlite 0.9, so both drivers share one
//! SQLite library (`cargo tree -i libsqlite3-sys` shows one version).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::db::{BUSY_TIMEOUT_MS, MMAP_BYTES};
use crate::error::StoreError;

/// Idle connections kept for the next read.
const IDLE: usize = 4;

/// Read connections to one SQLite file, opened on first use and kept.
#[derive(Clone)]
pub(crate) struct SqliteReads {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteReads").finish_non_exhaustive()
    }
}

/// Opens a read connection with the vault's settings: the busy timeout,
/// reads through a memory map of `mmap_bytes` (0: none), statements in
/// memory, and `query_only`, so nothing done through it can write.
pub(crate) fn open_read_connection(path: &Path, mmap_bytes: u64) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))?;
    conn.pragma_update(None, "mmap_size", i64::try_from(mmap_bytes).unwrap_or(i64::MAX))?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

impl SqliteReads {
    /// Reads of the SQLite file at `path` (which [`crate::db::connect`]
    /// has created and migrated).
    pub(crate) fn new(path: PathBuf) -> SqliteReads {
        SqliteReads { inner: Arc::new(Inner { path, idle: Mutex::new(Vec::new()) }) }
    }

    /// The file read.
    pub(crate) fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `read` on a kept connection, on the blocking pool, inside one
    /// deferred transaction: everything it reads comes from one snapshot
    /// (WAL), while writers go on.
    pub(crate) async fn read<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let kept = inner.idle.lock().ok().and_then(|mut idle| idle.pop());
            let conn = match kept {
                Some(conn) => conn,
                None => open_read_connection(&inner.path, MMAP_BYTES)?,
            };
            let result = in_snapshot(&conn, read);
            // A connection whose read failed is closed rather than kept.
            if result.is_ok()
                && let Ok(mut idle) = inner.idle.lock()
                && idle.len() < IDLE
            {
                idle.push(conn);
            }
            result
        })
        .await
        .map_err(StoreError::ReadTask)?
    }

    /// Closes the kept connections.
    pub(crate) fn close(&self) {
        if let Ok(mut idle) = self.inner.idle.lock() {
            idle.clear();
        }
    }
}

/// `read` inside one deferred transaction on `conn`.
fn in_snapshot<T>(conn: &Connection, read: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let out = read(conn)?;
    tx.commit()?;
    Ok(out)
}

/// A text column, refusing anything else (as sqlx's decoding does).
pub(crate) fn text<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<&'r str, rusqlite::Error> {
    let bytes = row.get_ref(column)?.as_str()?;
    Ok(bytes)
}

/// An integer column, refusing anything else.
pub(crate) fn integer(row: &rusqlite::Row<'_>, column: usize) -> Result<i64, rusqlite::Error> {
    Ok(row.get_ref(column)?.as_i64()?)
}

/// A nullable text column.
pub(crate) fn text_or_null<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<Option<&'r str>, rusqlite::Error> {
    Ok(row.get_ref(column)?.as_str_or_null()?)
}

/// A blob column, refusing anything else.
pub(crate) fn blob<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<&'r [u8], rusqlite::Error> {
    Ok(row.get_ref(column)?.as_blob()?)
}

/// A nullable blob column.
pub(crate) fn blob_or_null<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> Result<Option<&'r [u8]>, rusqlite::Error> {
    Ok(row.get_ref(column)?.as_blob_or_null()?)
}
