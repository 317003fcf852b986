//! What the set-up steps need to hold before a scenario can go on: an answer that succeeds,
//! an order found with its platform number, a close that closes (X1) — judged here, so that
//! the steps only gather the evidence.

use serde_json::{Map, Value};

use super::refusal;
use crate::checks::matcher::show;
use crate::findings::{Deviation, RuleList};
use crate::ttpay::client::Exchange;
use crate::ttpay::client::TtpayExchange as _;

/// `rule`: the answer is code 0, which `expected` says in words ("0: the order is found").
pub fn succeeded(rule: impl Into<RuleList>, exchange: &Exchange, expected: &str) -> Vec<Deviation> {
    if exchange.code() == Some(0) {
        return Vec::new();
    }
    vec![exchange.deviation(rule, "/code", expected, refusal(exchange))]
}

/// Q4: the query that found an order just created names its `transaction_id`.
pub fn names_its_transaction_id(found: &Exchange) -> Vec<Deviation> {
    let id = found.pointer("/data/transaction_id");
    if id.and_then(Value::as_str).is_some_and(|id| !id.is_empty()) {
        return Vec::new();
    }
    vec![found.deviation(
        "Q4",
        "/data/transaction_id",
        "the platform order number, a non-empty string",
        show(id),
    )]
}

/// X1: after a close the order is `CLOSED` with a `close_time` > 0 (`detail` is the query's
/// `data` in `query`).
pub fn closed(query: &Exchange, detail: &Map<String, Value>) -> Vec<Deviation> {
    let close_time = detail.get("close_time").and_then(Value::as_i64);
    if detail.get("trade_state") == Some(&Value::from("CLOSED"))
        && close_time.is_some_and(|t| t > 0)
    {
        return Vec::new();
    }
    vec![query.deviation(
        "X1",
        "/data",
        "trade_state CLOSED with close_time > 0 after a close",
        format!(
            "trade_state {}, close_time {}",
            show(detail.get("trade_state")),
            show(detail.get("close_time"))
        ),
    )]
}
