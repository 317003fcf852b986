//! Normal traffic: keep-alive, refusals that keep the connection, hang-ups,
//! delays, raw paths, the double's own faults (panic, bad header), idle
//! timeout, and shutdown freeing the port.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use super::{Raw, assert_healthy, quick, start};
use crate::double::server::Limits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_on_one_connection() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let first = raw.get("/ok").await.expect("first");
    let second = raw
        .get("/echo?n=2")
        .await
        .expect("second on the same connection");
    assert_eq!((first.status, first.text().as_str()), (200, "ok"));
    assert_eq!(second.text(), "GET /echo n=2 0");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_refusals_keep_the_connection() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let refused = raw.get("/refuse").await.expect("405");
    assert_eq!(refused.status, 405);
    assert_eq!(refused.header("connection"), None);
    assert_eq!(raw.get("/bad").await.expect("400").status, 400);
    let after = raw.get("/ok").await.expect("answer after the refusals");
    assert_eq!(after.status, 200);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_and_posted_bodies() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let two = b"POST /a HTTP/1.1\r\nhost: t\r\ncontent-length: 5\r\n\r\nhelloPOST /b HTTP/1.1\r\nhost: t\r\n\
                transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    raw.send(two).await.expect("send");
    assert_eq!(raw.answer().await.expect("a").text(), "POST /a  5");
    assert_eq!(raw.answer().await.expect("b").text(), "POST /b  5");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_path_and_query_are_kept() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let answer = raw
        .get("/v1/pay%2Fments/a%20b?x=%2B1&y=%7E")
        .await
        .expect("answer");
    assert_eq!(answer.text(), "GET /v1/pay%2Fments/a%20b x=%2B1&y=%7E 0");
    raw.send(b"GET http://example.test/abs/p%41th?q=1 HTTP/1.1\r\nhost: example.test\r\n\r\n")
        .await
        .expect("send");
    assert_eq!(
        raw.answer().await.expect("absolute-form").text(),
        "GET /abs/p%41th q=1 0"
    );
    raw.send(b"GET http://example.test HTTP/1.1\r\nhost: example.test\r\n\r\n")
        .await
        .expect("send");
    assert_eq!(
        raw.answer().await.expect("absolute-form, no path").text(),
        "GET /  0"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hangup_closes_without_an_answer() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(b"GET /hangup HTTP/1.1\r\nhost: t\r\n\r\n")
        .await
        .expect("send");
    assert!(
        raw.closed_within(Duration::from_secs(5)).await,
        "closed with no byte"
    );
    assert_healthy(server.local_addr()).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_holds_nothing() {
    let server = start(Limits::default()).await;
    let addr = server.local_addr();
    let started = Instant::now();
    let slow = tokio::spawn(async move { Raw::connect(addr).await.get("/delay?ms=800").await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Meanwhile other connections are answered at once.
    for _ in 0..5 {
        let t = Instant::now();
        assert_eq!(
            Raw::connect(addr)
                .await
                .get("/ok")
                .await
                .expect("ok")
                .status,
            200
        );
        assert!(
            t.elapsed() < Duration::from_millis(300),
            "not held up by the delay"
        );
    }
    let late = slow.await.expect("join").expect("late answer");
    assert_eq!(late.text(), "late");
    assert!(started.elapsed() >= Duration::from_millis(800));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_faults_become_500() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let panicked = raw.get("/panic").await.expect("500 for a panic");
    assert_eq!(panicked.status, 500);
    let bad = raw.get("/bad-header").await.expect("500 for a bad header");
    assert_eq!(bad.status, 500);
    assert_eq!(raw.get("/ok").await.expect("still alive").status, 200);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_half_close_after_request_still_answered() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(b"GET /ok HTTP/1.1\r\nhost: t\r\n\r\n")
        .await
        .expect("send");
    raw.stream.shutdown().await.expect("half-close");
    assert_eq!(
        raw.answer().await.expect("answer after half-close").status,
        200
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_is_closed_after_keep_alive_idle() {
    let server = start(Limits {
        keep_alive_idle: Duration::from_millis(600),
        ..quick()
    })
    .await;
    let mut raw = Raw::connect(server.local_addr()).await;
    assert_eq!(raw.get("/ok").await.expect("ok").status, 200);
    // Idle shorter than the limit: still served (header timeout is 1 s too).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(raw.get("/ok").await.expect("still open").status, 200);
    let idle = Instant::now();
    assert!(
        raw.closed_within(Duration::from_secs(3)).await,
        "idle connection closed"
    );
    assert!(
        idle.elapsed() >= Duration::from_millis(500),
        "not before keep_alive_idle"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_frees_the_port_and_connections() {
    let server = start(Limits::default()).await;
    let addr = server.local_addr();
    assert!(server.uri().starts_with("http://127.0.0.1:"));
    let mut idle = Raw::connect(addr).await;
    assert_eq!(idle.get("/ok").await.expect("ok").status, 200);
    let t = Instant::now();
    server.shutdown().await;
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "idle connections do not hold shutdown"
    );
    assert!(
        idle.closed_within(Duration::from_secs(1)).await,
        "connection closed by shutdown"
    );
    let again = std::net::TcpListener::bind(addr).expect("port free after shutdown");
    let server = super::Server::start(
        again,
        std::sync::Arc::new(super::Scripted),
        Limits::default(),
    )
    .await
    .expect("restart");
    assert_healthy(addr).await;
    drop(server);
    // Drop aborts at once; give the runtime a moment to run the aborts.
    tokio::time::sleep(Duration::from_millis(100)).await;
    std::net::TcpListener::bind(addr).expect("port free after drop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_in_flight_requests_finish() {
    let server = start(Limits::default()).await;
    let addr = server.local_addr();
    let slow = tokio::spawn(async move { Raw::connect(addr).await.get("/delay?ms=300").await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown().await;
    let late = slow
        .await
        .expect("join")
        .expect("answered during the grace");
    assert_eq!(late.status, 200);
    assert_eq!(late.header("connection"), Some("close"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_close_from_the_double_closes() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let answer = raw.get("/close").await.expect("answer");
    assert_eq!(
        (answer.status, answer.header("connection")),
        (200, Some("close"))
    );
    assert!(raw.closed_within(Duration::from_secs(3)).await);
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_limits_are_clamped_not_panicking() {
    let limits = Limits {
        max_body: 0,
        max_headers_bytes: 0,
        header_read_timeout: Duration::MAX,
        body_read_timeout: Duration::ZERO,
        keep_alive_idle: Duration::MAX,
        max_connections: 0,
    };
    let applied = limits.normalized();
    assert_eq!(
        (applied.max_headers_bytes, applied.max_connections),
        (8192, 1)
    );
    let server = start(limits).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    assert_eq!(raw.get("/ok").await.expect("served").status, 200);
    raw.send(b"POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: 1\r\n\r\nx")
        .await
        .expect("send");
    assert_eq!(raw.answer().await.expect("413").status, 413);
    server.shutdown().await;
}
