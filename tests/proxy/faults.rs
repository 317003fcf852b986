//! Every fault of each double that a proxy can see, behind the proxy with the suite as the
//! merchant's traffic: the proxy reports it as the provider's, under one of the fault's rules.
//! Not visible to a proxy, and said so:
//! - the notification faults: callbacks go from the provider to the merchant, not through it;
//! - hang-ups: an upstream that drops the connection is answered 502 and counted as
//!   inconclusive, never as a finding;
//! - what only the provider knows: which transaction ids exist (TTPay
//!   `close-unknown-succeeds`), which currencies a chain offers (`currency-not-on-chain-accepted`);
//! - WeChat Pay `certificate-wrong-serial`: the proxy does not decrypt the certificate list;
//!   `legacy-path-missing`: the suite uses the legacy tree only with `--path-flavour hk`.
//!
//! A query of a missing TTPay order answered with code 0 is seen by its symptom: the detail it
//! makes up (Q4).

use std::process::Command;

use super::{BIN, Proxy, run_suite_with};

const TTPAY_NOT_SEEN: &[&str] = &[
    "hangup-on-malformed-json",
    "hangup-on-unknown-method",
    "close-unknown-succeeds",
    "currency-not-on-chain-accepted",
];

const WECHATPAY_NOT_SEEN: &[&str] = &["certificate-wrong-serial", "legacy-path-missing"];

/// Faults a proxy sees under another of the contract's rules than the fault's own.
const SEEN_AS: &[(&str, &str)] = &[("unknown-order-code-zero", "Q4")];

/// The provider's faults but the notification ones and `not_seen`, with their rules.
fn faults(provider: &str, not_seen: &[&str]) -> Vec<(String, Vec<String>)> {
    let out = Command::new(BIN)
        .args(["faults", "--provider", provider])
        .output()
        .expect("faults");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?.to_owned();
            let rules = words.next()?.split(',').map(str::to_owned).collect();
            Some((name, rules))
        })
        .filter(|(name, _)| !name.starts_with("notify-") && !not_seen.contains(&name.as_str()))
        .collect()
}

/// One fault behind the proxy: `None` when the proxy found it as the provider's under one of
/// its rules, else what happened.
fn one(provider: &str, name: &str, rules: &[String]) -> Option<String> {
    let proxy = Proxy::start(provider, "double", &["--fault", name]);
    let exports = proxy.exports();
    let (code, out) = run_suite_with(
        provider,
        &proxy.url,
        &["--tags", "not @notification"],
        &exports,
    );
    let stopped = proxy.stop();
    let found = stopped.rules("provider");
    let also = SEEN_AS
        .iter()
        .filter(|(f, _)| *f == name)
        .map(|(_, r)| r.to_string());
    let wanted: Vec<String> = rules.iter().cloned().chain(also).collect();
    let ok = code == 1 && stopped.code == 1 && found.iter().any(|r| wanted.contains(r));
    (!ok).then(|| {
        let last = out.lines().last().unwrap_or("").to_owned();
        format!("{name} (breaks {rules:?}): suite exit {code}, proxy exit {}, found {found:?}; the suite: {last}", stopped.code)
    })
}

fn sweep(provider: &str, not_seen: &[&str], at_least: usize) {
    let faults = faults(provider, not_seen);
    assert!(faults.len() >= at_least, "{faults:?}");
    let mut missed = Vec::new();
    // Two at a time: each is a proxy, a double and a suite run.
    for pair in faults.chunks(2) {
        std::thread::scope(|s| {
            let handles: Vec<_> = pair
                .iter()
                .map(|(name, rules)| s.spawn(move || one(provider, name, rules)))
                .collect();
            missed.extend(handles.into_iter().filter_map(|h| h.join().unwrap()));
        });
    }
    assert!(
        missed.is_empty(),
        "faults the proxy missed:\n{}",
        missed.join("\n")
    );
}

#[test]
fn every_ttpay_fault_a_proxy_can_see_is_a_provider_finding_under_its_rule() {
    sweep("ttpay", TTPAY_NOT_SEEN, 60);
}

#[test]
fn every_wechatpay_fault_a_proxy_can_see_is_a_provider_finding_under_its_rule() {
    sweep("wechatpay", WECHATPAY_NOT_SEEN, 25);
}
