//! The embedded double over real HTTP: its conforming behaviour and its configuration.
//! `faults.rs` shows what a sample of faults really changes; `probes/` checks every rule
//! against every fault.

mod client;
mod faults;
mod probes;

use std::time::{Duration, Instant};

use pay_conformance::double::server::Limits;
use pay_conformance::ttpay::crypto::signing::response_message;
use pay_conformance::ttpay::double::{BUILTIN_PAID_OUT_TRADE_NO, Double, DoubleConfig, Fault};
use pay_conformance::ttpay::{AmountUnit, Endpoint, TimestampUnit};
use reqwest::Method;
use rstest::rstest;
use serde_json::json;

use client::{Auth, Harness, now_ms};

async fn conforming() -> Harness {
    Harness::start(DoubleConfig::builtin()).await
}

#[tokio::test]
async fn create_query_close_happy_path() {
    let h = conforming().await;
    let me = h.merchant(0);
    let (created, out_trade_no) = h.create(&me, json!({})).await;
    assert_eq!((created.status, created.code()), (200, Some(0)));
    let prepay_id = created.data()["prepay_id"].as_str().unwrap();
    assert_eq!(prepay_id.len(), 64);
    assert_eq!(
        created.data()["payment_url"],
        format!("/pay/order?prepay_id={prepay_id}")
    );

    let detail = h.detail(&me, &out_trade_no).await;
    assert_eq!(detail["trade_state"], "NOTPAY");
    assert_eq!(detail["transaction_id"].as_str().unwrap().len(), 32);
    assert_eq!(detail["amount"], 15000000);
    assert_eq!(detail["decimals"], 6);
    assert_eq!(detail["service_amount"], 45000);
    assert_eq!(detail["currency"]["code"], "TRON_USDT");
    assert_eq!(detail["notify_url"], "https://merchant.example/notify");
    assert_eq!(
        (detail["status"].clone(), detail["notify_num"].clone()),
        (json!(1), json!(0))
    );
    let create_time = detail["create_time"].as_i64().unwrap();
    assert!((now_ms() - create_time).abs() < 5_000);
    assert_eq!(detail["expire_time"], create_time + 600_000);

    let id = detail["transaction_id"].as_str().unwrap();
    let closed = h.close(&me, id).await;
    assert_eq!(closed.code(), Some(0));
    assert!(closed.json.get("data").is_none());
    let after = h.detail(&me, &out_trade_no).await;
    assert_eq!(after["trade_state"], "CLOSED");
    assert!(after["close_time"].as_i64().unwrap() >= create_time);
}

#[tokio::test]
async fn get_query_reads_the_query_string() {
    let h = conforming().await;
    let me = h.merchant(0);
    let (out_trade_no, id) = h.new_order(&me).await;
    let by_no = h
        .query_get(
            &me,
            &[("mch_id", &me.mch_id), ("out_trade_no", &out_trade_no)],
        )
        .await;
    assert_eq!(by_no.code(), Some(0));
    assert_eq!(by_no.data()["transaction_id"], id.as_str());
    let by_id = h.query_get(&me, &[("transaction_id", &id)]).await;
    assert_eq!(by_id.data()["out_trade_no"], out_trade_no.as_str());
    let neither = h.query_get(&me, &[("mch_id", &me.mch_id)]).await;
    assert_eq!(neither.code(), Some(11003));
}

