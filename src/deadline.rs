//! Every run has an overall deadline (`run --deadline DURATION`): past it no request is sent,
//! requests in flight end, what did not finish is inconclusive, the reports are written and
//! the run exits 3 (or 1, when deviations were found before it). No run outlives it: a
//! watchdog ends the process [`GRACE`] after it, whatever is stuck.
//!
//! The default is derived from the run itself:
//! `60 s + 4 × --timeout × ⌈scenarios ÷ --concurrency⌉ + 10 requests × scenarios ÷ --rate-limit`
//! (unpaced: 10 ms a request), times `--repeat` — far beyond what a healthy target takes
//! (101 TTPay scenarios at the remote defaults: 8 min 22 s), short of forever.

use std::time::Duration;

use crate::error::exit;

/// How long after the deadline the watchdog ends the process, if the run has not ended.
pub const GRACE: Duration = Duration::from_secs(10);

/// What the default allows per scenario: this many requests at the pacing's interval.
const REQUESTS_PER_SCENARIO: u32 = 10;

/// `90`, `90s`, `5m`, `1h`, `1m30s`, `500ms`: a duration, at least 1 s.
pub fn parse(text: &str) -> Result<Duration, String> {
    let hint = "(hint: e.g. 90s, 5m, 1h30m; a bare number is seconds)";
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return at_least_a_second(Duration::from_secs(seconds), text, hint);
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}` is not a duration {hint}"))?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..unit] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" => Duration::from_secs(number.saturating_mul(60)),
            "h" => Duration::from_secs(number.saturating_mul(3600)),
            other => return Err(format!("`{text}`: unknown unit `{other}` {hint}")),
        };
        total = total.saturating_add(part);
        rest = &rest[unit..];
    }
    at_least_a_second(total, text, hint)
}

fn at_least_a_second(d: Duration, text: &str, hint: &str) -> Result<Duration, String> {
    if d < Duration::from_secs(1) {
        return Err(format!("--deadline `{text}` is under a second {hint}"));
    }
    Ok(d)
}

/// The default deadline of a run of `scenarios` scenarios, `concurrency` at once, paced at
/// `rate` requests per second (0 = unpaced), each request waiting up to `timeout`.
pub fn default_for(scenarios: usize, concurrency: usize, rate: u32, timeout: Duration) -> Duration {
    let scenarios = u32::try_from(scenarios).unwrap_or(u32::MAX).max(1);
    let waves = scenarios.div_ceil(u32::try_from(concurrency.max(1)).unwrap_or(u32::MAX));
    let per_request = match rate {
        0 => Duration::from_millis(10),
        rate => Duration::from_secs(1) / rate,
    };
    Duration::from_secs(60)
        .saturating_add(timeout.saturating_mul(4).saturating_mul(waves))
        .saturating_add(per_request.saturating_mul(REQUESTS_PER_SCENARIO.saturating_mul(scenarios)))
}

/// How many scenarios of `features` the run will run: each example row of an outline counts,
/// `tags` filter them.
pub fn scenarios(
    features: &[cucumber::gherkin::Feature],
    tags: Option<&cucumber::gherkin::tagexpr::TagOperation>,
) -> usize {
    use cucumber::tag::Ext as _;
    features
        .iter()
        .flat_map(|f| crate::feature::scenarios(f).map(move |(r, s)| (f, r, s)))
        .filter(|(f, r, s)| tags.is_none_or(|e| e.eval(crate::feature::tags_of(f, *r, s).iter())))
        .map(|(_, _, s)| {
            let rows: usize = s
                .examples
                .iter()
                .filter_map(|e| e.table.as_ref())
                .map(|t| t.rows.len().saturating_sub(1))
                .sum();
            rows.max(1)
        })
        .sum()
}

/// `6 min 22 s`.
pub fn show(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 60, s % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// Arms the deadline `after` from now: then every request stops (inconclusive) and, should
/// the run still not end, the process exits 3 [`GRACE`] later. Needs a Tokio runtime.
pub fn arm(after: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        eprintln!(
            "pay-conformance: the run's deadline ({}, --deadline) passed: no more requests are sent; what did not finish is inconclusive",
            show(after)
        );
        crate::http::deadline_passed();
    });
    std::thread::spawn(move || {
        std::thread::sleep(after.saturating_add(GRACE));
        eprintln!(
            "pay-conformance: the run outlived its deadline ({}) by {} s: stopped (exit {})",
            show(after),
            GRACE.as_secs(),
            exit::INCONCLUSIVE
        );
        std::process::exit(exit::INCONCLUSIVE);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse("1500ms"), Ok(Duration::from_millis(1500)));
        for bad in ["", "0", "soon", "5x", "500ms", "-3"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_grows_with_scenarios_pacing_and_timeout() {
        let remote = default_for(101, 32, 5, Duration::from_secs(15));
        assert_eq!(remote, Duration::from_secs(60 + 4 * 15 * 4 + 202));
        assert_eq!(show(remote), "8 min 22 s");
        let embedded = default_for(101, 32, 0, Duration::from_secs(15));
        assert!(embedded < remote);
        assert!(default_for(1000, 32, 5, Duration::from_secs(15)) > remote);
        assert!(default_for(101, 32, 5, Duration::from_secs(60)) > remote);
    }
}
