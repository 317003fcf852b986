//! The cucumber `World` of a WeChat Pay scenario: the run's shared context (client, schemas,
//! merchants, platform mode, the pool of orders created ahead for W5), the order under test,
//! the last exchange, and what the scenario found. `Debug` never shows a secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt as _;
use futures::future::LocalBoxFuture;
use serde_json::Value;

use super::client::{Call, Tamper, WxClient};
use super::config::{Institution, Merchant};
use super::crypto::ApiV3Key;
use crate::checks::schema::SchemaSet;
use crate::exchange::Exchange;
use crate::findings::{Observation, StepFailure};
use crate::settings::ResponseSignatures;
use crate::world::{Party, ProviderWorld, ScenarioState};

pub use crate::world::StepResult;

/// Which kind of order a `Given` makes (the pool keeps each apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderKind {
    /// `Given an unpaid order` (and `a closed order`).
    Plain,
    /// `… whose out_trade_no contains "*"`.
    Star,
    /// `… of a sub-merchant`.
    Sub,
}

/// Whose credentials sign a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Merchant,
    Other,
    Institution,
}

/// The order a scenario works on.
#[derive(Debug, Clone)]
pub struct Order {
    pub owner: Who,
    pub out_trade_no: String,
    /// The WeChat Pay order number, when the target gave one (G2).
    pub id: Option<String>,
    /// The create as sent (G1: "the same content").
    pub create: Call,
    pub code_url: Option<String>,
    pub created: Instant,
}

/// An order created before the run (W5), with the answer its create had.
#[derive(Debug, Clone)]
pub struct Pooled {
    pub order: Order,
    pub answer: Exchange,
}

/// What every scenario of a run shares.
#[derive(Debug)]
pub struct WxContext {
    pub client: WxClient,
    pub schemas: Arc<SchemaSet>,
    pub merchant: Merchant,
    pub other: Option<Merchant>,
    pub institution: Option<Institution>,
    pub apiv3_key: Option<ApiV3Key>,
    /// Public-key mode (`PUB_KEY_ID_…`): there are no certificates to download.
    pub public_key_mode: bool,
    /// An order already paid in a remote target.
    pub paid_out_trade_no: Option<String>,
    pub signatures: ResponseSignatures,
    pub close_min_age: Duration,
    /// The target has the double's control API (`/_control/…`): pay and age orders with it.
    pub control: bool,
    pub currency: String,
    /// The `notify_url` of the orders it creates.
    pub notify_url: String,
    /// Orders created ahead of the run, by kind (W5: the run waits once).
    pub pool: Mutex<HashMap<OrderKind, Vec<Pooled>>>,
    /// Every order the run created (owner, `out_trade_no`), so that a remote run can close
    /// what is left open when it ends.
    pub created: Mutex<Vec<(Who, String)>>,
    /// The run's notification receiver and payer (WN1–WN4).
    pub notifications: Arc<crate::notify::Notifications>,
}

impl WxContext {
    /// Notes an order `call` created, if it did (a create answered 200).
    pub fn note_created(&self, who: Who, call: &Call, answer: &Exchange) {
        if answer.status != 200 || !call.endpoint.ends_with("/native") {
            return;
        }
        let sent: Option<Value> = serde_json::from_slice(&call.body).ok();
        let id = sent
            .as_ref()
            .and_then(|v| v.get("out_trade_no"))
            .and_then(Value::as_str);
        if let (Some(id), Ok(mut created)) = (id, self.created.lock())
            && created.len() < 100_000
        {
            created.push((who, id.to_owned()));
        }
    }

    /// A pooled order of `kind`, if one is left.
    pub fn pooled(&self, kind: OrderKind) -> Option<Pooled> {
        self.pool.lock().ok()?.get_mut(&kind)?.pop()
    }
}

#[derive(Debug, Default, cucumber::World)]
pub struct WechatpayWorld {
    ctx: Option<Arc<WxContext>>,
    pub state: ScenarioState,
    pub order: Option<Order>,
    /// The answer of the first create (G1: "the same code_url").
    pub first_create: Option<Exchange>,
    /// Why the rest of the scenario checks nothing (a close by an id the target never gave).
    pub halted: Option<String>,
}

crate::world_plumbing!(WechatpayWorld, WxContext);

impl WechatpayWorld {
    /// The credentials of `who`.
    pub fn merchant(&self, who: Who) -> Result<Merchant, StepFailure> {
        let ctx = self.ctx();
        let missing = |what: &str| StepFailure::Usage(format!("this step needs {what}"));
        match who {
            Who::Merchant => Ok(ctx.merchant.clone()),
            Who::Other => ctx.other.clone().ok_or_else(|| {
                missing("a second merchant: tag the scenario @needs-second-merchant")
            }),
            Who::Institution => ctx
                .institution
                .as_ref()
                .map(|i| i.sp.clone())
                .ok_or_else(|| missing("an institution: tag the scenario @institutional")),
        }
    }

    /// The institution and its sub-merchant.
    pub fn institution(&self) -> Result<Institution, StepFailure> {
        self.ctx().institution.clone().ok_or_else(|| {
            StepFailure::Usage(
                "this step needs an institution: tag the scenario @institutional".into(),
            )
        })
    }

