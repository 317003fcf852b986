use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::signature::SIGNATURE_TYPE;
use super::*;
use crate::exchange::{Exchange, SignatureCheck};
use crate::wechatpay::crypto::{PrivateKey, sign_response};

fn exchange(status: u16, content_type: &str, body: &[u8]) -> Exchange {
    let mut headers = HeaderMap::new();
    if !content_type.is_empty() {
        headers.insert("content-type", HeaderValue::from_str(content_type).unwrap());
    }
    Exchange {
        endpoint: "/v3/global/transactions/out-trade-no/{out_trade_no}/close".into(),
        method: Method::POST,
        url: "/close".into(),
        request_headers: Vec::new(),
        sent: Value::Null,
        status,
        headers,
        body: body.to_vec(),
        json: serde_json::from_slice(body).map_err(|e| e.to_string()),
        request_id: None,
        signature: SignatureCheck::NotApplicable,
        elapsed: Duration::ZERO,
    }
}

#[test]
fn a_close_succeeds_only_as_an_empty_204() {
    assert!(close_succeeded(&exchange(204, "", b"")).is_empty());
    assert_eq!(
        close_succeeded(&exchange(200, "application/json", b"{}"))[0].0,
        "status"
    );
    assert_eq!(close_succeeded(&exchange(200, "", b""))[0].0, "status");
    assert_eq!(close_succeeded(&exchange(204, "", b"{}"))[0].0, "body");
}

