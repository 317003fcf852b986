//! Raw TCP against the `serve` binary: what a broken client, a proxy-minded one, a huge upload,
//! a crowd and a slowloris do. After each, `serve` is still running and still answers a signed
//! create and query correctly.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::{Client, Served, serve};

fn addr(served: &Served) -> SocketAddr {
    served
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("an ip:port")
}

/// Sends `bytes`, half-closes when `half_close`, and reads until EOF (at most 20 s).
async fn exchange(addr: SocketAddr, bytes: &[u8], half_close: bool) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    if half_close {
        stream.shutdown().await.expect("half-close");
    }
    read_all(&mut stream).await
}

async fn read_all(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut seen)).await;
    String::from_utf8_lossy(&seen).into_owned()
}

/// Still running, and a signed create + query still get their normal answers.
async fn still_serving(served: &mut Served, out_trade_no: &str) {
    assert!(served.alive(), "serve exited");
    let client = Client::new(&served.url);
    client.create(out_trade_no, "").await;
    assert_eq!(client.query(out_trade_no).await["trade_state"], "NOTPAY");
}

fn status_line(answer: &str) -> &str {
    answer.lines().next().unwrap_or_default()
}

#[tokio::test]
async fn broken_framing_gets_json_refusals() {
    let mut served = serve(&[], &[]);
    let at = addr(&served);
    let connect = exchange(
        at,
        b"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: x\r\n\r\n",
        false,
    )
    .await;
    assert!(
        status_line(&connect).starts_with("HTTP/1.1 400"),
        "{connect}"
    );
    assert!(connect.contains("\"code\":100"), "{connect}");

    let chunked = b"POST /v1/transaction/prepayment HTTP/1.1\r\nHost: x\r\n\
        Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n";
    let chunked = exchange(at, chunked, false).await;
    assert!(
        status_line(&chunked).starts_with("HTTP/1.1 400"),
        "{chunked}"
    );
    assert!(chunked.contains("chunked"), "{chunked}");

    let short = b"POST /v1/transaction/prepayment HTTP/1.1\r\nHost: x\r\n\
        Content-Length: 100\r\n\r\n{\"mch_id\":";
    let short = exchange(at, short, true).await;
    assert!(status_line(&short).starts_with("HTTP/1.1 400"), "{short}");
    assert!(short.contains("declared length"), "{short}");
    still_serving(&mut served, "TCP-FRAMING").await;
}

/// Declares `len` bytes, writes as many as the server takes, and reads the answer.
async fn upload(addr: SocketAddr, path: &str, len: usize, start: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("head");
    let (mut reader, mut writer) = stream.into_split();
    let start = start.to_vec();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&start).await;
        let chunk = vec![b'a'; 64 * 1024];
        let mut sent = start.len();
        while sent < len {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
    });
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), reader.read_to_end(&mut seen)).await;
    writing.abort();
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn a_100_mb_body_and_a_50_mb_tx_id_get_413() {
    let mut served = serve(&[], &[]);
    let at = addr(&served);
    let started = Instant::now();
    let huge = upload(at, "/v1/transaction/prepayment", 100 * 1024 * 1024, b"{").await;
    assert!(status_line(&huge).starts_with("HTTP/1.1 413"), "{huge}");
    assert!(huge.contains("\"code\":100"), "{huge}");
    assert!(started.elapsed() < Duration::from_secs(10));

    let client = Client::new(&served.url);
    client.create("TCP-TXID", "").await;
    let tx_id = upload(
        at,
        "/_control/orders/TCP-TXID/pay",
        50 * 1024 * 1024,
        b"{\"tx_id\": \"",
    )
    .await;
    assert!(status_line(&tx_id).starts_with("HTTP/1.1 413"), "{tx_id}");
    let long = format!("{{\"tx_id\": \"{}\"}}", "a".repeat(100_000));
    let (status, refused) = client
        .control("POST", "orders/TCP-TXID/pay", long.as_bytes())
        .await;
    assert_eq!(
        (status, &refused["error"]),
        (400, &serde_json::json!("bad_request"))
    );
    assert_eq!(client.query("TCP-TXID").await["trade_state"], "NOTPAY");
    still_serving(&mut served, "TCP-HUGE").await;
}

#[tokio::test]
async fn two_thousand_connections_at_once_are_all_answered() {
    let mut served = serve(&[], &[]);
    let at = addr(&served);
    let mut streams = Vec::new();
    for _ in 0..2000 {
        streams.push(TcpStream::connect(at).await.expect("connect"));
    }
    let asks = streams.into_iter().map(|mut stream| {
        tokio::spawn(async move {
            let ask = b"GET /_control/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            stream.write_all(ask).await.expect("write");
            read_all(&mut stream).await
        })
    });
    let answers = futures::future::join_all(asks).await;
    let ok = answers
        .iter()
        .filter(|a| a.as_ref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")))
        .count();
    let odd = answers
        .iter()
        .find(|a| !a.as_ref().is_ok_and(|a| a.starts_with("HTTP/1.1 200")));
    assert_eq!(ok, 2000, "e.g. {odd:?}");
    still_serving(&mut served, "TCP-CROWD").await;
}

#[tokio::test]
async fn a_slowloris_of_1000_half_open_heads_is_closed_and_others_are_served() {
    let mut served = serve(&[], &[]);
    let at = addr(&served);
    let mut slow = Vec::new();
    for _ in 0..1000 {
        let mut stream = TcpStream::connect(at).await.expect("connect");
        let head = b"POST /v1/transaction/query HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        stream.write_all(head).await.expect("write");
        slow.push(stream);
    }
    // Meanwhile a real client gets its answers at once.
    let started = Instant::now();
    still_serving(&mut served, "TCP-SLOW-1").await;
    assert!(started.elapsed() < Duration::from_secs(3));
    // The heads never finish: after the 10 s head timeout each is closed, with no answer.
    let closes = slow.into_iter().map(|mut stream| {
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let read = tokio::time::timeout(Duration::from_secs(25), stream.read_to_end(&mut seen));
            matches!(read.await, Ok(Ok(0)) | Ok(Err(_))) || seen.is_empty()
        })
    });
    let closed = futures::future::join_all(closes).await;
    assert_eq!(
        closed.iter().filter(|c| matches!(c, Ok(true))).count(),
        1000
    );
    still_serving(&mut served, "TCP-SLOW-2").await;
}

#[tokio::test]
async fn answers_name_their_headers_in_canonical_case() {
    let served = serve(&[], &[]);
    let answer = exchange(
        addr(&served),
        b"GET /_control/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
    )
    .await;
    let head = answer.split("\r\n\r\n").next().unwrap_or("");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    for name in ["Content-Type: application/json", "Content-Length: "] {
        assert!(
            head.contains(&format!("\r\n{name}")),
            "no `{name}` in:\n{head}"
        );
    }
    assert!(!head.contains("\r\ncontent-type:"), "{head}");
}
