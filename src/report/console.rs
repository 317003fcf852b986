//! The console report: one line per scenario, the evidence of each deviation under it, and a
//! one-line verdict at the end.

use std::fmt::Write as _;

use crate::outcome::{Outcome, RunReport, Verdict};
use crate::redact::redact;

/// The whole report as text, redacted.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    let mut feature = "";
    for s in &report.scenarios {
        if s.feature != feature {
            feature = &s.feature;
            let _ = writeln!(out, "\n{feature}");
        }
        let (mark, tail) = match &s.outcome {
            Outcome::Passed => ("PASS", String::new()),
            Outcome::Failed => ("FAIL", String::new()),
            Outcome::Skipped(reason) => ("SKIP", format!(" — {reason}")),
            Outcome::Inconclusive(reason) => ("INCONCLUSIVE", format!(" — {reason}")),
            Outcome::Error(message) => ("ERROR", format!(" — {message}")),
        };
        let rules = if s.rules.is_empty() {
            String::new()
        } else {
            format!(" [{}]", s.rules.join(" "))
        };
        let _ = writeln!(out, "  {mark:<4} {}{rules}  ({}){tail}", s.name, s.location);
        if matches!(
            s.outcome,
            Outcome::Failed | Outcome::Error(_) | Outcome::Inconclusive(_)
        ) && let Some(step) = &s.failed_step
        {
            let _ = writeln!(out, "         at: {step}");
        }
        for d in &s.findings.deviations {
            let pointer = if d.pointer.is_empty() {
                "(body)"
            } else {
                &d.pointer
            };
            let _ = writeln!(
                out,
                "         deviation {}  {}  {pointer}",
                d.rule, d.endpoint
            );
            let _ = writeln!(out, "           expected: {}", d.expected);
            let _ = writeln!(out, "           actual:   {}", d.actual);
            if let Some(id) = &d.request_id {
                let _ = writeln!(out, "           request_id: {id}");
            }
        }
        for o in &s.findings.observations {
            let _ = writeln!(out, "         observation {o}");
        }
        out.push_str(&super::exchanges::render(s));
    }
    if !report.observations.is_empty() {
        let _ = writeln!(out, "\nThe whole run");
        for o in &report.observations {
            let _ = writeln!(out, "  observation {o}");
        }
    }
    out.push_str(&super::causes::render(report));
    let _ = writeln!(out, "\n{}", verdict_line(report));
    redact(&out).into_owned()
}

/// `conforming: 60 scenarios passed …` — the line a CI log is read for.
pub fn verdict_line(report: &RunReport) -> String {
    let c = report.counts();
    let total = report.scenarios.len();
    let head = match report.verdict() {
        Verdict::Conforming => "CONFORMING".to_owned(),
        Verdict::Deviations => format!(
            "DEVIATIONS FOUND: {} deviation(s) of rule(s) {}",
            c.deviations,
            report.broken_rules().join(", ")
        ),
        Verdict::Error => "ERROR: some scenarios could not run as written".to_owned(),
        Verdict::Interrupted => {
            "INTERRUPTED: stopped sending at Ctrl-C / SIGTERM; the scenarios that finished are reported above, nothing is concluded"
                .to_owned()
        }
        Verdict::Inconclusive => {
            "INCONCLUSIVE: no deviation, but the network kept some scenarios from being decided"
                .to_owned()
        }
    };
    format!(
        "{head} — {} of {total} scenarios passed, {} failed, {} skipped, {} inconclusive, {} errors; {} observations; {} requests to {} in {:.1} s",
        c.passed,
        c.failed,
        c.skipped,
        c.inconclusive,
        c.errors,
        c.observations,
        c.requests,
        report.target,
        report.elapsed.as_secs_f64()
    )
}
