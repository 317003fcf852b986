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

pub use crate::contract::{Rule, RuleKind, is_rule_tag};
pub use crate::double::FaultInfo;
use crate::error::ConfigError;
use crate::outcome::RunReport;
use crate::settings::{FileSection, ProviderFlags, RunSettings, ServeSettings};
pub use crate::world::StepInfo;

mod plumbing;

/// Looks an environment variable up (tests pass a closure over a fixed map).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

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

/// Every step of `provider` with its doc, as `pay-conformance steps` and the lint read them:
/// the generic ones, the shared notification steps' and its own.
pub fn step_catalogue(provider: &dyn Provider) -> Vec<crate::steps::doc::Entry> {
    crate::steps::doc::catalogue(
        provider.steps(),
        &[crate::steps::notify::DOCS, provider.step_docs()],
    )
}

/// `provider`'s registered steps without a doc, and its docs without a step.
pub fn step_mismatches(provider: &dyn Provider) -> (Vec<String>, Vec<&'static str>) {
    crate::steps::doc::mismatched(
        provider.steps(),
        provider.step_docs(),
        &[crate::steps::notify::DOCS],
    )
}

/// `steps --markdown --provider NAME`: its step catalogue as `docs/steps-<name>.md`.
pub fn steps_markdown(provider: &dyn Provider) -> String {
    crate::steps::doc::render_markdown(provider.title(), provider.name(), &step_catalogue(provider))
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
