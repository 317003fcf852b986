//! TTPay's explorer (`explore --provider ttpay`): create, query and close bodies generated from
//! `schemas/ttpay/*_request.json`, settled (a fresh `out_trade_no`, the signer's `mch_id`, the
//! ids of an order made earlier), signed with `TTPAY-AES-256-ECB` and judged by the `proxy`
//! judge — which knows what must be refused (C2, C3, C4, Q2, X5, A3) and remembers the orders,
//! so a refused create that made an order anyway (found by the query that follows it) or a close
//! that changed another merchant's order is a finding. Beyond the judge: an id made up here
//! names no order (Q3, X4).

use serde_json::{Map, Value, json};

use crate::error::ConfigError;
use crate::explorer::{
    Case, Endpoint as Explored, ExplorerSetup, Mutation, Orders, Signers, Who, is_made_up,
};
use crate::findings::Deviation;
use crate::http::{Method, Outgoing};
use crate::judge::{Judge as _, Proxied, Verdict};
use crate::proxy::ProxiedExt as _;
use crate::settings::FileSection;
use crate::signer::Signed;
use crate::ttpay::crypto::signing::{self, MerchantSigner};
use crate::ttpay::double::DoubleConfig;
use crate::ttpay::proxy::TtpayJudge;
use crate::ttpay::{AppSecret, Endpoint, Merchant, TimestampUnit, TtpayArgs, TtpaySettings};

/// The explorer.
pub struct TtpayExplorer {
    base_url: String,
    signers: Signers<Merchant>,
    timestamp_unit: TimestampUnit,
    judge: TtpayJudge,
    /// `(out_trade_no, transaction_id)` of the merchant's orders.
    orders: Orders<(String, String)>,
}

impl TtpayExplorer {
    pub fn new(setup: &ExplorerSetup<'_>) -> Result<TtpayExplorer, ConfigError> {
        let args = setup.judge.flags.get::<TtpayArgs>();
        let settings =
            TtpaySettings::resolve(&args, &mut FileSection::empty(), setup.judge.env, false)?;
        let signers = Signers::resolve(
            settings.credentials.map(|c| (c.merchant, c.other)),
            setup.judge.double,
            || DoubleConfig::builtin().merchants,
            "TTPAY_APP_ID, TTPAY_MCH_ID, TTPAY_APP_SECRET (and TTPAY_OTHER_* for the cases of another merchant)",
        )?;
        for m in std::iter::once(&signers.merchant).chain(&signers.other) {
            crate::redact::register(m.secret.expose());
        }
        Ok(TtpayExplorer {
            base_url: setup.base_url.clone(),
            signers,
            timestamp_unit: settings.timestamp_unit,
            judge: TtpayJudge::new(&setup.judge)?,
            orders: Orders::new(&setup.run_id),
        })
    }

    /// A signed POST of `body` to `endpoint`.
    fn post(&self, endpoint: Endpoint, who: Who, body: &[u8]) -> Outgoing {
        let path = endpoint.path();
        let mut out = self.signed(who, "POST", path, body);
        out.url = format!("{}{path}", self.base_url);
        out
    }

    fn query(&mut self, who: Who, key: &str, id: &str) -> Outgoing {
        let signer = self.signers.of(who);
        let body = json!({
            "app_id": signer.app_id,
            "mch_id": signer.mch_id,
            key: id,
        });
        self.post(Endpoint::Query, who, body.to_string().as_bytes())
    }

