//! No run outlives its deadline: against a target that accepts connections and never
//! answers, or answers a byte a minute, `--deadline 3s` ends the run at 3 s — what did not
//! finish inconclusive, the reports written, exit 3 — although `--timeout` alone would let
//! each request wait a minute.

use std::io::Write;
use std::time::{Duration, Instant};

use super::{raw_target, run, text};

/// A target that accepts every connection, reads the request and then sends `head` and one
/// byte a minute (nothing at all for an empty `head`).
pub(super) fn stalling_target(head: &'static [u8]) -> String {
    raw_target(move |stream| {
        let _ = stream.write_all(head);
        while !head.is_empty() && stream.write_all(b" ").is_ok() {
            std::thread::sleep(Duration::from_secs(60));
        }
        std::thread::sleep(Duration::from_secs(600));
    })
}

fn stops_at_the_deadline(url: &str) {
    let dir = std::env::temp_dir().join(format!(
        "pc-deadline-{}-{}",
        std::process::id(),
        url.rsplit(':').next().unwrap_or("0")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (junit, json) = (dir.join("junit.xml"), dir.join("report.json"));
    let started = Instant::now();
    let out = run(
        &[
            "--base-url",
            url,
            "--rate-limit",
            "0",
            "--timeout",
            "60",
            "--deadline",
            "3s",
            "--tags",
            "@Q3 or @C1 or @X4",
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[("TTPAY_PAID_OUT_TRADE_NO", "")],
    );
    let took = started.elapsed();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(took < Duration::from_secs(3 + 5), "took {took:?}: {all}");
    assert!(took >= Duration::from_secs(3), "took {took:?}: {all}");
    assert!(all.contains("deadline"), "{all}");
    let report = std::fs::read_to_string(&json).expect("the JSON report is written");
    assert!(report.contains("deadline"), "{report}");
    let junit = std::fs::read_to_string(&junit).expect("the JUnit report is written");
    assert!(junit.contains("<testsuite"), "{junit}");
    eprintln!("{url}: exit 3 after {took:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_target_that_never_answers_is_inconclusive_at_the_deadline_with_reports() {
    stops_at_the_deadline(&stalling_target(b""));
}

#[test]
fn a_target_answering_a_byte_a_minute_is_inconclusive_at_the_deadline_with_reports() {
    stops_at_the_deadline(&stalling_target(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
    ));
}

#[test]
fn a_bad_deadline_is_exit_2_naming_it() {
    let out = run(&["--deadline", "soon"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--deadline"), "{}", text(&out));
}
