//! The signed client: builds each request as W1 says (paths, compact JSON, `Content-Type`,
//! `Accept`, a `User-Agent`, percent-encoded path ids signed as sent), signs it as W6 says —
//! or spoils one thing on purpose ([`Tamper`]) — sends it paced over the shared transport,
//! retries what W4 says to retry (429, `SYSTEMERROR` 5xx), and hands back an [`Exchange`]
//! whose `signature` is W7's verdict and whose request id is the `Request-ID` header.

use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

use rand::Rng as _;
use rand::distr::Alphanumeric;
use reqwest::Method;
use serde_json::Value;

use super::checks::{self, PlatformKeys};
use super::config::{Merchant, PathFlavour};
use super::crypto::{ParamOrder, PrivateKey, SCHEME, nonce, sign_request};
use crate::exchange::{Exchange, Parts, SignatureCheck};
use crate::findings::Inconclusive;
use crate::http::{Incoming, Outgoing, Pacer, Transport, TransportError};

/// How many times a "retry" answer (W4) is retried before the call is inconclusive.
const RETRIES: u32 = 4;

/// A path id percent-encoded as W1 says: everything but letters, digits and `-._~`.
pub fn encode_id(id: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(id, SET).to_string()
}

/// Seconds added to a timestamp sent ahead of the clock, for the time a request spends between
/// signing and the provider reading it: without it, a request that took a second to arrive is
/// within a 300-second window on arrival and a conforming provider would be flagged (W6).
pub const AHEAD_IN_TRANSIT_S: i64 = 5;

/// How a request's signature is spoiled on purpose (W6), or written in another SDK's way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Tamper {
    #[default]
    None,
    /// Signed by a key the target does not know (the configured `serial_no`).
    OtherKey,
    /// Signed, then one byte of the body replaced.
    BodyByteChanged,
    /// The signature covers this other path.
    OtherPath(String),
    /// Sent with its method, signed as a `GET`.
    SignedAsGet,
    UnknownSerial,
    /// The header's `mchid` is not the signer's (the body keeps the signer's): another
    /// merchant's when given, else one nobody has.
    OtherMchid(Option<String>),
    /// The timestamp this many seconds off (negative: in the past).
    TimestampOffset(i64),
    TimestampMillis,
    NoAuthorization,
    /// The scheme word replaced, the parameters kept.
    Scheme(String),
    /// Signed right, the parameters in this order.
    Order(ParamOrder),
    /// Signed right with a nonce of this many letters and digits.
    NonceLength(usize),
}

/// One request: its method, its request-target as sent (path, percent-encoded ids, `?query`),
/// its exact body bytes, and the endpoint's name for reports.
#[derive(Debug, Clone)]
pub struct Call {
    pub endpoint: String,
    pub method: Method,
    pub target: String,
    pub body: Vec<u8>,
}

/// The WeChat Pay client of a run: one transport, one pacer, the platform keys.
#[derive(Debug)]
pub struct WxClient {
    transport: Transport,
    pacer: Pacer,
    base_url: String,
    pub flavour: PathFlavour,
    platform: RwLock<Arc<PlatformKeys>>,
    /// The key of [`Tamper::OtherKey`] (see [`stranger_key`]).
    stranger: Option<PrivateKey>,
}

/// A key nobody registered, generated once per process for runs against a remote target (the
/// embedded double's runs use the shipped TEST-ONLY stranger key instead).
static STRANGER: LazyLock<Option<PrivateKey>> = LazyLock::new(|| PrivateKey::generate(2048).ok());

/// The key of "signed with another key": the TEST-ONLY one against the embedded double,
/// else one generated now (~150 ms of CPU: call it off the async workers, before a run, so
/// that no request waits for it).
pub fn stranger_key(embedded: bool) -> Option<PrivateKey> {
    if embedded {
        Some(
            crate::wechatpay::double::test_keys::test_keys()
                .stranger
                .clone(),
        )
    } else {
        STRANGER.clone()
    }
}

impl WxClient {
    pub fn new(
        transport: Transport,
        pacer: Pacer,
        base_url: &str,
        flavour: PathFlavour,
        platform: PlatformKeys,
    ) -> Self {
        Self {
            transport,
            pacer,
            base_url: base_url.trim_end_matches('/').to_owned(),
            flavour,
            platform: RwLock::new(Arc::new(platform)),
            stranger: None,
        }
    }

