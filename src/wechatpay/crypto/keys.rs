//! RSA keys as WeChat Pay APIv3 uses them: RSASSA-PKCS1-v1_5 with SHA-256, signatures in
//! standard Base64 (with padding).
//!
//! [`PrivateKey`] signs (the merchant's key on requests, the platform's key on responses);
//! [`PublicKey`] verifies. Both read and write PEM. Neither ever prints key material: `Debug`
//! shows the modulus size only, and no error message carries key bytes.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::sha2::Sha256;
use rsa::traits::PublicKeyParts;

/// The smallest modulus accepted, in bits. The scheme is named `SHA256-RSA2048`.
pub const MIN_KEY_BITS: usize = 2048;

/// A key could not be read, written or generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text holds no PEM block of a kind this reader accepts.
    #[error("no {expected} PEM block found\n(hint: expected a `-----BEGIN {expected}-----` block)")]
    NoPem {
        /// The block labels looked for, e.g. `PRIVATE KEY or RSA PRIVATE KEY`.
        expected: &'static str,
    },
    /// A PEM block was found but its content is not a valid RSA key.
    #[error("invalid {label} PEM block: {reason}")]
    Invalid {
        /// The PEM label of the block.
        label: &'static str,
        /// What the decoder said (never key bytes).
        reason: String,
    },
    /// The key is smaller than [`MIN_KEY_BITS`].
    #[error("rsa key of {bits} bits is too small (at least {MIN_KEY_BITS} required)")]
    TooSmall {
        /// The modulus size found.
        bits: usize,
    },
    /// Key generation or encoding failed.
    #[error("rsa key operation failed: {0}")]
    Operation(String),
}

/// A signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature is not standard Base64.
    #[error("signature is not valid base64")]
    Base64,
    /// The decoded signature does not have the key's modulus length.
    #[error("signature is {found} bytes, expected {expected}")]
    Length {
        /// Modulus length in bytes.
        expected: usize,
        /// Decoded signature length.
        found: usize,
    },
    /// The signature does not match the message under this key.
    #[error("signature does not match the message")]
    Mismatch,
}

/// An RSA private key (the merchant's or the platform's). It signs with ring (assembly
/// Montgomery arithmetic) when ring takes the key, else with `rsa`: both give the same bytes,
/// PKCS#1 v1.5 being deterministic.
#[derive(Clone)]
pub struct PrivateKey(rsa::PrivateKey, Option<Arc<RsaKeyPair>>);

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl PrivateKey {
    /// Reads a PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) PEM key. Text around the
    /// block (a certificate, comments) is ignored; the first matching block is used.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let key = if let Some(block) = pem_block(text, "PRIVATE KEY") {
            rsa::PrivateKey::from_pkcs8_pem(block).map_err(|e| invalid("PRIVATE KEY", e))?
        } else if let Some(block) = pem_block(text, "RSA PRIVATE KEY") {
            rsa::PrivateKey::from_pkcs1_pem(block).map_err(|e| invalid("RSA PRIVATE KEY", e))?
        } else {
            return Err(KeyError::NoPem {
                expected: "PRIVATE KEY or RSA PRIVATE KEY",
            });
        };
        Self::checked(key)
    }

    /// Generates a fresh key with public exponent 65537 from the operating system's RNG.
    pub fn generate(bits: usize) -> Result<Self, KeyError> {
        if bits < MIN_KEY_BITS {
            return Err(KeyError::TooSmall { bits });
        }
        let mut rng = crypto_common::getrandom::SysRng;
        let key =
            rsa::PrivateKey::new(&mut rng, bits).map_err(|e| KeyError::Operation(e.to_string()))?;
        Ok(Self::with_ring(key))
    }

    /// The key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, LF line endings).
    pub fn to_pkcs8_pem(&self) -> String {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.as_str().to_owned())
            .expect("encoding a valid rsa private key as pkcs#8 does not fail")
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.to_public_key())
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.0.size() * 8
    }

    /// Signs `message` (RSASSA-PKCS1-v1_5, SHA-256) and returns the standard Base64 signature.
    /// The signature is deterministic: the same key and message always give the same text.
    pub fn sign(&self, message: &[u8]) -> String {
        if let Some(pair) = &self.1 {
            let mut signature = vec![0; pair.public().modulus_len()];
            let rng = ring::rand::SystemRandom::new();
            if pair
                .sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                .is_ok()
            {
                return STANDARD.encode(signature);
            }
        }
        let signature = self
            .0
            .pkcs1v15_sign::<Sha256>(message)
            .expect("a validated rsa key of 2048 bits or more signs any sha-256 digest");
        STANDARD.encode(signature)
    }

    fn checked(key: rsa::PrivateKey) -> Result<Self, KeyError> {
        let bits = key.size() * 8;
        if bits < MIN_KEY_BITS {
            return Err(KeyError::TooSmall { bits });
        }
        Ok(Self::with_ring(key))
    }

    /// `key`, with ring's form of it when ring takes it (2048–4096 bits).
    fn with_ring(key: rsa::PrivateKey) -> Self {
        let pair = key
            .to_pkcs8_der()
            .ok()
            .and_then(|der| RsaKeyPair::from_pkcs8(der.as_bytes()).ok())
            .map(Arc::new);
        Self(key, pair)
    }

    /// Signs with `rsa` alone (the reference the ring path is compared with).
    #[cfg(test)]
    pub(crate) fn without_ring(&self) -> Self {
        Self(self.0.clone(), None)
    }

    #[cfg(test)]
    pub(crate) fn as_rsa(&self) -> &rsa::PrivateKey {
        &self.0
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

/// An RSA public key (from a platform certificate, a `PUB_KEY_ID_…` public key, or a merchant's
/// certificate on the double's side).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(rsa::PublicKey);

impl PublicKey {
    /// Reads an SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) PEM key.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let key = if let Some(block) = pem_block(text, "PUBLIC KEY") {
            rsa::PublicKey::from_public_key_pem(block).map_err(|e| invalid("PUBLIC KEY", e))?
        } else if let Some(block) = pem_block(text, "RSA PUBLIC KEY") {
            rsa::PublicKey::from_pkcs1_pem(block).map_err(|e| invalid("RSA PUBLIC KEY", e))?
        } else {
            return Err(KeyError::NoPem {
                expected: "PUBLIC KEY or RSA PUBLIC KEY",
            });
        };
        Self::checked(key)
    }

    /// Reads a DER `SubjectPublicKeyInfo` (as found in a certificate).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = rsa::PublicKey::from_public_key_der(der).map_err(|e| invalid("PUBLIC KEY", e))?;
        Self::checked(key)
    }

    /// The key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`, LF line endings).
    pub fn to_pem(&self) -> String {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .expect("encoding a valid rsa public key as spki does not fail")
    }

    /// The key as PKCS#1 PEM (`-----BEGIN RSA PUBLIC KEY-----`).
    pub fn to_pkcs1_pem(&self) -> String {
        self.0
            .to_pkcs1_pem(LineEnding::LF)
            .expect("encoding a valid rsa public key as pkcs#1 does not fail")
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.0.size() * 8
    }

    /// Verifies a standard Base64 RSASSA-PKCS1-v1_5 SHA-256 `signature` over `message`.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> Result<(), VerifyError> {
        let signature = STANDARD
            .decode(signature_b64.as_bytes())
            .map_err(|_| VerifyError::Base64)?;
        let expected = self.0.size();
        if signature.len() != expected {
            return Err(VerifyError::Length {
                expected,
                found: signature.len(),
            });
        }
        self.0
            .pkcs1v15_verify::<Sha256>(message, &signature)
            .map_err(|_| VerifyError::Mismatch)
    }

    fn checked(key: rsa::PublicKey) -> Result<Self, KeyError> {
        let bits = key.size() * 8;
        if bits < MIN_KEY_BITS {
            return Err(KeyError::TooSmall { bits });
        }
        Ok(Self(key))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

/// The first PEM block labelled exactly `label`, from its BEGIN line to its END line.
fn pem_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)?;
    let stop = text[start..].find(&end)? + start + end.len();
    Some(&text[start..stop])
}

