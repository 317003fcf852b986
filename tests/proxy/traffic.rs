//! Clients that conform, through the proxy to a conforming double: everything works as it
//! does without the proxy, and the provider side has no finding.

use super::{Proxy, TTPAY_ENV, run_suite};
use crate::common::skip;

#[test]
fn the_suite_through_the_proxy_conforms_and_the_double_has_no_finding() {
    let proxy = Proxy::start("ttpay", "double", &[]);
    let (code, out) = run_suite("ttpay", &proxy.url, &[]);
    assert_eq!(code, 0, "the suite through the proxy:\n{out}");
    let stopped = proxy.stop();
    assert_eq!(stopped.count("provider"), 0, "{}", stopped.stdout);
    // The suite's own negative scenarios (a wrong signature, a missing field, GET on create)
    // are the merchant's findings, under their rules.
    let merchant = stopped.rules("merchant");
    for rule in ["A1", "A2", "C1", "T2", "X5", "Q2"] {
        assert!(
            merchant.iter().any(|r| r == rule),
            "no merchant {rule}: {}",
            stopped.stdout
        );
    }
    assert_eq!(
        stopped.code, 4,
        "merchant findings only: exit 4\n{}",
        stopped.stdout
    );
    assert!(stopped.report["traffic"]["requests"].as_u64().unwrap() > 200);
}

#[test]
fn the_example_integration_through_the_proxy_works_and_has_no_finding() {
    if skip::skipped(
        "the_example_integration_through_the_proxy_works_and_has_no_finding",
        skip::python_cryptography_missing(),
        skip::PIP_CRYPTOGRAPHY,
    ) {
        return;
    }
    let proxy = Proxy::start("ttpay", "double", &[]);
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/integration.py");
    let out = std::process::Command::new("python3")
        .arg(example)
        .arg(&proxy.url)
        .envs(TTPAY_ENV)
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("ok"),
        "the example through the proxy:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stopped = proxy.stop();
    assert_eq!(stopped.code, 0, "no finding, exit 0:\n{}", stopped.stdout);
    assert!(stopped.stdout.contains("NO FINDING"), "{}", stopped.stdout);
    assert!(
        stopped.report["judged"].as_u64().unwrap() >= 3,
        "{}",
        stopped.stdout
    );
}

/// `proxy --record`: the suite's traffic recorded twice through the proxy diffs as no breaking
/// change; recorded against a double whose answers changed (times in seconds), the diff is
/// breaking, at the endpoint that changed.
#[test]
fn records_of_proxied_traffic_diff_like_records_of_runs() {
    let dir = super::TempDir::new("record");
    let record = |name: &str, extra: &[&str]| {
        let path = dir.0.join(name);
        let mut flags = vec!["--record", path.to_str().unwrap()];
        flags.extend_from_slice(extra);
        let proxy = Proxy::start("ttpay", "double", &flags);
        let _ = run_suite("ttpay", &proxy.url, &["--tags", "@Q4 or @C5"]);
        let stopped = proxy.stop();
        assert!(path.exists(), "no record written:\n{}", stopped.stdout);
        path
    };
    let first = record("first.json", &[]);
    let second = record("second.json", &[]);
    let changed = record("changed.json", &["--fault", "time-in-seconds"]);
    let diff = |old: &std::path::Path, new: &std::path::Path| {
        let out = std::process::Command::new(super::BIN)
            .arg("diff")
            .arg(old)
            .arg(new)
            .output()
            .expect("diff runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code().unwrap_or(-1), text)
    };
    let text = std::fs::read_to_string(&first).unwrap();
    assert!(
        text.contains("(proxied traffic)")
            && text.contains("POST /v1/transaction/query -> 200 code 0"),
        "{text}"
    );
    let (code, out) = diff(&first, &second);
    assert_eq!(code, 0, "the same traffic twice:\n{out}");
    let (code, out) = diff(&first, &changed);
    assert_eq!(code, 1, "times in seconds are a breaking change:\n{out}");
    assert!(out.contains("/v1/transaction/query"), "{out}");
}
