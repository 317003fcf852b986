//! The messages WeChat Pay APIv3 signs, and signing / verifying requests (W6) and responses (W7).
//!
//! Request message: `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`, URL the raw path plus `?query` as
//! sent (percent-encoding kept), BODY the exact bytes sent (an empty line when there is none).
//! Response message: `TIMESTAMP\nNONCE\nBODY\n` over the raw body (a 204: `TIMESTAMP\nNONCE\n\n`).

use rand::Rng as _;
use rand::distr::Alphanumeric;

use super::authorization::{AuthError, Authorization};
use super::keys::{PrivateKey, PublicKey, VerifyError};

/// The request clock window the API enforces, in seconds: more than 5 minutes off is refused.
pub const REQUEST_WINDOW_SECONDS: i64 = 300;

/// The request signing message: `METHOD\nURL\nTS\nNONCE\nBODY\n`.
pub fn request_message(
    method: &str,
    url: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let head = format!("{method}\n{url}\n{timestamp}\n{nonce}\n");
    let mut message = Vec::with_capacity(head.len() + body.len() + 1);
    message.extend_from_slice(head.as_bytes());
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// The response signing message: `TS\nNONCE\nBODY\n` (an empty body gives `TS\nNONCE\n\n`).
///
/// `timestamp` is the `Wechatpay-Timestamp` header text as received: it is signed as text.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(nonce.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// A fresh request nonce: 32 letters and digits (the official Go/Java/PHP SDKs' form).
pub fn nonce() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// Signs a request and returns its `Authorization` parameters.
///
/// `url` is the request-target exactly as it will be sent (path and `?query`); `body` the exact
/// bytes of the body (empty for none).
#[allow(clippy::too_many_arguments)]
pub fn sign_request(
    key: &PrivateKey,
    mchid: &str,
    serial_no: &str,
    method: &str,
    url: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &str,
) -> Authorization {
    let message = request_message(method, url, timestamp, nonce, body);
    Authorization {
        mchid: mchid.to_owned(),
        nonce_str: nonce.to_owned(),
        timestamp: timestamp.to_string(),
        serial_no: serial_no.to_owned(),
        signature: key.sign(&message),
    }
}

/// Who signed a request that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    /// The `mchid` of the `Authorization` header.
    pub mchid: String,
    /// The `serial_no` of the `Authorization` header.
    pub serial_no: String,
    /// The signed timestamp (Unix seconds).
    pub timestamp: i64,
}

/// Why a request's signature was refused. Each is a 401 `SIGN_ERROR` on the API (W6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestRefusal {
    /// No `Authorization` header (or an empty one).
    #[error("authorization header is missing")]
    Missing,
    /// The header's scheme is not `WECHATPAY2-SHA256-RSA2048`.
    #[error("authorization scheme is not WECHATPAY2-SHA256-RSA2048")]
    Scheme,
    /// The header does not parse, or a parameter value is not of its form.
    #[error("authorization header is malformed: {0}")]
    Malformed(#[source] AuthError),
    /// No key is known for this `mchid` and `serial_no`.
    #[error("no merchant key for mchid {mchid} with serial_no {serial_no}")]
    UnknownSerial {
        /// The header's `mchid`.
        mchid: String,
        /// The header's `serial_no`.
        serial_no: String,
    },
    /// The signature does not verify over this method, URL, timestamp, nonce and body.
    #[error("request signature does not verify: {0}")]
    BadSignature(#[source] VerifyError),
    /// The signature is genuine but the timestamp is too far from now.
    #[error("request timestamp is {skew} s from now, more than the {window} s allowed")]
    Stale {
        /// `now - timestamp`: positive when the request is older than now.
        skew: i64,
        /// The window that was applied.
        window: i64,
    },
}

/// Verifies a request's `Authorization` header, as the API (or the double) does.
///
/// `lookup(mchid, serial_no)` gives the merchant's public key. Checks, in order: the header is
/// present, the scheme, the syntax and the parameter forms (timestamp digits, nonce 1–32
/// letters and digits), the key, the signature, and last the clock: `|now − timestamp| >
/// window_s` is [`RequestRefusal::Stale`] — so a stale refusal also says the signature was
/// otherwise good.
#[allow(clippy::too_many_arguments)]
pub fn verify_request(
    lookup: impl Fn(&str, &str) -> Option<PublicKey>,
    method: &str,
    url: &str,
    body: &[u8],
    header: Option<&str>,
    now: i64,
    window_s: i64,
) -> Result<VerifiedRequest, RequestRefusal> {
    let header = header
        .filter(|h| !h.trim().is_empty())
        .ok_or(RequestRefusal::Missing)?;
    let auth = Authorization::parse(header).map_err(|e| match e {
        AuthError::Scheme => RequestRefusal::Scheme,
        other => RequestRefusal::Malformed(other),
    })?;
    let timestamp = auth
        .checked_timestamp()
        .map_err(RequestRefusal::Malformed)?;
    auth.check_nonce().map_err(RequestRefusal::Malformed)?;
    let key =
        lookup(&auth.mchid, &auth.serial_no).ok_or_else(|| RequestRefusal::UnknownSerial {
            mchid: auth.mchid.clone(),
            serial_no: auth.serial_no.clone(),
        })?;
    let message = request_message(method, url, timestamp, &auth.nonce_str, body);
    key.verify(&message, &auth.signature)
        .map_err(RequestRefusal::BadSignature)?;
    let skew = now.saturating_sub(timestamp);
    if skew.unsigned_abs() > window_s.unsigned_abs() {
        return Err(RequestRefusal::Stale {
            skew,
            window: window_s,
        });
    }
    Ok(VerifiedRequest {
        mchid: auth.mchid,
        serial_no: auth.serial_no,
        timestamp,
    })
}

/// Signs a response: the `Wechatpay-Signature` value for these `Wechatpay-Timestamp` /
/// `Wechatpay-Nonce` values and this raw body (empty for a 204).
pub fn sign_response(key: &PrivateKey, timestamp: i64, nonce: &str, body: &[u8]) -> String {
    key.sign(&response_message(&timestamp.to_string(), nonce, body))
}

/// Verifies a response's `Wechatpay-Signature` against the platform key named by its
/// `Wechatpay-Serial`. The clock check (W7: within 300 s) is the caller's: it is a separate
/// finding from a bad signature.
pub fn verify_response(
    key: &PublicKey,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
    signature_b64: &str,
) -> Result<(), VerifyError> {
    key.verify(&response_message(timestamp, nonce, body), signature_b64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_message_form() {
        let body = br#"{"mchid":"1900000109"}"#;
        let message = request_message(
            "POST",
            "/v3/global/transactions/out-trade-no/A%2A1/close",
            1554208460,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            body,
        );
        assert_eq!(
            message,
            b"POST\n/v3/global/transactions/out-trade-no/A%2A1/close\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{\"mchid\":\"1900000109\"}\n"
        );
        let get = request_message("GET", "/v3/global/certificates", 1, "n", b"");
        assert_eq!(get, b"GET\n/v3/global/certificates\n1\nn\n\n");
    }

    #[test]
    fn response_message_form() {
        assert_eq!(
            response_message("1700000000", "abc", b""),
            b"1700000000\nabc\n\n"
        );
        assert_eq!(
            response_message("1700000000", "abc", b"{}"),
            b"1700000000\nabc\n{}\n"
        );
    }

    #[test]
    fn nonce_form() {
        let n = nonce();
        assert_eq!(n.len(), 32);
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(n, nonce());
    }
}
