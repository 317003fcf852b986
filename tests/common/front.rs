//! A careless HTTP front end over raw TCP, in front of `serve`: it answers a request of some
//! methods with a 405 and leaves that request's body unread, so the body is read as the start
//! of the next request on that connection — as a careless server does. The rest it relays.
#![allow(dead_code)] // each test crate uses a part

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// Which methods the front end answers itself, without reading their body, and with what.
#[derive(Clone, Copy)]
pub struct Careless {
    pub methods: &'static [&'static str],
    /// The JSON body of its 405.
    pub body: &'static [u8],
}

/// The longest request or response head the front end reads.
const MAX_HEAD: usize = 64 * 1024;

/// Bodies over this size the front end refuses itself, with a 413.
const MAX_BODY: usize = 32 * 1024;

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

/// One client connection: a request whose method is one of `careless.methods` is answered
/// 405 with `careless.body`, its own body left in the buffer; what does not parse as a
/// request gets a 400 and the connection closed; the rest is relayed to `upstream`.
fn front(mut client: TcpStream, upstream: String, careless: Careless) {
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
        let method = line.split(' ').next().unwrap_or_default();
        if careless.methods.contains(&method) {
            // The careless part: the head is consumed, the body is not.
            from_client.drain(..head_len);
            let body = careless.body;
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

/// The front end on a free loopback port, relaying to `upstream` (`http://127.0.0.1:PORT/`),
/// careless with the methods of `careless`; its URL.
pub fn start_front(upstream: &str, careless: Careless) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let upstream = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let upstream = upstream.clone();
            std::thread::spawn(move || front(client, upstream, careless));
        }
    });
    url
}
