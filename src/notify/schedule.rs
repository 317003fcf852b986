//! The timing of a retry schedule, as the suite reads it (CONTRACT N4, WN4): the provider's
//! documented waits before each attempt, times the run's `--notify-schedule-scale`.
//!
//! - A retry is **early** (a deviation) when it comes sooner after the attempt before it than
//!   its slot less 20 %.
//! - A retry is **missing** (a deviation) when it has not come by three times its slot plus
//!   two seconds — the docs give no upper bound; this one leaves a slow scheduler room and
//!   still tells "no retry" from "a late one".
//! - What the run may not wait for (`--notify-wait`) is **not observed**: inconclusive.
//! - After an acknowledgement the suite watches for the next two slots (plus 20 % and 100 ms):
//!   one redelivery of the same event there is an observation, two are retries that
//!   acknowledgement should have stopped.

use std::time::{Duration, Instant};

use super::receiver::{Delivery, Mailbox};

/// A provider's schedule as this run scales it.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The wait before attempt `n` (0: the first), scaled.
    waits: Vec<Duration>,
}

/// How waiting for attempts ended, when not every one came.
#[derive(Debug, Clone, PartialEq)]
pub enum Shortfall {
    /// Attempt `attempt` (1 = the first) did not come by the latest time the schedule allows.
    Missing { attempt: usize, waited: Duration },
    /// The run could not wait long enough to know (`--notify-wait`).
    NotObserved { attempt: usize, waited: Duration },
}

impl Schedule {
    /// The documented `waits`, times `scale`.
    pub fn new(waits: &[Duration], scale: f64) -> Schedule {
        Schedule {
            waits: waits.iter().map(|w| w.mul_f64(scale)).collect(),
        }
    }

    /// The wait before attempt `n` (0 = the first); past the schedule's end, none.
    pub fn wait_before(&self, n: usize) -> Option<Duration> {
        self.waits.get(n).copied()
    }

    /// The soonest attempt `n` may follow attempt `n - 1`.
    pub fn earliest(&self, n: usize) -> Duration {
        self.wait_before(n).unwrap_or_default().mul_f64(0.8)
    }

    /// The latest attempt `n` may follow attempt `n - 1` before it counts as missing.
    pub fn latest(&self, n: usize) -> Duration {
        self.wait_before(n).unwrap_or_default() * 3 + Duration::from_secs(2)
    }

    /// How long to watch for retries after attempt `n - 1` was acknowledged.
    pub fn quiet_window(&self, n: usize) -> Duration {
        let next_two =
            self.wait_before(n).unwrap_or_default() + self.wait_before(n + 1).unwrap_or_default();
        next_two.mul_f64(1.2) + Duration::from_millis(100)
    }

    /// The retries among `deliveries` that came sooner than their slot allows: (attempt,
    /// the gap seen, the least gap allowed).
    pub fn early(&self, deliveries: &[Delivery]) -> Vec<(usize, Duration, Duration)> {
        deliveries
            .windows(2)
            .enumerate()
            .filter_map(|(i, pair)| {
                let gap = pair[1].received.saturating_duration_since(pair[0].received);
                let least = self.earliest(i + 1);
                (gap < least).then_some((i + 2, gap, least))
            })
            .collect()
    }
}

/// Waits for `count` deliveries to `mailbox`: the first within `first_wait`, each later one
/// within [`Schedule::latest`] of the one before, all within `budget` of now.
pub async fn await_attempts(
    mailbox: &Mailbox,
    count: usize,
    schedule: &Schedule,
    first_wait: Duration,
    budget: Duration,
) -> Result<Vec<Delivery>, (Vec<Delivery>, Shortfall)> {
    let started = Instant::now();
    let end = started + budget.max(first_wait);
    let mut got = Vec::new();
    for n in 0..count {
        let (from, allowed) = match got.last() {
            None => (started, first_wait),
            Some(last) => {
                let last: &Delivery = last;
                (last.received, schedule.latest(n))
            }
        };
        let due = from + allowed;
        let cut = due > end;
        let limit = due.min(end).saturating_duration_since(Instant::now());
        got = mailbox.wait_for(n + 1, limit).await;
        if got.len() <= n {
            let waited = from.elapsed();
            let shortfall = if cut || n == 0 {
                Shortfall::NotObserved {
                    attempt: n + 1,
                    waited,
                }
            } else {
                Shortfall::Missing {
                    attempt: n + 1,
                    waited,
                }
            };
            return Err((got, shortfall));
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_scale_and_bound_both_ways() {
        let s = Schedule::new(
            &[
                Duration::ZERO,
                Duration::from_secs(15),
                Duration::from_secs(30),
            ],
            0.001,
        );
        assert_eq!(s.wait_before(1), Some(Duration::from_millis(15)));
        assert_eq!(s.earliest(1), Duration::from_millis(12));
        assert_eq!(s.latest(2), Duration::from_millis(2090));
        assert_eq!(s.quiet_window(1), Duration::from_millis(154));
        assert_eq!(s.wait_before(3), None);
    }
}
