//! The rerun file (`--rerun FILE`): the scenarios that did not pass, in cucumber-jvm's
//! `rerun:` format — `path:line` entries, one per line — which `run` takes back as
//! positional arguments (`pay-conformance run $(cat rerun.txt)`). Skipped scenarios are not
//! in it (nothing to rerun until their fixture is configured).

use crate::outcome::{Outcome, RunReport};

/// One `path:line` per scenario that failed, was inconclusive or could not run.
pub fn render(report: &RunReport) -> String {
    let mut out = String::new();
    for s in &report.scenarios {
        if matches!(
            s.outcome,
            Outcome::Failed | Outcome::Inconclusive(_) | Outcome::Error(_)
        ) {
            out.push_str(&s.location);
            out.push('\n');
        }
    }
    out
}
