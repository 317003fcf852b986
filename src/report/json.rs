//! The JSON report: the whole run, machine-readable, with the verdict and counts on top.

use serde::Serialize;

use crate::outcome::{Counts, RunReport, Verdict};

#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'static str,
    verdict: Verdict,
    exit_code: i32,
    counts: Counts,
    broken_rules: Vec<String>,
    /// The settings the run used (`report::settings::of`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    settings: Option<&'a serde_json::Value>,
    #[serde(flatten)]
    report: &'a RunReport,
}

/// The report as pretty JSON (redacted when written).
pub fn render(report: &RunReport) -> String {
    render_with_settings(report, None)
}

/// The report with the settings the run used (documented by `docs/report.schema.json`).
pub fn render_with_settings(report: &RunReport, settings: Option<&serde_json::Value>) -> String {
    let doc = Document {
        settings,
        tool: "pay-conformance",
        version: env!("CARGO_PKG_VERSION"),
        verdict: report.verdict(),
        exit_code: report.verdict().exit_code(),
        counts: report.counts(),
        broken_rules: report.broken_rules(),
        report,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
