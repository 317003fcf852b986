//! The reverse proxy itself: every request forwarded unchanged to the upstream, every answer
//! returned unchanged (status, headers in the case they came in, the body streamed as it
//! arrives), a copy of both bodies within a bound handed to the judge once the answer has
//! passed. Only the hop-by-hop headers (RFC 9110 §7.6.1) are not passed on, and `Host` names
//! the upstream.
//!
//! An upstream that cannot be reached or resets the connection is answered 502, one that does
//! not answer within the timeout 504, as a provider's network front would; both are counted as
//! inconclusive, never as a finding of either side.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{HOST, HeaderName};
use http::{HeaderMap, Request, Response, Uri};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::sync::mpsc::SyncSender;
use tokio::net::TcpListener;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::options::{ProxyOptions, parse_upstream};
use super::tee::Tee;
use crate::judge::Proxied;

/// What the proxy hands its judging task.
#[derive(Debug)]
pub(super) enum Event {
    /// An exchange that passed whole.
    Passed(Box<Proxied>),
    /// The upstream failed (502/504 answered): inconclusive.
    Upstream {
        seq: u64,
        method: String,
        url: String,
        status: u16,
        why: String,
    },
}

/// What the proxy counts as it goes (read by the judging task for the reports).
#[derive(Debug, Default)]
pub(super) struct Counts {
    /// Requests received.
    pub requests: AtomicU64,
    /// Exchanges that passed but were not judged: a body cut off half-way, or the judge's
    /// queue full.
    pub unjudged: AtomicU64,
    /// Upstream failures (502/504 answered): inconclusive.
    pub upstream_failures: AtomicU64,
}

type Upstream = Client<hyper_rustls::HttpsConnector<HttpConnector>, Tee<Incoming>>;
type Answer = Response<Either<Tee<Incoming>, Full<Bytes>>>;

struct Shared {
    client: Upstream,
    base: Uri,
    prefix: String,
    options: ProxyOptions,
    events: SyncSender<Event>,
    counts: Arc<Counts>,
}

/// The running proxy; stops when dropped.
pub struct Running {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://IP:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.task.abort();
    }
}

fn client(timeout: Duration) -> Upstream {
    crate::http::install_crypto_provider();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(timeout));
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let https = match builder.with_native_roots() {
        Ok(builder) => builder.https_or_http().enable_http1().wrap_connector(http),
        Err(_) => {
            let config = rustls::ClientConfig::builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(config)
                .https_or_http()
                .enable_http1()
                .wrap_connector(http)
        }
    };
    Client::builder(TokioExecutor::new())
        .http1_preserve_header_case(true)
        .pool_idle_timeout(Duration::from_secs(50))
        .pool_max_idle_per_host(256)
        .build(https)
}

/// Serves `listener` until the returned handle is dropped; every exchange goes to `events`.
pub(super) fn start(
    listener: std::net::TcpListener,
    options: ProxyOptions,
    events: SyncSender<Event>,
    counts: Arc<Counts>,
) -> Result<Running, String> {
    let (base, prefix) = parse_upstream(&options.upstream)?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot use the listening socket: {e}"))?;
    let listener = TcpListener::from_std(listener)
        .map_err(|e| format!("cannot use the listening socket: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let shared = Arc::new(Shared {
        client: client(options.timeout),
        base,
        prefix,
        options,
        events,
        counts,
    });
    let (stop, stopping) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, shared, stopping));
    Ok(Running { addr, stop, task })
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopping: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(shared.options.max_connections.max(1)));
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .half_close(true)
        .preserve_header_case(true)
        .max_buf_size(64 * 1024)
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    let builder = Arc::new(builder);
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            _ = stopping.wait_for(|stop| *stop) => break,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let builder = Arc::clone(&builder);
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(forward(&shared, request).await) }
            });
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(permit);
        });
    }
}

/// The hop-by-hop headers a proxy does not pass on, and those the connection itself names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "upgrade",
    ] {
        headers.remove(name);
    }
}

