//! One request and its response, as every provider's checks and the generic steps see them:
//! what was sent, the status, the headers, the body (raw and parsed), the provider's request
//! id wherever the provider keeps it, whether the response signature held, and how long it
//! took.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::http::{Incoming, Outgoing};
use crate::redacted::Redacted;

/// The result of checking a response signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureCheck {
    Valid,
    Missing,
    Invalid,
    /// Nothing to check it against (the request was made for an unknown merchant, or the
    /// provider does not sign this kind of answer).
    NotApplicable,
}

/// One request and its response.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The endpoint's path as the contract names it (`/v1/transaction/query`): what
    /// deviations and reports show.
    pub endpoint: String,
    pub method: Method,
    /// The URL path and query as sent (signed as sent).
    pub url: String,
    /// The request's headers as sent (secrets in them are masked when reported).
    pub request_headers: Vec<(String, String)>,
    /// What was sent: the JSON body (or query parameters), or the raw bytes as text.
    pub sent: Value,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The body parsed as strict JSON, or why it is not.
    pub json: Result<Value, String>,
    /// The provider's id of this answer (a body field or a header, as the provider has it).
    pub request_id: Option<String>,
    pub signature: SignatureCheck,
    pub elapsed: Duration,
}

/// What a provider's client knows about an exchange beyond the request and its answer.
#[derive(Debug, Clone)]
pub struct Parts {
    /// The endpoint's path as the contract names it.
    pub endpoint: String,
    /// The URL path and query as sent (signed as sent).
    pub url: String,
    /// What was sent, as the reports show it.
    pub sent: Value,
    /// The answer's body parsed as strict JSON, or why it is not.
    pub json: Result<Value, String>,
    pub request_id: Option<String>,
    pub signature: SignatureCheck,
}

impl Exchange {
    /// The exchange of `outgoing` and its answer `incoming`, with what the provider read.
    pub fn from_parts(outgoing: &Outgoing, incoming: Incoming, parts: Parts) -> Exchange {
        Exchange {
            endpoint: parts.endpoint,
            method: outgoing.method.clone(),
            url: parts.url,
            request_headers: outgoing
                .headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            sent: parts.sent,
            status: incoming.status,
            headers: incoming.headers,
            json: parts.json,
            request_id: parts.request_id,
            signature: parts.signature,
            elapsed: incoming.elapsed,
            body: incoming.body,
        }
    }

    /// A header's value as text, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The parsed JSON object, if the body was one.
    pub fn object(&self) -> Option<&serde_json::Map<String, Value>> {
        self.json.as_ref().ok().and_then(Value::as_object)
    }

    /// The provider's request id, if it gave one.
    pub fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }

    /// The value at a JSON pointer of the body.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        self.json.as_ref().ok()?.pointer(pointer)
    }

    /// The body as text (lossy), redacted whole before it is cut for reports (a cut secret
    /// would no longer be recognised).
    pub fn body_excerpt(&self) -> String {
        let text = Redacted::lossy(&self.body).map(|t| t.trim().to_owned());
        if text.is_empty() {
            "(empty body)".to_owned()
        } else {
            text.cut_chars(157, "...").into_string()
        }
    }
}

/// How much of a body an [`ExchangeRecord`] keeps.
pub const RECORD_BODY_BYTES: usize = 4096;

/// An exchange as reports show it: what was sent and what came, bodies cut to
/// [`RECORD_BODY_BYTES`] after they were redacted whole. Written out only through
/// [`crate::redact()`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExchangeRecord {
    pub endpoint: String,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Redacted,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Redacted,
    pub request_id: Option<String>,
    pub elapsed_ms: f64,
}

impl ExchangeRecord {
    /// The record of `exchange`.
    pub fn of(exchange: &Exchange) -> Self {
        let sent = match &exchange.sent {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        ExchangeRecord {
            endpoint: exchange.endpoint.clone(),
            method: exchange.method.to_string(),
            url: exchange.url.clone(),
            request_headers: exchange
                .request_headers
                .iter()
                .map(|(k, v)| (k.clone(), redacted_header(k, v)))
                .collect(),
            request_body: Redacted::new(&sent).cut_bytes(RECORD_BODY_BYTES),
            status: exchange.status,
            response_headers: exchange
                .headers
                .iter()
                .map(|(k, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes());
                    (k.as_str().to_owned(), redacted_header(k.as_str(), &value))
                })
                .collect(),
            response_body: Redacted::lossy(&exchange.body).cut_bytes(RECORD_BODY_BYTES),
            request_id: exchange
                .request_id()
                .map(|id| Redacted::new(&id).into_string()),
            elapsed_ms: exchange.elapsed.as_secs_f64() * 1000.0,
        }
    }
}

/// A header's value with what [`crate::redact()`] hides in a `name: value` line hidden (the
/// patterns need the name: `Authorization`, `TTPay-Signature`).
fn redacted_header(name: &str, value: &str) -> String {
    let line = format!("{name}: {value}");
    let line = crate::redact::redact(&line);
    line.split_once(": ")
        .map_or_else(|| line.to_string(), |(_, v)| v.to_owned())
}
