//! T7 on a connection of its own, over real HTTP: in front of `serve`, a raw-TCP front end
//! that answers a `PUT` with a 405 and leaves its body unread — so the body is read as the
//! start of the next request on that connection, as a careless server does. Exactly the `PUT`
//! scenarios must fail, under T7 only: the T7 steps send the method and the valid request after
//! it over one kept-alive connection of their own, and no other scenario gets that connection.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use common::{command, serve};

const SECRET: &str = "T7-own-connection-secret-0000042";
const OTHER_SECRET: &str = "T7-own-connection-secret-0000043";

/// The longest request or response head the front end reads.
const MAX_HEAD: usize = 64 * 1024;

/// Bodies over this size the front end refuses itself, with a 413.
const MAX_BODY: usize = 32 * 1024;

fn merchants() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TTPAY_APP_ID", "app-t7"),
        ("TTPAY_MCH_ID", "7100000001"),
        ("TTPAY_APP_SECRET", SECRET),
        ("TTPAY_OTHER_APP_ID", "app-t7-other"),
        ("TTPAY_OTHER_MCH_ID", "7100000002"),
        ("TTPAY_OTHER_APP_SECRET", OTHER_SECRET),
        ("TTPAY_PAID_OUT_TRADE_NO", "PAID-T7-1"),
    ]
}

/// What reading a head came to.
enum Head {
    /// Its length with the blank line.
    Complete(usize),
    TooLarge,
    Closed,
}

/// Reads from `from` into `buf` until it holds a whole head.
fn read_head(from: &mut TcpStream, buf: &mut Vec<u8>) -> Head {
    loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Head::Complete(at + 4);
        }
        if buf.len() > MAX_HEAD {
            return Head::TooLarge;
        }
        let mut chunk = [0u8; 8192];
        match from.read(&mut chunk) {
            Ok(0) | Err(_) => return Head::Closed,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Answers `status` and closes gently: what the client still sends is read first, so that no
/// reset loses the answer.
fn refuse_and_close(client: &mut TcpStream, status: &str) {
    let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = client.write_all(answer.as_bytes());
    let _ = client.shutdown(std::net::Shutdown::Write);
    let _ = client.set_read_timeout(Some(Duration::from_secs(2)));
    let mut scratch = [0u8; 8192];
    while matches!(client.read(&mut scratch), Ok(n) if n > 0) {}
}

/// The `content-length` of a head (0 when there is none).
fn content_length(head: &str) -> usize {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

/// Takes `head_len` bytes of head and its body off the front of `buf`, reading more of the
/// body from `from` as needed.
fn take_message(from: &mut TcpStream, buf: &mut Vec<u8>, head_len: usize) -> Option<Vec<u8>> {
    let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
    let whole = head_len + content_length(&head);
    while buf.len() < whole {
        let mut chunk = [0u8; 8192];
        match from.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(buf.drain(..whole).collect())
}

fn is_request_line(line: &str) -> bool {
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_uppercase())
        && target.starts_with('/')
        && version == "HTTP/1.1"
}

/// One client connection: PUT answered 405 with its body left in the buffer; what does not
/// parse as a request gets a 400 and the connection closed; the rest is relayed to `upstream`.
fn front(mut client: TcpStream, upstream: String) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut server) = TcpStream::connect(&upstream) else {
        return;
    };
    let _ = server.set_read_timeout(Some(Duration::from_secs(30)));
    let (mut from_client, mut from_server) = (Vec::new(), Vec::new());
    loop {
        let head_len = match read_head(&mut client, &mut from_client) {
            Head::Complete(len) => len,
            // As HTTP front ends do (T5 allows it).
            Head::TooLarge => {
                return refuse_and_close(&mut client, "431 Request Header Fields Too Large");
            }
            Head::Closed => return,
        };
        let head = String::from_utf8_lossy(&from_client[..head_len]).into_owned();
        let line = head.lines().next().unwrap_or_default();
        if !is_request_line(line) {
            let _ = client.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request",
            );
            return;
        }
        if line.starts_with("PUT ") {
            // The careless part: the head is consumed, the body is not.
            from_client.drain(..head_len);
            let body = br#"{"code":405,"msg":"method not allowed"}"#;
            let answer = format!(
                "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if client.write_all(answer.as_bytes()).is_err() || client.write_all(body).is_err() {
                return;
            }
            continue;
        }
        if content_length(&head) > MAX_BODY {
            return refuse_and_close(&mut client, "413 Payload Too Large");
        }
        let Some(request) = take_message(&mut client, &mut from_client, head_len) else {
            return;
        };
        if server.write_all(&request).is_err() {
            return;
        }
        let Head::Complete(answer_head) = read_head(&mut server, &mut from_server) else {
            return;
        };
        let Some(answer) = take_message(&mut server, &mut from_server, answer_head) else {
            return;
        };
        if client.write_all(&answer).is_err() {
            return;
        }
    }
}

/// The front end on a free loopback port, relaying to `upstream` (`127.0.0.1:PORT`).
fn start_front(upstream: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let upstream = upstream.to_owned();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let upstream = upstream.clone();
            std::thread::spawn(move || front(client, upstream));
        }
    });
    url
}

#[test]
fn a_put_body_left_unread_fails_exactly_the_put_scenarios_under_t7() {
    let env = merchants();
    let served = serve(&[], &env);
    let upstream = served
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let url = start_front(&upstream);
    let dir = std::env::temp_dir().join(format!("pc-t7-{}", std::process::id()));
    let json = dir.join("report.json");
    let out = command(&[
        "run",
        "--base-url",
        &url,
        "--response-signatures",
        "strict",
        "--rate-limit",
        "0",
        "--json",
        json.to_str().expect("utf-8"),
    ])
    .envs(env.iter().copied())
    .output()
    .expect("the suite runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("the JSON report")).expect("JSON");
    let failed: Vec<(String, Vec<String>)> = report["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter(|s| s["outcome"]["status"] != "passed")
        .map(|s| {
            let rules = s["findings"]["deviations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| d["rule"].as_str().unwrap_or_default().to_owned())
                .collect();
            (s["name"].as_str().unwrap_or_default().to_owned(), rules)
        })
        .collect();
    let mut names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "A PUT to close is refused and leaves the order unpaid",
            "A PUT to create is refused and creates nothing",
            "A PUT to query is refused",
        ],
        "{all}"
    );
    for (name, rules) in &failed {
        assert_eq!(rules, &["T7"], "{name}: {all}");
    }
    assert!(
        all.contains("was the body of the PUT left unread"),
        "the deviation says what it suspects: {all}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
