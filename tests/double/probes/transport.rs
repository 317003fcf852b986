//! Probes of the transport (T3–T5) and authentication (A3, A6) rules.

use pay_conformance::ttpay::crypto::signing::response_message;
use pay_conformance::ttpay::{Endpoint, Merchant};
use reqwest::Method;
use serde_json::json;

use super::state;
use crate::client::{Answer, Auth, Harness};

/// A sample of answers: a create, an unknown order, a close, an unauthorised call.
pub(super) async fn sample(h: &Harness, me: &Merchant) -> Vec<Answer> {
    let (created, _) = h.create(me, json!({})).await;
    let (out_trade_no, id) = h.new_order(me).await;
    let found = h.query(me, "out_trade_no", &out_trade_no).await;
    let unknown = h.query(me, "out_trade_no", "NO-SUCH-ORDER").await;
    let closed = h.close(me, &id).await;
    let body = json!({"app_id": me.app_id, "mch_id": me.mch_id, "out_trade_no": "X"});
    let unauthorised = h.post_as(me, Endpoint::Query, &body, Auth::Missing).await;
    vec![created, found, unknown, closed, unauthorised]
}

pub(super) async fn t3(h: &Harness, me: &Merchant) -> Result<(), String> {
    for answer in sample(h, me).await {
        ensure!(answer.status == 200, "T3: HTTP {}", answer.status);
        let json = answer.content_type.starts_with("application/json");
        ensure!(json, "T3: content type {}", answer.content_type);
        ensure!(answer.strict_json, "T3: not strict JSON");
    }
    Ok(())
}

pub(super) async fn t4(h: &Harness, me: &Merchant) -> Result<(), String> {
    let answers = sample(h, me).await;
    for answer in &answers {
        let json = &answer.json;
        ensure!(json["code"].is_i64(), "T4: code {}", json["code"]);
        ensure!(json["msg"].is_string(), "T4: msg {}", json["msg"]);
        let id = json["request_id"].as_str().unwrap_or_default();
        ensure!(uuid::Uuid::parse_str(id).is_ok(), "T4: request_id {id:?}");
    }
    ensure!(answers[0].data().is_object(), "T4: create without data");
    ensure!(answers[1].data().is_object(), "T4: query without data");
    Ok(())
}

pub(super) async fn t5(h: &Harness, me: &Merchant) -> Result<(), String> {
    let create = Endpoint::Create.path();
    let wrong_type = h.create_body(me, &json!({"amount": "abc"})).to_string();
    let inputs: [(&str, &[u8], Auth); 7] = [
        (create, b"{not json", Auth::Signed),
        (create, b"[1, 2]", Auth::Signed),
        (create, b"\xff\xfe\x00", Auth::Signed),
        (create, b"", Auth::Signed),
        (create, wrong_type.as_bytes(), Auth::Signed),
        (create, b"{}", Auth::Garbage),
        (Endpoint::Close.path(), b"{}", Auth::Missing),
    ];
    for (path, body, auth) in inputs {
        let answer = h.send(me, Method::POST, path, body, auth).await;
        let input = String::from_utf8_lossy(body);
        ensure!(answer.status != 0, "T5: dropped connection on {input:?}");
        ensure!(
            answer.status < 500,
            "T5: HTTP {} on {input:?}",
            answer.status
        );
        ensure!(
            answer.json.is_object(),
            "T5: a body that is not JSON on {input:?}"
        );
    }
    Ok(())
}

pub(super) async fn a3(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (out_trade_no, id) = h.new_order(me).await;
    let answer = h.close_as(me, &id, Auth::BadSignature).await;
    ensure!(
        answer.code() == Some(103),
        "A3: forged close: {:?}",
        answer.code()
    );
    let detail = h.detail(me, &out_trade_no).await;
    ensure!(
        state(&detail) == "NOTPAY",
        "A3: forged close left {}",
        state(&detail)
    );
    let body = h.create_body(me, &json!({}));
    let answer = h
        .post_as(me, Endpoint::Create, &body, Auth::BadSignature)
        .await;
    ensure!(
        answer.code() == Some(103),
        "A3: forged create: {:?}",
        answer.code()
    );
    let trade_no = body["out_trade_no"].as_str().unwrap_or_default();
    let found = h.query(me, "out_trade_no", trade_no).await;
    ensure!(!found.shows_order(), "A3: a forged create stored an order");
    Ok(())
}

pub(super) async fn a6(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (out_trade_no, _) = h.new_order(me).await;
    for answer in [
        h.query(me, "out_trade_no", &out_trade_no).await,
        h.query(me, "out_trade_no", "NO-SUCH-ORDER").await,
    ] {
        let header = |name: &str| {
            let value = answer.headers.get(name).and_then(|v| v.to_str().ok());
            value.unwrap_or_default().to_owned()
        };
        let (ts, nonce, signature) = (
            header("TTPay-Timestamp"),
            header("TTPay-Nonce"),
            header("TTPay-Signature"),
        );
        ensure!(!signature.is_empty(), "A6: unsigned response");
        let message = response_message(&ts, &nonce, &answer.body);
        ensure!(
            me.secret.verifies(&message, &signature),
            "A6: wrong signature"
        );
    }
    Ok(())
}
