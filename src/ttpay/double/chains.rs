//! What the double offers (CONTRACT C7): the chains, the currencies on each, the currency object
//! a query returns, and the arithmetic of amounts in minor and major units.

use serde_json::{Number, Value, json};

/// One currency on one chain, as the `currency` object of a TransactionDetail (Q4).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Currency {
    pub kind: String,
    pub chain: String,
    pub currency: String,
    pub name: String,
    pub sub_name: String,
    pub logo: String,
    pub contract_address: String,
    pub decimal: u32,
}

impl Currency {
    /// `CHAIN_CURRENCY`, e.g. `TRON_TRX`.
    pub fn code(&self) -> String {
        format!("{}_{}", self.chain, self.currency)
    }

    /// The object as the provider shows it.
    pub fn to_json(&self) -> Value {
        json!({
            "type": self.kind,
            "chain": self.chain,
            "code": self.code(),
            "currency": self.currency,
            "name": self.name,
            "sub_name": self.sub_name,
            "logo": self.logo,
            "contract_address": self.contract_address,
            "decimal": self.decimal,
        })
    }

    /// A currency the catalogue does not know, as a lax provider would make one up.
    pub fn made_up(chain: &str, currency: &str) -> Currency {
        Currency {
            kind: currency.to_owned(),
            chain: chain.to_owned(),
            currency: currency.to_owned(),
            name: currency.to_owned(),
            sub_name: chain.to_owned(),
            logo: String::new(),
            contract_address: String::new(),
            decimal: 6,
        }
    }
}

/// (chain, currency, type, name, sub_name, contract address, decimals)
const CATALOGUE: &[(&str, &str, &str, &str, &str, &str, u32)] = &[
    ("TRON", "TRX", "TRX", "TRX", "TRON", "", 6),
    (
        "TRON",
        "USDT",
        "TRC20",
        "Tether USD",
        "TRC20",
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        6,
    ),
    ("ETHEREUM", "ETH", "ETH", "ETH", "ETHEREUM", "", 18),
    (
        "ETHEREUM",
        "USDT",
        "ERC20",
        "Tether USD",
        "ERC20",
        "0xdAC17F958D2ee523a2206206994597C13D831ec7",
        6,
    ),
    ("BSC", "BNB", "BNB", "BNB", "BSC", "", 18),
    (
        "BSC",
        "USDT",
        "BEP20",
        "Tether USD",
        "BEP20",
        "0x55d398326f99059fF775485246999027B3197955",
        18,
    ),
];

/// Whether the double offers `chain` at all.
pub(crate) fn is_chain(chain: &str) -> bool {
    CATALOGUE.iter().any(|entry| entry.0 == chain)
}

/// `currency` on `chain`, when the double offers it there.
pub(crate) fn currency(chain: &str, currency: &str) -> Option<Currency> {
    CATALOGUE
        .iter()
        .find(|entry| entry.0 == chain && entry.1 == currency)
        .map(
            |&(chain, currency, kind, name, sub_name, contract, decimal)| Currency {
                kind: kind.to_owned(),
                chain: chain.to_owned(),
                currency: currency.to_owned(),
                name: name.to_owned(),
                sub_name: sub_name.to_owned(),
                logo: format!(
                    "https://static.double.invalid/logo/{}.png",
                    currency.to_ascii_lowercase()
                ),
                contract_address: contract.to_owned(),
                decimal,
            },
        )
}

/// `currency` as offered on some other chain, moved to `chain` (what a provider that does not
/// check the pair would store); made up when no chain offers it.
pub(crate) fn currency_anywhere(chain: &str, code: &str) -> Currency {
    CATALOGUE
        .iter()
        .find(|entry| entry.1 == code)
        .and_then(|entry| currency(entry.0, code))
        .map(|found| Currency {
            chain: chain.to_owned(),
            ..found
        })
        .unwrap_or_else(|| Currency::made_up(chain, code))
}

/// The platform's collection wallet on `chain`, shown for platform orders sent without one.
pub(crate) fn platform_address(chain: &str) -> &'static str {
    match chain {
        "TRON" => "TDoub1ePlatformCollectionWalletXXX",
        _ => "0x00000000000000000000000000000000d0ab1e01",
    }
}

