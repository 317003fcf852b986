//! The contract between the server and a double: what a double sees
//! ([`DoubleRequest`]), what it answers ([`DoubleReply`]) and the logic it
//! plugs in ([`Handler`]), including the envelope of the server's own
//! refusals ([`Handler::refuse`]).

use std::time::Duration;

/// A request as a double sees it: everything already read and bounded.
///
/// The server only builds one for an origin-form or absolute-form request
/// whose body was read completely within [`Limits`](super::Limits); `path`
/// therefore always starts with `/`.
#[derive(Debug, Clone)]
pub struct DoubleRequest {
    /// The request method (never `CONNECT`: the server refuses those).
    pub method: http::Method,
    /// The raw request-target path, percent-encoding kept (signatures cover it
    /// as sent). For an absolute-form target (`GET http://host/p HTTP/1.1`)
    /// this is the path part (`/p`); it is never empty.
    pub path: String,
    /// The raw query string without '?', if any.
    pub query: Option<String>,
    /// The request headers as received (names lower-cased by `http`).
    pub headers: http::HeaderMap,
    /// The whole body, at most `Limits::max_body` bytes.
    pub body: bytes::Bytes,
}

/// What a double answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoubleReply {
    /// An HTTP response.
    ///
    /// `status` must be 200..=999 (1xx or out-of-range → the server answers
    /// 500 instead). `Content-Length` and `Transfer-Encoding` in `headers` are
    /// ignored: the server frames `body` itself. An invalid header name or
    /// value → 500. A `connection: close` header closes the connection after
    /// the answer. `delay` is slept (outside the handler) before answering.
    Answer {
        /// Status code.
        status: u16,
        /// Header lines, in order; repeated names are all sent.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
        /// Sleep this long before answering.
        delay: Option<Duration>,
    },
    /// Drop the connection without answering (a fault the suite must detect).
    Hangup,
}

impl DoubleReply {
    /// A JSON answer with `content-type: application/json`, no delay.
    pub fn json(status: u16, body: &serde_json::Value) -> DoubleReply {
        DoubleReply::Answer {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: body.to_string().into_bytes(),
            delay: None,
        }
    }
}

/// The double's logic. Synchronous and fast (it runs under the double's state
/// lock); the server applies `delay` with `tokio::time::sleep` outside it.
pub trait Handler: Send + Sync + 'static {
    /// Answers one request. Called once per request, after its body is read.
    fn handle(&self, request: DoubleRequest) -> DoubleReply;

    /// The answer to a request the server refuses before the handler sees it:
    /// 413 (body over `max_body`), 408 (body not received within
    /// `body_read_timeout`), 400 (malformed body framing, body shorter than
    /// its Content-Length, `CONNECT`, an unsupported request-target).
    ///
    /// Not consulted for what hyper refuses while parsing the request head
    /// (431 head over `max_headers_bytes` or over 100 header lines, 400
    /// unparsable request line or header, 414): hyper writes those itself,
    /// with an empty body, before any request exists.
    ///
    /// The default is `{"error": KIND, "message": TEXT}` with KIND one of
    /// `payload_too_large`, `request_timeout`, `bad_request`; a provider
    /// overrides it to answer in its own envelope. A [`DoubleReply::Hangup`]
    /// here closes the connection. The server always adds
    /// `connection: close` to a refusal whose body it did not read.
    fn refuse(&self, status: u16, reason: &str) -> DoubleReply {
        DoubleReply::json(
            status,
            &serde_json::json!({ "error": refusal_kind(status), "message": reason }),
        )
    }
}

/// The `error` value of the default refusal envelope for `status`.
pub fn refusal_kind(status: u16) -> &'static str {
    match status {
        408 => "request_timeout",
        413 => "payload_too_large",
        431 => "request_header_fields_too_large",
        _ => "bad_request",
    }
}
