//! What every provider's cucumber `World` shares: the scenario's rule tags, its findings, the
//! last exchange, the values QA steps remember, and the table-cell generators — and the trait
//! ([`ProviderWorld`]) through which the runner and the generic steps reach a provider's world.

use std::fmt::Debug;
use std::sync::Arc;

use futures::future::LocalBoxFuture;
use serde_json::{Map, Value};

use crate::exchange::Exchange;
use crate::findings::{Deviation, Findings, RuleList, StepFailure};

/// What a step returns.
pub type StepResult = Result<(), StepFailure>;

/// `#repeat(TEXT, N)` makes at most this many bytes: enough for any size limit worth checking
/// (T5's 8 KiB, a server's 1 MiB), never enough to exhaust the machine.
pub const MAX_REPEAT_BYTES: usize = 16 * 1024 * 1024;

/// The state of one scenario, whatever the provider.
#[derive(Debug, Default)]
pub struct ScenarioState {
    /// The rule ids the scenario is tagged with: the rule of a generic assertion.
    pub rules: Vec<String>,
    pub findings: Findings,
    /// The answer the `Then` steps look at.
    pub last: Option<Exchange>,
    /// Values remembered by QA steps, for `#(name)` in later requests.
    pub vars: Map<String, Value>,
    /// The scenario's payment notifications: its mailbox and what arrived.
    pub notify: crate::notify::Watch,
}

impl ScenarioState {
    /// Starts a scenario with these tags.
    pub fn begin(&mut self, tags: &[String]) {
        self.rules = tags
            .iter()
            .filter(|t| crate::provider::is_rule_tag(t))
            .cloned()
            .collect();
    }

    /// The rules a generic assertion stands for: the scenario's rule tags.
    pub fn rule(&self) -> RuleList {
        RuleList::from(self.rules.clone())
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
        rule: impl Into<RuleList>,
        exchange: &Exchange,
        found: Vec<(String, String, String)>,
    ) -> StepResult {
        let rule = rule.into();
        let deviations = found
            .into_iter()
            .map(|(pointer, expected, actual)| {
                exchange.deviation(rule.clone(), pointer, expected, actual)
            })
            .collect();
        self.deviate(deviations)
    }

    /// Stops the scenario as undecided: what it waited for at `endpoint` did not come (exit 3,
    /// never a deviation).
    pub fn inconclusive(&mut self, endpoint: &str, reason: String) -> StepResult {
        self.findings.inconclusive = Some(crate::findings::Inconclusive {
            endpoint: endpoint.to_owned(),
            reason: reason.clone(),
        });
        Err(StepFailure::Inconclusive(reason))
    }

    /// A step's failure, kept as the scenario's inconclusive finding when it is one.
    pub fn settle(&mut self, endpoint: &str, result: StepResult) -> StepResult {
        match result {
            Err(StepFailure::Inconclusive(reason)) => self.inconclusive(endpoint, reason),
            other => other,
        }
    }

    /// The last exchange, or a usage error naming what the step needs.
    pub fn last(&self) -> Result<&Exchange, StepFailure> {
        self.last.as_ref().ok_or_else(|| {
            StepFailure::Usage("no request was sent yet: put a When step before this Then".into())
        })
    }

    /// Notes an exchange: the provider's id of its answer, and its record for the reports.
    pub fn note(&mut self, exchange: &Exchange) {
        if let Some(id) = exchange.request_id() {
            self.findings.request_ids.push(id);
        }
        if self.findings.exchanges.len() < crate::findings::MAX_EXCHANGES {
            self.findings
                .exchanges
                .push(crate::exchange::ExchangeRecord::of(exchange));
        }
    }
}

/// A provider's world, as the runner and the generic steps need it.
pub trait ProviderWorld: cucumber::World + cucumber::codegen::WorldInventory + Debug {
    /// What every scenario of a run shares (client, credentials, schemas).
    type Context: Debug + Send + Sync + 'static;

    /// Binds a fresh world to the run; `tags` are the scenario's, its feature's and rule's.
    fn attach(&mut self, ctx: Arc<Self::Context>, tags: &[String]);

    /// Why a scenario with these tags cannot run against this context, if it cannot.
    fn skip_reason(ctx: &Self::Context, tags: &[String]) -> Option<String>;

    fn scenario(&self) -> &ScenarioState;
    fn scenario_mut(&mut self) -> &mut ScenarioState;

    /// A value `#(name)` stands for that the provider knows (the order's ids, the merchant's
    /// identifiers), beyond those a step remembered.
    fn known(&self, name: &str) -> Option<Value>;

    /// The names [`known`](Self::known) answers, for messages.
    fn known_names(&self) -> &'static [&'static str];

    /// What its feature files may name, for checking them when they are loaded
    /// ([`crate::runner::lint`]); `None` skips the check of `#(name)`.
    fn vocabulary() -> Option<crate::runner::lint::Vocabulary> {
        None
    }

    /// A provider's own table-cell generator (`#other_mch_id`), if `text` is one.
    fn generate(&self, text: &str) -> Option<Value> {
        let _ = text;
        None
    }

    /// Sends `body` to the endpoint called `endpoint` (`create`, `close`, …) as the merchant,
    /// or the other merchant, and keeps the answer as the last exchange (the generic
    /// `When I send to …:` step).
    fn send_json<'a>(
        &'a mut self,
        endpoint: &'a str,
        other_merchant: bool,
        body: Value,
    ) -> LocalBoxFuture<'a, StepResult>;

    /// What the scenario found.
    fn take_findings(&mut self) -> Findings {
        std::mem::take(&mut self.scenario_mut().findings)
    }
}

