//! The wire form of every answer: HTTP 200, `application/json`, the envelope
//! `{code, msg, request_id, data?}` (CONTRACT T3, T4), signed with the app's secret (A6) — and
//! the transport faults that break exactly that.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value};

use super::Fault;
use crate::double::server::DoubleReply;
use crate::ttpay::AppSecret;
use crate::ttpay::crypto::{nonce, response_message};

/// The business status codes the double answers with (T6).
pub(crate) mod code {
    pub const OK: i64 = 0;
    pub const PARAMETER: i64 = 100;
    pub const SIGNATURE: i64 = 103;
    pub const EXPIRED: i64 = 104;
    pub const TOO_FREQUENT: i64 = 11001;
    pub const MISSING: i64 = 11003;
    pub const EXISTS: i64 = 12001;
    pub const NOT_FOUND: i64 = 12002;
    pub const NO_APP: i64 = 20000;
    pub const INVALID: i64 = 20005;
}

/// What to answer, before it is put on the wire.
#[derive(Debug)]
pub(crate) enum Reply {
    /// The envelope, signed with `signer` when the app is known.
    Json {
        code: i64,
        msg: String,
        data: Option<Box<Value>>,
        signer: Option<AppSecret>,
    },
    /// Anything else: a crashed backend or a gateway's page.
    Raw {
        status: u16,
        mime: &'static str,
        body: &'static str,
    },
}

impl Reply {
    /// Code 0, `msg: "success"`.
    pub fn ok(data: Option<Value>, signer: Option<&AppSecret>) -> Reply {
        Reply::Json {
            code: code::OK,
            msg: "success".to_owned(),
            data: data.map(Box::new),
            signer: signer.cloned(),
        }
    }

    /// A refusal with `code` and a lowercase `msg`, no data.
    pub fn refuse(code: i64, msg: impl Into<String>, signer: Option<&AppSecret>) -> Reply {
        Reply::Json {
            code,
            msg: msg.into(),
            data: None,
            signer: signer.cloned(),
        }
    }

    /// The same reply carrying `data`.
    pub fn with_data(self, value: Value) -> Reply {
        match self {
            Reply::Json {
                code, msg, signer, ..
            } => Reply::Json {
                code,
                msg,
                data: Some(Box::new(value)),
                signer,
            },
            raw => raw,
        }
    }
}

/// Puts `reply` on the wire at `now` (Unix ms) with `request_id`, bent by `fault`, after
/// `latency`.
pub(crate) fn render(
    reply: Reply,
    fault: Option<Fault>,
    latency: Option<Duration>,
    now: i64,
    request_id: String,
) -> DoubleReply {
    let (status, headers, body) = match reply {
        Reply::Raw { status, mime, body } => (
            status,
            vec![("content-type".to_owned(), mime.to_owned())],
            body.as_bytes().to_vec(),
        ),
        Reply::Json {
            code,
            msg,
            data,
            signer,
        } => {
            let has = |f: Fault| fault == Some(f);
            let data = data.map(|data| *data);
            let body = envelope(code, msg, data, fault, now, request_id);
            let status = match code {
                code::OK => 200,
                _ if has(Fault::Http500OnError) => 500,
                _ if has(Fault::HttpStatusMirrorsCode) => mirrored_status(code),
                _ => 200,
            };
            let mime = if has(Fault::TextHtmlContentType) {
                "text/html; charset=utf-8"
            } else {
                "application/json"
            };
            let mut headers = vec![("content-type".to_owned(), mime.to_owned())];
            if let Some(secret) = signer
                && !has(Fault::UnsignedResponses)
            {
                headers.extend(sign(&secret, &body, fault, now));
            }
            (status, headers, body)
        }
    };
    DoubleReply::Answer {
        status,
        headers,
        body,
        delay: latency,
    }
}

