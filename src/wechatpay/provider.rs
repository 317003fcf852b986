//! WeChat Pay Global as the engine sees it: the [`Provider`] implementation that ties its
//! rules, features, configuration and double to the seam.

use std::path::PathBuf;

use cucumber::gherkin;
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;

use super::config::WechatpaySettings;
use super::double::Fault;
use super::suite::{self, WechatpayRun};
use super::world::WechatpayWorld;
use crate::error::ConfigError;
use crate::provider::{Configured, Env, FaultInfo, Provider, Rule, StepInfo};
use crate::settings::{FileSection, ProviderFlags, RunSettings, ServeSettings};

/// The WeChat Pay Global provider.
#[derive(Debug, Clone, Copy)]
pub struct Wechatpay;

/// The one value of it, as [`crate::providers`] lists it.
pub static WECHATPAY: Wechatpay = Wechatpay;

impl Provider for Wechatpay {
    fn name(&self) -> &'static str {
        "wechatpay"
    }

    fn title(&self) -> &'static str {
        "WeChat Pay Global APIv3 (close order, with the create and query it needs)"
    }

    fn rules(&self) -> &'static [Rule] {
        super::rules::RULES
    }

    fn faults(&self) -> Vec<FaultInfo> {
        Fault::all().iter().map(|f| f.info()).collect()
    }

    fn steps(&self) -> Vec<StepInfo> {
        crate::world::step_patterns::<WechatpayWorld>()
    }

    fn step_docs(&self) -> &'static [crate::steps::doc::StepDoc] {
        super::steps::docs::DOCS
    }

    fn fixture_tags(&self) -> &'static [&'static str] {
        &["needs-paid-order", "needs-second-merchant", "institutional"]
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
        let wechatpay = WechatpaySettings::resolve(
            &flags.get::<super::WechatpayArgs>(),
            file,
            env,
            run.is_remote(),
        )?;
        Ok(Box::new(WechatpayRun::new(run.clone(), wechatpay)?))
    }

    fn serve<'a>(
        &'a self,
        common: &'a ServeSettings,
        flags: &'a ProviderFlags,
    ) -> LocalBoxFuture<'a, Result<i32, ConfigError>> {
        async move { super::double::serve(common, &flags.get::<super::WxServeArgs>()).await }
            .boxed_local()
    }

    fn serve_help(&self) -> &'static str {
        super::double::serve::HELP
    }

    fn contract(&self) -> Option<&'static str> {
        Some(include_str!("../../docs/contract-wechatpay.md"))
    }

    fn bench(&self) -> Option<&'static dyn crate::bench::ProviderBench> {
        Some(&super::bench::WechatpayBench)
    }

    fn redaction_patterns(&self) -> &'static [&'static str] {
        // `Wechatpay-Signature: …` / `"wechatpay-signature": "…"`.
        &[r#"(?i)(wechatpay-signature"?\s*[:=]\s*"?)[^"\s,]+"#]
    }
}
