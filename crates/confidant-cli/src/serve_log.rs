//! Where `confidant serve` writes its log lines: into a shared buffer that
//! a thread of its own writes to standard error every few milliseconds,
//! as many lines in one write as have come.
//!
//! Why: standard error is unbuffered, so writing there straight from the
//! request's task cost one `write(2)` per request on an async worker (under
//! `wrk`, about half of the request log's time and a tenth of a `/healthz`
//! request's). Appending to the buffer takes a lock and a copy, and wakes
//! nobody. Nothing is dropped: a writer that finds more than [`LIMIT`]
//! bytes waiting writes them out itself, as it wrote every line before. The
//! [`Flushing`] guard that [`start`] returns writes what is left when
//! dropped, so the last lines of a run are not lost when the process exits.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Bytes waiting past which a writer writes them out itself.
const LIMIT: usize = 1024 * 1024;

/// How often the thread writes what has come.
const EVERY: Duration = Duration::from_millis(20);

/// The lines not yet written and where they go.
struct Shared<W> {
    pending: Mutex<Vec<u8>>,
    out: Mutex<W>,
}

impl<W: Write> Shared<W> {
    fn pending(&self) -> MutexGuard<'_, Vec<u8>> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes what is waiting (the output's lock keeps lines in order).
    fn write_out(&self) {
        let mut out = self.out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let lines = std::mem::take(&mut *self.pending());
        if !lines.is_empty() {
            // A log that cannot be written has nowhere to report it.
            let _ = out.write_all(&lines);
            let _ = out.flush();
        }
    }
}

/// Hands formatted lines to the log thread (a `tracing_subscriber` writer).
pub struct LogSink {
    shared: Arc<Shared<Box<dyn Write + Send>>>,
}

/// Writes what is left when dropped.
pub struct Flushing {
    shared: Arc<Shared<Box<dyn Write + Send>>>,
}

/// Starts the log thread over `out`; `None` when the thread could not be
/// started (then the caller writes to standard error directly).
pub fn start(out: impl Write + Send + 'static) -> Option<(LogSink, Flushing)> {
    let out: Box<dyn Write + Send> = Box::new(out);
    let shared = Arc::new(Shared { pending: Mutex::new(Vec::with_capacity(64 * 1024)), out: Mutex::new(out) });
    let weak = Arc::downgrade(&shared);
    std::thread::Builder::new()
        .name("confidant-log".to_string())
        .spawn(move || {
            while let Some(shared) = weak.upgrade() {
                shared.write_out();
                drop(shared);
                std::thread::sleep(EVERY);
            }
        })
        .ok()?;
    Some((LogSink { shared: shared.clone() }, Flushing { shared }))
}

impl Drop for Flushing {
    fn drop(&mut self) {
        self.shared.write_out();
    }
}

/// One event's writer: the subscriber formats an event whole, then writes
/// it once, so each write is appended whole.
pub struct LineWriter<'a> {
    sink: &'a LogSink,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let full = {
            let mut pending = self.sink.shared.pending();
            pending.extend_from_slice(buf);
            pending.len() > LIMIT
        };
        if full {
            self.sink.shared.write_out();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogSink {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { sink: self }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_sent_before_the_guard_drops_is_written_in_order() {
        let out = Captured::default();
        let (sink, flushing) = start(out.clone()).expect("the log thread starts");
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let sink = LogSink { shared: sink.shared.clone() };
                std::thread::spawn(move || {
                    for i in 0..1000 {
                        let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&sink);
                        w.write_all(format!("thread {t} line {i}\n").as_bytes()).expect("sent");
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("writer thread");
        }
        drop(flushing);
        let text = String::from_utf8(out.0.lock().expect("lock").clone()).expect("utf-8");
        assert_eq!(text.lines().count(), 4000);
        for t in 0..4 {
            let mine: Vec<&str> = text.lines().filter(|l| l.starts_with(&format!("thread {t} "))).collect();
            let expected: Vec<String> = (0..1000).map(|i| format!("thread {t} line {i}")).collect();
            assert_eq!(mine, expected, "thread {t}'s lines, whole and in order");
        }
    }
}
