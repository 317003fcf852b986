//! Sustained and hostile use: memory does not grow with requests served,
//! a client that stops reading or drips its head is cut, random bytes never
//! hurt the server, and shutdown or drop leave no task behind.

use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use super::{HEAVY, Raw, assert_healthy, quick, rss_kib, start};
use crate::double::server::Limits;

/// Sends `per_conn` keep-alive POSTs with a 4 KiB body on each of `conns`.
async fn hammer(addr: std::net::SocketAddr, conns: usize, per_conn: usize) {
    let body = vec![b'p'; 4096];
    let request = [
        format!(
            "POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
        &body,
    ]
    .concat();
    let tasks: Vec<_> = (0..conns)
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut raw = Raw::connect(addr).await;
                for _ in 0..per_conn {
                    raw.send(&request).await.expect("send");
                    assert_eq!(
                        raw.answer().await.expect("answer").text(),
                        "POST /echo  4096"
                    );
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_does_not_grow_with_requests_served() {
    let _heavy = HEAVY.lock().await;
    let server = start(Limits::default()).await;
    let addr = server.local_addr();
    hammer(addr, 16, 200).await; // warm-up: allocator pools, buffers
    let before = rss_kib();
    hammer(addr, 16, 1000).await; // 16,000 requests, 64 MiB of bodies
    let grown = rss_kib().saturating_sub(before);
    // Retaining each request (as wiremock does, ~6 KB each) would be ~96 MiB.
    assert!(
        grown < 8 * 1024,
        "RSS grew by {grown} KiB over 16,000 requests"
    );
    assert_healthy(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_that_stops_reading_is_cut_after_keep_alive_idle() {
    let server = start(Limits {
        keep_alive_idle: Duration::from_millis(800),
        ..quick()
    })
    .await;
    let mut raw = Raw::connect(server.local_addr()).await;
    raw.send(b"GET /big?mb=32 HTTP/1.1\r\nhost: t\r\n\r\n")
        .await
        .expect("send");
    // Read nothing: the server's write stalls once the socket buffers fill.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut got = Vec::new();
    let ended =
        tokio::time::timeout(Duration::from_secs(5), raw.stream.read_to_end(&mut got)).await;
    assert!(ended.is_ok(), "connection still open after the idle limit");
    assert!(
        got.len() < 32 << 20,
        "the whole answer was sent: {} bytes",
        got.len()
    );
    assert_healthy(server.local_addr()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dripped_head_is_cut_at_header_read_timeout() {
    let server = start(quick()).await; // header_read_timeout: 1 s
    let mut raw = Raw::connect(server.local_addr()).await;
    let started = Instant::now();
    let mut cut = false;
    for byte in b"GET /ok HTTP/1.1\r\nx-drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter()
    {
        if raw.send(std::slice::from_ref(byte)).await.is_err()
            || raw.closed_within(Duration::from_millis(100)).await
        {
            cut = true;
            break;
        }
    }
    assert!(
        cut,
        "a head dripped for {:?} was not cut",
        started.elapsed()
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "cut after {elapsed:?}"
    );
    assert_healthy(server.local_addr()).await;
}

/// A small deterministic generator (xorshift), so failures replay.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_and_mutated_requests_never_hurt_the_server() {
    let server = start(Limits {
        max_body: 64 * 1024,
        ..quick()
    })
    .await;
    let addr = server.local_addr();
    let seeds: &[&[u8]] = &[
        b"POST /echo?a=1 HTTP/1.1\r\nhost: t\r\ncontent-length: 5\r\n\r\nhello",
        b"POST /echo HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"GET /ok HTTP/1.1\r\nhost: t\r\nexpect: 100-continue\r\n\r\n",
    ];
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let mut tasks = Vec::new();
    for i in 0..300 {
        let mut bytes = seeds[i % seeds.len()].to_vec();
        if i % 4 == 0 {
            bytes = (0..noise.below(4096)).map(|_| noise.next() as u8).collect();
        } else {
            for _ in 0..1 + noise.below(4) {
                let at = noise.below(bytes.len());
                bytes[at] = noise.next() as u8;
            }
        }
        tasks.push(tokio::spawn(async move {
            let mut raw = Raw::connect(addr).await;
            let _ = raw.send(&bytes).await;
            let _ = tokio::time::timeout(Duration::from_secs(3), raw.answer()).await;
        }));
    }
    for task in tasks {
        task.await.expect("client task");
    }
    assert_healthy(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_and_drop_leave_no_task_behind() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let baseline = metrics.num_alive_tasks();
    for graceful in [true, false] {
        let server = start(quick()).await;
        let addr = server.local_addr();
        hammer(addr, 8, 20).await;
        let mut idle = Raw::connect(addr).await;
        assert_eq!(idle.get("/ok").await.expect("ok").status, 200);
        let mut partial = Raw::connect(addr).await;
        partial.send(b"GET /ok HT").await.expect("partial");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            metrics.num_alive_tasks() > baseline + 2,
            "connections are tasks"
        );
        if graceful {
            server.shutdown().await;
        } else {
            drop(server);
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while metrics.num_alive_tasks() > baseline && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            metrics.num_alive_tasks(),
            baseline,
            "tasks left after shutdown (graceful: {graceful})"
        );
        std::net::TcpListener::bind(addr).expect("port free");
    }
}
