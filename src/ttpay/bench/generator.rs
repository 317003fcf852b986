//! TTPay's load generator for `bench` part 4, for any TTPay base URL on the loopback.
//!
//! Every request is signed as the suite's client signs it (A1, A2). First 16 orders are
//! created; then three queries by `out_trade_no` of a created order for every create of a new
//! one. Any transport error, HTTP status other than 200, body that is not JSON, or `code` other
//! than 0 is an error. Response signatures are not checked (that is the suite's job, and a
//! generic mock does not sign).

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::bench::{BenchError, PooledOrders};
use crate::signer::{Signed, Signer as _};
use crate::ttpay::client::now_ms;
use crate::ttpay::crypto::signing::{self, MerchantSigner};
use crate::ttpay::double::DoubleConfig;
use crate::ttpay::{Endpoint, Merchant};

/// Orders created before the first level; the queries go round them.
const POOL: usize = 16;

/// Signs and sends.
pub(super) struct Generator {
    client: reqwest::Client,
    base: String,
    merchant: Merchant,
    pool: Vec<String>,
}

impl PooledOrders for Generator {
    fn pool(&self) -> &[String] {
        &self.pool
    }

    fn fresh_out_trade_no(&self) -> String {
        fresh_out_trade_no()
    }

    async fn create(&self, out_trade_no: &str) -> Result<(), String> {
        let body = json!({
            "app_id": self.merchant.app_id,
            "mch_id": self.merchant.mch_id,
            "out_trade_no": out_trade_no,
            "expire_second": 600,
            "amount": 15_000_000,
            "chain": "TRON",
            "currency": "TRX",
            "order_type": "platform_order",
            "description": "pay-conformance bench",
        });
        self.send(Endpoint::Create, &body).await
    }

    async fn query(&self, out_trade_no: &str) -> Result<(), String> {
        let body = json!({
            "app_id": self.merchant.app_id,
            "mch_id": self.merchant.mch_id,
            "out_trade_no": out_trade_no,
        });
        self.send(Endpoint::Query, &body).await
    }
}

impl Generator {
    /// The built-in merchant's generator against `base`, with [`POOL`] orders created.
    pub async fn prepare(client: reqwest::Client, base: &str) -> Result<Generator, BenchError> {
        let merchant = DoubleConfig::builtin()
            .merchants
            .into_iter()
            .next()
            .ok_or_else(|| BenchError::Load("the double has no built-in merchant".into()))?;
        let mut generator = Generator {
            client,
            base: base.to_owned(),
            merchant,
            pool: Vec::new(),
        };
        generator.pool = generator.create_pool().await;
        Ok(generator)
    }

    /// Creates [`POOL`] orders; the `out_trade_no` of each one created.
    async fn create_pool(&self) -> Vec<String> {
        let mut pool = Vec::new();
        for _ in 0..POOL {
            let out_trade_no = fresh_out_trade_no();
            if self.create(&out_trade_no).await.is_ok() {
                pool.push(out_trade_no);
            }
        }
        if pool.is_empty() {
            // Queries still go out (and count as errors if the target knows no such order).
            pool.push(fresh_out_trade_no());
        }
        pool
    }

    /// One signed `POST`; `Err` says why it does not count as a success.
    async fn send(&self, endpoint: Endpoint, body: &Value) -> Result<(), String> {
        let body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let timestamp = now_ms().to_string();
        let nonce = signing::nonce();
        let authorization = MerchantSigner::new(&self.merchant).authorization(&Signed::new(
            "POST",
            endpoint.path(),
            &timestamp,
            &nonce,
            &body,
        ));
        let response = self
            .client
            .post(format!("{}{}", self.base, endpoint.path()))
            .header(CONTENT_TYPE, "application/json")
            .header(AUTHORIZATION, authorization)
            .body(body)
            .send()
            .await
            .map_err(|e| crate::http::error_chain(&e))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| crate::http::error_chain(&e))?;
        if status != 200 {
            return Err(format!("{} answered HTTP {status}", endpoint.name()));
        }
        let code = serde_json::from_slice::<Value>(&bytes)
            .map_err(|e| format!("{} answered a body that is not JSON: {e}", endpoint.name()))?
            .get("code")
            .and_then(Value::as_i64);
        match code {
            Some(0) => Ok(()),
            other => Err(format!("{} answered code {other:?}", endpoint.name())),
        }
    }
}

fn fresh_out_trade_no() -> String {
    format!("bench-{}", uuid::Uuid::new_v4().simple())
}
