//! T7: methods the API does not document for an endpoint (`PUT`, `DELETE`, `PATCH` anywhere,
//! `GET` on create and close), signed as sent. They must not succeed, must have no effect,
//! must get neither a 5xx nor a dropped connection, and the connection must stay usable.
//! A dropped connection is a deviation only when it reproduces: the same request dropped
//! again while a well-formed request on a fresh connection is answered.

use cucumber::{then, when};
use serde_json::Value;

use super::{Order, Payload, StepResult, Tamper, TtpayWorld, Who, lookup};
use crate::findings::{Deviation, StepFailure};
use crate::http::Method;
use crate::ttpay::Endpoint;
use crate::ttpay::client::TtpayExchange as _;
use crate::world::fresh_id;

fn method_named(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap_or(Method::PUT)
}

#[when(regex = r"^the merchant closes it with (PUT|DELETE|PATCH|GET)$")]
async fn closes_it_with(w: &mut TtpayWorld, method: String) -> StepResult {
    let transaction_id = w.order()?.transaction_id.clone().ok_or_else(|| {
        StepFailure::Usage("the order has no transaction_id yet (was it created?)".into())
    })?;
    let body = lookup(w, Who::Merchant, "transaction_id", &transaction_id)?;
    send_with(w, Endpoint::Close, method_named(&method), body).await
}

#[when(regex = r"^the merchant queries it with (PUT|DELETE|PATCH)$")]
async fn queries_it_with(w: &mut TtpayWorld, method: String) -> StepResult {
    let out_trade_no = w.order()?.out_trade_no.clone();
    let body = lookup(w, Who::Merchant, "out_trade_no", &out_trade_no)?;
    send_with(w, Endpoint::Query, method_named(&method), body).await
}

#[when(regex = r"^the merchant creates an order with (GET|PUT|DELETE|PATCH)$")]
async fn creates_with(w: &mut TtpayWorld, method: String) -> StepResult {
    let body = w.valid_order(Who::Merchant)?;
    let out_trade_no = body
        .get("out_trade_no")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    w.order = Some(Order {
        owner: Who::Merchant,
        sent: body.clone(),
        out_trade_no,
        prepay_id: None,
        transaction_id: None,
        close_time: None,
    });
    send_with(w, Endpoint::Create, method_named(&method), body.into()).await
}

/// Sends `body` to `endpoint` with `method` and keeps the answer; a dropped connection that
/// reproduces is a T7 deviation, one that does not is inconclusive.
async fn send_with(
    w: &mut TtpayWorld,
    endpoint: Endpoint,
    method: Method,
    body: Value,
) -> StepResult {
    let payload = Payload::Json(body);
    match send_once(w, endpoint, &method, &payload).await {
        Ok(()) => Ok(()),
        Err(StepFailure::Inconclusive(reason)) => {
            if !reproduces(w, endpoint, &method, &payload).await? {
                return Err(StepFailure::Inconclusive(reason));
            }
            w.findings.inconclusive = None;
            let drop = format!(
                "no answer to {method}, twice ({reason}), while a well-formed request on a fresh connection was answered"
            );
            crate::ttpay::steadiness::unless_flaky(w, endpoint, &drop)?;
            w.deviate(vec![
                Deviation::new(
                    "T7",
                    endpoint.path(),
                    "(connection)",
                    format!("an answer to {method} (a refusal), not a dropped connection"),
                    drop,
                )
                .if_steady(),
            ])
        }
        Err(other) => Err(other),
    }
}

async fn send_once(
    w: &mut TtpayWorld,
    endpoint: Endpoint,
    method: &Method,
    payload: &Payload,
) -> StepResult {
    let ctx = w.ctx();
    let merchant = w.merchant(Who::Merchant)?;
    w.state.findings.requests += 1;
    match ctx
        .client
        .call_as(
            endpoint,
            Some(method.clone()),
            &merchant,
            payload,
            Tamper::None,
        )
        .await
    {
        Ok(exchange) => {
            w.state.note(&exchange);
            w.last = Some(exchange);
            Ok(())
        }
        Err(inconclusive) => {
            let text = inconclusive.to_string();
            w.findings.inconclusive = Some(inconclusive);
            Err(StepFailure::Inconclusive(text))
        }
    }
}

/// Whether a drop is the server's doing: a well-formed query is answered, and the same
/// request is dropped again. `Ok(false)`: the network's (inconclusive).
pub(super) async fn reproduces(
    w: &mut TtpayWorld,
    endpoint: Endpoint,
    method: &Method,
    payload: &Payload,
) -> Result<bool, StepFailure> {
    if !well_formed_answered(w).await? {
        return Ok(false);
    }
    let again = send_once(w, endpoint, method, payload).await;
    Ok(matches!(again, Err(StepFailure::Inconclusive(_))) && well_formed_answered(w).await?)
}

/// Whether a well-formed query of an order that cannot exist gets an answer.
pub(super) async fn well_formed_answered(w: &mut TtpayWorld) -> Result<bool, StepFailure> {
    let probe = lookup(w, Who::Merchant, "out_trade_no", &fresh_id("probe"))?;
    let ctx = w.ctx();
    let merchant = w.merchant(Who::Merchant)?;
    w.state.findings.requests += 1;
    Ok(ctx
        .client
        .call(
            Endpoint::Query,
            &merchant,
            &Payload::Json(probe),
            Tamper::None,
        )
        .await
        .is_ok())
}

#[then(regex = r"^the method is refused$")]
async fn method_is_refused(w: &mut TtpayWorld) -> StepResult {
    let last = w.last()?.clone();
    let method = last.method.clone();
    let mut found = Vec::new();
    if last.status >= 500 {
        found.push((
            "(http status)".to_owned(),
            format!("a refusal of {method}: a JSON refusal or a 4xx, never a 5xx"),
            format!("HTTP {}", last.status),
        ));
    } else if last.status == 200 && last.code() == Some(0) {
        found.push((
            "/code".to_owned(),
            format!("a refusal of {method} (code other than 0, or a 4xx such as 405)"),
            "0 (success)".to_owned(),
        ));
    }
    w.deviate_at("T7", &last, found)?;
    if last.status == 200 {
        // A JSON refusal is an answer like any other (T3, T4, A6).
        let ctx = w.ctx();
        let (deviations, observations) =
            crate::ttpay::checks::every_exchange(&last, &ctx.schemas, ctx.signatures);
        w.findings.observations.extend(observations);
        w.deviate(deviations)?;
    }
    Ok(())
}

#[then(regex = r"^the connection still answers a valid request$")]
async fn connection_still_answers(w: &mut TtpayWorld) -> StepResult {
    // The client's pool hands the next request the connection just used, when the server
    // kept it alive.
    if well_formed_answered(w).await? {
        return Ok(());
    }
    let endpoint = w.last()?.endpoint.clone();
    w.findings.inconclusive = None;
    let drop = "no answer to a valid query right after";
    crate::ttpay::steadiness::unless_flaky(w, Endpoint::Query, drop)?;
    w.deviate(vec![
        Deviation::new(
            "T7",
            endpoint,
            "(connection)",
            "the next valid request after a refused method gets its normal answer",
            drop,
        )
        .if_steady(),
    ])
}
