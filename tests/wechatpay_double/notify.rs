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
    let body = json!({"mchid": "1900000109", "appid": "wxd678efh567hg6787", "description": "n",
        "out_trade_no": "N1", "notify_url": format!("{}/notify", server.uri()), "amount": {"total": 5, "currency": "HKD"}});
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
    h.double.pay("N1").expect("paid");
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
    let inspect = h.double.inspect("N1").expect("inspect");
    assert_eq!(inspect["notify_status"], 2);
    assert_eq!(inspect["notifications"].as_array().map(Vec::len), Some(2));
}
