//! The provider's side of a WeChat Pay exchange: W7 on every 2xx (the platform's signature and
//! a `Request-ID`), W3 on a failure, G1 on a create, G2 on a query, W2 on a close; a 2xx to a
//! request the contract says must be refused (W4, W6); and the orders' story as the traffic
//! tells it: a paid order closed (W4), a closed order that is not CLOSED (W2), a refused close
//! that closed (W4). Bounded like TTPay's.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use super::WxJudge;
use super::request::{Request, Route};
use crate::exchange::Exchange;
use crate::findings::{Deviation, Observation};
use crate::proxy::ProxiedExt as _;
use crate::proxy::{Proxied, Verdict};
use crate::settings::ResponseSignatures;
use crate::wechatpay::checks;

/// Orders remembered at most.
const MAX_ORDERS: usize = 10_000;

/// What the traffic showed of one order: its last state; whether a close succeeded, or one
/// that must have had no effect was answered, since.
#[derive(Debug, Default)]
struct Seen {
    /// The `code_url` of its first create.
    code_url: Option<String>,
    state: Option<String>,
    closed: bool,
    refused_close: bool,
}

/// The orders by `(mchid, out_trade_no)`; transaction ids to them.
#[derive(Debug, Default)]
pub(super) struct Orders {
    seen: HashMap<(String, String), Seen>,
    age: VecDeque<(String, String)>,
    by_id: HashMap<String, (String, String)>,
}

impl Orders {
    fn key(
        &self,
        mchid: &str,
        no: Option<&String>,
        id: Option<&String>,
    ) -> Option<(String, String)> {
        match (no, id) {
            (Some(no), _) => Some((mchid.to_owned(), no.clone())),
            (None, Some(id)) => self.by_id.get(id).cloned(),
            (None, None) => None,
        }
    }

    fn entry(&mut self, key: (String, String)) -> &mut Seen {
        if !self.seen.contains_key(&key) {
            if self.age.len() >= MAX_ORDERS
                && let Some(old) = self.age.pop_front()
            {
                self.seen.remove(&old);
                self.by_id.retain(|_, k| *k != old);
            }
            self.age.push_back(key.clone());
        }
        self.seen.entry(key).or_default()
    }
}

fn found(rule: &str, exchange: &Exchange, list: Vec<checks::Found>) -> Vec<Deviation> {
    list.into_iter()
        .map(|(pointer, expected, actual)| exchange.deviation(rule, pointer, expected, actual))
        .collect()
}

impl WxJudge {
    pub(super) fn answer_side(&mut self, p: &Proxied, request: &Request, verdict: &mut Verdict) {
        let signed = checks::response_signature(
            &p.response_headers,
            &p.response_body.bytes,
            &self.platform,
            crate::world::now_ms() / 1000,
        );
        let request_id = p.response_header("request-id").map(str::to_owned);
        let exchange = p.exchange(request.route.endpoint(), request_id.clone(), signed.check);
        verdict.request_id = request_id;
        let ok = (200..300).contains(&p.status);
        let retry = checks::says_retry(p.status, &p.response_body.bytes);
        if ok {
            let mut w7 = if self.platform.is_empty() {
                Vec::new()
            } else {
                signed.problems.clone()
            };
            if exchange
                .request_id
                .as_deref()
                .is_none_or(|id| id.trim().is_empty())
            {
                w7.push(("Request-ID".into(), "present".into(), "absent".into()));
            }
            match self.signatures {
                ResponseSignatures::Strict => verdict.providers(found("W7", &exchange, w7)),
                ResponseSignatures::Observe => verdict.observations.extend(w7.into_iter().map(
                    |(pointer, expected, actual)| Observation {
                        rule: "W7".into(),
                        endpoint: exchange.endpoint.clone(),
                        note: format!("{pointer}: expected {expected}, got {actual}"),
                        request_id: exchange.request_id.clone(),
                    },
                )),
                ResponseSignatures::Off => {}
            }
            for (rule, why) in &request.refusals {
                verdict.provider(exchange.deviation(
                    *rule,
                    "(http status)",
                    format!("a 4xx refusal: {why}"),
                    format!("{} (accepted)", p.status),
                ));
            }
        } else if !retry {
            verdict.providers(found("W3", &exchange, checks::failure_shape(&exchange)));
        }
        let code = checks::code(&exchange).map(str::to_owned);
        if p.status >= 500
            && let Some((rule, why)) = request.refusals.first()
        {
            verdict.provider(exchange.deviation(
                *rule,
                "(http status)",
                format!("a 4xx refusal: {why}"),
                p.status.to_string(),
            ));
        }
        if p.status == 401
            && code.as_deref() == Some("SIGN_ERROR")
            && request.verified
            && request.refusals.is_empty()
        {
            verdict.provider(exchange.deviation(
                "W6",
                "(http status)",
                "the request accepted: its signature verifies with the merchant's key over METHOD\\nURL\\nTS\\nNONCE\\nBODY\\n as sent".to_owned(),
                "401 SIGN_ERROR".to_owned(),
            ));
        }
        if !request.refusals.is_empty() || retry {
            return;
        }
        if p.status == 404
            && code.as_deref() == Some("ORDER_NOT_EXIST")
            && let Route::Query {
                out_trade_no: Some(no),
                ..
            }
            | Route::Close {
                out_trade_no: Some(no),
                ..
            } = &request.route
            && let Some(mchid) = &request.mchid
            && self
                .orders
                .seen
                .get(&(mchid.clone(), no.clone()))
                .is_some_and(|s| s.code_url.is_some())
        {
            verdict.provider(exchange.deviation(
                "W1",
                "(http status)",
                format!(
                    "the order {no:?} (created in this traffic; the path names it percent-encoded)"
                ),
                "404 ORDER_NOT_EXIST".to_owned(),
            ));
        }
        let mchid = request.mchid.clone().unwrap_or_default();
        match &request.route {
            Route::Create if ok => {
                verdict.providers(found("G1", &exchange, checks::created(&exchange)));
                self.created(&exchange, &mchid, p, verdict);
            }
            Route::Query { out_trade_no, id } if ok => match checks::queried(&exchange) {
                Err(list) => verdict.providers(found("G2", &exchange, list)),
                Ok(state) => self.queried(
                    &exchange,
                    &mchid,
                    out_trade_no.as_ref(),
                    id.as_ref(),
                    state,
                    verdict,
                ),
            },
            Route::Close { out_trade_no, id } => {
                if ok {
                    verdict.providers(found("W2", &exchange, checks::close_succeeded(&exchange)));
                }
                self.closed(
                    &exchange,
                    &mchid,
                    out_trade_no.as_ref(),
                    id.as_ref(),
                    ok,
                    verdict,
                );
            }
            _ => {}
        }
    }

