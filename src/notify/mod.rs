//! Rollout notifications: the `notify:` webhooks told about the deploy engine's typed rollout
//! events ([`crate::deploy::RolloutEvent`]), delivered so that no receiver can slow a rollout
//! down or change its outcome.
//!
//! Each webhook has its own background thread and a bounded queue ([`QUEUE`] events): handing it
//! an event never blocks (a full queue drops the event and counts it), the thread sends the
//! events in order, one request at a time, each within the webhook's `timeout`, retrying a 5xx or
//! a connection error with backoff and never a 4xx ([`webhook`]). At the end of the command,
//! [`Notifier::finish`] waits for what is still queued at most the longest `timeout` of the
//! webhooks, then reports per webhook what was not delivered, for the command to show as a
//! warning: delivery never changes an exit code. The payloads are in [`payload`].
//!
//! Like every engine, it prints nothing and reads no environment: the command resolves the
//! webhooks (their URLs and headers are secret references) from the run's `EnvSnapshot`. A
//! webhook's URL is never shown; [`Webhook::shown`] (`notify[0] (https://hooks.slack.com)`) is.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::notify::RolloutEventKind;
use crate::deploy::RolloutEvent;

pub mod payload;
pub mod webhook;

pub use webhook::{Webhook, WebhookError};

/// How many events wait for one webhook before more are dropped.
pub const QUEUE: usize = 64;

/// What one webhook's thread counts.
#[derive(Debug, Default)]
struct Stats {
    queued: usize,
    delivered: usize,
    /// Requests tried again (5xx, connection errors).
    retried: u32,
    failed: Vec<(RolloutEventKind, String)>,
    dropped: usize,
}

/// One queued notification: its event kind (for the report) and its body.
type Job = (RolloutEventKind, Vec<u8>);

struct Worker {
    hook: Webhook,
    tx: Mutex<Option<SyncSender<Job>>>,
    stats: Arc<Mutex<Stats>>,
}

/// The webhooks of one command, each with its delivery thread.
pub struct Notifier {
    workers: Vec<Worker>,
    done: Mutex<Receiver<()>>,
}

/// How delivery went for one webhook, once [`Notifier::finish`] returned.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveryReport {
    /// The webhook as it may be shown (never its URL).
    pub webhook: String,
    /// Events handed to it (after its `events:` filter).
    pub events: usize,
    pub delivered: usize,
    pub retried: u32,
    /// Events that failed (4xx, or every retry failed), with why.
    pub failed: Vec<(RolloutEventKind, String)>,
    /// Events dropped because its queue was full.
    pub dropped: usize,
    /// Events still queued or in flight when the grace time ran out.
    pub pending: usize,
}

impl DeliveryReport {
    /// Events not delivered.
    pub fn undelivered(&self) -> usize {
        self.failed.len() + self.dropped + self.pending
    }

    /// `notify[0] (http://127.0.0.1:4000): 2 of 7 notifications not delivered: started: HTTP 404
    /// Not Found (not retried); 1 still pending after the grace time`, or `None` when all were.
    pub fn warning(&self) -> Option<String> {
        let n = self.undelivered();
        if n == 0 {
            return None;
        }
        let mut why: Vec<String> = self
            .failed
            .iter()
            .map(|(k, r)| format!("{}: {r}", k.as_str()))
            .collect();
        if self.dropped > 0 {
            why.push(format!("{} dropped (queue full)", self.dropped));
        }
        if self.pending > 0 {
            why.push(format!(
                "{} still pending when the grace time ran out",
                self.pending
            ));
        }
        Some(format!(
            "{}: {n} of {} notification(s) not delivered: {}",
            self.webhook,
            self.events,
            why.join("; ")
        ))
    }
}

