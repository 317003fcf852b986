//! The signed client: builds each TTPay request (A1, A2), sends it paced (A7) over the shared
//! transport, waits out rate limits, and hands back an [`Exchange`] with what came — including
//! whether the response signature holds (A6).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::signing::{self, Authorization};
use super::{AppSecret, Endpoint, Merchant, QueryMethod, TimestampUnit};
use crate::findings::Inconclusive;
use crate::http::{Incoming, Method, Outgoing, Pacer, SendStats, Transport, TransportError};

/// The business code of a rate-limited answer (A7, T6).
pub const TOO_FREQUENT: i64 = 11001;

/// Business codes that mean "slow down and retry" (A7) or "retry later" (T6 11000).
pub const RETRY_CODES: [i64; 3] = [11001, 20004, 11000];

/// How many times a rate-limited call is retried before it is inconclusive.
const RATE_LIMIT_RETRIES: u32 = 6;

/// How the signature of a request is spoiled on purpose (A3–A5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tamper {
    #[default]
    None,
    /// Signed with a secret that is not the app's.
    WrongSignature,
    /// Signed right, an hour ago.
    StaleTimestamp,
    /// Signed with the app's secret, but for an `app_id` nobody registered.
    UnknownApp,
    /// No `Authorization` header at all.
    NoAuthorization,
    /// An `Authorization` header that is not `TTPAY-AES-256-ECB k=v,…`.
    UnreadableAuthorization,
}

impl Tamper {
    /// Whether the provider can know whose secret to sign its answer with.
    fn identifies_the_app(self) -> bool {
        !matches!(
            self,
            Tamper::UnknownApp | Tamper::NoAuthorization | Tamper::UnreadableAuthorization
        )
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub enum Payload {
    /// A JSON object (for a `GET` query: its members become the query string).
    Json(Value),
    /// Bytes sent as they are, for malformed-input checks (T5).
    Raw(Vec<u8>),
}

/// The result of the response signature check (A6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureCheck {
    Valid,
    Missing,
    Invalid,
    /// The request was made for an unknown app: nothing to check against.
    NotApplicable,
}

/// One request and its response, as the checks see them.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub endpoint: Endpoint,
    pub method: Method,
    /// What was sent: the JSON body (or query parameters), or the raw bytes as text.
    pub sent: Value,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The body parsed as strict JSON, or why it is not.
    pub json: Result<Value, String>,
    pub signature: SignatureCheck,
    pub elapsed: Duration,
}

impl Exchange {
    /// The parsed JSON object, if the body was one.
    pub fn object(&self) -> Option<&serde_json::Map<String, Value>> {
        self.json.as_ref().ok().and_then(Value::as_object)
    }

    /// `code`, if it is an integer.
    pub fn code(&self) -> Option<i64> {
        self.object()?.get("code")?.as_i64()
    }

    /// `request_id`, if it is a string.
    pub fn request_id(&self) -> Option<String> {
        self.object()?
            .get("request_id")?
            .as_str()
            .map(str::to_owned)
    }

    /// The value at a JSON pointer of the body.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        self.json.as_ref().ok()?.pointer(pointer)
    }

    /// `data`, when it is an object.
    pub fn data(&self) -> Option<&serde_json::Map<String, Value>> {
        self.pointer("/data")?.as_object()
    }

    /// The body as text (lossy), cut for reports.
    pub fn body_excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        if text.chars().count() > 160 {
            format!("{}...", text.chars().take(157).collect::<String>())
        } else if text.is_empty() {
            "(empty body)".to_owned()
        } else {
            text.to_owned()
        }
    }
}

/// Where and how to talk to the provider.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// `scheme://host[:port]`, no trailing slash.
    pub base_url: String,
    pub query_method: QueryMethod,
    pub timestamp_unit: TimestampUnit,
}

/// The TTPay client of a run: one transport, one pacer, shared by every scenario.
#[derive(Debug)]
pub struct TtpayClient {
    transport: Transport,
    pacer: Pacer,
    settings: ClientSettings,
    stats: Arc<SendStats>,
}

