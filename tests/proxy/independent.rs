//! The independent TTPay server (`tests/independent/ttpay.js`, Node, written from the contract
//! and not from the double) behind the proxy, with the suite as the traffic: a conforming
//! server, whichever amount reading it picks (C7 allows both), has no provider finding; each of
//! its `--deviate` switches is the provider's finding under the rule it breaks.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::{Proxy, TTPAY_ENV, run_suite};
use crate::common::skip;

const SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/independent/ttpay.js");

struct Node(Child, String);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn node(args: &[&str]) -> Option<Node> {
    if skip::skipped(
        "the independent server behind the proxy",
        skip::unusable("node", &["--version"]),
        "apt-get install nodejs (.ci/run does)",
    ) {
        return None;
    }
    let mut child = Command::new("node")
        .arg(SERVER)
        .args(["--port", "0", "--notify-speedup", "1000"])
        .args(args)
        .envs(TTPAY_ENV)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    std::thread::spawn(move || lines.for_each(drop));
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_default()
        .to_owned();
    assert!(url.starts_with("http://"), "{first}");
    Some(Node(child, url))
}

#[test]
fn a_conforming_independent_server_has_no_provider_finding_whichever_reading() {
    for reading in ["sent", "scaled"] {
        let Some(server) = node(&["--amount-reading", reading]) else {
            return;
        };
        let proxy = Proxy::start("ttpay", &server.1, &["--response-signatures", "strict"]);
        let (code, out) = run_suite("ttpay", &proxy.url, &[]);
        assert_eq!(code, 0, "{reading}: the suite through the proxy:\n{out}");
        let stopped = proxy.stop();
        assert_eq!(
            stopped.count("provider"),
            0,
            "{reading}: {}",
            stopped.stdout
        );
    }
}

#[test]
fn each_deviation_of_the_independent_server_is_a_provider_finding_under_its_rule() {
    let cases = [
        ("trailing-comma", "T3"),
        ("lowercase-state", "Q5"),
        ("close-ignores-signature", "A3"),
        ("duplicate-new-prepay-id", "C6"),
        ("expire-in-seconds", "Q7"),
        ("mixed-amount-reading", "C7"),
    ];
    let mut missed = Vec::new();
    for (deviation, rule) in cases {
        let Some(server) = node(&["--deviate", deviation]) else {
            return;
        };
        let proxy = Proxy::start("ttpay", &server.1, &["--response-signatures", "strict"]);
        let _ = run_suite("ttpay", &proxy.url, &["--tags", "not @notification"]);
        let stopped = proxy.stop();
        let found = stopped.rules("provider");
        if !(stopped.code == 1 && found.iter().any(|r| r == rule)) {
            missed.push(format!("{deviation} ({rule}): found {found:?}"));
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}
