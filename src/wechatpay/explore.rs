//! WeChat Pay's explorer (`explore --provider wechatpay`): Native create and close bodies
//! generated from `schemas/wechatpay/{create,close}_request.json`, settled (a fresh
//! `out_trade_no`, the signer's `mchid` and `appid`, the close path of an order made earlier),
//! signed `WECHATPAY2-SHA256-RSA2048` and judged by the `proxy` judge — W3 on every failure,
//! W4 on a malformed close (a 4xx, never a 5xx, and no effect, which the query after each
//! close shows), W7 on every 2xx. Beyond the judge: an order number made up here names no
//! order, and closing it must fail (W4).

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::error::ConfigError;
use crate::explorer::{Case, Endpoint, ExplorerSetup, Mutation, Orders, Signers, Who, is_made_up};
use crate::findings::Deviation;
use crate::http::{Method, Outgoing};
use crate::judge::{Judge as _, Proxied, Verdict};
use crate::proxy::ProxiedExt as _;
use crate::settings::FileSection;
use crate::wechatpay::client::encode_id;
use crate::wechatpay::config::{WechatpayArgs, WechatpaySettings};
use crate::wechatpay::crypto::ParamOrder;
use crate::wechatpay::crypto::{PrivateKey, nonce, sign_request};
use crate::wechatpay::double::DoubleConfig;
use crate::wechatpay::proxy::WxJudge;

const CREATE: &str = "/v3/global/transactions/native";
const BY_OUT_TRADE_NO: &str = "/v3/global/transactions/out-trade-no/";

/// Who signs.
#[derive(Clone)]
struct Signer {
    mchid: String,
    appid: String,
    serial_no: String,
    key: Arc<PrivateKey>,
}

/// The explorer.
pub struct WxExplorer {
    base_url: String,
    signers: Signers<Signer>,
    judge: WxJudge,
    /// The out_trade_no of the merchant's orders.
    orders: Orders<String>,
    /// The out_trade_no the case being run closes.
    closing: String,
}

impl WxExplorer {
    pub fn new(setup: &ExplorerSetup<'_>) -> Result<WxExplorer, ConfigError> {
        let args = setup.judge.flags.get::<WechatpayArgs>();
        let settings =
            WechatpaySettings::resolve(&args, &mut FileSection::empty(), setup.judge.env, false)?;
        let signer = |m: &crate::wechatpay::config::Merchant| Signer {
            mchid: m.mchid.clone(),
            appid: m.appid.clone(),
            serial_no: m.serial_no.clone(),
            key: Arc::clone(&m.key),
        };
        let configured = settings.credentials.as_ref();
        let signers = Signers::resolve(
            configured.map(|c| (signer(&c.merchant), c.other.as_ref().map(signer))),
            setup.judge.double,
            || {
                let common = DoubleConfig::builtin().merchants.into_iter();
                common.filter(|m| !m.institutional).map(|m| Signer {
                    mchid: m.mchid,
                    appid: m.appid,
                    serial_no: m.serial_no,
                    key: Arc::new(m.key),
                })
            },
            "WECHATPAY_MCHID, WECHATPAY_APPID, WECHATPAY_SERIAL_NO, WECHATPAY_PRIVATE_KEY_FILE and the platform's key",
        )?;
        Ok(WxExplorer {
            base_url: setup.base_url.clone(),
            signers,
            judge: WxJudge::new(&setup.judge)?,
            orders: Orders::new(&setup.run_id),
            closing: String::new(),
        })
    }

    fn signed(&self, who: Who, method: &str, target: &str, body: &[u8]) -> Outgoing {
        let signer = self.signers.of(who);
        // A wrong signature: the merchant's, over another body.
        let covered: &[u8] = if who == Who::BadSignature {
            b"{}"
        } else {
            body
        };
        let auth = sign_request(
            &signer.key,
            &signer.mchid,
            &signer.serial_no,
            method,
            target,
            covered,
            crate::world::now_ms() / 1000,
            &nonce(),
        );
        crate::redact::register_signature(&auth.signature);
        Outgoing {
            method: Method::from_bytes(method.as_bytes()).unwrap_or(Method::POST),
            url: format!("{}{target}", self.base_url),
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("accept", "application/json".to_owned()),
                ("authorization", auth.header_value(ParamOrder::Documented)),
            ],
            body: body.to_vec(),
        }
    }

    fn query(&self, who: Who, out_trade_no: &str) -> Outgoing {
        let target = format!(
            "{BY_OUT_TRADE_NO}{}?mchid={}",
            encode_id(out_trade_no),
            self.signers.of(who).mchid
        );
        self.signed(who, "GET", &target, b"")
    }
}

