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
