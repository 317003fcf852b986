//! What explore leaves behind: the saved minimal cases replay (and pass once the fault is
//! gone), the same seed gives the same cases, and the printed curl command — signed by
//! `pay-conformance sign` — reproduces the finding against a running double. No secret and no
//! signature is printed or written.

use std::process::Command;

use super::{common, explore, findings, scratch};

/// The merchants of these tests (not the double's built-in ones): `serve`, `explore` and
/// `sign` read them from the environment.
const ENV: [(&str, &str); 6] = [
    ("TTPAY_APP_ID", "explore-app-0001"),
    ("TTPAY_MCH_ID", "7200000001"),
    ("TTPAY_APP_SECRET", "explore-test-secret-not-builtin1"),
    ("TTPAY_OTHER_APP_ID", "explore-app-0002"),
    ("TTPAY_OTHER_MCH_ID", "7200000002"),
    ("TTPAY_OTHER_APP_SECRET", "explore-test-secret-not-builtin2"),
];

fn run(args: &[&str]) -> (i32, String) {
    let mut command = common::command(args);
    for (k, v) in ENV {
        command.env(k, v);
    }
    let out = command.output().expect("runs");
    (out.status.code().unwrap_or(-1), common::printed(&out))
}

#[test]
fn saved_cases_replay_exactly_and_pass_without_the_fault() {
    let dir = scratch();
    let save = dir.join("cases.json");
    let save = save.to_str().unwrap();
    let (code, printed) = run(&[
        "explore",
        "--fault",
        "negative-amount-accepted",
        "--endpoint",
        "create",
        "--max-examples",
        "800",
        "--seed",
        "5",
        "--save",
        save,
    ]);
    assert_eq!(code, 1, "{printed}");
    assert!(printed.contains(&format!("--replay {save}")), "{printed}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(save).unwrap()).unwrap();
    let cases = saved["cases"].as_array().unwrap().len();
    assert!(cases >= 1, "{saved}");
    let (code, printed) = run(&[
        "explore",
        "--fault",
        "negative-amount-accepted",
        "--replay",
        save,
    ]);
    assert_eq!(code, 1, "{printed}");
    assert!(printed.contains(&format!("{cases} cases")), "{printed}");
    assert!(printed.contains("[C3]"), "{printed}");
    // The same cases against the conforming double: nothing to find.
    let (code, printed) = run(&["explore", "--replay", save]);
    assert_eq!(code, 0, "{printed}");
    // A cases file of another provider is refused.
    let (code, printed) = run(&["explore", "--provider", "wechatpay", "--replay", save]);
    assert_eq!(code, 2, "{printed}");
    assert!(printed.contains("not wechatpay"), "{printed}");
}

#[test]
fn the_same_seed_gives_the_same_cases() {
    let args = [
        "--fault",
        "zero-expire-accepted",
        "--endpoint",
        "create",
        "--max-examples",
        "600",
        "--seed",
        "42",
    ];
    let (_, _, first) = explore(&args, &[]);
    let (_, _, second) = explore(&args, &[]);
    let cases = |r: &serde_json::Value| -> Vec<serde_json::Value> {
        findings(r).iter().map(|f| f["case"].clone()).collect()
    };
    assert!(!cases(&first).is_empty(), "{first}");
    assert_eq!(cases(&first), cases(&second));
    assert_eq!(first["requests"], second["requests"]);
}

#[test]
fn the_printed_curl_reproduces_the_finding_and_no_secret_is_printed() {
    let served = common::serve(&["--fault", "foreign-mch-id-accepted"], &ENV);
    let dir = scratch();
    let json = dir.join("report.json");
    let (code, printed) = run(&[
        "explore",
        "--base-url",
        &served.url,
        "--endpoint",
        "create",
        "--max-examples",
        "600",
        "--seed",
        "9",
        "--rate-limit",
        "0",
        "--json",
        json.to_str().unwrap(),
        "--save",
        dir.join("cases.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{printed}");
    let report = std::fs::read_to_string(&json).unwrap();
    for secret in [ENV[2].1, ENV[5].1] {
        assert!(
            !printed.contains(secret) && !report.contains(secret),
            "{printed}"
        );
    }
    assert!(
        !printed.contains("signature=") && !report.contains("signature="),
        "{printed}"
    );
    // The reproduction of the first C3 finding, as printed: BODY=… then curl ….
    let lines: Vec<&str> = printed.lines().map(str::trim).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("BODY="))
        .expect("a reproduction");
    let script = format!("{}\n{}\n", lines[at], lines[at + 1]);
    assert!(script.contains("curl -sS -X POST"), "{script}");
    let bin_dir = std::path::Path::new(common::BIN).parent().unwrap();
    let mut shell = Command::new("bash");
    shell.arg("-c").arg(&script).env(
        "PATH",
        format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    );
    for (k, v) in ENV {
        shell.env(k, v);
    }
    let out = shell.output().expect("bash runs");
    let answer = String::from_utf8_lossy(&out.stdout);
    // The faulted double accepts it again: code 0, an order made for another merchant id.
    assert!(
        answer.contains("\"code\":0"),
        "{script}\n{answer}\n{}",
        common::printed(&out)
    );
}

#[test]
fn sign_prints_an_authorization_the_double_accepts() {
    let (code, printed) = run(&["sign", "POST", "/v1/transaction/query", "--body", "{}"]);
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.starts_with("TTPAY-AES-256-ECB app_id=explore-app-0001,"),
        "{printed}"
    );
    let (code, printed) = run(&[
        "sign",
        "--header",
        "--as",
        "other-merchant",
        "POST",
        "/v1/x",
    ]);
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.starts_with("Authorization: TTPAY-AES-256-ECB app_id=explore-app-0002,"),
        "{printed}"
    );
    let (code, printed) = run(&["sign", "POST", "no-slash"]);
    assert_eq!(code, 2, "{printed}");
}
