//! The signed client: builds each TTPay request (A1, A2), sends it paced (A7) over the shared
//! transport, waits out rate limits, and hands back an [`Exchange`] with what came — including
//! whether the response signature holds (A6).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

mod answer;
mod request;

pub use answer::{TtpayExchange, response_signature};
use answer::{check_signature, retry_after};
pub use request::{Payload, Tamper, signed_path};
use request::{nonce_garbage, wrong_secret};

use super::crypto::signing::{self, MerchantSigner};
use super::{Endpoint, Merchant, QueryMethod, TimestampUnit};
use crate::findings::Inconclusive;
use crate::http::{Incoming, Method, Outgoing, Pacer, SendStats, Transport, TransportError};
use crate::signer::{Signed, Signer as _};

/// The business code of a rate-limited answer (A7, T6).
pub const TOO_FREQUENT: i64 = 11001;

/// Business codes that mean "slow down and retry" (A7) or "retry later" (T6 11000).
pub const RETRY_CODES: [i64; 3] = [11001, 20004, 11000];

/// The largest JSON body a well-formed request has (T5's oversized ones are not).
const WELL_FORMED_BYTES: usize = 8 * 1024;

/// Whether `value` serializes to at most `limit` bytes: written to a counter that gives up
/// past the limit, so an oversized payload (T5's megabytes) is neither copied nor walked whole.
fn json_fits(value: &Value, limit: usize) -> bool {
    struct Budget(usize);
    impl std::io::Write for Budget {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 = self
                .0
                .checked_sub(bytes.len())
                .ok_or(std::io::ErrorKind::FileTooLarge)?;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    serde_json::to_writer(Budget(limit), value).is_ok()
}

/// How many times a rate-limited call is retried before it is inconclusive.
const RATE_LIMIT_RETRIES: u32 = 6;

use crate::exchange::Parts;
pub use crate::exchange::{Exchange, SignatureCheck};

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
    /// The same pool, for well-formed requests only: its unanswered attempts tell whether the
    /// target is flaky whatever it is sent (T5, T7: a drop of malformed input is then
    /// inconclusive).
    well_formed: Transport,
    pacer: Arc<Pacer>,
    settings: ClientSettings,
    stats: Arc<SendStats>,
}

impl TtpayClient {
    pub fn new(transport: Transport, pacer: Pacer, settings: ClientSettings) -> Self {
        Self {
            well_formed: transport.counting(),
            transport,
            pacer: Arc::new(pacer),
            settings,
            stats: Arc::default(),
        }
    }