    /// The order under test, or a usage error.
    pub fn order(&self) -> Result<&Order, StepFailure> {
        self.order.as_ref().ok_or_else(|| {
            StepFailure::Usage("no order yet: start with \"Given an unpaid order\"".into())
        })
    }

    /// Sends one call as `who`; the answer is noted for the reports, not judged.
    pub async fn send(
        &mut self,
        call: &Call,
        who: Who,
        tamper: &Tamper,
    ) -> Result<Exchange, StepFailure> {
        let ctx = self.ctx();
        let signer = self.merchant(who)?;
        self.state.findings.requests += 1;
        match ctx.client.call(call, &signer, tamper).await {
            Ok(exchange) => {
                ctx.note_created(who, call, &exchange);
                self.state.note(&exchange);
                Ok(exchange)
            }
            Err(inconclusive) => {
                let text = inconclusive.to_string();
                self.state.findings.inconclusive = Some(inconclusive);
                Err(StepFailure::Inconclusive(text))
            }
        }
    }

    /// Sends, and keeps the answer as the last exchange.
    pub async fn send_last(&mut self, call: &Call, who: Who, tamper: &Tamper) -> StepResult {
        let exchange = self.send(call, who, tamper).await?;
        self.state.last = Some(exchange);
        Ok(())
    }

    /// Records `(pointer, expected, actual)` findings of `rule` on `exchange`.
    pub fn judge(
        &mut self,
        rule: &str,
        exchange: &Exchange,
        found: Vec<super::checks::Found>,
    ) -> StepResult {
        self.state.deviate_at(rule, exchange, found)
    }

    /// Records an observation of `rule` on `exchange`.
    pub fn observe(&mut self, rule: &str, exchange: &Exchange, note: String) {
        self.state.findings.observations.push(Observation {
            rule: rule.into(),
            endpoint: exchange.endpoint.clone(),
            note,
            request_id: exchange.request_id(),
        });
    }

    /// Stops checking the rest of the scenario, saying why (reported as an observation).
    pub fn halt(&mut self, rule: &str, reason: String) {
        self.state.findings.observations.push(Observation {
            rule: rule.into(),
            endpoint: String::new(),
            note: format!("not checked: {reason}"),
            request_id: None,
        });
        self.halted = Some(reason);
    }
}

/// The names `#(name)` can stand for in a WeChat Pay scenario, beyond remembered ones.
pub(crate) const KNOWN: &[&str] = &[
    "mchid",
    "appid",
    "out_trade_no",
    "transaction_id",
    "sp_mchid",
    "sub_mchid",
    "other_mchid",
];

impl ProviderWorld for WechatpayWorld {
    fn skip_reason(ctx: &WxContext, tags: &[String]) -> Option<String> {
        let has = |t: &str| tags.iter().any(|tag| tag == t);
        if has("needs-paid-order") && !ctx.control && ctx.paid_out_trade_no.is_none() {
            return Some("needs a paid order: set WECHATPAY_PAID_OUT_TRADE_NO".into());
        }
        if has("needs-second-merchant") && ctx.other.is_none() {
            return Some("needs a second merchant: set WECHATPAY_OTHER_MCHID, WECHATPAY_OTHER_SERIAL_NO, WECHATPAY_OTHER_PRIVATE_KEY_FILE".into());
        }
        if has("notification") {
            if let Some(reason) = ctx.notifications.skip_reason() {
                return Some(reason);
            }
            if ctx.apiv3_key.is_none() {
                return Some(
                    "notifications decrypt with the APIv3 key: set WECHATPAY_APIV3_KEY".into(),
                );
            }
        }
        if has("institutional") && ctx.institution.is_none() {
            return Some(
                "institutional mode: set WECHATPAY_SUB_MCHID (and WECHATPAY_SUB_APPID)".into(),
            );
        }
        if has("certificates") && ctx.public_key_mode {
            return Some("the target is configured with a platform public key (PUB_KEY_ID_…), not certificates".into());
        }
        if has("certificates") && ctx.apiv3_key.is_none() {
            return Some(
                "the certificates decrypt with the APIv3 key: set WECHATPAY_APIV3_KEY".into(),
            );
        }
        None
    }

    fn known(&self, name: &str) -> Option<Value> {
        let ctx = self.ctx();
        let order = self.order.as_ref();
        let sp = ctx.institution.as_ref();
        match name {
            "mchid" => Some(ctx.merchant.mchid.clone().into()),
            "appid" => Some(ctx.merchant.appid.clone().into()),
            "out_trade_no" => order.map(|o| o.out_trade_no.clone().into()),
            "transaction_id" => order.and_then(|o| o.id.clone()).map(Value::from),
            "sp_mchid" => sp.map(|i| i.sp.mchid.clone().into()),
            "sub_mchid" => sp.map(|i| i.sub_mchid.clone().into()),
            "other_mchid" => ctx.other.as_ref().map(|m| m.mchid.clone().into()),
            _ => None,
        }
    }

    fn send_json<'a>(
        &'a mut self,
        endpoint: &'a str,
        who: Party,
        body: Value,
    ) -> LocalBoxFuture<'a, StepResult> {
        async move {
            let call = super::steps::generic_call(self, endpoint, &body)?;
            let who = match who {
                Party::Merchant => Who::Merchant,
                Party::Other => Who::Other,
            };
            self.send_last(&call, who, &Tamper::None).await
        }
        .boxed_local()
    }
}
