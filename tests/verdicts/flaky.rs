//! A flaky target is inconclusive, never a deviation: one that drops every other connection,
//! whatever it is sent, drops well-formed requests too, so its drops of malformed input (T5)
//! or of undocumented methods (T7) say nothing — exit 3. One that drops only the malformed
//! input, answering every well-formed request, still deviates from T5 (exit 1).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wiremock::matchers::{body_string, method, path};
use wiremock::{Mock, MockServer};

use super::{NO_PAID_ORDER, not_found, run, run_async, serve, text};

/// A proxy in front of `upstream` that serves one request per connection and closes every
/// other connection it accepts after reading the request, without an answer.
fn every_other_connection_dropped(upstream: &str) -> (String, Arc<AtomicU64>) {
    let dropped = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&dropped);
    let url = super::proxy::start(
        upstream,
        move |n| {
            let drop = n % 2 == 1;
            if drop {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            drop
        },
        |_, answer| answer,
    );
    (url, dropped)
}

#[test]
fn a_target_dropping_every_other_connection_is_inconclusive_not_t5_or_t7() {
    let served = serve(&[]);
    let (url, dropped) = every_other_connection_dropped(&served.url);
    let out = run(
        &[
            "--base-url",
            &url,
            "--rate-limit",
            "0",
            "--tags",
            "@T5 or @T7 or @Q3",
            "--timeout",
            "5",
        ],
        &[],
    );
    let all = text(&out);
    assert!(
        dropped.load(Ordering::Relaxed) > 4,
        "the proxy dropped connections"
    );
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(!all.contains("DEVIATIONS"), "{all}");
    assert!(all.contains("INCONCLUSIVE"), "{all}");
    assert!(
        all.contains("twice") && all.contains("not concluded"),
        "the drops of malformed input reproduced, and were not concluded on: {all}"
    );
}

#[tokio::test]
async fn a_target_dropping_only_malformed_input_still_deviates_from_t5() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/transaction/prepayment"))
        .and(body_string("this is not json"))
        .respond_with_err(|_: &wiremock::Request| {
            std::io::Error::new(std::io::ErrorKind::ConnectionReset, "dropped")
        })
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(not_found())
        .mount(&server)
        .await;
    let out = run_async(
        [
            "--base-url",
            &server.uri(),
            "--rate-limit",
            "0",
            "--tags",
            "@T5 and @create",
        ]
        .map(String::from)
        .to_vec(),
        NO_PAID_ORDER,
    )
    .await;
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("no answer, twice"), "{all}");
    assert!(!all.contains("not concluded"), "{all}");
}
