//! The seam between the engine and a provider. A provider is one
//! value implementing [`Provider`]: its rules, its features and fault catalogue, how it reads
//! its part of the configuration, and how it runs scenarios (against a base URL or its own
//! embedded double). Everything else — the runner, the reports, the selftest and rule
//! coverage, the generic QA steps — is the engine's and works for every provider alike.
//!
//! Providers are listed in one place, [`crate::providers`]; `docs/adding-a-provider.md` walks
//! through adding one.

use std::path::PathBuf;

use cucumber::gherkin;
use futures::future::LocalBoxFuture;
use serde::Serialize;

use crate::error::ConfigError;
use crate::runner::RunReport;
use crate::settings::{FileSection, ProviderFlags, RunSettings, ServeSettings};

mod plumbing;

/// Looks an environment variable up (tests pass a closure over a fixed map).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Whether a rule is something a provider can break, or something the suite's own client
/// guarantees by how it sends (nothing to check in the provider's answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A provider can break it: it needs a scenario, and a fault that scenario catches.
    Checked,
    /// The client guarantees it (how requests are built, paced and signed).
    ByTheClient,
}

/// One rule of a provider's contract (`docs/contract-<provider>.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// `C6`, `W7`: a capital letter and digits, the tag scenarios carry (`@C6`).
    pub id: &'static str,
    /// One line: what the provider must do.
    pub title: &'static str,
    pub kind: RuleKind,
}

impl Rule {
    /// A rule a provider can break.
    pub const fn checked(id: &'static str, title: &'static str) -> Rule {
        Rule {
            id,
            title,
            kind: RuleKind::Checked,
        }
    }

    /// A rule the client guarantees.
    pub const fn by_the_client(id: &'static str, title: &'static str) -> Rule {
        Rule {
            id,
            title,
            kind: RuleKind::ByTheClient,
        }
    }
}

/// One fault of a provider's double: a realistic way of breaking the rules it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FaultInfo {
    /// Kebab-case, as `--fault NAME` takes it.
    pub name: &'static str,
    /// The rules it breaks, the one it is about first.
    pub rules: &'static [&'static str],
    pub description: &'static str,
}

/// One step definition, as `pay-conformance steps` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepInfo {
    /// `Given`, `When` or `Then`.
    pub keyword: &'static str,
    /// The regular expression the step text must match.
    pub pattern: String,
}

