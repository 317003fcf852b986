//! The suite's notification receiver: a bounded HTTP server (the kit's [`Server`]) with one
//! mailbox per scenario, at `/notify/{token}`. Each mailbox answers its deliveries by its own
//! plan (the retry rules need "fail, fail, then success") and keeps them, headers and body,
//! for the scenario's checks. A delivery to no mailbox is answered 404 and counted.
//!
//! Bounds: the server's [`Limits`] (body, head, connections, read times), at most
//! [`MAX_MAILBOXES`] open at once and [`MAX_DELIVERIES`] kept per mailbox (later ones are
//! answered and counted, not kept). A mailbox closes when its scenario drops it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::double::server::{DoubleReply, DoubleRequest, Handler, Limits, Server};

/// Mailboxes open at once, at most (one per scenario in flight).
pub const MAX_MAILBOXES: usize = 4096;
/// Deliveries one mailbox keeps, at most (the longest documented schedule has 10 attempts).
pub const MAX_DELIVERIES: usize = 64;
/// The path every mailbox lives under.
pub const PATH_PREFIX: &str = "/notify/";

/// How the receiver answers one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// One notification as it arrived.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// When it arrived (for the schedule's spacing).
    pub received: Instant,
    /// When it arrived, Unix ms.
    pub at_ms: i64,
    pub method: String,
    /// The path and query it was sent to.
    pub target: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    /// What the receiver answered it.
    pub reply: Reply,
}

impl Delivery {
    /// The delivery as the reports show an exchange: the provider's request (the
    /// notification) and the receiver's answer, under `endpoint` (`notify_url`).
    pub fn exchange(&self, endpoint: &str) -> crate::exchange::Exchange {
        let sent = serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&self.body).into_owned())
        });
        let mut headers = reqwest::header::HeaderMap::new();
        if let Ok(v) = reqwest::header::HeaderValue::from_str(self.reply.content_type) {
            headers.insert(reqwest::header::CONTENT_TYPE, v);
        }
        crate::exchange::Exchange {
            endpoint: endpoint.to_owned(),
            method: reqwest::Method::from_bytes(self.method.as_bytes())
                .unwrap_or(reqwest::Method::POST),
            url: self.target.clone(),
            request_headers: self.headers.clone(),
            json: crate::checks::json::parse(self.reply.body.as_bytes()),
            sent,
            status: self.reply.status,
            headers,
            body: self.reply.body.clone().into_bytes(),
            request_id: None,
            signature: crate::exchange::SignatureCheck::NotApplicable,
            elapsed: Duration::ZERO,
        }
    }

    /// The body parsed as JSON, or why it is not.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        crate::checks::json::parse(&self.body)
    }

    /// A header's value, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
struct Slot {
    plan: Vec<Reply>,
    deliveries: Vec<Delivery>,
    /// Deliveries beyond [`MAX_DELIVERIES`], answered and not kept.
    overflow: usize,
    arrived: Arc<Notify>,
}

#[derive(Debug, Default)]
struct Boxes {
    slots: HashMap<String, Slot>,
}

#[derive(Debug)]
struct Shared {
    boxes: Mutex<Boxes>,
    stray: AtomicU64,
}

fn lock(shared: &Shared) -> MutexGuard<'_, Boxes> {
    shared.boxes.lock().unwrap_or_else(|p| p.into_inner())
}

struct Receive(Arc<Shared>);

impl Handler for Receive {
    fn handle(&self, request: DoubleRequest) -> DoubleReply {
        let token = request.path.strip_prefix(PATH_PREFIX).unwrap_or("");
        let mut boxes = lock(&self.0);
        let Some(slot) = boxes.slots.get_mut(token) else {
            self.0.stray.fetch_add(1, Ordering::Relaxed);
            return DoubleReply::json(404, &serde_json::json!({"error": "no such mailbox"}));
        };
        let index = slot.deliveries.len() + slot.overflow;
        let reply = slot
            .plan
            .get(index)
            .or(slot.plan.last())
            .cloned()
            .unwrap_or(Reply {
                status: 200,
                content_type: "text/plain",
                body: "success".into(),
            });
        if slot.deliveries.len() < MAX_DELIVERIES {
            let target = match &request.query {
                Some(q) => format!("{}?{q}", request.path),
                None => request.path.clone(),
            };
            let headers = request
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            slot.deliveries.push(Delivery {
                received: Instant::now(),
                at_ms: crate::double::notifier::now_ms(),
                method: request.method.to_string(),
                target,
                headers,
                body: request.body,
                reply: reply.clone(),
            });
        } else {
            slot.overflow += 1;
        }
        slot.arrived.notify_waiters();
        DoubleReply::Answer {
            status: reply.status,
            headers: vec![("content-type".into(), reply.content_type.into())],
            body: reply.body.into_bytes(),
            delay: None,
        }
    }
}

/// Why the receiver cannot take a mailbox or start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error(
        "cannot listen for notifications on {addr}: {source}\n(hint: --notify-listen ADDR names a free local address)"
    )]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "more than {MAX_MAILBOXES} scenarios wait for notifications at once\n(hint: lower --concurrency)"
    )]
    Full,
}

