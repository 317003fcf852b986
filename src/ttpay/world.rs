//! The cucumber `World` of a TTPay scenario: the run's shared context (client, schemas,
//! merchants), the order under test, the last exchange, and what the scenario found.
//! `Debug` (printed by cucumber at `-vv`) never shows a secret: merchants print redacted.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use futures::FutureExt as _;
use futures::future::LocalBoxFuture;

use super::checks;
use super::client::{Payload, Tamper, TtpayClient};
use super::{AmountUnit, Endpoint, Merchant};
use crate::checks::schema::SchemaSet;
use crate::exchange::Exchange;
use crate::findings::StepFailure;
use crate::settings::ResponseSignatures;
use crate::world::{ProviderWorld, ScenarioState, fresh_id};

pub use crate::world::StepResult;

/// What every scenario of a run shares.
#[derive(Debug)]
pub struct TtpayContext {
    pub client: TtpayClient,
    pub schemas: Arc<SchemaSet>,
    pub merchant: Merchant,
    /// A second merchant, for the privacy rules (Q9, X6).
    pub other: Option<Merchant>,
    /// An order already paid in the target (Q8, X2).
    pub paid_out_trade_no: Option<String>,
    /// Why the paid-order fixture cannot be used, as the preflight found.
    pub paid_order_problem: Option<String>,
    pub amount_unit: AmountUnit,
    /// How the provider's queries read amounts back (C7), decided by the first order.
    pub amount_reading: checks::amount::RunReading,
    pub signatures: ResponseSignatures,
    /// The run's notification receiver and payer (N1–N5).
    pub notifications: Arc<crate::notify::Notifications>,
}

/// Whose credentials sign a call: the merchant or the other one (the engine's
/// [`Party`](crate::world::Party)).
pub use crate::world::Party as Who;

/// The order a scenario works on.
#[derive(Debug, Clone)]
pub struct Order {
    pub owner: Who,
    /// The create body as sent.
    pub sent: Map<String, Value>,
    pub out_trade_no: String,
    pub prepay_id: Option<String>,
    pub transaction_id: Option<String>,
    /// `close_time` as first seen after a close (X3).
    pub close_time: Option<i64>,
}

#[derive(Debug, Default, cucumber::World)]
pub struct TtpayWorld {
    ctx: Option<Arc<TtpayContext>>,
    /// What every provider's world has: rule tags, findings, the last exchange, remembered
    /// values.
    pub state: ScenarioState,
    pub order: Option<Order>,
    /// Both answers of "queries it both ways" (Q1).
    pub queries: Vec<Exchange>,
    /// The T7 steps' client, on a kept-alive connection of the scenario's own.
    pub own_connection: Option<Arc<TtpayClient>>,
}

crate::world_plumbing!(TtpayWorld, TtpayContext);

impl TtpayWorld {
    /// The credentials of `who`.
    pub fn merchant(&self, who: Who) -> Result<Merchant, StepFailure> {
        let ctx = self.ctx();
        match who {
            Who::Merchant => Ok(ctx.merchant.clone()),
            Who::Other => ctx.other.clone().ok_or_else(|| {
                StepFailure::Usage(
                    "this step needs a second merchant: tag the scenario @needs-second-merchant"
                        .to_owned(),
                )
            }),
        }
    }

    /// Sends one call and runs the checks of every exchange on the answer (T3, T4, A6).
    pub async fn send(
        &mut self,
        endpoint: Endpoint,
        who: Who,
        payload: Payload,
        tamper: Tamper,
    ) -> Result<Exchange, StepFailure> {
        self.send_checked(endpoint, who, payload, tamper, true)
            .await
    }

    /// Sends malformed input and keeps the answer as the last exchange, leaving its judgement
    /// to the step that follows (T5: a 5xx to garbage is a T5 deviation before it is a T3 one).
    pub async fn send_malformed(
        &mut self,
        endpoint: Endpoint,
        payload: Payload,
        tamper: Tamper,
    ) -> StepResult {
        let exchange = self
            .send_checked(endpoint, Who::Merchant, payload, tamper, false)
            .await?;
        self.last = Some(exchange);
        Ok(())
    }

