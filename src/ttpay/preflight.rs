//! The preflight of a remote run: before any scenario, a few signed queries decide whether
//! the target speaks the TTPay API and accepts these credentials and settings. If it does
//! not, the run stops with one diagnosis (exit 2) instead of a page of deviations that are
//! the configuration's fault. It also checks the paid-order fixture.
//!
//! The probes: a query of an order that cannot exist, as configured (a conforming target
//! answers 12002); if that is refused for the signature (103), its timestamp (104) or the
//! method, the same query with the other timestamp unit and the other query method, so that
//! the diagnosis can say which setting the target wants.

use serde_json::{Value, json};

use super::client::{ClientSettings, Payload, Tamper, TtpayClient, TtpayExchange as _};
use super::{Endpoint, Merchant, QueryMethod, TimestampUnit};
use crate::error::ConfigError;
use crate::exchange::Exchange;
use crate::preflight::diagnosis;
use crate::world::fresh_id;

/// What the preflight found that the run must know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preflight {
    /// Why the `@needs-paid-order` scenarios cannot run, when the fixture is not a paid order.
    pub paid_order_problem: Option<String>,
}

/// How one probe was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// The target understood the query (any code but the ones below, or a lenient read of
    /// the envelope): the scenarios will judge the rest.
    Understood(Option<i64>),
    /// A business code that says the request, not the order, is wrong.
    Refused(i64, String),
    /// Not the API: no envelope, and a status other than 200.
    NotTheApi { status: u16, mime: String },
    /// No answer at all.
    Unreachable(String),
}

/// Codes that refuse the caller or the request rather than the order.
const SIGNATURE: i64 = 103;
const EXPIRED: i64 = 104;
const NO_APP: [i64; 2] = [20000, 20001];
const PARAMETER: [i64; 3] = [100, 11003, 20005];

/// Probes the target at `settings.base_url` with `merchant`; `make` builds a client for other
/// settings. `Err` is the diagnosis.
pub async fn run(
    make: &dyn Fn(ClientSettings) -> TtpayClient,
    settings: &ClientSettings,
    merchant: &Merchant,
    paid_out_trade_no: Option<&str>,
) -> Result<Preflight, ConfigError> {
    let client = make(settings.clone());
    let first = probe(&client, merchant).await;
    match &first {
        Answer::Understood(_) => {}
        // The network's, not the configuration's: the scenarios will be inconclusive (exit 3).
        Answer::Unreachable(_) => return Ok(Preflight::default()),
        Answer::NotTheApi { status, mime } => {
            let hint = if settings.base_url.trim_end_matches('/').ends_with("/v1") {
                "--base-url ends with /v1: give the host only (the suite adds /v1/transaction/…)"
            } else {
                "is --base-url the host, without /v1?"
            };
            return Err(crate::preflight::not_the_api(
                "TTPay",
                *status,
                mime,
                &settings.base_url,
                Endpoint::Query.path(),
                hint,
            ));
        }
        Answer::Refused(code, msg) => {
            return Err(refused(make, settings, merchant, *code, msg).await);
        }
    }
    Ok(Preflight {
        paid_order_problem: match paid_out_trade_no {
            Some(id) => paid_order(&client, merchant, id).await,
            None => None,
        },
    })
}

/// The diagnosis of a refusal, after trying the other settings.
async fn refused(
    make: &dyn Fn(ClientSettings) -> TtpayClient,
    settings: &ClientSettings,
    merchant: &Merchant,
    code: i64,
    msg: &str,
) -> ConfigError {
    if NO_APP.contains(&code) {
        return diagnosis(format!(
            "the target does not know our application ({code} {msg:?}) for every request: check TTPAY_APP_ID (and that it is enabled on this host)"
        ));
    }
    if PARAMETER.contains(&code) {
        // A method the target does not take is refused as a parameter error too.
        let other = flip_method(settings);
        if let Answer::Understood(_) = probe(&make(other.clone()), merchant).await {
            return diagnosis(format!(
                "the target refuses a query sent as {} ({code} {msg:?}) and answers it sent as {}: run with --query-method {}",
                settings.query_method, other.query_method, other.query_method
            ));
        }
        return diagnosis(format!(
            "the target refuses our query of an order that cannot exist as a bad request ({code} {msg:?}): check TTPAY_MCH_ID (the merchant of TTPAY_APP_ID)"
        ));
    }
    // 103 or 104: try the other timestamp unit, then the other query method.
    let other_unit = flip_unit(settings);
    let other_answer = probe(&make(other_unit.clone()), merchant).await;
    let unit_name = |u: TimestampUnit| match u {
        TimestampUnit::Ms => "milliseconds",
        TimestampUnit::S => "seconds",
    };
    let tried = format!(
        "the target answered {code} to {} and {} to {}",
        unit_name(settings.timestamp_unit),
        show(&other_answer),
        unit_name(other_unit.timestamp_unit)
    );
    if matches!(other_answer, Answer::Understood(_)) {
        return diagnosis(format!(
            "the target refuses our timestamps ({tried}): run with --timestamp-unit {}",
            other_unit.timestamp_unit
        ));
    }
    let other_method = flip_method(settings);
    if matches!(
        probe(&make(other_method.clone()), merchant).await,
        Answer::Understood(_)
    ) {
        return diagnosis(format!(
            "the target refuses our signature of a query sent as {} ({code}) and accepts it sent as {}: run with --query-method {}",
            settings.query_method, other_method.query_method, other_method.query_method
        ));
    }
    let what = if code == EXPIRED {
        "our timestamps (104)"
    } else {
        "our signature (103)"
    };
    diagnosis(format!(
        "the target refuses {what} for every request: check TTPAY_APP_SECRET, TTPAY_MCH_ID, and --timestamp-unit ({tried}); a clock more than 5 minutes off also gets 104"
    ))
}

