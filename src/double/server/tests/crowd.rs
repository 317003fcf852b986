//! Many connections at once: slowloris half-open heads are cut at
//! `header_read_timeout` while others are served, thousands of concurrent
//! requests are all answered, and `max_connections` queues the rest.

use std::time::{Duration, Instant};

use super::{HEAVY, Raw, assert_healthy, quick, raise_fd_limit, start};
use crate::double::server::Limits;

/// Joins spawned tasks in order (no extra dependency for `join_all`).
async fn join_all<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.expect("task"));
    }
    out
}

/// How many connections the fd limit allows (each costs two descriptors
/// here: client and server end), keeping 256 spare.
fn affordable(wanted: usize) -> usize {
    let limit = raise_fd_limit((wanted as u64) * 2 + 512);
    let n = usize::try_from(limit.saturating_sub(256) / 2)
        .unwrap_or(usize::MAX)
        .min(wanted);
    if n < wanted {
        eprintln!("fd limit {limit}: testing {n} connections instead of {wanted}");
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_heads_are_cut_while_others_are_served() {
    let _heavy = HEAVY.lock().await;
    let n = affordable(1000);
    let server = start(quick()).await; // header_read_timeout: 1 s
    let addr = server.local_addr();
    let opened = Instant::now();
    let mut loris = Vec::with_capacity(n);
    for _ in 0..n {
        let mut raw = Raw::connect(addr).await;
        raw.send(b"GET /slow HT")
            .await
            .expect("partial request line");
        loris.push(raw);
    }
    let opening = opened.elapsed();
    // Meanwhile a normal request on a new connection is answered promptly.
    for _ in 0..3 {
        let t = Instant::now();
        assert_eq!(
            Raw::connect(addr)
                .await
                .get("/ok")
                .await
                .expect("served")
                .status,
            200
        );
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "answered in {:?}",
            t.elapsed()
        );
    }
    let waits: Vec<_> = loris
        .into_iter()
        .map(|mut raw| tokio::spawn(async move { raw.closed_within(Duration::from_secs(6)).await }))
        .collect();
    let closed = join_all(waits).await;
    let all_closed = opened.elapsed();
    assert!(
        closed.iter().all(|c| *c),
        "{} of {n} left open",
        closed.iter().filter(|c| !**c).count()
    );
    assert!(
        all_closed >= Duration::from_millis(900),
        "not cut before the timeout"
    );
    assert!(
        all_closed < opening + Duration::from_secs(4),
        "all cut within the timeout + slack: {all_closed:?}"
    );
    assert_healthy(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_concurrent_requests_are_all_answered() {
    let _heavy = HEAVY.lock().await;
    let n = affordable(2000);
    let server = start(Limits::default()).await;
    let addr = server.local_addr();
    let started = Instant::now();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let clients: Vec<_> = (0..n)
        .map(|i| {
            let barrier = std::sync::Arc::clone(&barrier);
            tokio::spawn(async move {
                let mut raw = Raw::connect(addr).await;
                // All connections are open before any request is sent.
                barrier.wait().await;
                raw.get(&format!("/echo?i={i}"))
                    .await
                    .map(|a| a.text() == format!("GET /echo i={i} 0"))
            })
        })
        .collect();
    let answers = join_all(clients).await;
    let right = answers.iter().filter(|a| **a == Some(true)).count();
    assert_eq!(
        right,
        n,
        "answered correctly: {right} of {n} in {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_healthy(addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_max_connections_new_ones_wait_their_turn() {
    let server = start(Limits {
        max_connections: 4,
        ..quick()
    })
    .await;
    let addr = server.local_addr();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut raw = Raw::connect(addr).await;
        assert_eq!(raw.get("/ok").await.expect("ok").status, 200);
        held.push(raw);
    }
    // A fifth connects (kernel backlog) but is not served while four are held.
    let waiting = tokio::spawn(async move {
        let t = Instant::now();
        let answer = Raw::connect(addr).await.get("/ok").await;
        (answer.map(|a| a.status), t.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "served beyond max_connections");
    drop(held.pop());
    let (status, waited) = waiting.await.expect("join");
    assert_eq!(status, Some(200));
    assert!(waited >= Duration::from_millis(250));
    drop(held);
    assert_healthy(addr).await;
}
