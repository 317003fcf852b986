//! T7: methods the API does not document for an endpoint (`PUT`, `DELETE`, `PATCH` anywhere,
//! `GET` on create and close), signed as sent. They must not succeed, must have no effect,
//! must get neither a 5xx nor a dropped connection, and the connection must stay usable.
//! A dropped connection is a deviation only when it reproduces: the same request dropped
//! again while a well-formed request on a fresh connection is answered.
//!
//! The undocumented method and the valid request after it go over one kept-alive connection
//! of the scenario's own ([`TtpayClient::on_own_connection`]), not the run's pool: a provider
//! that leaves the body of a `PUT` unread desyncs that connection, which shows here, under
//! T7 — and no other scenario is ever handed the poisoned connection.

use std::sync::Arc;

use cucumber::{then, when};
use serde_json::Value;

use super::{Order, Payload, StepResult, Tamper, TtpayWorld, Who, lookup};
use crate::findings::{Deviation, StepFailure};
use crate::http::Method;
use crate::ttpay::Endpoint;
use crate::ttpay::client::{TtpayClient, TtpayExchange as _};
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

/// The scenario's client on its own kept-alive connection, made at its first use.
fn own_connection(w: &mut TtpayWorld) -> Result<Arc<TtpayClient>, StepFailure> {
    if let Some(client) = &w.own_connection {
        return Ok(Arc::clone(client));
    }
    let client = w
        .ctx()
        .client
        .on_own_connection()
        .map_err(|e| StepFailure::Inconclusive(format!("no client of its own: {e}")))?;
    let client = Arc::new(client);
    w.own_connection = Some(Arc::clone(&client));
    Ok(client)
}

async fn send_once(
    w: &mut TtpayWorld,
    endpoint: Endpoint,
    method: &Method,
    payload: &Payload,
) -> StepResult {
    let client = own_connection(w)?;
    let merchant = w.merchant(Who::Merchant)?;
    w.state.findings.requests += 1;
    match client
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

/// Whether a drop is the server's doing: a well-formed query on a fresh connection (the run's
/// pool) is answered, and the same request is dropped again. `Ok(false)`: the network's
/// (inconclusive).
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

/// Whether a well-formed query of an order that cannot exist gets an answer, on the run's pool.
pub(super) async fn well_formed_answered(w: &mut TtpayWorld) -> Result<bool, StepFailure> {
    let client = &w.ctx().client;
    Ok(probe(w, client).await?.is_some())
}

/// A well-formed query of an order that cannot exist, through `client`: its answer, or `None`
/// when none came.
async fn probe(
    w: &mut TtpayWorld,
    client: &TtpayClient,
) -> Result<Option<crate::exchange::Exchange>, StepFailure> {
    let probe = lookup(w, Who::Merchant, "out_trade_no", &fresh_id("probe"))?;
    let merchant = w.merchant(Who::Merchant)?;
    w.state.findings.requests += 1;
    let answer = client
        .call(
            Endpoint::Query,
            &merchant,
            &Payload::Json(probe),
            Tamper::None,
        )
        .await
        .ok();
    if let Some(exchange) = &answer {
        w.state.note(exchange);
    }
    Ok(answer)
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
    // The scenario's own client has one connection: the one the method went over, if the
    // server kept it alive (a server that closed it after answering is within HTTP).
    let client = own_connection(w)?;
    let method = w.last()?.method.clone();
    let expected = format!(
        "the next valid request after a refused {method}, on the same connection, gets its normal answer (HTTP 200, a JSON envelope with a code)"
    );
    let answer = probe(w, &client).await?;
    let dropped = answer.is_none();
    let actual = match answer {
        None => "no answer to a valid query right after".to_owned(),
        Some(answer) if answer.status == 200 && answer.code().is_some() => return Ok(()),
        Some(answer) => format!(
            "HTTP {} {} — was the body of the {method} left unread, and read as the next request?",
            answer.status,
            answer.body_excerpt()
        ),
    };
    let endpoint = w.last()?.endpoint.clone();
    w.findings.inconclusive = None;
    let deviation = Deviation::new("T7", endpoint, "(connection)", expected, actual.clone());
    if dropped {
        // No answer at all: the target's flakiness unless it answers well-formed requests.
        crate::ttpay::steadiness::unless_flaky(w, Endpoint::Query, &actual)?;
        return w.deviate(vec![deviation.if_steady()]);
    }
    w.deviate(vec![deviation])
}
