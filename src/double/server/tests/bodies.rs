//! Request bodies against `max_body` and `body_read_timeout`: refused with
//! 413/408 through `Handler::refuse`, never read whole into memory.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

use super::{HEAVY, Raw, assert_healthy, quick, rss_kib, start};
use crate::double::server::Limits;

const MIB: usize = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_at_the_limit_is_served() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(format!("POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: {MIB}\r\n\r\n").as_bytes())
        .await
        .expect("head");
    raw.send(&vec![b'x'; MIB]).await.expect("body");
    assert_eq!(
        raw.answer().await.expect("answer").text(),
        format!("POST /x  {MIB}")
    );
    assert_eq!(raw.get("/ok").await.expect("kept alive").status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_length_over_the_limit_is_413_at_once() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    // Only the head is sent: the answer must not wait for the body.
    raw.send(
        b"POST /x HTTP/1.1\r\nhost: t\r\nexpect: 100-continue\r\ncontent-length: 104857600\r\n\r\n",
    )
    .await
    .expect("head");
    let answer = raw.answer().await.expect("413 before any body byte");
    assert_eq!(answer.status, 413, "no 100 Continue first");
    assert_eq!(answer.header("connection"), Some("close"));
    assert!(answer.text().contains("payload_too_large"));
    assert_healthy(server.local_addr()).await;
}

/// Streams up to 100 MB in 64 KiB writes while reading the answer; returns
/// the answer and how many body bytes were written before it came.
async fn upload(
    addr: std::net::SocketAddr,
    head: &[u8],
    chunked: bool,
) -> (Option<super::Answer>, usize) {
    let raw = Raw::connect(addr).await;
    let (read, mut write) = raw.stream.into_split();
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&sent);
    let head = head.to_vec();
    let writer = tokio::spawn(async move {
        let chunk = vec![b'y'; 64 * 1024];
        let framed: Vec<u8> = if chunked {
            [b"10000\r\n".as_slice(), &chunk, b"\r\n"].concat()
        } else {
            chunk.clone()
        };
        write.write_all(&head).await?;
        for _ in 0..(100 * MIB / chunk.len()) {
            write.write_all(&framed).await?;
            counter.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
        }
        std::io::Result::Ok(())
    });
    let mut raw = Raw::over(read);
    let answer = raw.answer().await;
    let at_answer = sent.load(std::sync::atomic::Ordering::Relaxed);
    writer.abort();
    (answer, at_answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_uploads_of_100_mb_are_refused_early() {
    let _heavy = HEAVY.lock().await;
    let server = start(Limits::default()).await;
    let addr = server.local_addr();
    let rss_before = rss_kib();
    let started = Instant::now();
    for _ in 0..3 {
        let (answer, sent) = upload(
            addr,
            b"POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: 104857600\r\n\r\n",
            false,
        )
        .await;
        assert_eq!(answer.expect("413 answered").status, 413);
        assert!(sent < 20 * MIB, "answered after {sent} bytes of 100 MB");
        let chunked = b"POST /x HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n";
        let (answer, sent) = upload(addr, chunked, true).await;
        let answer = answer.expect("413 answered for chunked");
        assert_eq!(answer.status, 413);
        assert_eq!(answer.header("connection"), Some("close"));
        assert!(
            sent < 20 * MIB,
            "chunked answered after {sent} bytes of 100 MB"
        );
    }
    let grown = rss_kib().saturating_sub(rss_before);
    assert!(
        grown < 64 * 1024,
        "RSS grew by {grown} KiB over six 100 MB uploads"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_healthy(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_body_is_408() {
    let server = start(quick()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(b"POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: 10\r\n\r\nabc")
        .await
        .expect("partial body");
    let t = Instant::now();
    let answer = raw.answer().await.expect("408");
    assert_eq!(answer.status, 408);
    assert!(answer.text().contains("request_timeout"));
    assert!(t.elapsed() >= Duration::from_millis(900) && t.elapsed() < Duration::from_secs(4));
    assert!(raw.closed_within(Duration::from_secs(4)).await);
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_refusal_envelope_is_used() {
    struct Provider;
    impl crate::double::server::Handler for Provider {
        fn handle(
            &self,
            _: crate::double::server::DoubleRequest,
        ) -> crate::double::server::DoubleReply {
            crate::double::server::DoubleReply::json(200, &serde_json::json!({}))
        }
        fn refuse(&self, status: u16, reason: &str) -> crate::double::server::DoubleReply {
            crate::double::server::DoubleReply::json(
                status,
                &serde_json::json!({ "code": "TT-FAIL", "msg": reason }),
            )
        }
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let limits = Limits {
        max_body: 10,
        ..Limits::default()
    };
    let server =
        crate::double::server::Server::start(listener, std::sync::Arc::new(Provider), limits)
            .await
            .expect("start");
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(b"POST /x HTTP/1.1\r\nhost: t\r\ncontent-length: 11\r\n\r\n01234567890")
        .await
        .expect("send");
    let answer = raw.answer().await.expect("413");
    assert_eq!(answer.status, 413);
    assert!(answer.text().contains("TT-FAIL"), "{}", answer.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_100_continue_is_honoured() {
    let server = start(Limits::default()).await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(b"POST /x HTTP/1.1\r\nhost: t\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n")
        .await
        .expect("head");
    assert_eq!(raw.answer().await.expect("100 Continue").status, 100);
    raw.send(b"hello").await.expect("body");
    assert_eq!(raw.answer().await.expect("answer").text(), "POST /x  5");
}
