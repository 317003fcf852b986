//! How the double answers: every answer signed by the platform (W7: `Wechatpay-Timestamp`,
//! `-Nonce`, `-Signature`, `-Serial`, `-Signature-Type`, and a `Request-ID`), failures in the
//! `{code, message, detail?}` body of W3. The W2/W3/W7 faults are applied here.

use serde_json::{Value, json};

use super::Fault;
use super::config::DoubleConfig;
use super::state::{State, now_s};
use crate::double::server::DoubleReply;
use crate::wechatpay::crypto::{SCHEME, nonce, response_message, sign_response};

/// Which answers a response-side fault may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The answer of a close path.
    Close,
    /// Any other answer.
    Other,
}

/// A failure: HTTP status, code, message and the optional `detail`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) detail: Option<Value>,
}

impl Failure {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code,
            message: message.into(),
            detail: None,
        }
    }

    /// 400 `PARAM_ERROR` with the `{field, value, issue, location}` detail of W3.
    pub(crate) fn param(field: &str, value: &str, issue: &str, location: &str) -> Failure {
        let value: String = value.chars().take(256).collect();
        Failure {
            status: 400,
            code: "PARAM_ERROR",
            message: format!("{field}: {issue}"),
            detail: Some(
                json!({"field": field, "value": value, "issue": issue, "location": location}),
            ),
        }
    }

    pub(crate) fn sign_error(message: impl Into<String>) -> Failure {
        Failure::new(401, "SIGN_ERROR", message)
    }

    pub(crate) fn not_found() -> Failure {
        Failure::new(404, "ORDER_NOT_EXIST", "order does not exist")
    }
}

/// A signed JSON (or empty) answer.
pub(crate) fn answer(
    state: &mut State,
    config: &DoubleConfig,
    status: u16,
    body: Option<&Value>,
    scope: Scope,
) -> DoubleReply {
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let content_type = body.map(|_| "application/json");
    signed(state, config, status, bytes, content_type, scope)
}

/// A failure in W3's body (or broken by a W3 fault), signed like any answer.
pub(crate) fn failure(
    state: &mut State,
    config: &DoubleConfig,
    f: Failure,
    scope: Scope,
) -> DoubleReply {
    let fault = state.fault;
    if fault == Some(Fault::ErrorNotJson) {
        let text = format!("{}: {}", f.code, f.message).into_bytes();
        return signed(state, config, f.status, text, Some("text/plain"), scope);
    }
    let mut body = json!({"code": f.code, "message": f.message});
    if fault == Some(Fault::ErrorCodeNotString) {
        body["code"] = json!(f.status);
    }
    match (f.detail, fault) {
        (Some(_), Some(Fault::ParamErrorWithoutDetail)) if f.code == "PARAM_ERROR" => {}
        (detail, Some(Fault::ErrorDetailNotObject)) => {
            body["detail"] = json!(detail.map_or_else(|| f.message.clone(), |d| d.to_string()));
        }
        (Some(detail), _) => body["detail"] = detail,
        (None, _) => {}
    }
    answer(state, config, f.status, Some(&body), scope)
}

fn signed(
    state: &mut State,
    config: &DoubleConfig,
    status: u16,
    body: Vec<u8>,
    content_type: Option<&str>,
    scope: Scope,
) -> DoubleReply {
    let fault = state
        .fault
        .filter(|f| scope == Scope::Close && f.breaks_close_signing());
    let mut headers = Vec::with_capacity(8);
    if let Some(ct) = content_type {
        headers.push(("content-type".to_owned(), ct.to_owned()));
    }
    if fault != Some(Fault::NoRequestId) {
        headers.push(("request-id".to_owned(), state.request_id()));
    }
    let unsigned = fault == Some(Fault::Unsigned204) && status == 204;
    if !unsigned {
        let mut timestamp = now_s();
        if fault == Some(Fault::StaleResponseTimestamp) {
            timestamp -= 3600;
        }
        let nonce = nonce();
        let signature = match fault {
            Some(Fault::BadSignature) => {
                sign_response(&config.platform_key, timestamp, "another", &body)
            }
            Some(Fault::SignNoFinalNewline) => {
                let mut message = response_message(&timestamp.to_string(), &nonce, &body);
                message.pop();
                config.platform_key.sign(&message)
            }
            _ => sign_response(&config.platform_key, timestamp, &nonce, &body),
        };
        let serial = if fault == Some(Fault::UnknownResponseSerial) {
            "7A0F00000000000000000000000000000000DEAD".to_owned()
        } else {
            config.platform_serial().to_owned()
        };
        headers.push(("wechatpay-timestamp".to_owned(), timestamp.to_string()));
        headers.push(("wechatpay-nonce".to_owned(), nonce));
        headers.push(("wechatpay-signature".to_owned(), signature));
        headers.push(("wechatpay-serial".to_owned(), serial));
        headers.push(("wechatpay-signature-type".to_owned(), SCHEME.to_owned()));
    }
    DoubleReply::Answer {
        status,
        headers,
        body,
        delay: config.latency,
    }
}
