//! `Then`: hands the last exchange (or a fresh query) to [`crate::wechatpay::checks`] and
//! records what they find under the rule each judges: W2 the 204, W3 the failure's shape, W4
//! its status and code, W5 a young order's refusal, G1/G2 creates and queries, W7 signatures.

use cucumber::then;

use super::{halted, last, query_state, scenario_rules};
use crate::findings::StepFailure;
use crate::settings::ResponseSignatures;
use crate::wechatpay::checks;
use crate::wechatpay::crypto::read_certificates;
use crate::wechatpay::world::WechatpayWorld;
use crate::world::StepResult;

/// The codes of a `{codes}` parameter.
fn codes(list: &str) -> Vec<&str> {
    list.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// W3 (and a 2xx where a failure was due: the scenario's rules).
fn fails(w: &mut WechatpayWorld) -> Result<crate::exchange::Exchange, StepFailure> {
    let exchange = last(w)?;
    if !(400..=599).contains(&exchange.status) {
        let rules = scenario_rules(w);
        w.judge(&rules, &exchange, checks::failure_shape(&exchange))?;
    }
    w.judge("W3", &exchange, checks::failure_shape(&exchange))?;
    Ok(exchange)
}

#[then(regex = r"^the close succeeds$")]
async fn close_succeeds(w: &mut WechatpayWorld) -> StepResult {
    if halted(w) {
        return Ok(());
    }
    let exchange = last(w)?;
    // A refusal breaks what the scenario is about (W2, W6's accepted forms, W1's encoded
    // ids); a 2xx that is not an empty 204 is W2's.
    let rule = if exchange.status >= 300 {
        scenario_rules(w)
    } else {
        "W2".to_owned()
    };
    w.judge(&rule, &exchange, checks::close_succeeded(&exchange))
}

#[then(regex = r"^the close succeeds or fails with one of ([A-Z_]+(?:, [A-Z_]+)*)$")]
async fn close_succeeds_or(w: &mut WechatpayWorld, list: String) -> StepResult {
    let exchange = last(w)?;
    if (200..=299).contains(&exchange.status) {
        w.observe(
            "W4",
            &exchange,
            format!("answered {} (the close succeeded)", exchange.status),
        );
        return w.judge("W4", &exchange, checks::close_succeeded(&exchange));
    }
    fails(w)?;
    w.observe(
        "W4",
        &exchange,
        format!(
            "refused: {} {}",
            exchange.status,
            checks::code(&exchange).unwrap_or("(no code)")
        ),
    );
    w.judge("W4", &exchange, checks::code_in(&exchange, &codes(&list)))
}

#[then(regex = r"^the close succeeds or is refused for the order's age$")]
async fn close_succeeds_or_young(w: &mut WechatpayWorld) -> StepResult {
    let exchange = last(w)?;
    if (200..=299).contains(&exchange.status) {
        return w.judge("W2", &exchange, checks::close_succeeded(&exchange));
    }
    if exchange.status >= 500 {
        return w.judge(
            "W4",
            &exchange,
            vec![(
                "status".into(),
                "a 204, or a 4xx refusal (never a 5xx)".into(),
                exchange.status.to_string(),
            )],
        );
    }
    w.judge("W3", &exchange, checks::failure_shape(&exchange))?;
    if let Some(note) = checks::young_refusal(&exchange) {
        w.observe("W5", &exchange, note);
    }
    Ok(())
}

#[then(regex = r"^the request fails$")]
async fn request_fails(w: &mut WechatpayWorld) -> StepResult {
    fails(w).map(|_| ())
}

#[then(regex = r"^the request fails with code ([A-Z_]+)$")]
async fn fails_with_code(w: &mut WechatpayWorld, code: String) -> StepResult {
    let exchange = fails(w)?;
    w.judge("W4", &exchange, checks::code_in(&exchange, &[&code]))
}

#[then(regex = r"^the request fails with a 4xx status$")]
async fn fails_4xx(w: &mut WechatpayWorld) -> StepResult {
    let exchange = fails(w)?;
    w.judge("W4", &exchange, checks::status_4xx(&exchange))
}

#[then(regex = r"^the request fails with a 4xx status and one of ([A-Z_]+(?:, [A-Z_]+)*)$")]
async fn fails_4xx_one_of(w: &mut WechatpayWorld, list: String) -> StepResult {
    let exchange = fails(w)?;
    w.judge("W4", &exchange, checks::status_4xx(&exchange))?;
    w.judge("W4", &exchange, checks::code_in(&exchange, &codes(&list)))
}

#[then(regex = r"^the request fails with status ([0-9]+) and code ([A-Z_]+)$")]
async fn fails_with_status(w: &mut WechatpayWorld, status: u16, code: String) -> StepResult {
    let exchange = fails(w)?;
    let rules = scenario_rules(w);
    w.judge(&rules, &exchange, checks::status_is(&exchange, status))?;
    w.judge(&rules, &exchange, checks::code_in(&exchange, &[&code]))
}

#[then(regex = r"^its status and code are observed, ([0-9]+) ([A-Z_]+) expected$")]
async fn observed(w: &mut WechatpayWorld, status: u16, code: String) -> StepResult {
    let exchange = last(w)?;
    let actual = checks::code(&exchange).unwrap_or("(no code)").to_owned();
    if exchange.status != status || actual != code {
        w.observe(
            "W4",
            &exchange,
            format!(
                "answered {} {actual}; {status} {code} expected",
                exchange.status
            ),
        );
    }
    Ok(())
}

async fn order_is(w: &mut WechatpayWorld, expected: &str) -> StepResult {
    if halted(w) {
        return Ok(());
    }
    let (state, exchange) = query_state(w, false).await?;
    if state == expected {
        return Ok(());
    }
    let rules = scenario_rules(w);
    w.judge(
        &rules,
        &exchange,
        vec![("/trade_state".into(), expected.to_owned(), state)],
    )
}

#[then(regex = r"^the order is (SUCCESS|REFUND|NOTPAY|CLOSED|REVOKED|USERPAYING|PAYERROR)$")]
async fn the_order_is(w: &mut WechatpayWorld, state: String) -> StepResult {
    order_is(w, &state).await
}

#[then(regex = r"^the order is still (SUCCESS|REFUND|NOTPAY|CLOSED|REVOKED|USERPAYING|PAYERROR)$")]
async fn the_order_is_still(w: &mut WechatpayWorld, state: String) -> StepResult {
    order_is(w, &state).await
}

#[then(regex = r"^the order is CLOSED if the close succeeded, else still NOTPAY$")]
async fn closed_if_succeeded(w: &mut WechatpayWorld) -> StepResult {
    let exchange = last(w)?;
    let expected = if exchange.status == 204 {
        "CLOSED"
    } else {
        "NOTPAY"
    };
    let (state, query) = query_state(w, false).await?;
    if state == expected {
        return Ok(());
    }
    let rule = if expected == "CLOSED" { "W2" } else { "W4" };
    w.judge(
        rule,
        &query,
        vec![(
            "/trade_state".into(),
            format!("{expected} (the close answered {})", exchange.status),
            state,
        )],
    )
}

#[then(regex = r"^the order is created$")]
async fn created(w: &mut WechatpayWorld) -> StepResult {
    let exchange = last(w)?;
    w.judge("G1", &exchange, checks::created(&exchange))
}

#[then(regex = r"^the order is created with the same code_url$")]
async fn created_again(w: &mut WechatpayWorld) -> StepResult {
    let exchange = last(w)?;
    w.judge("G1", &exchange, checks::created(&exchange))?;
    let first = w
        .first_create
        .as_ref()
        .and_then(|e| e.pointer("/code_url"))
        .cloned();
    let again = exchange.pointer("/code_url").cloned();
    if first == again {
        return Ok(());
    }
    let show = |v: Option<serde_json::Value>| v.map_or("absent".into(), |v| v.to_string());
    w.judge(
        "G1",
        &exchange,
        vec![(
            "/code_url".into(),
            format!("the first create's {}", show(first)),
            show(again),
        )],
    )
}

#[then(regex = r"^the answer names the order$")]
async fn names_the_order(w: &mut WechatpayWorld) -> StepResult {
    let exchange = last(w)?;
    let expected = w.order()?.out_trade_no.clone();
    let actual = exchange
        .pointer("/out_trade_no")
        .and_then(|v| v.as_str())
        .unwrap_or("(none)")
        .to_owned();
    if actual == expected {
        return Ok(());
    }
    w.judge(
        "G2",
        &exchange,
        vec![("/out_trade_no".into(), expected, actual)],
    )
}

#[then(regex = r#"^the response matches the schema "([^"]+)"$"#)]
async fn matches_schema(w: &mut WechatpayWorld, name: String) -> StepResult {
    let exchange = last(w)?;
    let ctx = w.ctx();
    if ctx.schemas.raw(&name).is_none() {
        return Err(StepFailure::Usage(format!(
            "no schema named \"{name}\"\n(hint: one of {})",
            ctx.schemas.names().collect::<Vec<_>>().join(", ")
        )));
    }
    let fallback = scenario_rules(w);
    let deviations = checks::schema(&exchange, &ctx.schemas, &name, &fallback);
    w.state.deviate(deviations)
}

/// Records W7 findings as the response-signature mode says (non-2xx: observations only).
fn by_mode(
    w: &mut WechatpayWorld,
    exchange: &crate::exchange::Exchange,
    found: Vec<checks::Found>,
) -> StepResult {
    let mode = w.ctx().signatures;
    if found.is_empty() || mode == ResponseSignatures::Off {
        return Ok(());
    }
    if mode == ResponseSignatures::Strict && (200..=299).contains(&exchange.status) {
        return w.judge("W7", exchange, found);
    }
    for (pointer, expected, actual) in found {
        w.observe(
            "W7",
            exchange,
            format!("{pointer}: expected {expected}, got {actual}"),
        );
    }
    Ok(())
}

#[then(regex = r"^the response is signed by WeChat Pay$")]
async fn signed(w: &mut WechatpayWorld) -> StepResult {
    let exchange = last(w)?;
    let ctx = w.ctx();
    if ctx.signatures == ResponseSignatures::Off {
        return Ok(());
    }
    let verdict = checks::response_signature(
        &exchange.headers,
        &exchange.body,
        &ctx.client.platform(),
        crate::world::now_ms() / 1000,
    );
    if verdict.type_missing {
        w.observe("W7", &exchange, "no Wechatpay-Signature-Type header (expected WECHATPAY2-SHA256-RSA2048; the global docs do not list it)".into());
    }
    by_mode(w, &exchange, verdict.problems)
}

#[then(regex = r"^the response carries a Request-ID$")]
async fn request_id(w: &mut WechatpayWorld) -> StepResult {
    let exchange = last(w)?;
    if exchange.request_id().is_some() {
        return Ok(());
    }
    by_mode(
        w,
        &exchange,
        vec![(
            "Request-ID".into(),
            "a non-empty header".into(),
            "absent".into(),
        )],
    )
}

#[then(regex = r"^each certificate decrypts with the APIv3 key and carries its serial_no$")]
async fn certificates_decrypt(w: &mut WechatpayWorld) -> StepResult {
    let exchange = last(w)?;
    let ctx = w.ctx();
    let key = ctx
        .apiv3_key
        .clone()
        .ok_or_else(|| StepFailure::Usage("this step needs WECHATPAY_APIV3_KEY".into()))?;
    let body = exchange.json.clone().unwrap_or_default();
    let found = match read_certificates(&body, &key) {
        Err(e) => vec![(
            "/data".into(),
            "certificates that decrypt with the APIv3 key, each with its serial_no".into(),
            e.to_string(),
        )],
        Ok(certs) => checks::certificate_times(&body, &certs),
    };
    w.judge("W7", &exchange, found)
}
