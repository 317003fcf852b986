//! Micro-benchmark of the server itself: N keep-alive connections (1, 16, 64)
//! each sending requests back to back for a few seconds to a trivial
//! handler; prints req/s and p50/p99/max latency per N.
//!
//! `cargo run --release --example load -- [SECONDS=3] [SERVER_THREADS=2] [CLIENT_THREADS=1]`
//!
//! Server and clients run on separate tokio runtimes in this process, on
//! 127.0.0.1 only; every loop is bounded by the run time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pay_conformance::double::server::{DoubleReply, DoubleRequest, Handler, Limits, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Answers `{"id":"pay_1","status":"succeeded"}` to everything.
struct Trivial;

impl Handler for Trivial {
    fn handle(&self, _request: DoubleRequest) -> DoubleReply {
        DoubleReply::Answer {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"id":"pay_1","status":"succeeded"}"#.to_vec(),
            delay: None,
        }
    }
}

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn runtime(threads: u64) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::try_from(threads.max(1)).unwrap_or(1))
        .enable_all()
        .build()
        .expect("runtime")
}

/// One connection's loop: returns per-request latencies in microseconds.
async fn client(addr: std::net::SocketAddr, request: Arc<Vec<u8>>, until: Instant) -> Vec<u32> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut latencies = Vec::with_capacity(1 << 16);
    let mut buf = vec![0u8; 4096];
    while Instant::now() < until {
        let t = Instant::now();
        stream.write_all(&request).await.expect("write");
        let mut have = 0;
        loop {
            let n = stream.read(&mut buf[have..]).await.expect("read");
            assert!(n > 0, "server closed the connection");
            have += n;
            if let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&buf[..end]).expect("utf-8 head");
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .and_then(|v| v.parse().ok())
                    .expect("content-length");
                if have >= end + 4 + len {
                    break;
                }
            }
        }
        latencies.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    latencies
}

fn main() {
    let seconds = arg(1, 3);
    let server_rt = runtime(arg(2, 2));
    let client_rt = runtime(arg(3, 1));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let server = server_rt
        .block_on(Server::start(
            listener,
            Arc::new(Trivial),
            Limits::default(),
        ))
        .expect("start");
    let addr = server.local_addr();
    let body = "x".repeat(512);
    let requests = [
        (
            "GET, no body",
            "GET /v1/payments/pay_1 HTTP/1.1\r\nhost: bench\r\n\r\n".to_owned(),
        ),
        (
            "POST, 512 B body",
            format!(
                "POST /v1/payments HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            ),
        ),
    ];
    println!("server {} ({} s per run)", server.uri(), seconds);
    for (label, request) in requests {
        let request = Arc::new(request.into_bytes());
        for conns in [1usize, 16, 64] {
            let until = Instant::now() + Duration::from_secs(seconds);
            let started = Instant::now();
            let mut all: Vec<u32> = client_rt.block_on(async {
                let tasks: Vec<_> = (0..conns)
                    .map(|_| tokio::spawn(client(addr, Arc::clone(&request), until)))
                    .collect();
                let mut all = Vec::new();
                for task in tasks {
                    all.extend(task.await.expect("client"));
                }
                all
            });
            let elapsed = started.elapsed().as_secs_f64();
            all.sort_unstable();
            let pct = |p: f64| {
                all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
                    .copied()
                    .unwrap_or(0)
            };
            println!(
                "{label:>16} | {conns:>2} conns | {:>8.0} req/s | p50 {:>5} us | p99 {:>5} us | max {:>6} us | {} requests",
                all.len() as f64 / elapsed,
                pct(0.50),
                pct(0.99),
                all.last().copied().unwrap_or(0),
                all.len()
            );
        }
    }
    server_rt.block_on(server.shutdown());
}
