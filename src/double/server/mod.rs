//! A small, bounded HTTP/1.1 server (hyper 1.x) that a payment-provider
//! double plugs into through [`Handler`].
//!
//! Every file here refers to its siblings through `super::` only.
//!
//! Files: `handler.rs` (the double's contract), `limits.rs` (bounds and
//! defaults), `listener.rs` (the `Server`: listener, accept loop, shutdown), `connection.rs`
//! (one connection: hyper settings, deadlines, lingering close), `service.rs`
//! (one request: bounded body read, reply to response), `activity.rs`
//! (per-connection deadlines hyper does not keep), `tests/` (raw-TCP tests).
//!
//! # What happens at the edges
//!
//! | input | answer | by |
//! | --- | --- | --- |
//! | body over `max_body` (Content-Length, or chunked as it streams) | 413, close | `refuse` |
//! | body not complete within `body_read_timeout` | 408, close | `refuse` |
//! | bad chunk size line, body shorter than Content-Length then EOF | 400, close | `refuse` |
//! | `CONNECT`, `OPTIONS *` (any non-origin, non-absolute target) | 400, close | `refuse` |
//! | head over `max_headers_bytes` or over 100 header lines | bare 431 (empty body), close | hyper |
//! | garbage request line, bad header line, bad or duplicate Content-Length | bare 400, close | hyper |
//! | HTTP/2 preface | close, no answer | hyper |
//! | head not complete within `header_read_timeout` (slowloris) | close, no answer | watchdog |
//! | idle keep-alive, or a client not reading its answer, for `keep_alive_idle` | close | watchdog |
//! | handler panics, or replies with a 1xx/invalid status or header | 500 | server |
//! | `DoubleReply::Hangup` | close, no answer | server |
//!
//! Whenever the server closes a connection it has answered, it half-closes
//! and reads (discarding) up to 1 MiB for up to 2 s first, so an unread
//! upload does not turn the close into a reset that destroys the answer.
//!
//! Memory per connection: hyper's read buffer (at most
//! `max_headers_bytes` plus 8 KiB), the body being read (at most `max_body`; no more is ever
//! buffered), the double's reply, and a 16 KiB buffer while lingering.
//! Nothing is kept once a request is answered.

mod activity;
mod connection;
mod handler;
mod limits;
mod listener;
mod service;

#[cfg(test)]
mod tests;

pub use handler::{DoubleReply, DoubleRequest, Handler, refusal_kind};
pub use limits::Limits;
pub use listener::Server;
