//! The double's TEST-ONLY keys: five RSA-2048 keys generated once and shipped in
//! `test_keys/` (see its README), so that no process generates keys to start a double.
//! They are public: [`is_test_key`] tells a run against a non-loopback target to refuse them.

use std::sync::LazyLock;

use crate::error::ConfigError;
use crate::wechatpay::crypto::{PrivateKey, PublicKey};

const MERCHANT_0: &str = include_str!("test_keys/TEST-ONLY-merchant-1900000109.key.pem");
const MERCHANT_1: &str = include_str!("test_keys/TEST-ONLY-merchant-1900000110.key.pem");
const INSTITUTION: &str = include_str!("test_keys/TEST-ONLY-institution-1900000100.key.pem");
const PLATFORM: &str = include_str!("test_keys/TEST-ONLY-platform.key.pem");
const STRANGER: &str = include_str!("test_keys/TEST-ONLY-stranger.key.pem");

/// The parsed test keys: the three builtin merchants, the platform, the stranger.
pub(crate) struct TestKeys {
    pub merchants: [PrivateKey; 3],
    pub platform: PrivateKey,
    pub stranger: PrivateKey,
}

static KEYS: LazyLock<TestKeys> = LazyLock::new(|| {
    let read = |pem: &str| PrivateKey::from_pem(pem).expect("the shipped test keys are valid");
    TestKeys {
        merchants: [read(MERCHANT_0), read(MERCHANT_1), read(INSTITUTION)],
        platform: read(PLATFORM),
        stranger: read(STRANGER),
    }
});

/// The shipped test keys, parsed once per process.
pub(crate) fn test_keys() -> &'static TestKeys {
    &KEYS
}

/// Whether `key` is the public half of one of the shipped test keys.
pub fn is_test_key(key: &PublicKey) -> bool {
    let k = test_keys();
    k.merchants
        .iter()
        .chain([&k.platform, &k.stranger])
        .any(|t| &t.public_key() == key)
}

/// Whether `base_url`'s host is the loopback (`localhost`, 127.0.0.0/8, `::1`): where `serve`
/// listens with the test keys.
pub fn is_loopback(base_url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(base_url) else {
        return false;
    };
    let host = url.host_str().unwrap_or("");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses (exit 2) a published test key among `keys` when `base_url` is not on the loopback:
/// a signature made with, or verified by, a key anyone can read proves nothing there.
pub fn refuse_test_keys<'a>(
    base_url: &str,
    keys: impl IntoIterator<Item = (&'a str, PublicKey)>,
) -> Result<(), ConfigError> {
    if is_loopback(base_url) {
        return Ok(());
    }
    match keys.into_iter().find(|(_, key)| is_test_key(key)) {
        Some((what, _)) => Err(ConfigError::Invalid {
            what: format!(
                "{what} is one of the published TEST-ONLY keys of the WeChat Pay double (src/wechatpay/double/test_keys/), refused for {base_url}\n(hint: they are accepted only by the embedded double and by `serve` on the loopback; configure the merchant's own key)"
            ),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_keys_are_five_distinct_2048_bit_keys() {
        let k = test_keys();
        let all: Vec<&PrivateKey> = k
            .merchants
            .iter()
            .chain([&k.platform, &k.stranger])
            .collect();
        for (i, a) in all.iter().enumerate() {
            assert_eq!(a.bits(), 2048);
            assert!(is_test_key(&a.public_key()));
            for b in &all[i + 1..] {
                assert_ne!(a.public_key(), b.public_key());
            }
        }
        let fresh = PrivateKey::generate(2048).unwrap();
        assert!(!is_test_key(&fresh.public_key()));
    }

    #[test]
    fn a_test_key_is_refused_off_the_loopback_only() {
        let test = test_keys().merchants[0].public_key();
        let fresh = PrivateKey::generate(2048).unwrap().public_key();
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(
                refuse_test_keys(url, [("key", test.clone())]).is_ok(),
                "{url}"
            );
        }
        for url in [
            "https://api.mch.weixin.qq.com",
            "http://10.0.0.1",
            "not a url",
        ] {
            let err =
                refuse_test_keys(url, [("WECHATPAY_PRIVATE_KEY_FILE", test.clone())]).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(
                err.to_string().contains("WECHATPAY_PRIVATE_KEY_FILE"),
                "{err}"
            );
            assert!(refuse_test_keys(url, [("key", fresh.clone())]).is_ok());
        }
    }
}