    /// Signs [`Tamper::OtherKey`]'s requests with `key`.
    pub fn with_stranger(mut self, key: Option<PrivateKey>) -> Self {
        self.stranger = key;
        self
    }

    /// The platform keys answers are verified with.
    pub fn platform(&self) -> Arc<PlatformKeys> {
        self.platform
            .read()
            .map(|p| Arc::clone(&p))
            .unwrap_or_default()
    }

    /// Replaces the platform keys (after the certificates were downloaded).
    pub fn set_platform(&self, keys: PlatformKeys) {
        if let Ok(mut p) = self.platform.write() {
            *p = Arc::new(keys);
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Signs and sends `call` as `signer` (spoiled as `tamper` says), paced, retrying W4's
    /// "retry" answers. `Err` is inconclusive: nothing can be concluded from it.
    pub async fn call(
        &self,
        call: &Call,
        signer: &Merchant,
        tamper: &Tamper,
    ) -> Result<Exchange, Inconclusive> {
        let inconclusive = |reason: String| Inconclusive {
            endpoint: call.endpoint.clone(),
            reason,
        };
        let mut attempts = 0;
        loop {
            let ticket = self.pacer.wait(&signer.mchid).await;
            let outgoing = self.build(call, signer, tamper);
            let incoming = match outgoing {
                Ok(outgoing) => self
                    .send(&outgoing, call.method == Method::GET)
                    .await
                    .map(|i| (outgoing, i)),
                Err(e) => Err(e),
            };
            self.pacer.answered(ticket);
            let (outgoing, incoming) = incoming.map_err(|e| inconclusive(e.to_string()))?;
            if checks::says_retry(incoming.status, &incoming.body) {
                attempts += 1;
                if attempts > RETRIES {
                    return Err(inconclusive(format!(
                        "still answered {} (rate limited / system error: retry) after {RETRIES} retries",
                        incoming.status
                    )));
                }
                let pause = Duration::from_millis(250 * 2u64.pow(attempts.min(4)));
                self.pacer.back_off(&signer.mchid, pause).await;
                continue;
            }
            return Ok(self.exchange(call, &outgoing, incoming));
        }
    }

    /// A `GET` is safe to repeat; anything else only when the request never left.
    async fn send(
        &self,
        outgoing: &Outgoing,
        idempotent: bool,
    ) -> Result<Incoming, TransportError> {
        if idempotent {
            self.transport.send(outgoing).await
        } else {
            self.transport.send_unless_delivered(outgoing).await
        }
    }

    fn build(
        &self,
        call: &Call,
        signer: &Merchant,
        tamper: &Tamper,
    ) -> Result<Outgoing, TransportError> {
        let now_ms = crate::world::now_ms();
        let now = now_ms / 1000;
        let timestamp = match tamper {
            // Ahead of the provider's clock when it reads the request: from the next whole
            // second, plus the time the request may spend on its way (W6's decision).
            Tamper::TimestampOffset(offset) if *offset > 0 => ((now_ms + 999) / 1000)
                .saturating_add(*offset)
                .saturating_add(AHEAD_IN_TRANSIT_S),
            Tamper::TimestampOffset(offset) => now.saturating_add(*offset),
            Tamper::TimestampMillis => crate::world::now_ms(),
            _ => now,
        };
        let nonce = match tamper {
            Tamper::NonceLength(n) => rand::rng()
                .sample_iter(Alphanumeric)
                .take(*n)
                .map(char::from)
                .collect(),
            _ => nonce(),
        };
        let method = call.method.as_str();
        let sign_method = if *tamper == Tamper::SignedAsGet {
            "GET"
        } else {
            method
        };
        let sign_target = match tamper {
            Tamper::OtherPath(path) => path.as_str(),
            _ => call.target.as_str(),
        };
        let key: &PrivateKey = match tamper {
            Tamper::OtherKey => self.stranger.as_ref().ok_or_else(|| {
                TransportError::Build("cannot generate a stranger's RSA key".into())
            })?,
            _ => &signer.key,
        };
        let serial = match tamper {
            Tamper::UnknownSerial => format!("{:040X}", rand::rng().random::<u128>()),
            _ => signer.serial_no.clone(),
        };
        let mchid = match tamper {
            Tamper::OtherMchid(Some(other)) => other.clone(),
            Tamper::OtherMchid(None) => {
                format!("19{:08}", rand::rng().random_range(0..100_000_000u32))
            }
            _ => signer.mchid.clone(),
        };
        let auth = sign_request(
            key,
            &mchid,
            &serial,
            sign_method,
            sign_target,
            &call.body,
            timestamp,
            &nonce,
        );
        // Hidden by value wherever it shows up, even echoed by the target.
        crate::redact::register_signature(&auth.signature);
        let mut body = call.body.clone();
        if *tamper == Tamper::BodyByteChanged {
            // Replace a digit of the body (the mchid's last one) so it stays JSON.
            if let Some(at) = body.iter().rposition(u8::is_ascii_digit) {
                body[at] = if body[at] == b'9' { b'8' } else { body[at] + 1 };
            } else if let Some(last) = body.last_mut() {
                *last ^= 0x20;
            }
        }
        let mut headers = vec![
            ("content-type", "application/json".to_owned()),
            ("accept", "application/json".to_owned()),
        ];
        match tamper {
            Tamper::NoAuthorization => {}
            Tamper::Scheme(scheme) => {
                let value = auth.header_value(ParamOrder::Documented);
                headers.push(("authorization", value.replacen(SCHEME, scheme, 1)));
            }
            Tamper::Order(order) => headers.push(("authorization", auth.header_value(*order))),
            _ => headers.push(("authorization", auth.header_value(ParamOrder::Documented))),
        }
        // No documented endpoint takes PUT, DELETE or PATCH (W4 sends them on purpose): their
        // connection is closed after the answer, so that a provider leaving such a body unread
        // never hands the desynchronised connection, through the pool, to another scenario.
        if [Method::PUT, Method::DELETE, Method::PATCH].contains(&call.method) {
            headers.push(("connection", "close".to_owned()));
        }
        Ok(Outgoing {
            method: call.method.clone(),
            url: format!("{}{}", self.base_url, call.target),
            headers,
            body,
        })
    }

    fn exchange(&self, call: &Call, outgoing: &Outgoing, incoming: Incoming) -> Exchange {
        let verdict = checks::response_signature(
            &incoming.headers,
            &incoming.body,
            &self.platform(),
            crate::world::now_ms() / 1000,
        );
        let json = if incoming.body.is_empty() {
            Err("an empty body".to_owned())
        } else {
            crate::checks::json::parse(&incoming.body)
        };
        let request_id = incoming
            .header("request-id")
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                crate::redacted::Redacted::new(v)
                    .cut_chars(128, "")
                    .into_string()
            });
        let sent = match serde_json::from_slice::<Value>(&outgoing.body) {
            Ok(value) => value,
            Err(_) if outgoing.body.is_empty() => Value::Null,
            Err(_) => Value::String(String::from_utf8_lossy(&outgoing.body).into_owned()),
        };
        let parts = Parts {
            endpoint: call.endpoint.clone(),
            url: call.target.clone(),
            sent,
            json,
            request_id,
            signature: verdict.check,
        };
        Exchange::from_parts(outgoing, incoming, parts)
    }

