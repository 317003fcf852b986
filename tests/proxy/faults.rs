//! Every fault of the TTPay double that a proxy can see, behind the proxy with the suite as the
//! merchant's traffic: the proxy reports it as the provider's, under one of the fault's rules.
//! Not visible to a proxy, and said so: the notification faults (callbacks go from the provider
//! to the merchant, not through the proxy), hang-ups (an upstream that drops the connection is
//! answered 502 and counted as inconclusive, never as a finding), a close of an unknown
//! transaction that succeeds (only the provider knows which ids exist), a currency accepted on
//! a chain that does not offer it (only the provider knows what it offers). A query of a
//! missing order answered with code 0 is seen by its symptom: the detail it makes up (Q4).

use std::process::Command;

use super::{BIN, Proxy, run_suite};

const NOT_SEEN_BY_A_PROXY: &[&str] = &[
    "hangup-on-malformed-json",
    "hangup-on-unknown-method",
    "close-unknown-succeeds",
    "currency-not-on-chain-accepted",
];

/// Faults a proxy sees under another of the contract's rules than the fault's own.
const SEEN_AS: &[(&str, &str)] = &[("unknown-order-code-zero", "Q4")];

fn faults(provider: &str) -> Vec<(String, Vec<String>)> {
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
        .filter(|(name, _)| !name.starts_with("notify-") && !NOT_SEEN_BY_A_PROXY.contains(&name.as_str()))
        .collect()
}

#[test]
fn every_ttpay_fault_a_proxy_can_see_is_a_provider_finding_under_its_rule() {
    let faults = faults("ttpay");
    assert!(faults.len() > 60, "{faults:?}");
    let mut missed = Vec::new();
    // Two at a time: each is a proxy, a double and a suite run.
    for pair in faults.chunks(2) {
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = pair
                .iter()
                .map(|(name, rules)| {
                    s.spawn(move || {
                        let proxy = Proxy::start("ttpay", "double", &["--fault", name]);
                        let (code, out) = run_suite("ttpay", &proxy.url, &["--tags", "not @notification"]);
                        let stopped = proxy.stop();
                        let found = stopped.rules("provider");
                        let also = SEEN_AS.iter().filter(|(f, _)| f == name).map(|(_, r)| r.to_string());
                        let wanted: Vec<String> = rules.iter().cloned().chain(also).collect();
                        let ok = code == 1 && stopped.code == 1 && found.iter().any(|r| wanted.contains(r));
                        (name.clone(), rules.clone(), found, ok, out)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (name, rules, found, ok, out) in results {
            if !ok {
                let last = out.lines().last().unwrap_or("").to_owned();
                missed.push(format!("{name} (breaks {rules:?}): the proxy found {found:?}; the suite: {last}"));
            }
        }
    }
    assert!(missed.is_empty(), "faults the proxy missed:\n{}", missed.join("\n"));
}
