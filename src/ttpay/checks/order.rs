//! The rules about orders — C5 (a created order), Q1 (two views agree), Q6 (echoes), Q7 (a new
//! order), Q8 (a paid order) — as pure functions over what was sent and what came.

use serde_json::{Map, Value};

use super::refusal;
use crate::checks::matcher::show;
use crate::findings::Deviation;
use crate::ttpay::client::Exchange;
use crate::ttpay::client::TtpayExchange as _;

/// C5: code 0, a non-empty `prepay_id`, a `payment_url` that is an absolute http(s) URL or a
/// path, and contains the `prepay_id`.
pub fn created(exchange: &Exchange) -> Vec<Deviation> {
    let dev = |pointer: &str, expected: &str, actual: String| {
        Deviation::new("C5", &exchange.endpoint, pointer, expected, actual)
            .with_request_id(exchange.request_id())
    };
    if exchange.code() != Some(0) {
        return vec![dev("/code", "0 for a valid order", refusal(exchange))];
    }
    let mut out = Vec::new();
    let prepay_id = exchange.pointer("/data/prepay_id").and_then(Value::as_str);
    if prepay_id.is_none_or(str::is_empty) {
        out.push(dev(
            "/data/prepay_id",
            "a non-empty string",
            show(exchange.pointer("/data/prepay_id")),
        ));
    }
    match exchange
        .pointer("/data/payment_url")
        .and_then(Value::as_str)
    {
        Some(url) if is_payment_url(url) => {
            if let Some(id) = prepay_id.filter(|id| !id.is_empty())
                && !url.contains(id)
            {
                out.push(dev(
                    "/data/payment_url",
                    "a URL containing the prepay_id",
                    show(Some(&Value::String(url.to_owned()))),
                ));
            }
        }
        _ => out.push(dev(
            "/data/payment_url",
            "an absolute http(s) URL or a path starting with /",
            show(exchange.pointer("/data/payment_url")),
        )),
    }
    out
}

fn is_payment_url(url: &str) -> bool {
    (url.starts_with('/') && !url.starts_with("//"))
        || ["http://", "https://"].iter().any(|scheme| {
            url.len() > scheme.len() && url[..scheme.len()].eq_ignore_ascii_case(scheme)
        })
}

/// What the order must echo (Q6): every field sent that the detail carries — but `amount`,
/// which reads one of two ways ([`super::amount::judge`], C7).
pub fn echoes(
    sent: &Map<String, Value>,
    detail: &Map<String, Value>,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut expect = |pointer: &str, expected: Option<Value>, actual: Option<&Value>| {
        if let Some(expected) = expected
            && !same_value(&expected, actual)
        {
            out.push((pointer.to_owned(), show(Some(&expected)), show(actual)));
        }
    };
    for key in [
        "out_trade_no",
        "description",
        "chain",
        "to_address",
        "attach",
    ] {
        let sent_value = sent.get(key).cloned();
        // An optional field sent as "" means absent (C1): the order may hold its own value
        // (a platform order's to_address is the platform's wallet). One sent as null, or as
        // no string at all, has no value the contract says to echo.
        if key != "out_trade_no"
            && sent_value
                .as_ref()
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            continue;
        }
        let actual = detail.get(key);
        // attach may be absent until paid (Q4); when present it must echo.
        if key == "attach" && actual.is_none() {
            continue;
        }
        expect(&format!("/data/{key}"), sent_value, actual);
    }
    expect(
        "/data/currency/currency",
        sent.get("currency").cloned(),
        detail.get("currency").and_then(|c| c.get("currency")),
    );
    expect(
        "/data/currency/chain",
        sent.get("chain").cloned(),
        detail.get("currency").and_then(|c| c.get("chain")),
    );
    expect(
        "/data/decimals",
        detail
            .get("currency")
            .and_then(|c| c.get("decimal"))
            .cloned(),
        detail.get("decimals"),
    );
    out
}

/// Numbers compare by value (15000000 == 15000000.0); everything else exactly.
pub fn same_value(expected: &Value, actual: Option<&Value>) -> bool {
    match (expected, actual) {
        (Value::Number(a), Some(Value::Number(b))) => a.as_f64() == b.as_f64(),
        (e, Some(a)) => e == a,
        (_, None) => false,
    }
}

/// Q7: a new order is NOTPAY, not paid, not closed, created just now in milliseconds, and
/// expires `expire_second` after creation.
pub fn new_order(
    detail: &Map<String, Value>,
    expire_second: i64,
    now_ms: i64,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let int = |key: &str| detail.get(key).and_then(Value::as_i64);
    let mut want = |key: &str, ok: bool, expected: String| {
        if !ok {
            out.push((format!("/data/{key}"), expected, show(detail.get(key))));
        }
    };
    want(
        "trade_state",
        detail.get("trade_state") == Some(&Value::from("NOTPAY")),
        "\"NOTPAY\"".into(),
    );
    want(
        "pay_time",
        int("pay_time") == Some(0),
        "0 (not paid)".into(),
    );
    want(
        "close_time",
        int("close_time") == Some(0),
        "0 (not closed)".into(),
    );
    want(
        "tx_id",
        detail.get("tx_id").and_then(Value::as_str) == Some(""),
        "\"\" (no transaction yet)".into(),
    );
    let create_time = int("create_time");
    want(
        "create_time",
        create_time.is_some_and(|t| (t - now_ms).abs() <= 600_000),
        format!("Unix milliseconds within 10 minutes of {now_ms}"),
    );
    if let Some(created) = create_time {
        let expected = created + expire_second * 1000;
        want(
            "expire_time",
            int("expire_time") == Some(expected),
            format!("create_time + {expire_second} s = {expected}"),
        );
    }
    want(
        "expire_second",
        int("expire_second").is_some_and(|s| (0..=expire_second).contains(&s)),
        format!("remaining seconds between 0 and {expire_second}"),
    );
    out
}

/// Q8: a paid order has its payment recorded and is not closed.
pub fn paid_order(detail: &Map<String, Value>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let int = |key: &str| detail.get(key).and_then(Value::as_i64);
    let text = |key: &str| detail.get(key).and_then(Value::as_str).unwrap_or("");
    let mut want = |key: &str, ok: bool, expected: &str| {
        if !ok {
            out.push((
                format!("/data/{key}"),
                expected.to_owned(),
                show(detail.get(key)),
            ));
        }
    };
    want("pay_time", int("pay_time").is_some_and(|t| t > 0), "> 0");
    want(
        "tx_id",
        !text("tx_id").is_empty(),
        "a non-empty transaction hash",
    );
    want(
        "from_address",
        !text("from_address").is_empty(),
        "the paying address",
    );
    want("block_no", int("block_no").is_some_and(|b| b > 0), "> 0");
    want("close_time", int("close_time") == Some(0), "0 (not closed)");
    out
}

/// Q1: two details of one order agree on every field but `expire_second`.
pub fn agree(a: &Map<String, Value>, b: &Map<String, Value>) -> Vec<(String, String, String)> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| k.as_str() != "expire_second")
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| {
            (
                format!("/data/{}", crate::checks::matcher::pointer_token(k)),
                show(a.get(k)),
                show(b.get(k)),
            )
        })
        .collect()
}
