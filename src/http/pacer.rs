//! Pacing: at most N requests per second per key (the provider limits per `app_id`, A7),
//! spaced evenly, so a remote target is driven at its rate limit and no slower.
//!
//! Slots are `1/N s` apart. A provider that counts a sliding one-second window compares
//! *arrival* times, and arrivals do not keep the spacing of departures: one request may wait
//! longer than the next on the network or in the provider's queue (on a loaded machine, even in
//! process: `pay-conformance bench` saw up to 30 ms), and the request N after it arrives less
//! than 1 s later and is refused (11001). So before a request leaves, the pacer also looks at
//! the request N before it: that one arrived at the latest when its answer came back less the
//! fastest round trip seen, and this one leaves a second (and [`WINDOW_MARGIN`]) after that.
//! When nothing is late that costs about one fastest round trip per N requests; when the one
//! before was held up, exactly as long as it was held up.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The provider's window.
const WINDOW: Duration = Duration::from_secs(1);

/// Added to the window, for clock granularity.
pub const WINDOW_MARGIN: Duration = Duration::from_millis(2);

/// While the request N before is still unanswered, look again this often.
const RECHECK: Duration = Duration::from_millis(5);

/// Hands out evenly spaced send slots per key. A rate of 0 means unpaced.
#[derive(Debug)]
pub struct Pacer {
    interval: Option<Duration>,
    per_second: usize,
    keys: Mutex<HashMap<String, Key>>,
}

/// One key's schedule.
#[derive(Debug)]
struct Key {
    /// The next free slot.
    next: Instant,
    /// The last N requests that left, oldest first.
    sent: VecDeque<Departure>,
    /// The number of the next departure.
    seq: u64,
    /// The fastest round trip seen.
    fastest: Option<Duration>,
}

#[derive(Debug, Clone, Copy)]
struct Departure {
    seq: u64,
    left: Instant,
    answered: Option<Instant>,
}

/// A paced request that has left; hand it back to [`Pacer::answered`] when its answer came.
#[derive(Debug, Clone)]
#[must_use = "tell the pacer when the answer came"]
pub struct Ticket {
    key: Option<String>,
    seq: u64,
}

