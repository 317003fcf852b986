//! Steps that bring orders into being: the fixtures (`Given an unpaid order`, `a paid order`,
//! `a closed order`) and the creates under test (`When the merchant creates an order …`).

use cucumber::gherkin::Step;
use cucumber::{given, when};
use serde_json::Value;

use super::{
    Order, Payload, StepResult, Tamper, TtpayWorld, Who, apply_table, establish,
    find_by_out_trade_no, tamper,
};
use crate::findings::StepFailure;
use crate::ttpay::Endpoint;
use crate::ttpay::checks;
use crate::ttpay::client::TtpayExchange as _;

#[given(regex = r"^an unpaid order$")]
async fn an_unpaid_order(w: &mut TtpayWorld) -> StepResult {
    let body = w.valid_order(Who::Merchant)?;
    establish(w, body).await
}

#[given(regex = r"^an unpaid order with:$")]
async fn an_unpaid_order_with(w: &mut TtpayWorld, step: &Step) -> StepResult {
    let mut body = w.valid_order(Who::Merchant)?;
    apply_table(w, step, &mut body)?;
    establish(w, body).await
}

#[given(regex = r"^a paid order$")]
async fn a_paid_order(w: &mut TtpayWorld) -> StepResult {
    let ctx = w.ctx();
    let out_trade_no = ctx.paid_out_trade_no.clone().ok_or_else(|| {
        StepFailure::Usage("tag the scenario @needs-paid-order: no paid order is configured".into())
    })?;
    let found = find_by_out_trade_no(w, &out_trade_no).await?;
    if found.code() != Some(0) {
        return Err(StepFailure::Usage(format!(
            "the paid order TTPAY_PAID_OUT_TRADE_NO={out_trade_no} is not found in the target ({})\n(hint: name an order of the configured merchant that is paid)",
            checks::refusal(&found)
        )));
    }
    let sent = found.data().cloned().unwrap_or_default();
    w.order = Some(Order {
        owner: Who::Merchant,
        transaction_id: sent
            .get("transaction_id")
            .and_then(Value::as_str)
            .map(str::to_owned),
        prepay_id: None,
        sent,
        out_trade_no,
        close_time: None,
    });
    w.last = Some(found);
    Ok(())
}

#[given(regex = r"^a closed order$")]
async fn a_closed_order(w: &mut TtpayWorld) -> StepResult {
    let body = w.valid_order(Who::Merchant)?;
    establish(w, body).await?;
    super::calls::close_order(w, Who::Merchant, Tamper::None).await?;
    let closed = w.last()?.clone();
    w.deviate(checks::succeeded(
        "X1",
        &closed,
        "0: an unpaid order closes",
    ))?;
    let detail = super::detail(w).await?;
    let last = w.last()?.clone();
    w.deviate(checks::closed(&last, &detail))?;
    let close_time = detail.get("close_time").and_then(Value::as_i64);
    if let Some(order) = w.order.as_mut() {
        order.close_time = close_time;
    }
    Ok(())
}

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