async fn forward(shared: &Shared, request: Request<Incoming>) -> Answer {
    let seq = shared.counts.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let started = Instant::now();
    let at = SystemTime::now();
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let target = format!(
        "{}{}{}",
        shared.prefix,
        if path.is_empty() { "/" } else { &path },
        query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default()
    );
    let mut upstream = http::uri::Builder::new();
    if let Some(scheme) = shared.base.scheme() {
        upstream = upstream.scheme(scheme.clone());
    }
    if let Some(authority) = shared.base.authority() {
        upstream = upstream.authority(authority.clone());
    }
    let Ok(uri) = upstream.path_and_query(target.as_str()).build() else {
        return refuse(400, "the request-target cannot be forwarded");
    };
    let request_headers = parts.headers.clone();
    strip_hop_by_hop(&mut parts.headers);
    if let Some(authority) = shared.base.authority()
        && let Ok(host) = http::HeaderValue::from_str(authority.as_str())
    {
        parts.headers.insert(HOST, host);
    }
    let method = parts.method.clone();
    parts.uri = uri;
    parts.version = http::Version::HTTP_11;
    let cap = if shared.options.judge {
        shared.options.body_cap
    } else {
        0
    };
    let (tee, request_kept) = Tee::new(body, cap);
    let outgoing = Request::from_parts(parts, tee);
    let url = match &query {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };
    let answer =
        tokio::time::timeout(shared.options.timeout, shared.client.request(outgoing)).await;
    let (status, why) = match answer {
        Ok(Ok(response)) => (0, Ok(response)),
        Ok(Err(e)) => (502, Err(crate::http::error_chain(&e))),
        Err(_) => (
            504,
            Err(format!(
                "no answer within {} s",
                shared.options.timeout.as_secs_f64()
            )),
        ),
    };
    let response = match why {
        Ok(response) => response,
        Err(why) => {
            shared
                .counts
                .upstream_failures
                .fetch_add(1, Ordering::Relaxed);
            let message = format!("the upstream did not answer: {why}");
            let _ = shared.events.try_send(Event::Upstream {
                seq,
                method: method.to_string(),
                url,
                status,
                why,
            });
            return refuse(status, &message);
        }
    };
    let elapsed = started.elapsed();
    let (mut parts, body) = response.into_parts();
    let status = parts.status.as_u16();
    let response_headers = parts.headers.clone();
    strip_hop_by_hop(&mut parts.headers);
    let (tee, response_kept) = Tee::new(body, cap);
    if !shared.options.judge {
        return Response::from_parts(parts, Either::Left(tee));
    }
    let events = shared.events.clone();
    let counts = Arc::clone(&shared.counts);
    // Waits for both bodies to pass (bounded: a body that never ends is dropped with its
    // connection, which completes the channel), then hands the exchange over.
    let wait = shared.options.timeout * 4;
    tokio::spawn(async move {
        let both = async { (request_kept.await, response_kept.await) };
        let passed = match tokio::time::timeout(wait, both).await {
            Ok((Ok(request), Ok(response))) if request.complete && response.complete => {
                Some(Event::Passed(Box::new(Proxied {
                    seq,
                    at,
                    method,
                    path,
                    query,
                    request_headers,
                    request_body: request.body,
                    status,
                    response_headers,
                    response_body: response.body,
                    elapsed,
                })))
            }
            _ => None,
        };
        if passed.is_none_or(|event| events.try_send(event).is_err()) {
            counts.unjudged.fetch_add(1, Ordering::Relaxed);
        }
    });
    Response::from_parts(parts, Either::Left(tee))
}

/// The proxy's own answer (the upstream failed, or the request cannot be forwarded).
fn refuse(status: u16, message: &str) -> Answer {
    let body = serde_json::json!({ "error": "proxy", "message": message }).to_string();
    let mut response = Response::new(Either::Right(Full::new(Bytes::from(body))));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_GATEWAY);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