impl Pacer {
    /// `per_second` requests per second per key; 0 = no pacing.
    pub fn new(per_second: u32) -> Self {
        Self {
            interval: (per_second > 0).then(|| Duration::from_secs(1) / per_second),
            per_second: usize::try_from(per_second).unwrap_or(usize::MAX),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// The configured spacing between two requests of one key.
    pub fn interval(&self) -> Option<Duration> {
        self.interval
    }

    /// Waits for `key`'s next slot, and until the request N before it cannot share a window
    /// with this one.
    pub async fn wait(&self, key: &str) -> Ticket {
        match self.reserve(key, Duration::ZERO) {
            Some(slot) => {
                pause_until(slot).await;
                self.leave(key).await
            }
            None => Ticket { key: None, seq: 0 },
        }
    }

    /// The answer to `ticket`'s request came (or it failed): now.
    pub fn answered(&self, ticket: Ticket) {
        let Some(key) = ticket.key else { return };
        let now = Instant::now();
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = keys.get_mut(&key) else {
            return;
        };
        if let Some(departure) = state.sent.iter_mut().find(|d| d.seq == ticket.seq) {
            departure.answered = Some(now);
            let trip = now.duration_since(departure.left);
            state.fastest = Some(state.fastest.map_or(trip, |f| f.min(trip)));
        }
    }

    /// Pushes `key`'s schedule back by `pause` (after the provider said "too frequent") and
    /// waits for the next slot after it.
    pub async fn back_off(&self, key: &str, pause: Duration) {
        if let Some(slot) = self.reserve(key, pause) {
            pause_until(slot).await;
        } else {
            pause_until(Instant::now() + pause).await;
        }
    }

    fn reserve(&self, key: &str, pause: Duration) -> Option<Instant> {
        let interval = self.interval?;
        let now = Instant::now();
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let state = keys.entry(key.to_owned()).or_insert_with(|| Key {
            next: now,
            sent: VecDeque::new(),
            seq: 0,
            fastest: None,
        });
        let slot = state.next.max(now + pause);
        state.next = slot + interval;
        Some(slot)
    }

    /// Holds the caller until the request N before it arrived a window ago, then records that
    /// this one leaves now.
    async fn leave(&self, key: &str) -> Ticket {
        loop {
            if super::stopping() {
                // Nothing will be sent: no turn to wait for.
                return Ticket { key: None, seq: 0 };
            }
            let hold_until = {
                let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
                let state = keys.entry(key.to_owned()).or_insert_with(|| Key {
                    next: Instant::now(),
                    sent: VecDeque::new(),
                    seq: 0,
                    fastest: None,
                });
                let now = Instant::now();
                let nth_before = state
                    .sent
                    .len()
                    .checked_sub(self.per_second)
                    .and_then(|i| state.sent.get(i).copied());
                let earliest = nth_before.map(|d| match d.answered {
                    // It arrived by `answered - fastest round trip` at the latest.
                    Some(answered) => {
                        let fastest = state.fastest.unwrap_or_default();
                        let arrived = answered.checked_sub(fastest).unwrap_or(answered);
                        arrived.max(d.left) + WINDOW + WINDOW_MARGIN
                    }
                    // Still in flight: wait for its answer, but not past one more slot.
                    None => {
                        let limit = d.left + WINDOW + self.interval.unwrap_or_default();
                        if now < limit {
                            (now + RECHECK).min(limit)
                        } else {
                            now
                        }
                    }
                });
                match earliest {
                    Some(earliest) if earliest > now => earliest,
                    _ => {
                        let seq = state.seq;
                        state.seq += 1;
                        state.sent.push_back(Departure {
                            seq,
                            left: now,
                            answered: None,
                        });
                        while state.sent.len() > self.per_second {
                            state.sent.pop_front();
                        }
                        return Ticket {
                            key: Some(key.to_owned()),
                            seq,
                        };
                    }
                }
            };
            pause_until(hold_until).await;
        }
    }
}

/// Sleeps until `slot`, or until the run is interrupted (checked every 100 ms): nobody waits
/// for a turn to send what will not be sent.
async fn pause_until(slot: Instant) {
    loop {
        let now = Instant::now();
        if now >= slot || super::stopping() {
            return;
        }
        tokio::time::sleep_until(slot.min(now + Duration::from_millis(100))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    /// Sends `n` requests one after the other, each answered after `trip`.
    async fn sequence(pacer: &Pacer, n: usize, trip: impl Fn(usize) -> Duration) -> Vec<Duration> {
        let start = Instant::now();
        let mut sent = Vec::new();
        for i in 0..n {
            let ticket = pacer.wait("app").await;
            sent.push(start.elapsed());
            tokio::time::sleep(trip(i)).await;
            pacer.answered(ticket);
        }
        sent
    }

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_evenly_per_key() {
        let pacer = Pacer::new(5);
        let sent = sequence(&pacer, 11, |_| MS(10)).await;
        // 1/5 s apart; the sixth a second after the first one's latest arrival, which the
        // fastest round trip (10 ms) puts at its departure.
        assert_eq!(&sent[..5], &[MS(0), MS(200), MS(400), MS(600), MS(800)]);
        assert_eq!(sent[5], MS(1000) + WINDOW_MARGIN);
        assert_eq!(sent[6], MS(1200) + WINDOW_MARGIN);
        assert_eq!(sent[10], MS(2000) + WINDOW_MARGIN * 2);
        // Another key is not held up.
        let other = Instant::now();
        let _ = pacer.wait("other-app").await;
        assert_eq!(other.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_answer_holds_the_request_n_after_it() {
        let pacer = Pacer::new(5);
        // The second request is answered 30 ms later than the fastest: it may have arrived
        // 30 ms late, so the seventh waits for that.
        let sent = sequence(&pacer, 7, |i| if i == 1 { MS(40) } else { MS(10) }).await;
        assert_eq!(sent[5], MS(1000) + WINDOW_MARGIN);
        assert_eq!(sent[6], MS(1200) + MS(30) + WINDOW_MARGIN);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_the_schedule() {
        let pacer = std::sync::Arc::new(Pacer::new(5));
        let start = Instant::now();
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let pacer = std::sync::Arc::clone(&pacer);
                tokio::spawn(async move {
                    let ticket = pacer.wait("app").await;
                    let sent = start.elapsed();
                    tokio::time::sleep(MS(1)).await;
                    pacer.answered(ticket);
                    sent
                })
            })
            .collect();
        let mut sent = Vec::new();
        for task in tasks {
            sent.push(task.await.expect("task"));
        }
        sent.sort();
        // The sixth of any six sends leaves more than a second after the first.
        for six in sent.windows(6) {
            assert!(six[5] - six[0] > WINDOW, "{sent:?}");
        }
        assert_eq!(sent[9], MS(1800) + WINDOW_MARGIN);
    }

    #[tokio::test(start_paused = true)]
    async fn zero_is_unpaced() {
        let pacer = Pacer::new(0);
        let start = Instant::now();
        for _ in 0..100 {
            pacer.answered(pacer.wait("app").await);
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
