//! Payment notifications over real HTTP: a receiver (a wiremock server) gets the provider's
//! encrypted notification, which decrypts with the merchant's secret to the order's detail, and
//! retries follow the (compressed) schedule until it answers `success`.

use pay_conformance::ttpay::AppSecret;
use pay_conformance::ttpay::double::{Double, DoubleConfig, PaymentFacts, decrypt_notification};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::client::{APP_ID, Client, MCH_ID, SECRET, serve};

async fn receiver(fails: u64) -> MockServer {
    let server = MockServer::start().await;
    if fails > 0 {
        Mock::given(method("POST"))
            .and(path("/notify"))
            .respond_with(ResponseTemplate::new(200).set_body_string("fail"))
            .up_to_n_times(fails)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/notify"))
        .respond_with(ResponseTemplate::new(200).set_body_string("success"))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

async fn received(server: &MockServer) -> Vec<Value> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn the_receiver_gets_a_notification_that_decrypts_to_the_detail() {
    let merchant = receiver(0).await;
    let served = serve(&["--notify-speedup", "1000"], &[]);
    let client = Client::new(&served.url);
    let notify_url = format!("{}/notify", merchant.uri());
    client.create("NOTIFY-1", &notify_url).await;
    let (status, paid) = client.control("POST", "orders/NOTIFY-1/pay", b"").await;
    assert_eq!(status, 200);

    crate::client::eventually(|| async { received(&merchant).await.len() == 1 }).await;
    let body = received(&merchant).await.remove(0);
    assert_eq!(
        (&body["app_id"], &body["mch_id"]),
        (&json!(APP_ID), &json!(MCH_ID))
    );
    assert_eq!(body["resource_type"], "encrypt-resource");
    assert_eq!(body["event_type"], "TRANSACTION.SUCCESS");
    assert!(body["create_time"].as_i64().unwrap() > 0);
    let resource = &body["resource"];
    assert_eq!(resource["original_type"], "transaction");
    assert_eq!(resource["algorithm"], "AEAD_AES_256_GCM");
    assert!(
        !body.to_string().contains("NOTIFY-1"),
        "the detail travels encrypted"
    );

    let secret = AppSecret::new(SECRET).unwrap();
    let detail = decrypt_notification(&secret, resource).unwrap();
    for key in [
        "transaction_id",
        "out_trade_no",
        "trade_state",
        "tx_id",
        "pay_time",
        "block_no",
    ] {
        assert_eq!(detail[key], paid[key], "{key}");
    }
    let other = AppSecret::new("DOUBLE-ONLY-FAKE-SECRET-NUMBER-2").unwrap();
    assert!(decrypt_notification(&other, resource).is_err());

    // The receiver has the body before the double has read its answer: wait for that too.
    crate::client::eventually(|| async { client.query("NOTIFY-1").await["notify_status"] == 2 })
        .await;
    let after = client.query("NOTIFY-1").await;
    assert_eq!(
        (&after["notify_num"], &after["notify_status"]),
        (&json!(1), &json!(2))
    );
    let (_, seen) = client.control("GET", "orders/NOTIFY-1", b"").await;
    let log = seen["notifications"].as_array().unwrap();
    assert_eq!(log.len(), 1, "{seen}");
    assert_eq!(
        (&log[0]["status"], &log[0]["acknowledged"]),
        (&json!(200), &json!(true))
    );
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_exactly_three_deliveries() {
    let merchant = receiver(2).await;
    let double = Double::start(DoubleConfig::builtin().with_notify_speedup(1000)).await;
    let client = Client::new(&double.uri());
    client
        .create("NOTIFY-3", &format!("{}/notify", merchant.uri()))
        .await;
    double.pay("NOTIFY-3", PaymentFacts::default()).unwrap();

    crate::client::eventually(|| async {
        double.inspect("NOTIFY-3").unwrap()["detail"]["notify_status"] == 2
    })
    .await;
    // The next attempt would come 180 ms later; give it the chance to (wrongly) happen.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(received(&merchant).await.len(), 3);
    let seen = double.inspect("NOTIFY-3").unwrap();
    assert_eq!(seen["detail"]["notify_num"], 3);
    let acks: Vec<&Value> = seen["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["acknowledged"])
        .collect();
    assert_eq!(acks, [&json!(false), &json!(false), &json!(true)]);
    let after = client.query("NOTIFY-3").await;
    assert_eq!(
        (&after["notify_num"], &after["notify_status"]),
        (&json!(3), &json!(2))
    );
}

#[tokio::test]
async fn an_unreachable_receiver_is_retried_then_given_up_without_blocking() {
    let mut config = DoubleConfig::builtin();
    config.notify_schedule = vec![std::time::Duration::ZERO; 3];
    let double = Double::start(config).await;
    let client = Client::new(&double.uri());
    client
        .create("NOTIFY-DEAD", "http://127.0.0.1:9/notify")
        .await;
    double.pay("NOTIFY-DEAD", PaymentFacts::default()).unwrap();
    // The provider's API keeps answering meanwhile.
    assert_eq!(client.query("NOTIFY-DEAD").await["trade_state"], "SUCCESS");
    crate::client::eventually(|| async {
        double.inspect("NOTIFY-DEAD").unwrap()["detail"]["notify_status"] == 3
    })
    .await;
    let seen = double.inspect("NOTIFY-DEAD").unwrap();
    assert_eq!(seen["detail"]["notify_num"], 3);
}

#[tokio::test]
async fn secrets_from_the_environment_are_never_printed() {
    const ENV_SECRET: &str = "S3CRET-never-in-any-output-00077";
    let env = [
        ("TTPAY_APP_ID", "app-env"),
        ("TTPAY_MCH_ID", "7700000001"),
        ("TTPAY_APP_SECRET", ENV_SECRET),
    ];
    let served = serve(&["--notify-speedup", "1000"], &env);
    let client = Client::new(&served.url);
    let (status, body) = client.control("GET", "orders/PAID-ORDER-0001", b"").await;
    assert_eq!((status, &body["detail"]["mch_id"]), (200, &Value::Null));
    assert!(!body.to_string().contains(ENV_SECRET));
    let output = served.output.lock().unwrap().clone();
    assert!(!output.contains(ENV_SECRET), "{output}");
    assert!(
        output.contains("# TTPAY_APP_SECRET: the one already in your environment"),
        "{output}"
    );
}

#[tokio::test]
async fn a_signed_notification_names_its_headers_in_canonical_case_on_the_wire() {
    let (url, head) = crate::raw::receiver().await;
    let served = serve(&["--notify-speedup", "1000", "--notify-signed"], &[]);
    let client = Client::new(&served.url);
    client.create("NOTIFY-CASE", &url).await;
    let (status, _) = client.control("POST", "orders/NOTIFY-CASE/pay", b"").await;
    assert_eq!(status, 200);
    let head = crate::raw::within_10_s(head).await;
    // PHP's getallheaders() under `php -S` keeps names as sent: they must be the docs' case.
    for name in [
        "Authorization: ",
        "Content-Type: application/json",
        "User-Agent: ",
    ] {
        assert!(
            head.contains(&format!("\r\n{name}")),
            "no `{name}` in:\n{head}"
        );
    }
    for lower in ["\r\nauthorization:", "\r\ncontent-type:"] {
        assert!(!head.contains(lower), "`{lower}` in:\n{head}");
    }
}
