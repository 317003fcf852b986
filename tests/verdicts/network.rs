//! The network is inconclusive, never a deviation: an HTTP 429 is waited out and retried
//! (inconclusive if it persists), and a dropped connection on malformed input is a T5
//! deviation only when it reproduces.

use wiremock::matchers::{body_string, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{NO_PAID_ORDER, not_found, run_async, text};

#[tokio::test]
async fn a_persistent_http_429_is_inconclusive_not_a_deviation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_string("slow down"))
        .mount(&server)
        .await;
    let out = run_async(
        vec![
            "--base-url".into(),
            server.uri(),
            "--rate-limit".into(),
            "0".into(),
            "--tags".into(),
            "@X4".into(),
        ],
        NO_PAID_ORDER,
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("HTTP 429"), "{all}");
    assert!(
        !all.contains("DEVIATIONS") && !all.contains(" deviation X4"),
        "{all}"
    );
}

#[tokio::test]
async fn a_429_then_an_answer_is_retried_and_judged() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(not_found())
        .mount(&server)
        .await;
    let out = run_async(
        vec![
            "--base-url".into(),
            server.uri(),
            "--rate-limit".into(),
            "0".into(),
            "--tags".into(),
            "@Q3".into(),
        ],
        NO_PAID_ORDER,
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
}

#[tokio::test]
async fn a_drop_that_does_not_reproduce_is_not_a_t5_deviation() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/transaction/prepayment"))
        .and(body_string("this is not json"))
        .respond_with_err(|_: &wiremock::Request| {
            std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped once")
        })
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(not_found())
        .mount(&server)
        .await;
    let out = run_async(
        vec![
            "--base-url".into(),
            server.uri(),
            "--rate-limit".into(),
            "0".into(),
            "--tags".into(),
            "@T5 and @create".into(),
        ],
        NO_PAID_ORDER,
    )
    .await;
    let all = text(&out);
    assert!(!all.contains("deviation T5"), "{all}");
    assert!(
        all.contains("the first attempt got no answer"),
        "the drop is said: {all}"
    );
}
