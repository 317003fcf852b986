//! T7 on a connection of its own, over real HTTP: in front of `serve`, a raw-TCP front end
//! that answers a `PUT` with a 405 and leaves its body unread — so the body is read as the
//! start of the next request on that connection, as a careless server does. Exactly the `PUT`
//! scenarios must fail, under T7 only: the T7 steps send the method and the valid request after
//! it over one kept-alive connection of their own, and no other scenario gets that connection.

mod common;

use common::front::{Careless, start_front};
use common::{command, printed, serve};

const SECRET: &str = "T7-own-connection-secret-0000042";
const OTHER_SECRET: &str = "T7-own-connection-secret-0000043";

fn merchants() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TTPAY_APP_ID", "app-t7"),
        ("TTPAY_MCH_ID", "7100000001"),
        ("TTPAY_APP_SECRET", SECRET),
        ("TTPAY_OTHER_APP_ID", "app-t7-other"),
        ("TTPAY_OTHER_MCH_ID", "7100000002"),
        ("TTPAY_OTHER_APP_SECRET", OTHER_SECRET),
        ("TTPAY_PAID_OUT_TRADE_NO", "PAID-T7-1"),
    ]
}

/// How many scenarios the JSON report at `json` holds, and each that did not pass with the
/// rules of its deviations (`all`: the run's output, for the message).
fn scenarios(json: &std::path::Path, all: &str) -> (usize, Vec<(String, Vec<String>)>) {
    let written = std::fs::read(json).unwrap_or_else(|e| panic!("no JSON report ({e}): {all}"));
    let report: serde_json::Value = serde_json::from_slice(&written)
        .unwrap_or_else(|e| panic!("the JSON report is not JSON ({e}): {all}"));
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    let failed = scenarios
        .iter()
        .filter(|s| s["outcome"]["status"] != "passed")
        .map(|s| {
            let rules = s["findings"]["deviations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| d["rule"].as_str().unwrap_or_default().to_owned())
                .collect();
            (s["name"].as_str().unwrap_or_default().to_owned(), rules)
        })
        .collect();
    (scenarios.len(), failed)
}

#[test]
fn a_put_body_left_unread_fails_exactly_the_put_scenarios_under_t7() {
    let env = merchants();
    let served = serve(&[], &env);
    let url = start_front(
        &served.url,
        Careless {
            methods: &["PUT"],
            body: br#"{"code":405,"msg":"method not allowed"}"#,
        },
    );
    let dir = std::env::temp_dir().join(format!("pc-t7-{}", std::process::id()));
    let json = dir.join("report.json");
    let out = command(&[
        "run",
        "--base-url",
        &url,
        "--response-signatures",
        "strict",
        "--rate-limit",
        "0",
        "--json",
        json.to_str().expect("utf-8"),
    ])
    .envs(env.iter().copied())
    .output()
    .expect("the suite runs");
    let all = printed(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let (_, failed) = scenarios(&json, &all);
    let mut names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "A PUT to close is refused and leaves the order unpaid",
            "A PUT to create is refused and creates nothing",
            "A PUT to query is refused",
        ],
        "{all}"
    );
    for (name, rules) in &failed {
        assert_eq!(rules, &["T7"], "{name}: {all}");
    }
    assert!(
        all.contains("was the body of the PUT left unread"),
        "the deviation says what it suspects: {all}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// WeChat Pay: the wrong-method requests of W4 go out with `Connection: close`, so a front end
/// that leaves the body of a `PUT` or `DELETE` (or `PATCH`) unread poisons no connection of
/// the shared pool: no other scenario fails, and the method scenarios at most under W4.
#[test]
fn wechatpay_wrong_method_bodies_left_unread_fail_no_other_scenario() {
    let dir = std::env::temp_dir().join(format!("pc-t7-wx-{}", std::process::id()));
    let (served, env) = common::serve_wechatpay(&dir.join("keys"));
    let url = start_front(
        &served.url,
        Careless {
            methods: &["PUT", "DELETE", "PATCH"],
            body: br#"{"code":"REQUIRE_POST_METHOD","message":"use POST"}"#,
        },
    );
    let json = dir.join("report.json");
    let mut run = command(&[
        "run",
        "--provider",
        "wechatpay",
        "--base-url",
        &url,
        "--rate-limit",
        "0",
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    let out = run
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("the suite runs");
    let all = printed(&out);
    let (count, failed) = scenarios(&json, &all);
    println!("{count} scenarios, failed: {failed:?}");
    assert!(count > 10, "the whole suite ran: {all}");
    let method_scenario = |name: &str| {
        ["PUT", "DELETE", "PATCH"]
            .iter()
            .any(|m| name.starts_with(&format!("{m} on a close path")))
    };
    for (name, rules) in &failed {
        assert!(method_scenario(name), "{name} failed ({rules:?}): {all}");
        assert!(rules.iter().all(|r| r == "W4"), "{name}: {rules:?}: {all}");
    }
    let verdict = if failed.is_empty() { 0 } else { 1 };
    assert_eq!(out.status.code(), Some(verdict), "{all}");
    let _ = std::fs::remove_dir_all(&dir);
}
