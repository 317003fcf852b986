//! The HTTP behind a failed scenario, for the console: each exchange it made, request and
//! answer, bodies cut short (the JSON report has them up to 4 KiB). Redacted like every line.

use std::fmt::Write as _;

use crate::outcome::{Outcome, ScenarioRecord};
use crate::redacted::Redacted;

/// How much of a body a console line shows.
const SHOWN_BODY: usize = 300;

/// The block under a failed scenario; empty for any other.
pub fn render(record: &ScenarioRecord) -> String {
    let mut out = String::new();
    if record.outcome != Outcome::Failed {
        return out;
    }
    for e in &record.findings.exchanges {
        let _ = writeln!(
            out,
            "         exchange {} {} -> HTTP {} ({:.0} ms)",
            e.method, e.url, e.status, e.elapsed_ms
        );
        let _ = writeln!(out, "           sent:     {}", short(&e.request_body));
        let _ = writeln!(out, "           received: {}", short(&e.response_body));
    }
    out
}

/// A body on one line, cut to [`SHOWN_BODY`] characters (it was redacted whole already).
fn short(text: &Redacted) -> String {
    let one_line = text.map(|t| {
        t.trim()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    });
    if one_line.is_empty() {
        return "(empty)".to_owned();
    }
    one_line.cut_chars(SHOWN_BODY, "…").into_string()
}
