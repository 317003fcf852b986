//! The JUnit XML report: a test suite per feature, a test case per scenario. Deviations are
//! failures; inconclusive scenarios and scenarios that could not run are errors; skipped ones
//! carry their reason. Nothing is retried at the scenario level, so a passing scenario never
//! leaves a stale failure behind.
//!
//! What CI servers key on stays stable: a case's `classname` is its feature file
//! (`features.ttpay.close`, no line number, so history survives edits above a scenario); each
//! `testsuite` has its `time` and `timestamp` (the run's start, UTC); a failure's text starts
//! with the step that stopped the scenario. The run's observations (C7: the amount reading)
//! are an `observation` property of every testsuite. `tests/junit_xsd.rs` validates the file against
//! Jenkins' `junit-10.xsd`.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use crate::outcome::{Outcome, RunReport, ScenarioRecord};

/// The report as JUnit XML (redacted when written).
pub fn render(report: &RunReport) -> String {
    let mut junit = Report::new("pay-conformance");
    junit.set_time(report.elapsed);
    let started = started_at(report);
    let mut by_feature: BTreeMap<&str, Vec<&ScenarioRecord>> = BTreeMap::new();
    for s in &report.scenarios {
        by_feature.entry(&s.feature).or_default().push(s);
    }
    for (feature, scenarios) in by_feature {
        let mut suite = TestSuite::new(feature);
        suite.set_timestamp(started);
        suite.set_time(scenarios.iter().map(|s| s.duration).sum());
        // junit-10.xsd allows `properties` on a testsuite only, not on `testsuites`: what the
        // whole run showed (C7's amount reading) is a property of every suite.
        suite.add_properties(
            report
                .observations
                .iter()
                .map(|o| Property::new("observation", o.to_string())),
        );
        for s in scenarios {
            suite.add_test_case(case(s));
        }
        junit.add_test_suite(suite);
    }
    xml(&junit)
}

/// `report` as JUnit XML that `junit-10.xsd` accepts (every JUnit report of the product is
/// written through this).
pub fn xml(report: &Report) -> String {
    let xml = report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- junit serialization failed: {e} -->"));
    // quick-junit writes `disabled` on every testsuite; junit-10.xsd does not allow it.
    xml.replace(" disabled=\"0\"", "")
}

/// When the run started: now less its elapsed time (the record keeps no wall clock).
fn started_at(report: &RunReport) -> chrono::DateTime<chrono::FixedOffset> {
    let start = std::time::SystemTime::now()
        .checked_sub(report.elapsed)
        .unwrap_or(std::time::UNIX_EPOCH)
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::<chrono::Utc>::from_timestamp(start.as_secs() as i64, 0)
        .unwrap_or_default()
        .fixed_offset()
}

/// `features/ttpay/close.feature:12` → `features.ttpay.close`: stable across line edits.
pub fn classname(location: &str) -> String {
    let path = location.rsplit_once(':').map_or(location, |(p, _)| p);
    let path = path.strip_suffix(".feature").unwrap_or(path);
    path.replace(['/', '\\'], ".")
}

/// The failing step first, then `rest`.
fn with_step(s: &ScenarioRecord, rest: String) -> String {
    match &s.failed_step {
        Some(step) => format!("at: {step}\n{rest}"),
        None => rest,
    }
}

fn case(s: &ScenarioRecord) -> TestCase {
    let status = match &s.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Failed => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let first = s.findings.deviations.first();
            status
                .set_type("deviation")
                .set_message(first.map(ToString::to_string).unwrap_or_default())
                .set_description(with_step(
                    s,
                    s.findings
                        .deviations
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n"),
                ));
            status
        }
        Outcome::Skipped(reason) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.as_str());
            status
        }
        Outcome::Inconclusive(reason) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_type("inconclusive")
                .set_message(reason.as_str())
                .set_description(with_step(s, reason.clone()));
            status
        }
        Outcome::Error(message) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_type("error")
                .set_message(message.as_str())
                .set_description(with_step(s, message.clone()));
            status
        }
    };
    let mut case = TestCase::new(&s.name, status);
    case.set_classname(classname(&s.location))
        .set_time(s.duration);
    // Jenkins' junit-10.xsd has no `properties` in a `testcase`: the rules go to system-out.
    let mut out = Vec::new();
    if !s.rules.is_empty() {
        out.push(format!("rules: {}", s.rules.join(", ")));
    }
    if !s.findings.request_ids.is_empty() {
        out.push(format!(
            "request_ids: {}",
            s.findings.request_ids.join(", ")
        ));
    }
    if !out.is_empty() {
        case.set_system_out(out.join("\n"));
    }
    case
}

#[cfg(test)]
mod tests {
    #[test]
    fn classname_has_no_line_number() {
        assert_eq!(
            super::classname("features/ttpay/close.feature:12"),
            "features.ttpay.close"
        );
    }
}
