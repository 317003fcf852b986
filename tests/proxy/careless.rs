//! A careless merchant client (`careless.py`, Python, apart from the crate) through the proxy:
//! each mistake is reported as the merchant's, under its rule and at its place — and nothing
//! of the app secret or of a signature shows in any output of the proxy.

use std::process::Command;

use super::{Proxy, Stopped, TTPAY_ENV, TempDir};
use crate::common::skip;

const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/proxy/careless.py");

/// The proxy's verdict on `careless.py MODE`, and the signatures the client sent.
fn through_proxy(mode: &str, extra: &[&str]) -> Option<(Stopped, Vec<String>)> {
    if skip::skipped(
        &format!("careless client ({mode})"),
        skip::python_cryptography_missing(),
        skip::PIP_CRYPTOGRAPHY,
    ) {
        return None;
    }
    let proxy = Proxy::start("ttpay", "double", extra);
    let out = Command::new("python3")
        .args([CLIENT, &proxy.url, mode])
        .envs(TTPAY_ENV)
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "careless.py {mode}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signatures = text
        .lines()
        .filter_map(|l| l.strip_prefix("signature: "))
        .map(str::to_owned)
        .collect();
    Some((proxy.stop(), signatures))
}

/// The merchant findings of `stopped` as `rule pointer` lines.
fn merchant(stopped: &Stopped) -> Vec<String> {
    stopped.report["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["side"] == "merchant")
        .flat_map(|r| r["examples"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            format!(
                "{} {} {}",
                e["rule"].as_str().unwrap_or(""),
                e["pointer"].as_str().unwrap_or(""),
                e["actual"]
            )
        })
        .collect()
}

#[test]
fn a_seconds_timestamp_is_the_merchants_a2() {
    let Some((stopped, _)) = through_proxy("seconds", &[]) else {
        return;
    };
    let found = merchant(&stopped);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("A2 (authorization timestamp)") && f.contains("in seconds")),
        "{found:?}\n{}",
        stopped.stdout
    );
    // The double accepts seconds (deployed integrations send both): the provider is fine.
    assert_eq!(stopped.count("provider"), 0, "{}", stopped.stdout);
    assert_eq!(stopped.code, 4, "{}", stopped.stdout);
}

#[test]
fn a_signature_over_the_wrong_string_is_the_merchants_a2_and_refused() {
    let Some((stopped, _)) = through_proxy("wrong-string", &[]) else {
        return;
    };
    let found = merchant(&stopped);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("A2 (authorization signature)")),
        "{found:?}"
    );
    assert_eq!(
        stopped.count("provider"),
        0,
        "the double refused it (103): {}",
        stopped.stdout
    );
}

#[test]
fn a_missing_field_is_the_merchants_c1_at_its_pointer() {
    let Some((stopped, _)) = through_proxy("missing-field", &[]) else {
        return;
    };
    let found = merchant(&stopped);
    assert!(
        found.iter().any(|f| f.starts_with("C1 /currency")),
        "{found:?}"
    );
    assert_eq!(stopped.count("provider"), 0, "{}", stopped.stdout);
}

#[test]
fn a_missing_content_type_is_the_merchants_t1() {
    let Some((stopped, _)) = through_proxy("no-content-type", &[]) else {
        return;
    };
    let found = merchant(&stopped);
    assert!(
        found.iter().any(|f| f.starts_with("T1 (content-type)")),
        "{found:?}"
    );
}

#[test]
fn a_careful_client_has_no_finding() {
    let Some((stopped, _)) = through_proxy("fine", &[]) else {
        return;
    };
    assert_eq!(stopped.code, 0, "{}", stopped.stdout);
    assert_eq!(stopped.report["judged"], 2, "{}", stopped.stdout);
}

#[test]
fn no_secret_and_no_signature_shows_in_any_output_of_the_proxy() {
    let dir = TempDir::new("secrets");
    let junit = dir.0.join("proxy.xml");
    let log = dir.0.join("http.jsonl");
    let html = dir.0.join("proxy.html");
    let extra = [
        "--junit",
        junit.to_str().unwrap(),
        "--log-http",
        log.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ];
    let Some((stopped, signatures)) = through_proxy("wrong-string", &extra) else {
        return;
    };
    assert_eq!(signatures.len(), 2);
    let outputs = [
        ("console", stopped.stdout.clone()),
        ("json", stopped.report.to_string()),
        ("junit", std::fs::read_to_string(&junit).unwrap()),
        ("log-http", std::fs::read_to_string(&log).unwrap()),
        ("html", std::fs::read_to_string(&html).unwrap()),
    ];
    let secret = TTPAY_ENV[2].1;
    for (name, text) in &outputs {
        assert!(!text.is_empty(), "{name} is empty");
        for value in signatures.iter().map(String::as_str).chain([secret]) {
            for at in 0..=value.len().saturating_sub(16) {
                let run = &value[at..at + 16];
                assert!(
                    !text.contains(run),
                    "{name} shows {run:?} of a secret or signature:\n{text}"
                );
            }
        }
    }
    assert!(
        outputs[3].1.contains("/v1/transaction/prepayment"),
        "the log has the exchanges"
    );
    // The page names the side, the rule and the exchange behind the finding.
    let page = &outputs[4].1;
    assert!(page.contains("MERCHANT FINDINGS ONLY"), "{page}");
    assert!(page.contains("merchant side: 1 rule broken"), "{page}");
    assert!(page.contains("<span class=\"id\">A2</span>"), "{page}");
    assert!(page.contains("/v1/transaction/prepayment"), "{page}");
}
