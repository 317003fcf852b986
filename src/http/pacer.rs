//! Pacing: at most N requests per second per key (the provider limits per `app_id`, A7),
//! spaced evenly, so a remote target is driven at its rate limit and no slower.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Hands out evenly spaced send slots per key. A rate of 0 means unpaced.
#[derive(Debug)]
pub struct Pacer {
    interval: Option<Duration>,
    next: Mutex<HashMap<String, Instant>>,
}

impl Pacer {
    /// `per_second` requests per second per key; 0 = no pacing.
    pub fn new(per_second: u32) -> Self {
        Self {
            interval: (per_second > 0).then(|| Duration::from_secs(1) / per_second),
            next: Mutex::new(HashMap::new()),
        }
    }

    /// The configured spacing between two requests of one key.
    pub fn interval(&self) -> Option<Duration> {
        self.interval
    }

    /// Waits for `key`'s next slot.
    pub async fn wait(&self, key: &str) {
        if let Some(slot) = self.reserve(key, Duration::ZERO) {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Pushes `key`'s schedule back by `pause` (after the provider said "too frequent") and
    /// waits for the next slot after it.
    pub async fn back_off(&self, key: &str, pause: Duration) {
        if let Some(slot) = self.reserve(key, pause) {
            tokio::time::sleep_until(slot).await;
        } else {
            tokio::time::sleep(pause).await;
        }
    }

    fn reserve(&self, key: &str, pause: Duration) -> Option<Instant> {
        let interval = self.interval?;
        let now = Instant::now();
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let slot = next
            .get(key)
            .copied()
            .map_or(now, |n| n.max(now))
            .max(now + pause);
        next.insert(key.to_owned(), slot + interval);
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_evenly_per_key() {
        let pacer = Pacer::new(5);
        let start = Instant::now();
        for _ in 0..6 {
            pacer.wait("app").await;
        }
        // Six requests at 5/s: the sixth goes out 1 s after the first.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        // Another key is not held up.
        let other = Instant::now();
        pacer.wait("other-app").await;
        assert_eq!(other.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn zero_is_unpaced() {
        let pacer = Pacer::new(0);
        let start = Instant::now();
        for _ in 0..100 {
            pacer.wait("app").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