fn invalid(label: &'static str, error: impl fmt::Display) -> KeyError {
    KeyError::Invalid {
        label,
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::fixtures;
    use super::*;

    #[test]
    fn debug_shows_no_key_material() {
        let key = &fixtures().merchant;
        let shown = format!("{key:?} {:?}", key.public_key());
        assert_eq!(
            shown,
            "PrivateKey { bits: 2048, .. } PublicKey { bits: 2048, .. }"
        );
    }

    #[test]
    fn pem_forms_round_trip() {
        let key = &fixtures().merchant;
        let pkcs8 = key.to_pkcs8_pem();
        assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(&PrivateKey::from_pem(&pkcs8).unwrap(), key);
        let pkcs1 =
            rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(key.as_rsa(), LineEnding::CRLF).unwrap();
        assert_eq!(&PrivateKey::from_pem(&pkcs1).unwrap(), key);

        let public = key.public_key();
        assert_eq!(PublicKey::from_pem(&public.to_pem()).unwrap(), public);
        assert_eq!(PublicKey::from_pem(&public.to_pkcs1_pem()).unwrap(), public);
        let framed = format!("comment\n{}trailer\n", public.to_pem());
        assert_eq!(PublicKey::from_pem(&framed).unwrap(), public);
    }

    #[test]
    fn bad_pem_is_refused_without_echoing_it() {
        let err = PrivateKey::from_pem("nothing here").unwrap_err();
        assert!(matches!(err, KeyError::NoPem { .. }), "{err}");
        let junk = "-----BEGIN PRIVATE KEY-----\nU0VDUkVU\n-----END PRIVATE KEY-----\n";
        let err = PrivateKey::from_pem(junk).unwrap_err();
        assert!(matches!(
            err,
            KeyError::Invalid {
                label: "PRIVATE KEY",
                ..
            }
        ));
        assert!(!err.to_string().contains("U0VDUkVU"));
        let public = fixtures().merchant.public_key().to_pem();
        assert!(matches!(
            PrivateKey::from_pem(&public),
            Err(KeyError::NoPem { .. })
        ));
        assert_eq!(
            PrivateKey::generate(1024),
            Err(KeyError::TooSmall { bits: 1024 })
        );
    }

    #[test]
    fn sign_is_deterministic_and_verifies() {
        let key = &fixtures().merchant;
        let signature = key.sign(b"source");
        assert_eq!(signature, key.sign(b"source"));
        assert_eq!(signature.len(), 344);
        assert!(key.1.is_some(), "ring takes a 2048-bit key");
        assert_eq!(
            key.without_ring().sign(b"source"),
            signature,
            "ring and rsa agree"
        );
        key.public_key().verify(b"source", &signature).unwrap();
        let other = fixtures().platform.public_key();
        assert_eq!(
            other.verify(b"source", &signature),
            Err(VerifyError::Mismatch)
        );
        let public = key.public_key();
        assert_eq!(
            public.verify(b"sourcf", &signature),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            public.verify(b"source", "not base64!"),
            Err(VerifyError::Base64)
        );
        assert_eq!(
            public.verify(b"source", "AAAA"),
            Err(VerifyError::Length {
                expected: 256,
                found: 3
            })
        );
    }
}
