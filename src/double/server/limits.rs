//! The server's bounds ([`Limits`]): their defaults, what happens when each is
//! reached, and how they are clamped to what hyper accepts.

use std::time::Duration;

/// hyper's smallest accepted read buffer (`max_buf_size` panics below it).
const HYPER_MIN_BUF: usize = 8 * 1024;

/// Every bound the server applies. All fields are public so a test can shrink
/// them; [`Limits::default`] is what `serve` uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes (default 1 MiB). A larger
    /// `Content-Length` is refused with `refuse(413)` before any body byte is
    /// read; a chunked body is refused as soon as its running size passes the
    /// limit. The connection is then closed (after a bounded lingering read so
    /// the client sees the 413 rather than a reset).
    pub max_body: usize,
    /// Largest request head (request line + header lines), in bytes (default
    /// 16 KiB, as Node's default; nginx allows 4×8 KiB). Over it hyper answers
    /// a bare `431` (empty body) and closes the connection. Values below
    /// 8 KiB are raised to 8 KiB (hyper's minimum read buffer).
    pub max_headers_bytes: usize,
    /// Time allowed for a request head, from the connection's accept or from
    /// the first byte after the previous answer (default 10 s; anti-slowloris).
    /// When it passes, the connection is closed without an answer.
    pub header_read_timeout: Duration,
    /// Time allowed for a whole request body, once the head is read (default
    /// 30 s). When it passes: `refuse(408)`, then close.
    pub body_read_timeout: Duration,
    /// An idle keep-alive connection (no request in progress, no byte moving
    /// either way, including a client that stops reading its answer) is
    /// closed after this (default 75 s, as nginx; above most clients' pool
    /// idle time would race them, so keep it generous).
    pub keep_alive_idle: Duration,
    /// Most connections served at once (default 4096). Beyond it the server
    /// stops accepting: new connections wait in the kernel's listen backlog
    /// (then SYN retries) until one closes. Nothing is allocated for them.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 1024 * 1024,
            max_headers_bytes: 16 * 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            keep_alive_idle: Duration::from_secs(75),
            max_connections: 4096,
        }
    }
}

impl Limits {
    /// The limits actually applied: `max_headers_bytes` at least 8 KiB,
    /// `max_connections` at least 1, timeouts at least 1 ms.
    pub fn normalized(&self) -> Limits {
        let at_least_1ms = |d: Duration| d.max(Duration::from_millis(1));
        Limits {
            max_body: self.max_body,
            max_headers_bytes: self.max_headers_bytes.max(HYPER_MIN_BUF),
            header_read_timeout: at_least_1ms(self.header_read_timeout),
            body_read_timeout: at_least_1ms(self.body_read_timeout),
            keep_alive_idle: at_least_1ms(self.keep_alive_idle),
            max_connections: self.max_connections.max(1),
        }
    }

    /// hyper's `max_buf_size`: room for a full head plus some pipelined or
    /// body bytes behind it, so the 431 comes from `max_header_size`.
    pub(crate) fn hyper_buf_size(&self) -> usize {
        self.max_headers_bytes
            .max(HYPER_MIN_BUF)
            .saturating_add(HYPER_MIN_BUF)
    }
}
