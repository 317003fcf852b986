//! Every read is bounded: a target that streams a body without end is judged at 8 MiB (a T3
//! deviation naming the size) and the suite's memory stays small.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{BIN, merchant, raw_target};

/// A target that answers every request with HTTP 200 and a JSON body that never ends.
fn endless_target() -> String {
    raw_target(|stream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"code\":0,\"msg\":\"",
        );
        let chunk = vec![b'x'; 64 * 1024];
        while stream.write_all(&chunk).is_ok() {}
    })
}

/// Peak resident memory of a process, in kB, while it lives.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn an_endless_body_is_a_t3_deviation_at_8_mib_with_bounded_memory() {
    let url = endless_target();
    let mut command = Command::new(BIN);
    command
        .args(["run", "--base-url", &url, "--rate-limit", "0"])
        .args(["--tags", "@T3 or @T4 or @Q3 or @X4", "--timeout", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in merchant() {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("runs");
    let started = Instant::now();
    let mut peak = 0;
    while child.try_wait().expect("waits").is_none() {
        peak = peak.max(vm_hwm_kb(child.id()).unwrap_or(0));
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "still running"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("the body is over 8 MiB"), "{all}");
    assert!(peak > 0 && peak < 200 * 1024, "peak RSS {peak} kB");
    eprintln!("peak RSS {} MB", peak / 1024);
}
