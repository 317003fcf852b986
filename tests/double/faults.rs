//! A sample of faults, each shown to change the behaviour it names (and nothing next to it).

use pay_conformance::ttpay::Endpoint;
use pay_conformance::ttpay::double::{BUILTIN_PAID_OUT_TRADE_NO, DoubleConfig, Fault};
use reqwest::Method;
use serde_json::json;

use crate::client::{Auth, Harness, now_ms};

async fn with_fault(name: &str) -> Harness {
    let fault = Fault::from_name(name).unwrap();
    Harness::start(DoubleConfig::builtin().with_fault(Some(fault))).await
}

#[tokio::test]
async fn refused_close_still_closes() {
    let h = with_fault("refused-close-still-closes").await;
    let me = h.merchant(0);
    let (out_trade_no, id) = h.new_order(&me).await;
    assert_eq!(
        h.close_as(&me, &id, Auth::BadSignature).await.code(),
        Some(103)
    );
    assert_eq!(h.detail(&me, &out_trade_no).await["trade_state"], "CLOSED");
}

#[tokio::test]
async fn close_ignores_signature() {
    let h = with_fault("close-ignores-signature").await;
    let me = h.merchant(0);
    let (out_trade_no, id) = h.new_order(&me).await;
    assert_eq!(
        h.close_as(&me, &id, Auth::BadSignature).await.code(),
        Some(0)
    );
    assert_eq!(h.detail(&me, &out_trade_no).await["trade_state"], "CLOSED");
    let body = h.create_body(&me, &json!({}));
    let create = h
        .post_as(&me, Endpoint::Create, &body, Auth::BadSignature)
        .await;
    assert_eq!(create.code(), Some(103), "only close is affected");
}

#[tokio::test]
async fn duplicate_creates_second_order() {
    let h = with_fault("duplicate-creates-second-order").await;
    let me = h.merchant(0);
    let body = h.create_body(&me, &json!({}));
    let first = h.post(&me, Endpoint::Create, &body).await;
    let second = h.post(&me, Endpoint::Create, &body).await;
    assert_eq!(second.code(), Some(0));
    assert_ne!(first.data()["prepay_id"], second.data()["prepay_id"]);
    assert_eq!(h.double.order_count(), 3);
}

#[tokio::test]
async fn duplicate_overwrites_order() {
    let h = with_fault("duplicate-overwrites-order").await;
    let me = h.merchant(0);
    let body = h.create_body(&me, &json!({}));
    h.post(&me, Endpoint::Create, &body).await;
    let mut again = body.clone();
    again["amount"] = json!(7);
    assert_eq!(
        h.post(&me, Endpoint::Create, &again).await.code(),
        Some(12001)
    );
    let detail = h.detail(&me, body["out_trade_no"].as_str().unwrap()).await;
    assert_eq!(detail["amount"], 7);
}

#[tokio::test]
async fn refused_create_still_stored() {
    let h = with_fault("refused-create-still-stored").await;
    let me = h.merchant(0);
    let (answer, out_trade_no) = h.create(&me, json!({"amount": null})).await;
    assert_eq!(answer.code(), Some(11003));
    assert_eq!(
        h.query(&me, "out_trade_no", &out_trade_no).await.code(),
        Some(0)
    );
}

#[tokio::test]
async fn hangup_on_malformed_json() {
    let h = with_fault("hangup-on-malformed-json").await;
    let me = h.merchant(0);
    let answer = h
        .send(
            &me,
            Method::POST,
            Endpoint::Create.path(),
            b"{",
            Auth::Signed,
        )
        .await;
    assert_eq!(answer.status, 0, "the connection is dropped");
    let (fine, _) = h.create(&me, json!({})).await;
    assert_eq!(fine.code(), Some(0));
}

#[tokio::test]
async fn transport_faults_bend_the_wire() {
    let h = with_fault("trailing-comma-json").await;
    let answer = h.query(&h.merchant(0), "out_trade_no", "x").await;
    assert!(!answer.strict_json && answer.body.ends_with(b",}"));
    let h = with_fault("http-500-on-error").await;
    assert_eq!(
        h.query(&h.merchant(0), "out_trade_no", "x").await.status,
        500
    );
    let h = with_fault("text-html-content-type").await;
    let answer = h.query(&h.merchant(0), "out_trade_no", "x").await;
    assert!(answer.content_type.starts_with("text/html"));
    let h = with_fault("unsigned-responses").await;
    let answer = h.query(&h.merchant(0), "out_trade_no", "x").await;
    assert!(answer.headers.get("TTPay-Signature").is_none());
}

#[tokio::test]
async fn time_in_seconds() {
    let h = with_fault("time-in-seconds").await;
    let me = h.merchant(0);
    let (out_trade_no, _) = h.new_order(&me).await;
    let create_time = h.detail(&me, &out_trade_no).await["create_time"]
        .as_i64()
        .unwrap();
    assert!((now_ms() / 1000 - create_time).abs() < 5);
}

#[tokio::test]
async fn other_merchant_can_close() {
    let h = with_fault("other-merchant-can-close").await;
    let (me, other) = (h.merchant(0), h.merchant(1));
    let (out_trade_no, id) = h.new_order(&me).await;
    assert_eq!(h.close(&other, &id).await.code(), Some(0));
    assert_eq!(h.detail(&me, &out_trade_no).await["trade_state"], "CLOSED");
}

#[tokio::test]
async fn unknown_app_served() {
    let h = with_fault("unknown-app-served").await;
    let me = h.merchant(0);
    let body = json!({"mch_id": me.mch_id, "out_trade_no": BUILTIN_PAID_OUT_TRADE_NO});
    let answer = h
        .post_as(&me, Endpoint::Query, &body, Auth::UnknownApp)
        .await;
    assert_eq!(answer.code(), Some(0));
    assert_eq!(answer.data()["trade_state"], "SUCCESS");
}
