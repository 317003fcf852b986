//! A small signed client for the tests: it signs requests with `signing` (or deliberately
//! does not), reads answers leniently (so that one broken rule does not hide the others) and
//! offers the domain calls: create, query, close.

use pay_conformance::signer::Signed;
use pay_conformance::ttpay::crypto::signing::{self, Authorization, MerchantSigner};
use pay_conformance::ttpay::double::{Double, DoubleConfig};
use pay_conformance::ttpay::{Endpoint, Merchant};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

/// How a request is authorised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Signed,
    BadSignature,
    /// Signed, with a timestamp one hour old.
    Stale,
    UnknownApp,
    Missing,
    Garbage,
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    /// 0 when the connection was dropped.
    pub status: u16,
    pub content_type: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The body, parsed leniently (trailing commas forgiven); `Null` when it is not JSON.
    pub json: Value,
    /// Whether the body is strict JSON.
    pub strict_json: bool,
}

impl Answer {
    /// `code`, read leniently (`"0"` is 0).
    pub fn code(&self) -> Option<i64> {
        int(&self.json["code"])
    }

    pub fn is_ok(&self) -> bool {
        self.code() == Some(0)
    }

    /// `data`, `Null` when absent.
    pub fn data(&self) -> &Value {
        &self.json["data"]
    }

    /// Whether this answer shows an order (code 0 and a detail).
    pub fn shows_order(&self) -> bool {
        self.is_ok() && self.data().get("out_trade_no").is_some()
    }
}

/// An integer, read leniently: `5` or `"5"`.
pub fn int(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
}

pub use pay_conformance::world::now_ms;

/// A double and a client for it.
pub struct Harness {
    pub double: Double,
    http: reqwest::Client,
}

impl Harness {
    pub async fn start(config: DoubleConfig) -> Harness {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Harness {
            double: Double::start(config).await,
            http,
        }
    }

    /// The first (0) or the other (1) merchant.
    pub fn merchant(&self, index: usize) -> Merchant {
        self.double.config().merchants[index].clone()
    }

