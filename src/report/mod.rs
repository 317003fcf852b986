//! Reports of a run, one format per file: what a person reads first ([`console`]), and the
//! same result for CI ([`junit`], [`json`]). Every line goes through [`crate::redact`].

pub mod causes;
pub mod console;
pub mod cucumber;
pub mod exchanges;
pub mod html;
pub mod json;
pub mod junit;
pub mod progress;
pub mod rerun;
pub mod settings;

use std::path::Path;

use crate::error::ConfigError;
use crate::outcome::RunReport;

/// Writes `text`, redacted, to `path`.
pub fn write_file(path: &Path, text: &str) -> Result<(), ConfigError> {
    crate::fsutil::write_redacted(path, text)
}

/// Writes the JUnit and JSON reports a run was asked for.
pub fn write_files(
    report: &RunReport,
    junit: Option<&Path>,
    json: Option<&Path>,
) -> Result<(), ConfigError> {
    if let Some(path) = junit {
        write_file(path, &junit::render(report))?;
    }
    if let Some(path) = json {
        write_file(path, &json::render(report))?;
    }
    Ok(())
}

/// The report files a run writes beyond JUnit and JSON, and what they need.
pub struct Extra<'a> {
    pub cucumber_json: Option<&'a Path>,
    pub html: Option<&'a Path>,
    pub rerun: Option<&'a Path>,
    /// The features the run ran, for the Cucumber JSON's steps.
    pub features: &'a [::cucumber::gherkin::Feature],
    pub provider: &'a dyn crate::Provider,
    /// [`settings::of`] the run.
    pub settings: &'a serde_json::Value,
}

/// Writes the Cucumber JSON, HTML and rerun files a run was asked for.
pub fn write_extra(report: &RunReport, extra: &Extra<'_>) -> Result<(), ConfigError> {
    if let Some(path) = extra.cucumber_json {
        write_file(path, &cucumber::render(report, extra.features))?;
    }
    if let Some(path) = extra.html {
        write_file(path, &html::render(report, extra.provider, extra.settings))?;
    }
    if let Some(path) = extra.rerun {
        write_file(path, &rerun::render(report))?;
    }
    Ok(())
}
