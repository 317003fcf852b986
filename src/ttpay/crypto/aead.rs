//! The notification's `resource` (CONTRACT 1, "Callbacks"): the TransactionDetail JSON
//! encrypted with AES-256-GCM, the app secret's 32 bytes as the key, a random 12-character
//! nonce (its bytes are the GCM nonce), `associated_data` `"transaction"`, and Base64 of the
//! ciphertext followed by the 16-byte tag. [`decrypt_notification`] reads one back.
//!
//! ```
//! use pay_conformance::ttpay::AppSecret;
//! use pay_conformance::ttpay::double::{decrypt_notification, encrypt_resource};
//!
//! let secret = AppSecret::new("DOUBLE-ONLY-FAKE-SECRET-NUMBER-1").unwrap();
//! let resource = encrypt_resource(&secret, "transaction", br#"{"trade_state":"SUCCESS"}"#);
//! assert_eq!(resource["algorithm"], "AEAD_AES_256_GCM");
//! let detail = decrypt_notification(&secret, &resource).unwrap();
//! assert_eq!(detail["trade_state"], "SUCCESS");
//! ```

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use serde_json::{Value, json};

use crate::ttpay::AppSecret;

/// Why a notification could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("notification resource has no string `{0}`")]
    Missing(&'static str),
    #[error("notification algorithm is `{0}`, not AEAD_AES_256_GCM")]
    Algorithm(String),
    #[error("notification nonce must be 12 bytes, found {0}")]
    Nonce(usize),
    #[error("notification ciphertext is not base64")]
    Base64,
    #[error("notification does not decrypt\n(hint: use the secret of the app that owns the order)")]
    Decrypt,
    #[error("decrypted notification is not json: {0}")]
    Json(String),
}

/// The `resource` object of a notification carrying `plain`; an empty `associated_data` is
/// left out of it (and there is no AAD).
pub fn encrypt_resource(secret: &AppSecret, associated_data: &str, plain: &[u8]) -> Value {
    let nonce: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect();
    let sealed = cipher(secret).and_then(|cipher| {
        let nonce = Nonce::try_from(nonce.as_bytes()).ok()?;
        let payload = Payload {
            msg: plain,
            aad: associated_data.as_bytes(),
        };
        cipher.encrypt(&nonce, payload).ok()
    });
    let mut resource = json!({
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": BASE64.encode(sealed.unwrap_or_default()),
        "nonce": nonce,
    });
    if !associated_data.is_empty() {
        resource["associated_data"] = Value::from(associated_data);
    }
    resource
}

/// The JSON a notification carries: `resource` is the notification's `resource` object, or the
/// whole notification body.
pub fn decrypt_notification(
    secret: &AppSecret,
    resource: &Value,
) -> Result<Value, NotificationError> {
    let resource = resource.get("resource").unwrap_or(resource);
    let text = |key: &'static str| {
        resource
            .get(key)
            .and_then(Value::as_str)
            .ok_or(NotificationError::Missing(key))
    };
    let algorithm = text("algorithm")?;
    if algorithm != "AEAD_AES_256_GCM" {
        return Err(NotificationError::Algorithm(algorithm.to_owned()));
    }
    let nonce = text("nonce")?;
    let nonce =
        Nonce::try_from(nonce.as_bytes()).map_err(|_| NotificationError::Nonce(nonce.len()))?;
    let sealed = BASE64
        .decode(text("ciphertext")?)
        .map_err(|_| NotificationError::Base64)?;
    let aad = resource
        .get("associated_data")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let payload = Payload {
        msg: &sealed,
        aad: aad.as_bytes(),
    };
    let plain = cipher(secret)
        .and_then(|cipher| cipher.decrypt(&nonce, payload).ok())
        .ok_or(NotificationError::Decrypt)?;
    serde_json::from_slice(&plain).map_err(|e| NotificationError::Json(e.to_string()))
}

/// The AES-256-GCM cipher keyed with the secret's 32 bytes.
fn cipher(secret: &AppSecret) -> Option<Aes256Gcm> {
    Aes256Gcm::new_from_slice(secret.expose().as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(n: u8) -> AppSecret {
        AppSecret::new(format!("DOUBLE-ONLY-FAKE-SECRET-NUMBER-{n}")).unwrap()
    }

    #[test]
    fn a_resource_round_trips_and_only_with_its_secret() {
        let sealed = encrypt_resource(&secret(1), "transaction", br#"{"a":1}"#);
        assert_eq!(sealed["nonce"].as_str().map(str::len), Some(12));
        let body = json!({"resource": sealed.clone()});
        assert_eq!(decrypt_notification(&secret(1), &body), Ok(json!({"a": 1})));
        assert_eq!(
            decrypt_notification(&secret(2), &sealed),
            Err(NotificationError::Decrypt)
        );
        let mut tampered = sealed.clone();
        tampered["associated_data"] = json!("other");
        assert_eq!(
            decrypt_notification(&secret(1), &tampered),
            Err(NotificationError::Decrypt)
        );
    }

    #[test]
    fn no_associated_data_leaves_the_field_out() {
        let sealed = encrypt_resource(&secret(1), "", br#"{"a":1}"#);
        assert!(sealed.get("associated_data").is_none());
        assert_eq!(
            decrypt_notification(&secret(1), &sealed),
            Ok(json!({"a": 1}))
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let key = secret(1);
        for garbage in [
            json!(null),
            json!({}),
            json!({"algorithm": "AEAD_AES_256_GCM", "nonce": "short", "ciphertext": "x"}),
            json!({"algorithm": "AEAD_AES_256_GCM", "nonce": "123456789012", "ciphertext": "!!"}),
            json!({"algorithm": "AEAD_AES_256_GCM", "nonce": "123456789012", "ciphertext": ""}),
            json!({"algorithm": "ROT13", "nonce": "123456789012", "ciphertext": ""}),
        ] {
            assert!(decrypt_notification(&key, &garbage).is_err(), "{garbage}");
        }
    }
}
