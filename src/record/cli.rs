//! The commands around records: `run --record FILE [--repeat N]`, `run --baseline FILE` and
//! `diff OLD NEW [--noise BASELINE2] [--show-noise] [--json]`.
//!
//! Exit codes of `diff`: 0 nothing changed, or allowed / additive changes only (a note says
//! so); 1 breaking changes; 2 a record that cannot be read, of a provider this build does not
//! know, or records of two different providers. `run --baseline`: the run's
//! verdict, or 1 when the run conformed but there are breaking changes.

use std::path::PathBuf;

use super::diff::{self, DiffOptions};
use super::{Record, comparable, load, render, save};
use crate::error::{ConfigError, exit};
use crate::provider::Configured;
use crate::runner::RunReport;

/// The record flags of `run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RecordArgs {
    /// Write a behaviour record of the run here (for `pay-conformance diff`).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Run the suite N times; the record keeps where the runs differed as noise.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10))]
    pub repeat: Option<u32>,
    /// After the run, show what changed since this record (exit 1 on breaking changes when
    /// the run conformed).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

impl RecordArgs {
    /// Whether the run needs a record at all.
    pub fn wanted(&self) -> bool {
        self.record.is_some() || self.baseline.is_some()
    }
}

/// The flags of `pay-conformance diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The record of the provider as it was (before the upgrade).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The record of the provider as it is now.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// A second record of the old provider: where it differs from OLD is noise.
    #[arg(long, value_name = "BASELINE2")]
    pub noise: Option<PathBuf>,
    /// Also show the noise (values known to vary between runs).
    #[arg(long)]
    pub show_noise: bool,
    /// Print the changes as JSON (for CI) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `pay-conformance diff`, between records of the providers `known` names.
pub fn diff_command(args: &DiffArgs, known: &[&str]) -> Result<i32, ConfigError> {
    let old = load(&args.old)?;
    let new = load(&args.new)?;
    comparable((&args.old, &old), (&args.new, &new), known)?;
    let mut options = DiffOptions::default();
    if let Some(path) = &args.noise {
        let noise = load(path)?;
        comparable((&args.old, &old), (path, &noise), known)?;
        options.noise = diff::varying(&old, &noise);
    }
    let changes = diff::diff(&old, &new, &options);
    if args.json {
        print!("{}", render::json(&changes, args.show_noise));
    } else {
        println!(
            "Behaviour changes from {} to {} ({}):",
            args.old.display(),
            args.new.display(),
            new.provider
        );
        print!("{}", render::text(&changes, args.show_noise));
    }
    Ok(changes.exit_code())
}

/// Runs `features` once, or `--repeat N` times; the first report is the run's.
pub async fn run(
    configured: &dyn Configured,
    features: &[cucumber::gherkin::Feature],
    args: &RecordArgs,
) -> Result<Vec<RunReport>, ConfigError> {
    let times = args.repeat.unwrap_or(1).max(1);
    let mut reports = Vec::new();
    for _ in 0..times {
        reports.push(configured.run(features.to_vec()).await?);
    }
    Ok(reports)
}

/// The baseline named by `--baseline`, read before the run (a bad file stops it: exit 2): a
/// record of one of the providers `known` names, and of the run's own (`provider`).
pub fn baseline(
    args: &RecordArgs,
    provider: &str,
    known: &[&str],
) -> Result<Option<Record>, ConfigError> {
    let Some(path) = args.baseline.as_deref() else {
        return Ok(None);
    };
    let record = load(path)?;
    super::io::known_provider(path, &record, known)?;
    if record.provider != provider {
        return Err(ConfigError::Invalid {
            what: format!(
                "--baseline {} is a record of provider `{}`; this run checks `{provider}`\n(hint: pass a record of `{provider}`, or run with --provider {})",
                path.display(),
                record.provider,
                record.provider
            ),
        });
    }
    Ok(Some(record))
}

/// After the run of `provider` (its name): writes the record, shows the changes since the
/// baseline; the exit code.
pub fn finish(
    provider: &str,
    configured: &dyn Configured,
    args: &RecordArgs,
    reports: &[RunReport],
    baseline: Option<Record>,
) -> Result<i32, ConfigError> {
    let Some(first) = reports.first() else {
        return Ok(exit::USAGE);
    };
    let verdict = first.verdict().exit_code();
    if !args.wanted() {
        return Ok(verdict);
    }
    let record = Record::learned(reports, provider)
        .unwrap_or_else(|| Record::of(first, provider))
        .with_settings(configured.settings());
    if let Some(path) = &args.record {
        save(&record, path)?;
        println!(
            "behaviour record: {} ({} scenarios, {} noise point(s) from {} run(s))",
            path.display(),
            record.scenarios.len(),
            record.noise.len(),
            record.runs
        );
    }
    let Some(baseline) = baseline else {
        return Ok(verdict);
    };
    let changes = diff::diff(&baseline, &record, &DiffOptions::default());
    println!();
    println!("Behaviour changes since the baseline:");
    print!("{}", render::text(&changes, false));
    Ok(match (verdict, changes.breaking()) {
        (exit::CONFORMING, n) if n > 0 => exit::DEVIATIONS,
        (verdict, _) => verdict,
    })
}
