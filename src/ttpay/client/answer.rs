//! What a TTPay answer holds beyond any provider's ([`TtpayExchange`]), whether its signature
//! holds (A6), and how long a 429 asks to wait.

use std::time::Duration;

use serde_json::Value;

use super::super::crypto::signing;
use super::super::{AppSecret, Endpoint};
use crate::exchange::{Exchange, SignatureCheck};
use crate::http::Incoming;

/// What a TTPay answer holds beyond any provider's: the envelope's `code` and `data`.
pub trait TtpayExchange {
    /// `code`, if it is an integer.
    fn code(&self) -> Option<i64>;
    /// `data`, when it is an object.
    fn data(&self) -> Option<&serde_json::Map<String, Value>>;
    /// Whether this was a call of `endpoint`.
    fn is(&self, endpoint: Endpoint) -> bool;
}

impl TtpayExchange for Exchange {
    fn code(&self) -> Option<i64> {
        self.object()?.get("code")?.as_i64()
    }

    fn data(&self) -> Option<&serde_json::Map<String, Value>> {
        self.pointer("/data")?.as_object()
    }

    fn is(&self, endpoint: Endpoint) -> bool {
        self.endpoint == endpoint.path()
    }
}

/// A `Retry-After: SECONDS` of a 429, at most 10 s.
pub(super) fn retry_after(exchange: &Exchange) -> Option<Duration> {
    let seconds: u64 = exchange.header("retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds.min(10)))
}

/// A6: `TTPay-Signature` over `TS\nNONCE\nBODY` with the app secret.
pub(super) fn check_signature(incoming: &Incoming, secret: &AppSecret) -> SignatureCheck {
    response_signature(&incoming.headers, &incoming.body, secret)
}

/// A6 of an answer's headers and body (the proxy's too): `TTPay-Signature` over
/// `TS\nNONCE\nBODY` with the app secret.
pub fn response_signature(
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    secret: &AppSecret,
) -> SignatureCheck {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(ts), Some(nonce), Some(signature)) = (
        header("ttpay-timestamp"),
        header("ttpay-nonce"),
        header("ttpay-signature"),
    ) else {
        return SignatureCheck::Missing;
    };
    let message = signing::response_message(ts, nonce, body);
    if secret.verifies(&message, signature) {
        SignatureCheck::Valid
    } else {
        SignatureCheck::Invalid
    }
}
