//! The suite against a server it did not grow up with: `tests/independent/ttpay.js`, an
//! implementation of the TTPay API in Node (standard library only) written from CONTRACT.md and
//! the provider's pages, not from the embedded double. A clean run there is evidence that the
//! suite's checks are the contract's and not the double's habits (no false positives); each of
//! the server's `--deviate NAME` switches must be reported under the rule it breaks.
//!
//! Without `node` on PATH every test here is skipped, saying so in `cargo test`'s output; under
//! `CI=true` it fails instead (tests/common/skip.rs).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

mod common;

use common::{BIN, PROVIDER_VARIABLES as VARIABLES};
const SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/independent/ttpay.js");

/// Whether `test` is skipped for want of `node` (under `CI=true` it fails instead).
fn node_missing(test: &str) -> bool {
    common::skip::skipped(
        &format!("tests/independent.rs ({test})"),
        common::skip::unusable("node", &["--version"]),
        "the independent server needs Node.js: apt-get install nodejs (.ci/run does)",
    )
}

/// Two merchants and a paid order no other test shares: 32-byte secrets, fresh ids.
fn fresh_merchants() -> Vec<(&'static str, String)> {
    let id = || uuid::Uuid::new_v4().simple().to_string();
    let mch = || format!("9{:09}", uuid::Uuid::new_v4().as_u128() % 1_000_000_000);
    let values = [
        format!("indep-{}", id()),
        mch(),
        id(),
        format!("indep-other-{}", id()),
        mch(),
        id(),
        format!("PAID-{}", id()),
    ];
    VARIABLES.into_iter().zip(values).collect()
}

