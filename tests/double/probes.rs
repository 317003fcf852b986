//! One probe per CONTRACT rule: a few requests that check the rule the way a suite would, and
//! nothing else. The conforming double passes them all; each fault fails exactly the probes of
//! the rules it lists (`Fault::rules`), and always its first one.

use std::collections::BTreeSet;
use std::time::Duration;

use pay_conformance::ttpay::double::{BUILTIN_PAID_OUT_TRADE_NO, DoubleConfig, Fault};
use pay_conformance::ttpay::signing::response_message;
use pay_conformance::ttpay::{Endpoint, Merchant};
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{Answer, Auth, Harness, int, now_ms};

/// The rules probed, in the order they run: X2 last, as a faulty X2 may close the paid order.
pub const PROBED: [&str; 27] = [
    "T3", "T4", "T5", "A3", "A4", "A5", "A6", "C2", "C3", "C4", "C5", "C6", "Q1", "Q2", "Q3", "Q4",
    "Q5", "Q6", "Q7", "Q8", "Q9", "X1", "X3", "X4", "X5", "X6", "X2",
];

const DETAIL_FIELDS: [&str; 25] = [
    "out_trade_no",
    "transaction_id",
    "trade_state",
    "description",
    "block_no",
    "create_time",
    "block_time",
    "expire_time",
    "expire_second",
    "pay_time",
    "close_time",
    "tx_id",
    "from_address",
    "contract_address",
    "to_address",
    "amount",
    "chain",
    "decimals",
    "service_amount",
    "service_amount_currency",
    "notify_url",
    "notify_num",
    "notify_status",
    "status",
    "currency",
];
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

macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+));
        }
    };
}

/// Checks `rule` against the harness's double.
pub async fn check(h: &Harness, rule: &str) -> Result<(), String> {
    let (me, other) = (h.merchant(0), h.merchant(1));
    match rule {
        "T3" => t3(h, &me).await,
        "T4" => t4(h, &me).await,
        "T5" => t5(h, &me).await,
        "A3" => a3(h, &me).await,
        "A4" | "A5" => {
            let auth = if rule == "A4" {
                Auth::Stale
            } else {
                Auth::UnknownApp
            };
            let body = json!({"app_id": me.app_id, "mch_id": me.mch_id, "out_trade_no": "X"});
            let answer = h.post_as(&me, Endpoint::Query, &body, auth).await;
            let codes: &[i64] = if rule == "A4" {
                &[103, 104]
            } else {
                &[20000, 103]
            };
            ensure!(
                code_in(&answer, codes),
                "{rule}: answered {:?}",
                answer.code()
            );
            Ok(())
        }
        "A6" => a6(h, &me).await,
        "C2" => c2(h, &me).await,
        "C3" | "C4" => c3_c4(h, &me, &other, rule).await,
        "C5" => c5(h, &me).await,
        "C6" => c6(h, &me).await,
        "Q1" => q1(h, &me).await,
        "Q2" => {
            let body = json!({"app_id": me.app_id, "mch_id": me.mch_id});
            let answer = h.post(&me, Endpoint::Query, &body).await;
            ensure!(
                code_in(&answer, &[100, 11003, 20005]),
                "Q2: {:?}",
                answer.code()
            );
            Ok(())
        }
        "Q3" => {
            let answer = h.query(&me, "out_trade_no", "NO-SUCH-ORDER").await;
            ensure!(!answer.is_ok(), "Q3: an unknown order answered code 0");
            ensure!(answer.data().is_null(), "Q3: data {}", answer.data());
            Ok(())
        }
        "Q4" => q4(h, &me).await,
        "Q5" => q5(h, &me).await,
        "Q6" => q6(h, &me).await,
        "Q7" => q7(h, &me).await,
        "Q8" => q8(h, &me).await,
        "Q9" | "X6" => privacy(h, &me, &other, rule).await,
        "X1" | "X3" => x1_x3(h, &me, rule).await,
        "X2" => x2(h, &me).await,
        "X4" => {
            let answer = h.close(&me, "0123456789abcdef0123456789abcdef").await;
            ensure!(!answer.is_ok(), "X4: closing an unknown order answered 0");
            Ok(())
        }
        "X5" => {
            let body = json!({"app_id": me.app_id, "mch_id": me.mch_id});
            let answer = h.post(&me, Endpoint::Close, &body).await;
            ensure!(!answer.is_ok(), "X5: a close without id answered 0");
            Ok(())
        }
        _ => Err(format!("no probe for {rule}")),
    }
}

