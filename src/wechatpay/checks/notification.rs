//! CONTRACT WN1–WN4: a WeChat Pay payment notification, judged. Each function takes a
//! delivery as the receiver kept it and answers its deviations under the endpoint `notify_url`.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use super::signature::{PlatformKeys, response_signature};
use crate::checks::matcher::show;
use crate::checks::schema::SchemaSet;
use crate::exchange::{Exchange, SignatureCheck};
use crate::findings::Deviation;
use crate::notify::Delivery;
use crate::wechatpay::crypto::ApiV3Key;
use crate::wechatpay::double::decrypt_notification;

/// What deviations and reports call a notification's place.
pub const ENDPOINT: &str = "notify_url";

/// The delivery as an exchange (for a deviation's place and the report).
pub fn exchange(delivery: &Delivery) -> Exchange {
    delivery.exchange(ENDPOINT)
}

/// WN1: POST, and the platform's signature headers over `TS\nNONCE\nBODY\n` verifying with
/// the platform key, the timestamp within 300 s of `now`. The signature problems come back
/// apart, for the run's signature mode to weigh.
pub fn signed(
    delivery: &Delivery,
    keys: &PlatformKeys,
    now: i64,
) -> (Vec<Deviation>, Vec<Deviation>) {
    let at = exchange(delivery);
    let mut form = Vec::new();
    if at.method != reqwest::Method::POST {
        form.push(at.deviation("WN1", "", "a POST", at.method.to_string()));
    }
    let mut headers = HeaderMap::new();
    for (name, value) in &delivery.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    let verdict = response_signature(&headers, &delivery.body, keys, now);
    let signature = if verdict.check == SignatureCheck::Valid && verdict.problems.is_empty() {
        Vec::new()
    } else {
        verdict
            .problems
            .into_iter()
            .map(|(pointer, expected, actual)| {
                at.deviation("WN1", format!("/headers/{pointer}"), expected, actual)
            })
            .collect()
    };
    (form, signature)
}

/// WN2: the body has the documented form and its resource decrypts under the APIv3 key with
/// its `associated_data`; answers the transaction.
pub fn decrypts(
    delivery: &Delivery,
    schemas: &SchemaSet,
    key: &ApiV3Key,
) -> Result<Map<String, Value>, Vec<Deviation>> {
    let at = exchange(delivery);
    let body = match delivery.json() {
        Ok(body) => body,
        Err(why) => return Err(vec![at.deviation("WN2", "", "a JSON object", why)]),
    };
    let mut out: Vec<Deviation> = match schemas.validate("wechatpay/notification.json", &body) {
        Ok(violations) => violations
            .into_iter()
            .map(|v| {
                at.deviation(
                    v.rule.unwrap_or_else(|| "WN2".into()),
                    v.pointer,
                    v.expected,
                    v.actual,
                )
            })
            .collect(),
        Err(e) => vec![at.deviation(
            "WN2",
            "",
            "the schema wechatpay/notification.json",
            e.to_string(),
        )],
    };
    match decrypt_notification(key, &delivery.body) {
        Ok(Value::Object(transaction)) if out.is_empty() => Ok(transaction),
        Ok(Value::Object(_)) => Err(out),
        Ok(other) => {
            out.push(at.deviation(
                "WN2",
                "/resource",
                "a transaction object",
                show(Some(&other)),
            ));
            Err(out)
        }
        Err(e) => {
            out.push(at.deviation(
                "WN2",
                "/resource",
                "AEAD_AES_256_GCM under the APIv3 key, associated_data as AAD",
                e.to_string(),
            ));
            Err(out)
        }
    }
}

/// WN3: the transaction carries the Global names (`id`, not `transaction_id`) and agrees with
/// the query of the same order.
pub fn agrees(
    delivery: &Delivery,
    transaction: &Map<String, Value>,
    queried: &Value,
) -> Vec<Deviation> {
    let at = exchange(delivery);
    let mut out = Vec::new();
    if !transaction.get("id").is_some_and(Value::is_string) {
        let actual = match transaction.get("transaction_id") {
            Some(_) => "no id, a transaction_id (the mainland API's name)".to_owned(),
            None => "no id".to_owned(),
        };
        out.push(at.deviation(
            "WN3",
            "/resource/id",
            "the WeChat Pay order number as id (the Global query's name)",
            actual,
        ));
    }
    out.extend(crate::notify::agreement(
        &at,
        "WN3",
        &Value::Object(transaction.clone()),
        queried,
        &[
            "/out_trade_no",
            "/id",
            "/trade_state",
            "/amount/total",
            "/amount/currency",
            "/mchid",
        ],
    ));
    out
}

/// WN4: every delivery of one event carries the same notification `id`.
pub fn same_id(deliveries: &[Delivery]) -> Vec<Deviation> {
    let id = |d: &Delivery| d.json().ok().and_then(|v| v.get("id").cloned());
    let Some(first) = deliveries.first().map(id) else {
        return Vec::new();
    };
    deliveries
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, d)| id(d) != first)
        .map(|(n, d)| {
            exchange(d).deviation(
                "WN4",
                format!("/attempts/{}/id", n + 1),
                format!("the first attempt's id {}", show(first.as_ref())),
                show(id(d).as_ref()),
            )
        })
        .collect()
}

/// WN4: two deliveries are the same payment event (same order, state and amount).
pub fn same_event(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    ["out_trade_no", "id", "trade_state", "amount", "mchid"]
        .iter()
        .all(|k| a.get(*k) == b.get(*k))
}
