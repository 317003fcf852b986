//! WeChat Pay APIv3 (Global) signing and verification: what the suite's signed client and the
//! double share (CONTRACT W6, W7).
//!
//! - [`request_message`], [`sign_request`], [`verify_request`]: the `Authorization` header
//!   (`WECHATPAY2-SHA256-RSA2048`, RSA PKCS#1 v1.5 SHA-256) over `METHOD\nURL\nTS\nNONCE\nBODY\n`.
//! - [`response_message`], [`sign_response`], [`verify_response`]: `Wechatpay-Signature` over
//!   `TS\nNONCE\nBODY\n` (a 204 signs `TS\nNONCE\n\n`).
//! - [`Authorization`]: parse any SDK's parameter order, write each ([`ParamOrder`]).
//! - [`PrivateKey`], [`PublicKey`], [`Certificate`]: PEM in and out, self-signed platform
//!   certificates with a chosen serial.
//! - [`aead_encrypt`], [`aead_decrypt`]: `AEAD_AES_256_GCM` with the APIv3 key;
//!   [`certificates_body`] / [`read_certificates`]: `GET /v3/global/certificates`.
//!
//! ```
//! # use pay_conformance::wechatpay::crypto::*;
//! let key = PrivateKey::generate(2048).unwrap();
//! let body = br#"{"mchid":"1900000109"}"#;
//! let url = "/v3/global/transactions/out-trade-no/T1/close";
//! let auth = sign_request(&key, "1900000109", "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "POST", url, body, 1_700_000_000, &nonce());
//! let header = auth.header_value(ParamOrder::PhpAxios);
//! let lookup = |_: &str, _: &str| Some(key.public_key());
//! let who = verify_request(lookup, "POST", url, body, Some(&header), 1_700_000_100, REQUEST_WINDOW_SECONDS).unwrap();
//! assert_eq!(who.mchid, "1900000109");
//! ```

mod aead;
mod authorization;
mod certs;
mod keys;
mod sign;
#[cfg(test)]
mod tests;

pub use aead::{AEAD_ALGORITHM, AeadError, ApiV3Key, aead_decrypt, aead_encrypt, aead_nonce};
pub use authorization::{
    AuthError, Authorization, MAX_HEADER_LEN, MAX_NONCE_LEN, ParamOrder, SCHEME,
};
pub use certs::{
    CERTIFICATE_AAD, CertError, Certificate, beijing_time, certificate_entry, certificates_body,
    read_certificates,
};
pub use keys::{KeyError, MIN_KEY_BITS, PrivateKey, PublicKey, VerifyError};
pub use sign::{
    REQUEST_WINDOW_SECONDS, RequestRefusal, VerifiedRequest, nonce, request_message,
    response_message, sign_request, sign_response, verify_request, verify_response,
};
