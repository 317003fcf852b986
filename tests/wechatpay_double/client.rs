//! A signed WeChat Pay client for the double's over-HTTP tests: every way of signing a request
//! the probes need, and the answer as it came.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pay_conformance::wechatpay::crypto::{
    ParamOrder, PrivateKey, nonce, sign_request, verify_response,
};
use pay_conformance::wechatpay::double::{Double, DoubleConfig, DoubleMerchant, Fault};
use serde_json::{Value, json};

pub fn now_s() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_secs()).unwrap_or(0)
}

/// How a request is signed.
#[derive(Debug, Clone, Default)]
pub struct Sign {
    pub order: Option<ParamOrder>,
    pub age_s: i64,
    pub other_key: bool,
    pub serial: Option<String>,
    pub header_mchid: Option<String>,
    pub none: bool,
}

/// An answer as it came.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn code(&self) -> Value {
        self.json()["code"].clone()
    }
}

/// A double and a client for it.
pub struct Harness {
    pub double: Double,
    http: reqwest::Client,
}

impl Harness {
    pub async fn start(fault: Option<Fault>) -> Harness {
        let mut config = DoubleConfig::builtin().with_notify_speedup(1000);
        config.close_min_age = Duration::ZERO;
        config.fault = fault;
        Harness::with(config).await
    }

    pub async fn with(config: DoubleConfig) -> Harness {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        Harness {
            double: Double::start(config).await,
            http,
        }
    }

    pub fn merchant(&self, i: usize) -> &DoubleMerchant {
        &self.double.config().merchants[i]
    }

    pub async fn send(
        &self,
        who: usize,
        method: &str,
        target: &str,
        body: &[u8],
        sign: &Sign,
    ) -> Answer {
        let m = self.merchant(who);
        let other;
        let key: &PrivateKey = if sign.other_key {
            other = &self.merchant((who + 1) % 2).key;
            other
        } else {
            &m.key
        };
        let serial = sign.serial.clone().unwrap_or_else(|| m.serial_no.clone());
        let mchid = sign.header_mchid.clone().unwrap_or_else(|| m.mchid.clone());
        let auth = sign_request(
            key,
            &mchid,
            &serial,
            method,
            target,
            body,
            now_s() - sign.age_s,
            &nonce(),
        );
        let mut request = self
            .http
            .request(
                method.parse().expect("method"),
                format!("{}{target}", self.double.uri()),
            )
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .header("user-agent", "pay-conformance-tests")
            .body(body.to_vec());
        if !sign.none {
            request = request.header(
                "authorization",
                auth.header_value(sign.order.unwrap_or(ParamOrder::Documented)),
            );
        }
        let response = request.send().await.expect("the double answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body").to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn create(&self, otn: &str) -> Answer {
        let body = json!({"mchid": "1900000109", "appid": "wxd678efh567hg6787", "description": "probe",
            "out_trade_no": otn, "notify_url": "https://example.com/n", "amount": {"total": 1, "currency": "HKD"}});
        self.send(
            0,
            "POST",
            "/v3/global/transactions/native",
            body.to_string().as_bytes(),
            &Sign::default(),
        )
        .await
    }

    pub async fn close_as(&self, who: usize, path: &str, body: &[u8], sign: &Sign) -> Answer {
        self.send(who, "POST", path, body, sign).await
    }

    pub async fn close(&self, otn_encoded: &str) -> Answer {
        let path = format!("/v3/global/transactions/out-trade-no/{otn_encoded}/close");
        self.close_as(0, &path, br#"{"mchid":"1900000109"}"#, &Sign::default())
            .await
    }

    pub async fn state(&self, otn_encoded: &str) -> String {
        let target = format!("/v3/global/transactions/out-trade-no/{otn_encoded}?mchid=1900000109");
        let a = self.send(0, "GET", &target, b"", &Sign::default()).await;
        a.json()["trade_state"]
            .as_str()
            .unwrap_or("none")
            .to_owned()
    }

    pub async fn id_of(&self, otn: &str) -> String {
        let target = format!("/v3/global/transactions/out-trade-no/{otn}?mchid=1900000109");
        let a = self.send(0, "GET", &target, b"", &Sign::default()).await;
        a.json()["id"].as_str().unwrap_or_default().to_owned()
    }

    /// W7: what is wrong with the signing of `a`, if anything.
    pub fn signing_problem(&self, a: &Answer) -> Option<String> {
        let config = self.double.config();
        let Some(rid) = a.header("request-id").filter(|r| !r.is_empty()) else {
            return Some("no Request-ID".into());
        };
        let _ = rid;
        let (Some(ts), Some(n), Some(sig), Some(serial)) = (
            a.header("wechatpay-timestamp"),
            a.header("wechatpay-nonce"),
            a.header("wechatpay-signature"),
            a.header("wechatpay-serial"),
        ) else {
            return Some("Wechatpay-* headers missing".into());
        };
        if serial != config.platform_serial() {
            return Some(format!("unknown serial {serial}"));
        }
        if verify_response(&config.platform_key.public_key(), ts, n, &a.body, sig).is_err() {
            return Some("signature does not verify".into());
        }
        let ts: i64 = ts.parse().unwrap_or(0);
        if (now_s() - ts).abs() > 300 {
            return Some("stale Wechatpay-Timestamp".into());
        }
        None
    }
}

/// `Ok` when `cond`, else `Err(what)`.
pub fn ensure(cond: bool, what: impl Into<String>) -> Result<(), String> {
    if cond { Ok(()) } else { Err(what.into()) }
}