    /// Sends `body` to `path_and_query` as `who`, authorised as `auth` says.
    pub async fn send(
        &self,
        who: &Merchant,
        method: Method,
        path_and_query: &str,
        body: &[u8],
        auth: Auth,
    ) -> Answer {
        let unit = self.double.config().timestamp_unit.unwrap_or_default();
        let age = if auth == Auth::Stale { 3_600_000 } else { 0 };
        let timestamp = unit.from_unix_ms(now_ms() - age).to_string();
        let nonce = signing::nonce();
        // The body's raw bytes, which need not be UTF-8.
        let signed = Signed::new(method.as_str(), path_and_query, &timestamp, &nonce, body);
        let mut signer = MerchantSigner::new(who);
        if auth == Auth::UnknownApp {
            signer.app_id = "no-such-app";
        }
        let mut header: Authorization = signer.authorize(&signed);
        if auth == Auth::BadSignature {
            let first = if header.signature.starts_with('A') {
                'B'
            } else {
                'A'
            };
            header.signature = format!("{first}{}", &header.signature[1..]);
        }
        let header = header.to_header();
        let url = format!("{}{path_and_query}", self.double.uri());
        let mut request = self
            .http
            .request(method, url)
            .header("Content-Type", "application/json")
            .body(body.to_vec());
        request = match auth {
            Auth::Missing => request,
            Auth::Garbage => {
                let garbage = b"TTPAY-AES-256-ECB app_id=\xff\xfe,==,signature";
                request.header("Authorization", HeaderValue::from_bytes(garbage).unwrap())
            }
            _ => request.header("Authorization", header),
        };
        let Ok(response) = request.send().await else {
            return Answer {
                status: 0,
                content_type: String::new(),
                headers: HeaderMap::new(),
                body: Vec::new(),
                json: Value::Null,
                strict_json: false,
            };
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        let strict = serde_json::from_slice::<Value>(&body).ok();
        let strict_json = strict.as_ref().is_some_and(Value::is_object);
        let json = strict.unwrap_or_else(|| lenient(&body));
        Answer {
            status,
            content_type,
            headers,
            body,
            json,
            strict_json,
        }
    }

    /// POSTs `body` as JSON to `endpoint`.
    pub async fn post_as(
        &self,
        who: &Merchant,
        endpoint: Endpoint,
        body: &Value,
        auth: Auth,
    ) -> Answer {
        let bytes = body.to_string().into_bytes();
        self.send(who, Method::POST, endpoint.path(), &bytes, auth)
            .await
    }

    pub async fn post(&self, who: &Merchant, endpoint: Endpoint, body: &Value) -> Answer {
        self.post_as(who, endpoint, body, Auth::Signed).await
    }

    /// The body of a complete create for `who`, with `overrides` (a `null` removes the field).
    pub fn create_body(&self, who: &Merchant, overrides: &Value) -> Value {
        let mut body = json!({
            "app_id": who.app_id, "mch_id": who.mch_id,
            "out_trade_no": format!("T-{}", uuid::Uuid::new_v4().simple()),
            "description": "recharge", "expire_second": 600, "amount": 15000000,
            "chain": "TRON", "currency": "USDT", "attach": "anim dolore", "locale": "en",
            "notify_url": "https://merchant.example/notify", "order_type": "platform_order",
        });
        if let (Some(members), Some(changes)) = (body.as_object_mut(), overrides.as_object()) {
            for (key, value) in changes {
                match value {
                    Value::Null => members.remove(key),
                    _ => members.insert(key.clone(), value.clone()),
                };
            }
        }
        body
    }

    /// Creates an order for `who`; returns the answer and the `out_trade_no` sent.
    pub async fn create(&self, who: &Merchant, overrides: Value) -> (Answer, String) {
        let body = self.create_body(who, &overrides);
        let out_trade_no = body["out_trade_no"].as_str().unwrap_or_default().to_owned();
        (self.post(who, Endpoint::Create, &body).await, out_trade_no)
    }

    /// Creates an order and finds its `transaction_id`: (out_trade_no, transaction_id).
    pub async fn new_order(&self, who: &Merchant) -> (String, String) {
        let (answer, out_trade_no) = self.create(who, json!({})).await;
        assert!(answer.is_ok(), "create failed: {:?}", answer.json);
        let found = self.query(who, "out_trade_no", &out_trade_no).await;
        let id = found.data()["transaction_id"].as_str().unwrap_or_default();
        (out_trade_no, id.to_owned())
    }

    /// Queries `who`'s order by `key` (`out_trade_no` or `transaction_id`).
    pub async fn query(&self, who: &Merchant, key: &str, value: &str) -> Answer {
        let body = json!({"app_id": who.app_id, "mch_id": who.mch_id, key: value});
        self.post(who, Endpoint::Query, &body).await
    }

    /// Queries by GET with `pairs` in the query string.
    pub async fn query_get(&self, who: &Merchant, pairs: &[(&str, &str)]) -> Answer {
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let path = format!("{}?{}", Endpoint::Query.path(), query.join("&"));
        self.send(who, Method::GET, &path, b"", Auth::Signed).await
    }

    /// Closes `transaction_id` as `who`.
    pub async fn close_as(&self, who: &Merchant, transaction_id: &str, auth: Auth) -> Answer {
        let body =
            json!({"app_id": who.app_id, "mch_id": who.mch_id, "transaction_id": transaction_id});
        self.post_as(who, Endpoint::Close, &body, auth).await
    }

    pub async fn close(&self, who: &Merchant, transaction_id: &str) -> Answer {
        self.close_as(who, transaction_id, Auth::Signed).await
    }

    /// The detail of `who`'s order `out_trade_no` (`Null` when not shown).
    pub async fn detail(&self, who: &Merchant, out_trade_no: &str) -> Value {
        self.query(who, "out_trade_no", out_trade_no)
            .await
            .data()
            .clone()
    }
}

/// JSON with trailing commas forgiven.
fn lenient(body: &[u8]) -> Value {
    let text = String::from_utf8_lossy(body);
    let fixed = regex::Regex::new(r",\s*([}\]])")
        .map(|re| re.replace_all(&text, "$1").into_owned())
        .unwrap_or_default();
    serde_json::from_str(&fixed).unwrap_or(Value::Null)
}
