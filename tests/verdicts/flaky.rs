//! A flaky target is inconclusive, never a deviation: one that drops every other connection,
//! whatever it is sent, drops well-formed requests too, so its drops of malformed input (T5)
//! or of undocumented methods (T7) say nothing — exit 3. One that drops only the malformed
//! input, answering every well-formed request, still deviates from T5 (exit 1).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;
use wiremock::matchers::{body_string, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{run, serve, text};

/// A proxy in front of `upstream` (`http://host:port`) that serves one request per
/// connection (`Connection: close`, so that every request has a fresh connection) and closes
/// every other connection it accepts after reading the request, without an answer.
fn every_other_connection_dropped(upstream: &str) -> (String, Arc<AtomicU64>) {
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let dropped = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&dropped);
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().flatten().enumerate() {
            let upstream = upstream.clone();
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || {
                let mut client = client;
                let Some(request) = read_request(&mut client) else {
                    return;
                };
                if n % 2 == 1 {
                    counter.fetch_add(1, Ordering::Relaxed);
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                let Ok(mut server) = TcpStream::connect(&upstream) else {
                    return;
                };
                let _ = server.write_all(&request);
                let mut answer = Vec::new();
                let _ = server.read_to_end(&mut answer);
                let _ = client.write_all(&answer);
                let _ = client.shutdown(Shutdown::Both);
            });
        }
    });
    (url, dropped)
}

/// One HTTP/1.1 request, whole, with `Connection: close` added after its request line.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 65536];
    let head_end = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    }
    let line_end = data.windows(2).position(|w| w == b"\r\n")? + 2;
    let mut request = data[..line_end].to_vec();
    request.extend_from_slice(b"Connection: close\r\n");
    request.extend_from_slice(&data[line_end..]);
    Some(request)
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
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": 12002,
            "msg": "data does not exist",
            "request_id": "3f0c2a4e-1d2b-4c5e-9f00-1234567890ab",
        })))
        .mount(&server)
        .await;
    let uri = server.uri();
    let out = tokio::task::spawn_blocking(move || {
        run(
            &[
                "--base-url",
                &uri,
                "--rate-limit",
                "0",
                "--tags",
                "@T5 and @create",
            ],
            &[("TTPAY_PAID_OUT_TRADE_NO", "")],
        )
    })
    .await
    .expect("joins");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("no answer, twice"), "{all}");
    assert!(!all.contains("not concluded"), "{all}");
}
