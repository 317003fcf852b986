//! WeChat Pay Global (APIv3): close order, and the create and query it needs
//! (`docs/contract-wechatpay.md`): the signing both sides share ([`crypto`]), the embedded
//! double ([`double`]), the provider as the engine sees it, its settings, signed client,
//! rules, steps and checks.

mod bench;
pub mod checks;
pub mod client;
pub mod config;
pub mod crypto;
pub mod double;
pub mod explore;
mod forms;
mod orders;
mod preflight;
mod provider;
pub mod proxy;
pub mod rules;
mod steps;
pub mod suite;
pub mod world;

pub use config::{Credentials, Merchant, PathFlavour, Platform, WechatpayArgs, WechatpaySettings};
pub use double::WxServeArgs;
pub use provider::{WECHATPAY, Wechatpay};
