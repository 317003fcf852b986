//! The notification steps (CONTRACT N1–N5): an order whose `notify_url` is the scenario's
//! mailbox, paid by the run's payer; what arrives is waited for on the provider's schedule
//! ([`crate::notify::Watch`]) and judged by [`checks::notification`].

use std::time::Duration;

use cucumber::{given, then, when};
use serde_json::{Map, Value};

use super::{StepResult, TtpayWorld, Who, detail, establish};
use crate::findings::StepFailure;
use crate::notify::{Delivery, Reply, Rules, Schedule, Watch};
use crate::ttpay::checks::notification as judge;
use crate::ttpay::double::PROVIDER_NOTIFY_SCHEDULE;

/// TTPay's answers and rules as the receiver keeps them.
const RULES: Rules = Rules {
    retry: "N4",
    event: "N5",
    ack: || Reply {
        status: 200,
        content_type: "text/plain",
        body: "success".into(),
    },
    fail: || Reply {
        status: 200,
        content_type: "text/plain",
        body: "fail".into(),
    },
};

fn schedule(w: &TtpayWorld) -> Schedule {
    Schedule::new(
        &PROVIDER_NOTIFY_SCHEDULE,
        w.ctx().notifications.settings.schedule_scale,
    )
}

#[given(regex = r"^an unpaid order to be notified$")]
async fn an_order_to_be_notified(w: &mut TtpayWorld) -> StepResult {
    to_be_notified(w, 0).await
}

#[given(
    regex = r#"^an unpaid order to be notified, its receiver answering "fail" ([0-9]+) times?$"#
)]
async fn an_order_to_be_notified_after(w: &mut TtpayWorld, failures: String) -> StepResult {
    let failures = failures.parse().ok().filter(|n| *n <= 8).ok_or_else(|| {
        StepFailure::Usage(format!(
            "answering \"fail\" {failures} times: at most 8 (the schedule has 10 attempts)"
        ))
    })?;
    to_be_notified(w, failures).await
}

async fn to_be_notified(w: &mut TtpayWorld, failures: usize) -> StepResult {
    let ctx = w.ctx();
    let url = w
        .state
        .notify
        .open(&ctx.notifications, RULES, failures)
        .await?;
    let mut body = w.valid_order(Who::Merchant)?;
    body.insert("notify_url".into(), Value::from(url));
    establish(w, body).await
}

#[when(regex = r"^the customer pays it$")]
async fn the_customer_pays(w: &mut TtpayWorld) -> StepResult {
    let ctx = w.ctx();
    let out_trade_no = w.order()?.out_trade_no.clone();
    let payment_url = w
        .vars
        .get("payment_url")
        .and_then(Value::as_str)
        .map(str::to_owned);
    ctx.notifications
        .pay(&out_trade_no, payment_url.as_deref())
        .await
}

#[then(regex = r"^a notification arrives$")]
async fn a_notification_arrives(w: &mut TtpayWorld) -> StepResult {
    arrive(w, 1).await
}

#[then(regex = r"^the notification arrives ([0-9]+) times, on the documented schedule$")]
async fn arrives_on_schedule(w: &mut TtpayWorld, count: usize) -> StepResult {
    arrive(w, count).await
}

async fn arrive(w: &mut TtpayWorld, count: usize) -> StepResult {
    let ctx = w.ctx();
    let schedule = schedule(w);
    Watch::arrive(&mut w.state, &ctx.notifications, &schedule, RULES, count).await
}

#[then(regex = r"^every notification has the documented form$")]
async fn documented_form(w: &mut TtpayWorld) -> StepResult {
    let ctx = w.ctx();
    let merchant = w.merchant(Who::Merchant)?;
    let mut deviations = Vec::new();
    for delivery in &w.state.notify.deliveries {
        let (found, observed) = judge::form(delivery, &ctx.schemas, &merchant);
        deviations.extend(found);
        for o in observed {
            if !w
                .state
                .findings
                .observations
                .iter()
                .any(|seen| seen.note == o.note)
            {
                w.state.findings.observations.push(o);
            }
        }
    }
    w.deviate(deviations)
}

#[then(regex = r"^every notification decrypts with the app secret$")]
async fn decrypts(w: &mut TtpayWorld) -> StepResult {
    let merchant = w.merchant(Who::Merchant)?;
    let mut orders = Vec::new();
    let mut deviations = Vec::new();
    for delivery in &w.state.notify.deliveries {
        match judge::decrypt(&delivery.exchange(judge::ENDPOINT), &merchant) {
            Ok(order) => orders.push(order),
            Err(deviation) => deviations.push(deviation),
        }
    }
    w.state.notify.orders = orders;
    w.deviate(deviations)
}

#[then(regex = r"^the notified order agrees with the query$")]
async fn agrees_with_query(w: &mut TtpayWorld) -> StepResult {
    w.last = None;
    let queried = detail(w).await?;
    let orders = w.state.notify.orders.clone();
    let Some(first) = w
        .state
        .notify
        .deliveries
        .first()
        .map(|d| d.exchange(judge::ENDPOINT))
    else {
        return Err(StepFailure::Usage(
            "no notification yet: \"Then a notification arrives\" comes first".into(),
        ));
    };
    let Some(order) = orders.first() else {
        return Err(StepFailure::Usage("nothing decrypted yet: \"Then every notification decrypts with the app secret\" comes first".into()));
    };
    let mut deviations = judge::agrees(&first, order, &queried);
    for (n, other) in orders.iter().enumerate().skip(1) {
        if !judge::same_event(order, other) {
            let (pointer, expected, actual) = judge::event_difference(order, other);
            deviations.push(crate::findings::Deviation::new(
                RULES.event,
                judge::ENDPOINT,
                format!("/attempts/{}{pointer}", n + 1),
                format!("the same payment event on every attempt: {expected}"),
                actual,
            ));
        }
    }
    w.deviate(deviations)
}

#[then(regex = r"^no notification follows the acknowledged one$")]
async fn quiet_after_ack(w: &mut TtpayWorld) -> StepResult {
    let ctx = w.ctx();
    let schedule = schedule(w);
    let merchant = w.merchant(Who::Merchant)?;
    let decrypt = move |d: &Delivery| judge::decrypt(&d.exchange(judge::ENDPOINT), &merchant).ok();
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

#[then(regex = r"^the query counts every notification attempt$")]
async fn query_counts_attempts(w: &mut TtpayWorld) -> StepResult {
    let want = i64::try_from(w.state.notify.attempts()).unwrap_or(i64::MAX);
    let ctx = w.ctx();
    let settings = &ctx.notifications.settings;
    // Providers count asynchronously: a sped-up double within 2 s, a real one within 10 s.
    let settle = if settings.schedule_scale < 1.0 { 2 } else { 10 };
    let limit = settings.wait.min(Duration::from_secs(settle));
    let mut pause = Duration::from_millis(20);
    let until = tokio::time::Instant::now() + limit;
    let counted = loop {
        w.last = None;
        let order: Map<String, Value> = detail(w).await?;
        let counted = order.get("notify_num").and_then(Value::as_i64);
        if counted == Some(want) || tokio::time::Instant::now() >= until {
            break counted;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    };
    if counted == Some(want) {
        return Ok(());
    }
    let last = w.last()?.clone();
    w.deviate(vec![last.deviation(
        "N4",
        "/data/notify_num",
        format!("{want} (the attempts that arrived)"),
        crate::checks::matcher::show(counted.map(Value::from).as_ref()),
    )])
}
