//! What a person sees: a line per scenario as it finishes, the HTTP behind every failed
//! scenario in the console and the JSON report, every exchange in `--log-http`.

use std::process::Command;

use super::{BIN, SECRET};

#[test]
fn failed_scenarios_carry_their_exchanges_and_log_http_has_every_one() {
    let dir = std::env::temp_dir().join(format!("pc-seen-{}", std::process::id()));
    let log = dir.join("http.ndjson");
    let json = dir.join("report.json");
    let out = Command::new(BIN)
        .args(["run", "--fault", "close-time-zero", "--tags", "@X1 or @X4"])
        .args(["--log-http", log.to_str().unwrap()])
        .args(["--json", json.to_str().unwrap()])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("exchange POST /v1/transaction/close -> HTTP 200"),
        "{stdout}"
    );
    assert!(
        stderr.contains("/2] PASS Closing an order that does not exist"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/2] FAIL An unpaid order is closed"),
        "{stderr}"
    );
    let report = std::fs::read_to_string(&json).expect("json");
    let doc: serde_json::Value = serde_json::from_str(&report).expect("json parses");
    let scenarios = doc["scenarios"].as_array().expect("scenarios");
    for s in scenarios {
        let has = s["findings"]["exchanges"]
            .as_array()
            .is_some_and(|e| !e.is_empty());
        assert_eq!(has, s["outcome"]["status"] == "failed", "{s}");
    }
    let lines = std::fs::read_to_string(&log).expect("log");
    let mut count = 0;
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        assert!(v["exchange"]["status"].is_u64(), "{line}");
        count += 1;
    }
    assert!(count >= 5, "{lines}");
    assert!(!lines.contains(SECRET) && !lines.to_lowercase().contains("signature="));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_stops_sending_reports_what_finished_and_exits_130() {
    let served = super::serve(&[]);
    let dir = std::env::temp_dir().join(format!("pc-term-{}", std::process::id()));
    let json = dir.join("report.json");
    let junit = dir.join("junit.xml");
    let mut command = Command::new(BIN);
    command
        .args(["run", "--base-url", &served.url, "--rate-limit", "4"])
        .args([
            "--json",
            json.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in super::merchant() {
        command.env(k, v);
    }
    let child = command.spawn().expect("runs");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let started = std::time::Instant::now();
    let out = child.wait_with_output().expect("ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    assert!(stdout.contains("INTERRUPTED"), "{stdout}");
    assert!(
        stdout.contains("PASS"),
        "what finished is reported: {stdout}"
    );
    let report = std::fs::read_to_string(&json).expect("json written");
    assert!(report.contains("\"verdict\": \"interrupted\""), "{report}");
    assert!(
        std::fs::read_to_string(&junit)
            .expect("junit written")
            .contains("<testsuite")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
