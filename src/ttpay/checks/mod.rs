//! The rules of CONTRACT.md section 1 as pure functions: each takes what came (and what was
//! sent) and returns the deviations, each naming its rule, endpoint and JSON pointer. The steps
//! only gather the evidence and call these.

pub mod amount;
pub mod notification;
mod order;
mod setup;

pub use order::{agree, created, echoes, new_order, paid_order, same_value};
pub use setup::{closed, names_its_transaction_id, succeeded};

use serde_json::Value;

use super::Endpoint;
use super::client::TtpayExchange;
use super::client::{Exchange, SignatureCheck};
use crate::checks::matcher::show;
use crate::checks::schema::SchemaSet;
use crate::findings::{Deviation, Observation};
use crate::settings::ResponseSignatures;

/// Checks that run on every exchange: T3 (HTTP 200, JSON content type, strict JSON object),
/// T4 (the envelope) and A6 (the response signature, by mode).
pub fn every_exchange(
    exchange: &Exchange,
    schemas: &SchemaSet,
    signatures: ResponseSignatures,
) -> (Vec<Deviation>, Vec<Observation>) {
    if let Some(observation) = refused_for_size(exchange) {
        return (Vec::new(), vec![observation]);
    }
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

/// The size of a header line or body that any HTTP front end may refuse (nginx: 8 KiB a line).
pub const HTTP_LAYER_LIMIT: usize = 8 * 1024;

/// T5's one exception: a request with a header line or a body over 8 KiB refused by the HTTP
/// layer (400, 413 or 431, any body, unsigned) is an observation, not a deviation. (The
/// signature is the encrypted request, so `Authorization` grows with the body.)
pub fn refused_for_size(exchange: &Exchange) -> Option<Observation> {
    if ![400, 413, 431].contains(&exchange.status) {
        return None;
    }
    let line = exchange
        .request_headers
        .iter()
        .map(|(k, v)| k.len() + 2 + v.len())
        .max()
        .unwrap_or(0);
    let body = match &exchange.sent {
        Value::String(text) => text.len(),
        other => other.to_string().len(),
    };
    let what = if line > HTTP_LAYER_LIMIT {
        format!("a header line of {line} bytes")
    } else if body > HTTP_LAYER_LIMIT {
        format!("a body of {body} bytes")
    } else {
        return None;
    };
    Some(Observation {
        rule: "T5".into(),
        endpoint: exchange.endpoint.clone(),
        note: format!(
            "the HTTP layer refused {what} (over 8 KiB) with HTTP {}: allowed (T5)",
            exchange.status
        ),
        request_id: None,
    })
}

/// T3: HTTP 200, `application/json`, a strict JSON object.
pub fn transport(exchange: &Exchange) -> Vec<Deviation> {
    let at = |pointer: &str, expected: &str, actual: String| {
        Deviation::new("T3", &exchange.endpoint, pointer, expected, actual)
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
    if !crate::http::is_json_type(exchange.content_type()) {
        out.push(at(
            "(content-type)",
            "Content-Type: application/json",
            exchange
                .content_type()
                .map(str::to_owned)
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
            Deviation::new("T4", &exchange.endpoint, v.pointer, v.expected, v.actual)
                .with_request_id(exchange.request_id())
        })
        .collect()
}

/// T4: `data` is an object on a successful create or query.
pub fn data_on_success(exchange: &Exchange) -> Vec<Deviation> {
    let needs_data = exchange.is(Endpoint::Create) || exchange.is(Endpoint::Query);
    if needs_data && exchange.code() == Some(0) && exchange.data().is_none() {
        return vec![
            Deviation::new(
                "T4",
                &exchange.endpoint,
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
            &exchange.endpoint,
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
                let rule = v.rule.clone().unwrap_or_else(|| {
                    rule_for_pointer(Endpoint::from_path(&exchange.endpoint), &v.pointer).to_owned()
                });
                Deviation::new(rule, &exchange.endpoint, v.pointer, v.expected, v.actual)
                    .with_request_id(exchange.request_id())
            })
            .collect(),
        Err(e) => vec![Deviation::new(
            "T4",
            &exchange.endpoint,
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

/// `code (msg)` of a response, for reports.
pub fn refusal(exchange: &Exchange) -> String {
    match (exchange.pointer("/code"), exchange.pointer("/msg")) {
        (Some(code), Some(Value::String(msg))) => format!("{code} ({msg})"),
        (Some(code), _) => code.to_string(),
        _ => exchange.body_excerpt(),
    }
}

#[cfg(test)]
mod tests;
