//! WeChat Pay's part of a run's configuration: its flags (flattened into `run` and `serve`),
//! its TOML table `[wechatpay]`, and its environment variables — the merchant under test and
//! its key, the platform's key (public-key mode, certificate mode, or downloaded), a second
//! merchant, an institution with a sub-merchant, and a paid order.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::error::ConfigError;
use crate::provider::Env;
use crate::settings::FileSection;

use super::crypto::{ApiV3Key, Certificate, PrivateKey, PublicKey};
use super::forms;

/// Key and certificate files larger than this are refused (a PEM key is ~2 KiB).
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Which tree of paths closes are sent to (W1, *legacy paths*); creates and queries always go
/// to `/v3/global/transactions/…` (the Close Order page gives the legacy form for closes only).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    clap::ValueEnum,
    serde::Deserialize,
    serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum PathFlavour {
    /// `/v3/global/transactions/…`: the newer pages and every SDK.
    #[default]
    Global,
    /// `/hk/v3/transactions/…`: the legacy tree of the 2020 Close Order page.
    Hk,
}

impl PathFlavour {
    /// The prefix of the transactions paths.
    pub fn transactions(self) -> &'static str {
        match self {
            PathFlavour::Global => "/v3/global/transactions",
            PathFlavour::Hk => "/hk/v3/transactions",
        }
    }
}

impl std::fmt::Display for PathFlavour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PathFlavour::Global => "global",
            PathFlavour::Hk => "hk",
        })
    }
}

/// WeChat Pay's flags of `pay-conformance run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WechatpayArgs {
    /// The target's minimum order age before a close, in seconds (W5) [default: 0].
    #[arg(long, value_name = "SECONDS")]
    pub close_min_age: Option<u64>,
    /// The close paths' tree: global (/v3/global/…) or hk (legacy /hk/v3/transactions/…).
    #[arg(long, value_enum)]
    pub path_flavour: Option<PathFlavour>,
}

/// A merchant's signing identity.
#[derive(Clone)]
pub struct Merchant {
    pub mchid: String,
    pub appid: String,
    /// The serial of its API certificate (the `serial_no` it signs with).
    pub serial_no: String,
    pub key: Arc<PrivateKey>,
}

impl std::fmt::Debug for Merchant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merchant")
            .field("mchid", &self.mchid)
            .field("appid", &self.appid)
            .field("serial_no", &self.serial_no)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// An institution and the sub-merchant it acts for (institutional mode).
#[derive(Debug, Clone)]
pub struct Institution {
    /// The institution: its `mchid` is the `sp_mchid`, its `appid` the `sp_appid`.
    pub sp: Merchant,
    pub sub_mchid: String,
    pub sub_appid: Option<String>,
}

/// How the platform's answers are verified (W7).
#[derive(Debug, Clone)]
pub enum Platform {
    /// Public-key mode: `Wechatpay-Serial` is this `PUB_KEY_ID_…`.
    PublicKey { id: String, key: PublicKey },
    /// Certificate mode with a configured certificate.
    Certificate(Certificate),
    /// Certificate mode, the certificates downloaded (and decrypted with the APIv3 key).
    Download,
}

/// The merchants and fixtures of a target.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub merchant: Merchant,
    pub other: Option<Merchant>,
    pub institution: Option<Institution>,
    pub platform: Platform,
    pub apiv3_key: Option<ApiV3Key>,
    pub paid_out_trade_no: Option<String>,
}

/// WeChat Pay's settings of a run, resolved.
#[derive(Debug, Clone)]
pub struct WechatpaySettings {
    pub close_min_age: Duration,
    pub path_flavour: PathFlavour,
    /// The ISO 4217 currency of the one-unit orders it creates (TOML `currency`, default HKD).
    pub currency: String,
    /// The `notify_url` of the orders it creates (TOML `notify_url`): nothing is paid, so
    /// nothing is sent there.
    pub notify_url: String,
    /// `None` for the embedded double without `WECHATPAY_*` variables: it uses its own.
    pub credentials: Option<Credentials>,
}

