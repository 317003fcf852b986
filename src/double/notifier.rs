//! The payment-notification machinery every double shares: a provider writes only what its
//! notification looks like ([`Notify`]); the kit owns the schedule, the attempts, the bounds.
//!
//! # API
//! - [`queue`] makes the pair a double holds: an [`Outbox`] for its synchronous side (the
//!   "pay" responder calls [`Outbox::queue`] under the state's lock and stores the [`Status`]
//!   it answers) and the inbox [`Notifier::spawn`] takes.
//! - [`Notifier::spawn`] starts one task per double with a [`Notify`] implementation and
//!   [`Settings`] (schedule, bound on pending deliveries, attempt timeout, user agent). The
//!   [`Notifier`] handle aborts the task, and every attempt in flight, when dropped.
//! - Per attempt the kit waits `schedule[job.attempt]`, asks [`Notify::build`] for the request
//!   (URL, headers, body: built when sent, so it shows the order as it is then, and may differ
//!   per attempt or per [`Job::event`]), POSTs it, reads at most 64 KiB of the answer, asks
//!   [`Notify::acknowledges`], then [`Notify::follow_up`] for what comes next (by default the
//!   next attempt of the schedule unless acknowledged; a fault may return nothing — no retry —,
//!   a retry although acknowledged, or [`Job::event`] to start a second event; [`Notify::wait`]
//!   may shorten a wait), and hands the
//!   [`Attempt`] and the order's new [`Status`] to [`Notify::record`] (the provider logs it on
//!   its order, e.g. in a [`Log`]).
//! - Bounds: at most `max_pending` deliveries are in progress (queued or being sent); one more
//!   is dropped and recorded as given up ([`Status::GaveUp`], not sent). A follow-up beyond the
//!   schedule ends the delivery.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// Attempts a [`Log`] keeps per order (the latest).
pub const LOG_LIMIT: usize = 16;
/// Characters of a receiver's answer kept in an [`Attempt`].
pub const ANSWER_LIMIT: usize = 200;
/// Bytes of a receiver's answer read at most.
const READ_LIMIT: usize = 64 * 1024;

mod delivery;

pub use delivery::{Attempt, Job, Log, Outgoing, Status};

/// What a provider's double says about its notifications; the kit does the rest.
pub trait Notify: Send + Sync + 'static {
    /// The request for `job`, or `None` when there is nothing (more) to send (the order is
    /// gone, or not paid): the delivery then ends silently.
    fn build(&self, job: &Job) -> Option<Outgoing>;

    /// Whether the receiver's answer (status, body read up to 64 KiB) acknowledges.
    fn acknowledges(&self, status: u16, body: &str) -> bool;

    /// Logs an attempt on its order, if still held; `sent` is false for a dropped delivery.
    fn record(&self, job: &Job, attempt: Attempt, status: Status, sent: bool);

    /// The jobs that follow an attempt; `more` says whether the schedule has another attempt.
    /// By default: the next attempt unless acknowledged. A fault's hook goes here.
    fn follow_up(&self, job: &Job, acknowledged: bool, more: bool) -> Vec<Job> {
        if !acknowledged && more {
            vec![job.retry()]
        } else {
            Vec::new()
        }
    }

    /// The wait before `job`, `scheduled` by the schedule. A fault's hook goes here (a retry
    /// sooner than its slot).
    fn wait(&self, job: &Job, scheduled: Duration) -> Duration {
        let _ = job;
        scheduled
    }
}

/// How a double's notifier behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The wait before each attempt (the first entry before the first one).
    pub schedule: Vec<Duration>,
    /// Deliveries in progress at most (at least 1).
    pub max_pending: usize,
    /// How long one attempt may take.
    pub attempt_timeout: Duration,
    /// The `User-Agent` of the attempts, if the provider sends one.
    pub user_agent: Option<&'static str>,
}

/// Where the synchronous side queues a paid order's first attempt.
#[derive(Debug, Clone)]
pub struct Outbox(Sender<Job>);

impl Outbox {
    /// Queues event 0 of order `id`: [`Status::Pending`], or [`Status::GaveUp`] when the queue
    /// is full or the notifier is gone.
    pub fn queue(&self, id: &str) -> Status {
        let job = Job {
            id: id.to_owned(),
            event: 0,
            attempt: 0,
        };
        match self.0.try_send(job) {
            Ok(()) => Status::Pending,
            Err(_) => Status::GaveUp,
        }
    }
}

/// What [`Notifier::spawn`] reads the queued jobs from.
#[derive(Debug)]
pub struct Inbox(Receiver<Job>);

/// The queue between a double's responders and its notifier, `capacity` jobs deep.
pub fn queue(capacity: usize) -> (Outbox, Inbox) {
    let (tx, rx) = mpsc::channel(capacity.clamp(1, 65_536));
    (Outbox(tx), Inbox(rx))
}

/// A running notifier; dropping it stops it and every attempt in flight.
#[derive(Debug)]
pub struct Notifier {
    task: JoinHandle<()>,
}

