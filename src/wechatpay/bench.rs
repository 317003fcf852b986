//! WeChat Pay's [`ProviderBench`]: no parts 1–3 of its own yet, and the load generator of
//! part 4 for any WeChat Pay base URL on the loopback (its `serve` by default).
//!
//! Every request is signed as a merchant signs it (W6: RSA SHA-256 over
//! `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`) with the first built-in merchant's TEST-ONLY key,
//! which `serve` accepts. First 16 orders are created (`POST …/native`); then three queries by
//! `out_trade_no` (`GET …/out-trade-no/{id}?mchid=…`) for every create of a new order. Any
//! transport error, HTTP status other than 200, body that is not JSON, or answer whose
//! `Wechatpay-Signature` does not verify with the TEST-ONLY platform key is an error.

use futures::FutureExt as _;
use futures::future::{BoxFuture, LocalBoxFuture};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Map, Value, json};

use super::crypto::{ParamOrder, PublicKey, nonce, sign_request, verify_response};
use super::double::{DoubleConfig, DoubleMerchant};
use crate::bench::{BenchArgs, BenchError, LoadGenerator, PooledOrders, ProviderBench};

/// Orders created before the first level; the queries go round them.
const POOL: usize = 16;
/// The create endpoint.
const NATIVE: &str = "/v3/global/transactions/native";

/// WeChat Pay's benchmark.
pub struct WechatpayBench;

impl ProviderBench for WechatpayBench {
    fn own_parts<'a>(
        &'a self,
        _args: &'a BenchArgs,
    ) -> LocalBoxFuture<'a, Result<Map<String, Value>, BenchError>> {
        async { Ok(Map::new()) }.boxed_local()
    }

    fn env_prefix(&self) -> &'static str {
        "WECHATPAY_"
    }

    fn generator<'a>(
        &'a self,
        client: reqwest::Client,
        base: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn LoadGenerator>, BenchError>> {
        crate::bench::queries_and_creates(Generator::prepare(client, base))
    }
}

struct Generator {
    client: reqwest::Client,
    base: String,
    merchant: DoubleMerchant,
    platform: PublicKey,
    pool: Vec<String>,
}

impl PooledOrders for Generator {
    fn pool(&self) -> &[String] {
        &self.pool
    }

    fn note(&self) -> &'static str {
        ", signed (RSA SHA-256) both ways"
    }

    fn fresh_out_trade_no(&self) -> String {
        fresh_out_trade_no()
    }

    async fn create(&self, out_trade_no: &str) -> Result<(), String> {
        let body = json!({
            "mchid": self.merchant.mchid,
            "appid": self.merchant.appid,
            "description": "pay-conformance bench",
            "out_trade_no": out_trade_no,
            "notify_url": "https://merchant.example/pay-conformance-bench/notify",
            "amount": {"total": 1, "currency": "HKD"},
        });
        let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
        self.send_signed(reqwest::Method::POST, NATIVE.to_owned(), body)
            .await
    }

    async fn query(&self, out_trade_no: &str) -> Result<(), String> {
        let target = format!(
            "/v3/global/transactions/out-trade-no/{out_trade_no}?mchid={}",
            self.merchant.mchid
        );
        self.send_signed(reqwest::Method::GET, target, Vec::new())
            .await
    }
}

impl Generator {
    /// The first built-in merchant's generator against `base`, with [`POOL`] orders created.
    async fn prepare(client: reqwest::Client, base: &str) -> Result<Generator, BenchError> {
        let config = DoubleConfig::builtin();
        let merchant = config
            .merchants
            .iter()
            .find(|m| !m.institutional)
            .cloned()
            .ok_or_else(|| BenchError::Load("the double has no built-in merchant".into()))?;
        let mut generator = Generator {
            client,
            base: base.trim_end_matches('/').to_owned(),
            merchant,
            platform: config.platform_key.public_key(),
            pool: Vec::new(),
        };
        for _ in 0..POOL {
            let out_trade_no = fresh_out_trade_no();
            if generator.create(&out_trade_no).await.is_ok() {
                generator.pool.push(out_trade_no);
            }
        }
        if generator.pool.is_empty() {
            // Queries still go out (and count as errors if the target knows no such order).
            generator.pool.push(fresh_out_trade_no());
        }
        Ok(generator)
    }

    /// One signed request; `Err` says why it does not count as a success.
    async fn send_signed(
        &self,
        method: reqwest::Method,
        target: String,
        body: Vec<u8>,
    ) -> Result<(), String> {
        let m = &self.merchant;
        let timestamp = crate::world::now_ms() / 1000;
        let auth = sign_request(
            &m.key,
            &m.mchid,
            &m.serial_no,
            method.as_str(),
            &target,
            &body,
            timestamp,
            &nonce(),
        );
        let what = format!("{method} {}", target.split('?').next().unwrap_or_default());
        let mut request = self
            .client
            .request(method, format!("{}{target}", self.base))
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, auth.header_value(ParamOrder::Documented));
        if !body.is_empty() {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| crate::http::error_chain(&e))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (ts, nonce, signature) = (
            header("wechatpay-timestamp"),
            header("wechatpay-nonce"),
            header("wechatpay-signature"),
        );
        let bytes = response
            .bytes()
            .await
            .map_err(|e| crate::http::error_chain(&e))?;
        if status != 200 {
            return Err(format!("{what} answered HTTP {status}"));
        }
        serde_json::from_slice::<Value>(&bytes)
            .map_err(|e| format!("{what} answered a body that is not JSON: {e}"))?;
        verify_response(&self.platform, &ts, &nonce, &bytes, &signature)
            .map_err(|e| format!("{what}: the answer's signature does not verify: {e}"))
    }
}

fn fresh_out_trade_no() -> String {
    // 32 characters at most (W-CREATE); a UUID's 32 hex digits would leave no room for a prefix.
    format!("B{}", &uuid::Uuid::new_v4().simple().to_string()[..31])
}
