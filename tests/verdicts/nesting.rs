//! Valid JSON is valid at any depth a payment API could send: an answer with a value nested
//! 200 levels deep conforms (serde_json alone stops at 128); one nested a million levels deep
//! is a clear T3 deviation naming the bound — no crash, no stack overflow.

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{NO_PAID_ORDER, not_found_body, run_async, text};

/// TTPay's answer to a query of an order that does not exist, with an extra member nested
/// `depth` levels deep.
fn not_found_nested(depth: usize) -> ResponseTemplate {
    let envelope = not_found_body().to_string();
    let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let body = format!("{},\"trace\":{nested}}}", &envelope[..envelope.len() - 1]);
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

async fn run_against(depth: usize) -> (Option<i32>, String) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(not_found_nested(depth))
        .mount(&server)
        .await;
    let out = run_async(
        [
            "--base-url",
            &server.uri(),
            "--rate-limit",
            "0",
            "--tags",
            "@Q3",
        ]
        .map(String::from)
        .to_vec(),
        NO_PAID_ORDER,
    )
    .await;
    (out.status.code(), text(&out))
}

#[tokio::test]
async fn json_nested_200_deep_is_valid_json() {
    let (code, all) = run_against(200).await;
    assert_eq!(code, Some(0), "{all}");
    assert!(!all.contains("recursion limit"), "{all}");
}

#[tokio::test]
async fn json_nested_a_million_deep_is_a_t3_deviation_naming_the_bound() {
    let (code, all) = run_against(1_000_000).await;
    assert_eq!(code, Some(1), "{all}");
    assert!(all.contains("nested deeper than 10000 levels"), "{all}");
    assert!(all.contains("T3"), "{all}");
    assert!(
        !all.contains("overflow") && !all.contains("internal error"),
        "{all}"
    );
}
