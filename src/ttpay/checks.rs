//! The rules of CONTRACT.md section 1 as pure functions: each takes what came (and what was
//! sent) and returns the deviations, each naming its rule, endpoint and JSON pointer. The steps
//! only gather the evidence and call these.

use serde_json::{Map, Value};

use super::client::{Exchange, SignatureCheck};
use super::{AmountUnit, Endpoint, ResponseSignatures};
use crate::checks::matcher::show;
use crate::checks::schema::SchemaSet;
use crate::findings::{Deviation, Observation};

/// Checks that run on every exchange: T3 (HTTP 200, JSON content type, strict JSON object),
/// T4 (the envelope) and A6 (the response signature, by mode).
pub fn every_exchange(
    exchange: &Exchange,
    schemas: &SchemaSet,
    signatures: ResponseSignatures,
) -> (Vec<Deviation>, Vec<Observation>) {
    let mut deviations = transport(exchange);
    deviations.extend(envelope(exchange, schemas));
    let mut observations = Vec::new();
    if let Some(problem) = signature_problem(exchange, signatures) {
        match signatures {
            ResponseSignatures::Strict => deviations.push(problem),
            ResponseSignatures::Observe => observations.push(Observation {
                rule: problem.rule,
                endpoint: problem.endpoint,
                note: format!(
                    "response signature: expected {}, got {}",
                    problem.expected, problem.actual
                ),
                request_id: problem.request_id,
            }),
            ResponseSignatures::Off => {}
        }
    }
    (deviations, observations)
}

/// T3: HTTP 200, `application/json`, a strict JSON object.
pub fn transport(exchange: &Exchange) -> Vec<Deviation> {
    let at = |pointer: &str, expected: &str, actual: String| {
        Deviation::new("T3", exchange.endpoint.path(), pointer, expected, actual)
            .with_request_id(exchange.request_id())
    };
    let mut out = Vec::new();
    if exchange.status != 200 {
        out.push(at(
            "(http status)",
            "HTTP 200",
            format!("HTTP {}", exchange.status),
        ));
    }
    let json_type = exchange.content_type.as_deref().is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json_type {
        out.push(at(
            "(content-type)",
            "Content-Type: application/json",
            exchange
                .content_type
                .clone()
                .unwrap_or_else(|| "(no content type)".to_owned()),
        ));
    }
    match &exchange.json {
        Err(e) => out.push(at(
            "",
            "a strict JSON (RFC 8259) object",
            format!("invalid JSON ({e}): {}", exchange.body_excerpt()),
        )),
        Ok(v) if !v.is_object() => out.push(at("", "a JSON object", show(Some(v)))),
        Ok(_) => {}
    }
    out
}

/// T4: `code`, `msg`, `request_id` (UUID). Whether `data` must be there is the business of
/// the step that needs it ([`data_on_success`]): a query that should have been refused but
/// answered code 0 is a Q3 deviation first.
pub fn envelope(exchange: &Exchange, schemas: &SchemaSet) -> Vec<Deviation> {
    let Ok(body) = &exchange.json else {
        return Vec::new();
    };
    if !body.is_object() {
        return Vec::new();
    }
    schemas
        .validate("ttpay/envelope.json", body)
        .unwrap_or_default()
        .into_iter()
        .map(|v| {
            Deviation::new(
                "T4",
                exchange.endpoint.path(),
                v.pointer,
                v.expected,
                v.actual,
            )
            .with_request_id(exchange.request_id())
        })
        .collect()
}

/// T4: `data` is an object on a successful create or query.
pub fn data_on_success(exchange: &Exchange) -> Vec<Deviation> {
    let needs_data = matches!(exchange.endpoint, Endpoint::Create | Endpoint::Query);
    if needs_data && exchange.code() == Some(0) && exchange.data().is_none() {
        return vec![
            Deviation::new(
                "T4",
                exchange.endpoint.path(),
                "/data",
                "an object on success (code 0)",
                show(exchange.pointer("/data")),
            )
            .with_request_id(exchange.request_id()),
        ];
    }
    Vec::new()
}

