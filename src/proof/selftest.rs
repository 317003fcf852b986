//! `pay-conformance selftest`: proof that the suite catches what it claims to. For a provider,
//! the suite runs once against its conforming double — it must pass with no deviation and
//! nothing inconclusive — and once per fault of its catalogue, each of which must fail with a
//! deviation of a rule the fault names. The fault runs go concurrently, each against a double
//! of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde::Serialize;

use crate::error::ConfigError;
use crate::provider::{FaultInfo, Provider};
use crate::runner::{Outcome, RunReport};
use crate::settings::{FileSection, RunSettings};

/// How one fault fared.
#[derive(Debug, Clone, Serialize)]
pub struct FaultResult {
    pub fault: &'static str,
    pub rules: Vec<&'static str>,
    pub caught: bool,
    /// The scenarios with a deviation of a rule the fault names.
    pub caught_by: Vec<String>,
    /// Those of them that are the QA engineer's own (`--features`), not built in.
    pub qa_caught_by: Vec<String>,
    /// Every rule the run reported.
    pub reported: Vec<String>,
    /// Each failing scenario's location with the rules of its deviations.
    pub deviations: BTreeMap<String, BTreeSet<String>>,
    pub inconclusive: usize,
}

/// The whole selftest.
#[derive(Debug, Clone, Serialize)]
pub struct SelftestReport {
    pub provider: &'static str,
    /// Scenarios of the clean run, and whether it was clean.
    pub clean_scenarios: usize,
    pub clean_passed: bool,
    pub clean_problems: Vec<String>,
    pub faults: Vec<FaultResult>,
    /// Scenarios of the QA engineer's own feature files (`--features`) in every run.
    pub qa_scenarios: usize,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
}

impl SelftestReport {
    pub fn caught(&self) -> usize {
        self.faults.iter().filter(|f| f.caught).count()
    }

    /// A clean pass and every fault caught.
    pub fn ok(&self) -> bool {
        self.clean_passed && self.caught() == self.faults.len()
    }
}

/// Runs `provider`'s features (built-in and `extra`) clean and then under every fault in
/// `faults`, `parallel` runs at a time.
pub async fn run(
    provider: &dyn Provider,
    faults: &[FaultInfo],
    extra: &[std::path::PathBuf],
    parallel: usize,
) -> Result<SelftestReport, ConfigError> {
    let started = Instant::now();
    let settings = RunSettings::embedded();
    let configured = provider.configure(
        &settings,
        &crate::settings::ProviderFlags::none(),
        &mut FileSection::empty(),
        &|_| None,
    )?;
    let features = provider.load_features(extra)?;
    let configured = &configured;
    let one = |fault: Option<FaultInfo>| {
        let features = features.clone();
        async move {
            let report = configured
                .run_with_fault(features, fault.map(|f| f.name))
                .await;
            (fault, report)
        }
    };
    let clean = one(None).await.1?;
    let mut results = Vec::new();
    let mut runs = futures::stream::iter(faults.iter().copied())
        .map(|f| one(Some(f)))
        .buffer_unordered(parallel.max(1));
    let builtin: BTreeSet<String> = crate::runner::features::embedded(provider.name())
        .into_iter()
        .map(|s| s.path.display().to_string())
        .collect();
    let is_qa = |location: &str| {
        let path = location.rsplit_once(':').map_or(location, |(p, _)| p);
        !builtin.contains(path)
    };
    while let Some((fault, report)) = runs.next().await {
        let mut result = judge(fault.expect("a fault run"), &report?);
        result.qa_caught_by = result
            .caught_by
            .iter()
            .filter(|l| is_qa(l))
            .cloned()
            .collect();
        results.push(result);
    }
    let qa_scenarios = clean
        .scenarios
        .iter()
        .filter(|s| is_qa(&s.location))
        .count();
    // Cucumber swaps the panic hook during a run; concurrent runs can leave its silent one.
    crate::redact::install_panic_hook();
    let catalogue = provider.faults();
    let order = |r: &FaultResult| catalogue.iter().position(|f| f.name == r.fault);
    results.sort_by_key(order);
    let clean_problems: Vec<String> = clean
        .scenarios
        .iter()
        .filter(|s| s.outcome != Outcome::Passed)
        .map(|s| format!("{} ({}): {:?}", s.name, s.location, s.outcome))
        .collect();
    Ok(SelftestReport {
        provider: provider.name(),
        clean_scenarios: clean.scenarios.len(),
        clean_passed: clean_problems.is_empty(),
        clean_problems,
        faults: results,
        qa_scenarios,
        elapsed: started.elapsed(),
    })
}

