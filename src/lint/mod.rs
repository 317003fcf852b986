//! `pay-conformance lint [PATH…]` and `run --dry-run`: everything that can be wrong with a
//! feature file, found before anything is sent. It parses (a syntax error is shown with its
//! line and a hint), binds every step to exactly one definition (an unknown one gets the
//! closest step as a suggestion), checks tags (rule ids of the provider's contract, fixture
//! tags it knows), the shape of tables and docstrings a step takes, the markers of expected
//! JSON (`#regex RE` must compile), and that every `#(name)` is known or remembered before it
//! is used. Any finding is exit code 2.

mod json;
mod step;

use std::collections::BTreeSet;
use std::fmt;

use cucumber::feature::Ext as _;
use cucumber::gherkin::{self, GherkinEnv, StepType};
use regex::Regex;

use crate::feature::sources::FeatureSource;
use crate::provider::step_catalogue;
use crate::provider::{Provider, is_rule_tag};
use crate::steps::doc::Entry;

pub use crate::feature::describe_syntax_error;
pub use crate::feature::suggest::{closest, distance};
use crate::feature::syntax;

/// One problem, where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Finding {
    pub path: String,
    pub line: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n    hint: {}", hint.replace('\n', "\n          "))?;
        }
        Ok(())
    }
}

/// What was linted and what was found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct LintReport {
    pub files: usize,
    pub scenarios: usize,
    pub findings: Vec<Finding>,
}

impl LintReport {
    /// The findings, one per line (hints under them), and a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&f.to_string());
            out.push('\n');
        }
        if self.findings.is_empty() {
            out.push_str(&format!(
                "lint: clean — {} file(s), {} scenario(s)\n",
                self.files, self.scenarios
            ));
        } else {
            out.push_str(&format!(
                "lint: {} finding(s) in {} file(s), {} scenario(s)\n",
                self.findings.len(),
                self.files,
                self.scenarios
            ));
        }
        out
    }

    /// 0 when clean, 2 on any finding.
    pub fn exit_code(&self) -> i32 {
        if self.findings.is_empty() {
            crate::error::exit::CONFORMING
        } else {
            crate::error::exit::USAGE
        }
    }
}

/// A step definition, compiled.
struct Def {
    ty: StepType,
    re: Regex,
    entry: Entry,
}

/// Lints `sources` against `provider`'s steps, rules and fixtures.
pub fn lint(provider: &dyn Provider, sources: &[FeatureSource]) -> LintReport {
    let defs: Vec<Def> = step_catalogue(provider)
        .into_iter()
        .filter_map(|entry| {
            let ty = match entry.step.keyword {
                "Given" => StepType::Given,
                "When" => StepType::When,
                _ => StepType::Then,
            };
            Regex::new(&entry.step.pattern)
                .ok()
                .map(|re| Def { ty, re, entry })
        })
        .collect();
    let mut report = LintReport {
        files: sources.len(),
        ..LintReport::default()
    };
    for source in sources {
        let path = source.path.display().to_string();
        let mut out = Vec::new();
        match gherkin::Feature::parse(&source.text, GherkinEnv::default()) {
            Err(e) => {
                let message = e.to_string();
                let line = syntax::error_line(&message).unwrap_or(1);
                let hint = syntax::hint(&source.text, line);
                let line = syntax::open_docstring(&source.text, line).unwrap_or(line);
                let shown = source
                    .text
                    .lines()
                    .nth(line.saturating_sub(1))
                    .unwrap_or("")
                    .trim();
                out.push(Finding {
                    path: path.clone(),
                    line,
                    message: if shown.is_empty() {
                        "Gherkin syntax error".into()
                    } else {
                        format!("Gherkin syntax error at `{shown}`")
                    },
                    hint: Some(hint),
                });
            }
            Ok(mut feature) => {
                feature.path = Some(source.path.clone());
                match feature.clone().expand_examples() {
                    Ok(expanded) => {
                        report.scenarios += crate::feature::scenarios(&expanded).count();
                        lint_feature(provider, &defs, &expanded, &path, &mut out);
                    }
                    Err(e) => out.push(Finding {
                        path: path.clone(),
                        line: feature.position.line,
                        message: format!("Scenario Outline does not expand: {e}"),
                        hint: Some("every <name> in an outline's steps needs a column of that name in its Examples table".into()),
                    }),
                }
            }
        }
        let unique: BTreeSet<Finding> = out.into_iter().collect();
        report.findings.extend(unique);
    }
    report
}

fn lint_feature(
    provider: &dyn Provider,
    defs: &[Def],
    feature: &gherkin::Feature,
    path: &str,
    out: &mut Vec<Finding>,
) {
    let at = |line: usize, message: String, hint: Option<String>| Finding {
        path: path.to_owned(),
        line,
        message,
        hint,
    };
    for (rule, scenario) in crate::feature::scenarios(feature) {
        let tags = crate::feature::tags_of(feature, rule, scenario);
        let line = scenario.position.line;
        for tag in &tags {
            if is_rule_tag(tag) && provider.rule(tag).is_none() {
                out.push(at(
                    line,
                    format!("@{tag} is not a rule of {}", provider.name()),
                    Some(format!(
                        "`pay-conformance rules --provider {}` lists them",
                        provider.name()
                    )),
                ));
            }
            if tag.starts_with("needs-") && !provider.fixture_tags().contains(&tag.as_str()) {
                out.push(at(
                    line,
                    format!("@{tag} is not a fixture {} knows", provider.name()),
                    Some(format!(
                        "fixture tags: {}",
                        provider
                            .fixture_tags()
                            .iter()
                            .map(|t| format!("@{t}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )),
                ));
            }
        }
        if !tags.iter().any(|t| is_rule_tag(t)) {
            out.push(at(line, format!("scenario \"{}\" names no rule", scenario.name),
                Some("tag it with the rule id(s) it checks (`@C6`): a generic assertion's deviation is reported under them".into())));
        }
        let background = feature
            .background
            .iter()
            .chain(rule.and_then(|r| r.background.as_ref()))
            .flat_map(|b| b.steps.iter());
        let mut known: BTreeSet<String> = provider
            .known_variables()
            .iter()
            .chain(&["unique", "now_ms"])
            .map(|s| (*s).to_owned())
            .collect();
        for step in background.chain(scenario.steps.iter()) {
            step::lint_step(defs, step, &mut known, path, out);
        }
    }
}

/// The sources `lint` reads: the `.feature` files at `paths` (files or directories), or the
/// provider's built-in ones when there are none.
pub fn sources(
    provider: &dyn Provider,
    paths: &[std::path::PathBuf],
) -> Result<Vec<FeatureSource>, crate::error::ConfigError> {
    if paths.is_empty() {
        return Ok(crate::feature::sources::embedded(provider.name()));
    }
    let mut out = Vec::new();
    for path in paths {
        out.extend(crate::feature::sources::from_path(path)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_features_of_every_provider_are_clean() {
        for provider in crate::providers::all() {
            let report = lint(*provider, &sources(*provider, &[]).unwrap());
            assert!(report.findings.is_empty(), "{}", report.render());
            assert!(report.scenarios > 0);
        }
    }
}
