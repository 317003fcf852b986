//! The HTTP layer every provider shares: one `reqwest::Client` for the whole run, timeouts,
//! retries of transport failures, and pacing. Whatever the network keeps from us comes back
//! as a [`TransportError`] — which the suite reports as inconclusive, never as a deviation.

mod pacer;
mod stats;
mod stop;

use std::time::{Duration, Instant};

pub use pacer::{Pacer, Ticket};
pub use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
pub use stats::{KeySends, SendStats};
pub use stop::{deadline_passed, interrupt, interrupted, past_deadline, signal, stopped, stopping};

/// A request, fully built (signed) and ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// The body went on past [`MAX_RESPONSE_BYTES`]: reading stopped there, and `body` holds
    /// the first bytes only.
    pub over_cap: bool,
}

/// A `Content-Type` value's media type is `application/json` (any case, any parameters:
/// `application/json; charset=utf-8`); `None`, no header, is not.
pub fn is_json_type(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// How much of a response body is read: enough for any answer of a payment API, bounded so
/// that a target streaming without end cannot exhaust memory.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Bodies past this size wait for one of [`LARGE_BODIES`]'s permits.
const LARGE_BODY_BYTES: usize = 1024 * 1024;

/// How many responses may be read past [`LARGE_BODY_BYTES`] at once.
static LARGE_BODIES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

impl Incoming {
    /// A header's value as text, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The network kept the request from being answered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("connection failed: {0}")]
    Other(String),
    #[error("request could not be built: {0}")]
    Build(String),
    #[error("not sent: the run was interrupted")]
    Interrupted,
    #[error("not answered before the run's deadline (--deadline)")]
    Deadline,
}

/// Timeouts and retries.
#[derive(Debug, Clone, Copy)]
pub struct TransportPolicy {
    /// Per attempt.
    pub timeout: Duration,
    /// Further attempts after a transport failure.
    pub retries: u32,
    /// Pause before the first retry; doubled each time.
    pub backoff: Duration,
}

impl Default for TransportPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            retries: 2,
            backoff: Duration::from_millis(250),
        }
    }
}

