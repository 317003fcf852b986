//! The judgements of WeChat Pay's rules, as pure functions of what was sent and what came:
//! steps gather the evidence, these decide. Each returns `(pointer, expected, actual)` findings
//! (or [`Deviation`]s) for the step to record under its rule.

pub mod notification;
pub mod signature;

use serde_json::Value;

use crate::checks::schema::SchemaSet;
use crate::exchange::Exchange;
use crate::findings::Deviation;

pub use signature::{PlatformKeys, ResponseVerdict, response_signature};

/// One finding: where, what the contract wants, what came.
pub type Found = (String, String, String);

fn found(pointer: &str, expected: impl Into<String>, actual: impl Into<String>) -> Found {
    (pointer.to_owned(), expected.into(), actual.into())
}

/// The codes that mean "retry" (W4): never a deviation by themselves.
pub const RETRY_CODES: [&str; 4] = [
    "SYSTEMERROR",
    "SYSTEM_ERROR",
    "RATE_LIMITED",
    "FREQUENCY_LIMITED",
];

/// The `code` of a failure body, if it has a string one.
pub fn code(exchange: &Exchange) -> Option<&str> {
    exchange.pointer("/code").and_then(Value::as_str)
}

/// W2: a successful close is HTTP 204 with an empty body; a 200 is a deviation, with or without
/// a body.
pub fn close_succeeded(exchange: &Exchange) -> Vec<Found> {
    let mut out = Vec::new();
    if exchange.status != 204 {
        out.push(found(
            "status",
            "204 No Content",
            format!("{} {}", exchange.status, exchange.body_excerpt()),
        ));
    } else if !exchange.body.is_empty() {
        out.push(found("body", "an empty body", exchange.body_excerpt()));
    }
    out
}

/// W3: a failure has a 4xx or 5xx status, `Content-Type: application/json` and a body
/// `{code, message, detail?}` (code 1–32 characters, message 1–256, detail an object; with
/// `PARAM_ERROR` a detail of strings `field`, `value`, `issue`, maybe `location`).
pub fn failure_shape(exchange: &Exchange) -> Vec<Found> {
    let mut out = Vec::new();
    if !(400..=599).contains(&exchange.status) {
        out.push(found(
            "status",
            "a failure: 4xx or 5xx",
            format!("{} {}", exchange.status, exchange.body_excerpt()),
        ));
        return out;
    }
    if !crate::http::is_json_type(exchange.content_type()) {
        out.push(found(
            "Content-Type",
            "application/json",
            exchange.content_type().unwrap_or("(none)"),
        ));
    }
    let Some(body) = exchange.object() else {
        out.push(found(
            "body",
            "a JSON object {code, message, detail?}",
            exchange.body_excerpt(),
        ));
        return out;
    };
    let text = |name: &str, max: usize| match body.get(name) {
        Some(Value::String(s)) if (1..=max).contains(&s.chars().count()) => None,
        Some(other) => Some(found(
            &format!("/{name}"),
            format!("a string of 1 to {max} characters"),
            other.to_string(),
        )),
        None => Some(found(
            &format!("/{name}"),
            format!("a string of 1 to {max} characters"),
            "absent",
        )),
    };
    out.extend(text("code", 32));
    out.extend(text("message", 256));
    let param_error = body.get("code").and_then(Value::as_str) == Some("PARAM_ERROR");
    match body.get("detail") {
        None if param_error => out.push(found(
            "/detail",
            "{field, value, issue} with PARAM_ERROR",
            "absent",
        )),
        None => {}
        Some(Value::Object(detail))
            if body.get("code").and_then(Value::as_str) == Some("PARAM_ERROR") =>
        {
            for field in ["field", "value", "issue"] {
                if !detail.get(field).is_some_and(Value::is_string) {
                    out.push(found(
                        &format!("/detail/{field}"),
                        "a string (PARAM_ERROR)",
                        detail.get(field).map_or("absent".into(), Value::to_string),
                    ));
                }
            }
            if let Some(location) = detail.get("location")
                && !matches!(location.as_str(), Some("body" | "url" | "query"))
            {
                out.push(found(
                    "/detail/location",
                    "body, url or query",
                    location.to_string(),
                ));
            }
        }
        Some(Value::Object(_)) => {}
        Some(other) => out.push(found(
            "/detail",
            "an object when present",
            other.to_string(),
        )),
    }
    out
}

/// W4: the failure's code is one of `codes`.
pub fn code_in(exchange: &Exchange, codes: &[&str]) -> Vec<Found> {
    let actual = code(exchange);
    if actual.is_some_and(|c| codes.contains(&c)) {
        return Vec::new();
    }
    vec![found(
        "/code",
        format!("one of {}", codes.join(", ")),
        actual.unwrap_or("(none)"),
    )]
}

/// W4: the status is 400–499.
pub fn status_4xx(exchange: &Exchange) -> Vec<Found> {
    if (400..=499).contains(&exchange.status) {
        return Vec::new();
    }
    vec![found("status", "a 4xx status", exchange.status.to_string())]
}

