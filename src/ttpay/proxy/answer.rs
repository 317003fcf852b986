//! The provider's side of a TTPay exchange: T3, T4 and A6 on every answer (the suite's own
//! checks), C5 on a create, the detail's schema (Q4, Q5) on a query, Q3 on a refused one; an
//! answer of code 0 to a request the contract says must be refused (A3, A4, A5, C2, C3, C4,
//! Q2, T7, X5); and the orders' story ([`super::story`]).

use serde_json::{Map, Value};

use super::TtpayJudge;
use super::request::Request;
use crate::proxy::ProxiedExt as _;
use crate::proxy::{Proxied, Verdict};
use crate::ttpay::Endpoint;
use crate::ttpay::checks;
use crate::ttpay::client::{SignatureCheck, TtpayExchange as _, response_signature};

/// TTPay's "data does not exist".
const NOT_FOUND: i64 = 12002;

impl TtpayJudge {
    /// The provider's findings of `p`, as the request read.
    pub(super) fn answer_side(&mut self, p: &Proxied, request: &Request, verdict: &mut Verdict) {
        let merchant = request
            .app_id
            .as_deref()
            .and_then(|id| self.merchant(id))
            .cloned();
        let signature = match &merchant {
            Some(m) => response_signature(&p.response_headers, &p.response_body.bytes, &m.secret),
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
        let code = exchange.code();
        if p.status >= 500 || exchange.json.is_err() {
            // T5 / T7: a malformed request, or one with a method the API does not have, gets a
            // JSON refusal; never a 5xx or garbage (T3 says what is wrong with the answer).
            let rule = match request.refusals.iter().any(|(r, _)| *r == "T7") {
                true => Some("T7"),
                false => request.malformed.then_some("T5"),
            };
            if let Some(rule) = rule {
                verdict.provider(exchange.deviation(
                    rule,
                    "(http status)",
                    "a JSON refusal of the malformed request".to_owned(),
                    format!("HTTP {}", p.status),
                ));
            }
        }
        if code == Some(0) {
            for (rule, why) in &request.refusals {
                verdict.provider(exchange.deviation(
                    *rule,
                    "/code",
                    format!("a refusal: {why}"),
                    "0 (accepted)".to_owned(),
                ));
            }
        }
        let app = request.app_id.clone().unwrap_or_default();
        let empty = Map::new();
        let body = request.body.as_ref().unwrap_or(&empty);
        let must_refuse = request.refusals.first().cloned();
        let found = match (request.endpoint, code) {
            (Endpoint::Create, Some(0)) if must_refuse.is_none() => {
                verdict.providers(checks::created(&exchange));
                let prepay_id = exchange
                    .pointer("/data/prepay_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let at = ms(p.at);
                self.orders
                    .create(&exchange, app, body, Some((at, prepay_id)), None)
            }
            (Endpoint::Create, code) => {
                let why = match (&must_refuse, code) {
                    (Some((rule, why)), _) => (*rule, why.clone()),
                    (None, Some(code)) => ("C2,C3", format!("refused with {code}")),
                    (None, None) => ("C2,C3", "refused".to_owned()),
                };
                self.orders.create(&exchange, app, body, None, Some(why))
            }
            (Endpoint::Query, Some(0)) => {
                verdict.providers(checks::schema(
                    &exchange,
                    &self.schemas,
                    "ttpay/query_response",
                ));
                match exchange.data() {
                    Some(detail) => self.orders.query(&exchange, app, detail, &self.reading),
                    None => Vec::new(),
                }
            }
            (Endpoint::Query, Some(code)) => {
                let mut out = Vec::new();
                if exchange.data().is_some() {
                    out.push(exchange.deviation(
                        "Q3",
                        "/data",
                        "no data with a refusal".to_owned(),
                        "an object".to_owned(),
                    ));
                }
                if code == NOT_FOUND
                    && let Some(id) = body.get("transaction_id").and_then(Value::as_str)
                {
                    let named = body.get("out_trade_no").and_then(Value::as_str);
                    out.extend(self.orders.not_found(&exchange, &app, id, named));
                }
                out
            }
            (Endpoint::Close, code) => match body.get("transaction_id").and_then(Value::as_str) {
                Some(id) => {
                    let accepted = code == Some(0) && must_refuse.is_none();
                    let rule = match &must_refuse {
                        Some(("T7", _)) => "T7",
                        _ => "A3",
                    };
                    self.orders.close(&exchange, &app, id, accepted, rule)
                }
                None => Vec::new(),
            },
            (Endpoint::Query, None) => Vec::new(),
        };
        verdict.providers(found);
    }
}

/// Unix milliseconds of `at`.
fn ms(at: std::time::SystemTime) -> i64 {
    at.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
