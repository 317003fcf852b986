//! `pay-conformance serve` as a merchant's integration tests use it: the control API over real
//! HTTP, seeded ids, bounded memory, clear flag errors. `notify.rs`: payment notifications;
//! `forms.rs`: the notification forms read by independent code, and `examples/integration.py`;
//! `lenient.rs`: what integrations send; `tcp.rs`: raw TCP abuse.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/raw.rs"]
mod raw;

mod client;
mod forms;
mod lenient;
mod notify;
mod tcp;

use std::process::Command;

use pay_conformance::ttpay::double::{Double, DoubleConfig, PaymentFacts};
use serde_json::json;

use client::{BIN, Client, serve};

#[tokio::test]
async fn pay_via_control_then_query_shows_success_with_chain_facts() {
    let served = serve(&[], &[]);
    let client = Client::new(&served.url);
    client.create("ORDER-PAY-1", "").await;
    let before = client.query("ORDER-PAY-1").await;
    assert_eq!(before["trade_state"], "NOTPAY");
    let id = before["transaction_id"].as_str().unwrap().to_owned();

    let body = br#"{"tx_id": "ab12", "from_address": "TPayerWallet", "block_no": 4242}"#;
    let (status, paid) = client
        .control("POST", &format!("orders/{id}/pay"), body)
        .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["trade_state"], "SUCCESS");

    let after = client.query("ORDER-PAY-1").await;
    assert_eq!(after["trade_state"], "SUCCESS");
    assert!(after["pay_time"].as_i64().unwrap() > 0);
    assert_eq!(after["block_time"], after["pay_time"]);
    assert_eq!(
        (&after["tx_id"], &after["from_address"], &after["block_no"]),
        (&json!("ab12"), &json!("TPayerWallet"), &json!(4242))
    );
    assert_eq!(
        (&after["close_time"], &after["expire_second"]),
        (&json!(0), &json!(0))
    );

    // Paying again conflicts; the out_trade_no names the order too.
    let (status, again) = client.control("POST", "orders/ORDER-PAY-1/pay", b"").await;
    assert_eq!(
        (status, &again["error"]),
        (409, &json!("conflict")),
        "{again}"
    );
    let (status, unknown) = client.control("POST", "orders/nope/pay", b"").await;
    assert_eq!((status, &unknown["error"]), (404, &json!("not_found")));

    // Defaults are generated; the inspection shows the same detail.
    client.create("ORDER-PAY-2", "").await;
    let (status, paid) = client.control("POST", "orders/ORDER-PAY-2/pay", b"").await;
    assert_eq!(status, 200);
    assert_eq!(paid["tx_id"].as_str().map(str::len), Some(64));
    assert!(paid["from_address"].as_str().unwrap().starts_with('T'));
    assert!(paid["block_no"].as_i64().unwrap() > 0);
    let (_, seen) = client.control("GET", "orders/ORDER-PAY-2", b"").await;
    assert_eq!(seen["detail"]["tx_id"], paid["tx_id"]);
    assert_eq!(seen["notifications"], json!([]));
}

#[tokio::test]
async fn expire_closes_an_unpaid_order_in_process() {
    let double = Double::start(DoubleConfig::builtin()).await;
    let client = Client::new(&double.uri());
    client.create("ORDER-EXP-1", "").await;
    let expired = double.expire("ORDER-EXP-1").unwrap();
    assert_eq!(expired["trade_state"], "CLOSED");
    let detail = client.query("ORDER-EXP-1").await;
    assert_eq!(detail["trade_state"], "CLOSED");
    let close_time = detail["close_time"].as_i64().unwrap();
    assert!(close_time >= detail["create_time"].as_i64().unwrap());
    assert!(detail["expire_time"].as_i64().unwrap() <= close_time);
    assert_eq!(detail["pay_time"], 0);
    assert_eq!(
        double
            .pay("ORDER-EXP-1", PaymentFacts::default())
            .map_err(|e| e.status()),
        Err(409)
    );
    assert_eq!(
        double.expire("ORDER-EXP-1").map_err(|e| e.status()),
        Err(409)
    );
    // Over HTTP too.
    client.create("ORDER-EXP-2", "").await;
    let (status, body) = client
        .control("POST", "orders/ORDER-EXP-2/expire", b"")
        .await;
    assert_eq!((status, &body["trade_state"]), (200, &json!("CLOSED")));
}

#[tokio::test]
async fn garbage_to_control_routes_is_a_json_4xx_never_a_crash() {
    let double = Double::start(DoubleConfig::builtin()).await;
    let client = Client::new(&double.uri());
    client.create("ORDER-G", "").await;
    for (method, route, body, want) in [
        ("POST", "orders/ORDER-G/pay", &b"{not json"[..], 400),
        ("POST", "orders/ORDER-G/pay", b"[1,2]", 400),
        ("POST", "orders/ORDER-G/pay", b"{\"block_no\": -1}", 400),
        ("POST", "orders/ORDER-G/pay", b"{\"tx_id\": \"\"}", 400),
        ("POST", "orders/ORDER-G/pay", b"{\"surprise\": 1}", 400),
        ("POST", "orders/ORDER-G/pay", b"\xff\xfe", 400),
        ("GET", "orders/ORDER-G/pay", b"", 405),
        ("DELETE", "reset", b"", 405),
        ("POST", "nothing/here", b"", 404),
        ("GET", "orders/%ff%00", b"", 404),
        ("GET", "", b"", 404),
    ] {
        let (status, answer) = client.control(method, route, body).await;
        assert_eq!(status, want, "{method} {route}: {answer}");
        assert!(answer["message"].is_string(), "{answer}");
    }
    let (status, health) = client.control("GET", "health", b"").await;
    assert_eq!((status, &health["status"]), (200, &json!("ok")));
    assert_eq!(health["orders"], 2);
    let (status, reset) = client.control("POST", "reset", b"").await;
    assert_eq!((status, &reset["orders"]), (200, &json!(1)));
    assert_eq!(double.order_count(), 1);
}