    /// G1: the same create again answers the same `code_url`.
    fn created(&mut self, exchange: &Exchange, mchid: &str, p: &Proxied, verdict: &mut Verdict) {
        let Ok(Value::Object(body)) = p.request_json() else {
            return;
        };
        let Some(no) = body.get("out_trade_no").and_then(Value::as_str) else {
            return;
        };
        let Some(url) = exchange.pointer("/code_url").and_then(Value::as_str) else {
            return;
        };
        let seen = self.orders.entry((mchid.to_owned(), no.to_owned()));
        match &seen.code_url {
            Some(first) if first != url => verdict.provider(exchange.deviation(
                "G1",
                "/code_url",
                format!("{first:?}, the first create's"),
                format!("{url:?}"),
            )),
            Some(_) => {}
            None => seen.code_url = Some(url.to_owned()),
        }
    }

    fn queried(
        &mut self,
        exchange: &Exchange,
        mchid: &str,
        no: Option<&String>,
        id: Option<&String>,
        state: String,
        verdict: &mut Verdict,
    ) {
        let no = no.cloned().or_else(|| {
            exchange
                .pointer("/out_trade_no")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        let Some(key) = self.orders.key(mchid, no.as_ref(), id) else {
            return;
        };
        if let Some(id) = exchange.pointer("/id").and_then(Value::as_str) {
            self.orders.by_id.insert(id.to_owned(), key.clone());
        }
        let seen = self.orders.entry(key);
        let dev = |expected: &str| {
            exchange.deviation("W2,W4", "/trade_state", expected.to_owned(), state.clone())
        };
        if seen.closed && state != "CLOSED" {
            verdict.provider(dev("CLOSED after a close that succeeded"));
        } else if seen.refused_close
            && !seen.closed
            && state == "CLOSED"
            && seen.state.as_deref() == Some("NOTPAY")
        {
            verdict.provider(dev("NOTPAY: the only close since was refused"));
        } else if seen.state.as_deref() == Some("SUCCESS") && state == "CLOSED" {
            verdict.provider(dev("SUCCESS: a paid order cannot be closed"));
        }
        seen.state = Some(state);
        seen.closed = false;
        seen.refused_close = false;
    }

    fn closed(
        &mut self,
        exchange: &Exchange,
        mchid: &str,
        no: Option<&String>,
        id: Option<&String>,
        ok: bool,
        verdict: &mut Verdict,
    ) {
        let key = self
            .orders
            .key(mchid, no, id)
            .or_else(|| id.and_then(|id| self.orders.by_id.get(id).cloned()));
        let Some(key) = key else { return };
        let foreign = key.0 != mchid;
        let Some(seen) = self.orders.seen.get_mut(&key) else {
            return;
        };
        if ok && foreign {
            verdict.provider(exchange.deviation(
                "W4",
                "(http status)",
                "a refusal: the order is another merchant's".to_owned(),
                exchange.status.to_string(),
            ));
        } else if ok && seen.state.as_deref() == Some("SUCCESS") {
            verdict.provider(exchange.deviation(
                "W4",
                "(http status)",
                "ORDERPAID: the order was paid (as an earlier query showed)".to_owned(),
                exchange.status.to_string(),
            ));
        }
        if ok && !foreign {
            seen.closed = true;
        } else if seen.state.as_deref() == Some("NOTPAY") {
            seen.refused_close = true;
        }
    }
}
