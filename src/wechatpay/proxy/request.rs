//! The merchant's side of a WeChat Pay exchange (CONTRACT W1, W6, G1, G2 as the request side of
//! them): a path of the API and its method, `Content-Type`, `Accept` and `User-Agent`, the
//! `Authorization` header (scheme, parameters, nonce, a timestamp in seconds within 5 minutes,
//! the signature when the merchant's key is known), the body against the request schemas, and
//! the body's `mchid` against the signer's.

use serde_json::Value;

use super::WxJudge;
use crate::findings::Deviation;
use crate::proxy::Proxied;
use crate::proxy::ProxiedExt as _;
use crate::wechatpay::crypto::{Authorization, RequestRefusal, verify_request};
use crate::wechatpay::double::{CERTIFICATES_PATHS, TRANSACTIONS_PREFIXES};

/// How far the signed timestamp may be from the proxy's clock (W6).
const WINDOW_S: i64 = 300;

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Create,
    /// By `out_trade_no` (`Some`) or by transaction id.
    Query {
        out_trade_no: Option<String>,
        id: Option<String>,
    },
    Close {
        out_trade_no: Option<String>,
        id: Option<String>,
    },
    Certificates,
}

impl Route {
    /// The endpoint as reports name it.
    pub fn endpoint(&self) -> &'static str {
        match self {
            Route::Create => "/v3/global/transactions/native",
            Route::Query { .. } => "/v3/global/transactions/{id}",
            Route::Close { .. } => "/v3/global/transactions/{id}/close",
            Route::Certificates => "/v3/global/certificates",
        }
    }

    fn parse(path: &str) -> Option<Route> {
        if CERTIFICATES_PATHS.contains(&path) {
            return Some(Route::Certificates);
        }
        let rest = TRANSACTIONS_PREFIXES
            .iter()
            .find_map(|p| path.strip_prefix(p))?;
        let decode = |raw: &str| {
            percent_encoding::percent_decode_str(raw)
                .decode_utf8_lossy()
                .into_owned()
        };
        let parts: Vec<&str> = rest.split('/').collect();
        Some(match parts.as_slice() {
            ["native"] => Route::Create,
            ["out-trade-no", no] => Route::Query {
                out_trade_no: Some(decode(no)),
                id: None,
            },
            ["id", id] => Route::Query {
                out_trade_no: None,
                id: Some(decode(id)),
            },
            ["out-trade-no", no, "close"] => Route::Close {
                out_trade_no: Some(decode(no)),
                id: None,
            },
            ["id", id, "close"] => Route::Close {
                out_trade_no: None,
                id: Some(decode(id)),
            },
            _ => return None,
        })
    }
}

