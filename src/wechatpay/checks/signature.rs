//! W7: the platform's signature on an answer — `Wechatpay-Timestamp`, `-Nonce`, `-Signature`,
//! `-Serial` present, the signature over `TS\nNONCE\nBODY\n` verifying with the key the serial
//! names (a certificate's serial, or a `PUB_KEY_ID_…`), the timestamp within 300 s, and
//! whether `Wechatpay-Signature-Type` is there (its absence is only ever an observation).

use reqwest::header::HeaderMap;

use super::Found;
use crate::exchange::SignatureCheck;
use crate::wechatpay::crypto::{Certificate, PublicKey, verify_response};

/// How far a response timestamp may be from the suite's clock (W7).
pub const RESPONSE_WINDOW_SECONDS: i64 = 300;

/// The signature type WeChat Pay names.
pub const SIGNATURE_TYPE: &str = "WECHATPAY2-SHA256-RSA2048";

/// The platform keys an answer may be signed with, by serial (certificate serials compared
/// without regard to case).
#[derive(Debug, Clone, Default)]
pub struct PlatformKeys {
    keys: Vec<(String, PublicKey)>,
}

impl PlatformKeys {
    /// Public-key mode: the one key and its `PUB_KEY_ID_…`.
    pub fn public_key(id: &str, key: PublicKey) -> Self {
        Self {
            keys: vec![(id.to_owned(), key)],
        }
    }

    /// Certificate mode: every certificate, by its serial.
    pub fn certificates(certs: &[Certificate]) -> Self {
        Self {
            keys: certs
                .iter()
                .map(|c| (c.serial().to_owned(), c.public_key().clone()))
                .collect(),
        }
    }

    /// The key `serial` names.
    pub fn get(&self, serial: &str) -> Option<&PublicKey> {
        let serial = serial.trim();
        self.keys
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(serial))
            .map(|(_, k)| k)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// What W7 found on one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseVerdict {
    pub check: SignatureCheck,
    /// Every problem: missing headers, an unknown serial, a signature that does not verify, a
    /// timestamp off by more than 300 s.
    pub problems: Vec<Found>,
    /// `Wechatpay-Signature-Type` absent (an observation whatever the mode).
    pub type_missing: bool,
}

/// Judges an answer's signature headers against `keys` at `now` (Unix seconds).
pub fn response_signature(
    headers: &HeaderMap,
    body: &[u8],
    keys: &PlatformKeys,
    now: i64,
) -> ResponseVerdict {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let type_missing = get("wechatpay-signature-type").is_none();
    let mut problems = Vec::new();
    if let Some(kind) = get("wechatpay-signature-type")
        && kind != SIGNATURE_TYPE
    {
        problems.push((
            "Wechatpay-Signature-Type".into(),
            SIGNATURE_TYPE.into(),
            kind.chars().take(64).collect(),
        ));
    }
    let names = [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
    ];
    let values: Vec<Option<&str>> = names
        .iter()
        .map(|n| get(&n.to_ascii_lowercase()).filter(|v| !v.is_empty()))
        .collect();
    let [Some(ts), Some(nonce), Some(signature), Some(serial)] = values[..] else {
        for (name, value) in names.iter().zip(&values) {
            if value.is_none() {
                problems.push(((*name).into(), "present".into(), "absent".into()));
            }
        }
        return ResponseVerdict {
            check: SignatureCheck::Missing,
            problems,
            type_missing,
        };
    };
    let check = match keys.get(serial) {
        None => {
            problems.push((
                "Wechatpay-Serial".into(),
                "the serial of a platform certificate or the configured PUB_KEY_ID".into(),
                serial.chars().take(64).collect(),
            ));
            SignatureCheck::Invalid
        }
        Some(key) => match verify_response(key, ts, nonce, body, signature) {
            Ok(()) => SignatureCheck::Valid,
            Err(e) => {
                problems.push((
                    "Wechatpay-Signature".into(),
                    "a signature over TS\\nNONCE\\nBODY\\n by the platform key".into(),
                    e.to_string(),
                ));
                SignatureCheck::Invalid
            }
        },
    };
    match ts.parse::<i64>() {
        Ok(t) if now.saturating_sub(t).unsigned_abs() <= RESPONSE_WINDOW_SECONDS.unsigned_abs() => {
        }
        Ok(t) => problems.push((
            "Wechatpay-Timestamp".into(),
            format!("within {RESPONSE_WINDOW_SECONDS} s of now ({now})"),
            format!("{t} ({} s off)", now.saturating_sub(t)),
        )),
        Err(_) => problems.push((
            "Wechatpay-Timestamp".into(),
            "Unix seconds".into(),
            ts.chars().take(32).collect(),
        )),
    }
    let check = if check == SignatureCheck::Valid && !problems.is_empty() {
        SignatureCheck::Invalid
    } else {
        check
    };
    ResponseVerdict {
        check,
        problems,
        type_missing,
    }
}
