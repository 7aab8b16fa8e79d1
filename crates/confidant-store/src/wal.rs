//! SQLite's WAL checkpoints, off the committing connections' path.
//!
//! By default SQLite checkpoints from inside a commit: the commit that finds
//! the WAL past 1,000 pages copies the whole WAL into the database file and
//! fsyncs it before it returns (10-15 ms here, against 1-2 ms for the commit
//! itself). On a server that commit is the audit writer's group commit, so
//! every request waiting for its audit entry waited for the checkpoint too.
//!
//! A store on SQLite therefore runs this thread, with a connection of its
//! own: every [`TICK`] a `PASSIVE` checkpoint copies what has been
//! committed since the last one, beside the writers, waiting on no lock.
//! Its pools' connections checkpoint only once the WAL holds
//! [`COMMIT_CHECKPOINT_FRAMES`] frames (not SQLite's default 1,000): by
//! then the thread has copied all but the last tick's commits, so that
//! commit copies little. It is still needed: a passive checkpoint beside
//! writers that never pause never finishes, and only a WAL copied to its
//! end is started over by the next writer (tested in `tests/wal.rs`). A
//! checkpoint run by the committer, while no other commit can start, lets
//! the WAL start over and stay bounded.
//!
//! When the WAL file on disk is past [`TRUNCATE_BYTES`] (a long reader,
//! such as a backup or `audit verify`, held it while writes went on), the
//! thread runs a `TRUNCATE` checkpoint to give the space back. It waits at
//! most [`FALLBACK_WAIT`] for the writer and readers (holding the write
//! lock while it waits for readers), and one that could not finish is
//! tried again [`FALLBACK_BACKOFF`] later, not every tick.
//!
//! Durability does not change: a commit is durable once its WAL frames are
//! synced (`synchronous = FULL`), whether or not a checkpoint has copied
//! them. Dropping the handle stops the thread (after the checkpoint under
//! way, if any); closing the last connection to the file checkpoints what
//! is left, as before.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;

/// How often the passive checkpoint runs.
pub(crate) const TICK: Duration = Duration::from_millis(50);

/// WAL frames (pages) from which a commit checkpoints (SQLite's
/// `wal_autocheckpoint` on the store's connections): 16 MiB of 4 KiB pages.
pub(crate) const COMMIT_CHECKPOINT_FRAMES: i64 = 4_096;

/// Bytes of WAL file past which a `TRUNCATE` checkpoint gives space back.
pub(crate) const TRUNCATE_BYTES: u64 = 64 << 20;

/// The longest a `TRUNCATE` checkpoint waits for the writer and for
/// readers (the write lock is held while it waits for readers).
pub(crate) const FALLBACK_WAIT: Duration = Duration::from_millis(20);

/// How long after a `TRUNCATE` that the writer or readers kept from
/// finishing the next one is tried.
pub(crate) const FALLBACK_BACKOFF: Duration = Duration::from_secs(1);

/// The checkpoint thread of one SQLite file; dropping it stops the thread.
pub(crate) struct WalCheckpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for WalCheckpointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalCheckpointer").finish_non_exhaustive()
    }
}

impl WalCheckpointer {
    /// Starts checkpointing the SQLite file at `path` (its pools are opened
    /// with `wal_autocheckpoint` at [`COMMIT_CHECKPOINT_FRAMES`]).
    pub(crate) fn start(path: PathBuf) -> Result<WalCheckpointer, StoreError> {
        let conn = open_checkpoint_connection(&path)?;
        let (stop, stopped) = channel();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&conn, &path, &stopped))
            .map_err(|e| StoreError::invalid("wal", format!("a thread to checkpoint the SQLite WAL ({e})")))?;
        Ok(WalCheckpointer { stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for WalCheckpointer {
    fn drop(&mut self) {
        // Dropping the sender wakes the thread at once.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The checkpointer's connection: read-write (a checkpoint writes the
/// database file), with a busy timeout of [`FALLBACK_WAIT`] bounding how
/// long a `TRUNCATE` checkpoint waits for readers and the writer (a
/// `PASSIVE` one never waits).
fn open_checkpoint_connection(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(FALLBACK_WAIT)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(conn)
}

/// The thread: a checkpoint every tick until the handle is dropped.
fn run(conn: &Connection, path: &Path, stopped: &Receiver<()>) {
    let wal = wal_path(path);
    let mut reported = false;
    let mut fallback_from = Instant::now();
    loop {
        match stopped.recv_timeout(TICK) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        match checkpoint(conn, &wal, Instant::now() >= fallback_from) {
            Ok(ran) => {
                reported = false;
                if ran.fallback_busy {
                    fallback_from = Instant::now() + FALLBACK_BACKOFF;
                }
            }
            // A failed checkpoint loses nothing (the WAL keeps the commits);
            // said once until one succeeds again.
            Err(e) if !reported => {
                eprintln!("warning: SQLite WAL checkpoint failed (will retry): {e}");
                reported = true;
            }
            Err(_) => {}
        }
    }
}

/// What one tick did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ran {
    /// A `TRUNCATE` checkpoint ran after the passive one.
    pub(crate) truncated: bool,
    /// That `TRUNCATE` could not finish (the writer or a reader held on).
    pub(crate) fallback_busy: bool,
}

/// One tick's work on `conn`, whose WAL file is `wal`: a passive
/// checkpoint, then, when `fallback` allows and the WAL file is large, a
/// `TRUNCATE` one.
pub(crate) fn checkpoint(conn: &Connection, wal: &Path, fallback: bool) -> Result<Ran, rusqlite::Error> {
    run_checkpoint(conn, "PASSIVE")?;
    if !fallback || std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0) <= TRUNCATE_BYTES {
        return Ok(Ran { truncated: false, fallback_busy: false });
    }
    let (busy, _, _) = run_checkpoint(conn, "TRUNCATE")?;
    Ok(Ran { truncated: true, fallback_busy: busy != 0 })
}

/// `PRAGMA wal_checkpoint(mode)`: (busy, frames in the WAL, frames copied).
/// A checkpoint that could not finish (busy) is not an error: the next
/// tick goes on from where it stopped.
fn run_checkpoint(conn: &Connection, mode: &str) -> Result<(i64, i64, i64), rusqlite::Error> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
}

/// The WAL file beside the database at `path`.
pub(crate) fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}
