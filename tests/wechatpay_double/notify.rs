//! Payment notifications reach the order's `notify_url`: signed by the platform, the resource
//! decrypting under the APIv3 key; an unacknowledged one is retried.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pay_conformance::double::server::{DoubleReply, DoubleRequest, Handler, Limits, Server};
use pay_conformance::wechatpay::crypto::verify_response;
use pay_conformance::wechatpay::double::{DoubleConfig, decrypt_notification};
use serde_json::json;

use super::client::{Harness, Sign};

struct Receiver {
    seen: Mutex<Vec<DoubleRequest>>,
    refuse_first: bool,
}

impl Handler for Receiver {
    fn handle(&self, request: DoubleRequest) -> DoubleReply {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.push(request);
        let status = if self.refuse_first && seen.len() == 1 {
            500
        } else {
            200
        };
        DoubleReply::json(status, &json!({"code": "SUCCESS", "message": "ok"}))
    }
}

/// Creates an order of 5 HKD of the first merchant with `notify_url`, and pays it.
pub async fn create_and_pay(h: &Harness, out_trade_no: &str, notify_url: &str) {
    let body = json!({"mchid": "1900000109", "appid": "wxd678efh567hg6787", "description": "n",
        "out_trade_no": out_trade_no, "notify_url": notify_url, "amount": {"total": 5, "currency": "HKD"}});
    let created = h
        .send(
            0,
            "POST",
            "/v3/global/transactions/native",
            body.to_string().as_bytes(),
            &Sign::default(),
        )
        .await;
    assert_eq!(created.status, 200);
    h.double.pay(out_trade_no).expect("paid");
}

#[tokio::test]
async fn a_paid_order_is_notified_signed_and_encrypted_and_retried() {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let receiver = Arc::new(Receiver {
        seen: Mutex::new(Vec::new()),
        refuse_first: true,
    });
    let server = Server::start(listener, receiver.clone(), Limits::default())
        .await
        .expect("receiver");
    let mut config = DoubleConfig::builtin().with_notify_speedup(1000);
    config.close_min_age = Duration::ZERO;
    let h = Harness::with(config).await;
    create_and_pay(&h, "N1", &format!("{}/notify", server.uri())).await;
    let mut seen = 0;
    for _ in 0..200 {
        seen = receiver.seen.lock().map(|s| s.len()).unwrap_or(0);
        if seen >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(seen, 2, "one refused attempt, then the retry");
    let requests = receiver.seen.lock().expect("lock").clone();
    let last = &requests[1];
    let header = |n: &str| {
        last.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let platform = h.double.config().platform_key.public_key();
    verify_response(
        &platform,
        &header("wechatpay-timestamp"),
        &header("wechatpay-nonce"),
        &last.body,
        &header("wechatpay-signature"),
    )
    .expect("the notification is signed by the platform");
    let transaction =
        decrypt_notification(&h.double.config().apiv3_key, &last.body).expect("decrypts");
    assert_eq!(transaction["out_trade_no"], "N1");
    assert_eq!(transaction["trade_state"], "SUCCESS");
    assert_eq!(transaction["amount"]["total"], 5);
    // The double records an attempt once its answer is read: after the receiver saw it.
    let mut inspect = h.double.inspect("N1").expect("inspect");
    for _ in 0..200 {
        if inspect["notify_status"] == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        inspect = h.double.inspect("N1").expect("inspect");
    }
    assert_eq!(inspect["notify_status"], 2);
    assert_eq!(inspect["notifications"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_notification_names_its_headers_in_canonical_case_on_the_wire() {
    let (url, head) = crate::raw::receiver().await;
    let h = Harness::with(DoubleConfig::builtin().with_notify_speedup(1000)).await;
    create_and_pay(&h, "NCASE", &url).await;
    let head = crate::raw::within_10_s(head).await;
    for name in [
        "Content-Type: application/json",
        "Wechatpay-Timestamp: ",
        "Wechatpay-Nonce: ",
        "Wechatpay-Signature: ",
        "Wechatpay-Serial: ",
        "Wechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048",
    ] {
        assert!(
            head.contains(&format!("\r\n{name}")),
            "no `{name}` in:\n{head}"
        );
    }
    assert!(!head.contains("\r\nwechatpay-"), "{head}");
}

#[tokio::test]
async fn answers_name_their_headers_in_canonical_case() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let h = Harness::with(DoubleConfig::builtin()).await;
    let at = h.double.uri().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(at).await.expect("connect");
    stream
        .write_all(b"GET /v3/global/certificates HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut seen)).await;
    let answer = String::from_utf8_lossy(&seen);
    let head = answer.split("\r\n\r\n").next().unwrap_or("");
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    for name in [
        "Content-Type: application/json",
        "Wechatpay-Signature: ",
        "Wechatpay-Serial: ",
        "Request-Id: ",
    ] {
        assert!(
            head.contains(&format!("\r\n{name}")),
            "no `{name}` in:\n{head}"
        );
    }
}
