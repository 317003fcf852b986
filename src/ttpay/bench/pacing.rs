//! Part 3: pacing. A bounded subset of the suite runs at `--rate-limit N` against a double that
//! answers 11001 beyond N requests per second per app_id in any sliding one-second window. The
//! run should be at the limit and no slower — the achieved rate per app_id close to N — with
//! not a single 11001 answer.

use std::fmt::Write as _;

use serde::Serialize;

use super::suite::{Loaded, run_config, run_once};
use crate::bench::ms;
use crate::error::ConfigError;
use crate::runner::Outcome;
use crate::ttpay::double::DoubleConfig;

/// Part 3.
#[derive(Debug, Clone, Serialize)]
pub struct PacingFigures {
    pub configured_per_second: u32,
    pub tags: String,
    pub scenarios: usize,
    pub not_passed: usize,
    pub wall_ms: f64,
    pub apps: Vec<AppRate>,
    /// Answers with code 11001 (too frequent): must be 0.
    pub rate_limited: u64,
}

/// What one app_id sent.
#[derive(Debug, Clone, Serialize)]
pub struct AppRate {
    pub app_id: String,
    /// Requests that left, retries included.
    pub sends: u64,
    /// From the first send to the last.
    pub span_ms: f64,
    /// `(sends - 1) ÷ span`.
    pub per_second: Option<f64>,
}

/// Runs the scenarios matching `tags` paced at `per_second` against a double limited to it.
pub async fn run(per_second: u32, tags: &str) -> Result<PacingFigures, ConfigError> {
    let loaded = Loaded::new()?;
    let config = run_config(32, per_second, Some(tags))?;
    let double = DoubleConfig {
        rate_limit: Some(per_second),
        ..DoubleConfig::builtin()
    };
    let timed = run_once(&config, &loaded, double).await?;
    let apps = timed
        .stats
        .per_key()
        .into_iter()
        .map(|k| AppRate {
            per_second: k.per_second(),
            app_id: k.key,
            sends: k.sends,
            span_ms: ms(k.span),
        })
        .collect();
    Ok(PacingFigures {
        configured_per_second: per_second,
        tags: tags.to_owned(),
        scenarios: timed.report.scenarios.len(),
        not_passed: timed
            .report
            .scenarios
            .iter()
            .filter(|s| s.outcome != Outcome::Passed)
            .count(),
        wall_ms: ms(timed.wall),
        apps,
        rate_limited: timed.stats.rate_limited(),
    })
}

/// Part 3's table.
pub fn render(f: &PacingFigures) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n3. pacing at {}/s per app_id against a double enforcing {}/s ({}: {} scenarios, {} not passed, {:.0} ms)",
        f.configured_per_second,
        f.configured_per_second,
        f.tags,
        f.scenarios,
        f.not_passed,
        f.wall_ms
    );
    let _ = writeln!(
        out,
        "  {:<18}  {:>5}  {:>8}  {:>10}  {:>10}",
        "app_id", "sends", "span ms", "achieved/s", "configured"
    );
    for app in &f.apps {
        let achieved = app
            .per_second
            .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"));
        let _ = writeln!(
            out,
            "  {:<18}  {:>5}  {:>8.0}  {:>10}  {:>10}",
            app.app_id, app.sends, app.span_ms, achieved, f.configured_per_second
        );
    }
    let _ = writeln!(out, "  11001 answers: {} (must be 0)", f.rate_limited);
    if f.apps.is_empty() {
        let _ = writeln!(
            out,
            "  (no request was sent: do the tags match any scenario?)"
        );
    }
    out
}