/// A6: the response signature, whatever the mode; `None` when it holds or cannot apply.
pub fn signature_problem(exchange: &Exchange, mode: ResponseSignatures) -> Option<Deviation> {
    if mode == ResponseSignatures::Off {
        return None;
    }
    let actual = match exchange.signature {
        SignatureCheck::Valid | SignatureCheck::NotApplicable => return None,
        SignatureCheck::Missing => "TTPay-Timestamp / TTPay-Nonce / TTPay-Signature missing",
        SignatureCheck::Invalid => "a signature that does not verify with the app secret",
    };
    Some(
        Deviation::new(
            "A6",
            exchange.endpoint.path(),
            "(signature)",
            "TTPay-Signature = AES-256-ECB over TS\\nNONCE\\nBODY with the app secret",
            actual,
        )
        .with_request_id(exchange.request_id()),
    )
}

/// Schema violations as deviations, each under the rule its place belongs to.
pub fn schema(exchange: &Exchange, schemas: &SchemaSet, name: &str) -> Vec<Deviation> {
    let Ok(body) = &exchange.json else {
        return Vec::new();
    };
    match schemas.validate(name, body) {
        Ok(violations) => violations
            .into_iter()
            .map(|v| {
                let rule = v
                    .rule
                    .clone()
                    .unwrap_or_else(|| rule_for_pointer(exchange.endpoint, &v.pointer).to_owned());
                Deviation::new(
                    rule,
                    exchange.endpoint.path(),
                    v.pointer,
                    v.expected,
                    v.actual,
                )
                .with_request_id(exchange.request_id())
            })
            .collect(),
        Err(e) => vec![Deviation::new(
            "T4",
            exchange.endpoint.path(),
            "",
            format!("a schema named {name}"),
            e.to_string(),
        )],
    }
}

/// Which rule a place in a response belongs to.
fn rule_for_pointer(endpoint: Endpoint, pointer: &str) -> &'static str {
    match (endpoint, pointer) {
        (_, "" | "/code" | "/msg" | "/request_id") => "T4",
        (Endpoint::Create, _) => "C5",
        (Endpoint::Query, p) if p.starts_with("/data/trade_state") => "Q5",
        (Endpoint::Query, _) => "Q4",
        (Endpoint::Close, _) => "T4",
    }
}

/// C5: code 0, a non-empty `prepay_id`, a `payment_url` that is an absolute http(s) URL or a
/// path, and contains the `prepay_id`.
pub fn created(exchange: &Exchange) -> Vec<Deviation> {
    let dev = |pointer: &str, expected: &str, actual: String| {
        Deviation::new("C5", exchange.endpoint.path(), pointer, expected, actual)
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

/// `code (msg)` of a response, for reports.
pub fn refusal(exchange: &Exchange) -> String {
    match (exchange.pointer("/code"), exchange.pointer("/msg")) {
        (Some(code), Some(Value::String(msg))) => format!("{code} ({msg})"),
        (Some(code), _) => code.to_string(),
        _ => exchange.body_excerpt(),
    }
}

/// What the order must echo (Q6): every field sent that the detail carries, with `amount` in
/// the currency's smallest unit (C7).
pub fn echoes(
    sent: &Map<String, Value>,
    detail: &Map<String, Value>,
    amount_unit: AmountUnit,
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
    let decimals = detail.get("decimals").and_then(Value::as_i64);
    expect(
        "/data/decimals",
        detail
            .get("currency")
            .and_then(|c| c.get("decimal"))
            .cloned(),
        detail.get("decimals"),
    );
    if let Some(amount) = sent.get("amount").and_then(Value::as_f64) {
        let expected = match (amount_unit, decimals) {
            (AmountUnit::Minor, _) => Some(amount),
            (AmountUnit::Major, Some(d)) => Some(amount * 10f64.powi(d as i32)),
            (AmountUnit::Major, None) => None,
        };
        if let Some(expected) = expected {
            expect(
                "/data/amount",
                serde_json::Number::from_f64(expected).map(Value::Number),
                detail.get("amount"),
            );
        }
    }
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

#[cfg(test)]
mod tests;