/// What the request says, as far as the answer needs it.
pub struct Request {
    pub route: Route,
    /// The signer's `mchid`, if the header reads.
    pub mchid: Option<String>,
    /// Why the provider must refuse it, under the provider's rule: a 2xx breaks it.
    pub refusals: Vec<(&'static str, String)>,
    /// Its signature verified with the merchant's key: a `SIGN_ERROR` refuses a request
    /// signed as W6 says (the SDKs' forms included).
    pub verified: bool,
}

impl WxJudge {
    /// The merchant's findings of `p`, and what the request says.
    pub(super) fn request_side(&self, p: &Proxied, out: &mut Vec<Deviation>) -> Option<Request> {
        let Some(route) = Route::parse(&p.path) else {
            out.push(Deviation::unknown_path(
                "W1",
                &p.path,
                "a path of the API (/v3/global/transactions/…)",
            ));
            return None;
        };
        let at = route.endpoint();
        let dev = Deviation::at(at);
        let mut refusals: Vec<(&'static str, String)> = Vec::new();
        let want = match route {
            Route::Create | Route::Close { .. } => http::Method::POST,
            Route::Query { .. } | Route::Certificates => http::Method::GET,
        };
        if p.method != want {
            out.push(dev("W1", "(method)", want.as_str(), p.method.to_string()));
            if matches!(route, Route::Close { .. }) {
                refusals.push(("W4", format!("{} on a close path", p.method)));
            }
        }
        let header = |name: &str| {
            p.request_header(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        if p.method == http::Method::POST && !crate::http::is_json_type(header("content-type")) {
            out.push(dev(
                "W1",
                "(content-type)",
                "application/json",
                show(header("content-type")),
            ));
        }
        let accepts = header("accept").is_some_and(|a| {
            a.split(',').any(|t| {
                let t = t.split(';').next().unwrap_or("").trim();
                t.eq_ignore_ascii_case("application/json") || t == "*/*"
            })
        });
        if !accepts {
            out.push(dev(
                "W1",
                "(accept)",
                "application/json",
                show(header("accept")),
            ));
        }
        if header("user-agent").is_none() {
            out.push(dev("W1", "(user-agent)", "a User-Agent", "absent".into()));
        }
        let (mchid, verified) = self.authorization(p, at, out, &mut refusals);
        let body = match route {
            Route::Create | Route::Close { .. } => match p.request_json() {
                Ok(Value::Object(map)) => Some(map),
                Ok(_) | Err(_) => {
                    out.push(dev(
                        "W1",
                        "",
                        "a JSON object",
                        crate::checks::matcher::show(p.request_json().ok().as_ref()),
                    ));
                    refusals.push(("W4", "its body is not a JSON object".into()));
                    None
                }
            },
            _ => None,
        };
        let (schema, rule) = match route {
            Route::Create => (Some("wechatpay/create_request"), "G1"),
            Route::Close { .. } => (Some("wechatpay/close_request"), "W4"),
            _ => (None, "G2"),
        };
        if let (Some(schema), Some(body)) = (schema, &body)
            && let Ok(violations) = self.schemas.validate(schema, &Value::Object(body.clone()))
        {
            for v in violations {
                let why = format!("{} {}: {}", v.pointer, v.expected, v.actual);
                out.push(Deviation::new(
                    v.rule.unwrap_or_else(|| rule.to_owned()),
                    at,
                    v.pointer,
                    v.expected,
                    v.actual,
                ));
                if rule == "W4" && !refusals.iter().any(|(r, _)| *r == "W4") {
                    refusals.push(("W4", why));
                }
            }
        }
        if let Route::Query { .. } = route {
            let query = p.query.as_deref().unwrap_or("");
            let has = |key: &str| query.split('&').any(|kv| kv.split('=').next() == Some(key));
            if !(has("mchid") || has("sp_mchid") && has("sub_mchid")) {
                out.push(dev(
                    "G2",
                    "(query)",
                    "?mchid=… (institutional: ?sp_mchid=…&sub_mchid=…)",
                    format!("{query:?}"),
                ));
            }
        }
        if let (Some(signer), Some(body)) = (&mchid, &body) {
            let named = body
                .get("mchid")
                .or_else(|| body.get("sp_mchid"))
                .and_then(Value::as_str);
            if let Some(named) = named.filter(|n| n != signer) {
                out.push(dev(
                    "W4",
                    "/mchid",
                    "the mchid of the merchant who signs",
                    format!("{named:?} (signed by {signer})"),
                ));
                refusals.push((
                    "W4",
                    format!("its mchid {named} is not the signer's {signer}"),
                ));
            }
        }
        Some(Request {
            route,
            mchid,
            refusals,
            verified,
        })
    }

    /// W6: the header, and the signature when the key is known; the signer's mchid.
    fn authorization(
        &self,
        p: &Proxied,
        at: &str,
        out: &mut Vec<Deviation>,
        refusals: &mut Vec<(&'static str, String)>,
    ) -> (Option<String>, bool) {
        let header = p.request_header("authorization");
        let now = crate::world::now_ms() / 1000;
        let parsed = header.map(Authorization::parse);
        let mchid = parsed
            .as_ref()
            .and_then(|p| p.as_ref().ok())
            .map(|a| a.mchid.clone());
        let url = p.url();
        let lookup = |mchid: &str, serial: &str| self.merchant_key(mchid, serial);
        let known = mchid.as_deref().is_some_and(|m| self.knows(m));
        let verdict = verify_request(
            lookup,
            p.method.as_str(),
            &url,
            &p.request_body.bytes,
            header,
            now,
            WINDOW_S,
        );
        let refusal = match verdict {
            Ok(_) => return (mchid, true),
            Err(RequestRefusal::UnknownSerial { .. }) if !known && !self.all_merchants_known => {
                // Not a merchant whose key we have: its signature is checked for form only.
                let Some(auth) = parsed.and_then(Result::ok) else {
                    return (mchid, false);
                };
                if let Err(e) = auth
                    .checked_timestamp()
                    .and_then(|ts| auth.check_nonce().map(|()| ts))
                    .map(|ts| (ts - now).abs())
                {
                    out.push(Deviation::new("W6", at, "(authorization)", "WECHATPAY2-SHA256-RSA2048 mchid, nonce_str, timestamp, serial_no, signature", e.to_string()));
                } else if let Ok(ts) = auth.checked_timestamp()
                    && (ts - now).abs() > WINDOW_S
                {
                    out.push(Deviation::new(
                        "W6",
                        at,
                        "(authorization timestamp)",
                        "Unix seconds within 5 minutes of now",
                        format!("{} s off", ts - now),
                    ));
                }
                return (mchid, false);
            }
            Err(refusal) => refusal,
        };
        let pointer = match &refusal {
            RequestRefusal::BadSignature(_) => "(authorization signature)",
            RequestRefusal::Stale { .. } => "(authorization timestamp)",
            RequestRefusal::UnknownSerial { .. } => "(authorization serial_no)",
            _ => "(authorization)",
        };
        let expected = match &refusal {
            RequestRefusal::BadSignature(_) => {
                "RSA SHA-256 with the merchant's key over METHOD\\nURL\\nTS\\nNONCE\\nBODY\\n, as sent"
            }
            RequestRefusal::Stale { .. } => "Unix seconds within 5 minutes of now",
            RequestRefusal::UnknownSerial { .. } => "the serial of the merchant's API certificate",
            _ => {
                "WECHATPAY2-SHA256-RSA2048 mchid=\"…\",nonce_str=\"…\",timestamp=\"…\",serial_no=\"…\",signature=\"…\""
            }
        };
        out.push(Deviation::new(
            "W6",
            at,
            pointer,
            expected,
            refusal.to_string(),
        ));
        refusals.push(("W6", refusal.to_string()));
        (mchid, false)
    }
}

fn show(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"))
}
