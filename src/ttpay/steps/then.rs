//! The Then steps: each names what the contract expects of an answer or of the order under
//! test, in the domain's words, and hands the evidence to [`crate::ttpay::checks`]. Whether
//! the order keeps and echoes what it was created with is [`super::echoes`].

use cucumber::then;
use serde_json::Value;

use super::{StepResult, TtpayWorld, checks, detail, query_order};
use crate::checks::matcher::show;
use crate::findings::StepFailure;
use crate::ttpay::Endpoint;
use crate::ttpay::client::TtpayExchange as _;
use crate::ttpay::client::now_ms;

#[then(regex = r"^the response is well-formed$")]
async fn well_formed(w: &mut TtpayWorld) -> StepResult {
    let ctx = w.ctx();
    let last = w.last()?.clone();
    if let Some(observation) = checks::refused_for_size(&last) {
        w.findings.observations.push(observation);
        return Ok(());
    }
    let mut found = checks::transport(&last);
    found.extend(checks::envelope(&last, &ctx.schemas));
    found.extend(checks::data_on_success(&last));
    w.deviate(found)
}

#[then(regex = r"^the request succeeds$")]
async fn succeeds(w: &mut TtpayWorld) -> StepResult {
    let last = w.last()?.clone();
    if last.code() == Some(0) {
        return Ok(());
    }
    let rule = w.rule();
    w.deviate_at(
        &rule,
        &last,
        vec![("/code".into(), "0 (success)".into(), checks::refusal(&last))],
    )
}

#[then(regex = r"^the request is refused$")]
async fn refused(w: &mut TtpayWorld) -> StepResult {
    refused_with(w, &[]).await
}

#[then(regex = r"^the request is refused with (?:code|one of) ([0-9, ]+)$")]
async fn refused_with_codes(w: &mut TtpayWorld, codes: String) -> StepResult {
    let codes: Vec<i64> = codes
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    refused_with(w, &codes).await
}