#[tokio::test]
async fn responses_are_signed_with_the_callers_secret() {
    let h = conforming().await;
    let (me, other) = (h.merchant(0), h.merchant(1));
    let answer = h
        .query(&me, "out_trade_no", BUILTIN_PAID_OUT_TRADE_NO)
        .await;
    let header = |name| {
        answer
            .headers
            .get(name)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    let ts = header("TTPay-Timestamp");
    assert!((now_ms() - ts.parse::<i64>().unwrap()).abs() < 5_000);
    let message = response_message(&ts, &header("TTPay-Nonce"), &answer.body);
    assert!(me.secret.verifies(&message, &header("TTPay-Signature")));
    assert!(!other.secret.verifies(&message, &header("TTPay-Signature")));
    let unknown = h
        .post_as(&me, Endpoint::Query, &json!({}), Auth::UnknownApp)
        .await;
    assert!(unknown.headers.get("TTPay-Signature").is_none());
}

#[rstest]
#[case::missing(Auth::Missing, 103)]
#[case::garbage(Auth::Garbage, 103)]
#[case::unknown_app(Auth::UnknownApp, 20000)]
#[case::an_hour_old(Auth::Stale, 104)]
#[case::wrong_signature(Auth::BadSignature, 103)]
#[tokio::test]
async fn refused_requests_have_no_effect(#[case] auth: Auth, #[case] code: i64) {
    let h = conforming().await;
    let me = h.merchant(0);
    let (out_trade_no, id) = h.new_order(&me).await;
    let count = h.double.order_count();

    let body = h.create_body(&me, &json!({}));
    let create = h.post_as(&me, Endpoint::Create, &body, auth).await;
    assert_eq!((create.status, create.code()), (200, Some(code)));
    let close = h.close_as(&me, &id, auth).await;
    assert_eq!(close.code(), Some(code));

    assert_eq!(h.double.order_count(), count);
    assert_eq!(h.detail(&me, &out_trade_no).await["trade_state"], "NOTPAY");
}

#[tokio::test]
async fn timestamps_in_seconds_when_configured() {
    let config = DoubleConfig {
        timestamp_unit: Some(TimestampUnit::S),
        ..DoubleConfig::builtin()
    };
    let h = Harness::start(config).await;
    let answer = h
        .query(&h.merchant(0), "out_trade_no", BUILTIN_PAID_OUT_TRADE_NO)
        .await;
    assert_eq!(answer.code(), Some(0));
}

#[tokio::test]
async fn duplicate_create_is_refused_and_changes_nothing() {
    let h = conforming().await;
    let (me, other) = (h.merchant(0), h.merchant(1));
    let body = h.create_body(&me, &json!({}));
    assert_eq!(h.post(&me, Endpoint::Create, &body).await.code(), Some(0));
    let count = h.double.order_count();
    let mut again = body.clone();
    again["amount"] = json!(1);
    let second = h.post(&me, Endpoint::Create, &again).await;
    assert_eq!(second.code(), Some(12001));
    assert!(second.data().is_null());
    assert_eq!(h.double.order_count(), count);
    let out_trade_no = body["out_trade_no"].as_str().unwrap();
    assert_eq!(h.detail(&me, out_trade_no).await["amount"], 15000000);

    let theirs = h.create_body(&other, &json!({"out_trade_no": out_trade_no}));
    assert_eq!(
        h.post(&other, Endpoint::Create, &theirs).await.code(),
        Some(0)
    );
}

#[tokio::test]
async fn orders_are_private_to_their_merchant() {
    let h = conforming().await;
    let (me, other) = (h.merchant(0), h.merchant(1));
    let (out_trade_no, id) = h.new_order(&me).await;
    for (key, value) in [("out_trade_no", &out_trade_no), ("transaction_id", &id)] {
        let answer = h.query(&other, key, value).await;
        assert_eq!(answer.code(), Some(12002));
        assert!(answer.json.get("data").is_none());
    }
    assert_eq!(h.close(&other, &id).await.code(), Some(12002));
    assert_eq!(h.detail(&me, &out_trade_no).await["trade_state"], "NOTPAY");
    let foreign = h.query(&me, "out_trade_no", "x").await;
    assert_eq!(foreign.code(), Some(12002));
    let wrong_mch = json!({"mch_id": other.mch_id, "out_trade_no": out_trade_no});
    assert_eq!(
        h.post(&me, Endpoint::Query, &wrong_mch).await.code(),
        Some(100)
    );
}

#[tokio::test]
async fn close_lifecycle() {
    let h = conforming().await;
    let me = h.merchant(0);
    let paid = h.detail(&me, BUILTIN_PAID_OUT_TRADE_NO).await;
    assert_eq!(paid["trade_state"], "SUCCESS");
    let paid_id = paid["transaction_id"].as_str().unwrap();
    assert_eq!(h.close(&me, paid_id).await.code(), Some(20005));
    assert_eq!(h.detail(&me, BUILTIN_PAID_OUT_TRADE_NO).await, {
        let mut same = paid.clone();
        same["expire_second"] = json!(0);
        same
    });

    let (out_trade_no, id) = h.new_order(&me).await;
    assert_eq!(h.close(&me, &id).await.code(), Some(0));
    let closed = h.detail(&me, &out_trade_no).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert_eq!(h.close(&me, &id).await.code(), Some(0));
    assert_eq!(
        h.detail(&me, &out_trade_no).await["close_time"],
        closed["close_time"]
    );

    assert_eq!(
        h.close(&me, "ffffffffffffffffffffffffffffffff")
            .await
            .code(),
        Some(12002)
    );
    let no_id = json!({"mch_id": me.mch_id});
    assert_eq!(
        h.post(&me, Endpoint::Close, &no_id).await.code(),
        Some(11003)
    );
}

#[rstest]
#[case::not_json(&b"{\"mch_id\": "[..])]
#[case::array(&b"[]"[..])]
#[case::empty(&b""[..])]
#[case::not_utf8(&b"\xff\xfe\xfd"[..])]
#[case::deep(&b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["[..])]
#[case::wrong_types(&br#"{"mch_id": [], "out_trade_no": {}, "amount": true, "expire_second": null}"#[..])]
#[tokio::test]
async fn malformed_input_gets_a_json_refusal(#[case] body: &[u8]) {
    let h = conforming().await;
    let me = h.merchant(0);
    for endpoint in Endpoint::ALL {
        let answer = h
            .send(&me, Method::POST, endpoint.path(), body, Auth::Signed)
            .await;
        assert_eq!(answer.status, 200, "{endpoint}");
        assert!(answer.strict_json, "{endpoint}");
        assert!(
            matches!(answer.code(), Some(100 | 11003)),
            "{endpoint}: {:?}",
            answer.code()
        );
    }
    let wrong_method = h.send(
        &me,
        Method::DELETE,
        Endpoint::Close.path(),
        b"{}",
        Auth::Signed,
    );
    assert_eq!(wrong_method.await.code(), Some(100));
    let elsewhere = h
        .send(&me, Method::POST, "/v2/elsewhere", b"{}", Auth::Signed)
        .await;
    assert_eq!(elsewhere.status, 404);
    assert!(elsewhere.strict_json);
}

#[tokio::test]
async fn rate_limit_answers_11001_without_effect() {
    let config = DoubleConfig {
        rate_limit: Some(3),
        ..DoubleConfig::builtin()
    };
    let h = Harness::start(config).await;
    let (me, other) = (h.merchant(0), h.merchant(1));
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(h.create(&me, json!({})).await.0.code());
    }
    let created = codes.iter().filter(|&&code| code == Some(0)).count();
    assert!(codes.contains(&Some(11001)), "{codes:?}");
    assert_eq!(h.double.order_count(), 1 + created);
    assert_eq!(h.create(&other, json!({})).await.0.code(), Some(0));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(h.create(&me, json!({})).await.0.code(), Some(0));
}

