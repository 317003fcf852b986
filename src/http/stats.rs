//! What a client actually sent, per key (the provider's `app_id`): how many requests, when the
//! first and the last left, and how many were answered "too frequent". Cheap enough to keep on
//! every run; `pay-conformance bench` reads it to show that pacing holds the configured rate.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Counters shared by every request of a client.
#[derive(Debug, Default)]
pub struct SendStats {
    rate_limited: AtomicU64,
    per_key: Mutex<BTreeMap<String, Span>>,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    sends: u64,
    first: Instant,
    last: Instant,
}

/// One key's sends, as [`SendStats::per_key`] reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySends {
    pub key: String,
    /// Every attempt that left, retries included.
    pub sends: u64,
    /// From the first send to the last.
    pub span: Duration,
}

impl KeySends {
    /// Sends per second over the span: `(sends - 1) / span`, the spacing the provider saw.
    /// `None` for fewer than two sends.
    pub fn per_second(&self) -> Option<f64> {
        let secs = self.span.as_secs_f64();
        (self.sends > 1 && secs > 0.0).then(|| (self.sends - 1) as f64 / secs)
    }
}

impl SendStats {
    /// A request for `key` is leaving now.
    pub fn record_send(&self, key: &str) {
        let now = Instant::now();
        let mut per_key = self.per_key.lock().unwrap_or_else(|e| e.into_inner());
        per_key
            .entry(key.to_owned())
            .and_modify(|span| {
                span.sends += 1;
                span.last = now;
            })
            .or_insert(Span {
                sends: 1,
                first: now,
                last: now,
            });
    }

    /// The provider answered "too frequent" (TTPay: code 11001).
    pub fn record_rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// How many answers said "too frequent".
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }

    /// Every key's sends, sorted by key.
    pub fn per_key(&self) -> Vec<KeySends> {
        let per_key = self.per_key.lock().unwrap_or_else(|e| e.into_inner());
        per_key
            .iter()
            .map(|(key, span)| KeySends {
                key: key.clone(),
                sends: span.sends,
                span: span.last.duration_since(span.first),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn counts_sends_per_key_and_their_span() {
        let stats = SendStats::default();
        for _ in 0..5 {
            stats.record_send("a");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        stats.record_send("b");
        stats.record_rate_limited();
        let per_key = stats.per_key();
        assert_eq!(per_key.len(), 2);
        assert_eq!(per_key[0].sends, 5);
        assert_eq!(per_key[0].span, Duration::from_millis(800));
        assert_eq!(per_key[0].per_second(), Some(5.0));
        assert_eq!(per_key[1].per_second(), None);
        assert_eq!(stats.rate_limited(), 1);
    }
}
