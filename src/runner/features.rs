//! Where scenarios come from: the feature files built into the binary (so an installed tool
//! runs from any directory) and a QA engineer's own directory, parsed and checked before
//! anything is sent — a parse error or an unknown step is a usage error naming file and line.

use std::path::{Path, PathBuf};

use cucumber::feature::Ext as _;
use cucumber::gherkin::{self, GherkinEnv};
use include_dir::{Dir, include_dir};

use crate::error::ConfigError;

static FEATURES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/features");

/// A feature file's text and where it came from.
#[derive(Debug, Clone)]
pub struct FeatureSource {
    /// Shown in reports: `features/ttpay/close.feature`, or the path on disk.
    pub path: PathBuf,
    pub text: String,
}

/// The built-in feature files under `features/<provider>/`, sorted by path.
pub fn embedded(provider: &str) -> Vec<FeatureSource> {
    let mut out = Vec::new();
    if let Some(dir) = FEATURES.get_dir(provider) {
        collect_embedded(dir, &mut out);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<FeatureSource>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "feature") {
            out.push(FeatureSource {
                path: Path::new("features").join(file.path()),
                text: file.contents_utf8().unwrap_or_default().to_owned(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

/// Feature files larger than this are refused (the built-in ones are a few KiB).
pub const MAX_FEATURE_BYTES: u64 = 4 * 1024 * 1024;

/// The `.feature` file at `path`, or every one under the directory `path` (recursively,
/// symlinked directories not followed), sorted by path.
pub fn from_path(path: &Path) -> Result<Vec<FeatureSource>, ConfigError> {
    let read_error = |path: &Path| {
        let path = path.to_owned();
        move |source| ConfigError::ReadFeatures { path, source }
    };
    let files = if std::fs::metadata(path).map_err(read_error(path))?.is_dir() {
        crate::fsutil::find_files(path, "feature", crate::fsutil::WalkLimits::default())
            .map_err(read_error(path))?
    } else {
        vec![path.to_owned()]
    };
    if files.is_empty() {
        return Err(ConfigError::NoFeatures(path.to_owned()));
    }
    files
        .into_iter()
        .map(|file| {
            let text =
                crate::fsutil::read_text(&file, MAX_FEATURE_BYTES).map_err(read_error(&file))?;
            Ok(FeatureSource { path: file, text })
        })
        .collect()
}

/// Every `*.feature` file under `dir` (see [`from_path`]).
pub fn from_dir(dir: &Path) -> Result<Vec<FeatureSource>, ConfigError> {
    from_path(dir)
}

/// Parses every source and expands Scenario Outlines into one scenario per example row.
pub fn parse(sources: &[FeatureSource]) -> Result<Vec<gherkin::Feature>, ConfigError> {
    let mut problems = Vec::new();
    let mut features = Vec::new();
    for source in sources {
        let parsed = gherkin::Feature::parse(&source.text, GherkinEnv::default())
            .map_err(|e| {
                crate::lint::describe_syntax_error(&source.path, &source.text, &e.to_string())
            })
            .and_then(|mut f| {
                f.path = Some(source.path.clone());
                f.expand_examples()
                    .map_err(|e| format!("{}: {e}", source.path.display()))
            });
        match parsed {
            Ok(feature) => features.push(feature),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(features)
    } else {
        Err(ConfigError::Features(problems))
    }
}

/// A provider's built-in features (`features/<provider>/`) plus the `.feature` files under
/// `extra`, parsed, expanded and checked against the steps of its world `W`.
pub fn load<W: crate::world::ProviderWorld>(
    provider: &str,
    extra: &[PathBuf],
) -> Result<Vec<gherkin::Feature>, ConfigError> {
    let mut sources = embedded(provider);
    for path in extra {
        sources.extend(from_path(path)?);
    }
    let parsed = parse(&sources)?;
    check_steps::<W>(&parsed)?;
    Ok(parsed)
}

/// Every step of every scenario must match exactly one step definition of `W`.
pub fn check_steps<W: crate::world::ProviderWorld>(
    features: &[gherkin::Feature],
) -> Result<(), ConfigError> {
    let steps = W::collection();
    let mut problems = Vec::new();
    for feature in features {
        let path = feature
            .path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let backgrounds = feature
            .background
            .iter()
            .chain(feature.rules.iter().filter_map(|r| r.background.as_ref()));
        let scenarios = feature
            .scenarios
            .iter()
            .chain(feature.rules.iter().flat_map(|r| r.scenarios.iter()));
        let all = backgrounds
            .flat_map(|b| b.steps.iter())
            .chain(scenarios.flat_map(|s| s.steps.iter()));
        let mut seen = std::collections::HashSet::new();
        for step in all {
            if !seen.insert((step.position.line, step.position.col, step.value.as_str())) {
                continue; // the same step of an outline, once per example row
            }
            let at = format!("{path}:{}:{}", step.position.line, step.position.col);
            match steps.find(step) {
                Ok(Some(_)) => {}
                Ok(None) => problems.push(format!(
                    "{at}: unknown step \"{} {}\"",
                    step.keyword.trim(),
                    step.value
                )),
                Err(e) => problems.push(format!(
                    "{at}: step \"{}\" matches more than one definition ({} of them)",
                    step.value,
                    e.possible_matches.len()
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError::UnknownSteps(problems));
    }
    let authoring = super::lint::lint(features, W::vocabulary().as_ref());
    if authoring.is_empty() {
        Ok(())
    } else {
        Err(ConfigError::Authoring(authoring))
    }
}
