//! The run's platform keys — configured, or downloaded from `GET /v3/global/certificates` and
//! decrypted — and every key the configuration names, each with the setting it came from.

use reqwest::Method;

use super::WechatpayRun;
use crate::error::ConfigError;
use crate::runner;
use crate::wechatpay::checks::PlatformKeys;
use crate::wechatpay::client::{Call, Tamper, WxClient};
use crate::wechatpay::config::{Credentials, Platform};
use crate::wechatpay::crypto::{PublicKey, read_certificates};
use crate::wechatpay::double::test_keys::refuse_test_keys;

impl WechatpayRun {
    /// The platform keys of `credentials`: configured, or downloaded and decrypted.
    pub(super) async fn platform_keys(
        &self,
        client: &WxClient,
        credentials: &Credentials,
    ) -> Result<PlatformKeys, ConfigError> {
        match &credentials.platform {
            Platform::PublicKey { id, key } => Ok(PlatformKeys::public_key(id, key.clone())),
            Platform::Certificate(cert) => {
                Ok(PlatformKeys::certificates(std::slice::from_ref(cert)))
            }
            // The preflight's download serves the run too.
            Platform::Download if runner::lock(&self.downloaded).is_some() => {
                Ok(runner::lock(&self.downloaded).clone().unwrap_or_default())
            }
            Platform::Download => {
                let call = Call {
                    endpoint: "/v3/global/certificates".into(),
                    method: Method::GET,
                    target: "/v3/global/certificates".into(),
                    body: Vec::new(),
                };
                let fail = |why: String| {
                    ConfigError::Start(format!(
                        "downloading the platform certificates (GET /v3/global/certificates): {why}\n(hint: or configure WECHATPAY_PLATFORM_CERT_FILE, or WECHATPAY_PUBLIC_KEY_FILE and WECHATPAY_PUBLIC_KEY_ID)"
                    ))
                };
                let exchange = client
                    .call(&call, &credentials.merchant, &Tamper::None)
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                if exchange.status != 200 {
                    return Err(fail(format!(
                        "answered {} {}",
                        exchange.status,
                        exchange.body_excerpt()
                    )));
                }
                let key = credentials
                    .apiv3_key
                    .as_ref()
                    .ok_or_else(|| fail("no WECHATPAY_APIV3_KEY".into()))?;
                let body = exchange.json.clone().map_err(fail)?;
                let certs = read_certificates(&body, key).map_err(|e| fail(e.to_string()))?;
                refuse_test_keys(
                    client.base_url(),
                    certs
                        .iter()
                        .map(|c| ("a downloaded platform certificate", c.public_key().clone())),
                )?;
                let keys = PlatformKeys::certificates(&certs);
                *runner::lock(&self.downloaded) = Some(keys.clone());
                Ok(keys)
            }
        }
    }
}

/// Every key of `credentials` with the setting it came from.
pub(super) fn configured_keys(credentials: &Credentials) -> Vec<(&'static str, PublicKey)> {
    let mut keys = vec![(
        "WECHATPAY_PRIVATE_KEY_FILE",
        credentials.merchant.key.public_key(),
    )];
    if let Some(other) = &credentials.other {
        keys.push(("the other merchant's key", other.key.public_key()));
    }
    if let Some(institution) = &credentials.institution {
        keys.push(("the institution's key", institution.sp.key.public_key()));
    }
    match &credentials.platform {
        Platform::PublicKey { key, .. } => keys.push(("WECHATPAY_PUBLIC_KEY_FILE", key.clone())),
        Platform::Certificate(cert) => {
            keys.push(("WECHATPAY_PLATFORM_CERT_FILE", cert.public_key().clone()));
        }
        Platform::Download => {}
    }
    keys
}
