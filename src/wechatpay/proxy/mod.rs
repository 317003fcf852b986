//! WeChat Pay's judge of a merchant's traffic (`proxy --provider wechatpay`): the request side of
//! the contract held to the merchant ([`request`]), the response side to the provider
//! ([`answer`]), the orders the traffic shows remembered (bounded).

mod answer;
mod request;

use std::sync::Arc;

use crate::checks::schema::SchemaSet;
use crate::error::ConfigError;
use crate::proxy::JudgeSetup;
use crate::settings::{FileSection, ResponseSignatures};
use crate::wechatpay::checks::PlatformKeys;
use crate::wechatpay::config::{Platform, WechatpayArgs, WechatpaySettings};
use crate::wechatpay::crypto::PublicKey;
use crate::wechatpay::double::DoubleConfig;

/// The judge.
pub struct WxJudge {
    /// `(mchid, serial_no, key)` of every merchant whose key is known.
    merchants: Vec<(String, String, PublicKey)>,
    /// The upstream is the double: an unknown serial is one it refuses.
    all_merchants_known: bool,
    platform: PlatformKeys,
    /// The platform's certificates are downloaded: W7 is not checked.
    downloads_certificates: bool,
    signatures: ResponseSignatures,
    schemas: Arc<SchemaSet>,
    orders: answer::Orders,
}

impl WxJudge {
    /// The judge as `setup` says: the `WECHATPAY_*` merchants and platform key of the
    /// environment, or the double's built-in ones when it is the upstream and the environment
    /// names none.
    pub fn new(setup: &JudgeSetup<'_>) -> Result<WxJudge, ConfigError> {
        let args = setup.flags.get::<WechatpayArgs>();
        let settings =
            WechatpaySettings::resolve(&args, &mut FileSection::empty(), setup.env, false)?;
        let mut merchants = Vec::new();
        let mut platform = PlatformKeys::default();
        let mut downloads_certificates = false;
        match settings.credentials {
            Some(c) => {
                let sp = c.institution.map(|i| i.sp);
                for m in std::iter::once(c.merchant).chain(c.other).chain(sp) {
                    merchants.push((m.mchid.clone(), m.serial_no.clone(), m.key.public_key()));
                }
                match c.platform {
                    Platform::PublicKey { id, key } => {
                        platform = PlatformKeys::public_key(&id, key)
                    }
                    Platform::Certificate(cert) => platform = PlatformKeys::certificates(&[cert]),
                    Platform::Download => downloads_certificates = true,
                }
            }
            None if setup.double => {
                let double = DoubleConfig::builtin();
                for m in &double.merchants {
                    merchants.push((m.mchid.clone(), m.serial_no.clone(), m.key.public_key()));
                }
                platform = PlatformKeys::certificates(std::slice::from_ref(&double.platform_cert));
            }
            None => {}
        }
        Ok(WxJudge {
            merchants,
            all_merchants_known: setup.double,
            platform,
            downloads_certificates,
            signatures: setup.signatures,
            schemas: crate::checks::schema::SchemaSet::embedded()
                .map(Arc::new)
                .map_err(|e| ConfigError::Start(format!("built-in schemas: {e}")))?,
            orders: answer::Orders::default(),
        })
    }

    fn merchant_key(&self, mchid: &str, serial: &str) -> Option<PublicKey> {
        self.merchants
            .iter()
            .find(|(m, s, _)| m == mchid && s == serial)
            .map(|(_, _, k)| k.clone())
    }

    fn knows(&self, mchid: &str) -> bool {
        self.merchants.iter().any(|(m, _, _)| m == mchid)
    }

    /// What it cannot check with what it was given ([`crate::judge::Judge::limits`]).
    fn limits(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.merchants.is_empty() {
            out.push(
                "no WECHATPAY_PRIVATE_KEY_FILE: request signatures are checked for form only"
                    .to_owned(),
            );
        }
        if self.downloads_certificates || self.platform.is_empty() {
            out.push("no platform public key or certificate (WECHATPAY_PUBLIC_KEY_FILE / WECHATPAY_PLATFORM_CERT_FILE): response signatures are not verified (W7)".to_owned());
        }
        out
    }
}

crate::judge_halves! {
    WxJudge, request::Request, |request| request.route.endpoint()
}
