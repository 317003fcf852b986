//! TTPAY-AES-256-ECB: the request signature (CONTRACT A1, A2) and the response signature (A6).
//!
//! The "signature" is Base64 of AES-256-ECB with PKCS#7 padding over a few lines of text, keyed
//! with the app secret's 32 UTF-8 bytes. Verifying is re-computing and comparing.

use std::fmt;

use aes::Aes256;
use aes::cipher::{BlockModeEncrypt, KeyInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::Rng as _;
use rand::distr::Alphanumeric;

use crate::signer::{Signed, Signer};

/// The scheme name that opens every `Authorization` header.
pub const SCHEME: &str = "TTPAY-AES-256-ECB";

/// An app secret: exactly 32 bytes of UTF-8. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AppSecret(String);

/// The app secret is not 32 bytes long.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "app secret must be 32 bytes, found {len}\n(hint: copy the secret exactly as the merchant console shows it)"
)]
pub struct SecretLengthError {
    /// How many bytes the given secret has.
    pub len: usize,
}

impl AppSecret {
    /// Checks the length (A2: a secret that is not 32 bytes is a configuration error).
    pub fn new(secret: impl Into<String>) -> Result<Self, SecretLengthError> {
        let secret = secret.into();
        if secret.len() != 32 {
            return Err(SecretLengthError { len: secret.len() });
        }
        Ok(Self(secret))
    }

    /// The secret itself: only for signing, and for the redactor to know what to hide.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Base64 of AES-256-ECB/PKCS#7 over `message` with this secret as the key.
    pub fn seal(&self, message: &[u8]) -> String {
        let cipher = ecb::Encryptor::<Aes256>::new_from_slice(self.0.as_bytes())
            .expect("AppSecret::new guarantees a 32-byte key");
        BASE64.encode(cipher.encrypt_padded_vec::<Pkcs7>(message))
    }

    /// Whether `signature` is this secret's seal over `message`.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        crate::signer::constant_time_eq(self.seal(message).as_bytes(), signature.as_bytes())
    }
}

impl fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppSecret(<redacted>)")
    }
}

impl fmt::Display for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The text a response signature covers (A6): `TS\nNONCE\nBODY`.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message
}

/// 32 random alphanumerics, as the provider's nonce.
pub fn nonce() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// A merchant signing TTPay requests (A1, A2): every request signature of the product goes
/// through this.
#[derive(Debug, Clone, Copy)]
pub struct MerchantSigner<'a> {
    pub app_id: &'a str,
    pub mch_id: &'a str,
    pub secret: &'a AppSecret,
}

impl<'a> MerchantSigner<'a> {
    /// Signs as `merchant`.
    pub fn new(merchant: &'a crate::ttpay::Merchant) -> Self {
        MerchantSigner {
            app_id: &merchant.app_id,
            mch_id: &merchant.mch_id,
            secret: &merchant.secret,
        }
    }

    /// The parsed header for `signed`.
    pub fn authorize(&self, signed: &Signed<'_>) -> Authorization {
        Authorization {
            app_id: self.app_id.to_owned(),
            mch_id: self.mch_id.to_owned(),
            nonce_str: signed.nonce.to_owned(),
            timestamp: signed.timestamp.to_owned(),
            signature: self.signature(signed),
        }
    }
}

impl Signer for MerchantSigner<'_> {
    /// Base64 AES-256-ECB over `URL\nTS\nNONCE\nBODY` (the method is not covered).
    fn signature(&self, signed: &Signed<'_>) -> String {
        let mut message = format!(
            "{}\n{}\n{}\n",
            signed.path_and_query, signed.timestamp, signed.nonce
        )
        .into_bytes();
        message.extend_from_slice(signed.body);
        self.secret.seal(&message)
    }

    fn authorization(&self, signed: &Signed<'_>) -> String {
        self.authorize(signed).to_header()
    }
}

