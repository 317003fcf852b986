//! `pay-conformance explore` over real HTTP against the embedded doubles: a conforming double
//! gives no finding however many cases; every input-validation fault is found without the
//! scenarios and shrunk to a minimal request (at most one change beyond the required fields);
//! the saved cases replay; the printed curl reproduces the finding through `sign`; no secret
//! is printed; bad input is exit 2 with a diagnosis.

mod faults;
mod replay;

#[path = "../common/mod.rs"]
mod common;

use serde_json::Value;

/// A fresh folder of its own under cargo's temporary directory.
pub fn scratch() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("explore-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// `explore ARGS… --json FILE`: the exit code, what it printed, and its JSON report.
pub fn explore(args: &[&str], env: &[(&str, &str)]) -> (i32, String, Value) {
    let dir = scratch();
    let json = dir.join("explore.json");
    let save = dir.join("cases.json");
    let mut command = common::command(&["explore"]);
    command.args(args).args([
        "--json",
        json.to_str().expect("utf-8"),
        "--save",
        save.to_str().expect("utf-8"),
    ]);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("explore runs");
    let printed = common::printed(&out);
    let report = std::fs::read_to_string(&json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), printed, report)
}

pub fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_conforming_ttpay_double_gives_no_finding_over_thousands_of_cases() {
    let (code, printed, report) = explore(&["--max-examples", "700", "--seed", "11"], &[]);
    assert_eq!(code, 0, "{printed}");
    assert!(findings(&report).is_empty(), "{printed}");
    // Each endpoint's sweep (every catalogue entry alone; another merchant's signature, a bad
    // one, none, a garbled one; an order of no one's; four other methods: create 209, query 68,
    // close 56) before its 700 random cases.
    assert_eq!(report["cases"], 2433, "{report}");
    // Every create is followed by a query; closes of real orders too.
    let requests = report["requests"].as_u64().unwrap();
    assert!(requests > 2800, "{requests}");
    assert!(
        printed.contains("NO FINDING: 2433 cases (create 909, query 768, close 756)"),
        "{printed}"
    );
}

#[test]
fn a_conforming_wechatpay_double_gives_no_finding() {
    let (code, printed, report) = explore(
        &[
            "--provider",
            "wechatpay",
            "--max-examples",
            "250",
            "--seed",
            "11",
        ],
        &[],
    );
    assert_eq!(code, 0, "{printed}");
    assert!(findings(&report).is_empty(), "{printed}");
    assert_eq!(report["cases"], 670, "{report}");
    assert!(report["requests"].as_u64().unwrap() > 900, "{report}");
}

#[test]
fn setup_mistakes_are_exit_2_with_a_diagnosis() {
    let garbage = scratch().join("garbage.json");
    std::fs::write(&garbage, "{not a cases file").unwrap();
    for (args, says) in [
        (vec!["--endpoint", "refund"], "no such endpoint"),
        (vec!["--fault", "no-such-fault"], "unknown fault"),
        (
            vec![
                "--base-url",
                "http://127.0.0.1:9",
                "--fault",
                "negative-amount-accepted",
            ],
            "embedded double only",
        ),
        (vec!["--base-url", "http://127.0.0.1:9"], "TTPAY_APP_ID"),
        (vec!["--base-url", "ftp://x"], "not an http(s) URL"),
        (vec!["--max-examples", "0"], "explores nothing"),
        (
            vec!["--replay", garbage.to_str().unwrap()],
            "not a cases file",
        ),
        (vec!["--replay", "/nonexistent/cases.json"], "--replay"),
        (vec!["--provider", "nope"], "nope"),
    ] {
        let (code, printed, _) = explore(&args, &[]);
        assert_eq!(code, 2, "{args:?}: {printed}");
        assert!(printed.contains(says), "{args:?}: {printed}");
        assert!(!printed.contains("panicked"), "{printed}");
    }
}

#[test]
fn a_target_that_answers_nothing_is_inconclusive_not_a_finding() {
    // A port with nothing listening: every case and every probe goes unanswered.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}");
    let env = [
        ("TTPAY_APP_ID", "double-app-0001"),
        ("TTPAY_MCH_ID", "9000000001"),
        ("TTPAY_APP_SECRET", "explore-test-secret-000000000001"),
    ];
    let (code, printed, report) = explore(
        &["--base-url", &url, "--max-examples", "20", "--timeout", "2"],
        &env,
    );
    assert_eq!(code, 3, "{printed}");
    assert!(findings(&report).is_empty(), "{printed}");
    assert!(printed.contains("stopped early"), "{printed}");
    assert!(!printed.contains("explore-test-secret"), "{printed}");
}
