//! Probes of the query (Q1, Q4–Q9), amount reading (C7) and close (X1–X3, X6) rules.

use std::time::Duration;

use pay_conformance::ttpay::Merchant;
use pay_conformance::ttpay::double::BUILTIN_PAID_OUT_TRADE_NO;
use serde_json::json;

use super::{state, without_expire_second};
use crate::client::{Harness, int, now_ms};

const CURRENCY_FIELDS: [&str; 9] = [
    "type",
    "chain",
    "code",
    "currency",
    "name",
    "sub_name",
    "logo",
    "contract_address",
    "decimal",
];
const TIMES: [&str; 5] = [
    "create_time",
    "block_time",
    "expire_time",
    "pay_time",
    "close_time",
];

pub(super) async fn q1(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (out_trade_no, id) = h.new_order(me).await;
    let by_no = h.query(me, "out_trade_no", &out_trade_no).await;
    let by_id = h.query(me, "transaction_id", &id).await;
    let (by_no, by_id) = (by_no.data().clone(), by_id.data().clone());
    ensure!(
        by_no.is_object() && by_id.is_object(),
        "Q1: not found both ways"
    );
    let (by_no, by_id) = (without_expire_second(by_no), without_expire_second(by_id));
    ensure!(by_no == by_id, "Q1: {by_no} differs from {by_id}");
    Ok(())
}

pub(super) async fn q4(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (out_trade_no, _) = h.new_order(me).await;
    for detail in [
        h.detail(me, &out_trade_no).await,
        h.detail(me, BUILTIN_PAID_OUT_TRADE_NO).await,
    ] {
        for field in pay_conformance::ttpay::DETAIL_FIELDS {
            ensure!(detail.get(field).is_some(), "Q4: {field} missing");
        }
        for field in CURRENCY_FIELDS {
            ensure!(
                detail["currency"].get(field).is_some(),
                "Q4: currency.{field} missing"
            );
        }
        for field in TIMES {
            let time = detail[field].as_i64();
            let ms = time.is_some_and(|t| t == 0 || t >= 1_000_000_000_000);
            ensure!(ms, "Q4: {field} {} is not Unix ms", detail[field]);
        }
    }
    Ok(())
}

pub(super) async fn q5(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (new, _) = h.new_order(me).await;
    let (closed, id) = h.new_order(me).await;
    h.close(me, &id).await;
    for out_trade_no in [new.as_str(), closed.as_str(), BUILTIN_PAID_OUT_TRADE_NO] {
        let detail = h.detail(me, out_trade_no).await;
        let known = ["NOTPAY", "SUCCESS", "CLOSED", "REFUND"].contains(&state(&detail));
        ensure!(known, "Q5: trade_state {}", detail["trade_state"]);
    }
    Ok(())
}

pub(super) async fn q6(h: &Harness, me: &Merchant) -> Result<(), String> {
    let sent = json!({
        "order_type": "merchant_order", "to_address": "TQjxEW2Z3p9wjoxxxxxxxxgJUrWXBun91w",
        "description": "echo me", "attach": "a-1", "chain": "ETHEREUM", "currency": "ETH",
    });
    let (answer, out_trade_no) = h.create(me, sent.clone()).await;
    ensure!(answer.is_ok(), "Q6: create answered {:?}", answer.code());
    let detail = h.detail(me, &out_trade_no).await;
    let echoes = [
        ("out_trade_no", &detail["out_trade_no"], json!(out_trade_no)),
        (
            "description",
            &detail["description"],
            sent["description"].clone(),
        ),
        ("amount", &detail["amount"], json!(15000000)),
        ("chain", &detail["chain"], sent["chain"].clone()),
        (
            "currency.chain",
            &detail["currency"]["chain"],
            sent["chain"].clone(),
        ),
        (
            "currency.currency",
            &detail["currency"]["currency"],
            sent["currency"].clone(),
        ),
        (
            "to_address",
            &detail["to_address"],
            sent["to_address"].clone(),
        ),
        (
            "decimals",
            &detail["decimals"],
            detail["currency"]["decimal"].clone(),
        ),
    ];
    for (field, got, expected) in echoes {
        ensure!(*got == expected, "Q6: {field} is {got}, sent {expected}");
    }
    let attach = &detail["attach"];
    ensure!(
        attach.is_null() || *attach == sent["attach"],
        "Q6: attach {attach}"
    );
    Ok(())
}

/// C7: a TRX and a USDT order read their amounts back the same way — both as sent, or both
/// × 10^decimals.
pub(super) async fn c7(h: &Harness, me: &Merchant) -> Result<(), String> {
    let mut readings = Vec::new();
    for (currency, amount) in [("TRX", 15_000_000u64), ("USDT", 9_000_000)] {
        let sent = json!({"chain": "TRON", "currency": currency, "amount": amount});
        let (answer, out_trade_no) = h.create(me, sent).await;
        ensure!(answer.is_ok(), "C7: create answered {:?}", answer.code());
        let detail = h.detail(me, &out_trade_no).await;
        let decimals = detail["decimals"].as_u64().unwrap_or(0) as u32;
        let scaled = u128::from(amount) * 10u128.pow(decimals);
        let got = detail["amount"].as_u64().map(u128::from);
        let reading = match got {
            Some(n) if n == u128::from(amount) => "as sent",
            Some(n) if n == scaled => "scaled",
            _ => {
                return Err(format!(
                    "C7: {currency} amount {} fits neither reading of {amount}",
                    detail["amount"]
                ));
            }
        };
        readings.push(reading);
    }
    ensure!(
        readings[0] == readings[1],
        "C7: TRX read {}, USDT {}",
        readings[0],
        readings[1]
    );
    Ok(())
}

