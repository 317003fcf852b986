//! Platform certificates: reading one from PEM, making a self-signed one for the double, and the
//! `GET /v3/global/certificates` answer on both sides (W7, notes W6.10).
//!
//! Serials are shown as WeChat Pay's `Wechatpay-Serial` shows them: the serial's big-endian
//! magnitude bytes in uppercase hex, two digits a byte (wechatpay-go's `%X`). wechatpay-java
//! drops a leading `0` digit when the first byte is below `0x10`, so [`Certificate::self_signed`]
//! callers should pick serials whose first byte is `0x10` or more (notes W6.8), and lookups
//! should use [`Certificate::serial_matches`], which compares numerically as wechatpayv3 does.

use serde_json::{Value, json};
use x509_cert::der::{DecodePem, Encode};

use super::aead::{AEAD_ALGORITHM, AeadError, ApiV3Key, aead_decrypt, aead_encrypt};
use super::keys::{KeyError, PrivateKey, PublicKey};

/// The `associated_data` the certificates endpoint uses.
pub const CERTIFICATE_AAD: &str = "certificate";

/// A certificate could not be read, made or listed.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// No `CERTIFICATE` PEM block.
    #[error("no CERTIFICATE PEM block found")]
    NoPem,
    /// The certificate does not decode as X.509.
    #[error("invalid x509 certificate: {0}")]
    X509(String),
    /// Its public key is not a usable RSA key.
    #[error("certificate public key is not usable")]
    Key(#[source] KeyError),
    /// A serial given to [`Certificate::self_signed`] is not 1–40 hex digits, or is zero.
    #[error("serial {0:?} is not 1 to 40 hex digits with a non-zero value")]
    Serial(String),
    /// rcgen refused to build the certificate.
    #[error("cannot build certificate: {0}")]
    Build(String),
    /// A time is outside what a certificate can hold.
    #[error("time {0} is out of range for a certificate")]
    Time(i64),
    /// The certificates body is not of the documented shape.
    #[error("certificates body: {pointer} {problem}")]
    Body {
        /// JSON pointer of the offending value.
        pointer: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// An entry's `algorithm` is not `AEAD_AES_256_GCM`.
    #[error(
        "certificates body: /data/{index}/encrypt_certificate/algorithm is not {AEAD_ALGORITHM}"
    )]
    Algorithm {
        /// Entry index.
        index: usize,
    },
    /// An entry does not decrypt.
    #[error("certificates body: /data/{index}/encrypt_certificate does not decrypt")]
    Decrypt {
        /// Entry index.
        index: usize,
        /// Why.
        #[source]
        source: AeadError,
    },
    /// An entry's `serial_no` is not the serial of the certificate it carries.
    #[error(
        "certificates body: /data/{index}/serial_no is {listed} but the certificate's serial is {actual}"
    )]
    SerialMismatch {
        /// Entry index.
        index: usize,
        /// `serial_no` as listed.
        listed: String,
        /// Serial of the decrypted certificate.
        actual: String,
    },
}

/// A parsed X.509 certificate with what WeChat Pay clients use from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    serial: String,
    public_key: PublicKey,
    not_before: i64,
    not_after: i64,
    pem: String,
}