/// The running receiver; it stops when dropped.
pub struct Receiver {
    server: Server,
    shared: Arc<Shared>,
    /// The base URL the target is told (`--notify-url`), else the local one.
    public_base: String,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("local", &self.server.uri())
            .field("public_base", &self.public_base)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// Listens on `addr` (port 0: any free one); tells targets `public_base` (no trailing
    /// slash) or, without one, its local URL.
    pub async fn start(
        addr: SocketAddr,
        public_base: Option<&str>,
    ) -> Result<Receiver, ReceiverError> {
        let listen = std::net::TcpListener::bind(addr)
            .map_err(|source| ReceiverError::Listen { addr, source })?;
        let shared = Arc::new(Shared {
            boxes: Mutex::new(Boxes::default()),
            stray: AtomicU64::new(0),
        });
        let limits = Limits {
            max_body: 256 * 1024,
            max_connections: 256,
            ..Limits::default()
        };
        let server = Server::start(listen, Arc::new(Receive(Arc::clone(&shared))), limits)
            .await
            .map_err(|source| ReceiverError::Listen { addr, source })?;
        let public_base = match public_base {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => server.uri(),
        };
        Ok(Receiver {
            server,
            shared,
            public_base,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Deliveries that came to no open mailbox.
    pub fn stray(&self) -> u64 {
        self.shared.stray.load(Ordering::Relaxed)
    }

    /// Opens a mailbox answering its deliveries by `plan` (the last reply repeats; an empty
    /// plan answers `200 success`).
    pub fn mailbox(&self, plan: Vec<Reply>) -> Result<Mailbox, ReceiverError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut boxes = lock(&self.shared);
        if boxes.slots.len() >= MAX_MAILBOXES {
            return Err(ReceiverError::Full);
        }
        let arrived = Arc::new(Notify::new());
        boxes.slots.insert(
            token.clone(),
            Slot {
                plan,
                deliveries: Vec::new(),
                overflow: 0,
                arrived: Arc::clone(&arrived),
            },
        );
        Ok(Mailbox {
            url: format!("{}{PATH_PREFIX}{token}", self.public_base),
            token,
            shared: Arc::clone(&self.shared),
            arrived,
        })
    }
}

/// One scenario's mailbox; closed when dropped.
#[derive(Debug)]
pub struct Mailbox {
    /// The URL to give the provider as `notify_url`.
    pub url: String,
    token: String,
    shared: Arc<Shared>,
    arrived: Arc<Notify>,
}

impl Mailbox {
    /// What arrived so far, and how many more were answered but not kept.
    pub fn deliveries(&self) -> (Vec<Delivery>, usize) {
        let boxes = lock(&self.shared);
        boxes
            .slots
            .get(&self.token)
            .map(|s| (s.deliveries.clone(), s.overflow))
            .unwrap_or_default()
    }

    /// Waits until at least `count` deliveries arrived or `limit` passed; answers what arrived.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Delivery> {
        let until = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let (now, _) = self.deliveries();
            if now.len() >= count {
                return now;
            }
            if tokio::time::timeout_at(until, arrived).await.is_err() {
                return self.deliveries().0;
            }
        }
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        lock(&self.shared).slots.remove(&self.token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain",
            body: body.into(),
        }
    }

    #[tokio::test]
    async fn a_mailbox_answers_by_its_plan_and_keeps_what_came() {
        let receiver = Receiver::start("127.0.0.1:0".parse().unwrap(), None)
            .await
            .unwrap();
        let mailbox = receiver
            .mailbox(vec![reply(500, "fail"), reply(200, "success")])
            .unwrap();
        let client = crate::double::callback::client(Duration::from_secs(5), None).unwrap();
        let mut answers = Vec::new();
        for n in 0..3 {
            let r = client
                .post(&mailbox.url)
                .header("x-n", n.to_string())
                .body(format!("{{\"n\":{n}}}"))
                .send()
                .await
                .unwrap();
            answers.push((r.status().as_u16(), r.text().await.unwrap()));
        }
        assert_eq!(answers[0], (500, "fail".into()));
        assert_eq!(answers[1], (200, "success".into()));
        assert_eq!(answers[2], (200, "success".into()));
        let got = mailbox.wait_for(3, Duration::from_secs(1)).await;
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].header("X-N"), Some("1"));
        assert_eq!(&got[2].body[..], br#"{"n":2}"#);
        assert_eq!(got[0].method, "POST");

        let url = mailbox.url.clone();
        drop(mailbox);
        let stray = client.post(&url).body("x").send().await.unwrap();
        assert_eq!(stray.status().as_u16(), 404);
        assert_eq!(receiver.stray(), 1);
    }

    #[tokio::test]
    async fn waiting_ends_at_its_limit_with_what_came() {
        let receiver = Receiver::start(
            "127.0.0.1:0".parse().unwrap(),
            Some("https://hook.example/"),
        )
        .await
        .unwrap();
        let mailbox = receiver.mailbox(Vec::new()).unwrap();
        assert!(mailbox.url.starts_with("https://hook.example/notify/"));
        let started = Instant::now();
        let got = mailbox.wait_for(1, Duration::from_millis(50)).await;
        assert!(got.is_empty());
        assert!(started.elapsed() >= Duration::from_millis(50));
    }
}
