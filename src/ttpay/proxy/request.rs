//! The merchant's side of a TTPay exchange: what its request must be (CONTRACT T1, T2, A1, A2,
//! C1, C3, C7 as the request side of them) — the path and method, `Content-Type`, the
//! `Authorization` header's form, its nonce and timestamp (unit and skew), the signature (when
//! the app's secret is known), and the body against `schemas/ttpay/*_request.json`. Which of
//! them the provider must refuse it for is [`super::refusal`].

use serde_json::{Map, Value};

use super::TtpayJudge;
use crate::findings::Deviation;
use crate::proxy::Proxied;
use crate::proxy::ProxiedExt as _;
use crate::signer::{Signed, Signer as _};
use crate::ttpay::crypto::signing::{Authorization, MerchantSigner};
use crate::ttpay::{AmountUnit, Endpoint, TimestampUnit};

/// How far a request's timestamp may be from the proxy's clock (the provider's window, A4).
const SKEW_MS: i64 = 5 * 60 * 1000;
/// Below this a timestamp reads as seconds (10^11 s is the year 5138; 10^11 ms is 1973).
pub(super) const SECONDS_BELOW: i64 = 100_000_000_000;

/// What the request says, as far as the provider's answer needs it.
pub struct Request {
    pub endpoint: Endpoint,
    /// The body (or a GET query's parameters) as an object, when it is one.
    pub body: Option<Map<String, Value>>,
    /// The app it claims to be (its `Authorization`), if readable.
    pub app_id: Option<String>,
    /// Why the provider must refuse it, each under the provider's rule (`A3`: the signature
    /// does not verify; `C2`: a required field is missing): an answer with code 0 breaks it.
    pub refusals: Vec<(&'static str, String)>,
    /// The merchant's request broke its side of the contract: whatever it is, the provider
    /// must answer it with a JSON refusal, never a 5xx (T5).
    pub malformed: bool,
}

/// The native coin of each chain: offered on its own chain only (C3, C7).
const NATIVE: [(&str, &str); 3] = [("TRX", "TRON"), ("ETH", "ETHEREUM"), ("BNB", "BSC")];

impl TtpayJudge {
    /// The merchant's findings of `p`, and what the request says.
    pub(super) fn request_side(&self, p: &Proxied, out: &mut Vec<Deviation>) -> Option<Request> {
        let Some(endpoint) = Endpoint::ALL.into_iter().find(|e| e.path() == p.path) else {
            out.push(Deviation::unknown_path(
                "T1",
                &p.path,
                "one of /v1/transaction/prepayment, /v1/transaction/query, /v1/transaction/close",
            ));
            return None;
        };
        let at = endpoint.path();
        let dev = Deviation::at(at);
        let get_query = endpoint == Endpoint::Query && p.method == http::Method::GET;
        if p.method != http::Method::POST && !get_query {
            out.push(dev(
                "T2",
                "(method)",
                "POST (query: POST or GET)",
                p.method.to_string(),
            ));
        }
        if !get_query && !crate::http::is_json_type(p.request_header("content-type")) {
            out.push(dev(
                "T1",
                "(content-type)",
                "application/json",
                show_header(p.request_header("content-type")),
            ));
        }
        let auth = self.authorization(p, at, out);
        let body = if get_query {
            Some(
                url::form_urlencoded_pairs(p.query.as_deref().unwrap_or(""))
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            )
        } else {
            match p.request_json() {
                Ok(Value::Object(map)) => Some(map),
                Ok(other) => {
                    out.push(dev("T1", "", "a JSON object", kind(&other).to_owned()));
                    None
                }
                Err(why) => {
                    out.push(dev("T1", "", "a JSON object", why));
                    None
                }
            }
        };
        if let Some(body) = &body {
            self.body(endpoint, body, auth.as_ref(), out);
        }
        let refusals = self.refusals(endpoint, out, body.as_ref(), auth.as_ref());
        Some(Request {
            endpoint,
            body,
            app_id: auth.map(|a| a.app_id),
            refusals,
            malformed: !out.is_empty(),
        })
    }

