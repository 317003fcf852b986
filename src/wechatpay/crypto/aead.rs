//! `AEAD_AES_256_GCM` as WeChat Pay APIv3 uses it: for platform certificates
//! (`GET /v3/global/certificates`) and for notification resources.
//!
//! The key is the merchant's APIv3 key: 32 characters used as their 32 bytes. The nonce is a
//! 12-character string used as its 12 UTF-8 bytes. `ciphertext` is the standard Base64 of the
//! encrypted bytes followed by the 16-byte tag. `associated_data` is text used as AAD (the
//! certificates endpoint uses `"certificate"`; notifications use e.g. `"transaction"`; an empty
//! string is no AAD).

use std::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::Rng as _;
use rand::distr::Alphanumeric;

/// The `algorithm` value WeChat Pay puts next to these ciphertexts.
pub const AEAD_ALGORITHM: &str = "AEAD_AES_256_GCM";

/// Length of the GCM tag appended to every ciphertext.
const TAG_LEN: usize = 16;

/// An APIv3 key (32 bytes). `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiV3Key([u8; 32]);

impl ApiV3Key {
    /// Takes the key as configured in the merchant platform: exactly 32 bytes (in practice 32
    /// ASCII letters and digits). Any other length is a configuration error.
    pub fn new(key: impl AsRef<[u8]>) -> Result<Self, AeadError> {
        let key = key.as_ref();
        <[u8; 32]>::try_from(key)
            .map(Self)
            .map_err(|_| AeadError::KeyLength(key.len()))
    }

    /// The key bytes.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }
}

impl From<[u8; 32]> for ApiV3Key {
    fn from(key: [u8; 32]) -> Self {
        Self(key)
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(..)")
    }
}

/// An AEAD operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AeadError {
    /// The APIv3 key is not 32 bytes.
    #[error(
        "apiv3 key is {0} bytes, expected 32\n(hint: the apiv3 key is the 32-character key set in the merchant platform)"
    )]
    KeyLength(usize),
    /// The nonce is not 12 bytes.
    #[error("aead nonce is {0} bytes, expected 12")]
    NonceLength(usize),
    /// The ciphertext is not standard Base64.
    #[error("aead ciphertext is not valid base64")]
    Base64,
    /// The ciphertext is shorter than the 16-byte tag.
    #[error("aead ciphertext is {0} bytes, shorter than the 16-byte tag")]
    TooShort(usize),
    /// Key, nonce, associated data or ciphertext do not match (the tag did not verify).
    #[error("aead tag does not verify (wrong apiv3 key, nonce, associated data or ciphertext)")]
    Authentication,
}

/// Encrypts `plaintext` and returns the Base64 of ciphertext‖tag.
pub fn aead_encrypt(
    key: &ApiV3Key,
    nonce: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<String, AeadError> {
    let nonce = nonce_of(nonce)?;
    let payload = Payload {
        msg: plaintext,
        aad: associated_data.as_bytes(),
    };
    let sealed = key
        .cipher()
        .encrypt(&nonce, payload)
        .map_err(|_| AeadError::Authentication)?;
    Ok(STANDARD.encode(sealed))
}

/// Decrypts the Base64 of ciphertext‖tag.
pub fn aead_decrypt(
    key: &ApiV3Key,
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>, AeadError> {
    let nonce = nonce_of(nonce)?;
    let sealed = STANDARD
        .decode(ciphertext_b64.as_bytes())
        .map_err(|_| AeadError::Base64)?;
    if sealed.len() < TAG_LEN {
        return Err(AeadError::TooShort(sealed.len()));
    }
    let payload = Payload {
        msg: &sealed,
        aad: associated_data.as_bytes(),
    };
    key.cipher()
        .decrypt(&nonce, payload)
        .map_err(|_| AeadError::Authentication)
}

/// A fresh 12-character alphanumeric AEAD nonce (the form WeChat Pay sends).
pub fn aead_nonce() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(12)
        .map(char::from)
        .collect()
}

fn nonce_of(nonce: &str) -> Result<Nonce<Aes256Gcm>, AeadError> {
    Nonce::<Aes256Gcm>::try_from(nonce.as_bytes()).map_err(|_| AeadError::NonceLength(nonce.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdefghijklmnopqrstuv";

    fn key() -> ApiV3Key {
        ApiV3Key::new(KEY).unwrap()
    }

    #[test]
    fn round_trip_and_tampering() {
        let nonce = aead_nonce();
        assert_eq!(nonce.len(), 12);
        assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()));
        let sealed = aead_encrypt(&key(), &nonce, "certificate", b"hello").unwrap();
        assert_eq!(STANDARD.decode(&sealed).unwrap().len(), 5 + TAG_LEN);
        assert_eq!(
            aead_decrypt(&key(), &nonce, "certificate", &sealed).unwrap(),
            b"hello"
        );

        let refused = |k: &ApiV3Key, n: &str, aad: &str, c: &str| aead_decrypt(k, n, aad, c);
        assert_eq!(
            refused(&key(), &nonce, "transaction", &sealed),
            Err(AeadError::Authentication)
        );
        assert_eq!(
            refused(&key(), &nonce, "", &sealed),
            Err(AeadError::Authentication)
        );
        assert_eq!(
            refused(&key(), "AAAAAAAAAAAA", "certificate", &sealed),
            Err(AeadError::Authentication)
        );
        let other = ApiV3Key::from([7u8; 32]);
        assert_eq!(
            refused(&other, &nonce, "certificate", &sealed),
            Err(AeadError::Authentication)
        );
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        bytes[0] ^= 1;
        let flipped = STANDARD.encode(&bytes);
        assert_eq!(
            refused(&key(), &nonce, "certificate", &flipped),
            Err(AeadError::Authentication)
        );
    }

    #[test]
    fn input_errors() {
        assert_eq!(
            ApiV3Key::new("testAPIv3Key0000"),
            Err(AeadError::KeyLength(16))
        );
        assert_eq!(format!("{:?}", key()), "ApiV3Key(..)");
        assert_eq!(
            aead_encrypt(&key(), "short", "", b"x"),
            Err(AeadError::NonceLength(5))
        );
        assert_eq!(
            aead_decrypt(&key(), "abcdefghijkl", "", "***"),
            Err(AeadError::Base64)
        );
        assert_eq!(
            aead_decrypt(&key(), "abcdefghijkl", "", "AAAA"),
            Err(AeadError::TooShort(3))
        );
        let empty = aead_encrypt(&key(), "abcdefghijkl", "", b"").unwrap();
        assert_eq!(
            aead_decrypt(&key(), "abcdefghijkl", "", &empty).unwrap(),
            b""
        );
    }
}
