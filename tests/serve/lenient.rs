//! What real integrations send, over real HTTP, accepted by `serve` by default (CONTRACT A2,
//! C1, C7): second and millisecond timestamps, major-unit decimal amounts, `""` optional
//! fields, no `User-Agent`, `Accept: application/json`, upper-case hex nonces — and the strict
//! flags that refuse them. Plus the body limit's 413 in the provider's envelope.

use pay_conformance::signer::{Signed, Signer as _};
use pay_conformance::ttpay::AppSecret;
use pay_conformance::ttpay::crypto::MerchantSigner;
use serde_json::{Value, json};

use crate::client::{APP_ID, Client, MCH_ID, SECRET, now_ms, serve};

/// A create as a deployed integration sends it: no User-Agent, `Accept: application/json`.
async fn create_as(base: &str, timestamp: i64, nonce: &str, overrides: Value) -> Value {
    let mut body = json!({
        "app_id": APP_ID, "mch_id": MCH_ID, "out_trade_no": format!("LAX-{}", uuid_like()),
        "expire_second": 600, "amount": 15, "chain": "TRON", "currency": "USDT",
        "order_type": "platform_order",
    });
    if let (Some(base), Value::Object(extra)) = (body.as_object_mut(), overrides) {
        base.extend(extra);
    }
    let raw = body.to_string();
    let path = "/v1/transaction/prepayment";
    let secret = AppSecret::new(SECRET).unwrap();
    let signer = MerchantSigner {
        app_id: APP_ID,
        mch_id: MCH_ID,
        secret: &secret,
    };
    let ts = timestamp.to_string();
    let header = signer.authorization(&Signed::new("POST", path, &ts, nonce, raw.as_bytes()));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let answer = http
        .post(format!("{base}{path}"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("Authorization", header)
        .body(raw)
        .send()
        .await
        .expect("serve answers");
    let mut envelope: Value = answer.json().await.expect("json");
    envelope["sent_out_trade_no"] = body["out_trade_no"].clone();
    envelope
}

fn uuid_like() -> String {
    pay_conformance::ttpay::crypto::nonce()
}

const UPPER_HEX_NONCE: &str = "0123456789ABCDEF0123456789ABCDEF";

#[tokio::test]
async fn what_integrations_send_is_accepted_by_default() {
    let served = serve(&[], &[]);
    let client = Client::new(&served.url);
    let seconds = create_as(&served.url, now_ms() / 1000, UPPER_HEX_NONCE, json!({})).await;
    assert_eq!(seconds["code"], 0, "seconds: {seconds}");
    let millis = create_as(&served.url, now_ms(), UPPER_HEX_NONCE, json!({})).await;
    assert_eq!(millis["code"], 0, "milliseconds: {millis}");
    // A replay is still a replay, in either unit (A4).
    let stale = create_as(&served.url, now_ms() / 1000 - 3600, "n", json!({})).await;
    assert_eq!(stale["code"], 104, "{stale}");

    for (amount, minor) in [(json!(13.99), 13_990_000), (json!(0.001), 1000)] {
        let created = create_as(&served.url, now_ms(), "n", json!({"amount": amount})).await;
        assert_eq!(created["code"], 0, "{amount}: {created}");
        let no = created["sent_out_trade_no"].as_str().unwrap();
        assert_eq!(client.query(no).await["amount"], minor, "{amount}");
    }
    let too_fine = create_as(&served.url, now_ms(), "n", json!({"amount": 0.0000001})).await;
    assert_eq!(too_fine["code"], 100, "{too_fine}");

    let empty = json!({
        "to_address": "", "attach": "", "locale": "", "notify_url": "", "return_url": "",
        "description": "",
    });
    let created = create_as(&served.url, now_ms(), "n", empty).await;
    assert_eq!(created["code"], 0, "\"\" optional fields: {created}");
    let detail = client
        .query(created["sent_out_trade_no"].as_str().unwrap())
        .await;
    assert!(detail.get("attach").is_none(), "{detail}");
    assert_eq!(detail["notify_url"], "");
}

#[tokio::test]
async fn strict_flags_refuse_the_other_readings() {
    let served = serve(&["--timestamp-unit", "ms", "--amount-unit", "minor"], &[]);
    let seconds = create_as(&served.url, now_ms() / 1000, "n", json!({})).await;
    assert_eq!(seconds["code"], 104, "{seconds}");
    let fraction = create_as(&served.url, now_ms(), "n", json!({"amount": 13.99})).await;
    assert_eq!(fraction["code"], 100, "{fraction}");
    let minor = create_as(&served.url, now_ms(), "n", json!({"amount": 1399})).await;
    assert_eq!(minor["code"], 0, "{minor}");
    let client = Client::new(&served.url);
    let no = minor["sent_out_trade_no"].as_str().unwrap();
    assert_eq!(client.query(no).await["amount"], 1399);
}

#[tokio::test]
async fn a_body_over_one_mib_gets_413_in_the_providers_envelope() {
    let served = serve(&[], &[]);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let answer = http
        .post(format!("{}/v1/transaction/prepayment", served.url))
        .header("Content-Type", "application/json")
        .body(vec![b' '; 1024 * 1024 + 1])
        .send()
        .await
        .expect("an answer, not a reset");
    assert_eq!(answer.status().as_u16(), 413);
    let body: Value = answer.json().await.expect("json");
    assert_eq!(body["code"], 100, "{body}");
    assert!(body["msg"].as_str().unwrap().contains("limit"), "{body}");
    assert!(body["request_id"].is_string(), "{body}");
}