impl Certificate {
    /// Reads the first `CERTIFICATE` PEM block of `text`.
    pub fn from_pem(text: &str) -> Result<Self, CertError> {
        const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
        const END: &str = "-----END CERTIFICATE-----";
        let start = text.find(BEGIN).ok_or(CertError::NoPem)?;
        let stop = text[start..].find(END).ok_or(CertError::NoPem)? + start + END.len();
        let pem = format!("{}\n", &text[start..stop]);
        let cert = x509_cert::Certificate::from_pem(pem.as_bytes())
            .map_err(|e| CertError::X509(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| CertError::X509(e.to_string()))?;
        let public_key = PublicKey::from_spki_der(&spki).map_err(CertError::Key)?;
        let validity = tbs.validity();
        let unix = |t: x509_cert::time::Time| {
            i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
        };
        Ok(Self {
            serial: serial_hex(tbs.serial_number().as_bytes()),
            public_key,
            not_before: unix(validity.not_before),
            not_after: unix(validity.not_after),
            pem,
        })
    }

    /// Makes a self-signed RSA/SHA-256 certificate (a platform certificate for the double).
    ///
    /// `serial_hex` is 1–40 hex digits (any case, leading zeros ignored); the certificate's
    /// [`serial`](Self::serial) is its uppercase, even-length form. Valid from `not_before`
    /// (Unix seconds) for `validity_days`.
    pub fn self_signed(
        key: &PrivateKey,
        serial_hex: &str,
        common_name: &str,
        not_before: i64,
        validity_days: u32,
    ) -> Result<Self, CertError> {
        let serial = parse_serial(serial_hex)?;
        let not_after = not_before.saturating_add(i64::from(validity_days) * 86_400);
        let time =
            |t: i64| time::OffsetDateTime::from_unix_timestamp(t).map_err(|_| CertError::Time(t));
        let build = |e: rcgen::Error| CertError::Build(e.to_string());

        let key_pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(
            &key.to_pkcs8_pem(),
            &rcgen::PKCS_RSA_SHA256,
        )
        .map_err(build)?;
        let mut params = rcgen::CertificateParams::default();
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        params.not_before = time(not_before)?;
        params.not_after = time(not_after)?;
        let mut name = rcgen::DistinguishedName::new();
        name.push(rcgen::DnType::CommonName, common_name);
        params.distinguished_name = name;
        let cert = params.self_signed(&key_pair).map_err(build)?;
        Self::from_pem(&cert.pem())
    }

    /// The serial in uppercase hex (the `Wechatpay-Serial` / `serial_no` form).
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Whether `serial` names this certificate: compared as numbers (case and leading zeros
    /// ignored), so both the Go and the Java spelling match.
    pub fn serial_matches(&self, serial: &str) -> bool {
        let norm = |s: &str| s.trim_start_matches('0').to_ascii_uppercase();
        serial.bytes().all(|b| b.is_ascii_hexdigit()) && norm(serial) == norm(&self.serial)
    }

    /// The certificate's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Start of validity, Unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// End of validity, Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// The certificate as PEM (one block, LF-terminated).
    pub fn pem(&self) -> &str {
        &self.pem
    }
}

/// Unix seconds as WeChat Pay writes times: RFC 3339 in Beijing time, `2018-06-08T10:34:56+08:00`.
pub fn beijing_time(unix: i64) -> Option<String> {
    let offset = time::UtcOffset::from_hms(8, 0, 0).ok()?;
    let t = time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()?
        .to_offset(offset);
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// One `data[]` entry of the certificates answer, with the times given as text (so a double can
/// also serve inconsistent ones).
pub fn certificate_entry(
    cert: &Certificate,
    effective_time: &str,
    expire_time: &str,
    key: &ApiV3Key,
    nonce: &str,
) -> Result<Value, AeadError> {
    let ciphertext = aead_encrypt(key, nonce, CERTIFICATE_AAD, cert.pem().as_bytes())?;
    Ok(json!({
        "serial_no": cert.serial(),
        "effective_time": effective_time,
        "expire_time": expire_time,
        "encrypt_certificate": {
            "algorithm": AEAD_ALGORITHM,
            "nonce": nonce,
            "associated_data": CERTIFICATE_AAD,
            "ciphertext": ciphertext,
        }
    }))
}

/// The `GET /v3/global/certificates` answer for `certs`: times from each certificate's
/// validity, a nonce from `nonce_gen` per entry (12 bytes, e.g. [`super::aead::aead_nonce`]).
pub fn certificates_body(
    certs: &[&Certificate],
    key: &ApiV3Key,
    mut nonce_gen: impl FnMut() -> String,
) -> Result<Value, AeadError> {
    let data = certs
        .iter()
        .map(|cert| {
            let effective = beijing_time(cert.not_before()).unwrap_or_default();
            let expire = beijing_time(cert.not_after()).unwrap_or_default();
            certificate_entry(cert, &effective, &expire, key, &nonce_gen())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({ "data": data }))
}

/// Reads a certificates answer (client side): decrypts every entry with the APIv3 key and checks
/// that each `serial_no` is its certificate's serial.
pub fn read_certificates(body: &Value, key: &ApiV3Key) -> Result<Vec<Certificate>, CertError> {
    let data = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| body_error("/data".into(), "is not an array"))?;
    data.iter()
        .enumerate()
        .map(|(index, entry)| {
            let text = |field: &str| {
                entry
                    .pointer(field)
                    .and_then(Value::as_str)
                    .ok_or_else(|| body_error(format!("/data/{index}{field}"), "is not a string"))
            };
            let listed = text("/serial_no")?;
            if text("/encrypt_certificate/algorithm")? != AEAD_ALGORITHM {
                return Err(CertError::Algorithm { index });
            }
            let pem = aead_decrypt(
                key,
                text("/encrypt_certificate/nonce")?,
                text("/encrypt_certificate/associated_data")?,
                text("/encrypt_certificate/ciphertext")?,
            )
            .map_err(|source| CertError::Decrypt { index, source })?;
            let pem = String::from_utf8(pem).map_err(|_| {
                body_error(
                    format!("/data/{index}/encrypt_certificate"),
                    "decrypts to non-utf-8 text",
                )
            })?;
            let cert = Certificate::from_pem(&pem)?;
            if !cert.serial_matches(listed) {
                return Err(CertError::SerialMismatch {
                    index,
                    listed: listed.chars().take(64).collect(),
                    actual: cert.serial().to_owned(),
                });
            }
            Ok(cert)
        })
        .collect()
}

fn body_error(pointer: String, problem: &'static str) -> CertError {
    CertError::Body { pointer, problem }
}

/// DER INTEGER content bytes → uppercase hex of the magnitude (sign-padding zeros dropped).
fn serial_hex(bytes: &[u8]) -> String {
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    bytes[start..].iter().map(|b| format!("{b:02X}")).collect()
}

/// 1–40 hex digits, non-zero → magnitude bytes without leading zeros.
fn parse_serial(text: &str) -> Result<Vec<u8>, CertError> {
    let refuse = || CertError::Serial(text.chars().take(64).collect());
    if text.is_empty() || text.len() > 40 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refuse());
    }
    let digits = text.trim_start_matches('0');
    if digits.is_empty() {
        return Err(refuse());
    }
    let padded = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits.to_owned()
    };
    (0..padded.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&padded[i..i + 2], 16).map_err(|_| refuse()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_forms() {
        assert_eq!(serial_hex(&[0x00, 0x9A, 0x01]), "9A01");
        assert_eq!(serial_hex(&[0x0A, 0x01]), "0A01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(parse_serial("0a1").unwrap(), vec![0xA1]);
        assert_eq!(parse_serial("A01").unwrap(), vec![0x0A, 0x01]);
        assert_eq!(parse_serial("00FF").unwrap(), vec![0xFF]);
        for bad in ["", "0", "000", "xyz", &"1".repeat(41)] {
            assert!(
                matches!(parse_serial(bad), Err(CertError::Serial(_))),
                "{bad:?}"
            );
        }
    }
}
