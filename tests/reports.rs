//! The report files of a real run with a deviation: the JSON report valid against
//! docs/report.schema.json (with its settings), Cucumber JSON as its consumers read it, one
//! self-contained HTML file, a rerun file that `run @FILE` takes back; and what selects
//! scenarios: `--name`, `PATH:LINE`, `--features` with a file and with a directory.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_pay-conformance");

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
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

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pc-reports-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_report_of_a_failing_run() {
    let d = dir("all");
    let (json, cuke, html, rerun) = (
        d.join("r.json"),
        d.join("cucumber.json"),
        d.join("r.html"),
        d.join("rerun.txt"),
    );
    let (code, all) = run(&[
        "run",
        "--fault",
        "close-ignores-signature",
        "--json",
        s(&json),
        "--cucumber-json",
        s(&cuke),
        "--html",
        s(&html),
        "--rerun",
        s(&rerun),
    ]);
    assert_eq!(code, 1, "{all}");

    // JSON, against its schema.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/report.schema.json")).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(report["settings"]["fault"], "close-ignores-signature");
    assert_eq!(report["settings"]["timeout_seconds"], 15);

    // Cucumber JSON: features, scenarios, steps with a status; the failed step says why.
    let cucumber: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cuke).unwrap()).unwrap();
    let features = cucumber.as_array().unwrap();
    assert_eq!(features.len(), 7);
    let steps: Vec<&serde_json::Value> = features
        .iter()
        .flat_map(|f| f["elements"].as_array().unwrap())
        .flat_map(|e| e["steps"].as_array().unwrap())
        .collect();
    let failed: Vec<_> = steps
        .iter()
        .filter(|s| s["result"]["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["name"], "the request is refused with code 103");
    assert!(
        failed[0]["result"]["error_message"]
            .as_str()
            .unwrap()
            .contains("[A3]")
    );
    assert!(
        steps
            .iter()
            .all(|s| s["keyword"].as_str().unwrap().ends_with(' '))
    );
    assert_eq!(
        features
            .iter()
            .map(|f| f["elements"].as_array().unwrap().len())
            .sum::<usize>(),
        report["scenarios"].as_array().unwrap().len()
    );

    // HTML: one file, nothing from the network, the deviation and the exchange behind it.
    let page = std::fs::read_to_string(&html).unwrap();
    for banned in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(!page.contains(banned), "{banned}");
    }
    assert!(page.contains("DEVIATIONS FOUND"), "verdict");
    assert!(page.contains("a refusal with code 103"), "deviation");
    assert!(page.contains("POST /v1/transaction/close"), "exchange");
    assert!(
        page.contains("<h2>The whole run</h2>\n<div class=\"loc\">observation [C7] ")
            && page.contains("amounts are returned scaled by 10^decimals"),
        "the run's observation"
    );
    assert!(
        page.contains("id=\"f-rule\"") && page.contains("id=\"f-endpoint\""),
        "filters"
    );
    assert!(
        !page.contains("signature=\""),
        "a signature was not redacted"
    );

    // The rerun file, and reading it back.
    let text = std::fs::read_to_string(&rerun).unwrap();
    assert_eq!(text, "features/ttpay/authentication.feature:7\n");
    let at = format!("@{}", s(&rerun));
    let (code, all) = run(&["run", "--fault", "close-ignores-signature", &at]);
    assert_eq!(code, 1, "{all}");
    assert!(all.contains("0 of 1 scenarios passed, 1 failed"), "{all}");
    // Once all pass, the rerun file is empty, and running it runs nothing (not everything).
    let (code, all) = run(&[
        "run",
        "--rerun",
        s(&rerun),
        "features/ttpay/close.feature:7",
    ]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(std::fs::read_to_string(&rerun).unwrap(), "");
    let (code, all) = run(&["run", &at]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("0 of 0 scenarios passed"), "{all}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn name_and_path_line_select_scenarios() {
    let (code, all) = run(&["run", "--name", "^An unpaid order is closed$"]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("1 of 1 scenarios passed"), "{all}");
    let (code, all) = run(&["run", "features/ttpay/close.feature:7"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        all.contains("An unpaid order is closed") && all.contains("1 of 1 scenarios passed"),
        "{all}"
    );
    let (code, all) = run(&["run", "features/ttpay/close.feature"]);
    assert_eq!(code, 0, "{all}");
    assert!(
        all.contains("Close order") && !all.contains("Query order"),
        "{all}"
    );
    let (code, all) = run(&["run", "no/such.feature:3"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("names no built-in feature and no file"),
        "{all}"
    );
    let (code, all) = run(&["run", "--name", "("]);
    assert_eq!(code, 2, "{all}");
}

#[test]
fn features_takes_files_and_directories_repeatedly() {
    let file = "tests/fixtures/qa-features/ok/qa.feature";
    let (code, all) = run(&["run", "--features", file, "--tags", "@qa"]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("1 of 1 scenarios passed"), "{all}");
    let d = dir("more");
    std::fs::copy(file, d.join("again.feature")).unwrap();
    let (code, all) = run(&[
        "run",
        "--features",
        "tests/fixtures/qa-features/ok",
        "--features",
        s(&d),
        "--tags",
        "@qa",
    ]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("2 of 2 scenarios passed"), "{all}");
    // A QA file named as a positional argument runs alone.
    let (code, all) = run(&["run", &format!("{file}:5")]);
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("1 of 1 scenarios passed"), "{all}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn features_export_writes_the_built_in_files() {
    let d = dir("export");
    let (code, all) = run(&["features", "--export", s(&d)]);
    assert_eq!(code, 0, "{all}");
    for name in ["authentication", "close", "create", "query", "transport"] {
        let path = format!("features/ttpay/{name}.feature");
        let exported = std::fs::read_to_string(d.join(&path)).unwrap();
        let source = std::fs::read_to_string(&path).unwrap();
        assert_eq!(exported, source, "{path}");
    }
    let (code, all) = run(&["lint", s(&d)]);
    assert_eq!(code, 0, "the exported files lint clean: {all}");
    let _ = std::fs::remove_dir_all(&d);
}

/// The filters run in a real browser: headless Chromium, if installed (skipped, and said so,
/// where it is not), with the filters preselected from the URL's fragment.
#[test]
fn the_html_filters_work_in_headless_chromium() {
    let d = dir("chromium");
    let html = d.join("r.html");
    let (code, all) = run(&[
        "run",
        "--fault",
        "close-ignores-signature",
        "--html",
        s(&html),
    ]);
    assert_eq!(code, 1, "{all}");
    let profile = d.join("profile");
    let url = format!("file://{}#rule=A3&failed=1", s(&html));
    let out = match Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", s(&profile)))
        .args(["--dump-dom", &url])
        .output()
    {
        Ok(out) if out.status.success() => out,
        other => {
            let _ = std::fs::remove_dir_all(&d);
            let skipped = common::skip::skipped(
                "tests/reports.rs (the browser check)",
                Some(format!("chromium is not available ({other:?})")),
                "install it: apt-get install chromium (.ci/run does)",
            );
            assert!(skipped, "a missing tool is a skip, or under CI a failure");
            return;
        }
    };
    let dom = String::from_utf8_lossy(&out.stdout);
    let visible = dom.matches("class=\"scenario failed\"").count();
    let hidden_passed = dom.matches("class=\"scenario passed hidden\"").count();
    assert_eq!(visible, 2, "the failure, in its section and under A3");
    assert!(
        !dom.contains("class=\"scenario passed\""),
        "a passed scenario is shown"
    );
    assert!(hidden_passed > 80, "{hidden_passed}");
    let _ = std::fs::remove_dir_all(&d);
}