/// `None` when the paid-order fixture is an order of the merchant that has been paid; else why
/// not (its scenarios are skipped with that reason).
async fn paid_order(client: &TtpayClient, merchant: &Merchant, id: &str) -> Option<String> {
    let body = json!({"app_id": merchant.app_id, "mch_id": merchant.mch_id, "out_trade_no": id});
    let exchange = match client
        .call(
            Endpoint::Query,
            merchant,
            &Payload::Json(body),
            Tamper::None,
        )
        .await
    {
        Ok(exchange) => exchange,
        Err(e) => {
            return Some(format!(
                "TTPAY_PAID_OUT_TRADE_NO `{id}` could not be read: {e}"
            ));
        }
    };
    let state = exchange
        .pointer("/data/trade_state")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match (lenient_code(&exchange), state) {
        (Some(0), Some(state))
            if !["NOTPAY", "CLOSED"].contains(&state.to_ascii_uppercase().as_str()) =>
        {
            None
        }
        (Some(0), Some(state)) => Some(format!(
            "TTPAY_PAID_OUT_TRADE_NO `{id}` is {state}, not a paid (SUCCESS) order: set it to an order paid in the target"
        )),
        (code, _) => Some(format!(
            "TTPAY_PAID_OUT_TRADE_NO `{id}` does not exist in the target (query answered code {}): set it to an order paid in the target",
            code.map_or_else(|| "none".to_owned(), |c| c.to_string())
        )),
    }
}

/// One query of an order that cannot exist.
async fn probe(client: &TtpayClient, merchant: &Merchant) -> Answer {
    let body = json!({
        "app_id": merchant.app_id,
        "mch_id": merchant.mch_id,
        "out_trade_no": fresh_id("preflight"),
    });
    let exchange = match client
        .call(
            Endpoint::Query,
            merchant,
            &Payload::Json(body),
            Tamper::None,
        )
        .await
    {
        Ok(exchange) => exchange,
        Err(e) => return Answer::Unreachable(e.reason),
    };
    judge(&exchange)
}

fn judge(exchange: &Exchange) -> Answer {
    let code = lenient_code(exchange);
    match code {
        None if exchange.status == 200 => Answer::Understood(None),
        None => Answer::NotTheApi {
            status: exchange.status,
            mime: crate::preflight::content_kind(exchange),
        },
        // The envelope of a path that is not the query endpoint (a 404 page in JSON).
        Some(code) if exchange.status == 404 && code != 12002 => Answer::NotTheApi {
            status: 404,
            mime: "JSON".into(),
        },
        Some(code) if code == SIGNATURE || code == EXPIRED => {
            Answer::Refused(code, crate::preflight::message(exchange))
        }
        Some(code) if NO_APP.contains(&code) || PARAMETER.contains(&code) => {
            Answer::Refused(code, crate::preflight::message(exchange))
        }
        Some(code) => Answer::Understood(Some(code)),
    }
}

/// `code`, read leniently: an integer or a string of digits, even in a body that is not
/// strict JSON (the scenarios judge that; the preflight only needs to know what was said).
fn lenient_code(exchange: &Exchange) -> Option<i64> {
    if let Some(code) = exchange.code() {
        return Some(code);
    }
    let text = String::from_utf8_lossy(&exchange.body);
    let at = text.find("\"code\"")?;
    let rest = text[at + 6..].trim_start().strip_prefix(':')?.trim_start();
    let digits: String = rest
        .trim_start_matches('"')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn show(answer: &Answer) -> String {
    match answer {
        Answer::Understood(Some(code)) => code.to_string(),
        Answer::Understood(None) => "an answer".into(),
        Answer::Refused(code, _) => code.to_string(),
        Answer::NotTheApi { status, .. } => format!("HTTP {status}"),
        Answer::Unreachable(_) => "no answer".into(),
    }
}

fn flip_unit(settings: &ClientSettings) -> ClientSettings {
    let mut other = settings.clone();
    other.timestamp_unit = match settings.timestamp_unit {
        TimestampUnit::Ms => TimestampUnit::S,
        TimestampUnit::S => TimestampUnit::Ms,
    };
    other
}

fn flip_method(settings: &ClientSettings) -> ClientSettings {
    let mut other = settings.clone();
    other.query_method = match settings.query_method {
        QueryMethod::Post => QueryMethod::Get,
        QueryMethod::Get => QueryMethod::Post,
    };
    other
}
