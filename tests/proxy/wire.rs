//! What passes through the proxy is what the upstream said, byte for byte but the `Date`: the
//! status line, the headers in their case and order, the body; an upstream that cannot be
//! reached is answered 502 and counted as inconclusive (exit 3), never as a finding.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::Proxy;

/// One raw request to `url` (`http://IP:PORT`) on a connection of its own; the raw answer.
fn raw(url: &str, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(url.trim_start_matches("http://")).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

/// The answer without its `date` line (the one header the clock changes) and its
/// `connection` line (hop-by-hop: each side's own connection).
fn without_date(answer: &[u8]) -> String {
    String::from_utf8_lossy(answer)
        .split("\r\n")
        .filter(|line| {
            let line = line.to_ascii_lowercase();
            !line.starts_with("date:") && !line.starts_with("connection:")
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[test]
fn answers_pass_unchanged_headers_in_their_case() {
    let proxy = Proxy::start("ttpay", "double", &[]);
    let request = "GET /_control/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let upstream = proxy_upstream(&proxy);
    let direct = without_date(&raw(&upstream, request));
    let through = without_date(&raw(&proxy.url, request));
    assert!(direct.starts_with("HTTP/1.1 200"), "{direct}");
    assert_eq!(through, direct, "the proxy changed the answer");
    assert!(
        through.contains("Content-Type: application/json"),
        "header case kept: {through}"
    );
    drop(proxy);
}

/// The upstream's URL, as the proxy's first line names it.
fn proxy_upstream(proxy: &Proxy) -> String {
    let first = proxy.first_line();
    first
        .split("forwarding to ")
        .nth(1)
        .expect("forwarding to")
        .trim()
        .to_owned()
}

#[test]
fn an_upstream_that_is_not_there_is_a_502_and_inconclusive() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let proxy = Proxy::start("ttpay", &url, &[]);
    let answer = String::from_utf8_lossy(&raw(
        &proxy.url,
        "POST /v1/transaction/query HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    ))
    .into_owned();
    assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");
    let stopped = proxy.stop();
    assert_eq!(stopped.code, 3, "inconclusive: {}", stopped.stdout);
    assert_eq!(stopped.count("provider"), 0);
    assert_eq!(
        stopped.report["traffic"]["inconclusive"], 1,
        "{}",
        stopped.stdout
    );
}

/// `proxy` with `args`: its exit code and what it said on stderr.
fn refused(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(super::BIN)
        .arg("proxy")
        .args(args)
        .output()
        .expect("the proxy runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn setup_mistakes_are_exit_2_with_a_diagnosis() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    for (args, says) in [
        (
            vec!["--upstream", "ftp://example.com"],
            "not an http:// or https:// URL",
        ),
        (vec!["--upstream", "not a url"], "--upstream"),
        (
            vec![
                "--upstream",
                "http://127.0.0.1:9",
                "--fault",
                "trailing-comma-json",
            ],
            "--upstream double",
        ),
        (
            vec!["--upstream", "double", "--fault", "no-such-fault"],
            "unknown fault",
        ),
        (vec!["--upstream", "double", "--provider", "nope"], "nope"),
        (
            vec!["--upstream", "double", "--listen", port.as_str()],
            "cannot listen",
        ),
    ] {
        let (code, stderr) = refused(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
