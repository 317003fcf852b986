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

/// Which of the run's merchants sends a call: the merchant, or the other merchant of the
/// privacy rules (the generic `When I send to … as the other merchant:`). A provider with
/// more parties of its own maps this onto them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Merchant,
    Other,
}

impl Party {
    /// Reads "the merchant" / "the other merchant" (`… as the other merchant`, or nothing).
    pub fn parse(text: &str) -> Self {
        if text.contains("other") {
            Party::Other
        } else {
            Party::Merchant
        }
    }
}

/// What [`world_plumbing!`](crate::world_plumbing) writes for a world, alike in every
/// provider: its context, binding it to a run, and the names of its module's `KNOWN`. Not
/// implemented by hand.
pub trait WorldPlumbing {
    /// What every scenario of a run shares (client, credentials, schemas).
    type Context: Debug + Send + Sync + 'static;

    /// Binds a fresh world to the run; `tags` are the scenario's, its feature's and rule's.
    fn attach(&mut self, ctx: Arc<Self::Context>, tags: &[String]);

    /// The names [`ProviderWorld::known`] answers (the world's `KNOWN`), for messages.
    fn known_names(&self) -> &'static [&'static str];
}

/// A provider's world, as the runner and the generic steps need it: it derefs to its
/// [`ScenarioState`] and has its [`WorldPlumbing`] ([`world_plumbing!`](crate::world_plumbing)
/// writes both).
pub trait ProviderWorld:
    cucumber::World
    + cucumber::codegen::WorldInventory
    + Debug
    + std::ops::DerefMut<Target = ScenarioState>
    + WorldPlumbing
{
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

    /// Sends `body` to the endpoint called `endpoint` (`create`, `close`, …) as `who`, and
    /// keeps the answer as the last exchange (the generic `When I send to …:` step).
    fn send_json<'a>(
        &'a mut self,
        endpoint: &'a str,
        who: Party,
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

/// What every provider's world writes alike: `world_plumbing!(AcmeWorld, AcmeContext)`, in
/// the module that holds its `KNOWN` (the names `#(name)` stands for), for a world with fields
/// `ctx: Option<Arc<AcmeContext>>` and `state: ScenarioState` gives it `Deref`/`DerefMut` to
/// its [`ScenarioState`], `ctx()`, the run's context, and its [`WorldPlumbing`]: `attach`
/// (the context, then [`ScenarioState::begin`]) and `known_names` (`KNOWN`).
#[macro_export]
macro_rules! world_plumbing {
    ($world:ty, $ctx:ty) => {
        impl $crate::world::WorldPlumbing for $world {
            type Context = $ctx;

            fn attach(&mut self, ctx: ::std::sync::Arc<$ctx>, tags: &[::std::string::String]) {
                self.ctx = Some(ctx);
                self.state.begin(tags);
            }

            fn known_names(&self) -> &'static [&'static str] {
                KNOWN
            }
        }

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
