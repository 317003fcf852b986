//! The trait through which the runner and the generic steps reach a provider's world, the
//! step patterns of a world, and [`world_plumbing!`](crate::world_plumbing).

use std::fmt::Debug;
use std::sync::Arc;

use futures::future::LocalBoxFuture;
use serde::Serialize;
use serde_json::Value;

use super::{ScenarioState, StepResult};
use crate::findings::Findings;

/// One step definition, as `pay-conformance steps` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepInfo {
    /// `Given`, `When` or `Then`.
    pub keyword: &'static str,
    /// The regular expression the step text must match.
    pub pattern: String,
}

/// A provider's world, as the runner and the generic steps need it: it derefs to its
/// [`ScenarioState`] ([`world_plumbing!`](crate::world_plumbing) writes that).
pub trait ProviderWorld:
    cucumber::World
    + cucumber::codegen::WorldInventory
    + Debug
    + std::ops::DerefMut<Target = ScenarioState>
{
    /// What every scenario of a run shares (client, credentials, schemas).
    type Context: Debug + Send + Sync + 'static;

    /// Binds a fresh world to the run; `tags` are the scenario's, its feature's and rule's.
    fn attach(&mut self, ctx: Arc<Self::Context>, tags: &[String]);

    /// Why a scenario with these tags cannot run against this context, if it cannot (by
    /// default every scenario can).
    fn skip_reason(ctx: &Self::Context, tags: &[String]) -> Option<String> {
        let _ = (ctx, tags);
        None
    }

    fn scenario(&self) -> &ScenarioState {
        self
    }

    fn scenario_mut(&mut self) -> &mut ScenarioState {
        self
    }

    /// A value `#(name)` stands for that the provider knows (the order's ids, the merchant's
    /// identifiers), beyond those a step remembered. None by default.
    fn known(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// The names [`known`](Self::known) answers, for messages.
    fn known_names(&self) -> &'static [&'static str] {
        &[]
    }

    /// What its feature files may name, for checking them when they are loaded
    /// ([`crate::feature::lint`]); `None` skips the check of `#(name)`.
    fn vocabulary() -> Option<crate::feature::lint::Vocabulary> {
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

/// Every step pattern of `W`, as `("Given", regex)`, sorted.
pub fn step_patterns<W: ProviderWorld>() -> Vec<StepInfo> {
    use cucumber::codegen::{StepConstructor, WorldInventory, inventory};
    fn patterns<W, T: inventory::Collect + StepConstructor<W>>(
        keyword: &'static str,
    ) -> Vec<StepInfo> {
        let mut out: Vec<_> = inventory::iter::<T>
            .into_iter()
            .map(|s| StepInfo {
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
