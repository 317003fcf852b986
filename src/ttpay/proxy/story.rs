//! The orders a TTPay merchant's traffic shows, and what their story says of the provider:
//! an order a refused create made anyway (A3, C2, C3, T7), a second create answered with another
//! `prepay_id` (C6), a new order's first query (Q7, C7), a later query that contradicts an
//! earlier one (Q1, Q8, X3), a close that did not close (X1) or a refused one that did (A3, T7,
//! X6), a paid order closed (X2), another merchant's order shown or closed (Q9, X6).
//! Bounded: at most [`MAX_ORDERS`] orders, the oldest forgotten first.

use std::collections::{HashMap, VecDeque};

use serde_json::{Map, Value};

use crate::findings::Deviation;
use crate::ttpay::checks::{self, amount::RunReading};
use crate::ttpay::client::Exchange;

/// Orders remembered at most.
pub(super) const MAX_ORDERS: usize = 10_000;

type Key = (String, String);

/// What the traffic showed of one order.
#[derive(Debug, Default)]
struct Seen {
    /// The body of the create that made it, its time (Unix ms) and `prepay_id`.
    created: Option<(Map<String, Value>, i64, Option<String>)>,
    /// Why a create that should have made nothing was refused (or sent with a wrong method),
    /// under the rule an order from it would break, while no create succeeded.
    refused: Option<(&'static str, String)>,
    /// The last detail a query showed.
    detail: Option<Map<String, Value>>,
    /// A close succeeded since the last query.
    closed: bool,
    /// A later create with the same out_trade_no and other values was accepted (C6: the
    /// order keeps the first one's values).
    duplicate: bool,
    /// A close that must not have had an effect (refused, another method, another merchant)
    /// since the last query, under the rule its effect would break.
    refused_close: Option<&'static str>,
}

/// The orders, by `app_id` and `out_trade_no`.
#[derive(Debug, Default)]
pub(super) struct Orders {
    seen: HashMap<Key, Seen>,
    age: VecDeque<Key>,
    by_transaction: HashMap<String, Key>,
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)?.as_str().map(str::to_owned)
}

impl Orders {
    fn entry(&mut self, key: Key) -> &mut Seen {
        if !self.seen.contains_key(&key) {
            if self.age.len() >= MAX_ORDERS
                && let Some(old) = self.age.pop_front()
                && let Some(id) = self
                    .seen
                    .remove(&old)
                    .and_then(|s| s.detail)
                    .and_then(|d| text(&d, "transaction_id"))
            {
                self.by_transaction.remove(&id);
            }
            self.age.push_back(key.clone());
        }
        self.seen.entry(key).or_default()
    }