/// The ids of a fixed sequence of requests against a fresh `serve EXTRA…`.
async fn ids_of_a_session(extra: &[&str]) -> Vec<String> {
    let served = serve(extra, &[]);
    let client = Client::new(&served.url);
    let mut ids = Vec::new();
    for round in 0..2 {
        for n in 0..2 {
            let created = client.create(&format!("SEED-{n}"), "").await;
            ids.push(created["data"]["prepay_id"].as_str().unwrap().to_owned());
            ids.push(created["request_id"].as_str().unwrap().to_owned());
            let (_, paid) = client
                .control("POST", &format!("orders/SEED-{n}/pay"), b"")
                .await;
            for key in ["transaction_id", "tx_id", "from_address"] {
                ids.push(paid[key].as_str().unwrap().to_owned());
            }
            ids.push(paid["block_no"].to_string());
        }
        if round == 0 {
            client.control("POST", "reset", b"").await;
        }
    }
    ids
}

#[tokio::test]
async fn the_same_seed_gives_the_same_ids_across_processes_and_resets() {
    let one = ids_of_a_session(&["--seed", "42"]).await;
    let two = ids_of_a_session(&["--seed", "42"]).await;
    assert_eq!(one, two);
    assert_eq!(one[..12], one[12..], "reset starts the seeded ids again");
    let other = ids_of_a_session(&["--seed", "43"]).await;
    assert_ne!(one[0], other[0]);
    let unseeded = ids_of_a_session(&[]).await;
    assert_ne!(unseeded[..12], unseeded[12..]);
}

#[tokio::test]
async fn max_orders_bounds_memory_and_keeps_the_fixture() {
    let served = serve(&["--max-orders", "3"], &[]);
    let client = Client::new(&served.url);
    for n in 0..6 {
        client.create(&format!("EVICT-{n}"), "").await;
        let (_, health) = client.control("GET", "health", b"").await;
        assert!(health["orders"].as_u64().unwrap() <= 3, "{health}");
        assert_eq!(health["max_orders"], 3);
    }
    let (status, _) = client.control("GET", "orders/EVICT-0", b"").await;
    assert_eq!(status, 404);
    let (status, _) = client.control("GET", "orders/EVICT-5", b"").await;
    assert_eq!(status, 200);
    let (status, fixture) = client.control("GET", "orders/PAID-ORDER-0001", b"").await;
    assert_eq!(
        (status, &fixture["detail"]["trade_state"]),
        (200, &json!("SUCCESS"))
    );
}

#[test]
fn bad_serve_flags_exit_2_naming_the_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for (args, says) in [
        (vec!["--max-orders", "0"], "--max-orders"),
        (vec!["--seed", "x"], "--seed"),
        (vec!["--notify-speedup", "0"], "--notify-speedup"),
        (vec!["--port", "70000"], "--port"),
        (vec!["--port", &port], "is already in use"),
        (vec!["--fault", "nope"], "unknown fault `nope`"),
    ] {
        let out = Command::new(BIN)
            .arg("serve")
            .args(&args)
            .env_remove("TTPAY_APP_ID")
            .output()
            .unwrap();
        let all = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains(says), "{args:?} should say {says:?}: {all}");
        assert!(
            all.contains("hint") || all.contains("--help"),
            "{args:?}: {all}"
        );
        assert!(!all.contains("panicked"), "{all}");
    }
    let help = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for needle in [
        "--seed",
        "--max-orders",
        "--notify-speedup",
        "/_control/orders/{id}/pay",
        "/_control/orders/{id}/expire",
        "/_control/reset",
        "/_control/health",
    ] {
        assert!(help.contains(needle), "help lacks {needle}: {help}");
    }
}

#[test]
fn serve_help_shows_the_routes_of_the_provider_it_names() {
    let help = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let ttpay = "POST /v1/transaction/prepayment";
    let wechatpay = "POST /v3/global/transactions/native";
    for args in [
        &["serve", "--help"][..],
        &["serve", "-h"],
        &["serve", "--provider", "ttpay", "--help"],
        &["serve", "--provider=ttpay", "-h"],
    ] {
        let text = help(args);
        assert!(
            text.contains(ttpay) && !text.contains(wechatpay),
            "{args:?}: {text}"
        );
    }
    for args in [
        &["serve", "--provider", "wechatpay", "--help"][..],
        &["serve", "--provider=wechatpay", "-h"],
    ] {
        let text = help(args);
        assert!(
            text.contains(wechatpay) && !text.contains(ttpay),
            "{args:?}: {text}"
        );
        assert!(text.contains("/_control/orders/{id}/age"), "{text}");
    }
    let unknown = help(&["serve", "--provider", "nopay", "--help"]);
    assert!(
        unknown.contains(ttpay) && unknown.contains(wechatpay),
        "{unknown}"
    );
}