impl Notifier {
    /// Starts the notifier of a double (inside a tokio runtime).
    pub fn spawn<N: Notify>(notify: N, settings: Settings, inbox: Inbox) -> Notifier {
        let run = Run {
            notify: Arc::new(notify),
            schedule: Arc::from(settings.schedule.clone()),
            timers: BinaryHeap::new(),
            sending: JoinSet::new(),
            live: 0,
            clients: Arc::new(super::callback::Clients::new(
                settings.attempt_timeout,
                settings.user_agent,
            )),
            settings,
        };
        Notifier {
            task: tokio::spawn(run.run(inbox.0)),
        }
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Run<N> {
    notify: Arc<N>,
    settings: Settings,
    schedule: Arc<[Duration]>,
    timers: BinaryHeap<Reverse<(Instant, Job)>>,
    /// Each attempt in flight answers the jobs that follow it.
    sending: JoinSet<Vec<Job>>,
    /// Deliveries in progress: queued in `timers` or in `sending`.
    live: usize,
    /// Built on first use, per scheme (a loopback callback needs no trust roots).
    clients: Arc<super::callback::Clients>,
}

impl<N: Notify> Run<N> {
    async fn run(mut self, mut inbox: Receiver<Job>) {
        loop {
            let next = self.timers.peek().map(|Reverse((due, _))| *due);
            tokio::select! {
                job = inbox.recv() => {
                    let Some(job) = job else { return };
                    if self.live >= self.settings.max_pending.max(1) {
                        self.give_up(&job, "dropped: too many notifications pending");
                        continue;
                    }
                    self.live += 1;
                    self.plan(job);
                }
                () = sleep_until(next) => self.send_due(),
                Some(done) = self.sending.join_next(), if !self.sending.is_empty() => {
                    self.live -= 1;
                    for job in done.unwrap_or_default() {
                        self.live += 1;
                        self.plan(job);
                    }
                }
            }
        }
    }

    /// Puts `job` in the timer queue, or ends its delivery.
    fn plan(&mut self, job: Job) {
        let Some(scheduled) = self.schedule.get(job.attempt).copied() else {
            self.live -= 1;
            return;
        };
        let wait = self.notify.wait(&job, scheduled);
        match Instant::now().checked_add(wait) {
            Some(due) => self.timers.push(Reverse((due, job))),
            None => {
                self.live -= 1;
                self.give_up(&job, "dropped: the schedule's wait is too long");
            }
        }
    }

    fn send_due(&mut self) {
        while let Some(Reverse((due, _))) = self.timers.peek() {
            if *due > Instant::now() {
                break;
            }
            let Some(Reverse((_, job))) = self.timers.pop() else {
                break;
            };
            let notify = Arc::clone(&self.notify);
            let steps = self.schedule.len();
            let clients = Arc::clone(&self.clients);
            self.sending.spawn(attempt(notify, clients, job, steps));
        }
    }

    fn give_up(&self, job: &Job, why: &str) {
        let attempt = Attempt {
            attempt: job.attempt + 1,
            at_ms: now_ms(),
            status: None,
            answer: why.to_owned(),
            acknowledged: false,
        };
        self.notify.record(job, attempt, Status::GaveUp, false);
    }
}

/// Makes one attempt; answers the jobs that follow it (within the schedule's `steps`).
async fn attempt<N: Notify>(
    notify: Arc<N>,
    clients: Arc<super::callback::Clients>,
    job: Job,
    steps: usize,
) -> Vec<Job> {
    let Some(out) = notify.build(&job) else {
        return Vec::new();
    };
    let at_ms = now_ms();
    let (status, answer) = match clients.for_url(&out.url) {
        None => (None, "cannot build the http client".to_owned()),
        Some(client) => {
            let mut post = client.post(&out.url);
            for (name, value) in out.headers {
                post = post.header(name, value);
            }
            match post.body(out.body).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (Some(status), read_capped(response).await)
                }
                Err(e) => (None, format!("no answer: {e}")),
            }
        }
    };
    let acknowledged = status.is_some_and(|s| notify.acknowledges(s, &answer));
    let mut next = notify.follow_up(&job, acknowledged, job.attempt + 1 < steps);
    next.retain(|j| j.attempt < steps);
    let now = match (acknowledged, next.is_empty()) {
        (true, _) => Status::Delivered,
        (false, false) => Status::Pending,
        (false, true) => Status::GaveUp,
    };
    let logged = Attempt {
        attempt: job.attempt + 1,
        at_ms,
        status,
        answer: answer.chars().take(ANSWER_LIMIT).collect(),
        acknowledged,
    };
    notify.record(&job, logged, now, true);
    next
}

/// The start of an answer's body (at most [`READ_LIMIT`] bytes), lossily decoded.
async fn read_capped(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < READ_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    body.truncate(READ_LIMIT);
    String::from_utf8_lossy(&body).into_owned()
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

/// A schedule written in seconds (the providers publish theirs so).
pub const fn seconds<const N: usize>(secs: [u64; N]) -> [Duration; N] {
    let mut out = [Duration::ZERO; N];
    let mut i = 0;
    while i < N {
        out[i] = Duration::from_secs(secs[i]);
        i += 1;
    }
    out
}

/// `schedule` `factor` times faster (`serve --notify-speedup N`); a factor of 0 counts as 1.
pub fn compressed(schedule: &[Duration], factor: u32) -> Vec<Duration> {
    let factor = factor.max(1);
    schedule.iter().map(|d| *d / factor).collect()
}

/// Unix ms now.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
