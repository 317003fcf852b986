//! The preflight against `serve`: each misconfiguration is one diagnosis, exit 2, fast.

use std::time::{Duration, Instant};

use super::{run, serve, text};

/// Runs against `url` with `env` and `args`; asserts exit 2 within 2 s and one diagnosis
/// that contains `needle`.
fn diagnosed(url: &str, args: &[&str], env: &[(&str, &str)], needle: &str) {
    let started = Instant::now();
    let mut all_args = vec!["--base-url", url, "--rate-limit", "0"];
    all_args.extend_from_slice(args);
    let out = run(&all_args, env);
    let elapsed = started.elapsed();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains(needle), "expected `{needle}` in:\n{all}");
    assert!(!all.contains("DEVIATIONS"), "{all}");
    assert_eq!(all.matches("preflight:").count(), 1, "{all}");
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}

#[test]
fn a_wrong_secret_is_one_diagnosis() {
    let served = serve(&[]);
    diagnosed(
        &served.url,
        &[],
        &[("TTPAY_APP_SECRET", "another-secret-of-32-bytes-00000")],
        "the target refuses our signature (103) for every request: check TTPAY_APP_SECRET",
    );
}

#[test]
fn a_wrong_merchant_id_is_one_diagnosis() {
    let served = serve(&[]);
    diagnosed(
        &served.url,
        &[],
        &[("TTPAY_MCH_ID", "7999999999")],
        "check TTPAY_MCH_ID",
    );
}

#[test]
fn a_wrong_timestamp_unit_is_one_diagnosis_naming_the_right_one() {
    let served = serve(&["--timestamp-unit", "s"]);
    diagnosed(
        &served.url,
        &[],
        &[],
        "the target answered 104 to milliseconds",
    );
    diagnosed(&served.url, &[], &[], "run with --timestamp-unit s");
}

#[test]
fn a_base_url_ending_in_v1_is_one_diagnosis() {
    let served = serve(&[]);
    let url = format!("{}/v1", served.url);
    diagnosed(
        &url,
        &[],
        &[],
        "this URL does not answer the TTPay API (HTTP 404",
    );
    diagnosed(&url, &[], &[], "give the host only");
}

#[test]
fn a_paid_order_fixture_that_is_not_there_skips_its_scenarios_with_the_reason() {
    let served = serve(&[]);
    let out = run(
        &[
            "--base-url",
            &served.url,
            "--rate-limit",
            "0",
            "--tags",
            "@needs-paid-order",
        ],
        &[("TTPAY_PAID_OUT_TRADE_NO", "NEVER-PAID-HERE")],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("TTPAY_PAID_OUT_TRADE_NO `NEVER-PAID-HERE` does not exist in the target"),
        "{all}"
    );
    assert!(!all.contains("PASS"), "{all}");
}