impl WechatpaySettings {
    /// Resolves the flags over the `[wechatpay]` table over the environment.
    pub fn resolve(
        args: &WechatpayArgs,
        file: &mut FileSection,
        env: Env<'_>,
        remote: bool,
    ) -> Result<Self, ConfigError> {
        let mut own = file.take_section("wechatpay")?;
        let age = crate::settings::or_file(args.close_min_age, &mut own, "close_min_age_seconds")?;
        let flavour = crate::settings::or_file(args.path_flavour, &mut own, "path_flavour")?;
        let notify_url = own
            .take::<String>("notify_url")?
            .unwrap_or_else(|| "https://example.com/pay-conformance/notify".to_owned());
        let currency = own
            .take::<String>("currency")?
            .unwrap_or_else(|| "HKD".to_owned());
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ConfigError::Invalid {
                what: format!(
                    "[wechatpay] currency `{currency}` is not an ISO 4217 code\n(hint: e.g. HKD)"
                ),
            });
        }
        own.finish()?;
        let age = age.unwrap_or(0);
        if age > 3600 {
            return Err(ConfigError::Invalid {
                what: format!(
                    "close_min_age_seconds is {age}: at most 3600\n(hint: the Close Order page says 5 minutes, 300)"
                ),
            });
        }
        Ok(Self {
            close_min_age: Duration::from_secs(age),
            path_flavour: flavour.unwrap_or_default(),
            currency,
            notify_url,
            credentials: credentials(env, remote)?,
        })
    }
}

fn var(env: Env<'_>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn required(env: Env<'_>, name: &str, whose: &str) -> Result<String, ConfigError> {
    var(env, name).ok_or_else(|| ConfigError::MissingEnv {
        name: name.to_owned(),
        hint: format!("set it for {whose} (README, \"WeChat Pay Global\")"),
    })
}

/// Reads a PEM file with a size bound, naming the variable that pointed at it.
fn read_pem(name: &str, path: &str) -> Result<String, ConfigError> {
    crate::fsutil::read_text(Path::new(path), MAX_KEY_FILE_BYTES).map_err(|e| {
        ConfigError::Invalid {
            what: format!("{name}: cannot read {path}: {e}\n(hint: a PEM file of at most {MAX_KEY_FILE_BYTES} bytes)"),
        }
    })
}

/// A private key from `FILE_VAR` (a path) or `PEM_VAR` (the PEM itself), registered as a secret.
fn private_key(
    env: Env<'_>,
    file_var: &str,
    pem_var: Option<&str>,
    whose: &str,
) -> Result<Arc<PrivateKey>, ConfigError> {
    let (name, pem) = match (var(env, file_var), pem_var.and_then(|v| var(env, v))) {
        (Some(path), _) => (file_var, read_pem(file_var, &path)?),
        (None, Some(pem)) => (pem_var.unwrap_or(file_var), pem),
        (None, None) => {
            return Err(ConfigError::MissingEnv {
                name: file_var.to_owned(),
                hint: format!(
                    "the private key of {whose}: a PEM file (or its text in WECHATPAY_PRIVATE_KEY)"
                ),
            });
        }
    };
    crate::redact::register(&pem);
    PrivateKey::from_pem(&pem)
        .map(Arc::new)
        .map_err(|e| ConfigError::BadSecret {
            name: name.to_owned(),
            message: format!(
                "{e}\n(hint: an RSA private key of at least 2048 bits, PKCS#8 or PKCS#1 PEM)"
            ),
        })
}

fn merchant(
    env: Env<'_>,
    prefix: &str,
    appid_var: Option<&str>,
    pem_var: Option<&str>,
    whose: &str,
) -> Result<Merchant, ConfigError> {
    let mchid_var = format!("{prefix}MCHID");
    let mchid = required(env, &mchid_var, whose)?;
    forms::mchid(&mchid_var, &mchid)?;
    // The merchant that creates orders names its app in them (G1); the other one never does.
    let appid = match appid_var {
        Some(name) => {
            let appid = required(env, name, whose)?;
            forms::appid(name, &appid)?;
            appid
        }
        None => String::new(),
    };
    let serial_var = format!("{prefix}SERIAL_NO");
    let serial_no = required(env, &serial_var, whose)?;
    forms::serial_no(&serial_var, &serial_no)?;
    Ok(Merchant {
        mchid,
        appid,
        serial_no,
        key: private_key(env, &format!("{prefix}PRIVATE_KEY_FILE"), pem_var, whose)?,
    })
}

