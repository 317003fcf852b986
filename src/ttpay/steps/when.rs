//! The When steps: the creates under test (`When the merchant creates an order …`), the
//! queries and closes of the order under test, and what no client should send.

use cucumber::gherkin::Step;
use cucumber::when;
use serde_json::{Value, json};

use super::{Order, Payload, StepResult, Tamper, TtpayWorld, Who, apply_table, lookup, tamper};
use crate::findings::{Deviation, Observation, StepFailure};
use crate::ttpay::Endpoint;
use crate::world::fresh_id;

#[when(
    regex = r"^(the merchant|the other merchant) creates an order(?: (with a wrong signature|with a timestamp an hour old|as an unknown application))?$"
)]
async fn creates_an_order(w: &mut TtpayWorld, who: String, how: String) -> StepResult {
    let who = Who::parse(&who);
    let body = w.valid_order(who)?;
    create(w, who, body, tamper(Some(&how))).await
}

#[when(regex = r"^(the merchant|the other merchant) creates an order with:$")]
async fn creates_an_order_with(w: &mut TtpayWorld, step: &Step, who: String) -> StepResult {
    let who = Who::parse(&who);
    let mut body = w.valid_order(who)?;
    apply_table(w, step, &mut body)?;
    create(w, who, body, Tamper::None).await
}

#[when(regex = r#"^the merchant creates an order without "([^"]+)"$"#)]
async fn creates_an_order_without(w: &mut TtpayWorld, field: String) -> StepResult {
    let mut body = w.valid_order(Who::Merchant)?;
    if body.remove(&field).is_none() {
        return Err(StepFailure::Usage(format!(
            "\"{field}\" is not a field of a valid order (app_id, mch_id, out_trade_no, expire_second, amount, chain, currency, order_type, description)"
        )));
    }
    create(w, Who::Merchant, body, Tamper::None).await
}

/// Like "creates an order with:", for input that only T5 has a word on: the answer is judged
/// by "Then the response is a JSON refusal", not by the checks of every exchange.
#[when(regex = r"^the merchant sends an order with:$")]
async fn sends_an_order_with(w: &mut TtpayWorld, step: &Step) -> StepResult {
    let mut body = w.valid_order(Who::Merchant)?;
    apply_table(w, step, &mut body)?;
    w.send_malformed(Endpoint::Create, Payload::Json(body.into()), Tamper::None)
        .await
}

#[when(regex = r"^the merchant creates it again with:$")]
async fn creates_it_again(w: &mut TtpayWorld, step: &Step) -> StepResult {
    let mut body = w.order()?.sent.clone();
    apply_table(w, step, &mut body)?;
    w.send_last(
        Endpoint::Create,
        Who::Merchant,
        Payload::Json(body.into()),
        Tamper::None,
    )
    .await
}

#[when(regex = r"^the other merchant creates an order with the same out_trade_no$")]
async fn other_creates_same(w: &mut TtpayWorld) -> StepResult {
    let mut body = w.valid_order(Who::Other)?;
    body.insert(
        "out_trade_no".into(),
        w.order()?.out_trade_no.clone().into(),
    );
    w.send_last(
        Endpoint::Create,
        Who::Other,
        Payload::Json(body.into()),
        Tamper::None,
    )
    .await
}

/// Sends a create under test; the order is remembered whatever the answer, so that later
/// steps can check that a refused create left nothing behind.
async fn create(
    w: &mut TtpayWorld,
    who: Who,
    body: serde_json::Map<String, Value>,
    tamper: Tamper,
) -> StepResult {
    w.order = Some(Order {
        owner: who,
        out_trade_no: body
            .get("out_trade_no")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        sent: body.clone(),
        prepay_id: None,
        transaction_id: None,
        close_time: None,
    });
    w.send_last(Endpoint::Create, who, Payload::Json(body.into()), tamper)
        .await?;
    let prepay_id = w
        .last()?
        .pointer("/data/prepay_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(order) = w.order.as_mut() {
        order.prepay_id = prepay_id;
    }
    Ok(())
}

