//! The probes of N1–N5, from one paid order per double: a receiver of the test's own (the
//! kit's bounded server) refuses the first two deliveries with `fail` and acknowledges the
//! third; what arrived in the next 250 ms (the next slot at the harness's speed-up is 180 ms)
//! is judged with the decryption and the signature primitives directly.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pay_conformance::double::server::{DoubleReply, DoubleRequest, Handler, Limits, Server};
use pay_conformance::ttpay::Merchant;
use pay_conformance::ttpay::crypto::signing::{Authorization, response_message};
use pay_conformance::ttpay::double::{PaymentFacts, decrypt_notification};
use serde_json::{Value, json};

use crate::client::Harness;

/// The rules these probes cover.
pub const RULES: [&str; 5] = ["N1", "N2", "N3", "N4", "N5"];

struct Receiver(Mutex<Vec<(Instant, DoubleRequest)>>);

impl Handler for Receiver {
    fn handle(&self, request: DoubleRequest) -> DoubleReply {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        seen.push((Instant::now(), request));
        let body = if seen.len() <= 2 { "fail" } else { "success" };
        DoubleReply::Answer {
            status: 200,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into(),
            delay: None,
        }
    }
}

/// The N rules the double of `h` breaks.
pub async fn failing(h: &Harness) -> BTreeSet<&'static str> {
    let me = h.merchant(0);
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind");
    let receiver = Arc::new(Receiver(Mutex::new(Vec::new())));
    let server = Server::start(listener, receiver.clone(), Limits::default())
        .await
        .expect("receiver");
    let url = format!("{}/notify", server.uri());
    let (answer, out_trade_no) = h.create(&me, json!({"notify_url": url})).await;
    assert!(answer.is_ok(), "create failed: {:?}", answer.json);
    h.double
        .pay(&out_trade_no, PaymentFacts::default())
        .expect("paid");
    let count = || receiver.0.lock().map(|s| s.len()).unwrap_or(0);
    let started = Instant::now();
    while count() < 3 && started.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(250)).await;
    let seen = receiver.0.lock().map(|s| s.clone()).unwrap_or_default();
    let detail = h.detail(&me, &out_trade_no).await;
    judge(&me, &seen, &detail)
}

fn judge(
    me: &Merchant,
    seen: &[(Instant, DoubleRequest)],
    detail: &Value,
) -> BTreeSet<&'static str> {
    let mut failing = BTreeSet::new();
    let orders: Vec<Option<Value>> = seen
        .iter()
        .map(|(_, r)| {
            let body: Value = serde_json::from_slice(&r.body).ok()?;
            decrypt_notification(&me.secret, &body).ok()
        })
        .collect();
    // N1: the documented body, the order's merchant, a signature (if any) that verifies.
    let n1 = seen.iter().all(|(_, r)| {
        let body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
        let fields = ["app_id", "mch_id", "create_time", "event_type", "resource"]
            .iter()
            .all(|k| body.get(*k).is_some());
        let signed = r.headers.get("authorization").is_none_or(|v| {
            let Ok(auth) = Authorization::parse(v.to_str().unwrap_or_default()) else {
                return false;
            };
            let message = response_message(&auth.timestamp, &auth.nonce_str, &r.body);
            me.secret.verifies(&message, &auth.signature)
        });
        r.method == http::Method::POST
            && fields
            && body["mch_id"] == me.mch_id.as_str()
            && body["resource_type"] == "encrypt-resource"
            && signed
    });
    if !n1 {
        failing.insert("N1");
    }
    if seen.is_empty() || orders.iter().any(Option::is_none) {
        failing.insert("N2");
    }
    let first = orders.first().cloned().flatten();
    if let Some(order) = &first {
        let agree = [
            "out_trade_no",
            "transaction_id",
            "trade_state",
            "amount",
            "chain",
        ]
        .iter()
        .all(|k| order.get(*k) == detail.get(*k));
        if !agree || order["trade_state"] != "SUCCESS" {
            failing.insert("N3");
        }
    }
    // N4: two refusals retried at their slots (15 ms, 30 ms less 20 %), nothing of the same
    // event after the acknowledgement, notify_num counting what arrived.
    let tx = |o: &Option<Value>| o.as_ref().map(|o| o["tx_id"].clone());
    let same_after_ack = orders
        .iter()
        .skip(3)
        .filter(|o| tx(o) == tx(&first))
        .count();
    let gaps_ok = seen.windows(2).take(2).enumerate().all(|(i, pair)| {
        let least = Duration::from_millis(if i == 0 { 12 } else { 24 });
        pair[1].0.duration_since(pair[0].0) >= least
    });
    let counted = detail["notify_num"].as_i64() == Some(i64::try_from(seen.len()).unwrap_or(0));
    if seen.len() < 3 || same_after_ack > 0 || !gaps_ok || !counted {
        failing.insert("N4");
    }
    // N5: one payment event.
    if orders.iter().any(|o| o.is_some() && tx(o) != tx(&first)) {
        failing.insert("N5");
    }
    failing
}