/// `@C6`, `@W7` (without the `@`): the shape of a rule id. Tags of that shape name the rules a
/// scenario checks; the runner and the reports read them so.
pub fn is_rule_tag(tag: &str) -> bool {
    let letters = tag.chars().take_while(char::is_ascii_uppercase).count();
    let digits = &tag[letters..];
    (1..=3).contains(&letters) && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// A provider, as the engine drives it.
pub trait Provider: Send + Sync + 'static {
    /// `acme`: the value of `--provider`, the folder name under `features/` and `schemas/`,
    /// the TOML table of its settings.
    fn name(&self) -> &'static str;

    /// A line for people: `Acme Pay orders API v2`.
    fn title(&self) -> &'static str;

    /// Every rule of its contract, checked ones and those the client guarantees.
    fn rules(&self) -> &'static [Rule];

    /// Its double's fault catalogue, in catalogue order.
    fn faults(&self) -> Vec<FaultInfo>;

    /// Every step its features can use (the generic QA steps included), sorted.
    fn steps(&self) -> Vec<StepInfo>;

    /// The docs of its own steps, keyed by pattern (the generic ones are the engine's:
    /// [`crate::steps::generic_docs::DOCS`]). A test holds every step to a doc.
    fn step_docs(&self) -> &'static [crate::steps::doc::StepDoc] {
        &[]
    }

    /// The tags that ask for a fixture (`needs-paid-order`), as the lint accepts them.
    fn fixture_tags(&self) -> &'static [&'static str] {
        &[]
    }

    /// The names `#(name)` may use without a step remembering them first (beyond `unique`
    /// and `now_ms`).
    fn known_variables(&self) -> &'static [&'static str] {
        &[]
    }

    /// The built-in features plus the `.feature` files under `extra`, parsed, expanded and
    /// checked against its steps (an unknown step is a usage error naming file and line).
    fn load_features(&self, extra: &[PathBuf]) -> Result<Vec<gherkin::Feature>, ConfigError>;

    /// Binds the provider to a run: its flags (`flags`: it takes its own `clap::Args` type out
    /// of them, the defaults when there were none), its part of the TOML file (`file`: what it
    /// does not take is an unknown key) and its environment variables.
    fn configure(
        &self,
        run: &RunSettings,
        flags: &ProviderFlags,
        file: &mut FileSection,
        env: Env<'_>,
    ) -> Result<Box<dyn Configured>, ConfigError>;

    /// `pay-conformance serve --provider NAME`: its double on its own until Ctrl-C (its own
    /// `serve` flags taken out of `flags`); the exit code. A provider without a double to serve
    /// on its own says so (exit 2).
    fn serve<'a>(
        &'a self,
        _common: &'a ServeSettings,
        _flags: &'a ProviderFlags,
    ) -> LocalBoxFuture<'a, Result<i32, ConfigError>> {
        let name = self.name();
        Box::pin(async move {
            Err(ConfigError::Start(format!(
                "provider {name} has no double to serve on its own"
            )))
        })
    }

    /// What `serve --provider NAME --help` shows after the flags: its double's routes, its
    /// control routes. Nothing by default.
    fn serve_help(&self) -> &'static str {
        ""
    }

    /// `proxy --provider NAME`: the judge of a merchant's traffic (which rules each side's
    /// half of an exchange broke). None by default: the provider has no proxy.
    fn proxy_judge(
        &self,
        _setup: &crate::judge::JudgeSetup<'_>,
    ) -> Result<Box<dyn crate::judge::Judge>, ConfigError> {
        Err(ConfigError::Start(format!(
            "provider {} has no proxy judge",
            self.name()
        )))
    }

    /// `explore --provider NAME`: its explorer (the endpoints whose request schemas cases are
    /// generated from, how each is settled, signed and judged). None by default.
    fn explorer(
        &self,
        _setup: &crate::explorer::ExplorerSetup<'_>,
    ) -> Result<Box<dyn crate::explorer::Explorer>, ConfigError> {
        Err(ConfigError::Start(format!(
            "provider {} has no explorer",
            self.name()
        )))
    }

    /// `proxy --upstream double`: its double started on a loopback port (as `serve` starts it,
    /// with `common`), serving until the answer is dropped.
    fn start_double<'a>(
        &'a self,
        _common: &'a ServeSettings,
        _flags: &'a ProviderFlags,
    ) -> LocalBoxFuture<'a, Result<crate::judge::StartedDouble, ConfigError>> {
        let name = self.name();
        Box::pin(async move {
            Err(ConfigError::Start(format!(
                "provider {name} has no double to start on its own"
            )))
        })
    }

    /// Its contract in its own words (`docs/contract-<name>.md`, each rule a `### ID — title`
    /// section), built in: `pay-conformance rules ID` prints a rule's section. None by default.
    fn contract(&self) -> Option<&'static str> {
        None
    }

    /// The file under `docs/` of its step catalogue (`steps --markdown --provider NAME`).
    fn steps_doc_file(&self) -> String {
        format!("steps-{}.md", self.name())
    }

    /// Regular expressions of what its output must never show beyond the engine's own
    /// (`Authorization` values, `signature=…`, PEM keys, registered secrets): its signature
    /// headers. Each pattern's first group is kept, the rest of the match masked.
    fn redaction_patterns(&self) -> &'static [&'static str] {
        &[]
    }

    /// Its double's variants: answers the contract allows that an integration may not expect
    /// (`--variant NAME`; `pay-conformance variants`). None by default.
    fn variants(&self) -> Vec<crate::double::VariantInfo> {
        Vec::new()
    }

    /// A variant of its double by name.
    fn variant(&self, name: &str) -> Option<crate::double::VariantInfo> {
        self.variants().into_iter().find(|v| v.name == name.trim())
    }

    /// What `bench --provider NAME` measures of it (`None`: nothing).
    fn bench(&self) -> Option<&'static dyn crate::bench::ProviderBench> {
        None
    }

    /// Its OpenAPI document, if it has one.
    fn openapi(&self) -> Option<Result<serde_json::Value, String>> {
        None
    }

    /// The rule with this id.
    fn rule(&self, id: &str) -> Option<&'static Rule> {
        self.rules().iter().find(|r| r.id == id)
    }

    /// A fault of its catalogue by name.
    fn fault(&self, name: &str) -> Option<FaultInfo> {
        self.faults().into_iter().find(|f| f.name == name)
    }
}

