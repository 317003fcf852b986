//! The cucumber `World` of a TTPay scenario: the run's shared context (client, schemas,
//! merchants), the order under test, the last exchange, and what the scenario found.
//! `Debug` (printed by cucumber at `-vv`) never shows a secret: merchants print redacted.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::checks;
use super::client::{Exchange, Payload, Tamper, TtpayClient, now_ms};
use super::{AmountUnit, Endpoint, Merchant, ResponseSignatures};
use crate::checks::schema::SchemaSet;
use crate::findings::{Deviation, Findings, StepFailure};

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
    pub amount_unit: AmountUnit,
    pub signatures: ResponseSignatures,
}

impl TtpayContext {
    /// Why a scenario with these tags cannot run here, if it cannot.
    pub fn skip_reason(&self, tags: &[String]) -> Option<String> {
        let has = |t: &str| tags.iter().any(|tag| tag == t);
        if has("needs-paid-order") && self.paid_out_trade_no.is_none() {
            return Some("needs a paid order: set TTPAY_PAID_OUT_TRADE_NO".to_owned());
        }
        if has("needs-second-merchant") && self.other.is_none() {
            return Some(
                "needs a second merchant: set TTPAY_OTHER_APP_ID, TTPAY_OTHER_MCH_ID, TTPAY_OTHER_APP_SECRET"
                    .to_owned(),
            );
        }
        None
    }
}

/// Whose credentials sign a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Merchant,
    Other,
}

impl Who {
    /// Reads "the merchant" / "the other merchant".
    pub fn parse(text: &str) -> Self {
        if text.contains("other") {
            Who::Other
        } else {
            Who::Merchant
        }
    }
}

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
    /// The rule ids the scenario is tagged with: the rule of a generic assertion.
    pub rules: Vec<String>,
    pub findings: Findings,
    pub order: Option<Order>,
    pub last: Option<Exchange>,
    /// Both answers of "queries it both ways" (Q1).
    pub queries: Vec<Exchange>,
    /// Values remembered by QA steps, for `#(name)` in later requests.
    pub vars: Map<String, Value>,
}

pub type StepResult = Result<(), StepFailure>;

impl TtpayWorld {
    /// Binds the world to a run before the scenario's first step.
    pub fn attach(&mut self, ctx: Arc<TtpayContext>, tags: &[String]) {
        self.ctx = Some(ctx);
        self.rules = tags.iter().filter(|t| is_rule_id(t)).cloned().collect();
    }

    /// The run's context.
    pub fn ctx(&self) -> Arc<TtpayContext> {
        self.ctx
            .clone()
            .expect("the before hook attaches every world to the run")
    }

    /// The rule a generic assertion stands for: the scenario's rule tags.
    pub fn rule(&self) -> String {
        if self.rules.is_empty() {
            "untagged".to_owned()
        } else {
            self.rules.join(",")
        }
    }

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
        self.findings.requests += 1;
        let exchange = match ctx.client.call(endpoint, &merchant, &payload, tamper).await {
            Ok(exchange) => exchange,
            Err(inconclusive) => {
                let text = inconclusive.to_string();
                self.findings.inconclusive = Some(inconclusive);
                return Err(StepFailure::Inconclusive(text));
            }
        };
        if let Some(id) = exchange.request_id() {
            self.findings.request_ids.push(id);
        }
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

    /// Records deviations; any at all stop the scenario.
    pub fn deviate(&mut self, deviations: Vec<Deviation>) -> StepResult {
        if deviations.is_empty() {
            return Ok(());
        }
        let first = deviations[0].to_string();
        self.findings.deviations.extend(deviations);
        Err(StepFailure::Deviations {
            count: self.findings.deviations.len(),
            first,
        })
    }

    /// Records `(pointer, expected, actual)` findings against `rule` on `exchange`.
    pub fn deviate_at(
        &mut self,
        rule: &str,
        exchange: &Exchange,
        found: Vec<(String, String, String)>,
    ) -> StepResult {
        let deviations = found
            .into_iter()
            .map(|(pointer, expected, actual)| {
                Deviation::new(rule, exchange.endpoint.path(), pointer, expected, actual)
                    .with_request_id(exchange.request_id())
            })
            .collect();
        self.deviate(deviations)
    }