    /// A1/A2: the header's form, nonce, timestamp and (with the secret) signature.
    fn authorization(
        &self,
        p: &Proxied,
        at: &str,
        out: &mut Vec<Deviation>,
    ) -> Option<Authorization> {
        let dev = Deviation::at(at);
        let header = p.request_header("authorization");
        let auth = match header.map(Authorization::parse) {
            Some(Ok(auth)) => auth,
            Some(Err(why)) => {
                out.push(dev(
                    "A1",
                    "(authorization)",
                    "TTPAY-AES-256-ECB app_id=…,mch_id=…,nonce_str=…,timestamp=…,signature=…",
                    why.to_string(),
                ));
                return None;
            }
            None => {
                out.push(dev(
                    "A1",
                    "(authorization)",
                    "an Authorization header",
                    "absent".into(),
                ));
                return None;
            }
        };
        let nonce = &auth.nonce_str;
        if nonce.len() != 32 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
            out.push(dev(
                "A2",
                "(authorization nonce_str)",
                "32 random letters and digits",
                format!("{} characters: {nonce:?}", nonce.chars().count()),
            ));
        }
        match auth.timestamp.trim().parse::<i64>() {
            Err(_) => out.push(dev(
                "A2",
                "(authorization timestamp)",
                "an integer, Unix time",
                format!("{:?}", auth.timestamp),
            )),
            Ok(ts) => {
                let seconds = (-SECONDS_BELOW..SECONDS_BELOW).contains(&ts);
                let (wrong_unit, expected) = match self.timestamp_unit {
                    TimestampUnit::Ms => (seconds, "Unix time in milliseconds (13 digits)"),
                    TimestampUnit::S => (
                        !seconds,
                        "Unix time in seconds (10 digits; --timestamp-unit s)",
                    ),
                };
                if wrong_unit {
                    let unit = if seconds { "seconds" } else { "milliseconds" };
                    out.push(dev(
                        "A2",
                        "(authorization timestamp)",
                        expected,
                        format!("{ts}, in {unit}"),
                    ));
                }
                let ms = if seconds { ts.saturating_mul(1000) } else { ts };
                let off = ms.saturating_sub(crate::world::now_ms());
                if off.abs() > SKEW_MS {
                    out.push(dev(
                        "A2",
                        "(authorization timestamp)",
                        "within 5 minutes of now (the provider refuses older ones, A4)",
                        format!("{} s off", off / 1000),
                    ));
                }
            }
        }
        if let Some(merchant) = self.merchant(&auth.app_id) {
            let url = p.url();
            let signed = Signed::new(
                p.method.as_str(),
                &url,
                &auth.timestamp,
                &auth.nonce_str,
                &p.request_body.bytes,
            );
            if !MerchantSigner::new(merchant).verifies(&signed, &auth.signature) {
                out.push(dev(
                    "A2",
                    "(authorization signature)",
                    "Base64 AES-256-ECB with the app secret over URL\\nTS\\nNONCE\\nBODY, as sent",
                    "a signature that does not verify".into(),
                ));
            }
            if auth.mch_id != merchant.mch_id {
                out.push(dev(
                    "A1",
                    "(authorization mch_id)",
                    "the app's own mch_id",
                    format!("{:?}", auth.mch_id),
                ));
            }
        }
        Some(auth)
    }

    /// T1, C1, C3, C7: the body against the request's schema, its ids and its amount's unit.
    fn body(
        &self,
        endpoint: Endpoint,
        body: &Map<String, Value>,
        auth: Option<&Authorization>,
        out: &mut Vec<Deviation>,
    ) {
        let at = endpoint.path();
        for (key, claimed) in [
            ("app_id", auth.map(|a| a.app_id.as_str())),
            ("mch_id", auth.map(|a| a.mch_id.as_str())),
        ] {
            match (body.get(key).and_then(Value::as_str), claimed) {
                (None, _) => out.push(Deviation::new(
                    "T1",
                    at,
                    format!("/{key}"),
                    format!("{key} in the body, as every example sends it"),
                    "absent",
                )),
                (Some(sent), Some(claimed)) if sent != claimed => out.push(Deviation::new(
                    "T1",
                    at,
                    format!("/{key}"),
                    format!("the Authorization's {key} ({claimed:?})"),
                    format!("{sent:?}"),
                )),
                _ => {}
            }
        }
        let schema = format!("ttpay/{}_request", endpoint.name());
        let instance = Value::Object(body.clone());
        let default_rule = match endpoint {
            Endpoint::Create => "C1",
            Endpoint::Query => "Q2",
            Endpoint::Close => "X5",
        };
        if let Ok(violations) = self.schemas.validate(&schema, &instance) {
            for v in violations {
                let rule = v.rule.unwrap_or_else(|| default_rule.to_owned());
                out.push(Deviation::new(rule, at, v.pointer, v.expected, v.actual));
            }
        }
        if endpoint == Endpoint::Create
            && let (Some(chain), Some(currency)) = (
                body.get("chain").and_then(Value::as_str),
                body.get("currency").and_then(Value::as_str),
            )
            && let Some((_, home)) = NATIVE.iter().find(|(coin, _)| *coin == currency)
            && NATIVE.iter().any(|(_, c)| *c == chain)
            && *home != chain
        {
            out.push(Deviation::new(
                "C3",
                at,
                "/currency",
                format!("a currency {chain} offers ({currency} is {home}'s coin)"),
                format!("{currency:?}"),
            ));
        }
        if endpoint == Endpoint::Create
            && self.amount_unit == AmountUnit::Minor
            && let Some(amount) = body.get("amount").filter(|a| a.is_number())
            && !(amount.is_u64() || amount.is_i64())
        {
            out.push(Deviation::new(
                "C7",
                at,
                "/amount",
                "an integer in the smallest unit (--amount-unit minor)",
                amount.to_string(),
            ));
        }
    }
}

/// A header's value for a finding.
fn show_header(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `a=1&b=2` as pairs, percent-decoded (`+` is a space).
mod url {
    pub(super) fn form_urlencoded_pairs(
        query: &str,
    ) -> impl Iterator<Item = (String, String)> + '_ {
        query.split('&').filter(|p| !p.is_empty()).map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
    }

    fn decode(text: &str) -> String {
        let text = text.replace('+', " ");
        percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned()
    }
}
