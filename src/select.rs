//! Running what you mean: `run --name REGEX`, and `run PATH[:LINE]…` positional arguments —
//! a built-in feature (`features/ttpay/close.feature:7`, as reports name it), a file or
//! directory of your own, or `@FILE`, a rerun file (`--rerun`) read back, one `path:line` a
//! line. With any of them, only the scenarios they name run.

use std::path::{Path, PathBuf};

use cucumber::gherkin;
use regex::Regex;

use crate::error::ConfigError;

/// What a run is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only scenarios whose name matches.
    pub name: Option<Regex>,
    /// Only these: a feature path (as reports show it) and, optionally, a scenario's line.
    pub locations: Vec<(String, Option<usize>)>,
    /// Feature files or directories on disk to load beside the built-in ones.
    pub extra: Vec<PathBuf>,
    /// Targets were given (an empty rerun file among them selects nothing, not everything).
    pub explicit: bool,
}

impl Selection {
    /// Reads `--name` and the positional targets; `builtin` are the built-in features' paths.
    pub fn parse(
        name: Option<&str>,
        targets: &[String],
        builtin: &[PathBuf],
    ) -> Result<Selection, ConfigError> {
        let name = name
            .map(|re| {
                Regex::new(re).map_err(|e| ConfigError::Invalid {
                    what: format!("--name `{re}` is not a regular expression: {e}"),
                })
            })
            .transpose()?;
        let mut selection = Selection {
            name,
            explicit: !targets.is_empty(),
            ..Selection::default()
        };
        let mut expanded = Vec::new();
        for target in targets {
            match target.strip_prefix('@') {
                Some(file) => {
                    let text = std::fs::read_to_string(file).map_err(|e| ConfigError::Invalid {
                        what: format!("cannot read the rerun file {file}: {e}"),
                    })?;
                    expanded.extend(
                        text.split_whitespace()
                            .map(str::to_owned)
                            .collect::<Vec<_>>(),
                    );
                }
                None => expanded.push(target.clone()),
            }
        }
        for target in expanded {
            let (path, line) = match target.rsplit_once(':') {
                Some((p, l)) if !p.is_empty() && l.chars().all(|c| c.is_ascii_digit()) => {
                    let line = l.parse().map_err(|_| ConfigError::Invalid {
                        what: format!("`{target}`: the line is not a number"),
                    })?;
                    (p.to_owned(), Some(line))
                }
                _ => (target.clone(), None),
            };
            let is_builtin = builtin.iter().any(|b| b == Path::new(&path));
            if !is_builtin {
                if !Path::new(&path).exists() {
                    return Err(ConfigError::Invalid {
                        what: format!(
                            "`{target}` names no built-in feature and no file\n(hint: `pay-conformance features` lists the built-in ones)"
                        ),
                    });
                }
                if !selection.extra.iter().any(|e| e == Path::new(&path)) {
                    selection.extra.push(PathBuf::from(&path));
                }
            }
            selection.locations.push((path, line));
        }
        Ok(selection)
    }

    /// Whether it narrows the run at all.
    pub fn is_all(&self) -> bool {
        self.name.is_none() && self.locations.is_empty() && !self.explicit
    }

    fn wants(&self, path: &str, feature_line: usize, scenario: &gherkin::Scenario) -> bool {
        let by_name = self
            .name
            .as_ref()
            .is_none_or(|re| re.is_match(&scenario.name));
        let by_location = (self.locations.is_empty() && !self.explicit)
            || self.locations.iter().any(|(p, line)| {
                (p == path || Path::new(path).starts_with(p))
                    && line.is_none_or(|l| l == scenario.position.line || l == feature_line)
            });
        by_name && by_location
    }

    /// `features` with only the scenarios it selects (features left empty are dropped).
    pub fn apply(&self, features: Vec<gherkin::Feature>) -> Vec<gherkin::Feature> {
        if self.is_all() {
            return features;
        }
        features
            .into_iter()
            .filter_map(|mut f| {
                let path = crate::feature::path_of(&f);
                let line = f.position.line;
                f.scenarios.retain(|s| self.wants(&path, line, s));
                for rule in &mut f.rules {
                    rule.scenarios.retain(|s| self.wants(&path, line, s));
                }
                f.rules.retain(|r| !r.scenarios.is_empty());
                (!f.scenarios.is_empty() || !f.rules.is_empty()).then_some(f)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Vec<PathBuf> {
        vec![PathBuf::from("features/ttpay/close.feature")]
    }

    #[test]
    fn targets_are_a_path_and_an_optional_line() {
        let s = Selection::parse(
            None,
            &[
                "features/ttpay/close.feature:7".into(),
                "features/ttpay/close.feature".into(),
            ],
            &builtin(),
        )
        .unwrap();
        assert_eq!(
            s.locations,
            [
                ("features/ttpay/close.feature".to_owned(), Some(7)),
                ("features/ttpay/close.feature".to_owned(), None)
            ]
        );
        assert!(s.extra.is_empty(), "a built-in path is not loaded again");
        let e = Selection::parse(None, &["nowhere.feature:3".into()], &builtin()).unwrap_err();
        assert!(e.to_string().contains("names no built-in feature"), "{e}");
        assert!(Selection::parse(Some("("), &[], &builtin()).is_err());
        assert!(Selection::parse(None, &[], &builtin()).unwrap().is_all());
    }

    #[test]
    fn an_empty_rerun_file_selects_nothing() {
        let path = std::env::temp_dir().join(format!("pc-rerun-{}.txt", std::process::id()));
        std::fs::write(&path, "").unwrap();
        let s = Selection::parse(None, &[format!("@{}", path.display())], &builtin()).unwrap();
        assert!(!s.is_all() && s.locations.is_empty());
        let _ = std::fs::remove_file(&path);
    }
}
