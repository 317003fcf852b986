//! The control API: what a merchant's integration test does to the double that a real provider
//! does on its own — a customer pays, an order runs out of time — plus a look inside and a reset.
//! It lives under `/_control/`, apart from the provider's paths, answers plain JSON (no envelope,
//! no signature) and is also [`Double`](super::Double)'s methods for in-process tests.
//!
//! | route | does |
//! |---|---|
//! | `POST /_control/orders/{id}/pay` | NOTPAY → SUCCESS; body `{tx_id, from_address, block_no}`, each optional |
//! | `POST /_control/orders/{id}/expire` | NOTPAY → CLOSED, as the double's choice for an expired order |
//! | `GET /_control/orders/{id}` | `{detail, notifications}` |
//! | `POST /_control/reset` | drops every order but the paid fixture; seeded ids start over |
//! | `GET /_control/health` | `{status: "ok", orders, max_orders}` |
//!
//! `{id}` is a `transaction_id`, a `prepay_id` or an `out_trade_no` (the first match, in that
//! order). Errors: 400 (a body that is not the expected JSON), 404 (no such order or route),
//! 405 (wrong method), 409 (the order is not NOTPAY), each `{"error": KIND, "message": TEXT}`.

use std::sync::Mutex;

use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::detail::detail;
use super::notify;
use super::router::lock;
use super::state::{State, TradeState, now_ms};
use crate::double::server::{DoubleReply, DoubleRequest};

/// Longest `tx_id` or `from_address` a pay accepts, in bytes (a chain hash is 64).
pub const MAX_FACT_LEN: usize = 256;

/// Longest order key (`{id}` of a route) the control API looks up, in bytes.
pub const MAX_KEY_LEN: usize = 4096;

/// The prefix of every control route.
pub const CONTROL_PREFIX: &str = "/_control/";

/// The chain facts of a payment; what is left out is generated (from the seed, if any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentFacts {
    /// The chain transaction hash (default: 64 hex digits).
    pub tx_id: Option<String>,
    /// The payer's wallet (default: a TRON-looking address).
    pub from_address: Option<String>,
    /// The block the payment is in (default: a plausible recent one); must be > 0.
    pub block_no: Option<i64>,
}

/// Why a control request did nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("no order with transaction_id, prepay_id or out_trade_no `{0}`")]
    UnknownOrder(String),
    #[error("order {id} is {state}, not NOTPAY\n(hint: create a new order to pay or expire)")]
    NotPayable { id: String, state: &'static str },
    #[error("bad control request: {0}")]
    BadRequest(String),
    #[error(
        "no control route {method} {path}\n(hint: see `pay-conformance serve --help` for the routes)"
    )]
    NoRoute { method: String, path: String },
    #[error("{method} is not allowed on {path}")]
    Method { method: String, path: String },
}

impl ControlError {
    /// The HTTP status the control API answers with.
    pub fn status(&self) -> u16 {
        match self {
            ControlError::BadRequest(_) => 400,
            ControlError::UnknownOrder(_) | ControlError::NoRoute { .. } => 404,
            ControlError::Method { .. } => 405,
            ControlError::NotPayable { .. } => 409,
        }
    }

    /// A short machine-readable name: `bad_request`, `not_found`, `no_route`, `method`,
    /// `conflict`.
    pub fn kind(&self) -> &'static str {
        match self {
            ControlError::BadRequest(_) => "bad_request",
            ControlError::UnknownOrder(_) => "not_found",
            ControlError::NoRoute { .. } => "no_route",
            ControlError::Method { .. } => "method",
            ControlError::NotPayable { .. } => "conflict",
        }
    }
}

/// The `transaction_id` of a NOTPAY order named by `key`.
fn payable(state: &State, key: &str) -> Result<String, ControlError> {
    let id = state
        .orders
        .find(key)
        .ok_or_else(|| ControlError::UnknownOrder(shown(key)))?;
    match state.orders.get(&id).map(|order| order.trade_state) {
        Some(TradeState::NotPay) => Ok(id),
        Some(other) => Err(ControlError::NotPayable {
            id,
            state: other.as_str(),
        }),
        None => Err(ControlError::UnknownOrder(shown(key))),
    }
}