#[when(
    regex = r"^(the merchant|the other merchant) queries it by (out_trade_no|transaction_id)(?: (with a wrong signature|with a timestamp an hour old|as an unknown application))?$"
)]
async fn queries_it(w: &mut TtpayWorld, who: String, key: String, how: String) -> StepResult {
    let order = w.order()?.clone();
    let value = if key == "transaction_id" {
        order.transaction_id.clone().ok_or_else(|| {
            StepFailure::Usage("the order has no transaction_id yet (was it created?)".into())
        })?
    } else {
        order.out_trade_no.clone()
    };
    let who = Who::parse(&who);
    let body = lookup(w, who, &key, &value)?;
    w.send_last(
        Endpoint::Query,
        who,
        Payload::Json(body),
        tamper(Some(&how)),
    )
    .await
}

#[when(regex = r"^the merchant queries it both ways$")]
async fn queries_it_both_ways(w: &mut TtpayWorld) -> StepResult {
    let order = w.order()?.clone();
    let transaction_id = order.transaction_id.clone().ok_or_else(|| {
        StepFailure::Usage("the order has no transaction_id yet (was it created?)".into())
    })?;
    w.queries.clear();
    for (key, value) in [
        ("out_trade_no", order.out_trade_no.as_str()),
        ("transaction_id", transaction_id.as_str()),
    ] {
        let body = lookup(w, Who::Merchant, key, value)?;
        let exchange = w
            .send(
                Endpoint::Query,
                Who::Merchant,
                Payload::Json(body),
                Tamper::None,
            )
            .await?;
        w.queries.push(exchange.clone());
        w.last = Some(exchange);
    }
    Ok(())
}

#[when(
    regex = r"^the merchant queries an order that does not exist(?: by (out_trade_no|transaction_id))?$"
)]
async fn queries_a_missing_order(w: &mut TtpayWorld, key: String) -> StepResult {
    let key = if key.is_empty() {
        "out_trade_no"
    } else {
        key.as_str()
    };
    let value = if key == "transaction_id" {
        uuid::Uuid::new_v4().simple().to_string()
    } else {
        fresh_id("missing")
    };
    let body = lookup(w, Who::Merchant, key, &value)?;
    w.ask(Endpoint::Query, body).await
}

#[when(regex = r"^the merchant queries without out_trade_no or transaction_id$")]
async fn queries_without_ids(w: &mut TtpayWorld) -> StepResult {
    let body = ids_only(w)?;
    w.ask(Endpoint::Query, body).await
}

#[when(
    regex = r"^(the merchant|the other merchant) closes it(?: again)?(?: (with a wrong signature|with a timestamp an hour old|as an unknown application))?$"
)]
async fn closes_it(w: &mut TtpayWorld, who: String, how: String) -> StepResult {
    close_order(w, Who::parse(&who), tamper(Some(&how))).await
}

/// Closes the order under test by its transaction_id, as `who`.
pub(super) async fn close_order(w: &mut TtpayWorld, who: Who, tamper: Tamper) -> StepResult {
    let transaction_id = w.order()?.transaction_id.clone().ok_or_else(|| {
        StepFailure::Usage("the order has no transaction_id yet (was it created?)".into())
    })?;
    let body = lookup(w, who, "transaction_id", &transaction_id)?;
    w.send_last(Endpoint::Close, who, Payload::Json(body), tamper)
        .await
}

#[when(regex = r"^the merchant closes an order that does not exist$")]
async fn closes_a_missing_order(w: &mut TtpayWorld) -> StepResult {
    let missing = uuid::Uuid::new_v4().simple().to_string();
    let body = lookup(w, Who::Merchant, "transaction_id", &missing)?;
    w.ask(Endpoint::Close, body).await
}

#[when(regex = r"^the merchant closes without a transaction_id$")]
async fn closes_without_id(w: &mut TtpayWorld) -> StepResult {
    let body = ids_only(w)?;
    w.ask(Endpoint::Close, body).await
}

