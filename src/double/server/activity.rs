//! Per-connection bookkeeping for the deadlines hyper does not keep: what the
//! connection is doing ([`Activity`]), the socket wrapper that records every
//! byte moved ([`Tracked`]), and the watchdog future that resolves when the
//! connection has overstayed `header_read_timeout` or `keep_alive_idle`
//! ([`Activity::expired`]).
//!
//! Everything here is touched only from the connection's own task (hyper
//! polls the socket, the service and the body there), so the atomics are for
//! `Send`, not for contention.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use super::Limits;

/// What one connection is doing, in milliseconds since it was accepted.
/// A stored time `t` is kept as `t + 1` so that 0 means "not yet".
#[derive(Debug)]
pub(super) struct Activity {
    epoch: Instant,
    /// Requests handed to the service and not yet answered (0 or 1 for HTTP/1).
    in_flight: AtomicUsize,
    /// When the last request was answered by the service.
    served: AtomicU64,
    /// When the first byte after the last answer arrived (a new head started).
    head_started: AtomicU64,
    /// When a byte last moved either way.
    last_io: AtomicU64,
    /// The handler asked for [`DoubleReply::Hangup`](super::DoubleReply::Hangup).
    hangup: AtomicBool,
    /// Wakes the watchdog when a deadline may have moved earlier.
    changed: Notify,
}

impl Activity {
    pub(super) fn new() -> Activity {
        Activity {
            epoch: Instant::now(),
            in_flight: AtomicUsize::new(0),
            served: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            last_io: AtomicU64::new(0),
            hangup: AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis())
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
    }

    fn at(&self, stamp: u64) -> Instant {
        self.epoch + Duration::from_millis(stamp.saturating_sub(1))
    }

    fn on_read(&self) {
        let now = self.now();
        self.last_io.store(now, Relaxed);
        if self.in_flight.load(Relaxed) == 0 && self.head_started.load(Relaxed) == 0 {
            self.head_started.store(now, Relaxed);
            self.changed.notify_one();
        }
    }

    fn on_write(&self) {
        self.last_io.store(self.now(), Relaxed);
    }

    /// Marks a request as being served until the guard is dropped.
    pub(super) fn begin_request(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(Arc::clone(self))
    }

    pub(super) fn set_hangup(&self) {
        self.hangup.store(true, Relaxed);
    }

    pub(super) fn hung_up(&self) -> bool {
        self.hangup.load(Relaxed)
    }

    /// When the connection must be closed if nothing changes; `None` while a
    /// request is being served (the service bounds the body read itself, and
    /// a reply `delay` is the double's choice) or if the deadline is too far
    /// to represent (a `Duration::MAX` limit means "never").
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        if self.in_flight.load(Relaxed) > 0 {
            return None;
        }
        let served = self.served.load(Relaxed);
        let head_started = self.head_started.load(Relaxed);
        if served == 0 {
            // The first head must be complete within the timeout of the accept.
            self.epoch.checked_add(limits.header_read_timeout)
        } else if head_started != 0 {
            self.at(head_started)
                .checked_add(limits.header_read_timeout)
        } else {
            let last = served.max(self.last_io.load(Relaxed));
            self.at(last).checked_add(limits.keep_alive_idle)
        }
    }

    /// Resolves once the connection is past its deadline.
    pub(super) async fn expired(&self, limits: &Limits) {
        loop {
            match self.deadline(limits) {
                None => self.changed.notified().await,
                Some(when) if Instant::now() >= when => return,
                Some(when) => {
                    tokio::select! {
                        () = self.changed.notified() => {}
                        () = tokio::time::sleep_until(when.into()) => {}
                    }
                }
            }
        }
    }
}

/// A request in progress; dropping it (the service future finished or was
/// dropped) records the answer and re-arms the watchdog.
pub(super) struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.served.store(activity.now(), Relaxed);
        activity.head_started.store(0, Relaxed);
        activity.in_flight.fetch_sub(1, Relaxed);
        activity.changed.notify_one();
    }
}

/// The socket as hyper sees it: borrowed (so the connection task keeps it for
/// the lingering close) and recording every byte moved into [`Activity`].
pub(super) struct Tracked<'a> {
    stream: &'a mut TcpStream,
    activity: Arc<Activity>,
}

impl<'a> Tracked<'a> {
    pub(super) fn new(stream: &'a mut TcpStream, activity: Arc<Activity>) -> Self {
        Tracked { stream, activity }
    }
}

impl AsyncRead for Tracked<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut *self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.on_read();
        }
        polled
    }
}

impl AsyncWrite for Tracked<'_> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut *self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.on_write();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut *self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.on_write();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.stream).poll_shutdown(cx)
    }
}