    async fn send_checked(
        &mut self,
        endpoint: Endpoint,
        who: Who,
        payload: Payload,
        tamper: Tamper,
        every_exchange_checks: bool,
    ) -> Result<Exchange, StepFailure> {
        let ctx = self.ctx();
        let merchant = self.merchant(who)?;
        self.state.findings.requests += 1;
        let call = if every_exchange_checks || tamper != Tamper::None {
            ctx.client.call(endpoint, &merchant, &payload, tamper).await
        } else {
            ctx.client
                .call_malformed(endpoint, &merchant, &payload)
                .await
        };
        let exchange = match call {
            Ok(exchange) => exchange,
            Err(inconclusive) => {
                let text = inconclusive.to_string();
                self.findings.inconclusive = Some(inconclusive);
                return Err(StepFailure::Inconclusive(text));
            }
        };
        self.state.note(&exchange);
        if !every_exchange_checks {
            return Ok(exchange);
        }
        let (deviations, observations) =
            checks::every_exchange(&exchange, &ctx.schemas, ctx.signatures);
        self.findings.observations.extend(observations);
        self.deviate(deviations)?;
        Ok(exchange)
    }

    /// Sends, and keeps the answer as the last exchange.
    pub async fn send_last(
        &mut self,
        endpoint: Endpoint,
        who: Who,
        payload: Payload,
        tamper: Tamper,
    ) -> StepResult {
        let exchange = self.send(endpoint, who, payload, tamper).await?;
        self.last = Some(exchange);
        Ok(())
    }

    /// Sends `body` to `endpoint` as the merchant, signed right, and keeps the answer.
    pub async fn ask(&mut self, endpoint: Endpoint, body: Value) -> StepResult {
        self.send_last(endpoint, Who::Merchant, Payload::Json(body), Tamper::None)
            .await
    }

    /// The order under test, or a usage error.
    pub fn order(&self) -> Result<&Order, StepFailure> {
        self.order.as_ref().ok_or_else(|| {
            StepFailure::Usage("no order yet: start with \"Given an unpaid order\"".into())
        })
    }

    /// A create body that the contract says must succeed, for `who`, with a fresh
    /// `out_trade_no`.
    pub fn valid_order(&self, who: Who) -> Result<Map<String, Value>, StepFailure> {
        let ctx = self.ctx();
        let merchant = self.merchant(who)?;
        let amount = match ctx.amount_unit {
            AmountUnit::Minor => json!(15_000_000),
            AmountUnit::Major => json!(15),
        };
        let body = json!({
            "app_id": merchant.app_id,
            "mch_id": merchant.mch_id,
            "out_trade_no": fresh_id("pc"),
            "expire_second": 600,
            "amount": amount,
            "chain": "TRON",
            "currency": "TRX",
            "order_type": "platform_order",
            "description": "pay-conformance check",
        });
        Ok(body.as_object().cloned().unwrap_or_default())
    }

    /// The value of a table cell (see [`crate::world::cell`]; `#other_mch_id` is TTPay's).
    pub fn cell(&self, text: &str) -> Result<Option<Value>, StepFailure> {
        crate::world::cell(self, text)
    }

    /// A remembered value, or one of the order's (see [`crate::world::var`]).
    pub fn var(&self, name: &str) -> Result<Value, StepFailure> {
        crate::world::var(self, name)
    }
}

/// The names `#(name)` can stand for in a TTPay scenario, beyond remembered ones.
pub(crate) const KNOWN: &[&str] = &[
    "out_trade_no",
    "transaction_id",
    "prepay_id",
    "mch_id",
    "app_id",
    "other_mch_id",
];

