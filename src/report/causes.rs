//! Deviations grouped by cause: the same rule, endpoint, pointer, expected and actual value
//! is one block with a count and the scenarios that showed it — one provider bug read once,
//! not once per scenario it breaks.

use std::fmt::Write as _;

use crate::outcome::RunReport;

/// One cause and where it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub rule: String,
    pub endpoint: String,
    pub pointer: String,
    pub expected: String,
    pub actual: String,
    /// `name (location)` of every scenario that showed it, in report order.
    pub scenarios: Vec<String>,
}

/// The causes of a run's deviations, the most frequent first (ties in report order).
pub fn group(report: &RunReport) -> Vec<Cause> {
    let mut causes: Vec<Cause> = Vec::new();
    for s in &report.scenarios {
        for d in &s.findings.deviations {
            let rule = d.rule.to_string();
            let place = format!("{} ({})", s.name, s.location);
            let found = causes.iter_mut().find(|c| {
                c.rule == rule
                    && c.endpoint == d.endpoint
                    && c.pointer == d.pointer
                    && c.expected == d.expected
                    && c.actual == d.actual
            });
            match found {
                Some(cause) => {
                    if !cause.scenarios.contains(&place) {
                        cause.scenarios.push(place);
                    }
                }
                None => causes.push(Cause {
                    rule,
                    endpoint: d.endpoint.clone(),
                    pointer: d.pointer.clone(),
                    expected: d.expected.clone(),
                    actual: d.actual.clone(),
                    scenarios: vec![place],
                }),
            }
        }
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.scenarios.len()));
    causes
}

/// Scenarios named per cause; the rest are counted.
const SHOWN: usize = 5;

/// The console block, empty when there is no deviation.
pub fn render(report: &RunReport) -> String {
    let causes = group(report);
    let mut out = String::new();
    if causes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nDeviations by cause ({} cause(s))", causes.len());
    for c in &causes {
        let pointer = if c.pointer.is_empty() {
            "(body)"
        } else {
            &c.pointer
        };
        let _ = writeln!(
            out,
            "  {}  {}  {pointer}  — {} scenario(s)",
            c.rule,
            c.endpoint,
            c.scenarios.len()
        );
        let _ = writeln!(out, "      expected: {}", c.expected);
        let _ = writeln!(out, "      actual:   {}", c.actual);
        for place in c.scenarios.iter().take(SHOWN) {
            let _ = writeln!(out, "      in: {place}");
        }
        if c.scenarios.len() > SHOWN {
            let more = c.scenarios.len() - SHOWN;
            let _ = writeln!(out, "      … and {more} more (each listed above)");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::findings::{Deviation, Findings};
    use crate::outcome::{Outcome, ScenarioRecord};

    fn failed(name: &str, line: usize, deviations: Vec<Deviation>) -> ScenarioRecord {
        ScenarioRecord {
            feature: "F".into(),
            location: format!("f.feature:{line}"),
            name: name.into(),
            tags: vec![],
            rules: vec!["T3".into()],
            outcome: Outcome::Failed,
            failed_step: None,
            findings: Findings {
                deviations,
                ..Findings::default()
            },
            duration: Duration::ZERO,
        }
    }

    #[test]
    fn the_same_cause_in_three_scenarios_is_one_block_with_a_count() {
        let html = || Deviation::new("T3", "/v1/x", "(content-type)", "json", "text/html");
        let other = Deviation::new("Q7", "/v1/q", "/data/pay_time", "0", "5");
        let report = RunReport {
            target: "t".into(),
            scenarios: vec![
                failed("a", 1, vec![html()]),
                failed("b", 2, vec![html(), other]),
                failed("c", 3, vec![html()]),
            ],
            observations: Vec::new(),
            elapsed: Duration::ZERO,
        };
        let causes = group(&report);
        assert_eq!(causes.len(), 2);
        assert_eq!(causes[0].scenarios.len(), 3);
        let text = render(&report);
        assert!(
            text.contains("T3  /v1/x  (content-type)  — 3 scenario(s)"),
            "{text}"
        );
        assert!(text.contains("in: b (f.feature:2)"), "{text}");
    }
}
