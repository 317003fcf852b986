use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use super::*;

fn answer(status: u16, content_type: &str, body: &str) -> Exchange {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert("content-type", v);
    }
    Exchange {
        endpoint: QUERY.into(),
        method: reqwest::Method::GET,
        url: QUERY.into(),
        request_headers: Vec::new(),
        sent: Value::Null,
        status,
        headers,
        body: body.as_bytes().to_vec(),
        json: serde_json::from_str(body).map_err(|e| e.to_string()),
        request_id: None,
        signature: SignatureCheck::NotApplicable,
        elapsed: Duration::ZERO,
    }
}

const JSON: &str = "application/json";

#[test]
fn every_answer_a_conforming_target_may_give_is_understood() {
    for (status, kind, body) in [
        (
            404,
            JSON,
            r#"{"code":"ORDER_NOT_EXIST","message":"order does not exist"}"#,
        ),
        (404, JSON, r#"{"code":"ORDERNOTEXIST","message":"x"}"#),
        (400, JSON, r#"{"code":"ORDER_CLOSED","message":"x"}"#),
        (
            400,
            JSON,
            r#"{"code":"PARAM_ERROR","message":"x","detail":{}}"#,
        ),
        // W3 deviations are the scenarios' to judge, not a wrong URL.
        (404, "text/plain", "ORDER_NOT_EXIST: order does not exist"),
        (
            404,
            JSON,
            r#"{"code":404,"message":"order does not exist"}"#,
        ),
        (404, JSON, r#"{"message":"order does not exist"}"#),
        (200, "text/html", "<html>found</html>"),
    ] {
        assert_eq!(
            judge(&answer(status, kind, body)),
            Answer::Understood,
            "{status} {body}"
        );
    }
}

#[test]
fn refusals_of_the_caller_and_other_apis_are_told_apart() {
    let sign = judge(&answer(
        401,
        JSON,
        r#"{"code":"SIGN_ERROR","message":"bad"}"#,
    ));
    assert_eq!(
        sign,
        Answer::SignRefused(401, "SIGN_ERROR".into(), "bad".into())
    );
    let merchant = judge(&answer(
        400,
        JSON,
        r#"{"code":"MCH_NOT_EXISTS","message":"m"}"#,
    ));
    assert!(
        matches!(merchant, Answer::Merchant(400, ..)),
        "{merchant:?}"
    );
    let ttpay = judge(&answer(404, JSON, r#"{"code":404,"msg":"no such path"}"#));
    assert_eq!(ttpay, Answer::NotTheApi(404, "JSON".into(), true));
    let html = judge(&answer(404, "text/html", "<html>404</html>"));
    assert_eq!(html, Answer::NotTheApi(404, "HTML".into(), false));
    let not_found = judge(&answer(
        404,
        JSON,
        r#"{"code":"NOT_FOUND","message":"no such path"}"#,
    ));
    assert_eq!(not_found, Answer::NotTheApi(404, "JSON".into(), false));
    // A front end's error page is the network's trouble.
    assert_eq!(
        judge(&answer(502, "text/html", "<html/>")),
        Answer::Unreachable
    );
}

#[test]
fn an_unknown_merchant_is_read_from_the_message_only_when_it_says_so() {
    assert!(says_unknown_merchant(
        "unknown merchant: mchid 1999 is not a merchant of this platform"
    ));
    assert!(says_unknown_merchant("unknown mchid in Authorization"));
    assert!(says_unknown_merchant("商户号不存在"));
    assert!(!says_unknown_merchant(
        "no merchant key for mchid 1900000109 with serial_no ABC"
    ));
    assert!(!says_unknown_merchant(
        "merchant certificate serial_no is wrong"
    ));
    assert!(!says_unknown_merchant("signature verification failed"));
}

#[test]
fn an_app_id_refusal_is_recognised() {
    let wrong = answer(
        400,
        JSON,
        r#"{"code":"APPID_MCHID_NOT_MATCH","message":"x"}"#,
    );
    assert!(refuses_appid(&wrong));
    let field = answer(
        400,
        JSON,
        r##"{"code":"PARAM_ERROR","message":"x","detail":{"field":"#/appid","value":"","issue":"i"}}"##,
    );
    assert!(refuses_appid(&field));
    let other = answer(400, JSON, r#"{"code":"PARAM_ERROR","message":"x"}"#);
    assert!(!refuses_appid(&other));
}
