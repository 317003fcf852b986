//! C7: the `amount` a query returns reads one of two ways — **as sent**, or **× 10^decimals** —
//! and every order of a run the same way. The first order whose query shows an amount decides
//! the run's reading (once, race-free: [`RunReading`]); every later order is held to it.
//! Numbers compare by exact decimal value (`15000000` = `1.5e7`) and print as the JSON had them.

use std::sync::OnceLock;

use serde_json::{Map, Number, Value};

use crate::checks::matcher::show;

/// How a provider's query reports the amount a create sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The number create sent, unchanged.
    Sent,
    /// The number create sent × 10^`decimals`.
    Scaled,
}

impl Reading {
    /// `as sent` / `× 10^decimals`.
    pub fn name(self) -> &'static str {
        match self {
            Reading::Sent => "as sent",
            Reading::Scaled => "× 10^decimals",
        }
    }

    /// The run's observation, in words that do not depend on which order decided.
    pub fn observation(self) -> &'static str {
        match self {
            Reading::Sent => {
                "amounts are returned as sent (the run's reading: every order was held to it)"
            }
            Reading::Scaled => {
                "amounts are returned scaled by 10^decimals (the run's reading: every order was held to it)"
            }
        }
    }

    /// The key a record notes (`as_sent`, `scaled`).
    pub fn key(self) -> &'static str {
        match self {
            Reading::Sent => "as_sent",
            Reading::Scaled => "scaled",
        }
    }
}

/// The run's reading: decided by the first order that shows one, then fixed.
#[derive(Debug, Default)]
pub struct RunReading(OnceLock<Reading>);

impl RunReading {
    /// The reading the run holds orders to after this order read as `reading`: the first
    /// caller decides (and only one does, whatever the concurrency).
    pub fn hold(&self, reading: Reading) -> Reading {
        *self.0.get_or_init(|| reading)
    }

    /// The run's reading, once decided.
    pub fn get(&self) -> Option<Reading> {
        self.0.get().copied()
    }
}

/// Which readings an order's amount fits.
#[derive(Debug, Clone, PartialEq)]
enum Fit {
    /// Both at once (0 decimals): it decides nothing.
    Both,
    One(Reading),
    Neither,
}

/// C7 for one order: `(pointer, expected, actual)` when its amount fits neither reading, or
/// not the run's. Nothing to say when create sent no number or the detail has no amount field
/// (Q4 says that).
pub fn judge(
    sent: &Map<String, Value>,
    detail: &Map<String, Value>,
    run: &RunReading,
) -> Vec<(String, String, String)> {
    let Some(Value::Number(amount)) = sent.get("amount") else {
        return Vec::new();
    };
    let Some(actual) = detail.get("amount") else {
        return Vec::new();
    };
    let decimals = detail
        .get("decimals")
        .and_then(Value::as_u64)
        .and_then(|d| u32::try_from(d).ok())
        .filter(|d| *d <= 64);
    let as_sent = amount.to_string();
    let scaled = decimals.and_then(|d| scale(amount, d));
    let fits = |text: &str| match actual {
        Value::Number(n) => same_number(&n.to_string(), text),
        _ => false,
    };
    let fit = match (fits(&as_sent), scaled.as_deref().is_some_and(fits)) {
        (true, true) => Fit::Both,
        (true, false) => Fit::One(Reading::Sent),
        (false, true) => Fit::One(Reading::Scaled),
        (false, false) => Fit::Neither,
    };
    let both = match (&scaled, decimals) {
        (Some(scaled), Some(d)) => {
            format!("{as_sent} (as sent) or {scaled} (× 10^decimals, decimals {d})")
        }
        _ => format!("{as_sent} (as sent; no usable decimals to scale by)"),
    };
    let expected_of = |reading: Reading| match reading {
        Reading::Sent => as_sent.clone(),
        Reading::Scaled => scaled.clone().unwrap_or_else(|| "(unknown)".into()),
    };
    let pointer = "/data/amount".to_owned();
    match fit {
        Fit::Both => Vec::new(),
        Fit::One(reading) => {
            let held = run.hold(reading);
            if held == reading {
                return Vec::new();
            }
            vec![(
                pointer,
                format!(
                    "{} ({}: the run's reading, decided by an earlier order; readings: {both})",
                    expected_of(held),
                    held.name()
                ),
                format!(
                    "{} ({}: the other reading)",
                    show(Some(actual)),
                    reading.name()
                ),
            )]
        }
        Fit::Neither => {
            let run_says = match run.get() {
                Some(held) => format!("; the run reads {}: {}", held.name(), expected_of(held)),
                None => String::new(),
            };
            vec![(
                pointer,
                format!("{both}{run_says}"),
                format!("{} (fits neither reading)", show(Some(actual))),
            )]
        }
    }
}

/// `amount` × 10^`decimals` as exact decimal text (`15` with 6 → `15000000`, `13.99` with 18
/// → `13990000000000000000`). `None` for what is not a plain decimal number.
fn scale(amount: &Number, decimals: u32) -> Option<String> {
    let (negative, digits, exponent) = decimal(&amount.to_string())?;
    Some(text(negative, &digits, exponent + i64::from(decimals)))
}

/// Whether two number texts have the same exact decimal value.
fn same_number(a: &str, b: &str) -> bool {
    match (decimal(a), decimal(b)) {
        (Some(x), Some(y)) if x == y => true,
        // Past what a double holds exactly (more than 15 significant digits, or over 2^53),
        // a provider computing in floating point answers the nearest double it gets: equal
        // within a few units in the last place is the same number (13.99 TRX × 10^18).
        (Some((_, dx, _)), Some((_, dy, _))) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(fa), Ok(fb)) => {
                let big = fa.abs().max(fb.abs());
                (dx.len().max(dy.len()) > 15 || big >= 9_007_199_254_740_992.0)
                    && (fa - fb).abs() <= big * 4.0 * f64::EPSILON
            }
            _ => false,
        },
        _ => false,
    }
}

