//! The proxy's reports: the console line of each new finding, the closing summary, and the
//! JSON and JUnit files (written redacted, like every report: [`crate::report::write_file`]).
//! JUnit: one test suite per side, one test case per rule with findings (a failure carrying
//! its first examples), and one passing case for the clean exchanges.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use super::tally::{Example, Tally};
use crate::error::exit;
use crate::judge::Side;

/// Exit code: only the merchant's requests broke the contract.
pub const MERCHANT_FINDINGS: i32 = 4;

/// What the proxy counted besides the findings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Traffic {
    pub provider: &'static str,
    pub upstream: String,
    pub requests: u64,
    pub unjudged: u64,
    /// Upstream failures (502/504): inconclusive.
    pub inconclusive: u64,
    pub elapsed_s: f64,
    /// What the judge could not check with what it was given.
    pub limits: Vec<String>,
}

/// The exit code: 1 when the provider broke the contract, 4 when only the merchant did, 3
/// when nothing was found but the upstream failed, else 0.
pub fn exit_code(tally: &Tally, traffic: &Traffic) -> i32 {
    if tally.count(Side::Provider) > 0 {
        exit::DEVIATIONS
    } else if tally.count(Side::Merchant) > 0 {
        MERCHANT_FINDINGS
    } else if traffic.inconclusive > 0 {
        exit::INCONCLUSIVE
    } else {
        exit::CONFORMING
    }
}

/// The verdict in words.
pub fn verdict(code: i32) -> &'static str {
    match code {
        exit::DEVIATIONS => "PROVIDER DEVIATIONS FOUND",
        MERCHANT_FINDINGS => "MERCHANT FINDINGS ONLY",
        exit::INCONCLUSIVE => "INCONCLUSIVE (the upstream failed)",
        _ => "NO FINDING",
    }
}

/// The console line of a new finding (redacted by the caller's print).
pub fn line(example: &Example) -> String {
    let d = &example.finding.deviation;
    format!(
        "#{} {} [{}] {} {}: {} at {}: expected {}, got {}",
        example.seq,
        example.finding.side.name(),
        d.rule,
        example.exchange.method,
        example.exchange.url,
        d.endpoint,
        d.pointer,
        d.expected,
        d.actual
    )
}

/// The closing summary, a line a rule.
pub fn summary(tally: &Tally, traffic: &Traffic) -> String {
    let code = exit_code(tally, traffic);
    let mut out = format!(
        "{}: {} requests, {} judged ({} clean), {} provider and {} merchant findings, {} inconclusive, {} not judged\n",
        verdict(code),
        traffic.requests,
        tally.judged,
        tally.clean,
        tally.count(Side::Provider),
        tally.count(Side::Merchant),
        traffic.inconclusive,
        traffic.unjudged,
    );
    for ((side, rule), t) in &tally.rules {
        out.push_str(&format!("  {:8} {rule:5} {} ×", side.name(), t.count));
        if let Some(first) = t.examples.first() {
            let d = &first.finding.deviation;
            out.push_str(&format!(
                " e.g. #{} {} {}: expected {}, got {}",
                first.seq, d.endpoint, d.pointer, d.expected, d.actual
            ));
        }
        out.push('\n');
    }
    for (rule, observed) in &tally.observations {
        if let Some(first) = observed.examples.first() {
            out.push_str(&format!(
                "  observed [{rule}] {} × e.g. {}\n",
                observed.count, first.note
            ));
        }
    }
    for failure in &tally.failures {
        out.push_str(&format!(
            "  upstream #{} {} {} -> {}: {}\n",
            failure.seq, failure.method, failure.url, failure.status, failure.why
        ));
    }
    for limit in &traffic.limits {
        out.push_str(&format!("  note: {limit}\n"));
    }
    out
}

/// The JSON report.
pub fn json(tally: &Tally, traffic: &Traffic) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        tool: &'static str,
        version: &'static str,
        mode: &'static str,
        verdict: &'static str,
        exit_code: i32,
        provider_findings: u64,
        merchant_findings: u64,
        traffic: &'a Traffic,
        #[serde(flatten)]
        tally: &'a Tally,
    }
    let code = exit_code(tally, traffic);
    let doc = Document {
        tool: "pay-conformance",
        version: env!("CARGO_PKG_VERSION"),
        mode: "proxy",
        verdict: verdict(code),
        exit_code: code,
        provider_findings: tally.count(Side::Provider),
        merchant_findings: tally.count(Side::Merchant),
        traffic,
        tally,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The JUnit XML report.
pub fn junit(tally: &Tally, traffic: &Traffic) -> String {
    let mut report = Report::new("pay-conformance proxy");
    report.set_time(Duration::from_secs_f64(traffic.elapsed_s.max(0.0)));
    for side in [Side::Provider, Side::Merchant] {
        let mut suite = TestSuite::new(format!("proxy.{}", side.name()));
        suite.add_properties(
            traffic
                .limits
                .iter()
                .map(|l| Property::new("limit", l.clone())),
        );
        let mut clean = TestCase::new("exchanges without a finding", TestCaseStatus::success());
        clean.set_classname(format!("proxy.{}", side.name()));
        suite.add_test_case(clean);
        for ((_, rule), t) in tally.rules.iter().filter(|((s, _), _)| *s == side) {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let mut text = format!("{} findings; the first ones:\n", t.count);
            for example in &t.examples {
                text.push_str(&line(example));
                text.push('\n');
            }
            if let Some(first) = t.examples.first() {
                status.set_message(format!(
                    "{}: expected {}, got {}",
                    first.finding.deviation.pointer,
                    first.finding.deviation.expected,
                    first.finding.deviation.actual
                ));
            }
            status.set_description(text);
            let mut case = TestCase::new(format!("{rule} ({} findings)", t.count), status);
            case.set_classname(format!("proxy.{}", side.name()));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    crate::report::junit::xml(&report)
}