    /// The same client on a kept-alive connection of its own (T7), paced and counted with
    /// this one.
    /// Its well-formed requests count apart: a drop after a refused method on that connection
    /// is the T7 finding, not the target's flakiness.
    pub fn on_own_connection(&self) -> Result<Self, crate::http::TransportError> {
        let transport = self.transport.own_connection()?;
        Ok(Self {
            well_formed: transport.counting(),
            transport,
            pacer: Arc::clone(&self.pacer),
            settings: self.settings.clone(),
            stats: Arc::clone(&self.stats),
        })
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    /// How many attempts of well-formed requests (signed right, a JSON body of at most 8 KiB,
    /// a documented method) got no answer so far; the handle stays readable.
    pub fn well_formed_unanswered(&self) -> Arc<std::sync::atomic::AtomicU64> {
        self.well_formed.unanswered()
    }

    /// [`call`](Self::call) for input that no client should send (T5): its drops say nothing
    /// of the target's steadiness.
    pub async fn call_malformed(
        &self,
        endpoint: Endpoint,
        merchant: &Merchant,
        payload: &Payload,
    ) -> Result<Exchange, Inconclusive> {
        self.send_call(endpoint, None, merchant, payload, Tamper::None, false)
            .await
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
        self.call_as(endpoint, None, merchant, payload, tamper)
            .await
    }

    /// [`call`](Self::call) with a method the API does not document for `endpoint` (T7),
    /// signed as sent: `GET` carries the members of a JSON payload in the query string, the
    /// others a JSON body. Sent once: a request that may have had an effect is not repeated.
    pub async fn call_as(
        &self,
        endpoint: Endpoint,
        method: Option<Method>,
        merchant: &Merchant,
        payload: &Payload,
        tamper: Tamper,
    ) -> Result<Exchange, Inconclusive> {
        let well_formed = method.is_none()
            && tamper == Tamper::None
            && matches!(payload, Payload::Json(v) if json_fits(v, WELL_FORMED_BYTES));
        self.send_call(endpoint, method, merchant, payload, tamper, well_formed)
            .await
    }

    async fn send_call(
        &self,
        endpoint: Endpoint,
        method: Option<Method>,
        merchant: &Merchant,
        payload: &Payload,
        tamper: Tamper,
        well_formed: bool,
    ) -> Result<Exchange, Inconclusive> {
        let transport = if well_formed {
            &self.well_formed
        } else {
            &self.transport
        };
        let inconclusive = |reason: String| Inconclusive {
            endpoint: endpoint.path().to_owned(),
            reason,
        };
        let mut attempts = 0;
        loop {
            let ticket = self.pacer.wait(&merchant.app_id).await;
            let built = self.build(endpoint, method.clone(), merchant, payload, tamper);
            let (outgoing, sent) = match built {
                Ok(built) => built,
                Err(e) => {
                    self.pacer.answered(ticket);
                    return Err(inconclusive(e.to_string()));
                }
            };
            self.stats.record_send(&merchant.app_id);
            // Query is safe to repeat; create and close only when the request never left.
            let incoming = if method.is_some() {
                transport.send_once(&outgoing).await
            } else if endpoint == Endpoint::Query {
                transport.send(&outgoing).await
            } else {
                transport.send_unless_delivered(&outgoing).await
            };
            self.pacer.answered(ticket);
            let incoming = incoming.map_err(|e| inconclusive(e.to_string()))?;
            let exchange = self.exchange(endpoint, &outgoing, sent, incoming, merchant, tamper);
            // A7: 11001 / 20004 / 11000 in a 200, or an HTTP 429 from a gateway in front (with
            // or without a body): slow down and retry; inconclusive if it persists.
            let retry = match exchange.code() {
                _ if exchange.status == 429 => Some("HTTP 429".to_owned()),
                Some(code) if RETRY_CODES.contains(&code) && exchange.status == 200 => {
                    Some(format!("code {code}"))
                }
                _ => None,
            };
            let Some(answer) = retry else {
                return Ok(exchange);
            };
            if exchange.status == 429 || exchange.code() == Some(TOO_FREQUENT) {
                self.stats.record_rate_limited();
            }
            attempts += 1;
            if attempts > RATE_LIMIT_RETRIES {
                return Err(inconclusive(format!(
                    "still answered {answer} (rate limited / retry later) after {RATE_LIMIT_RETRIES} retries"
                )));
            }
            let backoff = Duration::from_millis(250 * 2u64.pow(attempts.min(4)));
            let pause = retry_after(&exchange).unwrap_or(backoff).max(backoff);
            self.pacer.back_off(&merchant.app_id, pause).await;
        }
    }

    fn build(
        &self,
        endpoint: Endpoint,
        method: Option<Method>,
        merchant: &Merchant,
        payload: &Payload,
        tamper: Tamper,
    ) -> Result<(Outgoing, Value), TransportError> {
        let base = format!("{}{}", self.settings.base_url, endpoint.path());
        let get = match &method {
            Some(method) => *method == Method::GET,
            None => endpoint == Endpoint::Query && self.settings.query_method == QueryMethod::Get,
        };
        let (default_method, url, body, sent) = match payload {
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
        let method = method.unwrap_or(default_method);
        let signed_url = signed_path(&url, endpoint);
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
        let wrong = wrong_secret(&merchant.secret);
        let unknown_app = format!(
            "unknown{}",
            &uuid::Uuid::new_v4().simple().to_string()[..25]
        );
        let mut signer = MerchantSigner::new(merchant);
        match tamper {
            Tamper::WrongSignature => signer.secret = &wrong,
            Tamper::UnknownApp => signer.app_id = &unknown_app,
            _ => {}
        }
        let authorization = signer.authorization(&Signed::new(
            method.as_str(),
            &signed_url,
            &timestamp,
            &nonce,
            &body,
        ));
        // Hidden by value wherever it shows up, even echoed by the target.
        if let Ok(parsed) = signing::Authorization::parse(&authorization) {
            crate::redact::register_signature(&parsed.signature);
        }
        let mut headers = vec![("content-type", "application/json".to_owned())];
        match tamper {
            Tamper::NoAuthorization => {}
            Tamper::UnreadableAuthorization => {
                headers.push((
                    "authorization",
                    format!("{} {}", signing::SCHEME, nonce_garbage()),
                ));
            }
            _ => headers.push(("authorization", authorization)),
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
        let json = if incoming.over_cap {
            Err(format!(
                "the body is over {} MiB; reading stopped there",
                crate::http::MAX_RESPONSE_BYTES / (1024 * 1024)
            ))
        } else {
            crate::checks::json::parse(&incoming.body)
        };
        let request_id = json
            .as_ref()
            .ok()
            .and_then(|v| v.get("request_id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let parts = Parts {
            endpoint: endpoint.path().to_owned(),
            url: signed_path(&outgoing.url, endpoint),
            sent,
            json,
            request_id,
            signature,
        };
        Exchange::from_parts(outgoing, incoming, parts)
    }
}

pub use crate::world::now_ms;

#[cfg(test)]
mod tests {
    use super::json_fits;

    #[test]
    fn json_fits_counts_the_serialized_bytes_exactly() {
        let value = serde_json::json!({ "a": "x".repeat(100) });
        let len = value.to_string().len();
        assert!(json_fits(&value, len));
        assert!(!json_fits(&value, len - 1));
    }
}