/// A number's text as (negative, significant digits, exponent): value = digits × 10^exponent,
/// with no leading or trailing zeros in `digits` (zero is `("0", 0)`, never negative).
fn decimal(text: &str) -> Option<(bool, String, i64)> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    if exponent.abs() > 4096 {
        return None;
    }
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let all = format!("{whole}{fraction}");
    let mut exponent = exponent - i64::try_from(fraction.len()).ok()?;
    let trimmed = all.trim_start_matches('0');
    if trimmed.is_empty() {
        return Some((false, "0".into(), 0));
    }
    let significant = trimmed.trim_end_matches('0');
    exponent += i64::try_from(trimmed.len() - significant.len()).ok()?;
    Some((negative, significant.to_owned(), exponent))
}

/// The plain decimal text of digits × 10^exponent.
fn text(negative: bool, digits: &str, exponent: i64) -> String {
    let sign = if negative { "-" } else { "" };
    let len = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let body = if exponent >= 0 {
        format!("{digits}{}", "0".repeat(exponent as usize))
    } else if -exponent < len {
        let point = (len + exponent) as usize;
        format!("{}.{}", &digits[..point], &digits[point..])
    } else {
        format!("0.{}{digits}", "0".repeat((-exponent - len) as usize))
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn order(amount: Value) -> Map<String, Value> {
        json!({ "amount": amount }).as_object().cloned().unwrap()
    }

    fn detail(amount: Value, decimals: u64) -> Map<String, Value> {
        json!({ "amount": amount, "decimals": decimals })
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn scaling_is_exact_and_prints_as_json_would() {
        assert_eq!(scale(&Number::from(15), 6).unwrap(), "15000000");
        let n = |t: &str| serde_json::from_str::<Number>(t).unwrap();
        assert_eq!(scale(&n("13.99"), 18).unwrap(), "13990000000000000000");
        assert_eq!(scale(&n("0.000001"), 6).unwrap(), "1");
        assert_eq!(scale(&n("1.5e-7"), 6).unwrap(), "0.15");
        assert!(same_number("15000000", "1.5e7"));
        assert!(same_number("15000000.0", "15000000"));
        assert!(!same_number("15000001", "15000000"));
        assert!(same_number("0", "0.000"));
    }

    #[test]
    fn the_first_order_decides_and_later_ones_are_held_to_it() {
        let run = RunReading::default();
        assert!(judge(&order(json!(15)), &detail(json!(15), 6), &run).is_empty());
        assert_eq!(run.get(), Some(Reading::Sent));
        let found = judge(&order(json!(15)), &detail(json!(15_000_000), 6), &run);
        assert_eq!(found.len(), 1, "{found:?}");
        let (pointer, expected, actual) = &found[0];
        assert_eq!(pointer, "/data/amount");
        assert!(
            expected.starts_with("15 (as sent: the run's reading"),
            "{expected}"
        );
        assert!(expected.contains("15000000 (× 10^decimals"), "{expected}");
        assert!(!expected.contains("15000000.0"), "{expected}");
        assert_eq!(actual, "15000000 (× 10^decimals: the other reading)");
        // The run's reading stays what the first order said.
        assert_eq!(run.get(), Some(Reading::Sent));
    }

    #[test]
    fn the_scaled_reading_holds_as_well() {
        let run = RunReading::default();
        let found = judge(&order(json!(15)), &detail(json!(15_000_000.0), 6), &run);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(run.get(), Some(Reading::Scaled));
        assert!(judge(&order(json!(9)), &detail(json!(9_000_000), 6), &run).is_empty());
        assert_eq!(judge(&order(json!(9)), &detail(json!(9), 6), &run).len(), 1);
    }

    #[test]
    fn an_amount_that_fits_neither_names_both_readings() {
        let run = RunReading::default();
        let found = judge(&order(json!(15)), &detail(json!(150), 6), &run);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            "15 (as sent) or 15000000 (× 10^decimals, decimals 6)"
        );
        assert_eq!(found[0].2, "150 (fits neither reading)");
        // Past a double's precision, the nearest double is the same number; below it, one
        // unit off is not.
        assert!(same_number(
            "2.7700559000000004e+23",
            "277005590000000000000000"
        ));
        assert!(!same_number("15000001", "15000000"));
        assert!(!same_number("2.78e+23", "277005590000000000000000"));
        assert_eq!(run.get(), None, "it decides nothing");
        let found = judge(&order(json!(15)), &detail(json!("15"), 6), &run);
        assert_eq!(found[0].2, "\"15\" (fits neither reading)");
    }

    #[test]
    fn zero_decimals_fit_both_and_decide_nothing() {
        let run = RunReading::default();
        assert!(judge(&order(json!(15)), &detail(json!(15), 0), &run).is_empty());
        assert_eq!(run.get(), None);
    }

    #[test]
    fn concurrent_orders_agree_on_one_reading() {
        let run = std::sync::Arc::new(RunReading::default());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let run = std::sync::Arc::clone(&run);
                std::thread::spawn(move || {
                    let reading = if i % 2 == 0 {
                        Reading::Sent
                    } else {
                        Reading::Scaled
                    };
                    run.hold(reading)
                })
            })
            .collect();
        let held: Vec<Reading> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(held.iter().all(|r| Some(*r) == run.get()), "{held:?}");
    }
}