/// One HTTP client for the run (building one costs ~30 ms: never per request).
///
/// Its pool hands a kept-alive connection to whichever request comes next, so a check about
/// one connection (T7: does it still answer after an undocumented method?) takes a client of
/// its own ([`own_connection`](Self::own_connection)). A connection whose response hyper could
/// not frame (a parse error, a body cut short) or whose body we stopped reading (over the cap)
/// is closed, never pooled: the next request gets a fresh one.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    policy: TransportPolicy,
    user_agent: String,
    /// Built for the embedded double: no system roots read (see [`Self::for_embedded`]).
    embedded: bool,
    /// Attempts of this handle that got no answer (a reset, a timeout, no connection).
    unanswered: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Transport {
    /// Builds the shared client; `user_agent` goes on every request.
    pub fn new(user_agent: &str, policy: TransportPolicy) -> Result<Self, TransportError> {
        Self::build(false, user_agent, policy, 64)
    }

    /// A transport for the embedded double (plain HTTP on the loopback): it trusts no
    /// certificate, so it does not read the system's roots (a few ms of CPU per process).
    pub fn for_embedded(user_agent: &str, policy: TransportPolicy) -> Result<Self, TransportError> {
        Self::build(true, user_agent, policy, 64)
    }

    /// A client of one kept-alive connection, the same policy: requests sent one after the
    /// other through it go over the same connection while the server keeps it open.
    pub fn own_connection(&self) -> Result<Self, TransportError> {
        Self::build(self.embedded, &self.user_agent, self.policy, 1)
    }

    fn build(
        embedded: bool,
        user_agent: &str,
        policy: TransportPolicy,
        idle_per_host: usize,
    ) -> Result<Self, TransportError> {
        install_crypto_provider();
        let builder = if embedded {
            reqwest::Client::builder().tls_certs_only(std::iter::empty())
        } else {
            reqwest::Client::builder()
        };
        let client = builder
            .user_agent(user_agent)
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(idle_per_host)
            .build()
            .map_err(|e| TransportError::Build(error_chain(&e)))?;
        Ok(Self {
            client,
            policy,
            user_agent: user_agent.to_owned(),
            embedded,
            unanswered: Default::default(),
        })
    }

    /// The same client and pool, counting its own unanswered attempts ([`Self::unanswered`]):
    /// a provider's client sends its well-formed requests through one, to tell a flaky target
    /// from one that drops only what it should refuse.
    pub fn counting(&self) -> Self {
        Self {
            unanswered: Default::default(),
            ..self.clone()
        }
    }

    /// How many attempts through this handle got no answer, so far (shared by its clones).
    pub fn unanswered(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        std::sync::Arc::clone(&self.unanswered)
    }

    pub fn policy(&self) -> TransportPolicy {
        self.policy
    }

    /// Sends once, and again after a transport failure, up to the policy's retries.
    pub async fn send(&self, request: &Outgoing) -> Result<Incoming, TransportError> {
        let mut pause = self.policy.backoff;
        let mut attempt = 0;
        loop {
            match self.send_once(request).await {
                Ok(incoming) => return Ok(incoming),
                Err(TransportError::Build(e)) => return Err(TransportError::Build(e)),
                Err(TransportError::Interrupted) => return Err(TransportError::Interrupted),
                Err(TransportError::Deadline) => return Err(TransportError::Deadline),
                Err(e) if attempt >= self.policy.retries => return Err(e),
                Err(_) => {
                    attempt += 1;
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
            }
        }
    }

    /// Sends, retrying only failures to connect: a request that may have reached the provider
    /// (a timeout, a reset after sending) is not repeated, since a create or close may have
    /// taken effect.
    pub async fn send_unless_delivered(
        &self,
        request: &Outgoing,
    ) -> Result<Incoming, TransportError> {
        let mut pause = self.policy.backoff;
        for _ in 0..self.policy.retries {
            match self.send_once(request).await {
                Err(TransportError::Connect(_)) => {
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                other => return other,
            }
        }
        self.send_once(request).await
    }

    /// Sends exactly once, no retry.
    pub async fn send_once(&self, request: &Outgoing) -> Result<Incoming, TransportError> {
        let sent = tokio::select! {
            sent = self.attempt(request) => sent,
            () = stopped() => Err(if interrupted() {
                TransportError::Interrupted
            } else {
                TransportError::Deadline
            }),
        };
        if let Err(
            TransportError::Timeout(_) | TransportError::Connect(_) | TransportError::Other(_),
        ) = &sent
        {
            self.unanswered
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        sent
    }

    async fn attempt(&self, request: &Outgoing) -> Result<Incoming, TransportError> {
        if interrupted() {
            return Err(TransportError::Interrupted);
        }
        if past_deadline() {
            return Err(TransportError::Deadline);
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let value = HeaderValue::from_str(value)
                .map_err(|_| TransportError::Build(format!("header `{name}` is not valid")))?;
            headers.insert(HeaderName::from_static(name), value);
        }
        let started = Instant::now();
        let response = self
            .client
            .request(request.method.clone(), &request.url)
            .headers(headers)
            .body(request.body.clone())
            .send()
            .await
            .map_err(|e| self.classify(e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut response = response;
        let mut body = Vec::new();
        let mut over_cap = false;
        let mut _large = None;
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if _large.is_none() && body.len() + chunk.len() > LARGE_BODY_BYTES {
                // Few large bodies at once: memory stays bounded whatever the concurrency.
                _large = LARGE_BODIES.acquire().await.ok();
            }
            let room = MAX_RESPONSE_BYTES - body.len();
            let take = chunk.len().min(room);
            if body.capacity() - body.len() < take {
                let want = (body.len() * 2).max(body.len() + take);
                body.reserve_exact(want.min(MAX_RESPONSE_BYTES) - body.len());
            }
            body.extend_from_slice(&chunk[..take]);
            if take < chunk.len() {
                over_cap = true;
                // What a report shows of it; dropping the response closes the connection.
                body.truncate(4096);
                body.shrink_to_fit();
                break;
            }
        }
        Ok(Incoming {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
            over_cap,
        })
    }

    fn classify(&self, e: reqwest::Error) -> TransportError {
        if e.is_timeout() {
            TransportError::Timeout(self.policy.timeout)
        } else if e.is_connect() {
            TransportError::Connect(error_chain(&e))
        } else if e.is_builder() {
            TransportError::Build(error_chain(&e))
        } else {
            TransportError::Other(error_chain(&e))
        }
    }
}

/// An error with its causes, `a: b: c` (reqwest's own `Display` stops at the first).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    crate::error::chain(e, ": ")
}

/// rustls needs one process-wide crypto provider; we use ring.
pub(crate) fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

#[cfg(test)]
mod tests {
    use super::is_json_type;

    #[test]
    fn a_json_content_type_is_told_by_its_media_type() {
        assert!(is_json_type(Some("application/json")));
        assert!(is_json_type(Some(" Application/JSON ; charset=utf-8")));
        assert!(!is_json_type(Some("text/json")));
        assert!(!is_json_type(Some("application/json-patch+json")));
        assert!(!is_json_type(Some("")));
        assert!(!is_json_type(None));
    }
}