pub(super) async fn q7(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (out_trade_no, _) = h.new_order(me).await;
    let detail = h.detail(me, &out_trade_no).await;
    let get = |field: &str| int(&detail[field]);
    ensure!(
        state(&detail) == "NOTPAY",
        "Q7: a new order is {}",
        detail["trade_state"]
    );
    ensure!(
        get("pay_time") == Some(0),
        "Q7: pay_time {}",
        detail["pay_time"]
    );
    ensure!(
        get("close_time") == Some(0),
        "Q7: close_time {}",
        detail["close_time"]
    );
    ensure!(detail["tx_id"] == "", "Q7: tx_id {}", detail["tx_id"]);
    let create = get("create_time").unwrap_or_default();
    ensure!(
        (now_ms() - create).abs() < 600_000,
        "Q7: create_time {create}"
    );
    let expire = get("expire_time").unwrap_or_default();
    ensure!(
        expire == create + 600_000,
        "Q7: expire_time {expire} for {create}"
    );
    let left = get("expire_second").unwrap_or(-1);
    ensure!((0..=600).contains(&left), "Q7: expire_second {left}");
    Ok(())
}

pub(super) async fn q8(h: &Harness, me: &Merchant) -> Result<(), String> {
    let detail = h.detail(me, BUILTIN_PAID_OUT_TRADE_NO).await;
    let get = |field: &str| int(&detail[field]).unwrap_or(-1);
    let text = |field: &str| detail[field].as_str().unwrap_or_default().to_owned();
    ensure!(
        state(&detail) == "SUCCESS",
        "Q8: paid order is {}",
        detail["trade_state"]
    );
    ensure!(
        get("pay_time") > 0 && get("block_no") > 0,
        "Q8: pay_time or block_no"
    );
    ensure!(
        !text("tx_id").is_empty() && !text("from_address").is_empty(),
        "Q8: tx_id or from"
    );
    ensure!(
        get("close_time") == 0,
        "Q8: close_time {}",
        detail["close_time"]
    );
    Ok(())
}

pub(super) async fn privacy(
    h: &Harness,
    me: &Merchant,
    other: &Merchant,
    rule: &str,
) -> Result<(), String> {
    let (out_trade_no, id) = h.new_order(me).await;
    if rule == "Q9" {
        for (key, value) in [("out_trade_no", &out_trade_no), ("transaction_id", &id)] {
            let answer = h.query(other, key, value).await;
            ensure!(!answer.is_ok(), "Q9: another merchant found it by {key}");
            let leaked = answer.data().get("out_trade_no").is_some();
            ensure!(!leaked, "Q9: another merchant got its data by {key}");
        }
    } else {
        let answer = h.close(other, &id).await;
        ensure!(!answer.is_ok(), "X6: another merchant closed it");
        let detail = h.detail(me, &out_trade_no).await;
        ensure!(
            state(&detail) == "NOTPAY",
            "X6: order is now {}",
            state(&detail)
        );
    }
    Ok(())
}

pub(super) async fn x1_x3(h: &Harness, me: &Merchant, rule: &str) -> Result<(), String> {
    let (out_trade_no, id) = h.new_order(me).await;
    let answer = h.close(me, &id).await;
    let detail = h.detail(me, &out_trade_no).await;
    let close_time = int(&detail["close_time"]).unwrap_or_default();
    if rule == "X1" {
        ensure!(answer.is_ok(), "X1: close answered {:?}", answer.code());
        ensure!(
            state(&detail) == "CLOSED",
            "X1: order is {}",
            state(&detail)
        );
        let create = int(&detail["create_time"]).unwrap_or_default();
        ensure!(
            close_time > 0 && close_time >= create,
            "X1: close_time {close_time}"
        );
        return Ok(());
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    h.close(me, &id).await;
    let again = h.detail(me, &out_trade_no).await;
    ensure!(state(&again) == "CLOSED", "X3: order is {}", state(&again));
    let moved = int(&again["close_time"]).unwrap_or_default();
    ensure!(
        moved == close_time,
        "X3: close_time {close_time} became {moved}"
    );
    Ok(())
}

pub(super) async fn x2(h: &Harness, me: &Merchant) -> Result<(), String> {
    let paid = h.detail(me, BUILTIN_PAID_OUT_TRADE_NO).await;
    let id = paid["transaction_id"].as_str().unwrap_or_default();
    let answer = h.close(me, id).await;
    ensure!(!answer.is_ok(), "X2: closing the paid order answered 0");
    let detail = h.detail(me, BUILTIN_PAID_OUT_TRADE_NO).await;
    ensure!(
        state(&detail) == "SUCCESS",
        "X2: paid order is {}",
        state(&detail)
    );
    Ok(())
}
