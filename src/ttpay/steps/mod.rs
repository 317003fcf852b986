//! The steps of the TTPay features: domain steps a QA engineer reads as the contract
//! (`given`, `when`, `then`; `echoes`, `methods` and `notifications` by concept), over the
//! engine's generic layer for what they do not reach ([`crate::steps::generic`]). Steps
//! gather evidence; the rules themselves live in [`super::checks`].

pub(crate) mod docs;
mod echoes;
mod given;
mod methods;
mod notifications;
mod then;
mod when;

pub(crate) use when::endpoint_named;

crate::generic_steps!(TtpayWorld);

use cucumber::gherkin::Step;
use serde_json::{Map, Value, json};

use super::client::{Payload, Tamper, TtpayExchange as _};
use super::world::{Order, StepResult, TtpayWorld, Who};
use super::{Endpoint, checks};
use crate::findings::StepFailure;

/// Reads "with a wrong signature" and its kin.
fn tamper(text: Option<&str>) -> Tamper {
    match text.unwrap_or("") {
        t if t.contains("wrong signature") => Tamper::WrongSignature,
        t if t.contains("hour old") => Tamper::StaleTimestamp,
        t if t.contains("unknown application") => Tamper::UnknownApp,
        _ => Tamper::None,
    }
}

/// The step's `| field | value |` table applied to `body` (a `#absent` value removes it).
fn apply_table(w: &TtpayWorld, step: &Step, body: &mut Map<String, Value>) -> StepResult {
    let table = step.table.as_ref().ok_or_else(|| {
        StepFailure::Usage(format!(
            "step \"{}\" needs a | field | value | table",
            step.value
        ))
    })?;
    for row in &table.rows {
        let [field, value] = row.as_slice() else {
            return Err(StepFailure::Usage(format!(
                "table rows of \"{}\" have two cells: | field | value |",
                step.value
            )));
        };
        match w.cell(value)? {
            Some(v) => body.insert(field.trim().to_owned(), v),
            None => body.remove(field.trim()),
        };
    }
    Ok(())
}

/// The query body that finds `order` by `key` for `who`.
fn lookup(w: &TtpayWorld, who: Who, key: &str, value: &str) -> Result<Value, StepFailure> {
    let merchant = w.merchant(who)?;
    Ok(json!({ "app_id": merchant.app_id, "mch_id": merchant.mch_id, key: value }))
}

/// Queries the merchant's order `out_trade_no` (checked as every exchange; not kept as last).
async fn find_by_out_trade_no(
    w: &mut TtpayWorld,
    out_trade_no: &str,
) -> Result<super::client::Exchange, StepFailure> {
    let query = lookup(w, Who::Merchant, "out_trade_no", out_trade_no)?;
    w.send(
        Endpoint::Query,
        Who::Merchant,
        Payload::Json(query),
        Tamper::None,
    )
    .await
}

/// Queries the order under test as its owner: by transaction_id when known.
async fn query_order(w: &mut TtpayWorld) -> StepResult {
    let order = w.order()?.clone();
    let body = match &order.transaction_id {
        Some(id) => lookup(w, order.owner, "transaction_id", id)?,
        None => lookup(w, order.owner, "out_trade_no", &order.out_trade_no)?,
    };
    w.send_last(
        Endpoint::Query,
        order.owner,
        Payload::Json(body),
        Tamper::None,
    )
    .await
}

/// The order's detail: the last answer when it was a successful query, else a fresh query.
async fn detail(w: &mut TtpayWorld) -> Result<Map<String, Value>, StepFailure> {
    let fresh = w
        .last
        .as_ref()
        .is_some_and(|e| e.is(Endpoint::Query) && e.code() == Some(0));
    if !fresh {
        query_order(w).await?;
    }
    let exchange = w.last()?.clone();
    w.deviate(checks::data_on_success(&exchange))?;
    let rule = w.rule();
    w.deviate(checks::succeeded(rule, &exchange, "0: the order is found"))?;
    Ok(exchange.data().cloned().unwrap_or_default())
}

/// Creates an order that must succeed and learns its transaction_id.
async fn establish(w: &mut TtpayWorld, body: Map<String, Value>) -> StepResult {
    let created = w
        .send(
            Endpoint::Create,
            Who::Merchant,
            Payload::Json(Value::Object(body.clone())),
            Tamper::None,
        )
        .await?;
    w.deviate(checks::created(&created))?;
    if let Some(url) = created.pointer("/data/payment_url") {
        w.state.vars.insert("payment_url".into(), url.clone());
    }
    let out_trade_no = body
        .get("out_trade_no")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let prepay_id = created
        .pointer("/data/prepay_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let found = find_by_out_trade_no(w, &out_trade_no).await?;
    w.deviate(checks::succeeded(
        "Q1",
        &found,
        "0: a query by out_trade_no finds the order just created",
    ))?;
    w.deviate(checks::names_its_transaction_id(&found))?;
    let transaction_id = found
        .pointer("/data/transaction_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    w.order = Some(Order {
        owner: Who::Merchant,
        sent: body,
        out_trade_no,
        prepay_id,
        transaction_id,
        close_time: None,
    });
    w.last = Some(found);
    Ok(())
}
