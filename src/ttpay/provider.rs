//! TTPay as the engine sees it: the [`Provider`] implementation that ties its rules, features,
//! configuration, double and OpenAPI document to the seam.

use std::path::PathBuf;

use cucumber::gherkin;
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;

use super::config::TtpaySettings;
use super::double::Fault;
use super::suite::{self, TtpayRun};
use super::world::TtpayWorld;
use crate::error::ConfigError;
use crate::provider::{Configured, Env, FaultInfo, Provider, Rule, StepInfo};
use crate::settings::{FileSection, ProviderFlags, RunSettings, ServeSettings};

/// The TTPay / TokenPay provider.
#[derive(Debug, Clone, Copy)]
pub struct Ttpay;

/// The one value of it, as [`crate::providers`] lists it.
pub static TTPAY: Ttpay = Ttpay;

impl Provider for Ttpay {
    fn name(&self) -> &'static str {
        "ttpay"
    }

    fn title(&self) -> &'static str {
        "TTPay / TokenPay transaction API v1 (create, query, close)"
    }

    fn rules(&self) -> &'static [Rule] {
        super::rules::RULES
    }

    fn faults(&self) -> Vec<FaultInfo> {
        Fault::all().iter().map(|f| f.info()).collect()
    }

    fn variants(&self) -> Vec<crate::double::VariantInfo> {
        super::double::Variant::all()
            .iter()
            .map(|v| v.info())
            .collect()
    }

    fn steps(&self) -> Vec<StepInfo> {
        crate::world::step_patterns::<TtpayWorld>()
    }

    fn step_docs(&self) -> &'static [crate::steps::doc::StepDoc] {
        super::steps::docs::DOCS
    }

    fn fixture_tags(&self) -> &'static [&'static str] {
        &["needs-paid-order", "needs-second-merchant"]
    }

    fn known_variables(&self) -> &'static [&'static str] {
        super::world::KNOWN
    }

    fn load_features(&self, extra: &[PathBuf]) -> Result<Vec<gherkin::Feature>, ConfigError> {
        suite::load_features(extra)
    }

    fn configure(
        &self,
        run: &RunSettings,
        flags: &ProviderFlags,
        file: &mut FileSection,
        env: Env<'_>,
    ) -> Result<Box<dyn Configured>, ConfigError> {
        let ttpay =
            TtpaySettings::resolve(&flags.get::<super::TtpayArgs>(), file, env, run.is_remote())?;
        Ok(Box::new(TtpayRun::new(run.clone(), ttpay)?))
    }

    fn serve<'a>(
        &'a self,
        common: &'a ServeSettings,
        flags: &'a ProviderFlags,
    ) -> LocalBoxFuture<'a, Result<i32, ConfigError>> {
        async move { super::serve::serve(common, &flags.get::<super::TtpayServeArgs>()).await }
            .boxed_local()
    }

    fn serve_help(&self) -> &'static str {
        super::serve::HELP
    }

    fn contract(&self) -> Option<&'static str> {
        Some(include_str!("../../docs/contract-ttpay.md"))
    }

    fn steps_doc_file(&self) -> String {
        // The first provider's catalogue kept the name it had before there were others.
        "steps.md".to_owned()
    }

    fn redaction_patterns(&self) -> &'static [&'static str] {
        // `TTPay-Signature: …` / `"ttpay-signature": "…"`.
        &[r#"(?i)(ttpay-signature"?\s*[:=]\s*"?)[^"\s,]+"#]
    }

    fn bench(&self) -> Option<&'static dyn crate::bench::ProviderBench> {
        Some(&super::bench::TtpayBench)
    }

    fn openapi(&self) -> Option<Result<serde_json::Value, String>> {
        Some(super::openapi::embedded().map_err(|e| crate::error::report(&e)))
    }
}
