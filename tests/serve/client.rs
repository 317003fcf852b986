//! What a merchant's integration test holds: a `serve` process (or an in-process double) and a
//! client that signs provider calls and drives the control API.

use std::time::{Duration, Instant};

use pay_conformance::signer::{Signed, Signer as _};
use pay_conformance::ttpay::crypto::signing::{self, MerchantSigner};
use serde_json::{Value, json};

pub use crate::common::{BIN, Served, now_ms, serve};
pub const APP_ID: &str = "double-app-0001";
pub const MCH_ID: &str = "9000000001";
pub const SECRET: &str = "DOUBLE-ONLY-FAKE-SECRET-NUMBER-1";

/// A client of one double at `base`, as the first built-in merchant.
pub struct Client {
    pub base: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Client {
            base: base.to_owned(),
            http,
        }
    }

    /// A signed provider call; answers the envelope.
    pub async fn call(&self, path: &str, body: &Value) -> Value {
        let body = body.to_string();
        let timestamp = now_ms().to_string();
        let nonce = signing::nonce();
        let secret = pay_conformance::ttpay::AppSecret::new(SECRET).unwrap();
        let signer = MerchantSigner {
            app_id: APP_ID,
            mch_id: MCH_ID,
            secret: &secret,
        };
        let header = signer.authorization(&Signed::new(
            "POST",
            path,
            &timestamp,
            &nonce,
            body.as_bytes(),
        ));
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .header("Authorization", header)
            .body(body)
            .send()
            .await
            .expect("the double answers");
        response.json().await.expect("json")
    }

    /// Creates an order with `notify_url` (empty: none); answers the create envelope.
    pub async fn create(&self, out_trade_no: &str, notify_url: &str) -> Value {
        let body = json!({
            "app_id": APP_ID, "mch_id": MCH_ID, "out_trade_no": out_trade_no,
            "description": "recharge", "expire_second": 600, "amount": 15000000,
            "chain": "TRON", "currency": "USDT", "order_type": "platform_order",
            "notify_url": notify_url,
        });
        let created = self.call("/v1/transaction/prepayment", &body).await;
        assert_eq!(created["code"], 0, "{created}");
        created
    }

    /// The detail a signed query answers.
    pub async fn query(&self, out_trade_no: &str) -> Value {
        let body = json!({"app_id": APP_ID, "mch_id": MCH_ID, "out_trade_no": out_trade_no});
        let answer = self.call("/v1/transaction/query", &body).await;
        assert_eq!(answer["code"], 0, "{answer}");
        answer["data"].clone()
    }

    /// A control call: (HTTP status, JSON body).
    pub async fn control(&self, method: &str, route: &str, body: &[u8]) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self
            .http
            .request(method, format!("{}/_control/{route}", self.base))
            .body(body.to_vec())
            .send()
            .await
            .expect("the double answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{status} {route}: not json ({e}): {text}"));
        (status, value)
    }
}

/// Waits up to 10 s for `done`.
pub async fn eventually<F, Fut>(mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !done().await {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
