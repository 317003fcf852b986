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
