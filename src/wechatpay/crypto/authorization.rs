//! The `Authorization` request header: `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
//! timestamp="…",serial_no="…",signature="…"`.
//!
//! The official SDKs write the five parameters in different orders ([`ParamOrder`]), so the
//! parser takes them in any order. It is strict otherwise: the scheme exactly, one space, then
//! `name="value"` pairs separated by commas (optional spaces after a comma), each of the five
//! exactly once, nothing else. Headers over [`MAX_HEADER_LEN`] bytes are refused unparsed.

use std::fmt;

/// The only scheme APIv3 accepts.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Longest header accepted (8 KiB, nginx's default line limit).
pub const MAX_HEADER_LEN: usize = 8 * 1024;

/// Longest nonce accepted: "32 位以下随机字符串, 仅数字 + 字母".
pub const MAX_NONCE_LEN: usize = 32;

/// The parameter names, in the documented order.
pub const PARAMS: [&str; 5] = ["mchid", "nonce_str", "timestamp", "serial_no", "signature"];

/// The parameters of an `Authorization` header (values as text, unvalidated by [`Self::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Merchant id (in institutional mode the institution's `sp_mchid`).
    pub mchid: String,
    /// Request nonce.
    pub nonce_str: String,
    /// Unix seconds, as text.
    pub timestamp: String,
    /// Serial of the merchant's API certificate.
    pub serial_no: String,
    /// Base64 RSA signature.
    pub signature: String,
}

/// The order in which an SDK writes the parameters (all seen on the wire, notes W6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamOrder {
    /// `mchid,nonce_str,timestamp,serial_no,signature`: the documented order; wechatpay-go,
    /// wechatpay-java, wechatpay-apache-httpclient, wechatpay-node-v3.
    Documented,
    /// `mchid,serial_no,timestamp,nonce_str,signature`: wechatpay-php, wechatpay-axios-plugin.
    PhpAxios,
    /// `mchid,nonce_str,signature,timestamp,serial_no`: wechatpayv3 (Python).
    Python,
}

impl ParamOrder {
    /// Every order, for tests that try each.
    pub const ALL: [ParamOrder; 3] = [Self::Documented, Self::PhpAxios, Self::Python];

    /// The parameter names in this order.
    pub fn names(self) -> [&'static str; 5] {
        match self {
            Self::Documented => PARAMS,
            Self::PhpAxios => ["mchid", "serial_no", "timestamp", "nonce_str", "signature"],
            Self::Python => ["mchid", "nonce_str", "signature", "timestamp", "serial_no"],
        }
    }
}

