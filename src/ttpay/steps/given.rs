//! The Given steps: the order fixtures (`Given an unpaid order`, `a paid order`, `a closed
//! order`) a scenario starts from.

use cucumber::gherkin::Step;
use cucumber::given;
use serde_json::Value;

use super::{
    Order, StepResult, Tamper, TtpayWorld, Who, apply_table, establish, find_by_out_trade_no,
};
use crate::findings::StepFailure;
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
    super::when::close_order(w, Who::Merchant, Tamper::None).await?;
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