/// A customer pays the order: SUCCESS with the chain facts (Q8); a notification follows when
/// the order has a `notify_url`. Answers the new detail.
pub(crate) fn pay(
    state: &mut State,
    key: &str,
    facts: PaymentFacts,
) -> Result<Value, ControlError> {
    let tx_id = non_empty(facts.tx_id, "tx_id")?;
    let from_address = non_empty(facts.from_address, "from_address")?;
    if facts.block_no.is_some_and(|n| n <= 0) {
        return Err(ControlError::BadRequest("block_no must be > 0".into()));
    }
    let id = payable(state, key)?;
    let now = now_ms();
    let tx_id = tx_id.unwrap_or_else(|| state.ids.hex(64));
    let from_address = from_address.unwrap_or_else(|| state.ids.address());
    let block_no = facts.block_no.unwrap_or_else(|| state.ids.block_no());
    if let Some(order) = state.orders.get_mut(&id) {
        order.trade_state = TradeState::Success;
        order.pay_time = now;
        order.block_time = now;
        order.tx_id = tx_id;
        order.from_address = from_address;
        order.block_no = block_no;
    }
    notify::on_paid(state, &id);
    show_detail(state, &id)
}

/// The order runs out of time: the double's choice is CLOSED, `close_time` now, and
/// `expire_time` moved back to now (its `expire_second` becomes the seconds it lived).
pub(crate) fn expire(state: &mut State, key: &str) -> Result<Value, ControlError> {
    let id = payable(state, key)?;
    let now = now_ms();
    if let Some(order) = state.orders.get_mut(&id) {
        let lived = now.saturating_sub(order.create_time).max(0) / 1000;
        order.expire_second = order.expire_second.min(lived);
        order.trade_state = TradeState::Closed;
        order.close_time = now;
    }
    show_detail(state, &id)
}

/// `{detail, notifications}` of the order `key` names.
pub(crate) fn inspect(state: &State, key: &str) -> Result<Value, ControlError> {
    let id = state
        .orders
        .find(key)
        .ok_or_else(|| ControlError::UnknownOrder(shown(key)))?;
    let order = state
        .orders
        .get(&id)
        .ok_or_else(|| ControlError::UnknownOrder(shown(key)))?;
    Ok(json!({
        "detail": detail(order, now_ms(), None, true),
        "notifications": order.deliveries,
    }))
}

/// Drops every order but the paid fixture; seeded ids start again from where they were just
/// after the fixture was made (unseeded ones stay random).
pub(crate) fn reset(state: &mut State) -> Value {
    state.orders.clear();
    if let Some(fresh) = &state.fresh_ids {
        state.ids = fresh.clone();
    }
    json!({"status": "ok", "orders": state.orders.len()})
}

/// What a readiness probe needs.
pub(crate) fn health(state: &State) -> Value {
    json!({"status": "ok", "orders": state.orders.len(), "max_orders": state.orders.max()})
}

fn show_detail(state: &State, id: &str) -> Result<Value, ControlError> {
    let order = state
        .orders
        .get(id)
        .ok_or_else(|| ControlError::UnknownOrder(id.to_owned()))?;
    Ok(detail(order, now_ms(), None, true))
}

fn non_empty(value: Option<String>, name: &str) -> Result<Option<String>, ControlError> {
    match value {
        Some(text) if text.len() > MAX_FACT_LEN => Err(ControlError::BadRequest(format!(
            "{name} is {} bytes, over the limit of {MAX_FACT_LEN}",
            text.len()
        ))),
        Some(text) if text.trim().is_empty() => Err(ControlError::BadRequest(format!(
            "{name} must be a non-empty string"
        ))),
        other => Ok(other),
    }
}

/// Answers a request to a path under [`CONTROL_PREFIX`]: plain JSON, no envelope.
pub(crate) fn answer(state: &Mutex<State>, request: &DoubleRequest) -> DoubleReply {
    match route(state, request) {
        Ok(value) => DoubleReply::json(200, &value),
        Err(e) => DoubleReply::json(
            e.status(),
            &json!({"error": e.kind(), "message": e.to_string()}),
        ),
    }
}