/// The envelope's bytes.
fn envelope(
    code: i64,
    msg: String,
    data: Option<Value>,
    fault: Option<Fault>,
    now: i64,
    request_id: String,
) -> Vec<u8> {
    let has = |f: Fault| fault == Some(f);
    let mut envelope = Map::new();
    let code = match has(Fault::CodeAsString) {
        true => Value::String(code.to_string()),
        false => Value::from(code),
    };
    envelope.insert("code".to_owned(), code);
    if !has(Fault::EnvelopeWithoutMsg) {
        envelope.insert("msg".to_owned(), Value::String(msg));
    }
    envelope.insert(
        "request_id".to_owned(),
        Value::String(bend_request_id(request_id, fault, now)),
    );
    if let Some(data) = data {
        envelope.insert("data".to_owned(), data);
    }
    let mut body = Value::Object(envelope).to_string().into_bytes();
    if has(Fault::TrailingCommaJson) && body.last() == Some(&b'}') {
        body.pop();
        body.extend_from_slice(b",}");
    }
    body
}

/// The fresh UUID v4 `id`, or with `request-id-not-uuid` a counter.
fn bend_request_id(id: String, fault: Option<Fault>, now: i64) -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    match fault {
        Some(Fault::RequestIdNotUuid) => {
            format!("req-{now}-{}", SEQUENCE.fetch_add(1, Ordering::Relaxed))
        }
        _ => id,
    }
}

/// The `TTPay-*` headers over `body` (A6), or the faulty signature the fault names.
fn sign(secret: &AppSecret, body: &[u8], fault: Option<Fault>, now: i64) -> [(String, String); 3] {
    let timestamp = now.to_string();
    let nonce = nonce();
    let message = match fault {
        Some(Fault::WrongResponseSignature) => {
            let mut message = response_message(&timestamp, &nonce, body);
            message.push(b'\n');
            message
        }
        Some(Fault::ResponseSignatureSkipsBody) => format!("{timestamp}\n{nonce}").into_bytes(),
        _ => response_message(&timestamp, &nonce, body),
    };
    let signature = secret.seal(&message);
    [
        ("TTPay-Timestamp".to_owned(), timestamp),
        ("TTPay-Nonce".to_owned(), nonce),
        ("TTPay-Signature".to_owned(), signature),
    ]
}

/// The 4xx status a REST-minded provider would pick for `code`.
fn mirrored_status(code: i64) -> u16 {
    match code {
        code::SIGNATURE | code::EXPIRED | code::NO_APP => 401,
        code::NOT_FOUND => 404,
        code::EXISTS => 409,
        code::TOO_FREQUENT => 429,
        _ => 400,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_is_strict_json_with_a_uuid() {
        let body = envelope(
            0,
            "success".into(),
            None,
            None,
            1,
            uuid::Uuid::new_v4().to_string(),
        );
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["code"], 0);
        assert_eq!(value["msg"], "success");
        let id = value["request_id"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
        assert!(value.get("data").is_none());
    }

    #[test]
    fn transport_faults_bend_the_envelope() {
        let body = envelope(
            0,
            "ok".into(),
            None,
            Some(Fault::TrailingCommaJson),
            1,
            uuid::Uuid::new_v4().to_string(),
        );
        assert!(body.ends_with(b",}"));
        assert!(serde_json::from_slice::<Value>(&body).is_err());
        let body = envelope(
            0,
            "ok".into(),
            None,
            Some(Fault::CodeAsString),
            1,
            uuid::Uuid::new_v4().to_string(),
        );
        assert!(serde_json::from_slice::<Value>(&body).unwrap()["code"].is_string());
        let body = envelope(
            0,
            "ok".into(),
            None,
            Some(Fault::EnvelopeWithoutMsg),
            1,
            uuid::Uuid::new_v4().to_string(),
        );
        assert!(
            serde_json::from_slice::<Value>(&body)
                .unwrap()
                .get("msg")
                .is_none()
        );
        let body = envelope(
            0,
            "ok".into(),
            None,
            Some(Fault::RequestIdNotUuid),
            1,
            uuid::Uuid::new_v4().to_string(),
        );
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert!(uuid::Uuid::parse_str(value["request_id"].as_str().unwrap()).is_err());
    }

    #[test]
    fn mirrored_statuses_are_4xx() {
        for code in [100, 103, 104, 11001, 11003, 12001, 12002, 20000, 20005] {
            assert!((400..500).contains(&mirrored_status(code)));
        }
    }
}