#[test]
fn a_failure_has_the_shape_of_w3() {
    let good = br#"{"code":"ORDERPAID","message":"order paid"}"#;
    assert!(failure_shape(&exchange(403, "application/json; charset=utf-8", good)).is_empty());
    assert_eq!(failure_shape(&exchange(204, "", b""))[0].0, "status");
    let text = failure_shape(&exchange(400, "text/plain", b"PARAM_ERROR: bad"));
    assert!(text.iter().any(|f| f.0 == "Content-Type") && text.iter().any(|f| f.0 == "body"));
    let no_code = failure_shape(&exchange(400, "application/json", br#"{"message":"m"}"#));
    assert_eq!(no_code[0].0, "/code");
    let number = failure_shape(&exchange(
        400,
        "application/json",
        br#"{"code":400,"message":"m"}"#,
    ));
    assert_eq!(number[0].0, "/code");
    let long = format!(r#"{{"code":"{}","message":"m"}}"#, "X".repeat(33));
    assert_eq!(
        failure_shape(&exchange(400, "application/json", long.as_bytes()))[0].0,
        "/code"
    );
    let detail = failure_shape(&exchange(
        400,
        "application/json",
        br#"{"code":"X","message":"m","detail":"d"}"#,
    ));
    assert_eq!(detail[0].0, "/detail");
}

#[test]
fn param_error_needs_its_detail() {
    let bare = br#"{"code":"PARAM_ERROR","message":"m"}"#;
    assert_eq!(
        failure_shape(&exchange(400, "application/json", bare))[0].0,
        "/detail"
    );
    let full = br#"{"code":"PARAM_ERROR","message":"m","detail":{"field":"f","value":"v","issue":"i","location":"body"}}"#;
    assert!(failure_shape(&exchange(400, "application/json", full)).is_empty());
    let place = br#"{"code":"PARAM_ERROR","message":"m","detail":{"field":"f","value":"v","issue":"i","location":"header"}}"#;
    assert_eq!(
        failure_shape(&exchange(400, "application/json", place))[0].0,
        "/detail/location"
    );
    // Any other code may carry any detail object (the page's own INVALID_REQUEST example).
    let other = br#"{"code":"INVALID_REQUEST","message":"m","detail":{"x":1}}"#;
    assert!(failure_shape(&exchange(400, "application/json", other)).is_empty());
}

#[test]
fn codes_and_statuses() {
    let e = exchange(
        404,
        "application/json",
        br#"{"code":"ORDER_NOT_EXIST","message":"m"}"#,
    );
    assert!(code_in(&e, &["ORDER_NOT_EXIST"]).is_empty());
    assert_eq!(code_in(&e, &["ORDERPAID"]).len(), 1);
    assert!(status_4xx(&e).is_empty() && status_is(&e, 404).is_empty());
    assert_eq!(status_is(&e, 401).len(), 1);
    assert_eq!(status_4xx(&exchange(500, "", b"")).len(), 1);
}

#[test]
fn retry_answers_are_429_and_system_errors() {
    assert!(says_retry(429, b""));
    assert!(says_retry(500, br#"{"code":"SYSTEM_ERROR","message":"m"}"#));
    assert!(says_retry(503, br#"{"code":"SYSTEMERROR","message":"m"}"#));
    assert!(!says_retry(500, br#"{"code":"INTERNAL","message":"m"}"#));
    assert!(!says_retry(400, br#"{"code":"SYSTEMERROR","message":"m"}"#));
}

#[test]
fn a_young_refusal_is_observed_unless_it_is_a_w4_code() {
    let young = exchange(
        403,
        "application/json",
        br#"{"code":"RULE_LIMIT","message":"m"}"#,
    );
    assert!(young_refusal(&young).is_some_and(|n| n.contains("RULE_LIMIT")));
    let paid = exchange(
        403,
        "application/json",
        br#"{"code":"ORDERPAID","message":"m"}"#,
    );
    assert!(young_refusal(&paid).is_none());
}

#[test]
fn creates_and_queries() {
    assert!(
        created(&exchange(
            200,
            "application/json",
            br#"{"code_url":"weixin://x"}"#
        ))
        .is_empty()
    );
    assert_eq!(
        created(&exchange(200, "application/json", br#"{"code_url":""}"#))[0].0,
        "/code_url"
    );
    assert_eq!(
        created(&exchange(400, "application/json", b"{}"))[0].0,
        "status"
    );
    let q = exchange(
        200,
        "application/json",
        br#"{"trade_state":"NOTPAY","out_trade_no":"a"}"#,
    );
    assert_eq!(queried(&q).unwrap(), "NOTPAY");
    assert!(
        queried(&exchange(
            200,
            "application/json",
            br#"{"trade_state":"notpay"}"#
        ))
        .is_err()
    );
}

#[test]
fn rfc3339_times() {
    assert_eq!(rfc3339("1970-01-01T08:00:00+08:00"), Some(0));
    assert_eq!(rfc3339("2018-06-08T10:34:56+08:00"), Some(1_528_425_296));
    assert_eq!(rfc3339("2018-06-08T02:34:56Z"), Some(1_528_425_296));
    assert_eq!(rfc3339("2018-06-08T02:34:56.123Z"), Some(1_528_425_296));
    assert_eq!(rfc3339("2018-06-08"), None);
    assert_eq!(rfc3339("2018-13-08T02:34:56Z"), None);
}

fn signed(key: &PrivateKey, serial: &str, ts: i64, body: &[u8], kind: bool) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "wechatpay-timestamp",
        HeaderValue::from_str(&ts.to_string()).unwrap(),
    );
    h.insert("wechatpay-nonce", HeaderValue::from_static("n0nce"));
    h.insert("wechatpay-serial", HeaderValue::from_str(serial).unwrap());
    let signature = sign_response(key, ts, "n0nce", body);
    h.insert(
        "wechatpay-signature",
        HeaderValue::from_str(&signature).unwrap(),
    );
    if kind {
        h.insert(
            "wechatpay-signature-type",
            HeaderValue::from_static(SIGNATURE_TYPE),
        );
    }
    h
}

#[test]
fn response_signatures_of_w7() {
    let key = PrivateKey::generate(2048).unwrap();
    let keys = PlatformKeys::public_key("PUB_KEY_ID_01", key.public_key());
    let now = 1_700_000_000;
    let ok = response_signature(
        &signed(&key, "PUB_KEY_ID_01", now, b"", true),
        b"",
        &keys,
        now,
    );
    assert_eq!(ok.check, SignatureCheck::Valid);
    assert!(ok.problems.is_empty() && !ok.type_missing);
    // The 204's message is TS\nNONCE\n\n: a body-less answer signed over `{}` fails.
    let wrong = response_signature(
        &signed(&key, "PUB_KEY_ID_01", now, b"{}", true),
        b"",
        &keys,
        now,
    );
    assert_eq!(wrong.check, SignatureCheck::Invalid);
    let unknown = response_signature(
        &signed(&key, "PUB_KEY_ID_02", now, b"", true),
        b"",
        &keys,
        now,
    );
    assert_eq!(unknown.problems[0].0, "Wechatpay-Serial");
    let stale = response_signature(
        &signed(&key, "PUB_KEY_ID_01", now - 3600, b"", true),
        b"",
        &keys,
        now,
    );
    assert_eq!(stale.check, SignatureCheck::Invalid);
    assert_eq!(stale.problems[0].0, "Wechatpay-Timestamp");
    let untyped = response_signature(
        &signed(&key, "PUB_KEY_ID_01", now, b"", false),
        b"",
        &keys,
        now,
    );
    assert!(untyped.type_missing && untyped.problems.is_empty());
    let missing = response_signature(&HeaderMap::new(), b"", &keys, now);
    assert_eq!(missing.check, SignatureCheck::Missing);
    assert_eq!(missing.problems.len(), 4);
}

#[test]
fn certificate_times_match_the_validity() {
    let body =
        json!({"data": [{"effective_time": "1970-01-01T08:00:00+08:00", "expire_time": "bad"}]});
    assert_eq!(
        rfc3339(body["data"][0]["effective_time"].as_str().unwrap()),
        Some(0)
    );
}