/// A provider bound to a run's configuration.
pub trait Configured {
    /// Runs `features` as configured: against the base URL, or against an embedded double
    /// (with the configured fault, if any).
    fn run(
        &self,
        features: Vec<gherkin::Feature>,
    ) -> LocalBoxFuture<'_, Result<RunReport, ConfigError>>;

    /// Runs `features` against an embedded double of its own with `fault` (by name, from
    /// [`Provider::faults`]) in force: how the selftest proves each check can fail.
    fn run_with_fault<'a>(
        &'a self,
        features: Vec<gherkin::Feature>,
        fault: Option<&'a str>,
    ) -> LocalBoxFuture<'a, Result<RunReport, ConfigError>>;

    /// The settings the run uses, for reports (no secret in it).
    fn settings(&self) -> serde_json::Value;

    /// Before any scenario: a few requests that decide whether the target speaks the API and
    /// accepts these credentials and settings (`Err`: one diagnosis, exit 2). What it learns
    /// (a fixture that is not there) shapes the run that follows. Nothing to check by default.
    fn preflight(&self) -> LocalBoxFuture<'_, Result<(), ConfigError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The engine's check that a fault name exists, with the hint every command gives.
pub fn unknown_fault(provider: &dyn Provider, name: &str) -> ConfigError {
    ConfigError::Invalid {
        what: format!(
            "unknown fault `{name}` of provider {}\n(hint: `pay-conformance faults --provider {}` lists them)",
            provider.name(),
            provider.name()
        ),
    }
}

/// The engine's check that the fault and the variant a command names (if any) are the
/// provider's.
pub fn check_names(
    provider: &dyn Provider,
    fault: Option<&str>,
    variant: Option<&str>,
) -> Result<(), ConfigError> {
    if let Some(name) = fault
        && provider.fault(name).is_none()
    {
        return Err(unknown_fault(provider, name));
    }
    if let Some(name) = variant
        && provider.variant(name).is_none()
    {
        return Err(unknown_variant(provider, name));
    }
    Ok(())
}

/// The engine's check that a variant name exists.
pub fn unknown_variant(provider: &dyn Provider, name: &str) -> ConfigError {
    ConfigError::Invalid {
        what: format!(
            "unknown variant `{name}` of provider {}\n(hint: `pay-conformance variants --provider {}` lists them)",
            provider.name(),
            provider.name()
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rule_ids_are_a_capital_and_digits() {
        use super::is_rule_tag;
        assert!(is_rule_tag("C6") && is_rule_tag("Q10") && is_rule_tag("W7") && is_rule_tag("WN4"));
        assert!(!is_rule_tag("WN") && !is_rule_tag("ABCD1") && !is_rule_tag("W7a"));
        assert!(!is_rule_tag("create") && !is_rule_tag("needs-paid-order") && !is_rule_tag("C"));
    }
}
