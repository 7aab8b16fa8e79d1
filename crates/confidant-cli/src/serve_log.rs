//! Where `confidant serve` writes its log lines: a thread of its own that
//! takes them through a channel and writes them to standard error in
//! batches, one write for as many lines as have arrived, flushed whenever
//! none is waiting.
//!
//! Why: standard error is unbuffered, so writing there straight from the
//! request's task cost one `write(2)` per request on an async worker (under
//! `wrk`, about half of the request log's time and a tenth of a `/healthz`
//! request's). Nothing is dropped: when the thread falls 64k lines behind,
//! a request waits for room, as it waited for the write before. The
//! [`Flushing`] guard that [`start`] returns waits, when dropped, until every
//! line sent before it is written, so the last lines of a run are not lost
//! when the process exits.

use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::time::Duration;

/// Lines waiting for the thread before a writer waits for room.
const BACKLOG: usize = 64 * 1024;

/// How long dropping [`Flushing`] waits for the thread at most.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

enum Message {
    /// Bytes of one or more formatted lines.
    Line(Vec<u8>),
    /// Write everything received so far, then answer.
    Flush(SyncSender<()>),
}

/// Hands formatted lines to the log thread (a `tracing_subscriber` writer).
#[derive(Clone)]
pub struct LogSink {
    sender: SyncSender<Message>,
}

/// Waits, when dropped, for the lines sent before to be written.
pub struct Flushing {
    sender: SyncSender<Message>,
}

/// Starts the log thread over `out`; `None` when the thread could not be
/// started (then the caller writes to standard error directly).
pub fn start(out: impl Write + Send + 'static) -> Option<(LogSink, Flushing)> {
    let (sender, receiver) = sync_channel(BACKLOG);
    std::thread::Builder::new().name("confidant-log".to_string()).spawn(move || drain(&receiver, out)).ok()?;
    Some((LogSink { sender: sender.clone() }, Flushing { sender }))
}

/// Writes what arrives: waits for a line, takes every other one already
/// waiting, then flushes, so a burst of requests costs one write.
fn drain(receiver: &Receiver<Message>, out: impl Write) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let mut next = receiver.recv();
    while let Ok(message) = next {
        let mut acks = Vec::new();
        let mut message = Some(message);
        while let Some(m) = message.take() {
            match m {
                Message::Line(bytes) => {
                    // A log that cannot be written has nowhere to report it.
                    let _ = out.write_all(&bytes);
                }
                Message::Flush(ack) => acks.push(ack),
            }
            message = match receiver.try_recv() {
                Ok(m) => Some(m),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => None,
            };
        }
        let _ = out.flush();
        for ack in acks {
            let _ = ack.send(());
        }
        next = receiver.recv();
    }
    let _ = out.flush();
}

impl Drop for Flushing {
    fn drop(&mut self) {
        let (ack, done) = sync_channel(1);
        if self.sender.send(Message::Flush(ack)).is_ok() {
            // Past the wait (or with the thread gone) the process exits anyway.
            let _ = done.recv_timeout(FLUSH_WAIT);
        }
    }
}

/// One event's writer: each write is sent to the thread as it comes (the
/// subscriber formats an event whole, then writes it once).
pub struct LineWriter<'a> {
    sink: &'a LogSink,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sink.sender.send(Message::Line(buf.to_vec())).map_err(|_| std::io::Error::other("the log thread has stopped"))?;
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
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
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
        let out = Shared::default();
        let (sink, flushing) = start(out.clone()).expect("the log thread starts");
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let sink = sink.clone();
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