/// A remembered value, or one the provider knows; `unique` and `now_ms` for anyone.
pub fn var<W: ProviderWorld>(w: &W, name: &str) -> Result<Value, StepFailure> {
    if let Some(v) = w.scenario().vars.get(name) {
        return Ok(v.clone());
    }
    let found = match name {
        "unique" => Some(Value::from(fresh_id("pc"))),
        "now_ms" => Some(Value::from(now_ms())),
        _ => w.known(name),
    };
    found.ok_or_else(|| {
        StepFailure::Usage(format!(
            "`#({name})` is not known here: remember it first (`Then I remember … as \"{name}\"`), or use one of {}, unique, now_ms",
            w.known_names().join(", ")
        ))
    })
}

/// The value of a table cell: JSON if it reads as JSON, else the text; with the generators
/// `#absent` (no value: the field is left out), `#unique`, `#repeat(TEXT, N)`, `#(name)` and
/// the provider's own.
pub fn cell<W: ProviderWorld>(w: &W, text: &str) -> Result<Option<Value>, StepFailure> {
    let text = text.trim();
    if text == "#absent" {
        return Ok(None);
    }
    if text == "#unique" {
        return Ok(Some(Value::from(fresh_id("pc"))));
    }
    if let Some(value) = w.generate(text) {
        return Ok(Some(value));
    }
    if let Some(args) = text
        .strip_prefix("#repeat(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return repeat(text, args).map(|s| Some(Value::from(s)));
    }
    if let Some(name) = text.strip_prefix("#(").and_then(|r| r.strip_suffix(')')) {
        return var(w, name).map(Some);
    }
    Ok(Some(
        serde_json::from_str(text).unwrap_or_else(|_| Value::from(text)),
    ))
}

/// `#repeat(TEXT, COUNT)`, bounded by [`MAX_REPEAT_BYTES`].
fn repeat(text: &str, args: &str) -> Result<String, StepFailure> {
    let (unit, count) = args
        .rsplit_once(',')
        .ok_or_else(|| StepFailure::Usage(format!("`{text}`: write #repeat(TEXT, COUNT)")))?;
    let count: usize = count
        .trim()
        .parse()
        .map_err(|_| StepFailure::Usage(format!("`{text}`: COUNT must be a whole number")))?;
    let unit = unit.trim();
    let bytes = unit.len().saturating_mul(count);
    if bytes > MAX_REPEAT_BYTES {
        return Err(StepFailure::Usage(format!(
            "`{text}` makes {bytes} bytes, over the limit of {MAX_REPEAT_BYTES}"
        )));
    }
    Ok(unit.repeat(count))
}

/// A fresh id: `prefix-` and 24 hex digits.
pub fn fresh_id(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..24]
    )
}

/// Unix time in milliseconds, by the suite's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Every step pattern of `W`, as `("Given", regex)`, sorted.
pub fn step_patterns<W: ProviderWorld>() -> Vec<crate::provider::StepInfo> {
    use cucumber::codegen::{StepConstructor, WorldInventory, inventory};
    fn patterns<W, T: inventory::Collect + StepConstructor<W>>(
        keyword: &'static str,
    ) -> Vec<crate::provider::StepInfo> {
        let mut out: Vec<_> = inventory::iter::<T>
            .into_iter()
            .map(|s| crate::provider::StepInfo {
                keyword,
                pattern: (s.inner().1)().as_str().to_owned(),
            })
            .collect();
        out.sort_by(|a, b| a.pattern.cmp(&b.pattern));
        out
    }
    let mut all = patterns::<W, <W as WorldInventory>::Given>("Given");
    all.extend(patterns::<W, <W as WorldInventory>::When>("When"));
    all.extend(patterns::<W, <W as WorldInventory>::Then>("Then"));
    all
}

/// What every provider's world writes alike: `world_plumbing!(AcmeWorld, AcmeContext)` for a
/// world with fields `ctx: Option<Arc<AcmeContext>>` and `state: ScenarioState` gives it
/// `Deref`/`DerefMut` to its [`ScenarioState`] and `ctx()`, the run's context.
#[macro_export]
macro_rules! world_plumbing {
    ($world:ty, $ctx:ty) => {
        impl ::std::ops::Deref for $world {
            type Target = $crate::world::ScenarioState;

            fn deref(&self) -> &$crate::world::ScenarioState {
                &self.state
            }
        }

        impl ::std::ops::DerefMut for $world {
            fn deref_mut(&mut self) -> &mut $crate::world::ScenarioState {
                &mut self.state
            }
        }

        impl $world {
            /// The run's context.
            pub fn ctx(&self) -> ::std::sync::Arc<$ctx> {
                self.ctx
                    .clone()
                    .expect("the before hook attaches every world to the run")
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_is_bounded() {
        assert_eq!(repeat("#repeat(ab, 3)", "ab, 3").unwrap(), "ababab");
        let e = repeat("#repeat(x, 10000000000)", "x, 10000000000").unwrap_err();
        assert!(e.to_string().contains("limit"), "{e}");
        assert!(repeat("#repeat(x)", "x").is_err());
    }
}
