//! The binary as a user meets it: exit codes, errors that name what and where, QA feature
//! files, `serve` + `run --base-url` over real HTTP, and secrets that never leave.

mod common;

use std::process::{Command, Output};

use common::{BIN, serve};
const SECRET: &str = "S3CRET-never-in-any-output-00042";
const OTHER_SECRET: &str = "S3CRET-never-in-any-output-00043";

fn run(args: &[&str]) -> Output {
    common::command(args).output().expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_embedded_double_conforms_exit_0() {
    let out = run(&["run"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("CONFORMING"), "{all}");
    assert!(all.contains(" 0 skipped"), "{all}");
}

#[test]
fn a_fault_is_a_deviation_exit_1_naming_the_rule() {
    let out = run(&["run", "--fault", "close-ignores-signature", "--tags", "@A3"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("DEVIATIONS FOUND"), "{all}");
    assert!(
        all.contains("deviation A3  /v1/transaction/close  /code"),
        "{all}"
    );
    assert!(all.contains("request_id: "), "{all}");
}

#[test]
fn usage_errors_exit_2_with_one_clear_message() {
    for (args, says) in [
        (vec!["run", "--tags", "@a and"], "invalid tag expression"),
        (
            vec!["run", "--fault", "no-such-fault"],
            "unknown fault `no-such-fault`",
        ),
        (vec!["run", "--base-url", "nope"], "is not a URL"),
        (
            vec!["run", "--config", "/nonexistent.toml"],
            "/nonexistent.toml",
        ),
        (
            vec!["run", "--base-url", "http://127.0.0.1:9"],
            "TTPAY_APP_ID",
        ),
        (vec!["run", "--query-method", "put"], "invalid value 'put'"),
        (vec!["frobnicate"], "unrecognized subcommand"),
        (
            vec![
                "run",
                "--features",
                "tests/fixtures/qa-features/unknown-step",
            ],
            "typo.feature:5:5: unknown step \"When the merchant frobnicates it\"",
        ),
    ] {
        let out = run(&args);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains(says), "{args:?} should say {says:?}: {all}");
        assert!(!all.contains("panicked"), "{args:?}: {all}");
    }
}

#[test]
fn qa_features_run_beside_the_built_in_ones() {
    let out = run(&[
        "run",
        "--features",
        "tests/fixtures/qa-features/ok",
        "--tags",
        "@qa",
    ]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("PASS A new order seen through the generic steps"),
        "{all}"
    );
    // The same QA scenario against a double that does not close: it must fail.
    let out = run(&[
        "run",
        "--features",
        "tests/fixtures/qa-features/ok",
        "--tags",
        "@qa",
        "--fault",
        "close-does-not-close",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn an_unreachable_target_is_inconclusive_exit_3() {
    let out = Command::new(BIN)
        .args([
            "run",
            "--base-url",
            "http://127.0.0.1:9",
            "--timeout",
            "1",
            "--tags",
            "@X4",
        ])
        .env("TTPAY_APP_ID", "app")
        .env("TTPAY_MCH_ID", "1")
        .env("TTPAY_APP_SECRET", SECRET)
        .output()
        .expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("INCONCLUSIVE"), "{all}");
    assert!(!all.contains("DEVIATIONS"), "{all}");
}

fn merchants() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TTPAY_APP_ID", "app-under-test"),
        ("TTPAY_MCH_ID", "7000000001"),
        ("TTPAY_APP_SECRET", SECRET),
        ("TTPAY_OTHER_APP_ID", "app-other"),
        ("TTPAY_OTHER_MCH_ID", "7000000002"),
        ("TTPAY_OTHER_APP_SECRET", OTHER_SECRET),
        ("TTPAY_PAID_OUT_TRADE_NO", "PAID-IN-SANDBOX-1"),
    ]
}

#[test]
fn serve_and_run_over_http_conform_and_keep_secrets() {
    let env = merchants();
    let served = serve(&[], &env);
    let dir = std::env::temp_dir().join(format!("pc-cli-{}", std::process::id()));
    let junit = dir.join("junit.xml");
    let json = dir.join("report.json");
    let mut command = Command::new(BIN);
    command.args([
        "run",
        "--base-url",
        &served.url,
        "--response-signatures",
        "strict",
        "--rate-limit",
        "0",
        "--junit",
        junit.to_str().expect("utf-8"),
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    for (k, v) in &env {
        command.env(k, v);
    }
    let out = command.output().expect("runs");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains(" 0 skipped"), "{all}");
    let reports = format!(
        "{all}{}{}",
        std::fs::read_to_string(&junit).expect("junit written"),
        std::fs::read_to_string(&json).expect("json written")
    );
    assert!(reports.contains("\"verdict\": \"conforming\""), "{reports}");
    for secret in [SECRET, OTHER_SECRET] {
        assert!(!reports.contains(secret), "a secret leaked");
    }
    assert!(
        !reports.to_lowercase().contains("signature="),
        "a signature leaked"
    );
}

#[test]
fn deviations_over_http_are_reported_without_secrets() {
    let env = merchants();
    let served = serve(&["--fault", "wrong-response-signature"], &env);
    let dir = std::env::temp_dir().join(format!("pc-cli-dev-{}", std::process::id()));
    let json = dir.join("report.json");
    let mut command = Command::new(BIN);
    command.args([
        "run",
        "--base-url",
        &served.url,
        "--response-signatures",
        "strict",
        "--rate-limit",
        "0",
        "--tags",
        "@A6",
        "--json",
        json.to_str().expect("utf-8"),
    ]);
    for (k, v) in &env {
        command.env(k, v);
    }
    let out = command.output().expect("runs");
    let all = format!(
        "{}{}",
        text(&out),
        std::fs::read_to_string(&json).expect("json")
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("deviation A6"), "{all}");
    assert!(
        !all.contains(SECRET) && !all.contains(OTHER_SECRET),
        "a secret leaked"
    );
}

#[test]
fn faults_and_steps_are_listed() {
    let out = run(&["faults"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(all.lines().count() >= 30, "{all}");
    assert!(
        all.contains("close-ignores-signature") && all.contains("A3"),
        "{all}"
    );
    let out = run(&["steps"]);
    let all = text(&out);
    assert!(all.contains("an unpaid order"), "{all}");
    assert!(all.contains("I send to"), "{all}");
}