/// At most 200 characters of `text`, for an error message.
fn shown(text: &str) -> String {
    let mut cut: String = text.chars().take(200).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

fn route(state: &Mutex<State>, request: &DoubleRequest) -> Result<Value, ControlError> {
    let path = request.path.as_str();
    let rest = path.strip_prefix(CONTROL_PREFIX).unwrap_or_default();
    let parts: Vec<&str> = rest.split('/').collect();
    let (get, post) = (
        request.method == Method::GET,
        request.method == Method::POST,
    );
    let wrong_method = || ControlError::Method {
        method: request.method.to_string(),
        path: shown(path),
    };
    if let ["orders", id, ..] = parts.as_slice()
        && id.len() > MAX_KEY_LEN
    {
        return Err(ControlError::BadRequest(format!(
            "the order key is {} bytes, over the limit of {MAX_KEY_LEN}",
            id.len()
        )));
    }
    let key = |id: &str| decode(id);
    match parts.as_slice() {
        ["health"] if get => Ok(health(&lock(state))),
        ["reset"] if post => Ok(reset(&mut lock(state))),
        ["orders", id] if get && !id.is_empty() => inspect(&lock(state), &key(id)),
        ["orders", id, "pay"] if post && !id.is_empty() => {
            let facts = facts(&request.body)?;
            pay(&mut lock(state), &key(id), facts)
        }
        ["orders", id, "expire"] if post && !id.is_empty() => expire(&mut lock(state), &key(id)),
        ["health"] | ["reset"] | ["orders", _] | ["orders", _, "pay" | "expire"] => {
            Err(wrong_method())
        }
        _ => Err(ControlError::NoRoute {
            method: request.method.to_string(),
            path: shown(path),
        }),
    }
}

/// The pay body: empty means "generate everything".
fn facts(body: &[u8]) -> Result<PaymentFacts, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(PaymentFacts::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        ControlError::BadRequest(format!(
            "the pay body must be a json object {{tx_id?, from_address?, block_no?}}: {e}"
        ))
    })
}

/// A path segment with its `%XX` escapes decoded (an `out_trade_no` may hold anything).
fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ttpay::double::DoubleConfig;

    #[test]
    fn bodies_are_read_strictly() {
        assert_eq!(facts(b""), Ok(PaymentFacts::default()));
        assert_eq!(facts(b" \n"), Ok(PaymentFacts::default()));
        let given = facts(br#"{"tx_id": "ab", "block_no": 7}"#);
        assert_eq!(
            given.map(|f| (f.tx_id, f.block_no)),
            Ok((Some("ab".into()), Some(7)))
        );
        for garbage in [
            &b"nope"[..],
            b"[]",
            b"{\"tx\": 1}",
            b"{\"block_no\": \"x\"}",
            b"\xff",
        ] {
            assert_eq!(facts(garbage).map_err(|e| e.status()), Err(400));
        }
        assert_eq!(decode("A%20B%2"), "A B%2");
    }

    #[test]
    fn pay_then_pay_again_conflicts() {
        let mut state = State::new(&DoubleConfig::builtin(), now_ms());
        let fixture = "PAID-ORDER-0001";
        let again = pay(&mut state, fixture, PaymentFacts::default());
        assert_eq!(again.map_err(|e| e.status()), Err(409));
        assert_eq!(expire(&mut state, "nope").map_err(|e| e.status()), Err(404));
        let bad = PaymentFacts {
            block_no: Some(0),
            ..PaymentFacts::default()
        };
        assert_eq!(
            pay(&mut state, fixture, bad).map_err(|e| e.status()),
            Err(400)
        );
        assert_eq!(reset(&mut state)["orders"], 1);
        let huge = PaymentFacts {
            tx_id: Some("a".repeat(MAX_FACT_LEN + 1)),
            ..PaymentFacts::default()
        };
        assert_eq!(
            pay(&mut state, fixture, huge).map_err(|e| e.status()),
            Err(400)
        );
    }
}
