//! A raw TCP receiver of one HTTP request: the bytes of its head exactly as sent, header names
//! in the case the sender wrote them (what PHP's `getallheaders()` under `php -S` shows).
#![allow(dead_code)] // each test crate uses a part

/// A receiver on a free loopback port, and its URL (`…/notify`): the head of the first
/// request it gets, exactly as sent (it answers `success`).
pub async fn receiver() -> (String, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let url = format!("http://{}/notify", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("a delivery");
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 64 * 1024 {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nsuccess")
            .await;
        let head = String::from_utf8_lossy(&seen).into_owned();
        head.split("\r\n\r\n").next().unwrap_or("").to_owned()
    });
    (url, task)
}

/// The head `receiver` saw, waiting at most 10 s for the delivery.
pub async fn within_10_s(head: tokio::task::JoinHandle<String>) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(10), head)
        .await
        .expect("delivered within 10 s")
        .expect("the receiver ran")
}
