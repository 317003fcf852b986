//! The control API under `/_control/` (plain JSON, never signed, never under the provider's
//! paths): what the provider does on its own, or a test needs to see. `{id}` is an order's
//! `id` (its `transaction_id`) or its `out_trade_no` (the newest order with it, any merchant).
//!
//! | route | effect |
//! |---|---|
//! | `POST /_control/orders/{id}/pay` | `NOTPAY` → `SUCCESS`, `success_time` now; a `TRANSACTION.SUCCESS` notification goes to its `notify_url` |
//! | `POST /_control/orders/{id}/age` | the order becomes older: by `{"seconds": N}` or `?seconds=N`, by default just past the minimum close age |
//! | `POST /_control/orders/{id}/expire` | `NOTPAY` → `CLOSED` (the order ran out of time) |
//! | `GET /_control/orders/{id}` | `{order, age_seconds, notify_url, notify_status, notifications}` |
//! | `POST /_control/reset` | drops every order but the paid fixture |
//! | `GET /_control/health` | `{status, orders, max_orders}` |
//!
//! Errors: `{"error": KIND, "message": TEXT}` — 400 `bad_request`, 404 `not_found` /
//! `no_route`, 405 `method`, 409 `conflict` (pay or expire an order that is not `NOTPAY`).

use std::sync::Mutex;

use http::Method;
use serde_json::{Value, json};

use super::config::DoubleConfig;
use super::state::{State, TradeState, lock, now_s};
use crate::double::notifier::Status;
use crate::double::server::{DoubleReply, DoubleRequest};

/// Where the control routes live.
pub const CONTROL_PREFIX: &str = "/_control/";

/// Why a control request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// No order with that `id` or `out_trade_no`.
    #[error("no order with id or out_trade_no `{0}`")]
    NotFound(String),
    /// The order is not in a state the action applies to.
    #[error("order `{id}` is {state}, not NOTPAY")]
    Conflict {
        /// The order.
        id: String,
        /// Its state.
        state: &'static str,
    },
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
}

impl ControlError {
    fn reply(&self) -> DoubleReply {
        let (status, kind) = match self {
            ControlError::NotFound(_) => (404, "not_found"),
            ControlError::Conflict { .. } => (409, "conflict"),
            ControlError::BadRequest(_) => (400, "bad_request"),
        };
        DoubleReply::json(status, &json!({"error": kind, "message": self.to_string()}))
    }
}

fn order_id(state: &State, id: &str) -> Result<String, ControlError> {
    state
        .find_any(id)
        .ok_or_else(|| ControlError::NotFound(id.to_owned()))
}

/// A customer pays the order; a notification is queued when it has a `notify_url`.
pub(crate) fn pay(state: &mut State, id: &str) -> Result<Value, ControlError> {
    let id = order_id(state, id)?;
    let outbox = state.outbox.clone();
    let now = now_s();
    let order = state
        .orders
        .get_mut(&id)
        .ok_or_else(|| ControlError::NotFound(id.clone()))?;
    if order.state != TradeState::NotPay {
        return Err(ControlError::Conflict {
            id,
            state: order.state.as_str(),
        });
    }
    order.state = TradeState::Success;
    order.success_s = Some(now);
    if order.notify_url.is_some() {
        let queued = outbox.map_or(Status::GaveUp, |o| o.queue(&id));
        order.notify_status = queued.code();
    }
    Ok(order.query_view(false))
}

/// The order becomes `seconds` older (default: just past `min_age`).
pub(crate) fn age(
    state: &mut State,
    id: &str,
    seconds: Option<i64>,
    min_age: i64,
) -> Result<Value, ControlError> {
    let id = order_id(state, id)?;
    let now = now_s();
    let order = state
        .orders
        .get_mut(&id)
        .ok_or_else(|| ControlError::NotFound(id.clone()))?;
    let by = match seconds {
        Some(s) if s < 0 => return Err(ControlError::BadRequest("seconds must be ≥ 0".into())),
        Some(s) => s,
        None => (min_age + 1 - now.saturating_sub(order.created_s)).max(0),
    };
    order.created_s = order.created_s.saturating_sub(by);
    Ok(order.inspect_view(now))
}

/// The order runs out of time: `CLOSED`.
pub(crate) fn expire(state: &mut State, id: &str) -> Result<Value, ControlError> {
    let id = order_id(state, id)?;
    let order = state
        .orders
        .get_mut(&id)
        .ok_or_else(|| ControlError::NotFound(id.clone()))?;
    if order.state != TradeState::NotPay {
        return Err(ControlError::Conflict {
            id,
            state: order.state.as_str(),
        });
    }
    order.state = TradeState::Closed;
    order.closed_s = Some(now_s());
    Ok(order.query_view(false))
}

/// What the double holds about an order.
pub(crate) fn inspect(state: &State, id: &str) -> Result<Value, ControlError> {
    let id = order_id(state, id)?;
    state
        .orders
        .get(&id)
        .map(|o| o.inspect_view(now_s()))
        .ok_or(ControlError::NotFound(id))
}

fn seconds_of(request: &DoubleRequest) -> Result<Option<i64>, ControlError> {
    let bad = || ControlError::BadRequest("seconds must be a whole number".into());
    if let Some(q) = &request.query
        && let Some(v) = q.split('&').find_map(|p| p.strip_prefix("seconds="))
    {
        return v.parse().map(Some).map_err(|_| bad());
    }
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let body: Value = serde_json::from_slice(&request.body)
        .map_err(|_| ControlError::BadRequest("the body is not JSON".into()))?;
    match body.get("seconds") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(bad),
    }
}

/// Answers a control route.
pub(crate) fn handle(
    state: &Mutex<State>,
    config: &DoubleConfig,
    request: &DoubleRequest,
) -> DoubleReply {
    let rest = request.path.strip_prefix(CONTROL_PREFIX).unwrap_or("");
    let parts: Vec<&str> = rest.split('/').collect();
    let min_age = i64::try_from(config.close_min_age.as_secs()).unwrap_or(i64::MAX);
    let mut state = lock(state);
    let method = &request.method;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let result = match (method, parts.as_slice()) {
        (&Method::GET, ["health"]) => Ok(json!({
            "status": "ok", "orders": state.orders.len(), "max_orders": state.max_orders,
        })),
        (&Method::POST, ["reset"]) => {
            state.reset(config);
            Ok(json!({"status": "ok", "orders": state.orders.len()}))
        }
        (&Method::GET, ["orders", id]) => inspect(&state, &decode(id)),
        (&Method::POST, ["orders", id, "pay"]) => pay(&mut state, &decode(id)),
        (&Method::POST, ["orders", id, "expire"]) => expire(&mut state, &decode(id)),
        (&Method::POST, ["orders", id, "age"]) => {
            seconds_of(request).and_then(|s| age(&mut state, &decode(id), s, min_age))
        }
        (_, ["health"] | ["reset"] | ["orders", _] | ["orders", _, "pay" | "expire" | "age"]) => {
            return DoubleReply::json(
                405,
                &json!({"error": "method", "message": "method not allowed"}),
            );
        }
        _ => {
            return DoubleReply::json(
                404,
                &json!({"error": "no_route", "message": "no such control route"}),
            );
        }
    };
    match result {
        Ok(v) => DoubleReply::json(200, &v),
        Err(e) => e.reply(),
    }
}
