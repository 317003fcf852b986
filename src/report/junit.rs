//! The JUnit XML report: a test suite per feature, a test case per scenario. Deviations are
//! failures; inconclusive scenarios and scenarios that could not run are errors; skipped ones
//! carry their reason. Nothing is retried at the scenario level, so a passing scenario never
//! leaves a stale failure behind.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::runner::{Outcome, RunReport, ScenarioRecord};

/// The report as JUnit XML (redacted when written).
pub fn render(report: &RunReport) -> String {
    let mut junit = Report::new("pay-conformance");
    junit.set_time(report.elapsed);
    let mut by_feature: BTreeMap<&str, Vec<&ScenarioRecord>> = BTreeMap::new();
    for s in &report.scenarios {
        by_feature.entry(&s.feature).or_default().push(s);
    }
    for (feature, scenarios) in by_feature {
        let mut suite = TestSuite::new(feature);
        for s in scenarios {
            suite.add_test_case(case(s));
        }
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- junit serialization failed: {e} -->"))
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
                .set_description(
                    s.findings
                        .deviations
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            status
        }
        Outcome::Skipped(reason) => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reason.as_str());
            status
        }
        Outcome::Inconclusive(reason) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_type("inconclusive").set_message(reason.as_str());
            status
        }
        Outcome::Error(message) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_type("error").set_message(message.as_str());
            status
        }
    };
    let mut case = TestCase::new(&s.name, status);
    case.set_classname(&s.location).set_time(s.duration);
    for rule in &s.rules {
        case.add_property(quick_junit::Property::new("rule", rule.as_str()));
    }
    if !s.findings.request_ids.is_empty() {
        case.set_system_out(format!(
            "request_ids: {}",
            s.findings.request_ids.join(", ")
        ));
    }
    case
}