    fn signed(&self, who: Who, method: &str, path: &str, body: &[u8]) -> Outgoing {
        let merchant = self.signers.of(who);
        let wrong;
        let mut signer = MerchantSigner::new(merchant);
        if who == Who::BadSignature {
            wrong = AppSecret::new("explore-wrong-secret-0123456789a").ok();
            if let Some(w) = &wrong {
                signer.secret = w;
            }
        }
        let timestamp = self
            .timestamp_unit
            .from_unix_ms(crate::world::now_ms())
            .to_string();
        let nonce = signing::nonce();
        let auth = signer.authorize(&Signed::new(method, path, &timestamp, &nonce, body));
        crate::redact::register_signature(&auth.signature);
        Outgoing {
            method: Method::from_bytes(method.as_bytes()).unwrap_or(Method::POST),
            url: path.to_owned(),
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("authorization", auth.to_header()),
            ],
            body: body.to_vec(),
        }
    }
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn request_body(p: &Proxied) -> Option<Map<String, Value>> {
    match p.request_json() {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

impl crate::explorer::Explorer for TtpayExplorer {
    fn endpoints(&self) -> Vec<Explored> {
        Endpoint::ALL
            .into_iter()
            .map(|e| Explored {
                name: e.name(),
                schema: match e {
                    Endpoint::Create => "ttpay/create_request",
                    Endpoint::Query => "ttpay/query_request",
                    Endpoint::Close => "ttpay/close_request",
                },
            })
            .collect()
    }

    fn extra_mutations(&self, endpoint: &str) -> Vec<Mutation> {
        let set = Mutation::set;
        match endpoint {
            "create" => vec![
                set("/chain", json!("SOLANA"), "a chain TTPay does not offer"),
                set("/currency", json!("BNB"), "BSC's coin"),
                set("/currency", json!("TRX"), "TRON's coin"),
                set("/currency", json!("ETH"), "ETHEREUM's coin"),
                set("/mch_id", json!("1999999999"), "not the caller's"),
                set("/to_address", json!(""), "empty"),
                set("/order_type", json!("merchant_order"), "a monitor order"),
                set("/locale", json!(""), "empty (absent)"),
            ],
            "query" | "close" => vec![set("/mch_id", json!("1999999999"), "not the caller's")],
            _ => Vec::new(),
        }
    }

    fn settle(&mut self, case: &Case, body: &mut Map<String, Value>) {
        let signer = self.signers.of(case.who).clone();
        if body.contains_key("app_id") {
            body.insert("app_id".into(), json!(signer.app_id));
        }
        body.insert("mch_id".into(), json!(signer.mch_id));
        match case.endpoint.as_str() {
            "create" => {
                let no = self.orders.fresh("xp");
                body.insert("out_trade_no".into(), json!(no));
            }
            _ => {
                let (no, tx) = match self.orders.pick(case) {
                    Some(order) => order.clone(),
                    None => (self.orders.made_up(), self.orders.made_up()),
                };
                for (key, id) in [("out_trade_no", no), ("transaction_id", tx)] {
                    if body.contains_key(key) {
                        body.insert(key.into(), json!(id));
                    }
                }
            }
        }
    }

    fn request(&mut self, case: &Case, body: &[u8]) -> Outgoing {
        let endpoint = Endpoint::ALL
            .into_iter()
            .find(|e| e.name() == case.endpoint)
            .unwrap_or(Endpoint::Query);
        self.post(endpoint, case.who, body)
    }

    fn judge(&mut self, _case: &Case, exchange: &Proxied) -> Verdict {
        let mut verdict = self.judge.judge(exchange);
        let endpoint = Endpoint::ALL
            .into_iter()
            .find(|e| e.path() == exchange.path);
        let answer: Option<Value> = serde_json::from_slice(&exchange.response_body.bytes).ok();
        let code = answer
            .as_ref()
            .and_then(|a| a.get("code"))
            .and_then(Value::as_i64);
        let body = request_body(exchange).unwrap_or_default();
        let made_up = ["out_trade_no", "transaction_id"]
            .iter()
            .filter_map(|k| text(&body, k))
            .any(is_made_up);
        match (endpoint, code) {
            (Some(Endpoint::Query), Some(0)) if made_up => verdict.provider(Deviation::new(
                "Q3",
                exchange.path.clone(),
                "/code",
                "a refusal (12002): no order has this id",
                "0",
            )),
            (Some(Endpoint::Close), Some(0)) if made_up => verdict.provider(Deviation::new(
                "X4",
                exchange.path.clone(),
                "/code",
                "a refusal: no order has this transaction_id",
                "0 (closed)",
            )),
            (Some(Endpoint::Query), Some(0)) => {
                let data = answer.as_ref().and_then(|a| a.get("data"));
                let field = |k: &str| data.and_then(|d| d.get(k)).and_then(Value::as_str);
                let mine = exchange.request_header("authorization").is_some_and(|a| {
                    a.contains(&format!("app_id={}", self.signers.merchant.app_id))
                });
                if let (true, Some(no), Some(tx)) =
                    (mine, field("out_trade_no"), field("transaction_id"))
                {
                    self.orders.remember((no.to_owned(), tx.to_owned()));
                }
            }
            _ => {}
        }
        verdict
    }

    fn follow_ups(&mut self, case: &Case, exchange: &Proxied) -> Vec<Outgoing> {
        let Some(body) = request_body(exchange) else {
            return Vec::new();
        };
        match case.endpoint.as_str() {
            // Did it make an order? (A refused one must not have.)
            "create" => match text(&body, "out_trade_no") {
                Some(no) => {
                    let no = no.to_owned();
                    vec![self.query(case.who.honest(), "out_trade_no", &no)]
                }
                None => Vec::new(),
            },
            // What did it do to the order? (Only what the contract says.)
            "close" => match text(&body, "transaction_id") {
                Some(tx) if !is_made_up(tx) => {
                    let tx = tx.to_owned();
                    vec![self.query(Who::Merchant, "transaction_id", &tx)]
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    fn fresh_field(&self, endpoint: &str) -> Option<&'static str> {
        (endpoint == "create").then_some("out_trade_no")
    }

    fn probe(&mut self) -> Outgoing {
        let id = self.orders.made_up();
        self.query(Who::Merchant, "out_trade_no", &id)
    }

    fn no_answer_rule(&self) -> &'static str {
        "T5"
    }

    fn sign(&self, who: Who, method: &str, path_and_query: &str, body: &[u8]) -> Outgoing {
        let mut out = self.signed(who, method, path_and_query, body);
        out.url = format!("{}{path_and_query}", self.base_url);
        out
    }

    fn limits(&self) -> Vec<String> {
        let mut out = crate::judge::Judge::limits(&self.judge);
        out.extend(self.signers.limit("TTPAY_OTHER_*"));
        out
    }
}
