//! A scenario's side of notifications, whatever the provider: its mailbox, how many answers
//! are to fail before the receiver acknowledges, what arrived, and the waits and timing rules
//! of [`super::schedule`] as step results. A provider's steps decrypt and compare; these only
//! wait and count.

use serde_json::{Map, Value};

use super::{ScenarioState, StepResult};
use crate::findings::{Deviation, Observation, StepFailure};
use crate::notify::Notifications;
use crate::notify::receiver::{Delivery, Mailbox, Reply};
use crate::notify::schedule::{Schedule, Shortfall, await_attempts};

/// What a scenario holds about its notifications.
#[derive(Debug, Default)]
pub struct Watch {
    pub mailbox: Option<Mailbox>,
    /// Answers that fail before the receiver acknowledges.
    pub failures: usize,
    /// What arrived, in order (as far as a step waited).
    pub deliveries: Vec<Delivery>,
    /// The decrypted orders of `deliveries`, where a step decrypted them.
    pub orders: Vec<Map<String, Value>>,
}

/// A provider's answers and rules, as [`Watch`] needs them.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The rule of retries and acknowledgement (N4, WN4).
    pub retry: &'static str,
    /// The rule of one event per payment (N5, WN4).
    pub event: &'static str,
    /// What the receiver answers to acknowledge.
    pub ack: fn() -> Reply,
    /// What it answers to refuse.
    pub fail: fn() -> Reply,
}

impl Watch {
    /// Opens the scenario's mailbox: `failures` refusals, then acknowledgements.
    pub async fn open(
        &mut self,
        notifications: &Notifications,
        rules: Rules,
        failures: usize,
    ) -> Result<String, StepFailure> {
        let mut plan: Vec<Reply> = (0..failures).map(|_| (rules.fail)()).collect();
        plan.push((rules.ack)());
        let mailbox = notifications.mailbox(plan).await?;
        let url = mailbox.url.clone();
        self.mailbox = Some(mailbox);
        self.failures = failures;
        Ok(url)
    }

    fn mailbox(&self) -> Result<&Mailbox, StepFailure> {
        self.mailbox.as_ref().ok_or_else(|| {
            StepFailure::Usage(
                "no order is to be notified: start with \"Given an unpaid order to be notified\""
                    .into(),
            )
        })
    }

    /// Waits for `count` deliveries on `schedule`: a retry that comes too early or not at all
    /// is a deviation of the retry rule; what the run may not wait for is inconclusive.
    pub async fn arrive(
        state: &mut ScenarioState,
        notifications: &Notifications,
        schedule: &Schedule,
        rules: Rules,
        count: usize,
    ) -> StepResult {
        with_watch(state, async |watch, state| {
            watch
                .arrive_here(state, notifications, schedule, rules, count)
                .await
        })
        .await
    }

    async fn arrive_here(
        &mut self,
        state: &mut ScenarioState,
        notifications: &Notifications,
        schedule: &Schedule,
        rules: Rules,
        count: usize,
    ) -> StepResult {
        let waited = await_attempts(
            self.mailbox()?,
            count,
            schedule,
            notifications.first_wait(),
            notifications.settings.wait,
        )
        .await;
        let (got, shortfall) = match waited {
            Ok(got) => (got, None),
            Err((got, shortfall)) => (got, Some(shortfall)),
        };
        self.note(state, got);
        let early: Vec<Deviation> = schedule
            .early(&self.deliveries)
            .into_iter()
            .map(|(attempt, gap, least)| {
                Deviation::new(
                    rules.retry,
                    "notify_url",
                    format!("/attempts/{attempt}"),
                    format!(
                        "at least {} ms after attempt {} (its slot less 20 %)",
                        least.as_millis(),
                        attempt - 1
                    ),
                    format!("{} ms after it", gap.as_millis()),
                )
            })
            .collect();
        state.deviate(early)?;
        match shortfall {
            None => Ok(()),
            Some(Shortfall::Missing { attempt, waited }) => state.deviate(vec![Deviation::new(
                rules.retry,
                "notify_url",
                format!("/attempts/{attempt}"),
                format!("attempt {attempt}: attempt {} was answered {:?}, which is not an acknowledgement", attempt - 1, (rules.fail)().body),
                format!("no attempt within {} ms (three times its slot plus 2 s)", waited.as_millis()),
            )]),
            Some(Shortfall::NotObserved { attempt, waited }) => state.inconclusive("notify_url", format!(
                "notification attempt {attempt} not observed within {:.1} s (--notify-wait; the target may not call back)",
                waited.as_secs_f64()
            )),
        }
    }