    /// The double's control API (unsigned, plain JSON): `POST /_control/orders/{id}/pay` and
    /// `…/age?seconds=N`. `Err` when it did not answer 200.
    pub async fn control(&self, out_trade_no: &str, action: &str) -> Result<(), Inconclusive> {
        let target = format!("/_control/orders/{}/{action}", encode_id(out_trade_no));
        let outgoing = Outgoing {
            method: Method::POST,
            url: format!("{}{target}", self.base_url),
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("accept", "application/json".to_owned()),
            ],
            body: Vec::new(),
        };
        let fail = |reason: String| Inconclusive {
            endpoint: "/_control/orders/{out_trade_no}".into(),
            reason,
        };
        let incoming = self
            .transport
            .send(&outgoing)
            .await
            .map_err(|e| fail(e.to_string()))?;
        if incoming.status != 200 {
            return Err(fail(format!(
                "the double's control API answered {} to {action}",
                incoming.status
            )));
        }
        Ok(())
    }
}

/// Whether an exchange carried a platform signature that held.
pub fn signed(exchange: &Exchange) -> bool {
    exchange.signature == SignatureCheck::Valid
}

#[cfg(test)]
mod tests {
    use super::encode_id;

    #[test]
    fn ids_are_percent_encoded() {
        assert_eq!(encode_id("pc-ab*c_1.2~"), "pc-ab%2Ac_1.2~");
        assert_eq!(encode_id("a b/c"), "a%20b%2Fc");
    }
}
