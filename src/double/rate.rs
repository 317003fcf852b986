//! The rate limit of a double: at most N admitted requests per merchant in any
//! sliding one-second window. Refused requests do not count.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// Admission times per `app_id`. Only known apps are tracked, so memory is bounded by the
/// number of merchants × the limit.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: usize,
    admitted: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    /// A limit of `per_second` requests; 0 admits nothing.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            per_second: usize::try_from(per_second).unwrap_or(usize::MAX),
            admitted: HashMap::new(),
        }
    }

    /// Whether one more request from `app_id` at `now` is within the limit; if so it counts.
    pub fn admit(&mut self, app_id: &str, now: Instant) -> bool {
        let times = self.admitted.entry(app_id.to_owned()).or_default();
        while times
            .front()
            .is_some_and(|&first| now.saturating_duration_since(first) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= self.per_second {
            return false;
        }
        times.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_n_per_window_per_app() {
        let mut limiter = RateLimiter::new(2);
        let start = Instant::now();
        assert!(limiter.admit("a", start));
        assert!(limiter.admit("a", start));
        assert!(!limiter.admit("a", start + Duration::from_millis(500)));
        assert!(limiter.admit("b", start + Duration::from_millis(500)));
        assert!(limiter.admit("a", start + Duration::from_millis(1000)));
        assert!(limiter.admit("a", start + Duration::from_millis(1001)));
        assert!(!limiter.admit("a", start + Duration::from_millis(1002)));
    }

    #[test]
    fn zero_admits_nothing() {
        assert!(!RateLimiter::new(0).admit("a", Instant::now()));
    }
}
