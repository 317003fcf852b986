//! A dropped connection is a deviation only from a steady target: the same malformed input
//! (T5) or undocumented method (T7) dropped twice, while well-formed requests on fresh
//! connections are answered, is the target's refusal to answer — unless the target also drops
//! well-formed requests. Then the drop is its flakiness, not an answer to that input, and
//! the scenario is inconclusive (exit 3): judged when the drop is seen (the run's count so
//! far) and again when the run ends (a drop of a well-formed request after the verdict).

use std::sync::atomic::Ordering;

use super::Endpoint;
use super::world::TtpayWorld;
use crate::findings::{Inconclusive, Observation, StepFailure};
use crate::runner::{Outcome, RunReport};

/// Why a drop is not concluded on when `count` attempts of well-formed requests went
/// unanswered in the run.
pub fn why(count: u64) -> String {
    format!(
        "not concluded: the target also left {count} attempt(s) of well-formed requests of this run unanswered, so a drop is its flakiness, not an answer to this input"
    )
}

/// `Err` (inconclusive, saying `drop` and why) when the target has dropped well-formed
/// requests in this run so far.
pub fn unless_flaky(w: &mut TtpayWorld, endpoint: Endpoint, drop: &str) -> Result<(), StepFailure> {
    let count = w
        .ctx()
        .client
        .well_formed_unanswered()
        .load(Ordering::Relaxed);
    if count == 0 {
        return Ok(());
    }
    let reason = format!("{drop}; {}", why(count));
    w.findings.inconclusive = Some(Inconclusive {
        endpoint: endpoint.path().to_owned(),
        reason: reason.clone(),
    });
    Err(StepFailure::Inconclusive(reason))
}

/// When the run ends: with `count` well-formed attempts unanswered, each deviation that holds
/// only for a steady target becomes an observation, and a scenario left without deviations
/// is inconclusive.
pub fn rejudge(report: &mut RunReport, count: u64) {
    if count == 0 {
        return;
    }
    for scenario in &mut report.scenarios {
        let findings = &mut scenario.findings;
        if !findings.deviations.iter().any(|d| d.if_steady) {
            continue;
        }
        let (dropped, kept): (Vec<_>, Vec<_>) =
            findings.deviations.drain(..).partition(|d| d.if_steady);
        findings.deviations = kept;
        for d in &dropped {
            findings.observations.push(Observation {
                rule: d.rule.clone(),
                endpoint: d.endpoint.clone(),
                note: format!("{}; {}", d.actual, why(count)),
                request_id: None,
            });
        }
        if findings.deviations.is_empty() && scenario.outcome == Outcome::Failed {
            let first = &dropped[0];
            let reason = format!("{}; {}", first.actual, why(count));
            findings.inconclusive = Some(Inconclusive {
                endpoint: first.endpoint.clone(),
                reason: reason.clone(),
            });
            scenario.outcome = Outcome::Inconclusive(format!("{}: {reason}", first.endpoint));
        }
    }
}
