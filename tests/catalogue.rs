//! What a QA engineer reads to extend the suite alone: `rules ID` with the rule's text from the
//! contract, the step catalogue (`steps`, `--markdown` = docs/steps.md, `--json`), and a
//! selftest that says which faults their own scenarios catch.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_pay-conformance");

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("TTPAY_APP_ID")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn rules_id_prints_the_rules_text_from_the_contract() {
    let (code, all) = run(&["rules", "C6"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        all.starts_with("### C6 — out_trade_no is unique per merchant"),
        "{all}"
    );
    assert!(
        all.contains("- **Decision**: both answers are accepted"),
        "{all}"
    );
    assert!(!all.contains("### C7"), "{all}");
    assert!(
        all.contains("duplicate-creates-second-order"),
        "coverage follows: {all}"
    );
}

#[test]
fn steps_markdown_json_and_text() {
    let (code, md) = run(&["steps", "--markdown"]);
    assert_eq!(code, 0);
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/steps.md")).unwrap();
    assert_eq!(
        md, file,
        "docs/steps.md is stale: cargo run -- steps --markdown > docs/steps.md"
    );
    let (code, json) = run(&["steps", "--json"]);
    assert_eq!(code, 0);
    let steps: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert!(steps.len() >= 40);
    for s in &steps {
        for key in [
            "keyword",
            "pattern",
            "summary",
            "params",
            "table",
            "docstring",
            "example",
            "generic",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
    }
    let (code, text) = run(&["steps"]);
    assert_eq!(code, 0);
    assert!(text.contains("takes a table | field | value |"), "{text}");
    assert!(!text.contains("(undocumented)"), "{text}");
}

#[test]
fn selftest_says_which_faults_the_qa_scenarios_catch() {
    let dir = std::env::temp_dir().join(format!("pc-selftest-{}", std::process::id()));
    let json = dir.join("selftest.json");
    let (code, all) = run(&[
        "selftest",
        "--features",
        "tests/fixtures/qa-features/ok",
        "--fault",
        "new-order-has-pay-time",
        "--fault",
        "close-unknown-succeeds",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("by QA"), "the column: {all}");
    assert!(
        all.contains("your scenarios (1, from --features) catch 1 of 2 faults:"),
        "{all}"
    );
    assert!(
        all.contains("  new-order-has-pay-time  [Q7]  tests/fixtures/qa-features/ok/qa.feature:5"),
        "{all}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["qa_scenarios"], 1);
    let qa: Vec<&str> = report["faults"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["qa_caught_by"].as_array().unwrap().is_empty())
        .map(|f| f["fault"].as_str().unwrap())
        .collect();
    assert_eq!(qa, ["new-order-has-pay-time"]);
    let (_, plain) = run(&["selftest", "--fault", "close-unknown-succeeds"]);
    assert!(
        !plain.contains("by QA") && !plain.contains("your scenarios"),
        "{plain}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