impl TtpayClient {
    pub fn new(transport: Transport, pacer: Pacer, settings: ClientSettings) -> Self {
        Self {
            transport,
            pacer,
            settings,
            stats: Arc::default(),
        }
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// What this client sent per `app_id` (retries included) and how many answers were 11001;
    /// the handle stays readable after the client is gone (`pay-conformance bench`).
    pub fn stats(&self) -> Arc<SendStats> {
        Arc::clone(&self.stats)
    }

    /// Signs and sends one call, pacing it and retrying what the network or the rate limit
    /// kept from being answered. `Err` is inconclusive: nothing can be concluded from it.
    pub async fn call(
        &self,
        endpoint: Endpoint,
        merchant: &Merchant,
        payload: &Payload,
        tamper: Tamper,
    ) -> Result<Exchange, Inconclusive> {
        let inconclusive = |reason: String| Inconclusive {
            endpoint: endpoint.path().to_owned(),
            reason,
        };
        let mut attempts = 0;
        loop {
            let ticket = self.pacer.wait(&merchant.app_id).await;
            let built = self.build(endpoint, merchant, payload, tamper);
            let (outgoing, sent) = match built {
                Ok(built) => built,
                Err(e) => {
                    self.pacer.answered(ticket);
                    return Err(inconclusive(e.to_string()));
                }
            };
            self.stats.record_send(&merchant.app_id);
            // Query is safe to repeat; create and close only when the request never left.
            let incoming = if endpoint == Endpoint::Query {
                self.transport.send(&outgoing).await
            } else {
                self.send_unless_delivered(&outgoing).await
            };
            self.pacer.answered(ticket);
            let incoming = incoming.map_err(|e| inconclusive(e.to_string()))?;
            let exchange = self.exchange(endpoint, &outgoing, sent, incoming, merchant, tamper);
            match exchange.code() {
                Some(code) if RETRY_CODES.contains(&code) && exchange.status == 200 => {
                    if code == TOO_FREQUENT {
                        self.stats.record_rate_limited();
                    }
                    attempts += 1;
                    if attempts > RATE_LIMIT_RETRIES {
                        return Err(inconclusive(format!(
                            "still answered code {code} (rate limited / retry later) after {RATE_LIMIT_RETRIES} retries"
                        )));
                    }
                    let pause = Duration::from_millis(250 * 2u64.pow(attempts.min(4)));
                    self.pacer.back_off(&merchant.app_id, pause).await;
                }
                _ => return Ok(exchange),
            }
        }
    }

    /// Retries only connection failures: a timeout on create or close may have taken effect.
    async fn send_unless_delivered(&self, outgoing: &Outgoing) -> Result<Incoming, TransportError> {
        let policy = self.transport.policy();
        let mut pause = policy.backoff;
        for _ in 0..policy.retries {
            match self.transport.send_once(outgoing).await {
                Err(TransportError::Connect(_)) => {
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
                other => return other,
            }
        }
        self.transport.send_once(outgoing).await
    }

    fn build(
        &self,
        endpoint: Endpoint,
        merchant: &Merchant,
        payload: &Payload,
        tamper: Tamper,
    ) -> Result<(Outgoing, Value), TransportError> {
        let base = format!("{}{}", self.settings.base_url, endpoint.path());
        let get = endpoint == Endpoint::Query && self.settings.query_method == QueryMethod::Get;
        let (method, url, body, sent) = match payload {
            Payload::Json(value) if get => {
                let mut url = reqwest::Url::parse(&base)
                    .map_err(|e| TransportError::Build(format!("base url: {e}")))?;
                if let Some(members) = value.as_object() {
                    let mut pairs = url.query_pairs_mut();
                    for (key, v) in members {
                        match v {
                            Value::String(s) => pairs.append_pair(key, s),
                            other => pairs.append_pair(key, &other.to_string()),
                        };
                    }
                }
                (Method::GET, url.to_string(), Vec::new(), value.clone())
            }
            Payload::Json(value) => (
                Method::POST,
                base,
                serde_json::to_vec(value).unwrap_or_default(),
                value.clone(),
            ),
            Payload::Raw(bytes) => (
                Method::POST,
                base,
                bytes.clone(),
                Value::String(String::from_utf8_lossy(bytes).into_owned()),
            ),
        };
        let signed_url = match url.find("/v1/") {
            Some(i) => &url[i..],
            None => endpoint.path(),
        };
        let now_ms = now_ms();
        let stamp_ms = if tamper == Tamper::StaleTimestamp {
            now_ms - 3_600_000
        } else {
            now_ms
        };
        let timestamp = self
            .settings
            .timestamp_unit
            .from_unix_ms(stamp_ms)
            .to_string();
        let nonce = signing::nonce();
        let message = signing::request_message(
            signed_url,
            &timestamp,
            &nonce,
            &String::from_utf8_lossy(&body),
        );
        let signature = match tamper {
            Tamper::WrongSignature => wrong_secret(&merchant.secret).seal(message.as_bytes()),
            _ => merchant.secret.seal(message.as_bytes()),
        };
        let app_id = if tamper == Tamper::UnknownApp {
            format!(
                "unknown{}",
                &uuid::Uuid::new_v4().simple().to_string()[..25]
            )
        } else {
            merchant.app_id.clone()
        };
        let authorization = Authorization {
            app_id,
            mch_id: merchant.mch_id.clone(),
            nonce_str: nonce,
            timestamp,
            signature,
        };
        let mut headers = vec![("content-type", "application/json".to_owned())];
        match tamper {
            Tamper::NoAuthorization => {}
            Tamper::UnreadableAuthorization => {
                headers.push((
                    "authorization",
                    format!("{} {}", signing::SCHEME, nonce_garbage()),
                ));
            }
            _ => headers.push(("authorization", authorization.to_header())),
        }
        let outgoing = Outgoing {
            method,
            url,
            headers,
            body,
        };
        Ok((outgoing, sent))
    }

    fn exchange(
        &self,
        endpoint: Endpoint,
        outgoing: &Outgoing,
        sent: Value,
        incoming: Incoming,
        merchant: &Merchant,
        tamper: Tamper,
    ) -> Exchange {
        let signature = if !tamper.identifies_the_app() {
            SignatureCheck::NotApplicable
        } else {
            check_signature(&incoming, &merchant.secret)
        };
        let json = serde_json::from_slice::<Value>(&incoming.body).map_err(|e| e.to_string());
        Exchange {
            endpoint,
            method: outgoing.method.clone(),
            sent,
            status: incoming.status,
            content_type: incoming.header("content-type").map(str::to_owned),
            json,
            signature,
            elapsed: incoming.elapsed,
            body: incoming.body,
        }
    }
}

/// A6: `TTPay-Signature` over `TS\nNONCE\nBODY` with the app secret.
fn check_signature(incoming: &Incoming, secret: &AppSecret) -> SignatureCheck {
    let (Some(ts), Some(nonce), Some(signature)) = (
        incoming.header("ttpay-timestamp"),
        incoming.header("ttpay-nonce"),
        incoming.header("ttpay-signature"),
    ) else {
        return SignatureCheck::Missing;
    };
    let message = signing::response_message(ts, nonce, &incoming.body);
    if secret.verifies(&message, signature) {
        SignatureCheck::Valid
    } else {
        SignatureCheck::Invalid
    }
}

/// Something that is not `key=value,…`.
fn nonce_garbage() -> String {
    format!("{}%%;;{}", signing::nonce(), signing::nonce())
}

/// A secret of the right length that is certainly not the app's.
fn wrong_secret(secret: &AppSecret) -> AppSecret {
    let fill = if secret.expose().starts_with('x') {
        "y"
    } else {
        "x"
    };
    AppSecret::new(fill.repeat(32)).expect("32 ASCII bytes")
}

/// Unix time in milliseconds, by the suite's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
