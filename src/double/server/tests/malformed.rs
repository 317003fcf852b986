//! Requests hyper or the server must refuse: each gets an HTTP answer or a
//! clean close, never a panic, and the server answers normally afterwards.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::{Raw, assert_healthy, quick, start};
use crate::double::server::Limits;

/// Sends `bytes` on a fresh connection; returns the answer, if any, and the
/// connection.
async fn exchange(addr: std::net::SocketAddr, bytes: &[u8]) -> (Option<super::Answer>, Raw) {
    let mut raw = Raw::connect(addr).await;
    raw.send(bytes).await.expect("send");
    let answer = raw.answer().await;
    (answer, raw)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_is_refused_with_400_through_refuse() {
    let server = start(Limits::default()).await;
    let (answer, mut raw) = exchange(
        server.local_addr(),
        b"CONNECT host:443 HTTP/1.1\r\nhost: host:443\r\n\r\n",
    )
    .await;
    let answer = answer.expect("an answer");
    assert_eq!(answer.status, 400);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert!(
        answer.text().contains("\"error\":\"bad_request\""),
        "{}",
        answer.text()
    );
    assert!(raw.closed_within(Duration::from_secs(3)).await);
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_chunk_size_line_is_400() {
    let server = start(Limits::default()).await;
    let bytes = b"POST /x HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n";
    let (answer, mut raw) = exchange(server.local_addr(), bytes).await;
    let answer = answer.expect("an answer");
    assert_eq!(answer.status, 400);
    assert!(
        answer.text().contains("chunked framing is malformed"),
        "{}",
        answer.text()
    );
    assert!(raw.closed_within(Duration::from_secs(3)).await);
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_body_then_half_close_is_400() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(b"POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: 100\r\n\r\nonly-ten!!")
        .await
        .expect("send");
    raw.stream.shutdown().await.expect("half-close");
    // hyper reports the body cut short; the server refuses it with a 400
    // (a clean close would also be acceptable).
    let answer = raw.answer().await.expect("400 after the half-close");
    assert_eq!(answer.status, 400);
    assert!(
        answer.text().contains("ended before its declared length"),
        "{}",
        answer.text()
    );
    assert!(raw.closed_within(Duration::from_secs(3)).await);
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_request_line_is_400() {
    let server = start(Limits::default()).await;
    for garbage in [
        &b"\x16\x03\x01\x02\x00garbage\r\n\r\n"[..],
        b"HELLO\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET  HTTP/1.1\r\n\r\n",
    ] {
        let (answer, mut raw) = exchange(server.local_addr(), garbage).await;
        if let Some(answer) = answer {
            assert_eq!(answer.status, 400, "for {garbage:?}");
        }
        assert!(
            raw.closed_within(Duration::from_secs(3)).await,
            "closed after {garbage:?}"
        );
    }
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_headers_are_400() {
    let server = start(Limits::default()).await;
    for bad in [
        &b"GET / HTTP/1.1\r\nhost: t\r\ncontent-length: abc\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nhost: t\r\nno colon here\r\n\r\n",
        b"POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
        b"GET / HTTP/1.1\r\nho st: t\r\n\r\n",
    ] {
        let (answer, _raw) = exchange(server.local_addr(), bad).await;
        assert_eq!(
            answer.map(|a| a.status),
            Some(400),
            "for {:?}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_line_of_100_kb_is_431() {
    let server = start(Limits::default()).await;
    let mut request = b"GET /ok HTTP/1.1\r\nhost: t\r\nx-big: ".to_vec();
    request.extend(std::iter::repeat_n(b'a', 100 * 1024));
    request.extend_from_slice(b"\r\n\r\n");
    let mut raw = Raw::connect(server.local_addr()).await;
    // The server answers while the line is still arriving; the send may fail.
    let _ = raw.send(&request).await;
    let answer = raw.answer().await.expect("431, not a dropped connection");
    assert_eq!(answer.status, 431);
    assert!(raw.closed_within(Duration::from_secs(3)).await);
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_just_under_the_limit_is_served() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    let value = "b".repeat(15 * 1024);
    raw.send(format!("GET /ok HTTP/1.1\r\nhost: t\r\nx-big: {value}\r\n\r\n").as_bytes())
        .await
        .expect("send");
    assert_eq!(raw.answer().await.expect("answer").status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_header_lines_is_431() {
    let server = start(Limits::default()).await;
    let mut request = String::from("GET /ok HTTP/1.1\r\nhost: t\r\n");
    for i in 0..150 {
        request.push_str(&format!("x-h{i}: v\r\n"));
    }
    request.push_str("\r\n");
    let (answer, _raw) = exchange(server.local_addr(), request.as_bytes()).await;
    assert_eq!(answer.expect("an answer").status, 431);
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_asterisk_is_400() {
    let server = start(Limits::default()).await;
    let (answer, _raw) = exchange(
        server.local_addr(),
        b"OPTIONS * HTTP/1.1\r\nhost: t\r\n\r\n",
    )
    .await;
    assert_eq!(answer.expect("an answer").status, 400);
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_preface_and_http10_do_not_break_anything() {
    let server = start(quick()).await;
    let (answer, mut raw) =
        exchange(server.local_addr(), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
    assert!(answer.is_none_or(|a| a.status >= 400));
    assert!(raw.closed_within(Duration::from_secs(3)).await);
    let (answer, mut raw) = exchange(server.local_addr(), b"GET /ok HTTP/1.0\r\n\r\n").await;
    assert_eq!(answer.expect("HTTP/1.0 answered").status, 200);
    assert!(
        raw.closed_within(Duration::from_secs(3)).await,
        "HTTP/1.0 without keep-alive closes"
    );
    assert_healthy(server.local_addr()).await;
}