#[tokio::test]
async fn eviction_keeps_the_bound_and_the_paid_order() {
    let config = DoubleConfig {
        max_orders: 4,
        ..DoubleConfig::builtin()
    };
    let h = Harness::start(config).await;
    let me = h.merchant(0);
    let mut created = Vec::new();
    for _ in 0..8 {
        created.push(h.create(&me, json!({})).await.1);
        assert!(h.double.order_count() <= 4);
    }
    assert_eq!(
        h.query(&me, "out_trade_no", &created[0]).await.code(),
        Some(12002)
    );
    assert_eq!(
        h.query(&me, "out_trade_no", &created[7]).await.code(),
        Some(0)
    );
    let paid = h
        .query(&me, "out_trade_no", BUILTIN_PAID_OUT_TRADE_NO)
        .await;
    assert_eq!(paid.code(), Some(0));
}

#[tokio::test]
async fn major_units_are_stored_in_minor_units() {
    let config = DoubleConfig {
        amount_unit: AmountUnit::Major,
        ..DoubleConfig::builtin()
    };
    let h = Harness::start(config).await;
    let me = h.merchant(0);
    let (_, usdt) = h.create(&me, json!({"amount": 9})).await;
    assert_eq!(h.detail(&me, &usdt).await["amount"], 9_000_000);
    let (_, bnb) = h
        .create(
            &me,
            json!({"amount": 1.5, "chain": "BSC", "currency": "BNB"}),
        )
        .await;
    assert_eq!(
        h.detail(&me, &bnb).await["amount"],
        1_500_000_000_000_000_000u64
    );
}

#[tokio::test]
async fn faults_change_at_run_time_and_latency_delays() {
    let config = DoubleConfig {
        latency: Some(Duration::from_millis(150)),
        ..DoubleConfig::builtin()
    };
    let h = Harness::start(config).await;
    let me = h.merchant(0);
    let (_, id) = h.new_order(&me).await;
    h.double
        .set_fault(Fault::from_name("close-without-id-succeeds"));
    assert_eq!(h.double.fault(), Some(Fault::CloseWithoutIdSucceeds));
    let body = json!({"mch_id": me.mch_id});
    assert_eq!(h.post(&me, Endpoint::Close, &body).await.code(), Some(0));
    h.double.set_fault(None);
    let started = Instant::now();
    assert_eq!(
        h.post(&me, Endpoint::Close, &body).await.code(),
        Some(11003)
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(h.close(&me, &id).await.code(), Some(0));
}

#[tokio::test]
async fn start_on_serves_the_given_listener() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let double = Double::start_on(listener, DoubleConfig::builtin(), Limits::default())
        .await
        .unwrap();
    assert_eq!(double.uri(), format!("http://127.0.0.1:{port}"));
    assert_eq!(double.order_count(), 1);
    assert!(!format!("{double:?}").contains("DOUBLE-ONLY-FAKE-SECRET"));
}