    /// The last exchange, or a usage error naming what the step needs.
    pub fn last(&self) -> Result<&Exchange, StepFailure> {
        self.last.as_ref().ok_or_else(|| {
            StepFailure::Usage("no request was sent yet: put a When step before this Then".into())
        })
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

    /// The value of a table cell: JSON if it reads as JSON, else the text; with the generators
    /// `#absent`, `#other_mch_id`, `#unique`, `#repeat(TEXT, N)` and `#(name)`.
    pub fn cell(&self, text: &str) -> Result<Option<Value>, StepFailure> {
        let text = text.trim();
        if text == "#absent" {
            return Ok(None);
        }
        if text == "#other_mch_id" {
            let ctx = self.ctx();
            let other = ctx
                .other
                .as_ref()
                .map_or("9999999999", |m| m.mch_id.as_str());
            return Ok(Some(Value::from(other)));
        }
        if text == "#unique" {
            return Ok(Some(Value::from(fresh_id("pc"))));
        }
        if let Some(args) = text
            .strip_prefix("#repeat(")
            .and_then(|r| r.strip_suffix(')'))
        {
            let (unit, count) = args.rsplit_once(',').ok_or_else(|| {
                StepFailure::Usage(format!("`{text}`: write #repeat(TEXT, COUNT)"))
            })?;
            let count: usize = count.trim().parse().map_err(|_| {
                StepFailure::Usage(format!("`{text}`: COUNT must be a whole number"))
            })?;
            return Ok(Some(Value::from(unit.trim().repeat(count.min(10_000_000)))));
        }
        if let Some(name) = text.strip_prefix("#(").and_then(|r| r.strip_suffix(')')) {
            return self.var(name).map(Some);
        }
        Ok(Some(
            serde_json::from_str(text).unwrap_or_else(|_| Value::from(text)),
        ))
    }

    /// A remembered value, or one of the order's: `out_trade_no`, `transaction_id`,
    /// `prepay_id`, `mch_id`, `app_id`, `other_mch_id`, `unique`, `now_ms`.
    pub fn var(&self, name: &str) -> Result<Value, StepFailure> {
        if let Some(v) = self.vars.get(name) {
            return Ok(v.clone());
        }
        let ctx = self.ctx();
        let order = self.order.as_ref();
        let found = match name {
            "out_trade_no" => order.map(|o| Value::from(o.out_trade_no.clone())),
            "transaction_id" => order
                .and_then(|o| o.transaction_id.clone())
                .map(Value::from),
            "prepay_id" => order.and_then(|o| o.prepay_id.clone()).map(Value::from),
            "mch_id" => Some(Value::from(ctx.merchant.mch_id.clone())),
            "app_id" => Some(Value::from(ctx.merchant.app_id.clone())),
            "other_mch_id" => ctx.other.as_ref().map(|m| Value::from(m.mch_id.clone())),
            "unique" => Some(Value::from(fresh_id("pc"))),
            "now_ms" => Some(Value::from(now_ms())),
            _ => None,
        };
        found.ok_or_else(|| {
            StepFailure::Usage(format!(
                "`#({name})` is not known here (remember it first, or create an order)"
            ))
        })
    }
}

/// `@C6`, `@Q1`: a rule id of the contract.
pub fn is_rule_id(tag: &str) -> bool {
    let mut chars = tag.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && tag.len() >= 2
        && tag[1..].chars().all(|c| c.is_ascii_digit())
}

/// A fresh id: `prefix-` and 24 hex digits.
pub fn fresh_id(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..24]
    )
}

impl crate::runner::Suite for TtpayWorld {
    type Context = TtpayContext;

    fn attach(&mut self, ctx: Arc<TtpayContext>, tags: &[String]) {
        TtpayWorld::attach(self, ctx, tags);
    }

    fn take_findings(&mut self) -> Findings {
        std::mem::take(&mut self.findings)
    }

    fn skip_reason(ctx: &TtpayContext, tags: &[String]) -> Option<String> {
        ctx.skip_reason(tags)
    }
}

/// Every step pattern, as `("Given", regex)`, sorted: what `pay-conformance steps` prints.
pub fn step_patterns() -> Vec<(&'static str, String)> {
    use cucumber::codegen::{StepConstructor, WorldInventory, inventory};
    fn patterns<T: inventory::Collect + StepConstructor<TtpayWorld>>(
        kind: &'static str,
    ) -> Vec<(&'static str, String)> {
        let mut out: Vec<_> = inventory::iter::<T>
            .into_iter()
            .map(|s| (kind, (s.inner().1)().as_str().to_owned()))
            .collect();
        out.sort();
        out
    }
    let mut all = patterns::<<TtpayWorld as WorldInventory>::Given>("Given");
    all.extend(patterns::<<TtpayWorld as WorldInventory>::When>("When"));
    all.extend(patterns::<<TtpayWorld as WorldInventory>::Then>("Then"));
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Pacer, Transport, TransportPolicy};
    use crate::ttpay::client::ClientSettings;
    use crate::ttpay::{AppSecret, QueryMethod, TimestampUnit};

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
            amount_unit: AmountUnit::Minor,
            signatures: ResponseSignatures::Strict,
        };
        let mut world = TtpayWorld::default();
        world.attach(Arc::new(ctx), &["C6".into(), "create".into()]);
        let printed = format!("{world:?} {world:#?}");
        assert!(!printed.contains(secret), "{printed}");
        assert_eq!(world.rule(), "C6");
    }

    #[test]
    fn rule_ids_are_a_capital_and_digits() {
        assert!(is_rule_id("C6") && is_rule_id("Q10"));
        assert!(!is_rule_id("create") && !is_rule_id("needs-paid-order") && !is_rule_id("C"));
    }
}
