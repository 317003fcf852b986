//! Each rule function fails on the evidence that breaks it and passes on the evidence that
//! does not — the unit-level half of "a check that cannot fail is a defect".

use std::time::Duration;

use rstest::rstest;
use serde_json::{Map, Value, json};

use super::*;
use crate::http::Method;

fn exchange(endpoint: Endpoint, status: u16, content_type: &str, body: &str) -> Exchange {
    let mut headers = reqwest::header::HeaderMap::new();
    if !content_type.is_empty() {
        headers.insert("content-type", content_type.parse().unwrap());
    }
    let json: Result<Value, String> = serde_json::from_str(body).map_err(|e| e.to_string());
    Exchange {
        endpoint: endpoint.path().to_owned(),
        method: Method::POST,
        url: endpoint.path().to_owned(),
        request_headers: Vec::new(),
        sent: Value::Null,
        status,
        headers,
        body: body.as_bytes().to_vec(),
        request_id: json
            .as_ref()
            .ok()
            .and_then(|v| v.get("request_id"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        json,
        signature: SignatureCheck::Valid,
        elapsed: Duration::ZERO,
    }
}

fn ok(endpoint: Endpoint, body: Value) -> Exchange {
    exchange(
        endpoint,
        200,
        "application/json; charset=utf-8",
        &body.to_string(),
    )
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

const RID: &str = "f23ade4a-e5ca-48f4-a4bb-59114ac360ba";

#[rstest]
#[case(200, "application/json", r#"{"code":0}"#, &[])]
#[case(200, "application/json;charset=UTF-8", r#"{"code":0}"#, &[])]
#[case(500, "application/json", r#"{"code":0}"#, &["(http status)"])]
#[case(200, "text/html", r#"{"code":0}"#, &["(content-type)"])]
#[case(200, "", r#"{"code":0}"#, &["(content-type)"])]
#[case(200, "application/json", r#"{"code":0,}"#, &[""])]
#[case(200, "application/json", "[1]", &[""])]
#[case(502, "text/html", "<html/>", &["(http status)", "(content-type)", ""])]
fn t3_transport(
    #[case] status: u16,
    #[case] ct: &str,
    #[case] body: &str,
    #[case] pointers: &[&str],
) {
    let found = transport(&exchange(Endpoint::Query, status, ct, body));
    let got: Vec<&str> = found.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(got, pointers);
    assert!(found.iter().all(|d| d.rule == "T3"));
}

#[rstest]
#[case(json!({"code": 0, "msg": "ok", "request_id": RID, "data": {}}), 0)]
#[case(json!({"code": "0", "msg": "ok", "request_id": RID}), 1)]
#[case(json!({"code": 0, "request_id": RID}), 1)]
#[case(json!({"code": 0, "msg": "ok", "request_id": "req-1"}), 1)]
fn t4_envelope(#[case] body: Value, #[case] deviations: usize) {
    let schemas = SchemaSet::embedded().expect("schemas");
    let found = envelope(&ok(Endpoint::Close, body), &schemas);
    assert_eq!(found.len(), deviations, "{found:?}");
    assert!(found.iter().all(|d| d.rule == "T4"));
}

#[test]
fn t4_data_on_success_of_create_and_query_only() {
    let bare = json!({"code": 0, "msg": "ok", "request_id": RID});
    assert_eq!(
        data_on_success(&ok(Endpoint::Query, bare.clone()))[0].pointer,
        "/data"
    );
    assert_eq!(
        data_on_success(&ok(Endpoint::Create, bare.clone())).len(),
        1
    );
    assert!(data_on_success(&ok(Endpoint::Close, bare)).is_empty());
    let refused = json!({"code": 12002, "msg": "no", "request_id": RID});
    assert!(data_on_success(&ok(Endpoint::Query, refused)).is_empty());
}

#[rstest]
#[case(SignatureCheck::Valid, ResponseSignatures::Strict, false)]
#[case(SignatureCheck::Missing, ResponseSignatures::Strict, true)]
#[case(SignatureCheck::Invalid, ResponseSignatures::Observe, true)]
#[case(SignatureCheck::Invalid, ResponseSignatures::Off, false)]
#[case(SignatureCheck::NotApplicable, ResponseSignatures::Strict, false)]
fn a6_signature(
    #[case] check: SignatureCheck,
    #[case] mode: ResponseSignatures,
    #[case] problem: bool,
) {
    let mut e = ok(Endpoint::Query, json!({"code": 0}));
    e.signature = check;
    assert_eq!(signature_problem(&e, mode).is_some(), problem);
}

#[test]
fn a6_observe_mode_is_an_observation_not_a_deviation() {
    let schemas = SchemaSet::embedded().expect("schemas");
    let mut e = ok(
        Endpoint::Close,
        json!({"code": 0, "msg": "ok", "request_id": RID}),
    );
    e.signature = SignatureCheck::Missing;
    let (strict, _) = every_exchange(&e, &schemas, ResponseSignatures::Strict);
    assert_eq!(strict.len(), 1);
    let (observe, observations) = every_exchange(&e, &schemas, ResponseSignatures::Observe);
    assert!(observe.is_empty());
    assert_eq!(observations[0].rule, "A6");
}

#[rstest]
#[case(json!({"prepay_id": "abc", "payment_url": "/pay/order?prepay_id=abc"}), &[])]
#[case(json!({"prepay_id": "abc", "payment_url": "https://pay.example/p/abc"}), &[])]
#[case(json!({"prepay_id": "", "payment_url": "/pay/order"}), &["/data/prepay_id"])]
#[case(json!({"prepay_id": "abc", "payment_url": "/pay/order?id=zzz"}), &["/data/payment_url"])]
#[case(json!({"prepay_id": "abc", "payment_url": "pay/abc"}), &["/data/payment_url"])]
#[case(json!({"prepay_id": "abc", "payment_url": "//evil/abc"}), &["/data/payment_url"])]
#[case(json!({"prepay_id": "abc"}), &["/data/payment_url"])]
fn c5_created(#[case] data: Value, #[case] pointers: &[&str]) {
    let found = created(&ok(Endpoint::Create, json!({"code": 0, "data": data})));
    let got: Vec<&str> = found.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(got, pointers);
    assert!(found.iter().all(|d| d.rule == "C5"));
}

#[test]
fn c5_a_refusal_of_a_valid_order_is_a_deviation() {
    let found = created(&ok(Endpoint::Create, json!({"code": 100, "msg": "bad"})));
    assert_eq!(found[0].pointer, "/code");
    assert_eq!(found[0].actual, "100 (bad)");
}

fn detail() -> Map<String, Value> {
    object(json!({
        "out_trade_no": "o-1", "description": "d", "chain": "TRON", "to_address": "T1",
        "amount": 15000000, "decimals": 6, "attach": "x",
        "currency": {"currency": "TRX", "chain": "TRON", "decimal": 6},
        "trade_state": "NOTPAY", "pay_time": 0, "close_time": 0, "tx_id": "",
        "create_time": 1_700_000_000_000i64, "expire_time": 1_700_000_600_000i64, "expire_second": 590,
    }))
}

fn sent() -> Map<String, Value> {
    object(
        json!({"out_trade_no": "o-1", "description": "d", "chain": "TRON", "currency": "TRX",
                  "amount": 15000000, "to_address": "T1", "attach": "x"}),
    )
}

#[rstest]
#[case("description", json!("other"), "/data/description")]
#[case("chain", json!("BSC"), "/data/chain")]
#[case("to_address", json!(""), "/data/to_address")]
#[case("decimals", json!(18), "/data/decimals")]
#[case("attach", json!("changed"), "/data/attach")]
fn q6_echoes(#[case] field: &str, #[case] value: Value, #[case] pointer: &str) {
    assert!(echoes(&sent(), &detail()).is_empty());
    let mut d = detail();
    d.insert(field.into(), value);
    let found = echoes(&sent(), &d);
    assert_eq!(
        found.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        [pointer]
    );
}

#[test]
fn q6_attach_may_be_absent_and_the_amount_is_c7s() {
    let mut d = detail();
    d.remove("attach");
    assert!(echoes(&sent(), &d).is_empty());
    // Either reading of the amount is C7's to judge, not Q6's.
    d.insert("amount".into(), json!(15));
    assert!(echoes(&sent(), &d).is_empty());
}

#[rstest]
#[case("pay_time", json!(1_700_000_000_000i64))]
#[case("close_time", json!(5))]
#[case("tx_id", json!("0xabc"))]
#[case("trade_state", json!("CLOSED"))]
#[case("create_time", json!(1_700_000_000))]
#[case("expire_time", json!(1_700_000_600))]
#[case("expire_second", json!(601))]
fn q7_new_order(#[case] field: &str, #[case] value: Value) {
    let now = 1_700_000_005_000;
    assert!(new_order(&detail(), 600, now).is_empty());
    let mut d = detail();
    d.insert(field.into(), value);
    let found = new_order(&d, 600, now);
    assert!(
        found.iter().any(|f| f.0 == format!("/data/{field}")),
        "{found:?}"
    );
}

#[rstest]
#[case("pay_time", json!(0))]
#[case("tx_id", json!(""))]
#[case("from_address", json!(""))]
#[case("block_no", json!(0))]
#[case("close_time", json!(1))]
fn q8_paid_order(#[case] field: &str, #[case] value: Value) {
    let paid = object(
        json!({"pay_time": 1, "tx_id": "h", "from_address": "T", "block_no": 3, "close_time": 0}),
    );
    assert!(paid_order(&paid).is_empty());
    let mut d = paid.clone();
    d.insert(field.into(), value);
    assert_eq!(paid_order(&d)[0].0, format!("/data/{field}"));
}

#[test]
fn q1_agree_ignores_only_expire_second() {
    let a = detail();
    let mut b = detail();
    b.insert("expire_second".into(), json!(1));
    assert!(agree(&a, &b).is_empty());
    b.insert("amount".into(), json!(1));
    b.insert("extra/field".into(), json!(true));
    let found: Vec<String> = agree(&a, &b).into_iter().map(|f| f.0).collect();
    assert_eq!(found, ["/data/amount", "/data/extra~1field"]);
}

#[test]
fn set_up_checks_fail_on_what_breaks_them_and_only_that() {
    let found = ok(
        Endpoint::Query,
        json!({"code": 0, "data": {"transaction_id": "T1"}}),
    );
    assert!(succeeded("Q1", &found, "0").is_empty());
    assert!(names_its_transaction_id(&found).is_empty());
    let refused = ok(Endpoint::Query, json!({"code": 12002, "msg": "no"}));
    let d = succeeded("Q1", &refused, "0: found");
    assert_eq!((d.len(), d[0].rule == "Q1"), (1, true));
    let nameless = ok(
        Endpoint::Query,
        json!({"code": 0, "data": {"transaction_id": ""}}),
    );
    assert_eq!(names_its_transaction_id(&nameless)[0].rule, "Q4");

    let closed_detail = object(json!({"trade_state": "CLOSED", "close_time": 5}));
    assert!(closed(&found, &closed_detail).is_empty());
    for open in [
        json!({"trade_state": "NOTPAY", "close_time": 5}),
        json!({"trade_state": "CLOSED", "close_time": 0}),
    ] {
        assert_eq!(closed(&found, &object(open))[0].rule, "X1");
    }
}

#[test]
fn q6_an_optional_field_sent_empty_is_absent() {
    let mut sent = sent();
    sent.insert("to_address".into(), json!(""));
    let mut d = detail();
    d.insert("to_address".into(), json!("TPlatformWallet"));
    assert!(echoes(&sent, &d).is_empty(), "{:?}", echoes(&sent, &d));
}