/// The header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Longer than [`MAX_HEADER_LEN`].
    #[error("authorization header is {0} bytes, over the {MAX_HEADER_LEN}-byte limit")]
    TooLong(usize),
    /// The scheme is not [`SCHEME`] (the scheme text is not repeated: it is caller input).
    #[error("authorization scheme is not {SCHEME}")]
    Scheme,
    /// A parameter is not `name="value"`.
    #[error("authorization parameter {index} is not of the form name=\"value\"")]
    Syntax {
        /// 1-based position of the parameter.
        index: usize,
    },
    /// A parameter name other than the five.
    #[error("unknown authorization parameter {0}")]
    Unknown(String),
    /// A parameter given twice.
    #[error("duplicate authorization parameter {0}")]
    Duplicate(&'static str),
    /// A parameter not given.
    #[error("missing authorization parameter {0}")]
    Missing(&'static str),
    /// `timestamp` is not Unix seconds (1 to 18 ASCII digits).
    #[error("timestamp is not unix seconds (1 to 18 digits)")]
    Timestamp,
    /// `nonce_str` is not 1–32 ASCII letters and digits.
    #[error("nonce_str is not 1 to {MAX_NONCE_LEN} letters and digits")]
    Nonce,
}

impl Authorization {
    /// The header value, parameters in `order`, comma-separated without spaces (as every SDK).
    pub fn header_value(&self, order: ParamOrder) -> String {
        let params: Vec<String> = order
            .names()
            .iter()
            .map(|name| format!("{name}=\"{}\"", self.get(name)))
            .collect();
        format!("{SCHEME} {}", params.join(","))
    }

    /// Parses a header value. Checks syntax only; see [`Self::checked_timestamp`] and
    /// [`Self::check_nonce`] for the value forms.
    pub fn parse(header: &str) -> Result<Self, AuthError> {
        if header.len() > MAX_HEADER_LEN {
            return Err(AuthError::TooLong(header.len()));
        }
        let rest = header
            .strip_prefix(SCHEME)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or(AuthError::Scheme)?;
        let mut found: [Option<String>; 5] = Default::default();
        for (index, param) in rest.split(',').enumerate() {
            let param = if index == 0 {
                param
            } else {
                param.trim_start_matches([' ', '\t'])
            };
            let (name, value) = split_param(param).ok_or(AuthError::Syntax { index: index + 1 })?;
            let slot = PARAMS
                .iter()
                .position(|known| *known == name)
                .ok_or_else(|| AuthError::Unknown(printable(name)))?;
            if found[slot].is_some() {
                return Err(AuthError::Duplicate(PARAMS[slot]));
            }
            found[slot] = Some(value.to_owned());
        }
        let mut take = |slot: usize| found[slot].take().ok_or(AuthError::Missing(PARAMS[slot]));
        Ok(Self {
            mchid: take(0)?,
            nonce_str: take(1)?,
            timestamp: take(2)?,
            serial_no: take(3)?,
            signature: take(4)?,
        })
    }

    /// The timestamp as Unix seconds, if it is 1 to 18 ASCII digits.
    pub fn checked_timestamp(&self) -> Result<i64, AuthError> {
        let digits = &self.timestamp;
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AuthError::Timestamp);
        }
        digits.parse().map_err(|_| AuthError::Timestamp)
    }

    /// Whether the nonce is 1 to 32 ASCII letters and digits.
    pub fn check_nonce(&self) -> Result<(), AuthError> {
        let nonce = &self.nonce_str;
        let ok = (1..=MAX_NONCE_LEN).contains(&nonce.len())
            && nonce.bytes().all(|b| b.is_ascii_alphanumeric());
        if ok { Ok(()) } else { Err(AuthError::Nonce) }
    }

    fn get(&self, name: &str) -> &str {
        match name {
            "mchid" => &self.mchid,
            "nonce_str" => &self.nonce_str,
            "timestamp" => &self.timestamp,
            "serial_no" => &self.serial_no,
            _ => &self.signature,
        }
    }
}

impl fmt::Display for Authorization {
    /// The header value in the documented order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header_value(ParamOrder::Documented))
    }
}

/// `name="value"` with a non-empty token name and a value free of `"` and `\`.
fn split_param(param: &str) -> Option<(&str, &str)> {
    let (name, quoted) = param.split_once('=')?;
    let value = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let value_ok = !value.contains(['"', '\\']);
    (name_ok && value_ok).then_some((name, value))
}