fn platform(env: Env<'_>) -> Result<Platform, ConfigError> {
    if let Some(path) = var(env, "WECHATPAY_PUBLIC_KEY_FILE") {
        let id = required(
            env,
            "WECHATPAY_PUBLIC_KEY_ID",
            "the platform public key (PUB_KEY_ID_…)",
        )?;
        forms::public_key_id("WECHATPAY_PUBLIC_KEY_ID", &id)?;
        let pem = read_pem("WECHATPAY_PUBLIC_KEY_FILE", &path)?;
        let key = PublicKey::from_pem(&pem).map_err(|e| ConfigError::Invalid {
            what: format!("WECHATPAY_PUBLIC_KEY_FILE: {e}\n(hint: the platform public key PEM from the merchant platform)"),
        })?;
        return Ok(Platform::PublicKey { id, key });
    }
    if var(env, "WECHATPAY_PUBLIC_KEY_ID").is_some() {
        return Err(ConfigError::MissingEnv {
            name: "WECHATPAY_PUBLIC_KEY_FILE".into(),
            hint: "WECHATPAY_PUBLIC_KEY_ID is set: public-key mode needs the key file too".into(),
        });
    }
    if let Some(path) = var(env, "WECHATPAY_PLATFORM_CERT_FILE") {
        let pem = read_pem("WECHATPAY_PLATFORM_CERT_FILE", &path)?;
        let cert = Certificate::from_pem(&pem).map_err(|e| ConfigError::Invalid {
            what: format!("WECHATPAY_PLATFORM_CERT_FILE: {e}\n(hint: a PEM certificate)"),
        })?;
        return Ok(Platform::Certificate(cert));
    }
    Ok(Platform::Download)
}

fn credentials(env: Env<'_>, remote: bool) -> Result<Option<Credentials>, ConfigError> {
    if !remote && var(env, "WECHATPAY_MCHID").is_none() {
        return Ok(None);
    }
    let main = merchant(
        env,
        "WECHATPAY_",
        Some("WECHATPAY_APPID"),
        Some("WECHATPAY_PRIVATE_KEY"),
        "the merchant under test",
    )?;
    let apiv3_key = match var(env, "WECHATPAY_APIV3_KEY") {
        Some(text) => {
            crate::redact::register(&text);
            Some(
                ApiV3Key::new(text.as_bytes()).map_err(|e| ConfigError::BadSecret {
                    name: "WECHATPAY_APIV3_KEY".into(),
                    message: format!(
                        "{e}\n(hint: the 32-character APIv3 key of the merchant platform)"
                    ),
                })?,
            )
        }
        None => None,
    };
    let platform = platform(env)?;
    if matches!(platform, Platform::Download) && apiv3_key.is_none() {
        return Err(ConfigError::MissingEnv {
            name: "WECHATPAY_APIV3_KEY".into(),
            hint: "without WECHATPAY_PUBLIC_KEY_FILE or WECHATPAY_PLATFORM_CERT_FILE the platform certificates are downloaded, and decrypted with the APIv3 key".into(),
        });
    }
    let other = match var(env, "WECHATPAY_OTHER_MCHID") {
        Some(_) => Some(merchant(
            env,
            "WECHATPAY_OTHER_",
            None,
            None,
            "a second merchant (W4)",
        )?),
        None => None,
    };
    let institution = match var(env, "WECHATPAY_SUB_MCHID") {
        None => None,
        Some(sub_mchid) => {
            forms::mchid("WECHATPAY_SUB_MCHID", &sub_mchid)?;
            // The institution is WECHATPAY_SP_* when set, else the merchant under test itself.
            let sp = match var(env, "WECHATPAY_SP_MCHID") {
                Some(_) => merchant(
                    env,
                    "WECHATPAY_SP_",
                    Some("WECHATPAY_SP_APPID"),
                    None,
                    "the institution",
                )?,
                None => main.clone(),
            };
            let sub_appid = var(env, "WECHATPAY_SUB_APPID");
            if let Some(appid) = &sub_appid {
                forms::appid("WECHATPAY_SUB_APPID", appid)?;
            }
            Some(Institution {
                sp,
                sub_mchid,
                sub_appid,
            })
        }
    };
    let paid_out_trade_no = var(env, "WECHATPAY_PAID_OUT_TRADE_NO");
    if let Some(paid) = &paid_out_trade_no {
        forms::out_trade_no("WECHATPAY_PAID_OUT_TRADE_NO", paid)?;
    }
    Ok(Some(Credentials {
        merchant: main,
        other,
        institution,
        platform,
        apiv3_key,
        paid_out_trade_no,
    }))
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
