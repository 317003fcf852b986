//! The forms of WeChat Pay's identifiers, checked when a run is configured (before anything is
//! sent): a CR/LF, a separator or a stray character in one of them is a setup mistake, not the
//! provider's. The forms are the ones the pages and SDKs give
//! (`/work/shared/wechatpay-global-notes.md`): a merchant id is digits (`1900000109`,
//! `string(32)`); an app id letters and digits (`wxd678efh567hg6787`, `string(32)`); a merchant
//! certificate serial hexadecimal (`3775B6A45ACD588826D15E583A95F5DD12345678`, W6.8); a platform
//! public key id `PUB_KEY_ID_` and digits (`PUB_KEY_ID_0000000000000024101100397200000006`,
//! W6.8); an `out_trade_no` letters, digits and `_-*|` (`string(32)`, W1.3).

use crate::error::ConfigError;
use crate::settings::checks::of_form;

/// `WECHATPAY_*MCHID`: 1 to 32 digits.
pub fn mchid(name: &str, value: &str) -> Result<(), ConfigError> {
    of_form(name, value, "1 to 32 digits", "1900000109", |v| {
        v.len() <= 32 && v.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `WECHATPAY_*APPID`: 1 to 32 letters, digits or `_`.
pub fn appid(name: &str, value: &str) -> Result<(), ConfigError> {
    of_form(
        name,
        value,
        "1 to 32 letters, digits or `_`",
        "wxd678efh567hg6787",
        |v| v.len() <= 32 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
    )
}

/// `WECHATPAY_*SERIAL_NO`: the certificate serial in hexadecimal (at most 64 digits).
pub fn serial_no(name: &str, value: &str) -> Result<(), ConfigError> {
    of_form(
        name,
        value,
        "the API certificate's serial number in hexadecimal",
        "3775B6A45ACD588826D15E583A95F5DD12345678",
        |v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_hexdigit()),
    )
}

/// `WECHATPAY_PUBLIC_KEY_ID`: `PUB_KEY_ID_` and 1 to 64 letters or digits.
pub fn public_key_id(name: &str, value: &str) -> Result<(), ConfigError> {
    of_form(
        name,
        value,
        "`PUB_KEY_ID_` and digits",
        "PUB_KEY_ID_0000000000000024101100397200000006",
        |v| {
            v.strip_prefix("PUB_KEY_ID_").is_some_and(|rest| {
                (1..=64).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            })
        },
    )
}

/// `WECHATPAY_PAID_OUT_TRADE_NO`: 1 to 32 letters, digits or `_-*|`.
pub fn out_trade_no(name: &str, value: &str) -> Result<(), ConfigError> {
    of_form(
        name,
        value,
        "1 to 32 letters, digits or `_-*|`",
        "1217752501201407033233368018",
        |v| {
            v.len() <= 32
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-*|".contains(&b))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_forms_pass_and_others_are_named() {
        assert!(mchid("M", "1900000109").is_ok());
        assert!(appid("A", "wxd678efh567hg6787").is_ok());
        assert!(serial_no("S", "3775B6A45ACD588826D15E583A95F5DD12345678").is_ok());
        assert!(serial_no("S", "3775b6a4").is_ok());
        assert!(public_key_id("P", "PUB_KEY_ID_0000000000000024101100397200000006").is_ok());
        assert!(out_trade_no("O", "PAID-1*a|b_c").is_ok());
        for (check, bad) in [
            (
                mchid as fn(&str, &str) -> Result<(), ConfigError>,
                "1900,000109",
            ),
            (mchid, "19000001O9"),
            (appid, "wx-d678"),
            (serial_no, "3775B6A45ACD5888\r\nX-A: b"),
            (serial_no, "SERIAL-G"),
            (public_key_id, "0000000000000024101100397200000006"),
            (public_key_id, "PUB_KEY_ID_"),
            (out_trade_no, "a/b"),
        ] {
            let e = check("WECHATPAY_X", bad).unwrap_err().to_string();
            assert!(e.starts_with("WECHATPAY_X "), "{e}");
            assert!(!e.contains('\r'), "{e}");
        }
    }
}