/// The merchant's `app_id` and `mch_id`, and nothing that names an order.
fn ids_only(w: &TtpayWorld) -> Result<serde_json::Value, StepFailure> {
    let merchant = w.merchant(Who::Merchant)?;
    Ok(json!({ "app_id": merchant.app_id, "mch_id": merchant.mch_id }))
}

#[when(regex = r"^I send to ([A-Za-z0-9_]+) the raw body:$")]
async fn send_raw(w: &mut TtpayWorld, step: &Step, endpoint: String) -> StepResult {
    let endpoint = endpoint_named(&endpoint)?;
    let body = step.docstring.clone().unwrap_or_default();
    malformed(w, endpoint, body.trim().as_bytes().to_vec()).await
}

#[when(regex = r"^the merchant sends ([A-Za-z0-9_]+) a body that is not UTF-8$")]
async fn send_not_utf8(w: &mut TtpayWorld, endpoint: String) -> StepResult {
    let endpoint = endpoint_named(&endpoint)?;
    malformed(w, endpoint, b"{\"mch_id\": \"\xff\xfe\xc3\x28\"}".to_vec()).await
}

#[when(
    regex = r"^the merchant sends ([A-Za-z0-9_]+) (without an Authorization header|with an unreadable Authorization header)$"
)]
async fn send_without_authorization(
    w: &mut TtpayWorld,
    endpoint: String,
    how: String,
) -> StepResult {
    let endpoint = endpoint_named(&endpoint)?;
    let tamper = if how.starts_with("without") {
        Tamper::NoAuthorization
    } else {
        Tamper::UnreadableAuthorization
    };
    let body = match endpoint {
        Endpoint::Create => serde_json::Value::Object(w.valid_order(Who::Merchant)?),
        _ => lookup(w, Who::Merchant, "out_trade_no", &fresh_id("probe"))?,
    };
    w.send_malformed(endpoint, Payload::Json(body), tamper)
        .await
}

/// Sends malformed input. A dropped connection is a T5 deviation only when it reproduces: a
/// well-formed request on a fresh connection is answered, and the same input is dropped
/// again. When the second attempt is answered, that answer is judged (the drop was the
/// network's, and is said as an observation).
async fn malformed(w: &mut TtpayWorld, endpoint: Endpoint, body: Vec<u8>) -> StepResult {
    let payload = Payload::Raw(body);
    let Err(StepFailure::Inconclusive(reason)) = w
        .send_malformed(endpoint, payload.clone(), Tamper::None)
        .await
    else {
        return Ok(());
    };
    if !super::methods::well_formed_answered(w).await? {
        return Err(StepFailure::Inconclusive(reason));
    }
    w.findings.inconclusive = None;
    match w.send_malformed(endpoint, payload, Tamper::None).await {
        Ok(()) => {
            w.findings.observations.push(Observation {
                rule: "T5".into(),
                endpoint: endpoint.path().to_owned(),
                note: format!(
                    "the first attempt got no answer ({reason}); the same request again was answered"
                ),
                request_id: None,
            });
            Ok(())
        }
        Err(StepFailure::Inconclusive(again)) => {
            if !super::methods::well_formed_answered(w).await? {
                return Err(StepFailure::Inconclusive(again));
            }
            w.findings.inconclusive = None;
            let drop = format!(
                "no answer, twice ({reason}), while well-formed requests on fresh connections were answered"
            );
            crate::ttpay::steadiness::unless_flaky(w, endpoint, &drop)?;
            w.deviate(vec![
                Deviation::new(
                    "T5",
                    endpoint.path(),
                    "(connection)",
                    "a JSON refusal to malformed input",
                    drop,
                )
                .if_steady(),
            ])
        }
        Err(other) => Err(other),
    }
}

/// `create`, `query` or `close` as written in a feature file.
pub(crate) fn endpoint_named(name: &str) -> Result<Endpoint, StepFailure> {
    Endpoint::from_name(name).ok_or_else(|| {
        StepFailure::Usage(format!(
            "unknown endpoint \"{name}\"\n(hint: one of create, query, close)"
        ))
    })
}