    /// Keeps what arrived (the deliveries not yet kept) as the scenario's exchanges.
    fn note(&mut self, state: &mut ScenarioState, got: Vec<Delivery>) {
        for delivery in got.iter().skip(self.deliveries.len()) {
            state.note(&delivery.exchange("notify_url"));
        }
        self.deliveries = got;
    }

    /// Watches the mailbox after the acknowledged attempt for what `schedule` would retry in
    /// the next two slots, and judges what came (`same_event` compares two decrypted orders;
    /// `decrypt` reads one).
    pub async fn quiet_after_ack(
        state: &mut ScenarioState,
        notifications: &Notifications,
        schedule: &Schedule,
        rules: Rules,
        decrypt: &dyn Fn(&Delivery) -> Option<Map<String, Value>>,
        same_event: fn(&Map<String, Value>, &Map<String, Value>) -> bool,
    ) -> StepResult {
        with_watch(state, async |watch, state| {
            watch
                .quiet_here(state, notifications, schedule, rules, decrypt, same_event)
                .await
        })
        .await
    }

    async fn quiet_here(
        &mut self,
        state: &mut ScenarioState,
        notifications: &Notifications,
        schedule: &Schedule,
        rules: Rules,
        decrypt: &dyn Fn(&Delivery) -> Option<Map<String, Value>>,
        same_event: fn(&Map<String, Value>, &Map<String, Value>) -> bool,
    ) -> StepResult {
        let acked = self.failures + 1;
        let window = schedule.quiet_window(acked);
        let wait = window.min(notifications.settings.wait);
        let mailbox = self.mailbox()?;
        let got = mailbox.wait_for(usize::MAX, wait).await;
        self.note(state, got);
        if self.deliveries.is_empty() {
            return Err(StepFailure::Usage(
                "no notification arrived to compare with: a step \"Then … arrives\" comes first"
                    .into(),
            ));
        }
        // A first delivery that does not decrypt (its own rule's deviation) makes every later
        // one count as the same event: the retries are still counted.
        let first = self.deliveries.first().and_then(decrypt);
        let after = self.deliveries.iter().skip(acked);
        let (mut same, mut other) = (0, None);
        for delivery in after {
            match (&first, decrypt(delivery)) {
                (Some(first), Some(order)) if !same_event(first, &order) => {
                    other = other.or(Some(order));
                }
                _ => same += 1,
            }
        }
        if let (Some(first), Some(order)) = (&first, other) {
            let key = first
                .keys()
                .find(|k| first.get(*k) != order.get(*k))
                .cloned()
                .unwrap_or_default();
            state.deviate(vec![Deviation::new(
                rules.event,
                "notify_url",
                format!("/resource/{key}"),
                format!(
                    "one payment event: {}",
                    crate::checks::matcher::show(first.get(&key))
                ),
                format!(
                    "a second event: {}",
                    crate::checks::matcher::show(order.get(&key))
                ),
            )])?;
        }
        match same {
            0 => {}
            1 => state.findings.observations.push(Observation {
                rule: rules.retry.into(),
                endpoint: "notify_url".into(),
                note: "the acknowledged notification was delivered once more (a redelivery of the same event)".into(),
                request_id: None,
            }),
            n => state.deviate(vec![Deviation::new(
                rules.retry,
                "notify_url",
                format!("/attempts/{}", acked + 1),
                format!("no retry after attempt {acked} was acknowledged"),
                format!("{n} more deliveries within {} ms", wait.as_millis()),
            )])?,
        }
        if wait < window {
            return state.inconclusive("notify_url", format!(
                "retries after the acknowledgement not observed beyond {:.1} s (--notify-wait; the schedule's next two slots take {:.1} s)",
                wait.as_secs_f64(),
                window.as_secs_f64()
            ));
        }
        Ok(())
    }

    /// How many attempts arrived.
    pub fn attempts(&self) -> usize {
        self.deliveries.len()
    }
}

/// Runs `f` on the scenario's watch and the rest of its state: the watch lives in the state,
/// so it is taken out for the call and put back after.
async fn with_watch<R>(
    state: &mut ScenarioState,
    f: impl AsyncFnOnce(&mut Watch, &mut ScenarioState) -> R,
) -> R {
    let mut watch = std::mem::take(&mut state.notify);
    let result = f(&mut watch, state).await;
    state.notify = watch;
    result
}
