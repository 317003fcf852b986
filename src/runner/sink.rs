//! The cucumber side of the runner: a parser that hands over features we parsed ourselves,
//! and a writer that only notes which step stopped each scenario.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use cucumber::{Event, World, Writer, cli, event, gherkin, parser, writer};
use futures::stream;

use super::{key, lock, path_of};

/// Features parsed (and expanded) before the run.
pub struct Preparsed;

impl parser::Parser<Vec<gherkin::Feature>> for Preparsed {
    type Cli = cli::Empty;
    type Output = stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, input: Vec<gherkin::Feature>, _: cli::Empty) -> Self::Output {
        stream::iter(input.into_iter().map(Ok).collect::<Vec<_>>())
    }
}

/// Records the failing step of each scenario: `Then the order is CLOSED (close.feature:12)`.
pub struct Sink<W> {
    failed_steps: Arc<Mutex<HashMap<(String, usize), String>>>,
    _world: PhantomData<W>,
}

impl<W> Sink<W> {
    pub fn new(failed_steps: Arc<Mutex<HashMap<(String, usize), String>>>) -> Self {
        Self {
            failed_steps,
            _world: PhantomData,
        }
    }
}

impl<W: World> Writer<W> for Sink<W> {
    type Cli = cli::Empty;

    async fn handle_event(
        &mut self,
        event: parser::Result<Event<event::Cucumber<W>>>,
        _: &cli::Empty,
    ) {
        let Ok(event) = event else { return };
        let event::Cucumber::Feature(feature, event) = event.value else {
            return;
        };
        let (scenario, event) = match event {
            event::Feature::Scenario(scenario, retryable) => (scenario, retryable.event),
            event::Feature::Rule(_, event::Rule::Scenario(scenario, retryable)) => {
                (scenario, retryable.event)
            }
            _ => return,
        };
        let (step, failed) = match event {
            event::Scenario::Step(step, event::Step::Failed(..))
            | event::Scenario::Background(step, event::Step::Failed(..)) => (step, true),
            event::Scenario::Step(step, event::Step::Skipped)
            | event::Scenario::Background(step, event::Step::Skipped) => (step, true),
            _ => return,
        };
        if failed {
            let text = format!(
                "{} {} ({}:{})",
                step.keyword.trim(),
                step.value,
                path_of(&feature),
                step.position.line
            );
            lock(&self.failed_steps).insert(key(&feature, &scenario), text);
        }
    }
}

impl<W> writer::Normalized for Sink<W> {}