/// The Node server on a free port; killed when dropped.
struct NodeServer {
    child: Child,
    url: String,
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn node_command(args: &[&str], env: &[(&'static str, String)]) -> Command {
    let mut command = Command::new("node");
    command.arg(SERVER).args(args);
    for name in VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

fn start(deviate: Option<&str>, env: &[(&'static str, String)]) -> NodeServer {
    start_with(deviate, &[], env)
}

fn start_with(deviate: Option<&str>, extra: &[&str], env: &[(&'static str, String)]) -> NodeServer {
    let mut args = vec!["--port", "0", "--notify-speedup", "1000"];
    args.extend(
        deviate
            .map(|name| ["--deviate", name])
            .into_iter()
            .flatten(),
    );
    args.extend_from_slice(extra);
    let mut child = node_command(&args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().expect("piped");
    // Owned from here on, so the child is killed even if the first line is not what we expect.
    let mut server = NodeServer {
        child,
        url: String::new(),
    };
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .expect("the server prints a first line")
        .expect("readable");
    let url = first.strip_prefix("listening on ").unwrap_or_default();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    server.url = url.to_owned();
    // Keep draining so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    server
}

fn run_suite(server: &NodeServer, env: &[(&'static str, String)], extra: &[&str]) -> String {
    let mut command = Command::new(BIN);
    command
        .args(["run", "--base-url", &server.url])
        .args(["--response-signatures", "strict", "--rate-limit", "0"])
        .args(["--notify-schedule-scale", "0.001"])
        .args(extra);
    for name in VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    let out: Output = command.output().expect("the suite runs");
    format!(
        "exit code {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The suite against the server reading amounts back as `reading` (C7), run with `extra`.
fn assert_conforms(test: &str, reading: &str, extra: &[&str]) {
    if node_missing(test) {
        return;
    }
    let env = fresh_merchants();
    let server = start_with(None, &["--amount-reading", reading], &env);
    let all = run_suite(&server, &env, extra);
    assert!(all.starts_with("exit code Some(0)\n"), "{all}");
    assert!(all.contains("CONFORMING"), "{all}");
    assert!(all.contains(" 0 skipped"), "{all}");
    assert!(all.contains(" 0 inconclusive"), "{all}");
    assert!(!all.contains("deviation "), "{all}");
    let observed = match reading {
        "sent" => "amounts are returned as sent",
        _ => "amounts are returned scaled by 10^decimals",
    };
    assert!(
        all.contains(&format!(
            "observation [C7] /v1/transaction/query: {observed}"
        )),
        "the run's reading is observed: {all}"
    );
}

fn assert_caught(deviate: &str, rule: &str) {
    if node_missing(deviate) {
        return;
    }
    let env = fresh_merchants();
    let server = start(Some(deviate), &env);
    let all = run_suite(&server, &env, &[]);
    assert!(all.starts_with("exit code Some(1)\n"), "{deviate}: {all}");
    assert!(all.contains("DEVIATIONS FOUND"), "{deviate}: {all}");
    assert!(
        all.contains(&format!("deviation {rule}")),
        "--deviate {deviate} should be reported as a deviation of {rule}: {all}"
    );
}

#[test]
fn the_independent_server_conforms_with_post_queries_and_amounts_as_sent() {
    assert_conforms("post queries, amounts as sent", "sent", &[]);
}

#[test]
fn the_independent_server_conforms_with_get_queries_and_scaled_amounts() {
    assert_conforms(
        "get queries, scaled amounts",
        "scaled",
        &["--query-method", "get"],
    );
}

#[test]
fn the_independent_server_conforms_with_minor_units_sent_and_scaled_amounts() {
    assert_conforms(
        "--amount-unit minor, scaled amounts",
        "scaled",
        &["--amount-unit", "minor"],
    );
}

#[test]
fn a_mixed_amount_reading_is_a_c7_deviation_and_nothing_else() {
    let deviate = "mixed-amount-reading";
    if node_missing(deviate) {
        return;
    }
    let env = fresh_merchants();
    let server = start(Some(deviate), &env);
    let all = run_suite(&server, &env, &[]);
    assert!(all.starts_with("exit code Some(1)\n"), "{all}");
    assert!(
        all.contains("deviation(s) of rule(s) C7 — "),
        "C7 exactly: {all}"
    );
    assert!(
        all.contains("(× 10^decimals: the other reading)")
            || all.contains("(as sent: the other reading)"),
        "{all}"
    );
    assert!(
        !all.contains(".0 ("),
        "numbers print as the JSON had them: {all}"
    );
}

#[test]
fn a_server_that_refuses_large_heads_with_a_bare_431_conforms() {
    let test = "431 on large heads";
    if node_missing(test) {
        return;
    }
    let env = fresh_merchants();
    let server = start_with(None, &["--header-limit", "8192"], &env);
    let all = run_suite(&server, &env, &["--amount-unit", "minor"]);
    assert!(all.starts_with("exit code Some(0)\n"), "{all}");
    assert!(all.contains("CONFORMING"), "{all}");
    assert!(
        all.contains("the HTTP layer refused a header line of") && all.contains("HTTP 431"),
        "the 431 is an observation: {all}"
    );
}

#[test]
fn a_trailing_comma_is_a_t3_deviation() {
    assert_caught("trailing-comma", "T3");
}

#[test]
fn a_lowercase_trade_state_is_a_q5_deviation() {
    assert_caught("lowercase-state", "Q5");
}

#[test]
fn a_close_that_ignores_the_signature_is_an_a3_deviation() {
    assert_caught("close-ignores-signature", "A3");
}

#[test]
fn a_new_prepay_id_for_a_duplicate_is_a_c6_deviation() {
    assert_caught("duplicate-new-prepay-id", "C6");
}

#[test]
fn a_notification_without_its_gcm_tag_is_an_n2_deviation() {
    assert_caught("notify-without-tag", "N2");
}

#[test]
fn an_expire_time_in_seconds_is_a_q7_deviation() {
    assert_caught("expire-in-seconds", "Q7");
}

#[test]
fn the_independent_server_refuses_a_secret_that_is_not_32_bytes() {
    if node_missing("short secret") {
        return;
    }
    let mut env = fresh_merchants();
    env[2].1 = "too-short".to_owned();
    let out = node_command(&["--port", "0"], &env)
        .output()
        .expect("node runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("must be 32 bytes"), "{err}");
    assert!(
        !err.contains("too-short"),
        "the secret itself is never printed: {err}"
    );
}