/// Whether `report` — a run against a double with `fault` — caught it.
pub fn judge(fault: FaultInfo, report: &RunReport) -> FaultResult {
    let named: BTreeSet<&str> = fault.rules.iter().copied().collect();
    let caught_by: Vec<String> = report
        .scenarios
        .iter()
        .filter(|s| {
            s.findings
                .deviations
                .iter()
                .any(|d| d.rule.ids().any(|r| named.contains(r)))
        })
        .map(|s| s.location.clone())
        .collect();
    let deviations = report
        .scenarios
        .iter()
        .filter(|s| !s.findings.deviations.is_empty())
        .map(|s| {
            let rules = s
                .findings
                .deviations
                .iter()
                .flat_map(|d| d.rule.ids().map(str::to_owned))
                .collect();
            (s.location.clone(), rules)
        })
        .collect();
    FaultResult {
        fault: fault.name,
        rules: fault.rules.to_vec(),
        caught: !caught_by.is_empty(),
        caught_by,
        qa_caught_by: Vec::new(),
        reported: report.broken_rules(),
        deviations,
        inconclusive: report.counts().inconclusive,
    }
}

/// The table a person reads.
pub fn render(report: &SelftestReport) -> String {
    let mut out = String::new();
    let clean = if report.clean_passed {
        "passed"
    } else {
        "FAILED"
    };
    let _ = writeln!(
        out,
        "{}: clean run against the conforming double: {clean} ({} scenarios)",
        report.provider, report.clean_scenarios
    );
    for problem in &report.clean_problems {
        let _ = writeln!(out, "  {problem}");
    }
    let width = report
        .faults
        .iter()
        .map(|f| f.fault.len())
        .max()
        .unwrap_or(5);
    let qa = report.qa_scenarios > 0;
    let _ = writeln!(
        out,
        "\n{:width$}  {:<12}  {:<6}  {}caught by",
        "fault",
        "rules",
        "result",
        if qa { "by QA  " } else { "" }
    );
    for f in &report.faults {
        let result = if f.caught { "caught" } else { "MISSED" };
        let by = match f.caught_by.as_slice() {
            [] => String::from("-"),
            [one] => one.clone(),
            [first, rest @ ..] => format!("{first} and {} more", rest.len()),
        };
        let by_qa = if !qa {
            String::new()
        } else if f.qa_caught_by.is_empty() {
            format!("{:<7}", "-")
        } else {
            format!("{:<7}", f.qa_caught_by.len())
        };
        let _ = writeln!(
            out,
            "{:width$}  {:<12}  {result:<6}  {by_qa}{by}",
            f.fault,
            f.rules.join(",")
        );
    }
    if qa {
        render_qa(&mut out, report);
    }
    let _ = writeln!(
        out,
        "\nscore: {}/{} faults caught, clean run {clean}; wall time {:.1} s",
        report.caught(),
        report.faults.len(),
        report.elapsed.as_secs_f64()
    );
    out
}

/// The section on the QA engineer's own scenarios: which faults they catch.
fn render_qa(out: &mut String, report: &SelftestReport) {
    let caught: Vec<&FaultResult> = report
        .faults
        .iter()
        .filter(|f| !f.qa_caught_by.is_empty())
        .collect();
    let _ = writeln!(
        out,
        "\nyour scenarios ({}, from --features) catch {} of {} faults:",
        report.qa_scenarios,
        caught.len(),
        report.faults.len()
    );
    for f in &caught {
        let _ = writeln!(
            out,
            "  {}  [{}]  {}",
            f.fault,
            f.rules.join(","),
            f.qa_caught_by.join(", ")
        );
    }
    if caught.is_empty() {
        let _ = writeln!(
            out,
            "  none: they pass under every fault (add assertions, or tag them with the rules they check)"
        );
    }
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}
