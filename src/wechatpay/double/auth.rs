//! Request signatures (W6): who signed a request, or the 401 `SIGN_ERROR` it gets. The W6
//! faults are applied here.

use percent_encoding::percent_decode_str;

use super::Fault;
use super::config::DoubleConfig;
use super::envelope::Failure;
use super::state::now_s;
use crate::double::server::DoubleRequest;
use crate::wechatpay::crypto::{
    ParamOrder, PublicKey, REQUEST_WINDOW_SECONDS, RequestRefusal, verify_request,
};

/// The index in `config.merchants` of the merchant whose key signed `request`, or the failure
/// to answer. `close` says whether the request is a close (the `close-ignores-signature`
/// fault only affects closes).
pub(crate) fn signer(
    config: &DoubleConfig,
    fault: Option<Fault>,
    request: &DoubleRequest,
    close: bool,
) -> Result<usize, Failure> {
    let header = request
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if fault == Some(Fault::FixedParamOrder)
        && let Some(h) = header
        && !in_documented_order(h)
    {
        return Err(Failure::sign_error(
            "authorization parameters are not in the documented order",
        ));
    }
    let path = if fault == Some(Fault::SignedPathDecoded) {
        percent_decode_str(&request.path)
            .decode_utf8_lossy()
            .into_owned()
    } else {
        request.path.clone()
    };
    let url = match &request.query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let reserialized;
    let body: &[u8] = if fault == Some(Fault::ReserializedBody) {
        reserialized = serde_json::from_slice::<serde_json::Value>(&request.body)
            .map(|v| v.to_string().into_bytes())
            .unwrap_or_else(|_| request.body.to_vec());
        &reserialized
    } else {
        &request.body
    };
    let find = |mchid: &str, serial: &str| -> Option<usize> {
        config.merchants.iter().position(|m| match fault {
            Some(Fault::UnknownSerialAccepted) => m.mchid == mchid,
            Some(Fault::HeaderMchidUnchecked) => m.serial_no.eq_ignore_ascii_case(serial),
            _ => m.mchid == mchid && m.serial_no.eq_ignore_ascii_case(serial),
        })
    };
    let lookup = |mchid: &str, serial: &str| -> Option<PublicKey> {
        find(mchid, serial).map(|i| config.merchants[i].key.public_key())
    };
    let window = if fault == Some(Fault::StaleRequestAccepted) {
        i64::MAX
    } else {
        REQUEST_WINDOW_SECONDS
    };
    let method = request.method.as_str();
    match verify_request(lookup, method, &url, body, header, now_s(), window) {
        Ok(who) => find(&who.mchid, &who.serial_no)
            .ok_or_else(|| Failure::sign_error("no merchant for this signature")),
        Err(RequestRefusal::BadSignature(_))
            if close && fault == Some(Fault::CloseIgnoresSignature) =>
        {
            let auth = header.and_then(|h| crate::wechatpay::crypto::Authorization::parse(h).ok());
            auth.and_then(|a| find(&a.mchid, &a.serial_no))
                .ok_or_else(|| Failure::sign_error("no merchant for this signature"))
        }
        Err(RequestRefusal::UnknownSerial { mchid, .. })
            if !config.merchants.iter().any(|m| m.mchid == mchid) =>
        {
            Err(Failure::sign_error(format!(
                "unknown merchant: mchid {} is not a merchant of this platform",
                mchid.chars().take(32).collect::<String>()
            )))
        }
        Err(refusal) => Err(Failure::sign_error(refusal.to_string())),
    }
}

/// Whether the header's parameters come in the order of the Go/Java SDKs and the docs.
fn in_documented_order(header: &str) -> bool {
    let names: Vec<&str> = header
        .split_once(' ')
        .map(|(_, params)| params)
        .unwrap_or("")
        .split(',')
        .filter_map(|p| p.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    names == ParamOrder::Documented.names()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_order_is_recognised() {
        assert!(in_documented_order(
            r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="s",signature="x""#
        ));
        assert!(!in_documented_order(
            r#"WECHATPAY2-SHA256-RSA2048 mchid="1",serial_no="s",timestamp="1",nonce_str="n",signature="x""#
        ));
    }
}