/// The out_trade_no of a `…/out-trade-no/{no}[/close]` path, decoded.
fn path_order(path: &str) -> Option<String> {
    let rest = path.strip_prefix(BY_OUT_TRADE_NO)?;
    let id = rest.strip_suffix("/close").unwrap_or(rest);
    Some(
        percent_encoding::percent_decode_str(id)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

impl crate::explorer::Explorer for WxExplorer {
    fn endpoints(&self) -> Vec<Endpoint> {
        vec![
            Endpoint {
                name: "create",
                schema: "wechatpay/create_request",
            },
            Endpoint {
                name: "close",
                schema: "wechatpay/close_request",
            },
        ]
    }

    fn extra_mutations(&self, endpoint: &str) -> Vec<Mutation> {
        let set = Mutation::set;
        match endpoint {
            "close" => vec![
                set("/mchid", json!("1900000109"), "not the signer's"),
                set(
                    "/sub_mchid",
                    json!("1900000110"),
                    "an institutional field in common mode",
                ),
            ],
            _ => vec![set("/mchid", json!("1900000109"), "not the signer's")],
        }
    }

    fn settle(&mut self, case: &Case, body: &mut Map<String, Value>) {
        let signer = self.signers.of(case.who).clone();
        if body.contains_key("mchid") {
            body.insert("mchid".into(), json!(signer.mchid));
        }
        if body.contains_key("appid") {
            body.insert("appid".into(), json!(signer.appid));
        }
        match case.endpoint.as_str() {
            "create" => {
                let no = self.orders.fresh("xp");
                body.insert("out_trade_no".into(), json!(no));
            }
            _ => {
                self.closing = match self.orders.pick(case) {
                    Some(no) => no.clone(),
                    None => self.orders.made_up(),
                };
            }
        }
    }

    fn request(&mut self, case: &Case, body: &[u8]) -> Outgoing {
        let target = match case.endpoint.as_str() {
            "create" => CREATE.to_owned(),
            _ => format!("{BY_OUT_TRADE_NO}{}/close", encode_id(&self.closing)),
        };
        self.signed(case.who, "POST", &target, body)
    }

    fn judge(&mut self, _case: &Case, exchange: &Proxied) -> Verdict {
        let mut verdict = self.judge.judge(exchange);
        let ok = (200..300).contains(&exchange.status);
        let order = path_order(&exchange.path);
        let made_up = order.as_deref().is_some_and(is_made_up);
        let mine = exchange
            .request_header("authorization")
            .is_some_and(|a| a.contains(&format!("mchid=\"{}\"", self.signers.merchant.mchid)));
        if ok && made_up && exchange.path.ends_with("/close") {
            verdict.provider(Deviation::new(
                "W4",
                "/v3/global/transactions/out-trade-no/{out_trade_no}/close",
                "(http status)",
                "a failure (404 ORDER_NOT_EXIST expected): no order has this out_trade_no",
                format!("{} (closed)", exchange.status),
            ));
        }
        // A query that found an order of the merchant's: one to close later.
        if ok
            && mine
            && exchange.method == Method::GET
            && let Some(no) = order
            && !made_up
        {
            self.orders.remember(no);
        }
        verdict
    }

    fn follow_ups(&mut self, case: &Case, exchange: &Proxied) -> Vec<Outgoing> {
        let who = case.who.honest();
        match case.endpoint.as_str() {
            // Did it make an order?
            "create" => {
                let sent = exchange.request_json().ok();
                match sent
                    .as_ref()
                    .and_then(|b| b.get("out_trade_no"))
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                {
                    Some(no) => vec![self.query(who, no)],
                    None => Vec::new(),
                }
            }
            // What did the close do to it? Its owner looks.
            _ if !is_made_up(&self.closing) => {
                vec![self.query(Who::Merchant, &self.closing.clone())]
            }
            _ => Vec::new(),
        }
    }

    fn fresh_field(&self, endpoint: &str) -> Option<&'static str> {
        (endpoint == "create").then_some("out_trade_no")
    }

    fn probe(&mut self) -> Outgoing {
        let id = self.orders.made_up();
        self.query(Who::Merchant, &id)
    }

    fn no_answer_rule(&self) -> &'static str {
        "W4"
    }

    fn sign(&self, who: Who, method: &str, path_and_query: &str, body: &[u8]) -> Outgoing {
        self.signed(who, method, path_and_query, body)
    }

    fn limits(&self) -> Vec<String> {
        let mut out = crate::judge::Judge::limits(&self.judge);
        out.extend(self.signers.limit("WECHATPAY_OTHER_*"));
        out
    }
}
