//! `pay-conformance lint` and `run --dry-run` on bad feature files: every kind of finding,
//! with file:line and a hint; exit 2 on any finding, 0 when clean.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_pay-conformance");

fn run(args: &[&str]) -> (i32, String) {
    let out: Output = Command::new(BIN)
        .args(args)
        .env_remove("TTPAY_APP_ID")
        .env_remove("TTPAY_MCH_ID")
        .env_remove("TTPAY_APP_SECRET")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

const BAD: &str = "tests/fixtures/lint/bad/findings.feature";

#[test]
fn every_kind_of_finding_names_file_line_and_a_hint() {
    let (code, all) = run(&["lint", BAD]);
    assert_eq!(code, 2, "{all}");
    for want in [
        ":5: @Z9 is not a rule of ttpay",
        ":5: @needs-unicorn is not a fixture ttpay knows",
        ":6: the table of \"Given an unpaid order with:\" has rows of 3 cells; it takes 2",
        ":8: unknown step \"When the merchant queries it by transaction_idd\"",
        "did you mean \"the merchant queries it by transaction_id\"?",
        ":9: unknown step \"Then the order is CLOSD\"",
        "did you mean \"the order is CLOSED\"?",
        ":11: scenario \"No rule tag, a missing docstring, bad markers, a variable too early\" names no rule",
        ":13: \"When I send to query:\" needs a \"\"\" docstring",
        ":14: `#regex [A-Z`: the regular expression does not compile",
        ":14: `#uuidd` is not a marker — did you mean `#uuid`?",
        ":18: `#strng` is not a marker — did you mean `#string`?",
        ":19: `#(txid)` is used before it is remembered",
        ":27: unknown step \"Given the request succeeds\"",
        "it is a `Then` step",
        ":28: the JSON of \"When I send to query:\" does not parse",
        "lint: 13 finding(s) in 1 file(s), 3 scenario(s)",
    ] {
        assert!(all.contains(want), "missing `{want}` in:\n{all}");
    }
}

#[test]
fn syntax_errors_are_a_line_and_a_hint_not_the_parsers_tokens() {
    let (code, all) = run(&["lint", "tests/fixtures/lint/syntax"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("keyword.feature:4: Gherkin syntax error at `Scenaro: the keyword is wrong`"),
        "{all}"
    );
    assert!(all.contains("did you mean `Scenario:`?"), "{all}");
    assert!(
        all.contains("docstring.feature:7: Gherkin syntax error"),
        "{all}"
    );
    assert!(all.contains("docstring is not closed"), "{all}");
    assert!(!all.contains("Error at"), "the parser's raw text: {all}");
}

#[test]
fn clean_files_and_the_built_in_features_exit_0() {
    let (code, all) = run(&["lint"]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("lint: clean"), "{all}");
    let (code, all) = run(&["lint", "tests/fixtures/qa-features/ok"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        all.contains("lint: clean — 1 file(s), 1 scenario(s)"),
        "{all}"
    );
}

#[test]
fn run_dry_run_lints_and_sends_nothing() {
    let (code, all) = run(&["run", "--dry-run", "--features", BAD]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("@Z9 is not a rule of ttpay"), "{all}");
    let (code, all) = run(&[
        "run",
        "--dry-run",
        "--features",
        "tests/fixtures/qa-features/ok",
    ]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("nothing was sent"), "{all}");
    assert!(!all.contains("CONFORMING"), "{all}");
}

#[test]
fn run_says_syntax_errors_the_same_way() {
    let (code, all) = run(&["run", "--features", "tests/fixtures/lint/syntax"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("keyword.feature:4: Gherkin syntax error at `Scenaro: the keyword is wrong`"),
        "{all}"
    );
    assert!(
        all.contains("hint: `Scenaro:` is not a Gherkin keyword: did you mean `Scenario:`?"),
        "{all}"
    );
    assert!(!all.contains("Error at"), "{all}");
}
