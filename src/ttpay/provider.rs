//! TTPay as the engine sees it: the [`Provider`] implementation that ties its rules, features,
//! configuration, double and OpenAPI document to the seam.

use super::config::TtpaySettings;
use super::suite::TtpayRun;
use super::world::TtpayWorld;
use crate::provider::Provider;

/// The TTPay / TokenPay provider.
#[derive(Debug, Clone, Copy)]
pub struct Ttpay;

/// The one value of it, as [`crate::providers`] lists it.
pub static TTPAY: Ttpay = Ttpay;

impl Provider for Ttpay {
    crate::provider_plumbing!(
        TtpayWorld,
        super::TtpayArgs,
        TtpaySettings,
        TtpayRun,
        super::TtpayServeArgs,
        judge = super::proxy::TtpayJudge,
        explorer = super::explore::TtpayExplorer
    );

    fn name(&self) -> &'static str {
        "ttpay"
    }

    fn title(&self) -> &'static str {
        "TTPay / TokenPay transaction API v1 (create, query, close)"
    }

    fn variants(&self) -> Vec<crate::double::VariantInfo> {
        super::double::Variant::all()
            .iter()
            .map(|v| v.info())
            .collect()
    }

    fn fixture_tags(&self) -> &'static [&'static str] {
        &["needs-paid-order", "needs-second-merchant"]
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