/// `amount` × 10^`decimals`, exact where the result is an integer that fits in `u64`.
pub(crate) fn scale_up(amount: &Number, decimals: u32) -> Option<Number> {
    if let Some(whole) = amount.as_u64() {
        if let Some(scaled) = 10u64
            .checked_pow(decimals)
            .and_then(|factor| whole.checked_mul(factor))
        {
            return Some(Number::from(scaled));
        }
    } else if let Some(exact) = shift_decimal_point(&amount.to_string(), decimals) {
        return Some(Number::from(exact));
    }
    let scaled = amount.as_f64()? * 10f64.powi(i32::try_from(decimals).ok()?);
    Number::from_f64(scaled)
}

/// `amount` ÷ 10^`decimals`: an integer when it divides, a float otherwise.
pub(crate) fn scale_down(amount: &Number, decimals: u32) -> Option<Number> {
    if let (Some(whole), Some(factor)) = (amount.as_u64(), 10u64.checked_pow(decimals))
        && whole % factor == 0
    {
        return Some(Number::from(whole / factor));
    }
    let scaled = amount.as_f64()? / 10f64.powi(i32::try_from(decimals).ok()?);
    Number::from_f64(scaled)
}

/// The provider's fee: 0.3 % of the amount, in the same unit.
pub(crate) fn service_amount(amount: &Number) -> Number {
    match amount.as_u64() {
        Some(whole) => Number::from(whole / 1000 * 3 + whole % 1000 * 3 / 1000),
        None => amount
            .as_f64()
            .and_then(|value| Number::from_f64(value * 0.003))
            .unwrap_or_else(|| Number::from(0)),
    }
}

/// "9.5" with 6 decimals is 9500000, by moving the point in the text: no float rounding.
/// `None` when the result is not a whole number that fits in `u64`.
fn shift_decimal_point(text: &str, decimals: u32) -> Option<u64> {
    if text.starts_with('-') {
        return None;
    }
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent.parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let point = i64::try_from(whole.len()).ok()? + exponent + i64::from(decimals);
    let point = usize::try_from(point.clamp(0, 64)).ok()?;
    let (int, rest) = digits.split_at(point.min(digits.len()));
    if !rest.bytes().all(|b| b == b'0') {
        return None;
    }
    let zeros = "0".repeat(point.saturating_sub(digits.len()));
    format!("0{int}{zeros}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn catalogue_has_the_documented_pairs() {
        for (chain, code, decimal) in [
            ("TRON", "TRX", 6),
            ("TRON", "USDT", 6),
            ("ETHEREUM", "ETH", 18),
            ("ETHEREUM", "USDT", 6),
            ("BSC", "BNB", 18),
            ("BSC", "USDT", 18),
        ] {
            let found = currency(chain, code).unwrap();
            assert_eq!(found.decimal, decimal);
            assert_eq!(found.code(), format!("{chain}_{code}"));
        }
        assert!(currency("TRON", "BNB").is_none());
        assert!(!is_chain("tron"));
        assert_eq!(currency_anywhere("TRON", "BNB").decimal, 18);
        assert_eq!(currency_anywhere("TRON", "BNB").chain, "TRON");
        assert_eq!(currency_anywhere("X", "DOGE").decimal, 6);
    }

    #[test]
    fn major_units_scale_exactly() {
        assert_eq!(scale_up(&number("9"), 6), Some(number("9000000")));
        assert_eq!(scale_up(&number("9.5"), 6), Some(number("9500000")));
        assert_eq!(scale_up(&number("0.000001"), 6), Some(number("1")));
        assert_eq!(scale_up(&number("1.5e-5"), 6), Some(number("15")));
        assert_eq!(scale_up(&number("2.5e1"), 6), Some(number("25000000")));
        assert!(scale_up(&number("0.0000001"), 6).unwrap().is_f64());
        assert_eq!(
            scale_up(&number("1"), 18),
            Some(number("1000000000000000000"))
        );
        assert!(scale_up(&number("100"), 18).unwrap().is_f64());
        assert_eq!(scale_down(&number("15000000"), 6), Some(number("15")));
        assert_eq!(scale_down(&number("1500000"), 6), Some(number("1.5")));
    }

    #[test]
    fn fee_is_three_per_mille() {
        assert_eq!(service_amount(&number("15000000")), number("45000"));
        assert_eq!(service_amount(&number("999")), number("2"));
    }
}