async fn refused_with(w: &mut TtpayWorld, codes: &[i64]) -> StepResult {
    let last = w.last()?.clone();
    let ok = match last.code() {
        Some(0) | None => false,
        Some(code) => codes.is_empty() || codes.contains(&code),
    };
    if ok {
        return Ok(());
    }
    let expected = match codes {
        [] => "a refusal (code other than 0)".to_owned(),
        [one] => format!("a refusal with code {one}"),
        many => format!(
            "a refusal with one of {}",
            many.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let rule = w.rule();
    let mut actual = checks::refusal(&last);
    if last.code() == Some(0) && last.is(Endpoint::Close) && rule.to_string().contains("X2") {
        actual.push_str(PAID_ORDER_CLOSED);
    }
    w.deviate_at(&rule, &last, vec![("/code".into(), expected, actual)])
}

#[then(regex = r"^the response carries no order data$")]
async fn no_order_data(w: &mut TtpayWorld) -> StepResult {
    let last = w.last()?.clone();
    match last.pointer("/data") {
        None | Some(Value::Null) => Ok(()),
        Some(data) => {
            let rule = w.rule();
            w.deviate_at(
                &rule,
                &last,
                vec![("/data".into(), "absent or null".into(), show(Some(data)))],
            )
        }
    }
}

#[then(regex = r"^the order is created$")]
async fn order_is_created(w: &mut TtpayWorld) -> StepResult {
    let last = w.last()?.clone();
    w.deviate(checks::created(&last))
}

#[then(regex = r"^no order exists with that out_trade_no$")]
async fn no_order_exists(w: &mut TtpayWorld) -> StepResult {
    let order = w.order()?.clone();
    if order.out_trade_no.is_empty() {
        return Err(StepFailure::Usage(
            "the create sent no out_trade_no to look for".into(),
        ));
    }
    let found = super::find_by_out_trade_no(w, &order.out_trade_no).await?;
    let rule = w.rule();
    // T6: where a rule names the code of a refusal, the code must be that one.
    match found.code() {
        Some(12002) => Ok(()),
        Some(0) => w.deviate_at(
            &rule,
            &found,
            vec![(
                "/code".into(),
                "12002: the refused request left no order behind".into(),
                format!("{} — the order exists", checks::refusal(&found)),
            )],
        ),
        _ => w.deviate_at(
            &rule,
            &found,
            vec![(
                "/code".into(),
                "12002 (data does not exist) for an order that was never created".into(),
                checks::refusal(&found),
            )],
        ),
    }
}

/// Said with every sign that a close took effect on the paid-order fixture (X2).
const PAID_ORDER_CLOSED: &str = " — WARNING: the suite may just have closed the merchant's \
    paid order (TTPAY_PAID_OUT_TRADE_NO); it is no longer a paid fixture: pay a new order and \
    set TTPAY_PAID_OUT_TRADE_NO to it before the next run";

#[then(regex = r"^the order is (?:still )?(NOTPAY|SUCCESS|CLOSED|REFUND)$")]
async fn order_is(w: &mut TtpayWorld, state: String) -> StepResult {
    query_order(w).await?;
    let data = detail(w).await?;
    let actual = data.get("trade_state");
    if actual == Some(&Value::String(state.clone())) {
        return Ok(());
    }
    let last = w.last()?.clone();
    let rule = w.rule();
    let closed = actual.and_then(Value::as_str) == Some("CLOSED");
    let mut actual = show(actual);
    if state == "SUCCESS" && closed {
        actual.push_str(PAID_ORDER_CLOSED);
    }
    w.deviate_at(
        &rule,
        &last,
        vec![("/data/trade_state".into(), format!("\"{state}\""), actual)],
    )
}

#[then(regex = r"^the order has a close_time$")]
async fn has_close_time(w: &mut TtpayWorld) -> StepResult {
    let data = detail(w).await?;
    let close = data.get("close_time").and_then(Value::as_i64);
    let create = data.get("create_time").and_then(Value::as_i64).unwrap_or(0);
    if close.is_some_and(|c| c > 0 && c >= create) {
        return Ok(());
    }
    let last = w.last()?.clone();
    w.deviate_at(
        "X1",
        &last,
        vec![(
            "/data/close_time".into(),
            format!("> 0 and ≥ create_time ({create})"),
            show(data.get("close_time")),
        )],
    )
}

#[then(regex = r"^its close_time is unchanged$")]
async fn close_time_unchanged(w: &mut TtpayWorld) -> StepResult {
    let before = w.order()?.close_time;
    let data = detail(w).await?;
    let now = data.get("close_time").and_then(Value::as_i64);
    if now == before {
        return Ok(());
    }
    let last = w.last()?.clone();
    let expected = before.map_or("the first close_time".to_owned(), |t| t.to_string());
    w.deviate_at(
        "X3",
        &last,
        vec![(
            "/data/close_time".into(),
            expected,
            show(data.get("close_time")),
        )],
    )
}

#[then(regex = r"^the order looks like a new order$")]
async fn looks_new(w: &mut TtpayWorld) -> StepResult {
    let data = detail(w).await?;
    let expire = w
        .order()?
        .sent
        .get("expire_second")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let found = checks::new_order(&data, expire, now_ms());
    let last = w.last()?.clone();
    w.deviate_at("Q7", &last, found)
}

#[then(regex = r"^the order looks like a paid order$")]
async fn looks_paid(w: &mut TtpayWorld) -> StepResult {
    let data = detail(w).await?;
    let last = w.last()?.clone();
    w.deviate_at("Q8", &last, checks::paid_order(&data))
}

#[then(regex = r"^the response is signed by the provider$")]
async fn signed(w: &mut TtpayWorld) -> StepResult {
    let last = w.last()?.clone();
    let mode = w.ctx().signatures;
    // In observe mode the exchange check has already recorded it as an observation.
    match checks::signature_problem(&last, mode) {
        Some(problem) if mode == crate::settings::ResponseSignatures::Strict => {
            w.deviate(vec![problem])
        }
        _ => Ok(()),
    }
}

/// T5 first — no 5xx, a JSON object, a refusal — then what every exchange owes (T3, T4, A6),
/// which the malformed-input steps leave to this step.
#[then(regex = r"^the response is a JSON refusal$")]
async fn json_refusal(w: &mut TtpayWorld) -> StepResult {
    let last = w.last()?.clone();
    if let Some(observation) = checks::refused_for_size(&last) {
        w.findings.observations.push(observation);
        return Ok(());
    }
    let mut found = Vec::new();
    if last.status >= 500 {
        found.push((
            "(http status)".to_owned(),
            "no 5xx for malformed input".to_owned(),
            format!("HTTP {}", last.status),
        ));
    }
    if last.object().is_none() {
        found.push((
            "".to_owned(),
            "a JSON object".to_owned(),
            last.body_excerpt(),
        ));
    } else if last.code().is_none_or(|c| c == 0) {
        found.push((
            "/code".to_owned(),
            "a refusal (code other than 0)".to_owned(),
            checks::refusal(&last),
        ));
    }
    w.deviate_at("T5", &last, found)?;
    let ctx = w.ctx();
    let (deviations, observations) = checks::every_exchange(&last, &ctx.schemas, ctx.signatures);
    w.findings.observations.extend(observations);
    w.deviate(deviations)
}

#[then(regex = r#"^the response matches the schema "([^"]+)"$"#)]
async fn matches_schema(w: &mut TtpayWorld, name: String) -> StepResult {
    let last = w.last()?.clone();
    let ctx = w.ctx();
    if ctx.schemas.raw(&name).is_none() {
        return Err(StepFailure::Usage(format!(
            "no schema named \"{name}\"\n(hint: one of {})",
            ctx.schemas.names().collect::<Vec<_>>().join(", ")
        )));
    }
    w.deviate(checks::schema(&last, &ctx.schemas, &name))
}
