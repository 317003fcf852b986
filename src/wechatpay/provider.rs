//! WeChat Pay Global as the engine sees it: the [`Provider`] implementation that ties its
//! rules, features, configuration and double to the seam.

use super::config::WechatpaySettings;
use super::suite::WechatpayRun;
use super::world::WechatpayWorld;
use crate::provider::Provider;

/// The WeChat Pay Global provider.
#[derive(Debug, Clone, Copy)]
pub struct Wechatpay;

/// The one value of it, as [`crate::providers`] lists it.
pub static WECHATPAY: Wechatpay = Wechatpay;

impl Provider for Wechatpay {
    crate::provider_plumbing!(
        WechatpayWorld,
        super::WechatpayArgs,
        WechatpaySettings,
        WechatpayRun,
        super::WxServeArgs,
        judge = super::proxy::WxJudge,
        explorer = super::explore::WxExplorer
    );

    fn name(&self) -> &'static str {
        "wechatpay"
    }

    fn title(&self) -> &'static str {
        "WeChat Pay Global APIv3 (close order, with the create and query it needs)"
    }

    fn fixture_tags(&self) -> &'static [&'static str] {
        &["needs-paid-order", "needs-second-merchant", "institutional"]
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
