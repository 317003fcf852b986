//! QA mistakes are exit 2 before anything is sent, with file and line.

use std::time::{Duration, Instant};

use super::{run, text};

/// A target nothing listens on: a mistake that got as far as sending would be exit 3.
const NOWHERE: &str = "http://127.0.0.1:9";

#[test]
fn authoring_mistakes_are_exit_2_with_file_and_line_before_anything_is_sent() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/qa-mistakes");
    let started = Instant::now();
    let out = run(&["--base-url", NOWHERE, "--features", dir], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(started.elapsed() < Duration::from_secs(2));
    for needle in [
        "mistakes.feature:11: unknown marker `#uuidd` (did you mean `#uuid`?",
        "mistakes.feature:12: unknown marker `#int` (did you mean `#integer`?",
        "mistakes.feature:12: `#regex ([a-z`: the regular expression does not compile",
        "mistakes.feature:12: `#(txid)` is defined by nothing before this step",
        "mistakes.feature:19: the table of \"the merchant sends an order with:\" has a row of 3 cell(s)",
        "nothing was sent",
    ] {
        assert!(all.contains(needle), "expected `{needle}` in:\n{all}");
    }
}

#[test]
fn tags_that_match_no_scenario_are_exit_2_naming_the_closest_tags() {
    let out = run(&["--base-url", NOWHERE, "--tags", "@closee and @X9"], &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("--tags `@closee and @X9` matches no scenario"),
        "{all}"
    );
    assert!(all.contains("@close") && all.contains("@X1"), "{all}");
}

#[test]
fn identifiers_that_would_break_the_header_are_exit_2_before_anything_is_sent() {
    for (name, value) in [
        ("TTPAY_APP_ID", "app\r\nX-Injected: 1"),
        ("TTPAY_MCH_ID", "71,000"),
        ("TTPAY_MCH_ID", "mch=1"),
        ("TTPAY_PAID_OUT_TRADE_NO", "ORDER 42"),
    ] {
        let out = run(&["--base-url", NOWHERE], &[(name, value)]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {all}");
        assert!(all.contains(&format!("{name} contains")), "{all}");
    }
}

#[test]
fn report_paths_are_checked_before_the_run() {
    let dir = std::env::temp_dir().join(format!("pc-verdicts-{}", std::process::id()));
    let same = dir.join("report.out");
    let same = same.to_str().expect("utf-8");
    let out = run(
        &["--base-url", NOWHERE, "--junit", same, "--json", same],
        &[],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("is the same file as --junit"), "{all}");
    let out = run(
        &["--base-url", NOWHERE, "--json", "/proc/version/x.json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