impl Notifier {
    /// Start one delivery thread per webhook.
    pub fn start(hooks: Vec<Webhook>) -> Notifier {
        let (done_tx, done_rx) = mpsc::channel();
        let workers = hooks
            .into_iter()
            .map(|hook| {
                let (tx, rx) = mpsc::sync_channel(QUEUE);
                let stats = Arc::new(Mutex::new(Stats::default()));
                let thread_hook = hook.clone();
                let thread_stats = stats.clone();
                let done = done_tx.clone();
                std::thread::Builder::new()
                    .name("tug-notify".into())
                    .spawn(move || {
                        deliver_all(&thread_hook, rx, &thread_stats);
                        let _ = done.send(());
                    })
                    .expect("a notification thread starts");
                Worker {
                    hook,
                    tx: Mutex::new(Some(tx)),
                    stats,
                }
            })
            .collect();
        Notifier {
            workers,
            done: Mutex::new(done_rx),
        }
    }

    /// Whether there is any webhook at all.
    pub fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }

    /// Hand `event` to every webhook that wants it; never blocks.
    pub fn send(&self, event: &RolloutEvent) {
        for w in &self.workers {
            if !w.hook.wants(event.kind) {
                continue;
            }
            let body = serde_json::to_vec(&payload::body(w.hook.format, event))
                .expect("a payload serializes");
            let tx = w.tx.lock().unwrap_or_else(|e| e.into_inner());
            let Some(tx) = tx.as_ref() else {
                continue; // finished: too late
            };
            let mut stats = w.stats.lock().unwrap_or_else(|e| e.into_inner());
            stats.queued += 1;
            match tx.try_send((event.kind, body)) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => stats.dropped += 1,
                Err(TrySendError::Disconnected(_)) => stats
                    .failed
                    .push((event.kind, "its delivery thread stopped".into())),
            }
        }
    }

    /// The time [`Self::finish`] waits at most: the longest `timeout` of the webhooks.
    pub fn grace(&self) -> Duration {
        self.workers
            .iter()
            .map(|w| w.hook.timeout)
            .max()
            .unwrap_or_default()
    }

    /// Stop taking events, wait at most [`Self::grace`] for the queued ones, and report each
    /// webhook's delivery. Threads still busy after that are left behind (the process exits).
    pub fn finish(&self) -> Vec<DeliveryReport> {
        for w in &self.workers {
            w.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
        }
        let deadline = Instant::now() + self.grace();
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        let mut finished = 0;
        while finished < self.workers.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if done.recv_timeout(left).is_err() {
                break;
            }
            finished += 1;
        }
        self.workers
            .iter()
            .map(|w| {
                let s = w.stats.lock().unwrap_or_else(|e| e.into_inner());
                let pending = s
                    .queued
                    .saturating_sub(s.delivered + s.failed.len() + s.dropped);
                DeliveryReport {
                    webhook: w.hook.shown.clone(),
                    events: s.queued,
                    delivered: s.delivered,
                    retried: s.retried,
                    failed: s.failed.clone(),
                    dropped: s.dropped,
                    pending,
                }
            })
            .collect()
    }
}

/// A webhook's thread: deliver each queued body in order until the queue is closed.
fn deliver_all(hook: &Webhook, rx: Receiver<(RolloutEventKind, Vec<u8>)>, stats: &Mutex<Stats>) {
    let setup = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))
        .and_then(|rt| {
            reqwest::Client::builder()
                .user_agent(concat!("tug/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(hook.timeout)
                .build()
                .map(|c| (rt, c))
                .map_err(|e| format!("cannot build the HTTP client: {e}"))
        });
    for (kind, body) in rx {
        let result = match &setup {
            Ok((rt, client)) => rt.block_on(hook.deliver(client, &body)),
            Err(e) => Err(e.clone()),
        };
        let mut s = stats.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(tries) => {
                s.delivered += 1;
                s.retried += tries - 1;
                tracing::debug!(webhook = %hook.shown, event = kind.as_str(), tries, "notification delivered");
            }
            Err(why) => {
                tracing::debug!(webhook = %hook.shown, event = kind.as_str(), %why, "notification not delivered");
                s.failed.push((kind, why));
            }
        }
    }
}
