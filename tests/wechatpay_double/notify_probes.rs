//! The probes of the notification faults (WN1–WN4): a receiver of the test's own (the kit's
//! bounded server, refusing the first two deliveries with 500), an order of 5 HKD paid
//! through the double, and what arrived judged with the crypto primitives directly.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pay_conformance::double::server::{DoubleReply, DoubleRequest, Handler, Limits, Server};
use pay_conformance::wechatpay::crypto::verify_response;
use pay_conformance::wechatpay::double::{Fault, decrypt_notification};
use serde_json::{Value, json};

use super::client::{Harness, ensure, now_s};

struct Receiver(Mutex<Vec<DoubleRequest>>);

impl Handler for Receiver {
    fn handle(&self, request: DoubleRequest) -> DoubleReply {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.push(request);
        let status = if seen.len() <= 2 { 500 } else { 200 };
        DoubleReply::json(status, &json!({"code": "SUCCESS", "message": "ok"}))
    }
}

/// The deliveries of one paid order: two refused, the third acknowledged, and whatever
/// follows within 400 ms (the next two slots at the harness's speed-up are 30 ms and 180 ms).
async fn deliveries(h: &Harness) -> Vec<DoubleRequest> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let receiver = Arc::new(Receiver(Mutex::new(Vec::new())));
    let server = Server::start(listener, receiver.clone(), Limits::default())
        .await
        .expect("receiver");
    super::notify::create_and_pay(h, "NP1", &format!("{}/notify", server.uri())).await;
    let count = || receiver.0.lock().map(|s| s.len()).unwrap_or(0);
    for _ in 0..300 {
        if count() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    receiver.0.lock().map(|s| s.clone()).unwrap_or_default()
}

fn header(r: &DoubleRequest, name: &str) -> String {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The probe of a notification fault (`None` for any other fault).
pub async fn check(h: &Harness, fault: Fault) -> Option<Result<(), String>> {
    let all = || async { deliveries(h).await };
    let config = h.double.config();
    let result = match fault {
        Fault::NotifyUnsigned => all().await.iter().try_for_each(|r| {
            ensure(
                !header(r, "wechatpay-signature").is_empty(),
                "an unsigned notification",
            )
        }),
        Fault::NotifyWrongSerial => all().await.iter().try_for_each(|r| {
            ensure(
                header(r, "wechatpay-serial") == config.platform_serial(),
                format!("serial {}", header(r, "wechatpay-serial")),
            )
        }),
        Fault::NotifyBadSignature => {
            let platform = config.platform_key.public_key();
            all().await.iter().try_for_each(|r| {
                verify_response(
                    &platform,
                    &header(r, "wechatpay-timestamp"),
                    &header(r, "wechatpay-nonce"),
                    &r.body,
                    &header(r, "wechatpay-signature"),
                )
                .map_err(|e| e.to_string())
            })
        }
        Fault::NotifyStaleTimestamp => all().await.iter().try_for_each(|r| {
            let ts: i64 = header(r, "wechatpay-timestamp").parse().unwrap_or(0);
            ensure((now_s() - ts).abs() <= 300, format!("timestamp {ts}"))
        }),
        Fault::NotifyWrongKey | Fault::NotifyMainlandNames | Fault::NotifyWrongAmount => {
            all().await.iter().try_for_each(|r| {
                let t =
                    decrypt_notification(&config.apiv3_key, &r.body).map_err(|e| e.to_string())?;
                ensure(t["id"].is_string(), "no id in the transaction")?;
                ensure(t["amount"]["total"] == 5, format!("amount {}", t["amount"]))
            })
        }
        Fault::NotifyNoRetry => {
            let got = all().await.len();
            ensure(got == 3, format!("{got} deliveries, not 2 refused + 1"))
        }
        Fault::NotifyNewIdPerRetry => {
            let ids: Vec<Value> = all()
                .await
                .iter()
                .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap_or_default()["id"].clone())
                .collect();
            ensure(
                ids.len() >= 2 && ids.iter().all(|id| *id == ids[0]),
                format!("ids {ids:?}"),
            )
        }
        Fault::NotifyRetriesAfterAck => {
            let got = all().await.len();
            ensure(
                got == 3,
                format!("{got} deliveries after 2 refusals and an acknowledgement"),
            )
        }
        _ => return None,
    };
    Some(result)
}
