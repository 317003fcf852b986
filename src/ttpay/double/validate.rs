//! What a request says and whether the provider accepts it (CONTRACT C1–C4, Q2, X5, T5): the
//! parameters (JSON body, query string), the caller's `mch_id`, the required create fields
//! (else 11003) and their values (else 100). Nothing here panics, whatever the input.

use http::Method;
use serde_json::{Map, Number, Value};

use crate::double::server::DoubleRequest;

use super::Fault;
use super::chains::{self, Currency};
use super::envelope::code;
use super::state::random_hex;
use crate::ttpay::AmountUnit;

/// A request's parameters: the JSON body's members, then any query-string pairs not in it.
pub(crate) type Params = Map<String, Value>;

/// Longest text value accepted, in bytes.
const MAX_TEXT: usize = 4096;

/// The fields a create must carry (C1).
const REQUIRED: [&str; 7] = [
    "mch_id",
    "out_trade_no",
    "expire_second",
    "amount",
    "chain",
    "currency",
    "order_type",
];

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub code: i64,
    pub msg: String,
    /// The value has the wrong JSON type (what crashes a `502-on-wrong-type` backend).
    pub wrong_type: bool,
}

impl Invalid {
    fn value(msg: impl Into<String>) -> Invalid {
        Invalid {
            code: code::PARAMETER,
            msg: msg.into(),
            wrong_type: false,
        }
    }

    fn wrong_type(field: &str, expected: &str) -> Invalid {
        Invalid {
            wrong_type: true,
            ..Invalid::value(format!("{field} must be {expected}"))
        }
    }

    fn missing(fields: &str) -> Invalid {
        Invalid {
            code: code::MISSING,
            msg: format!("missing required parameter: {fields}"),
            wrong_type: false,
        }
    }
}

/// The parameters, or `None` when a body is present (always, for POST) and is not a JSON object.
pub(crate) fn params(request: &DoubleRequest) -> Option<Params> {
    let mut params = if request.method == Method::GET && request.body.is_empty() {
        Params::new()
    } else {
        match serde_json::from_slice(&request.body) {
            Ok(Value::Object(members)) => members,
            _ => return None,
        }
    };
    for (key, value) in query_pairs(request.query.as_deref().unwrap_or_default()) {
        params.entry(key).or_insert(Value::String(value));
    }
    Some(params)
}

/// The `application/x-www-form-urlencoded` pairs of a query string (`+` is a space).
fn query_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let decode = |text: &str| {
        let spaced = text.replace('+', " ");
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(move |pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
}

/// Absent and `null` are the same.
fn present<'a>(params: &'a Params, key: &str) -> Option<&'a Value> {
    params.get(key).filter(|value| !value.is_null())
}

/// The required create fields that are absent or `null`.
pub(crate) fn missing_fields(params: &Params) -> Result<(), Invalid> {
    let missing: Vec<&str> = REQUIRED
        .into_iter()
        .filter(|key| present(params, key).is_none())
        .collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(Invalid::missing(&missing.join(", "))),
    }
}

/// What a lax provider assumes for a missing create field.
pub(crate) fn fill_defaults(params: &mut Params, mch_id: &str) {
    let defaults = [
        ("mch_id", Value::from(mch_id)),
        (
            "out_trade_no",
            Value::from(format!("AUTO-{}", random_hex(16))),
        ),
        ("expire_second", Value::from(3600)),
        ("amount", Value::from(1_000_000)),
        ("chain", Value::from("TRON")),
        ("currency", Value::from("USDT")),
        ("order_type", Value::from("platform_order")),
    ];
    for (key, default) in defaults {
        if present(params, key).is_none() {
            params.insert(key.to_owned(), default);
        }
    }
}

/// `mch_id` must be the caller's (C3); absent is refused when `required`.
pub(crate) fn check_mch_id(
    params: &Params,
    own: &str,
    required: bool,
    allow_foreign: bool,
) -> Result<(), Invalid> {
    let given = match present(params, "mch_id") {
        None if required => return Err(Invalid::missing("mch_id")),
        None => return Ok(()),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        Some(_) => return Err(Invalid::wrong_type("mch_id", "a string")),
    };
    match given == own || allow_foreign {
        true => Ok(()),
        false => Err(Invalid::value("mch_id does not belong to this application")),
    }
}

/// An optional text parameter: absent, `null` and `""` are `None`.
pub(crate) fn optional_text(params: &Params, key: &str) -> Result<Option<String>, Invalid> {
    match present(params, key) {
        None => Ok(None),
        Some(Value::String(text)) if text.len() > MAX_TEXT => {
            Err(Invalid::value(format!("{key} is too long")))
        }
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(Invalid::wrong_type(key, "a string")),
    }
}

/// A required text parameter, already known to be present.
fn required_text(params: &Params, key: &str) -> Result<String, Invalid> {
    optional_text(params, key)?.ok_or_else(|| Invalid::value(format!("{key} must not be empty")))
}