impl ProviderWorld for TtpayWorld {
    fn skip_reason(ctx: &TtpayContext, tags: &[String]) -> Option<String> {
        let has = |t: &str| tags.iter().any(|tag| tag == t);
        if has("needs-paid-order") && ctx.paid_out_trade_no.is_none() {
            return Some("needs a paid order: set TTPAY_PAID_OUT_TRADE_NO".to_owned());
        }
        if has("needs-paid-order")
            && let Some(problem) = &ctx.paid_order_problem
        {
            return Some(problem.clone());
        }
        if has("notification")
            && let Some(reason) = ctx.notifications.skip_reason()
        {
            return Some(reason);
        }
        if has("needs-second-merchant") && ctx.other.is_none() {
            return Some(
                "needs a second merchant: set TTPAY_OTHER_APP_ID, TTPAY_OTHER_MCH_ID, TTPAY_OTHER_APP_SECRET"
                    .to_owned(),
            );
        }
        None
    }

    fn known(&self, name: &str) -> Option<Value> {
        let ctx = self.ctx();
        let order = self.order.as_ref();
        match name {
            "out_trade_no" => order.map(|o| Value::from(o.out_trade_no.clone())),
            "transaction_id" => order
                .and_then(|o| o.transaction_id.clone())
                .map(Value::from),
            "prepay_id" => order.and_then(|o| o.prepay_id.clone()).map(Value::from),
            "mch_id" => Some(Value::from(ctx.merchant.mch_id.clone())),
            "app_id" => Some(Value::from(ctx.merchant.app_id.clone())),
            "other_mch_id" => ctx.other.as_ref().map(|m| Value::from(m.mch_id.clone())),
            _ => None,
        }
    }

    fn vocabulary() -> Option<crate::runner::lint::Vocabulary> {
        Some(crate::runner::lint::Vocabulary {
            known: KNOWN,
            generators: &["#other_mch_id"],
            table_columns: Some(2),
        })
    }

    fn generate(&self, text: &str) -> Option<Value> {
        (text == "#other_mch_id").then(|| {
            let ctx = self.ctx();
            let other = ctx
                .other
                .as_ref()
                .map_or("9999999999", |m| m.mch_id.as_str());
            Value::from(other)
        })
    }

    fn send_json<'a>(
        &'a mut self,
        endpoint: &'a str,
        who: Who,
        body: Value,
    ) -> LocalBoxFuture<'a, StepResult> {
        async move {
            let endpoint = super::steps::endpoint_named(endpoint)?;
            self.send_last(endpoint, who, Payload::Json(body), Tamper::None)
                .await
        }
        .boxed_local()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Pacer, Transport, TransportPolicy};
    use crate::ttpay::client::ClientSettings;
    use crate::ttpay::{AppSecret, QueryMethod, TimestampUnit};
    use crate::world::WorldPlumbing as _;

    #[test]
    fn the_world_as_cucumber_prints_it_shows_no_secret() {
        let secret = "world-debug-secret-0123456789abc";
        let merchant = Merchant {
            app_id: "app".into(),
            mch_id: "1".into(),
            secret: AppSecret::new(secret).unwrap(),
        };
        let client = TtpayClient::new(
            Transport::new("test", TransportPolicy::default()).unwrap(),
            Pacer::new(0),
            ClientSettings {
                base_url: "http://127.0.0.1:9".into(),
                query_method: QueryMethod::Post,
                timestamp_unit: TimestampUnit::Ms,
            },
        );
        let ctx = TtpayContext {
            client,
            schemas: Arc::new(SchemaSet::embedded().unwrap()),
            merchant: merchant.clone(),
            other: Some(merchant),
            paid_out_trade_no: None,
            paid_order_problem: None,
            amount_unit: AmountUnit::Minor,
            amount_reading: Default::default(),
            signatures: ResponseSignatures::Strict,
            notifications: Arc::new(crate::notify::Notifications::new(
                crate::settings::NotifySettings::embedded(),
                "http://127.0.0.1:9",
                true,
            )),
        };
        let mut world = TtpayWorld::default();
        world.attach(Arc::new(ctx), &["C6".into(), "create".into()]);
        let printed = format!("{world:?} {world:#?}");
        assert!(!printed.contains(secret), "{printed}");
        assert_eq!(world.rule().to_string(), "C6");
    }
}
