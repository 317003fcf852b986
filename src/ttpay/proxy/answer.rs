//! The provider's side of a TTPay exchange: T3, T4 and A6 on every answer (the suite's own
//! checks), C5 on a create, the detail's schema (Q4, Q5) and its echo of the create (Q6) on a
//! query — and the order's story as this traffic tells it ([`Orders`]): a close of an order last
//! seen paid that succeeds (X2), an order whose state goes back (X3, Q8), an order a refused
//! create made anyway (A3, C2, C3).

use std::collections::{HashMap, VecDeque};

use serde_json::{Map, Value};

use super::TtpayJudge;
use super::request::Request;
use crate::proxy::{Proxied, Verdict};
use crate::ttpay::checks;
use crate::ttpay::Endpoint;
use crate::ttpay::client::{Exchange, SignatureCheck, TtpayExchange as _, response_signature};

/// Orders remembered at most; the oldest are forgotten first (memory stays flat).
pub(super) const MAX_ORDERS: usize = 100_000;

/// What the traffic showed of one order.
#[derive(Debug, Default)]
struct Seen {
    /// The create that made it (its body), once one succeeded.
    created: Option<Map<String, Value>>,
    /// The code of a refused create, while no create succeeded.
    refused: Option<i64>,
    /// The last `trade_state` a query showed.
    state: Option<String>,
}

/// The orders the traffic has shown, by `app_id` and `out_trade_no`, bounded.
#[derive(Debug, Default)]
pub(super) struct Orders {
    seen: HashMap<(String, String), Seen>,
    order: VecDeque<(String, String)>,
    /// `transaction_id` → the key, for closes (which name only the transaction id).
    by_transaction: HashMap<String, (String, String)>,
}

impl Orders {
    fn entry(&mut self, key: (String, String)) -> &mut Seen {
        if !self.seen.contains_key(&key) {
            if self.order.len() >= MAX_ORDERS
                && let Some(old) = self.order.pop_front()
            {
                self.seen.remove(&old);
                self.by_transaction.retain(|_, k| *k != old);
            }
            self.order.push_back(key.clone());
        }
        self.seen.entry(key).or_default()
    }
}

fn string(map: Option<&Map<String, Value>>, key: &str) -> Option<String> {
    map?.get(key)?.as_str().map(str::to_owned)
}

impl TtpayJudge {
    /// The provider's findings of `p`, as the request read.
    pub(super) fn answer(&mut self, p: &Proxied, request: &Request, verdict: &mut Verdict) {
        let merchant = request.app_id.as_deref().and_then(|id| self.merchant(id)).cloned();
        let signature = match &merchant {
            Some(m) => {
                response_signature(&p.response_headers, &p.response_body.bytes, &m.secret)
            }
            None => SignatureCheck::NotApplicable,
        };
        let json = crate::checks::json::parse(&p.response_body.bytes).ok();
        let request_id = json
            .as_ref()
            .and_then(|v| v.get("request_id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let exchange = p.exchange(request.endpoint.path(), request_id.clone(), signature);
        verdict.request_id = request_id;
        let (deviations, observations) =
            checks::every_exchange(&exchange, &self.schemas, self.signatures);
        verdict.providers(deviations);
        verdict.observations.extend(observations);
        let app = request.app_id.clone().unwrap_or_default();
        let out_trade_no = string(request.body.as_ref(), "out_trade_no")
            .or_else(|| string(exchange.data(), "out_trade_no"));
        match (request.endpoint, exchange.code()) {
            (Endpoint::Create, Some(0)) => {
                verdict.providers(checks::created(&exchange));
                if let Some(no) = out_trade_no {
                    let seen = self.orders.entry((app, no));
                    seen.created.get_or_insert_with(|| request.body.clone().unwrap_or_default());
                    seen.refused = None;
                }
            }
            (Endpoint::Create, Some(code)) => {
                if let Some(no) = out_trade_no {
                    let seen = self.orders.entry((app, no));
                    if seen.created.is_none() && seen.state.is_none() {
                        seen.refused = Some(code);
                    }
                }
            }
            (Endpoint::Query, Some(0)) => self.queried(&exchange, app, verdict),
            (Endpoint::Close, Some(0)) => self.closed(&exchange, request, app, verdict),
            _ => {}
        }
    }

    fn queried(&mut self, exchange: &Exchange, app: String, verdict: &mut Verdict) {
        verdict.providers(checks::schema(exchange, &self.schemas, "ttpay/query_response"));
        let Some(detail) = exchange.data() else { return };
        let Some(no) = string(Some(detail), "out_trade_no") else {
            return;
        };
        let key = (app, no);
        if let Some(id) = string(Some(detail), "transaction_id") {
            self.orders.by_transaction.insert(id, key.clone());
        }
        let state = string(Some(detail), "trade_state");
        let seen = self.orders.entry(key);
        let dev = |rule: &str, pointer: &str, expected: String, actual: String| {
            exchange.deviation(rule, pointer, expected, actual)
        };
        if let Some(code) = seen.refused.take() {
            let rule = if code == 103 { "A3" } else { "C2,C3" };
            verdict.provider(dev(
                rule,
                "/data",
                format!("no order: its create was refused with {code}"),
                format!("an order in state {}", state.as_deref().unwrap_or("?")),
            ));
        }
        if let Some(created) = &seen.created {
            for (pointer, expected, actual) in checks::echoes(created, detail) {
                verdict.provider(dev("Q6", &pointer, expected, actual));
            }
        }
        if let (Some(before), Some(now)) = (seen.state.as_deref(), state.as_deref())
            && let Some(rule) = goes_back(before, now)
        {
            verdict.provider(dev(
                rule,
                "/data/trade_state",
                format!("{before} (as an earlier query showed), or a state after it"),
                now.to_owned(),
            ));
        }
        if state.is_some() {
            seen.state = state;
        }
    }

    fn closed(&mut self, exchange: &Exchange, request: &Request, app: String, verdict: &mut Verdict) {
        let Some(id) = string(request.body.as_ref(), "transaction_id") else {
            return;
        };
        let Some(key) = self.orders.by_transaction.get(&id).filter(|k| k.0 == app) else {
            return;
        };
        let Some(seen) = self.orders.seen.get_mut(key) else {
            return;
        };
        if seen.state.as_deref() == Some("SUCCESS") {
            verdict.provider(exchange.deviation(
                "X2",
                "/code",
                "a refusal: the order was paid (as an earlier query showed)".to_owned(),
                "0 (closed)".to_owned(),
            ));
        }
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