/// A create that passed validation, its amount in minor units.
#[derive(Debug, Clone)]
pub(crate) struct NewOrder {
    pub out_trade_no: String,
    pub description: String,
    pub attach: Option<String>,
    pub to_address: Option<String>,
    pub notify_url: String,
    pub amount: Number,
    pub currency: Currency,
    pub expire_second: i64,
}

/// Checks every create value (C3, C4). The required fields must be present.
pub(crate) fn new_order(
    params: &Params,
    fault: Option<Fault>,
    unit: AmountUnit,
) -> Result<NewOrder, Invalid> {
    let has = |f: Fault| fault == Some(f);
    let out_trade_no = required_text(params, "out_trade_no")?;
    let amount = amount(params, has(Fault::AmountStringAccepted))?;
    if amount.as_f64().is_none_or(|value| value <= 0.0) && !has(Fault::NegativeAmountAccepted) {
        return Err(Invalid::value("amount must be greater than 0"));
    }
    let expire_second = expire_second(params, has(Fault::FractionalExpireAccepted))?;
    if expire_second <= 0 && !has(Fault::ZeroExpireAccepted) {
        return Err(Invalid::value("expire_second must be greater than 0"));
    }
    let chain = required_text(params, "chain")?;
    let code = required_text(params, "currency")?;
    let currency = match (chains::is_chain(&chain), chains::currency(&chain, &code)) {
        (_, Some(currency)) => currency,
        (false, None) if has(Fault::UnknownChainAccepted) => Currency::made_up(&chain, &code),
        (false, None) => return Err(Invalid::value(format!("unsupported chain: {chain}"))),
        (true, None) if has(Fault::CurrencyNotOnChainAccepted) => {
            chains::currency_anywhere(&chain, &code)
        }
        (true, None) => {
            return Err(Invalid::value(format!(
                "currency {code} is not offered on {chain}"
            )));
        }
    };
    let order_type = required_text(params, "order_type")?;
    if !matches!(order_type.as_str(), "platform_order" | "merchant_order")
        && !has(Fault::UnknownOrderTypeAccepted)
    {
        return Err(Invalid::value(format!(
            "unsupported order_type: {order_type}"
        )));
    }
    if let Some(locale) = optional_text(params, "locale")?
        && !matches!(locale.as_str(), "zh_cn" | "en")
        && !has(Fault::UnknownLocaleAccepted)
    {
        return Err(Invalid::value(format!("unsupported locale: {locale}")));
    }
    let to_address = optional_text(params, "to_address")?;
    if order_type == "merchant_order"
        && to_address.is_none()
        && !has(Fault::MonitorOrderWithoutAddress)
    {
        return Err(Invalid::value(
            "to_address is required for a merchant_order",
        ));
    }
    optional_text(params, "return_url")?;
    let amount = match unit {
        AmountUnit::Minor => amount,
        AmountUnit::Major => chains::scale_up(&amount, currency.decimal)
            .ok_or_else(|| Invalid::value("amount is out of range"))?,
    };
    // The order holds the smallest unit: a fraction of it is not an amount (C3, C7).
    if !is_whole(&amount) {
        let msg = match unit {
            AmountUnit::Minor => {
                "amount must be an integer in the currency's smallest unit".to_owned()
            }
            AmountUnit::Major => {
                format!("amount has more than {} decimal places", currency.decimal)
            }
        };
        return Err(Invalid::value(msg));
    }
    Ok(NewOrder {
        out_trade_no,
        description: optional_text(params, "description")?.unwrap_or_default(),
        attach: optional_text(params, "attach")?,
        to_address,
        notify_url: optional_text(params, "notify_url")?.unwrap_or_default(),
        amount,
        currency,
        expire_second,
    })
}

/// Whether `amount` is an integer (a float with no fractional part counts).
fn is_whole(amount: &Number) -> bool {
    amount.is_i64()
        || amount.is_u64()
        || amount
            .as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

/// `amount`: a JSON number (or, when `lax`, a string holding one).
fn amount(params: &Params, lax: bool) -> Result<Number, Invalid> {
    match present(params, "amount") {
        Some(Value::Number(number)) => Ok(number.clone()),
        Some(Value::String(text)) if lax => {
            serde_json::from_str(text.trim()).map_err(|_| Invalid::wrong_type("amount", "a number"))
        }
        _ => Err(Invalid::wrong_type("amount", "a number")),
    }
}

/// `expire_second`: a JSON integer (or, when `lax`, any number or numeric string, truncated).
fn expire_second(params: &Params, lax: bool) -> Result<i64, Invalid> {
    let value = present(params, "expire_second");
    if let Some(whole) = value.and_then(Value::as_i64) {
        return Ok(whole);
    }
    let lax_value = match value {
        Some(Value::Number(number)) => number.as_f64(),
        Some(Value::String(text)) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    match (value, lax_value) {
        (_, Some(float)) if lax && float.is_finite() => Ok(float.trunc() as i64),
        (Some(Value::Number(_)), _) => Err(Invalid::value("expire_second must be an integer")),
        _ => Err(Invalid::wrong_type("expire_second", "an integer")),
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
