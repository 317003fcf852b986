//! The WeChat Pay double over HTTP: every probe passes against the conforming double, and each
//! fault of the catalogue fails its own probe; the control API; payment notifications.

mod client;
mod notify;
mod notify_probes;
mod probes;
#[path = "../common/raw.rs"]
mod raw;

use client::{Harness, Sign};
use pay_conformance::wechatpay::double::{DoubleConfig, Fault};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_probe_passes_against_the_conforming_double_and_each_fault_fails_its_own() {
    let mut failures = Vec::new();
    for fault in Fault::all() {
        let clean = Harness::start(None).await;
        if let Err(e) = probes::check(&clean, *fault).await {
            failures.push(format!(
                "false positive: probe of {fault} fails on the conforming double: {e}"
            ));
        }
        let broken = Harness::start(Some(*fault)).await;
        if probes::check(&broken, *fault).await.is_ok() {
            failures.push(format!(
                "missed: the probe of {fault} ({}) passes with the fault",
                fault.rules().join(",")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_control_api_ages_pays_inspects_and_resets() {
    let mut config = DoubleConfig::builtin();
    config.close_min_age = std::time::Duration::from_secs(300);
    let h = Harness::with(config).await;
    h.create("C1").await;
    let young = h.close("C1").await;
    assert_eq!((young.status, young.code()), (403, "RULE_LIMIT".into()));
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let url = |p: &str| format!("{}/_control/{p}", h.double.uri());
    let aged = http.post(url("orders/C1/age")).send().await.expect("age");
    assert_eq!(aged.status(), 200);
    let id = h.id_of("C1").await;
    let by_id = format!("/v3/global/transactions/id/{id}/close");
    let closed = h
        .close_as(0, &by_id, br#"{"mchid":"1900000109"}"#, &Sign::default())
        .await;
    assert_eq!(closed.status, 204, "closed by transaction_id");
    assert_eq!(h.state("C1").await, "CLOSED");
    h.create("C2").await;
    let paid = http.post(url("orders/C2/pay")).send().await.expect("pay");
    assert_eq!(paid.status(), 200);
    assert_eq!(h.state("C2").await, "SUCCESS");
    let again = http
        .post(url("orders/C2/pay"))
        .send()
        .await
        .expect("pay again");
    assert_eq!(again.status(), 409);
    let inspect: serde_json::Value = http
        .get(url("orders/C2"))
        .send()
        .await
        .expect("inspect")
        .json()
        .await
        .expect("json");
    assert_eq!(inspect["order"]["trade_state"], "SUCCESS");
    let missing = http.get(url("orders/NOPE")).send().await.expect("inspect");
    assert_eq!(missing.status(), 404);
    let health: serde_json::Value = http
        .get(url("health"))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["orders"], 3);
    let reset: serde_json::Value = http
        .post(url("reset"))
        .send()
        .await
        .expect("reset")
        .json()
        .await
        .expect("json");
    assert_eq!(reset["orders"], 1);
    let wrong = http.delete(url("reset")).send().await.expect("method");
    assert_eq!(wrong.status(), 405);
}
