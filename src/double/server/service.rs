//! One request's way through the server: the hyper request is checked and its
//! body read within the limits into a [`DoubleRequest`], the handler (or its
//! `refuse`) is asked, the reply's `delay` is slept, and the reply becomes a
//! hyper response ([`DoubleService`]). Nothing of the request outlives the
//! call: the handler takes it by value.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body, Incoming};

use super::activity::Activity;
use super::{DoubleReply, DoubleRequest, Handler, Limits};

/// The service error that makes hyper drop the connection without a response.
#[derive(Debug)]
pub(super) struct Hangup;

impl std::fmt::Display for Hangup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the double hung up")
    }
}

impl std::error::Error for Hangup {}

/// A refusal decided by the server before the handler sees the request.
struct Refusal {
    status: u16,
    reason: String,
}

fn refusal(status: u16, reason: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason: reason.into(),
    }
}

/// The hyper service of one connection.
pub(super) struct DoubleService {
    pub(super) handler: Arc<dyn Handler>,
    pub(super) limits: Arc<Limits>,
    pub(super) activity: Arc<Activity>,
}

type Reply = Result<Response<Full<Bytes>>, Hangup>;

impl hyper::service::Service<Request<Incoming>> for DoubleService {
    type Response = Response<Full<Bytes>>;
    type Error = Hangup;
    type Future = Pin<Box<dyn Future<Output = Reply> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = self.activity.begin_request();
        let handler = Arc::clone(&self.handler);
        let limits = Arc::clone(&self.limits);
        let activity = Arc::clone(&self.activity);
        Box::pin(async move {
            let reply = answer(&*handler, &limits, request).await;
            drop(in_flight);
            if reply.is_err() {
                activity.set_hangup();
            }
            reply
        })
    }
}

async fn answer(handler: &dyn Handler, limits: &Limits, request: Request<Incoming>) -> Reply {
    let (reply, close) = match read_request(request, limits).await {
        Ok(request) => (guarded(|| handler.handle(request)), false),
        Err(r) => (guarded(|| handler.refuse(r.status, &r.reason)), true),
    };
    let DoubleReply::Answer {
        status,
        headers,
        body,
        delay,
    } = reply
    else {
        return Err(Hangup);
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    Ok(response(status, headers, body, close))
}

/// Calls the double, turning a panic into a 500 so the connection survives.
fn guarded(call: impl FnOnce() -> DoubleReply) -> DoubleReply {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| DoubleReply::Answer {
        status: 500,
        headers: vec![("content-type".to_owned(), "text/plain".to_owned())],
        body: b"the double panicked while answering".to_vec(),
        delay: None,
    })
}

/// Checks the head and reads the body within the limits.
async fn read_request(
    request: Request<Incoming>,
    limits: &Limits,
) -> Result<DoubleRequest, Refusal> {
    let (parts, body) = request.into_parts();
    if parts.method == Method::CONNECT {
        return Err(refusal(
            400,
            "CONNECT is not supported: this is not a proxy",
        ));
    }
    let path = match parts.uri.path() {
        "" if parts.uri.authority().is_some() => "/",
        p if p.starts_with('/') => p,
        "*" => {
            return Err(refusal(
                400,
                "the asterisk-form request-target is not supported",
            ));
        }
        _ => return Err(refusal(400, "unsupported request-target")),
    };
    let path = path.to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let body = tokio::time::timeout(limits.body_read_timeout, read_body(body, limits.max_body))
        .await
        .map_err(|_| {
            let secs = limits.body_read_timeout.as_secs_f64();
            refusal(
                408,
                format!("the request body was not received within {secs} s"),
            )
        })??;
    Ok(DoubleRequest {
        method: parts.method,
        path,
        query,
        headers: parts.headers,
        body,
    })
}

/// Reads the whole body, never holding more than `max` bytes of it.
async fn read_body(body: Incoming, max: usize) -> Result<Bytes, Refusal> {
    let too_large = || {
        refusal(
            413,
            format!("the request body is over the limit of {max} bytes"),
        )
    };
    let declared = body.size_hint().lower();
    if usize::try_from(declared).map_or(true, |n| n > max) {
        return Err(too_large());
    }
    let mut body = Limited::new(body, max);
    // Bounded by `max` above; a chunked body grows the buffer as it comes.
    let mut buf = BytesMut::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    buf.extend_from_slice(&data);
                }
            }
            Err(e) if e.is::<LengthLimitError>() => return Err(too_large()),
            Err(e) => return Err(refusal(400, body_error(&*e))),
        }
    }
    Ok(buf.freeze())
}

/// Why a body could not be read, for the 400's message (hyper reports a
/// body error whose source is an `io::Error` telling which).
fn body_error(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    "the request body ended before its declared length".to_owned()
                }
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => {
                    format!("the request body's chunked framing is malformed: {io}")
                }
                _ => format!("the request body could not be read: {io}"),
            };
        }
        cause = c.source();
    }
    format!("the request body could not be read: {e}")
}

/// Builds the response; an unusable status or header from the double → 500.
fn response(
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    close: bool,
) -> Response<Full<Bytes>> {
    let built = build(status, headers, body, close);
    built.unwrap_or_else(|what| {
        let mut r = Response::new(Full::new(Bytes::from(format!(
            "the double's reply is unusable: {what}"
        ))));
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        r.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain"),
        );
        if close {
            r.headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        r
    })
}

fn build(
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    close: bool,
) -> Result<Response<Full<Bytes>>, String> {
    let status = StatusCode::from_u16(status)
        .ok()
        .filter(|s| !s.is_informational())
        .ok_or_else(|| format!("status {status}"))?;
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let map = r.headers_mut();
    for (name, value) in headers {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("header name {name:?}"))?;
        if name == CONTENT_LENGTH || name == TRANSFER_ENCODING {
            continue;
        }
        let value = HeaderValue::from_bytes(value.as_bytes())
            .map_err(|_| format!("value of header {name}"))?;
        map.append(name, value);
    }
    if close {
        map.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(r)
}
