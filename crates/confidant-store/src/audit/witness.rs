//! The witness file written off the async workers. A server asks for it
//! ([`Store::write_witness_in_background`]): every commit then hands its
//! signed head to one thread of the store's own and returns; the thread
//! writes the largest head it has been given (two fsyncs: the file and its
//! directory), so heads that arrive while it writes are coalesced into one
//! write. It also writes at most once per [`MIN_INTERVAL`]: a busy server
//! commits hundreds of small groups a second, and a witness write per group
//! (two fsyncs, five file opens) cost a tenth of the server's CPU in the
//! mixed load test and competed with the commits for the disk; the file
//! lags the database by at most that interval plus one write (it already
//! lagged by one write). [`Store::flush_witness`] waits until the latest
//! head is on disk, without waiting out the interval; dropping the store
//! does too. Without it (the CLI, tests) the head is written before the
//! append returns, as before.
//!
//! Processes that share a data directory (two servers on one host) take an
//! exclusive lock on `<witness>.lock` around each read-compare-write
//! ([`super::write_witness`]), so the file only ever grows and no process
//! renames another's half-written temporary file into place.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use confidant_audit::SignedTreeHead;

use crate::error::StoreError;
use crate::vault::Store;

/// What the witness thread has to do.
#[derive(Default)]
struct Pending {
    /// The largest head not yet written.
    head: Option<SignedTreeHead>,
    /// A write is under way.
    writing: bool,
    /// The store is going away: write what is pending, then end.
    stop: bool,
    /// Someone waits for the pending head: write it without waiting out
    /// the interval.
    flushing: bool,
}

/// The shortest time between the starts of two witness writes.
const MIN_INTERVAL: Duration = Duration::from_millis(50);

/// The witness thread and what it is given.
pub(crate) struct Background {
    shared: Arc<(Mutex<Pending>, Condvar)>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Background {
    fn start(path: PathBuf) -> Result<Background, StoreError> {
        let shared = Arc::new((Mutex::new(Pending::default()), Condvar::new()));
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name("audit-witness".into())
            .spawn(move || run(&path, &theirs))
            .map_err(|e| StoreError::invalid("witness", format!("a thread to write the witness file ({e})")))?;
        Ok(Background { shared, thread: Mutex::new(Some(thread)) })
    }

    /// Hands over a committed head; returns at once.
    pub(crate) fn record(&self, head: &SignedTreeHead) {
        let (lock, wake) = &*self.shared;
        let mut pending = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.head.as_ref().is_none_or(|p| p.head.size < head.head.size) {
            pending.head = Some(head.clone());
        }
        wake.notify_all();
    }

    /// Waits until every head handed over is written (or failed to be).
    fn flush(&self) {
        let (lock, wake) = &*self.shared;
        let mut pending = lock.lock().unwrap_or_else(PoisonError::into_inner);
        while pending.head.is_some() || pending.writing {
            pending.flushing = true;
            wake.notify_all();
            pending = wake.wait(pending).unwrap_or_else(PoisonError::into_inner);
        }
        pending.flushing = false;
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        {
            let (lock, wake) = &*self.shared;
            lock.lock().unwrap_or_else(PoisonError::into_inner).stop = true;
            wake.notify_all();
        }
        if let Some(thread) = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = thread.join();
        }
    }
}

/// The thread: write the latest head, again and again, until stopped with
/// nothing left to write.
fn run(path: &std::path::Path, shared: &(Mutex<Pending>, Condvar)) {
    let (lock, wake) = shared;
    let mut last_write: Option<Instant> = None;
    loop {
        let head = {
            let mut pending = lock.lock().unwrap_or_else(PoisonError::into_inner);
            while pending.head.is_none() && !pending.stop {
                pending = wake.wait(pending).unwrap_or_else(PoisonError::into_inner);
            }
            // Heads that arrive meanwhile replace the pending one: one write
            // for all of them.
            if let Some(last) = last_write {
                let due = last + MIN_INTERVAL;
                loop {
                    let now = Instant::now();
                    if now >= due || pending.stop || pending.flushing {
                        break;
                    }
                    pending = wake.wait_timeout(pending, due - now).unwrap_or_else(PoisonError::into_inner).0;
                }
            }
            match pending.head.take() {
                Some(head) => {
                    pending.writing = true;
                    head
                }
                None => return,
            }
        };
        last_write = Some(Instant::now());
        // A failure loses no data (the head is in the database): it is
        // reported, as an inline write's is, and the next head tries again.
        if let Err(e) = super::write_witness(path, &head) {
            eprintln!("warning: audit witness not updated: {e}");
        }
        let mut pending = lock.lock().unwrap_or_else(PoisonError::into_inner);
        pending.writing = false;
        wake.notify_all();
    }
}

impl Store {
    /// From now on, write the witness file from a thread of its own after
    /// each commit instead of before the append returns (a server's audit
    /// writer must not wait for two fsyncs per group commit). Does nothing
    /// without a witness file; a second call changes nothing.
    pub fn write_witness_in_background(&self) -> Result<(), StoreError> {
        let Some(signer) = &self.audit else { return Ok(()) };
        let Some(path) = &signer.witness else { return Ok(()) };
        if signer.background.get().is_none() {
            let _ = signer.background.set(Background::start(path.clone())?);
        }
        Ok(())
    }

    /// Waits until the witness file holds the latest committed head (when
    /// it is written in the background; otherwise it already does). Blocks
    /// the calling thread: call it off the async workers or at shutdown.
    pub fn flush_witness(&self) {
        if let Some(background) = self.audit.as_ref().and_then(|s| s.background.get()) {
            background.flush();
        }
    }
}