fn code_in(answer: &Answer, codes: &[i64]) -> bool {
    answer.code().is_some_and(|code| codes.contains(&code))
}

fn state(detail: &Value) -> &str {
    detail["trade_state"].as_str().unwrap_or_default()
}

/// A sample of answers: a create, an unknown order, a close, an unauthorised call.
async fn sample(h: &Harness, me: &Merchant) -> Vec<Answer> {
    let (created, _) = h.create(me, json!({})).await;
    let (out_trade_no, id) = h.new_order(me).await;
    let found = h.query(me, "out_trade_no", &out_trade_no).await;
    let unknown = h.query(me, "out_trade_no", "NO-SUCH-ORDER").await;
    let closed = h.close(me, &id).await;
    let body = json!({"app_id": me.app_id, "mch_id": me.mch_id, "out_trade_no": "X"});
    let unauthorised = h.post_as(me, Endpoint::Query, &body, Auth::Missing).await;
    vec![created, found, unknown, closed, unauthorised]
}

async fn t3(h: &Harness, me: &Merchant) -> Result<(), String> {
    for answer in sample(h, me).await {
        ensure!(answer.status == 200, "T3: HTTP {}", answer.status);
        let json = answer.content_type.starts_with("application/json");
        ensure!(json, "T3: content type {}", answer.content_type);
        ensure!(answer.strict_json, "T3: not strict JSON");
    }
    Ok(())
}

async fn t4(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn t5(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn a3(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn a6(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn c2(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn c3_c4(h: &Harness, me: &Merchant, other: &Merchant, rule: &str) -> Result<(), String> {
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

async fn c5(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn c6(h: &Harness, me: &Merchant) -> Result<(), String> {
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

/// A detail without its one time-dependent field.
fn without_expire_second(mut detail: Value) -> Value {
    if let Some(members) = detail.as_object_mut() {
        members.remove("expire_second");
    }
    detail
}

async fn q1(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn q4(h: &Harness, me: &Merchant) -> Result<(), String> {
    let (out_trade_no, _) = h.new_order(me).await;
    for detail in [
        h.detail(me, &out_trade_no).await,
        h.detail(me, BUILTIN_PAID_OUT_TRADE_NO).await,
    ] {
        for field in DETAIL_FIELDS {
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

async fn q5(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn q6(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn q7(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn q8(h: &Harness, me: &Merchant) -> Result<(), String> {
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

async fn privacy(h: &Harness, me: &Merchant, other: &Merchant, rule: &str) -> Result<(), String> {
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

async fn x1_x3(h: &Harness, me: &Merchant, rule: &str) -> Result<(), String> {
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

async fn x2(h: &Harness, me: &Merchant) -> Result<(), String> {
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

/// The probes that fail against a double with `fault`.
async fn failing(fault: Option<Fault>) -> BTreeSet<&'static str> {
    let h = Harness::start(DoubleConfig::builtin().with_fault(fault)).await;
    let mut failing = BTreeSet::new();
    for rule in PROBED {
        if check(&h, rule).await.is_err() {
            failing.insert(rule);
        }
    }
    failing
}

#[tokio::test]
async fn the_conforming_double_passes_every_probe() {
    let h = Harness::start(DoubleConfig::builtin()).await;
    for rule in PROBED {
        if let Err(problem) = check(&h, rule).await {
            panic!("{problem}");
        }
    }
}

#[tokio::test]
async fn every_fault_breaks_exactly_the_rules_it_lists() {
    let mut problems = Vec::new();
    for &fault in Fault::all() {
        let failing = failing(Some(fault)).await;
        let listed: BTreeSet<&str> = fault
            .rules()
            .iter()
            .copied()
            .filter(|r| PROBED.contains(r))
            .collect();
        if !failing.contains(fault.rules()[0]) || failing != listed {
            problems.push(format!("{fault}: lists {listed:?}, breaks {failing:?}"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