/// W4/W6: exactly this status.
pub fn status_is(exchange: &Exchange, status: u16) -> Vec<Found> {
    if exchange.status == status {
        return Vec::new();
    }
    vec![found(
        "status",
        status.to_string(),
        format!("{} {}", exchange.status, exchange.body_excerpt()),
    )]
}

/// Whether an answer says "retry" (W4): HTTP 429, or a 5xx whose code is a system error.
pub fn says_retry(status: u16, body: &[u8]) -> bool {
    if status == 429 {
        return true;
    }
    if status < 500 {
        return false;
    }
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("code").and_then(Value::as_str).map(str::to_owned))
        .is_some_and(|c| RETRY_CODES.contains(&c.as_str()))
}

/// W5: a close of a young order that failed: `None` when the failure is one of W4's (judged
/// as W4 would), else the observation to report ("refused while young").
pub fn young_refusal(exchange: &Exchange) -> Option<String> {
    const W4_CODES: [&str; 6] = [
        "ORDERPAID",
        "ORDERCLOSED",
        "ORDER_CLOSED",
        "PARAM_ERROR",
        "INVALID_REQUEST",
        "ORDER_NOT_EXIST",
    ];
    let code = code(exchange).unwrap_or("(no code)");
    (!W4_CODES.contains(&code)).then(|| {
        format!(
            "the close of a young order was refused: {} {code} (W5: observed, never a failure)",
            exchange.status
        )
    })
}

/// G1: a create answered HTTP 200 with a non-empty `code_url`.
pub fn created(exchange: &Exchange) -> Vec<Found> {
    if exchange.status != 200 {
        return vec![found(
            "status",
            "200",
            format!("{} {}", exchange.status, exchange.body_excerpt()),
        )];
    }
    match exchange.pointer("/code_url") {
        Some(Value::String(url)) if !url.is_empty() => Vec::new(),
        other => vec![found(
            "/code_url",
            "a non-empty string",
            other.map_or("absent".into(), Value::to_string),
        )],
    }
}

/// G2: a query answered HTTP 200 with a `trade_state` of the list; the state, when it is one.
pub fn queried(exchange: &Exchange) -> Result<String, Vec<Found>> {
    const STATES: [&str; 7] = [
        "SUCCESS",
        "REFUND",
        "NOTPAY",
        "CLOSED",
        "REVOKED",
        "USERPAYING",
        "PAYERROR",
    ];
    if exchange.status != 200 {
        return Err(vec![found(
            "status",
            "200",
            format!("{} {}", exchange.status, exchange.body_excerpt()),
        )]);
    }
    match exchange.pointer("/trade_state").and_then(Value::as_str) {
        Some(s) if STATES.contains(&s) => Ok(s.to_owned()),
        other => Err(vec![found(
            "/trade_state",
            format!("one of {}", STATES.join(", ")),
            other.unwrap_or("absent"),
        )]),
    }
}

/// Every way the JSON body fails the schema `name`, under the rule of the failing property's
/// description (else `fallback`).
pub fn schema(
    exchange: &Exchange,
    schemas: &SchemaSet,
    name: &str,
    fallback: &str,
) -> Vec<Deviation> {
    let body = match &exchange.json {
        Ok(body) => body,
        Err(e) => {
            return vec![exchange.deviation(
                fallback,
                "body",
                format!("JSON matching {name}"),
                format!("not JSON ({e}): {}", exchange.body_excerpt()),
            )];
        }
    };
    match schemas.validate(name, body) {
        Ok(violations) => violations
            .into_iter()
            .map(|v| {
                exchange.deviation(
                    v.rule.clone().unwrap_or_else(|| fallback.to_owned()),
                    v.pointer,
                    v.expected,
                    v.actual,
                )
            })
            .collect(),
        Err(e) => vec![exchange.deviation(
            fallback,
            "",
            format!("a schema named {name}"),
            e.to_string(),
        )],
    }
}

/// W7: each certificate's `effective_time` / `expire_time` (RFC 3339) is its validity.
pub fn certificate_times(
    body: &Value,
    certs: &[crate::wechatpay::crypto::Certificate],
) -> Vec<Found> {
    let mut out = Vec::new();
    for (index, cert) in certs.iter().enumerate() {
        for (field, want) in [
            ("effective_time", cert.not_before()),
            ("expire_time", cert.not_after()),
        ] {
            let pointer = format!("/data/{index}/{field}");
            let text = body.pointer(&pointer).and_then(Value::as_str).unwrap_or("");
            if rfc3339(text) != Some(want) {
                let expected = crate::wechatpay::crypto::beijing_time(want).unwrap_or_default();
                out.push((
                    pointer,
                    format!("the certificate's validity, {expected}"),
                    text.chars().take(40).collect(),
                ));
            }
        }
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS` with `Z` or `±HH:MM` (fractions of a second ignored), as Unix seconds.
pub fn rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| text.get(from..to)?.parse::<i64>().ok();
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
    };
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    Some(
        time::PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .unix_timestamp()
            - offset,
    )
}

#[cfg(test)]
mod tests;
