//! What a delivery is made of: the order's notification [`Status`], the [`Job`] of one
//! attempt, the [`Attempt`] as it went and the bounded [`Log`] of them, the [`Outgoing`]
//! request.

use std::collections::VecDeque;

use serde::Serialize;

use super::LOG_LIMIT;

/// Where an order's notification stands (`notify_status` 0–3 in both providers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Nothing to send (no `notify_url`, not paid, or no notifier).
    #[default]
    None,
    /// The next attempt is scheduled.
    Pending,
    /// The receiver acknowledged.
    Delivered,
    /// No more attempts: the schedule ran out, or the delivery was dropped.
    GaveUp,
}

impl Status {
    /// 0 none, 1 pending, 2 acknowledged, 3 gave up.
    pub const fn code(self) -> u8 {
        match self {
            Status::None => 0,
            Status::Pending => 1,
            Status::Delivered => 2,
            Status::GaveUp => 3,
        }
    }
}

/// One attempt due: the order, the event (0 the payment event; a fault may add more) and the
/// index of the attempt in the schedule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Job {
    pub id: String,
    pub event: u32,
    pub attempt: usize,
}

impl Job {
    /// The next attempt of the same event.
    pub fn retry(&self) -> Job {
        Job {
            attempt: self.attempt + 1,
            ..self.clone()
        }
    }

    /// The first attempt of another event about the same order.
    pub fn event(&self, event: u32) -> Job {
        Job {
            id: self.id.clone(),
            event,
            attempt: 0,
        }
    }
}

/// One attempt, as a double's control API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub attempt: usize,
    /// When it was sent (or dropped), Unix ms.
    #[serde(rename = "at")]
    pub at_ms: i64,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// The start of the receiver's body, or why there was no answer.
    pub answer: String,
    pub acknowledged: bool,
}

/// An order's attempts, oldest first, the latest [`LOG_LIMIT`] kept.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Log(VecDeque<Attempt>);

impl Log {
    /// Adds an attempt, forgetting the oldest beyond [`LOG_LIMIT`].
    pub fn push(&mut self, attempt: Attempt) {
        if self.0.len() >= LOG_LIMIT {
            self.0.pop_front();
        }
        self.0.push_back(attempt);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Attempt> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One notification request, ready to POST.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub url: String,
    /// Sent in this order (the provider sets `content-type` too).
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}
