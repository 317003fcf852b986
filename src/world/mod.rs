//! What every provider's cucumber `World` shares, by concept:
//!
//! - [`state`]: the scenario's rule tags, its findings, the last exchange and the values QA
//!   steps remember ([`ScenarioState`]);
//! - [`provider_world`]: the trait ([`ProviderWorld`]) through which the runner and the
//!   generic steps reach a provider's world, and what every world writes alike
//!   ([`world_plumbing!`](crate::world_plumbing));
//! - [`generators`]: the table-cell generators (`#unique`, `#repeat(TEXT, N)`, `#(name)`).

pub mod generators;
pub mod provider_world;
pub mod state;
pub mod watch;

pub use generators::{MAX_REPEAT_BYTES, cell, fresh_id, now_ms, var};
pub use provider_world::{Party, ProviderWorld, StepInfo, WorldPlumbing, step_patterns};
pub use state::{ScenarioState, StepResult};
pub use watch::{Rules, Watch};
