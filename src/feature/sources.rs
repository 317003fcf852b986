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
            .map_err(|e| super::describe_syntax_error(&source.path, &source.text, &e.to_string()))
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
