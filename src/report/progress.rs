//! What a person sees while a run goes: one line per scenario as it finishes, with how many
//! are done of how many (on stderr, so that the report on stdout stays as it is).

use crate::outcome::{Outcome, ScenarioRecord};

/// `[12/101] PASS An unpaid order is closed (features/ttpay/close.feature:7)`, redacted.
pub fn line(record: &ScenarioRecord, done: usize, total: usize) -> String {
    let mark = match &record.outcome {
        Outcome::Passed => "PASS",
        Outcome::Failed => "FAIL",
        Outcome::Skipped(_) => "SKIP",
        Outcome::Inconclusive(_) => "INCONCLUSIVE",
        Outcome::Error(_) => "ERROR",
    };
    let width = total.to_string().len();
    let text = format!(
        "[{done:>width$}/{total}] {mark} {} ({}) {} ms",
        record.name,
        record.location,
        record.duration.as_millis()
    );
    crate::redact::redact(&text).into_owned()
}
