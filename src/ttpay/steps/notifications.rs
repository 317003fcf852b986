//! The notification steps (CONTRACT N1–N5): an order whose `notify_url` is the scenario's
//! mailbox, paid by the run's payer; what arrives is waited for on the provider's schedule
//! ([`crate::world::Watch`]) and judged by [`checks::notification`].

use std::time::Duration;

use std::sync::Arc;

use cucumber::then;
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;
use serde_json::{Map, Value};

use super::{StepResult, TtpayWorld, Who, detail, establish};
use crate::findings::StepFailure;
use crate::notify::{Notifications, Reply};
use crate::steps::notify::{Decrypt, NotifyWorld};
use crate::ttpay::checks::notification as judge;
use crate::ttpay::double::PROVIDER_NOTIFY_SCHEDULE;
use crate::world::Rules;

impl NotifyWorld for TtpayWorld {
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
    const SCHEDULE: &'static [Duration] = &PROVIDER_NOTIFY_SCHEDULE;

    fn notifications(&self) -> Arc<Notifications> {
        Arc::clone(&self.ctx().notifications)
    }

    fn create_notified(&mut self, url: String) -> LocalBoxFuture<'_, StepResult> {
        async move {
            let mut body = self.valid_order(Who::Merchant)?;
            body.insert("notify_url".into(), Value::from(url));
            establish(self, body).await
        }
        .boxed_local()
    }

    fn to_pay(&self) -> Result<(String, Option<String>), StepFailure> {
        let out_trade_no = self.order()?.out_trade_no.clone();
        let payment_url = self.vars.get("payment_url").and_then(Value::as_str);
        Ok((out_trade_no, payment_url.map(str::to_owned)))
    }

    fn decrypt(&self) -> Decrypt {
        let merchant = self.ctx().merchant.clone();
        Box::new(move |d| judge::decrypt(&d.exchange(judge::ENDPOINT), &merchant).ok())
    }

    fn same_event(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
        judge::same_event(a, b)
    }
}

crate::notification_steps!(TtpayWorld);

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
            Err(deviation) => deviations.push(*deviation),
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
                <TtpayWorld as NotifyWorld>::RULES.event,
                judge::ENDPOINT,
                format!("/attempts/{}{pointer}", n + 1),
                format!("the same payment event on every attempt: {expected}"),
                actual,
            ));
        }
    }
    w.deviate(deviations)
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
    // Only the last poll is kept as the scenario's exchange: how many it took is timing, not
    // behaviour (a record of the run must not change with the machine's load).
    let kept = w.state.findings.exchange_count();
    let counted = loop {
        w.last = None;
        w.state.findings.truncate_exchanges(kept);
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
