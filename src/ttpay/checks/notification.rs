//! CONTRACT N1–N5: a TTPay payment notification, judged. Each function takes a delivery as
//! the receiver kept it ([`Exchange`] of the notification and the receiver's answer) and
//! answers the deviations, under the endpoint `notify_url`.

use serde_json::{Map, Value};

use crate::checks::matcher::show;
use crate::checks::schema::SchemaSet;
use crate::exchange::Exchange;
use crate::findings::{Deviation, Observation};
use crate::notify::Delivery;
use crate::ttpay::Merchant;
use crate::ttpay::crypto::{Authorization, response_message};
use crate::ttpay::double::decrypt_notification;

/// What deviations and reports call a notification's place.
pub const ENDPOINT: &str = "notify_url";

/// The fields of the decrypted order that make up its payment event (N5): two deliveries
/// with these equal are the same event, whatever their `notify_num`.
pub const EVENT_FIELDS: &[&str] = &[
    "out_trade_no",
    "transaction_id",
    "trade_state",
    "amount",
    "currency",
    "chain",
    "tx_id",
    "pay_time",
];

/// N1: the method, the JSON body in the documented form, the order's merchant; an
/// `Authorization` header, when there is one, must verify (its absence is an observation).
pub fn form(
    came: &Delivery,
    schemas: &SchemaSet,
    merchant: &Merchant,
) -> (Vec<Deviation>, Vec<Observation>) {
    let delivery = &came.exchange(ENDPOINT);
    let dev = |pointer: &str, expected: &str, actual: String| {
        delivery.deviation("N1", pointer, expected, actual)
    };
    let mut out = Vec::new();
    if delivery.method != reqwest::Method::POST {
        out.push(dev("", "a POST", delivery.method.to_string()));
    }
    if !delivery.sent.is_object() {
        out.push(dev("", "a JSON object body", show(Some(&delivery.sent))));
        return (out, Vec::new());
    }
    match schemas.validate("ttpay/notification.json", &delivery.sent) {
        Ok(violations) => out.extend(violations.into_iter().map(|v| {
            delivery.deviation(
                v.rule.unwrap_or_else(|| "N1".into()),
                v.pointer,
                v.expected,
                v.actual,
            )
        })),
        Err(e) => out.push(dev("", "the schema ttpay/notification.json", e.to_string())),
    }
    for (key, want) in [("app_id", &merchant.app_id), ("mch_id", &merchant.mch_id)] {
        let got = delivery.sent.get(key);
        if got.is_some_and(Value::is_string) && got.and_then(Value::as_str) != Some(want.as_str()) {
            out.push(dev(
                &format!("/{key}"),
                &format!("the order's {key} {want}"),
                show(got),
            ));
        }
    }
    let mut observations = Vec::new();
    match came.header("authorization") {
        None => observations.push(Observation {
            rule: "N1".into(),
            endpoint: ENDPOINT.into(),
            note: "the notification carries no Authorization header (the docs do not say it is signed)".into(),
            request_id: None,
        }),
        Some(value) => {
            if let Some(problem) = authorization_problem(value, &came.body, merchant) {
                out.push(dev("/headers/authorization", "a signature that verifies with the app secret over TS\\nNONCE\\nBODY", problem));
            }
        }
    }
    (out, observations)
}

/// Why a notification's `Authorization` does not verify, if it does not.
fn authorization_problem(value: &str, body: &[u8], merchant: &Merchant) -> Option<String> {
    let auth = match Authorization::parse(value) {
        Ok(auth) => auth,
        Err(e) => return Some(e.to_string()),
    };
    if auth.app_id != merchant.app_id || auth.mch_id != merchant.mch_id {
        return Some(format!(
            "signed as app_id={} mch_id={}",
            auth.app_id, auth.mch_id
        ));
    }
    let message = response_message(&auth.timestamp, &auth.nonce_str, body);
    (!merchant.secret.verifies(&message, &auth.signature))
        .then(|| "a signature that does not verify".to_owned())
}

/// N2: the resource decrypts with the app secret to a JSON object.
pub fn decrypt(
    delivery: &Exchange,
    merchant: &Merchant,
) -> Result<Map<String, Value>, Box<Deviation>> {
    let plain = decrypt_notification(&merchant.secret, &delivery.sent).map_err(|e| {
        Box::new(delivery.deviation(
            "N2",
            "/resource",
            "AEAD_AES_256_GCM under the app secret, the nonce's UTF-8 bytes, the tag appended, associated_data as AAD",
            e.to_string(),
        ))
    })?;
    match plain {
        Value::Object(order) => Ok(order),
        other => Err(Box::new(delivery.deviation(
            "N2",
            "/resource",
            "an order object",
            show(Some(&other)),
        ))),
    }
}

/// N3: the decrypted order agrees with the query of the same order.
pub fn agrees(
    delivery: &Exchange,
    order: &Map<String, Value>,
    queried: &Map<String, Value>,
) -> Vec<Deviation> {
    crate::notify::agreement(
        delivery,
        "N3",
        &Value::Object(order.clone()),
        &Value::Object(queried.clone()),
        &[
            "/out_trade_no",
            "/transaction_id",
            "/trade_state",
            "/amount",
            "/chain",
            "/currency",
        ],
    )
}

/// N5: whether two decrypted orders are the same payment event.
pub fn same_event(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    EVENT_FIELDS.iter().all(|k| a.get(*k) == b.get(*k))
}

/// The first field in which two events differ, for the report.
pub fn event_difference(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
) -> (String, String, String) {
    let key = EVENT_FIELDS
        .iter()
        .find(|k| a.get(**k) != b.get(**k))
        .copied()
        .unwrap_or("");
    (
        format!("/resource/{key}"),
        show(a.get(key)),
        show(b.get(key)),
    )
}
