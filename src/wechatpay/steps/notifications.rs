//! The notification steps (CONTRACT WN1–WN4): an order whose `notify_url` is the scenario's
//! mailbox, paid by the run's payer; what arrives is waited for on the provider's schedule
//! ([`crate::world::Watch`]) and judged by [`crate::wechatpay::checks::notification`].

use std::sync::Arc;
use std::time::Duration;

use cucumber::then;
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;
use serde_json::{Map, Value};

use super::{create_call, fresh_out_trade_no, place, query_state};
use crate::findings::{Observation, StepFailure};
use crate::notify::{Notifications, Reply};
use crate::settings::ResponseSignatures;
use crate::steps::notify::{Decrypt, NotifyWorld};
use crate::wechatpay::checks::notification as judge;
use crate::wechatpay::double::NOTIFY_SCHEDULE;
use crate::wechatpay::world::{WechatpayWorld, Who};
use crate::world::Rules;
use crate::world::StepResult;

impl NotifyWorld for WechatpayWorld {
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
    const SCHEDULE: &'static [Duration] = &NOTIFY_SCHEDULE;

    fn notifications(&self) -> Arc<Notifications> {
        Arc::clone(&self.ctx().notifications)
    }

    fn create_notified(&mut self, url: String) -> LocalBoxFuture<'_, StepResult> {
        create_notified(self, url).boxed_local()
    }

    fn to_pay(&self) -> Result<(String, Option<String>), StepFailure> {
        let order = self.order()?;
        Ok((order.out_trade_no.clone(), order.code_url.clone()))
    }

    fn decrypt(&self) -> Decrypt {
        let ctx = self.ctx();
        Box::new(move |d| {
            let key = ctx.apiv3_key.as_ref()?;
            judge::decrypts(d, &ctx.schemas, key).ok()
        })
    }

    fn same_event(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
        judge::same_event(a, b)
    }
}

crate::notification_steps!(WechatpayWorld);

/// Creates an order of the merchant (G1, then G2: NOTPAY) whose `notify_url` is `url`.
async fn create_notified(w: &mut WechatpayWorld, url: String) -> StepResult {
    let ctx = w.ctx();
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
    super::given::take_order(w, placed).await
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
