//! Why the provider must refuse a TTPay request, read from the merchant's findings on it and
//! its body: under which of the provider's rules (A3, A4, A5, C2, C3, C4, Q2, T7, X5) an
//! answer with code 0 breaks the contract. The request side of the findings is [`super::request`].

use serde_json::{Map, Value};

use super::TtpayJudge;
use super::request::SECONDS_BELOW;
use crate::findings::Deviation;
use crate::ttpay::Endpoint;
use crate::ttpay::crypto::signing::Authorization;

/// The create fields whose invalid values C3 lists: a wrong value of any other field is the
/// merchant's mistake, which a provider may read leniently (a number as `description`).
const C3_FIELDS: [&str; 7] = [
    "/amount",
    "/expire_second",
    "/chain",
    "/currency",
    "/order_type",
    "/locale",
    "/mch_id",
];

/// The provider's rule that refusing a request with this merchant finding is, if any. Query
/// and close refusals (Q2, X5) are read from the body itself ([`id_refusal`]).
fn refusal_rule(
    endpoint: Endpoint,
    deviation: &Deviation,
    body: Option<&Map<String, Value>>,
) -> Option<&'static str> {
    let rule = deviation.rule.to_string();
    let first = rule.split(',').next().unwrap_or("");
    let pointer = deviation.pointer.as_str();
    let create = endpoint == Endpoint::Create;
    let value = body.and_then(|b| b.get(pointer.trim_start_matches('/')));
    Some(match (first, pointer) {
        ("A1", "(authorization)") | ("A2", "(authorization signature)") => "A3",
        ("T2", _) => "T7",
        ("T1", "/mch_id") if create && value.is_some() => "C3",
        ("C1", p)
            if create && deviation.expected.starts_with("required property") && !p.is_empty() =>
        {
            "C2"
        }
        // "" or null for a required field is no value (C1: "" means absent).
        ("C1" | "C3" | "C7", p)
            if create
                && REQUIRED.contains(&p)
                && value.is_some_and(|v| v.is_null() || v.as_str() == Some("")) =>
        {
            "C2"
        }
        // An optional field sent as "" is absent, and must be accepted (C1); null reads the same
        // to most decoders (Go's, Java's).
        (_, p)
            if create
                && value.is_some_and(|v| v.is_null() || v.as_str() == Some(""))
                && !REQUIRED.contains(&p) =>
        {
            return None;
        }
        // `tron`, `EN `: the value the enum names, spelt otherwise — a lenient provider may
        // take it; not what C3 calls unknown.
        (_, _)
            if create
                && deviation.expected.starts_with("one of")
                && value
                    .and_then(Value::as_str)
                    .is_some_and(|v| spelt_otherwise(&deviation.expected, v)) =>
        {
            return None;
        }
        ("C1" | "C3" | "C7", p) if create && C3_FIELDS.contains(&p) => "C3",
        ("C4", _) => "C4",
        _ => return None,
    })
}

/// The required create fields, as pointers (C1).
const REQUIRED: [&str; 7] = [
    "/mch_id",
    "/out_trade_no",
    "/expire_second",
    "/amount",
    "/chain",
    "/currency",
    "/order_type",
];

/// `value` is one of the names `expected` (`one of TRON, ETHEREUM, BSC`) lists, but for case
/// and surrounding blanks.
fn spelt_otherwise(expected: &str, value: &str) -> bool {
    let names = expected
        .trim_start_matches("one of")
        .split(',')
        .map(str::trim);
    let value = value.trim();
    names.clone().all(|n| n != value)
        && names
            .map(|n| n.trim_matches('"'))
            .any(|n| n.eq_ignore_ascii_case(value))
}

/// Q2 and X5, from the body: a query naming neither id, a close naming no transaction.
fn id_refusal(endpoint: Endpoint, body: &Map<String, Value>) -> Option<(&'static str, String)> {
    let named = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty())
    };
    match endpoint {
        Endpoint::Query if !named("out_trade_no") && !named("transaction_id") => Some((
            "Q2",
            "it names neither out_trade_no nor transaction_id".into(),
        )),
        Endpoint::Close if !named("transaction_id") => {
            Some(("X5", "it names no transaction_id".into()))
        }
        _ => None,
    }
}

impl TtpayJudge {
    /// The refusals the provider owes a request to `endpoint` with the merchant's findings
    /// `out`, its body and its `Authorization`, each rule once.
    pub(super) fn refusals(
        &self,
        endpoint: Endpoint,
        out: &[Deviation],
        body: Option<&Map<String, Value>>,
        auth: Option<&Authorization>,
    ) -> Vec<(&'static str, String)> {
        let mut refusals: Vec<(&'static str, String)> = Vec::new();
        for deviation in out.iter() {
            if let Some(rule) = refusal_rule(endpoint, deviation, body)
                && !refusals.iter().any(|(r, _)| *r == rule)
            {
                let why = format!(
                    "{} {}: {}",
                    deviation.pointer, deviation.expected, deviation.actual
                );
                refusals.push((rule, why));
            }
        }
        if let Some(refusal) = body.and_then(|b| id_refusal(endpoint, b)) {
            refusals.push(refusal);
        }
        if let Some(auth) = auth {
            if self.all_merchants_known && self.merchant(&auth.app_id).is_none() {
                refusals.push((
                    "A5",
                    format!("app_id {:?} is no merchant of the double", auth.app_id),
                ));
            }
            if let Ok(ts) = auth.timestamp.trim().parse::<i64>() {
                let ms = if (-SECONDS_BELOW..SECONDS_BELOW).contains(&ts) {
                    ts.saturating_mul(1000)
                } else {
                    ts
                };
                if ms.saturating_sub(crate::world::now_ms()).abs() >= 3_600_000 {
                    refusals.push(("A4", format!("its timestamp {ts} is an hour or more off")));
                }
            }
        }
        refusals
    }
}
