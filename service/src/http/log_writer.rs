//! Group commit of disclosure records.
//!
//! Each decision's record goes to one writer thread over a channel; the
//! thread takes every record waiting at that moment (up to a bound) and
//! appends them in one storage transaction — one fsync (SQLite) or one WAL
//! flush (PostgreSQL) for the lot — then answers each decision with its
//! sequence number. A lone decision is written at once; under load the
//! transactions grow by themselves. A decision is answered only after its
//! record is durable. Nodes sharing a PostgreSQL database each run their
//! own writer; their groups take turns at the log's lock
//! (`storage::PgStorage`), so each group is one turn whatever its size.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::metrics::Metrics;
use crate::disclosure_log::DisclosureLog;
use crate::storage::Storage;
use zkcred_translog::DisclosureEvent;

/// Most records in one transaction.
const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<u64, crate::Error>>;

/// The writer; see the module documentation.
pub struct LogWriter {
    tx: Mutex<Option<Sender<(DisclosureEvent, Reply)>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for LogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogWriter").finish_non_exhaustive()
    }
}

/// The writer has stopped.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the disclosure log writer has stopped")]
pub struct WriterStopped;

impl LogWriter {
    /// Starts the writer thread over `log`.
    pub fn start<S: Storage + ?Sized + 'static>(
        log: Arc<DisclosureLog<S>>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("zkcred-log-writer".into())
            .spawn(move || run(&log, &rx, &metrics))
            .expect("spawning the log writer");
        LogWriter {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        }
    }

    /// Appends `event`; returns its sequence number once it is durable.
    pub async fn append(
        &self,
        event: DisclosureEvent,
    ) -> Result<Result<u64, crate::Error>, WriterStopped> {
        let (reply, answer) = oneshot::channel();
        {
            let tx = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
            tx.as_ref()
                .ok_or(WriterStopped)?
                .send((event, reply))
                .map_err(|_| WriterStopped)?;
        }
        answer.await.map_err(|_| WriterStopped)
    }

    /// Writes what is queued, then stops the thread.
    pub fn shutdown(&self) {
        self.tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(t) = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = t.join();
        }
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run<S: Storage + ?Sized>(
    log: &DisclosureLog<S>,
    rx: &Receiver<(DisclosureEvent, Reply)>,
    metrics: &Metrics,
) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let (events, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        match log.append(&events) {
            Ok(range) => {
                metrics.log_appended(events.len());
                for (seq, reply) in range.zip(replies) {
                    let _ = reply.send(Ok(seq));
                }
            }
            Err(e) if events.len() > 1 => {
                // One bad record must not sink the others: retry singly.
                tracing::warn!(error = %e, "group append failed; appending one by one");
                for (event, reply) in events.iter().zip(replies) {
                    let r = log.append(std::slice::from_ref(event)).map(|r| r.start);
                    if r.is_ok() {
                        metrics.log_appended(1);
                    }
                    let _ = reply.send(r);
                }
            }
            Err(e) => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
        }
    }
}
