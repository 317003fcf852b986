//! Probes of the create rules (C2–C6).

use pay_conformance::ttpay::{Endpoint, Merchant};
use serde_json::json;

use super::{code_in, without_expire_second};
use crate::client::Harness;

pub(super) async fn c2(h: &Harness, me: &Merchant) -> Result<(), String> {
    let required = [
        "mch_id",
        "out_trade_no",
        "expire_second",
        "amount",
        "chain",
        "currency",
        "order_type",
    ];
    for field in required {
        let (answer, out_trade_no) = h.create(me, json!({ field: null })).await;
        ensure!(
            code_in(&answer, &[100, 11003, 20005]),
            "C2: without {field}: {:?}",
            answer.code()
        );
        if field == "out_trade_no" {
            continue;
        }
        let found = h.query(me, "out_trade_no", &out_trade_no).await;
        ensure!(
            !found.shows_order(),
            "C2: without {field}: the order exists"
        );
    }
    Ok(())
}

pub(super) async fn c3_c4(
    h: &Harness,
    me: &Merchant,
    other: &Merchant,
    rule: &str,
) -> Result<(), String> {
    let cases = match rule {
        "C4" => vec![json!({"order_type": "merchant_order", "to_address": null})],
        _ => vec![
            json!({"amount": 0}),
            json!({"amount": -1}),
            json!({"amount": "15000000"}),
            json!({"expire_second": 0}),
            json!({"expire_second": 1.5}),
            json!({"expire_second": "600"}),
            json!({"chain": "DOGECHAIN"}),
            json!({"currency": "BNB"}),
            json!({"order_type": "gift"}),
            json!({"locale": "fr"}),
            json!({"mch_id": other.mch_id}),
        ],
    };
    for case in cases {
        let (answer, out_trade_no) = h.create(me, case.clone()).await;
        ensure!(!answer.is_ok(), "{rule}: {case} accepted");
        let found = h.query(me, "out_trade_no", &out_trade_no).await;
        ensure!(!found.shows_order(), "{rule}: {case} stored an order");
    }
    Ok(())
}

pub(super) async fn c5(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (answer, _) = h.create(me, json!({})).await;
    ensure!(answer.is_ok(), "C5: create answered {:?}", answer.code());
    let prepay_id = answer.data()["prepay_id"].as_str().unwrap_or_default();
    let url = answer.data()["payment_url"].as_str().unwrap_or_default();
    ensure!(!prepay_id.is_empty(), "C5: empty prepay_id");
    let shaped = ["http://", "https://", "/"]
        .iter()
        .any(|p| url.starts_with(p));
    ensure!(shaped && url.contains(prepay_id), "C5: payment_url {url:?}");
    Ok(())
}

pub(super) async fn c6(h: &Harness, me: &Merchant) -> Result<(), String> {
    let body = h.create_body(me, &json!({}));
    let first = h.post(me, Endpoint::Create, &body).await;
    let out_trade_no = body["out_trade_no"].as_str().unwrap_or_default();
    let before = without_expire_second(h.detail(me, out_trade_no).await);
    let mut again = body.clone();
    again["amount"] = json!(99);
    again["description"] = json!("changed");
    let second = h.post(me, Endpoint::Create, &again).await;
    let same = second.is_ok() && second.data()["prepay_id"] == first.data()["prepay_id"];
    ensure!(
        second.code() == Some(12001) || same,
        "C6: repeat answered {:?}",
        second.json
    );
    let after = without_expire_second(h.detail(me, out_trade_no).await);
    ensure!(after == before, "C6: {before} became {after}");
    Ok(())
}