/// The parts of an `Authorization: TTPAY-AES-256-ECB k=v,k=v,…` header (A1).
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    pub app_id: String,
    pub mch_id: String,
    pub nonce_str: String,
    pub timestamp: String,
    pub signature: String,
}

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    #[error("authorization scheme is not {SCHEME}")]
    Scheme,
    #[error("authorization lacks `{0}`")]
    Missing(&'static str),
    #[error("authorization part `{0}` is not key=value")]
    Malformed(String),
}

impl Authorization {
    /// The header value, ready to send.
    pub fn to_header(&self) -> String {
        format!(
            "{SCHEME} app_id={},mch_id={},nonce_str={},timestamp={},signature={}",
            self.app_id, self.mch_id, self.nonce_str, self.timestamp, self.signature
        )
    }

    /// Reads a header value. Unknown keys are ignored; each of the five is required.
    pub fn parse(header: &str) -> Result<Self, AuthorizationError> {
        let rest = header
            .trim()
            .strip_prefix(SCHEME)
            .filter(|rest| rest.starts_with(' '))
            .ok_or(AuthorizationError::Scheme)?;
        let (mut app_id, mut mch_id, mut nonce_str, mut timestamp, mut signature) =
            (None, None, None, None, None);
        for part in rest.trim().split(',') {
            let (key, value) = part
                .trim()
                .split_once('=')
                .ok_or_else(|| AuthorizationError::Malformed(part.trim().to_owned()))?;
            let slot = match key {
                "app_id" => &mut app_id,
                "mch_id" => &mut mch_id,
                "nonce_str" => &mut nonce_str,
                "timestamp" => &mut timestamp,
                "signature" => &mut signature,
                _ => continue,
            };
            *slot = Some(value.to_owned());
        }
        Ok(Self {
            app_id: app_id.ok_or(AuthorizationError::Missing("app_id"))?,
            mch_id: mch_id.ok_or(AuthorizationError::Missing("mch_id"))?,
            nonce_str: nonce_str.ok_or(AuthorizationError::Missing("nonce_str"))?,
            timestamp: timestamp.ok_or(AuthorizationError::Missing("timestamp"))?,
            signature: signature.ok_or(AuthorizationError::Missing("signature"))?,
        })
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("app_id", &self.app_id)
            .field("mch_id", &self.mch_id)
            .field("nonce_str", &self.nonce_str)
            .field("timestamp", &self.timestamp)
            .field("signature", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn secret_must_be_32_bytes() {
        assert_eq!(AppSecret::new("short").unwrap_err().len, 5);
        assert!(AppSecret::new(SECRET).is_ok());
    }

    #[test]
    fn seal_is_aes_256_ecb_pkcs7_base64() {
        // 16 bytes of message pad to 32 bytes of ciphertext: 44 chars of Base64.
        let secret = AppSecret::new(SECRET).unwrap();
        let sealed = secret.seal(b"0123456789abcdef");
        assert_eq!(sealed.len(), 44);
        assert!(secret.verifies(b"0123456789abcdef", &sealed));
        assert!(!secret.verifies(b"0123456789abcdeF", &sealed));
        let other = AppSecret::new("fedcba9876543210fedcba9876543210").unwrap();
        assert!(!other.verifies(b"0123456789abcdef", &sealed));
    }

    #[test]
    fn authorization_round_trips() {
        let auth = Authorization {
            app_id: "app".into(),
            mch_id: "123".into(),
            nonce_str: nonce(),
            timestamp: "1700000000000".into(),
            signature: "abc+/=".into(),
        };
        assert_eq!(Authorization::parse(&auth.to_header()).unwrap(), auth);
        assert_eq!(
            Authorization::parse("Bearer x"),
            Err(AuthorizationError::Scheme)
        );
        assert_eq!(
            Authorization::parse("TTPAY-AES-256-ECB app_id=a"),
            Err(AuthorizationError::Missing("mch_id"))
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let secret = AppSecret::new(SECRET).unwrap();
        assert!(!format!("{secret:?} {secret}").contains(SECRET));
        let auth = Authorization::parse(
            "TTPAY-AES-256-ECB app_id=a,mch_id=b,nonce_str=c,timestamp=1,signature=SIGSIG",
        )
        .unwrap();
        assert!(!format!("{auth:?}").contains("SIGSIG"));
    }
}