/// A caller-supplied name, shortened for an error message.
fn printable(name: &str) -> String {
    name.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Authorization {
        Authorization {
            mchid: "1900009191".into(),
            nonce_str: "593BEC0C930BF1AFEB40B4A08C8FB242".into(),
            timestamp: "1554208460".into(),
            serial_no: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
            signature: "uOVRnA4qG/MNnYzdQxJanN+zU+lTgIcnU9BxGw5dKjK+VdEUz2FeIoC+D5sB/LN+nGzX3hfZg6r5wT1pl2ZobmIc6p0ldN7J6yDgUzbX8Uk3sD4a4eZVPTBvqNDoUqcYMlZ9uuDdCvNv4TM3c1WzsXUrExwVkI1XO5jCNbgDJ25nkT/c1gIFvqoogl7MdSFGc4W4xZsqCItnqbypR3RuGIlR9h9vlRsy7zJR9PBI83X8alLDIfR1ukt1P7tMnmogZ0cuDY8cZsd8ZlCgLadmvej58SLsIkVxFJ8XyUgx9FmutKSYTmYtWBZ0+tNvfGmbXU7cob8H/4nLBiCwIUFluw==".into(),
        }
    }

    #[test]
    fn every_sdk_order_round_trips() {
        let auth = sample();
        assert_eq!(
            auth.header_value(ParamOrder::Documented),
            format!(
                "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"{}\",timestamp=\"1554208460\",serial_no=\"{}\",signature=\"{}\"",
                auth.nonce_str, auth.serial_no, auth.signature
            )
        );
        for order in ParamOrder::ALL {
            let header = auth.header_value(order);
            let names: Vec<usize> = order
                .names()
                .iter()
                .map(|n| header.find(&format!("{n}=")).unwrap())
                .collect();
            assert!(names.is_sorted(), "{order:?} writes its names in order");
            assert_eq!(Authorization::parse(&header).unwrap(), auth, "{order:?}");
        }
        let spaced = auth
            .header_value(ParamOrder::Documented)
            .replace("\",", "\", ");
        assert_eq!(Authorization::parse(&spaced).unwrap(), auth);
        assert_eq!(auth.to_string(), auth.header_value(ParamOrder::Documented));
    }

    #[test]
    fn refusals_name_the_problem() {
        let good = sample().header_value(ParamOrder::Documented);
        let parse = |h: &str| Authorization::parse(h).unwrap_err();
        assert_eq!(
            parse(&good.replace("RSA2048 ", "RSA4096 ")),
            AuthError::Scheme
        );
        assert_eq!(
            parse(&good.replace("WECHATPAY2", "wechatpay2")),
            AuthError::Scheme
        );
        assert_eq!(parse("Bearer abc"), AuthError::Scheme);
        assert_eq!(parse(SCHEME), AuthError::Scheme);
        assert_eq!(
            parse(&good.replace("RSA2048 ", "RSA2048  ")),
            AuthError::Syntax { index: 1 }
        );
        assert_eq!(
            parse(&good.replace("mchid=\"1900009191\"", "mchid=1900009191")),
            AuthError::Syntax { index: 1 }
        );
        assert_eq!(
            parse(&good.replace(",nonce_str=", ",,nonce_str=")),
            AuthError::Syntax { index: 2 }
        );
        assert_eq!(parse(&format!("{good},")), AuthError::Syntax { index: 6 });
        assert_eq!(
            parse(&format!("{good},mchid=\"1\"")),
            AuthError::Duplicate("mchid")
        );
        assert_eq!(
            parse(&format!("{good},realm=\"x\"")),
            AuthError::Unknown("realm".into())
        );
        assert_eq!(
            parse(&good.replace(",timestamp=\"1554208460\"", "")),
            AuthError::Missing("timestamp")
        );
        assert_eq!(
            parse(&good.replace("mchid=", "MCHID=")),
            AuthError::Unknown("MCHID".into())
        );
        let long = format!("{good},x=\"{}\"", "a".repeat(MAX_HEADER_LEN));
        assert_eq!(parse(&long), AuthError::TooLong(long.len()));
    }

    #[test]
    fn value_forms() {
        let mut auth = sample();
        assert_eq!(auth.checked_timestamp(), Ok(1554208460));
        assert_eq!(auth.check_nonce(), Ok(()));
        for bad in ["", "-1", "1554208460000000000", "1e9", " 1"] {
            auth.timestamp = bad.into();
            assert_eq!(
                auth.checked_timestamp(),
                Err(AuthError::Timestamp),
                "{bad:?}"
            );
        }
        for (nonce, ok) in [
            ("a", true),
            ("k3v9x0q2zz", true),
            (&"A".repeat(33)[..], false),
            ("", false),
            ("ab-cd", false),
        ] {
            auth.nonce_str = nonce.into();
            assert_eq!(auth.check_nonce().is_ok(), ok, "{nonce:?}");
        }
    }
}
