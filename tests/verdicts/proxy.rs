//! A proxy in front of a real target, to make it flaky or careless: one request per
//! connection (`Connection: close` is added, so every request has a fresh connection); a
//! connection can be dropped after its request is read, and an answer rewritten.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;

/// Starts the proxy in front of `upstream` (`http://host:port`); its URL. `drop(n)`: close
/// the n-th connection without an answer; `rewrite(request, answer)`: the answer sent back.
pub fn start(
    upstream: &str,
    drop: impl Fn(usize) -> bool + Send + Sync + 'static,
    rewrite: impl Fn(&[u8], Vec<u8>) -> Vec<u8> + Send + Sync + 'static,
) -> String {
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let drop = Arc::new(drop);
    let rewrite = Arc::new(rewrite);
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().flatten().enumerate() {
            let (upstream, drop, rewrite) = (upstream.clone(), drop.clone(), rewrite.clone());
            std::thread::spawn(move || {
                let mut client = client;
                let Some(request) = read_request(&mut client) else {
                    return;
                };
                if drop(n) {
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                let Ok(mut server) = TcpStream::connect(&upstream) else {
                    return;
                };
                let _ = server.write_all(&request);
                let mut answer = Vec::new();
                let _ = server.read_to_end(&mut answer);
                let _ = client.write_all(&rewrite(&request, answer));
                let _ = client.shutdown(Shutdown::Both);
            });
        }
    });
    url
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
    let length: usize = header(&data[..head_end], "content-length")
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

/// The value of header `name` (lower case) in an HTTP head.
pub fn header(head: &[u8], name: &str) -> Option<String> {
    let head = String::from_utf8_lossy(head);
    let head = head.split("\r\n\r\n").next().unwrap_or("");
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}
