//! The notification steps (CONTRACT WN1–WN4): an order whose `notify_url` is the scenario's
//! mailbox, paid by the run's payer; what arrives is waited for on the provider's schedule
//! ([`crate::notify::Watch`]) and judged by [`checks::notification`].

use cucumber::{given, then, when};
use serde_json::Value;

use super::{create_call, fresh_out_trade_no, place, query_state};
use crate::findings::{Observation, StepFailure};
use crate::notify::{Delivery, Reply, Rules, Schedule, Watch};
use crate::settings::ResponseSignatures;
use crate::wechatpay::checks;
use crate::wechatpay::checks::notification as judge;
use crate::wechatpay::double::NOTIFY_SCHEDULE;
use crate::wechatpay::world::{WechatpayWorld, Who};
use crate::world::StepResult;

/// WeChat Pay's answers and rules as the receiver keeps them: a 2xx acknowledges.
const RULES: Rules = Rules {
    retry: "WN4",
    event: "WN4",
    ack: || Reply {
        status: 204,
        content_type: "application/json",
        body: String::new(),
    },
    fail: || Reply {
        status: 500,
        content_type: "application/json",
        body: r#"{"code":"FAIL","message":"not now"}"#.into(),
    },
};

fn schedule(w: &WechatpayWorld) -> Schedule {
    Schedule::new(
        &NOTIFY_SCHEDULE,
        w.ctx().notifications.settings.schedule_scale,
    )
}

#[given(regex = r"^an unpaid order to be notified$")]
async fn an_order_to_be_notified(w: &mut WechatpayWorld) -> StepResult {
    to_be_notified(w, 0).await
}

#[given(
    regex = r#"^an unpaid order to be notified, its receiver answering "fail" ([0-9]+) times?$"#
)]
async fn an_order_to_be_notified_after(w: &mut WechatpayWorld, failures: String) -> StepResult {
    let failures = failures.parse().ok().filter(|n| *n <= 8).ok_or_else(|| {
        StepFailure::Usage(format!(
            "answering \"fail\" {failures} times: at most 8 (the schedule has 10 attempts)"
        ))
    })?;
    to_be_notified(w, failures).await
}

async fn to_be_notified(w: &mut WechatpayWorld, failures: usize) -> StepResult {
    let ctx = w.ctx();
    let url = w
        .state
        .notify
        .open(&ctx.notifications, RULES, failures)
        .await?;
    let out_trade_no = fresh_out_trade_no("");
    let mut call = create_call(&ctx, Who::Merchant, &out_trade_no)?;
    let mut body: Value = serde_json::from_slice(&call.body).unwrap_or_default();
    body["notify_url"] = Value::from(url);
    call.body = serde_json::to_vec(&body).unwrap_or_default();
    w.state.findings.requests += 1;
    let placed = match place(&ctx, Who::Merchant, out_trade_no, call).await {
        Ok(placed) => placed,
        Err(inconclusive) => {
            return w
                .state
                .inconclusive(&inconclusive.endpoint, inconclusive.reason);
        }
    };
    w.state.note(&placed.answer);
    w.judge("G1", &placed.answer, checks::created(&placed.answer))?;
    w.order = Some(placed.order);
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

#[when(regex = r"^the customer pays it$")]
async fn the_customer_pays(w: &mut WechatpayWorld) -> StepResult {
    let ctx = w.ctx();
    let order = w.order()?.clone();
    let paid = ctx
        .notifications
        .pay(&order.out_trade_no, order.code_url.as_deref())
        .await;
    w.state.settle("/_control/orders/{id}/pay", paid)
}

#[then(regex = r"^a notification arrives$")]
async fn a_notification_arrives(w: &mut WechatpayWorld) -> StepResult {
    arrive(w, 1).await
}

#[then(regex = r"^the notification arrives ([0-9]+) times, on the documented schedule$")]
async fn arrives_on_schedule(w: &mut WechatpayWorld, count: usize) -> StepResult {
    arrive(w, count).await
}

async fn arrive(w: &mut WechatpayWorld, count: usize) -> StepResult {
    let ctx = w.ctx();
    let schedule = schedule(w);
    Watch::arrive(&mut w.state, &ctx.notifications, &schedule, RULES, count).await
}

#[then(regex = r"^every notification is signed by the platform$")]
async fn signed_by_the_platform(w: &mut WechatpayWorld) -> StepResult {
    let ctx = w.ctx();
    let keys = ctx.client.platform();
    let mut deviations = Vec::new();
    for delivery in &w.state.notify.deliveries {
        let now = delivery.at_ms.div_euclid(1000);
        let (form, signature) = judge::signed(delivery, &keys, now);
        deviations.extend(form);
        match ctx.signatures {
            ResponseSignatures::Strict => deviations.extend(signature),
            ResponseSignatures::Observe => {
                for d in signature {
                    w.state.findings.observations.push(Observation {
                        rule: d.rule.clone(),
                        endpoint: judge::ENDPOINT.into(),
                        note: format!("{}: {} (expected {})", d.pointer, d.actual, d.expected),
                        request_id: None,
                    });
                }
            }
            ResponseSignatures::Off => {}
        }
    }
    w.state.deviate(deviations)
}

#[then(regex = r"^every notification decrypts with the APIv3 key$")]
async fn decrypts(w: &mut WechatpayWorld) -> StepResult {
    let ctx = w.ctx();
    let key = ctx.apiv3_key.clone().ok_or_else(|| {
        StepFailure::Usage(
            "notifications decrypt with the APIv3 key: set WECHATPAY_APIV3_KEY".into(),
        )
    })?;
    let mut orders = Vec::new();
    let mut deviations = Vec::new();
    for delivery in &w.state.notify.deliveries {
        match judge::decrypts(delivery, &ctx.schemas, &key) {
            Ok(order) => orders.push(order),
            Err(found) => deviations.extend(found),
        }
    }
    w.state.notify.orders = orders;
    w.state.deviate(deviations)
}

#[then(regex = r"^the notified transaction agrees with the query$")]
async fn agrees_with_query(w: &mut WechatpayWorld) -> StepResult {
    let (_, queried) = query_state(w, true).await?;
    let queried = queried.json.clone().unwrap_or_default();
    let Some(first) = w.state.notify.deliveries.first().cloned() else {
        return Err(StepFailure::Usage(
            "no notification yet: \"Then a notification arrives\" comes first".into(),
        ));
    };
    let Some(order) = w.state.notify.orders.first().cloned() else {
        return Err(StepFailure::Usage("nothing decrypted yet: \"Then every notification decrypts with the APIv3 key\" comes first".into()));
    };
    let deviations = judge::agrees(&first, &order, &queried);
    w.state.deviate(deviations)
}

#[then(regex = r"^every retry carries the same notification id$")]
async fn same_id(w: &mut WechatpayWorld) -> StepResult {
    let deviations = judge::same_id(&w.state.notify.deliveries);
    w.state.deviate(deviations)
}

#[then(regex = r"^no notification follows the acknowledged one$")]
async fn quiet_after_ack(w: &mut WechatpayWorld) -> StepResult {
    let ctx = w.ctx();
    let schedule = schedule(w);
    let key = ctx.apiv3_key.clone();
    let schemas = std::sync::Arc::clone(&ctx.schemas);
    let decrypt = move |d: &Delivery| {
        key.as_ref()
            .and_then(|key| judge::decrypts(d, &schemas, key).ok())
    };
    Watch::quiet_after_ack(
        &mut w.state,
        &ctx.notifications,
        &schedule,
        RULES,
        &decrypt,
        judge::same_event,
    )
    .await
}
