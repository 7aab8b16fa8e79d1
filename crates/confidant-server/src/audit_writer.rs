//! Group commit for the audit log. Handlers hand their events to one writer
//! task and wait until they are durable; the writer appends everything that
//! queued up meanwhile in one transaction (one signed head, one fsync), so
//! many concurrent requests cost one commit instead of one each. Dropping
//! the last sender lets the task drain the queue and stop: that is how
//! graceful shutdown flushes the log.
//!
//! The writer runs on a thread of its own (a blocking-pool thread driving
//! its loop with the runtime's handle), not as a task on the async workers:
//! as a task, every finished commit had to wait in a busy worker's queue
//! behind the requests before it could answer its callers and start the
//! next group, while the disk sat idle. On its own thread it is woken as
//! soon as a commit ends or an event arrives.

use std::sync::Arc;

use confidant_store::{AuditEvent, Store};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::problem::Problem;

// The batch's one failure is every caller's: shared, with its cause.
type Reply = oneshot::Sender<Result<Vec<u64>, std::sync::Arc<confidant_store::StoreError>>>;

/// Most events appended in one transaction.
const MAX_BATCH: usize = 2_000;

/// The handle requests append audit events through: a queue to the one task
/// that commits them in groups (one transaction for whatever arrived
/// together), answering each caller once its events are durable.
#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::Sender<(Vec<AuditEvent>, Reply)>,
}

impl AuditWriter {
    /// Starts the writer task on `store`.
    pub fn start(store: Arc<Store>) -> (AuditWriter, JoinHandle<()>) {
        let (queue, mut inbox) = mpsc::channel::<(Vec<AuditEvent>, Reply)>(4_096);
        let runtime = tokio::runtime::Handle::current();
        let task = tokio::task::spawn_blocking(move || {
            runtime.block_on(async move {
                while let Some(first) = inbox.recv().await {
                    let mut batch = vec![first];
                    let mut count = batch.iter().map(|(e, _)| e.len()).sum::<usize>();
                    while count < MAX_BATCH {
                        match inbox.try_recv() {
                            Ok(next) => {
                                count += next.0.len();
                                batch.push(next);
                            }
                            Err(_) => break,
                        }
                    }
                    // The events are moved into the append, not copied: each
                    // caller only needs to know how many were theirs.
                    let mut events: Vec<AuditEvent> = Vec::with_capacity(count);
                    let mut replies = Vec::with_capacity(batch.len());
                    for (mut theirs, reply) in batch {
                        replies.push((theirs.len(), reply));
                        events.append(&mut theirs);
                    }
                    match store.append_audit(events).await {
                        Ok(seqs) => {
                            let mut seqs = seqs.into_iter();
                            for (count, reply) in replies {
                                let mine: Vec<u64> = seqs.by_ref().take(count).collect();
                                let _ = reply.send(Ok(mine));
                            }
                        }
                        Err(e) => {
                            let message = std::sync::Arc::new(e);
                            for (_, reply) in replies {
                                let _ = reply.send(Err(message.clone()));
                            }
                        }
                    }
                }
            })
        });
        (AuditWriter { queue }, task)
    }

    /// Appends `events` and returns once they are committed.
    pub async fn record(&self, events: Vec<AuditEvent>) -> Result<Vec<u64>, Problem> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((events, reply)).await.map_err(|_| Problem::internal(&"the audit writer has stopped"))?;
        match answer.await {
            Ok(Ok(seqs)) => Ok(seqs),
            Ok(Err(cause)) => Err(Problem::internal(&cause)),
            Err(_) => Err(Problem::internal(&"the audit writer dropped a request")),
        }
    }

    /// Whether the writer task still takes events.
    pub fn is_running(&self) -> bool {
        !self.queue.is_closed()
    }

    /// Appends one event.
    pub async fn one(&self, event: AuditEvent) -> Result<u64, Problem> {
        self.record(vec![event]).await?.first().copied().ok_or_else(|| Problem::internal(&"no audit sequence"))
    }
}

impl confidant_app::AuditSink for AuditWriter {
    fn record<'a>(
        &'a self,
        events: Vec<AuditEvent>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<u64>, confidant_app::AppError>> + Send + 'a>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            let stopped = || confidant_app::AppError::Store(confidant_store::StoreError::invalid("audit", "a running audit writer"));
            self.queue.send((events, reply)).await.map_err(|_| stopped())?;
            match answer.await {
                Ok(Ok(seqs)) => Ok(seqs),
                Ok(Err(cause)) => Err(confidant_app::AppError::Audit(cause)),
                Err(_) => Err(stopped()),
            }
        })
    }
}
