//! Where scenarios come from: the feature files built into the binary (so an installed tool
//! runs from any directory) and a QA engineer's own directory, parsed and checked before
//! anything is sent — a parse error or an unknown step is a usage error naming file and line.

use std::path::PathBuf;

use cucumber::gherkin;

use crate::error::ConfigError;
pub use crate::feature::sources::*;

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
    let authoring = crate::feature::lint::lint(features, W::vocabulary().as_ref());
    if authoring.is_empty() {
        Ok(())
    } else {
        Err(ConfigError::Authoring(authoring))
    }
}
