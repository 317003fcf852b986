//! `Given`: the orders a scenario closes — created (G1), queried until NOTPAY (G2), and old
//! enough to close (W5) — a paid order, a closed one.

use std::time::Duration;

use cucumber::given;
use reqwest::Method;

use super::{Key, close_body, close_call, create_order, query_state};
use crate::wechatpay::checks;
use crate::wechatpay::client::Tamper;
use crate::wechatpay::world::{OrderKind, Pooled, WechatpayWorld, Who};
use crate::world::StepResult;

/// Creates (or takes from the pool) an order of `kind`, judges its create (G1), queries it
/// (G2: NOTPAY, and its `id`), and makes it old enough to close unless `young`.
pub async fn unpaid(
    w: &mut WechatpayWorld,
    kind: OrderKind,
    text: &str,
    young: bool,
) -> StepResult {
    let ctx = w.ctx();
    let who = if kind == OrderKind::Sub {
        Who::Institution
    } else {
        Who::Merchant
    };
    let pooled = if young { None } else { ctx.pooled(kind) };
    let pooled = match pooled {
        Some(p) => p,
        None => {
            w.state.findings.requests += 1;
            match create_order(&ctx, who, text).await {
                Ok(p) => p,
                Err(inconclusive) => {
                    let text = inconclusive.to_string();
                    w.state.findings.inconclusive = Some(inconclusive);
                    return Err(crate::findings::StepFailure::Inconclusive(text));
                }
            }
        }
    };
    take_order(w, pooled).await?;
    if !young {
        old_enough(w).await?;
    }
    Ok(())
}

/// Makes a created order the order under test: its create judged (G1), then a query of it
/// (G2: NOTPAY, and its `id`).
pub async fn take_order(w: &mut WechatpayWorld, pooled: Pooled) -> StepResult {
    w.state.note(&pooled.answer);
    w.judge("G1", &pooled.answer, checks::created(&pooled.answer))?;
    w.first_create = Some(pooled.answer.clone());
    w.order = Some(pooled.order);
    let (state, exchange) = query_state(w, false).await?;
    if state != "NOTPAY" {
        w.judge(
            "G2",
            &exchange,
            vec![("/trade_state".into(), "NOTPAY (a new order)".into(), state)],
        )?;
    }
    Ok(())
}

/// Makes the order older than the target's minimum close age (W5): the double's control API
/// ages it; a remote target is waited for, counted from the order's creation.
pub async fn old_enough(w: &mut WechatpayWorld) -> StepResult {
    let ctx = w.ctx();
    let age = ctx.close_min_age;
    if age.is_zero() {
        return Ok(());
    }
    let order = w.order()?.clone();
    if ctx.control {
        let seconds = age.as_secs() + 1;
        if let Err(inconclusive) = ctx
            .client
            .control(&order.out_trade_no, &format!("age?seconds={seconds}"))
            .await
        {
            let text = inconclusive.to_string();
            w.state.findings.inconclusive = Some(inconclusive);
            return Err(crate::findings::StepFailure::Inconclusive(text));
        }
        return Ok(());
    }
    let ready = order.created + age + Duration::from_secs(1);
    tokio::time::sleep_until(ready.into()).await;
    Ok(())
}

#[given(regex = r"^an unpaid order$")]
async fn an_unpaid_order(w: &mut WechatpayWorld) -> StepResult {
    unpaid(w, OrderKind::Plain, "", false).await
}

#[given(regex = r#"^an unpaid order whose out_trade_no contains "([^"]*)"$"#)]
async fn an_unpaid_order_containing(w: &mut WechatpayWorld, text: String) -> StepResult {
    if text.is_empty() || text.len() > 8 {
        return Err(crate::findings::StepFailure::Usage(
            "the text an out_trade_no contains is 1 to 8 characters".into(),
        ));
    }
    let kind = if text == "*" {
        OrderKind::Star
    } else {
        OrderKind::Plain
    };
    if kind == OrderKind::Plain {
        return unpaid_with(w, &text).await;
    }
    unpaid(w, kind, &text, false).await
}

async fn unpaid_with(w: &mut WechatpayWorld, text: &str) -> StepResult {
    // Texts other than "*" are never pooled: created now, then made old enough.
    unpaid(w, OrderKind::Plain, text, true).await?;
    old_enough(w).await
}

#[given(regex = r"^an unpaid order of a sub-merchant$")]
async fn an_unpaid_sub_order(w: &mut WechatpayWorld) -> StepResult {
    unpaid(w, OrderKind::Sub, "", false).await
}

#[given(regex = r"^an unpaid order created just now$")]
async fn a_young_order(w: &mut WechatpayWorld) -> StepResult {
    unpaid(w, OrderKind::Plain, "", true).await
}

#[given(regex = r"^the order is old enough to close$")]
async fn the_order_is_old_enough(w: &mut WechatpayWorld) -> StepResult {
    old_enough(w).await
}

#[given(regex = r"^a paid order$")]
async fn a_paid_order(w: &mut WechatpayWorld) -> StepResult {
    let ctx = w.ctx();
    if ctx.control {
        unpaid(w, OrderKind::Plain, "", true).await?;
        let out_trade_no = w.order()?.out_trade_no.clone();
        if let Err(inconclusive) = ctx.client.control(&out_trade_no, "pay").await {
            let text = inconclusive.to_string();
            w.state.findings.inconclusive = Some(inconclusive);
            return Err(crate::findings::StepFailure::Inconclusive(text));
        }
        old_enough(w).await?;
    } else {
        let paid = ctx.paid_out_trade_no.clone().ok_or_else(|| {
            crate::findings::StepFailure::Usage(
                "this step needs a paid order: tag the scenario @needs-paid-order".into(),
            )
        })?;
        let create = super::create_call(&ctx, Who::Merchant, &paid)?;
        w.order = Some(crate::wechatpay::world::Order {
            owner: Who::Merchant,
            out_trade_no: paid,
            id: None,
            create,
            code_url: None,
            created: std::time::Instant::now(),
        });
    }
    let (state, exchange) = query_state(w, false).await?;
    if state != "SUCCESS" {
        w.judge(
            "G2",
            &exchange,
            vec![(
                "/trade_state".into(),
                "SUCCESS (a paid order)".into(),
                state,
            )],
        )?;
    }
    Ok(())
}

#[given(regex = r"^a closed order$")]
async fn a_closed_order(w: &mut WechatpayWorld) -> StepResult {
    unpaid(w, OrderKind::Plain, "", false).await?;
    let ctx = w.ctx();
    let out_trade_no = w.order()?.out_trade_no.clone();
    let call = close_call(
        &ctx,
        Key::OutTradeNo,
        &out_trade_no,
        Method::POST,
        close_body(&ctx, Who::Merchant),
    );
    let exchange = w.send(&call, Who::Merchant, &Tamper::None).await?;
    w.judge("W2", &exchange, checks::close_succeeded(&exchange))?;
    let (state, query) = query_state(w, false).await?;
    if state != "CLOSED" {
        w.judge(
            "W2",
            &query,
            vec![("/trade_state".into(), "CLOSED (after a 204)".into(), state)],
        )?;
    }
    Ok(())
}