    /// A create of `app` with `body` answered code 0 (`accepted`) or refused.
    pub fn create(
        &mut self,
        exchange: &Exchange,
        app: String,
        body: &Map<String, Value>,
        accepted: Option<(i64, Option<String>)>,
        refused_for: Option<(&'static str, String)>,
    ) -> Vec<Deviation> {
        let Some(no) = text(body, "out_trade_no") else {
            return Vec::new();
        };
        let seen = self.entry((app, no));
        let mut out = Vec::new();
        match accepted {
            Some((at, prepay_id)) => match &seen.created {
                Some((_, _, first)) if first.is_some() && *first != prepay_id => {
                    out.push(exchange.deviation(
                        "C6",
                        "/data/prepay_id",
                        format!(
                            "the first create's prepay_id {:?}, or a refusal (12001)",
                            first.as_deref().unwrap_or("")
                        ),
                        format!("{:?}", prepay_id.as_deref().unwrap_or("")),
                    ));
                }
                Some((first, _, _)) => {
                    if first != body {
                        seen.duplicate = true;
                    }
                }
                None => {
                    seen.created = Some((body.clone(), at, prepay_id));
                    seen.refused = None;
                }
            },
            None => match &seen.created {
                // A refused duplicate must not change the order either (C6).
                Some((first, _, _)) => seen.duplicate |= first != body,
                None if seen.detail.is_none() => seen.refused = refused_for,
                None => {}
            },
        }
        out
    }

    /// A query of `app` answered code 0 with `detail`.
    pub fn query(
        &mut self,
        exchange: &Exchange,
        app: String,
        detail: &Map<String, Value>,
        reading: &RunReading,
    ) -> Vec<Deviation> {
        let mut out = Vec::new();
        let dev = |rule: &str, pointer: &str, expected: String, actual: String| {
            exchange.deviation(rule, pointer, expected, actual)
        };
        let Some(no) = text(detail, "out_trade_no") else {
            return out;
        };
        let id = text(detail, "transaction_id");
        if let Some(owner) = id.as_ref().and_then(|id| self.by_transaction.get(id))
            && owner.0 != app
        {
            out.push(dev(
                "Q9",
                "/data",
                "a refusal: the order is another merchant's".into(),
                format!("the order {}", owner.1),
            ));
            return out;
        }
        let key = (app, no);
        if let Some(id) = id {
            self.by_transaction.insert(id, key.clone());
        }
        let seen = self.entry(key);
        let state = text(detail, "trade_state").unwrap_or_default();
        if let Some((rule, why)) = seen.refused.take() {
            out.push(dev(
                rule,
                "/data",
                format!("no order: its create had to be refused ({why})"),
                format!("an order in state {state}"),
            ));
        }
        if let Some((sent, at, _)) = &seen.created {
            if seen.detail.is_none() && state == "NOTPAY" {
                let expire = sent
                    .get("expire_second")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                for (pointer, expected, actual) in checks::new_order(detail, expire, *at) {
                    out.push(dev("Q7", &pointer, expected, actual));
                }
            }
            for (pointer, expected, actual) in checks::amount::judge(sent, detail, reading) {
                out.push(dev("C7", &pointer, expected, actual));
            }
            let rule = if seen.duplicate { "C6" } else { "Q6" };
            for (pointer, expected, actual) in checks::echoes(sent, detail) {
                out.push(dev(rule, &pointer, expected, actual));
            }
        }
        let int = |d: &Map<String, Value>, key: &str| d.get(key).and_then(Value::as_i64);
        if let Some(before) = &seen.detail {
            let was = text(before, "trade_state").unwrap_or_default();
            if let Some(rule) = goes_back(&was, &state) {
                out.push(dev(
                    rule,
                    "/data/trade_state",
                    format!("{was} (as an earlier query showed), or a state after it"),
                    state.clone(),
                ));
            } else if was == state && (state == "NOTPAY" || state == "CLOSED") {
                // A close again of a CLOSED order keeps its close_time (X3); nothing else of
                // an order that did not move may differ between two views (Q1).
                for (pointer, earlier, now) in checks::agree(before, detail) {
                    if !pointer.starts_with("/data/notify") {
                        let rule = if pointer == "/data/close_time" {
                            "X3"
                        } else {
                            "Q1"
                        };
                        out.push(dev(
                            rule,
                            &pointer,
                            format!("{earlier} (as an earlier query of the order showed)"),
                            now,
                        ));
                    }
                }
            }
            if was == "NOTPAY"
                && state == "CLOSED"
                && !seen.closed
                && let Some(rule) = seen.refused_close
                && int(detail, "expire_time").is_none_or(|t| t > crate::world::now_ms())
            {
                out.push(dev(
                    rule,
                    "/data/trade_state",
                    "NOTPAY: the only close since was refused".into(),
                    state.clone(),
                ));
            }
        }
        if seen.closed {
            if state == "NOTPAY" {
                out.push(dev(
                    "X1",
                    "/data/trade_state",
                    "CLOSED after a close that succeeded".into(),
                    state.clone(),
                ));
            } else if state == "CLOSED"
                && int(detail, "close_time")
                    .is_none_or(|t| (t - crate::world::now_ms()).abs() > 600_000)
            {
                let expected = "the time of the close, Unix ms (within 10 minutes of now)";
                out.push(dev(
                    "X1",
                    "/data/close_time",
                    expected.into(),
                    crate::checks::matcher::show(detail.get("close_time")),
                ));
            }
        }
        seen.detail = Some(detail.clone());
        seen.closed = false;
        seen.refused_close = None;
        out
    }

    /// A query by `transaction_id` refused as unknown (12002).
    /// `named`: the out_trade_no the query named beside it, if any (another than the order's
    /// makes the query ambiguous: nothing to say).
    pub fn not_found(
        &self,
        exchange: &Exchange,
        app: &str,
        id: &str,
        named: Option<&str>,
    ) -> Vec<Deviation> {
        match self.by_transaction.get(id) {
            Some(key) if key.0 == app && named.is_none_or(|n| n == key.1) => {
                vec![exchange.deviation(
                    "Q1",
                    "/code",
                    format!(
                        "the order {} (an earlier answer named this transaction_id)",
                        key.1
                    ),
                    "12002 (not found)".to_owned(),
                )]
            }
            _ => Vec::new(),
        }
    }

    /// A close of `app` of transaction `id`: code 0 (`accepted`), or refused / sent in a way
    /// that must have no effect (`refused_for`: the rule its effect would break).
    pub fn close(
        &mut self,
        exchange: &Exchange,
        app: &str,
        id: &str,
        accepted: bool,
        refused_for: &'static str,
    ) -> Vec<Deviation> {
        let Some(key) = self.by_transaction.get(id).cloned() else {
            return Vec::new();
        };
        let Some(seen) = self.seen.get_mut(&key) else {
            return Vec::new();
        };
        let state = seen
            .detail
            .as_ref()
            .and_then(|d| text(d, "trade_state"))
            .unwrap_or_default();
        let mut out = Vec::new();
        if key.0 != app {
            if accepted {
                out.push(exchange.deviation(
                    "X6",
                    "/code",
                    "a refusal: the order is another merchant's".to_owned(),
                    "0 (closed)".to_owned(),
                ));
            }
            if state == "NOTPAY" {
                seen.refused_close = Some("X6");
            }
        } else if accepted {
            if state == "SUCCESS" {
                out.push(exchange.deviation(
                    "X2",
                    "/code",
                    "a refusal: the order was paid (as an earlier query showed)".to_owned(),
                    "0 (closed)".to_owned(),
                ));
            }
            seen.closed = true;
        } else if state == "NOTPAY" && seen.refused_close.is_none() {
            seen.refused_close = Some(refused_for);
        }
        out
    }
}

/// The rule an order breaks by going from `before` to `now`, if it may not.
fn goes_back(before: &str, now: &str) -> Option<&'static str> {
    match (before, now) {
        ("SUCCESS", "NOTPAY") | ("REFUND", "NOTPAY" | "SUCCESS") => Some("Q8"),
        ("SUCCESS", "CLOSED") => Some("X2"),
        ("CLOSED", "NOTPAY" | "SUCCESS") => Some("X3"),
        _ => None,
    }
}
