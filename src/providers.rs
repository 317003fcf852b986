//! The providers this build knows — the one place that names them. Adding a provider is
//! adding its folders (`features/NAME/`, `schemas/NAME/`, `src/NAME/`) and one line in each
//! list below (`docs/adding-a-provider.md`).

use crate::error::ConfigError;
use crate::provider::Provider;
use crate::settings::ProviderFlags;

/// The provider of a run that names none.
pub const DEFAULT: &str = "ttpay";

/// Every provider, in the order `providers` lists them.
pub fn all() -> &'static [&'static dyn Provider] {
    static ALL: [&dyn Provider; 2] = [&crate::ttpay::TTPAY, &crate::wechatpay::WECHATPAY];
    &ALL
}

/// Each provider's own flags of `run`, flattened into it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProviderArgs {
    #[command(flatten, next_help_heading = "TTPay / TokenPay (--provider ttpay)")]
    pub ttpay: crate::ttpay::TtpayArgs,
    #[command(
        flatten,
        next_help_heading = "WeChat Pay Global (--provider wechatpay)"
    )]
    pub wechatpay: crate::wechatpay::WechatpayArgs,
}

impl ProviderArgs {
    /// The flags as the seam hands them on: each provider takes its own.
    pub fn flags(&self) -> ProviderFlags {
        ProviderFlags::none()
            .with(self.ttpay.clone())
            .with(self.wechatpay.clone())
    }
}

/// Each provider's own flags of `serve`, flattened into it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProviderServeArgs {
    #[command(flatten, next_help_heading = "TTPay / TokenPay (--provider ttpay)")]
    pub ttpay: crate::ttpay::TtpayServeArgs,
    #[command(
        flatten,
        next_help_heading = "WeChat Pay Global (--provider wechatpay)"
    )]
    pub wechatpay: crate::wechatpay::WxServeArgs,
}

impl ProviderServeArgs {
    /// The flags as the seam hands them on: each provider takes its own.
    pub fn flags(&self) -> ProviderFlags {
        ProviderFlags::none()
            .with(self.ttpay.clone())
            .with(self.wechatpay.clone())
    }
}

/// The provider called `name` (the default one for `None`), or a usage error listing them.
pub fn find(name: Option<&str>) -> Result<&'static dyn Provider, ConfigError> {
    let name = name.unwrap_or(DEFAULT);
    all()
        .iter()
        .copied()
        .find(|p| p.name() == name)
        .ok_or_else(|| ConfigError::Invalid {
            what: format!(
                "unknown provider `{name}`\n(hint: one of {})",
                all()
                    .iter()
                    .map(|p| p.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}
