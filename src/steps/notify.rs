//! The notification steps every provider shares, written once: a provider's world implements
//! [`NotifyWorld`] (what its order and its notification are) and invokes
//! [`notification_steps!`](crate::notification_steps); the steps that judge the notification's
//! content (its form, decryption, agreement with the query) stay the provider's own.

use std::sync::Arc;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use serde_json::{Map, Value};

use super::doc::StepDoc;
use crate::findings::StepFailure;
use crate::notify::{Delivery, Notifications, Schedule};
use crate::world::{ProviderWorld, StepResult};
use crate::world::{Rules, Watch};

/// Reads a delivery's decrypted order, if it decrypts.
pub type Decrypt = Box<dyn Fn(&Delivery) -> Option<Map<String, Value>>>;

/// What the shared notification steps need of a provider's world.
pub trait NotifyWorld: ProviderWorld {
    /// The provider's receiver answers and rule ids.
    const RULES: Rules;
    /// The provider's documented retry schedule (the wait before each attempt).
    const SCHEDULE: &'static [Duration];

    /// The run's notifications.
    fn notifications(&self) -> Arc<Notifications>;

    /// Creates an unpaid order whose `notify_url` is `url`; it becomes the order under test.
    fn create_notified(&mut self, url: String) -> LocalBoxFuture<'_, StepResult>;

    /// The order under test's `out_trade_no` and payment URL (if the create gave one).
    fn to_pay(&self) -> Result<(String, Option<String>), StepFailure>;

    /// A delivery's decrypted order, if it decrypts.
    fn decrypt(&self) -> Decrypt;

    /// Whether two decrypted orders are the same payment event.
    fn same_event(a: &Map<String, Value>, b: &Map<String, Value>) -> bool;
}

fn schedule<W: NotifyWorld>(w: &W) -> Schedule {
    Schedule::new(W::SCHEDULE, w.notifications().settings.schedule_scale)
}

/// `… its receiver answering "fail" N times`: N, at most 8.
pub fn failures(text: &str) -> Result<usize, StepFailure> {
    text.parse().ok().filter(|n| *n <= 8).ok_or_else(|| {
        StepFailure::Usage(format!(
            "answering \"fail\" {text} times: at most 8 (the schedule has 10 attempts)"
        ))
    })
}

/// Opens the scenario's mailbox (`failures` refusals first) and creates the order.
pub async fn to_be_notified<W: NotifyWorld>(w: &mut W, failures: usize) -> StepResult {
    let notifications = w.notifications();
    let url = w
        .scenario_mut()
        .notify
        .open(&notifications, W::RULES, failures)
        .await?;
    w.create_notified(url).await
}

/// Pays the order under test with the run's payer.
pub async fn pay<W: NotifyWorld>(w: &mut W) -> StepResult {
    let (out_trade_no, payment_url) = w.to_pay()?;
    let paid = w
        .notifications()
        .pay(&out_trade_no, payment_url.as_deref())
        .await;
    w.scenario_mut().settle("/_control/orders/{id}/pay", paid)
}

/// Waits for `count` deliveries on the provider's schedule.
pub async fn arrive<W: NotifyWorld>(w: &mut W, count: usize) -> StepResult {
    let notifications = w.notifications();
    let schedule = schedule(w);
    Watch::arrive(w.scenario_mut(), &notifications, &schedule, W::RULES, count).await
}

/// Watches for retries after the acknowledgement.
pub async fn quiet<W: NotifyWorld>(w: &mut W) -> StepResult {
    let notifications = w.notifications();
    let schedule = schedule(w);
    let decrypt = w.decrypt();
    Watch::quiet_after_ack(
        w.scenario_mut(),
        &notifications,
        &schedule,
        W::RULES,
        &*decrypt,
        W::same_event,
    )
    .await
}

/// The cucumber steps of [`NotifyWorld`] for `$world`.
#[macro_export]
macro_rules! notification_steps {
    ($world:ident) => {
        mod notification_steps {
            use super::$world;
            use $crate::steps::notify as n;
            use $crate::world::StepResult;

            #[$crate::cucumber_reexport::given(regex = r"^an unpaid order to be notified$")]
            async fn to_be_notified(w: &mut $world) -> StepResult {
                n::to_be_notified(w, 0).await
            }

            #[$crate::cucumber_reexport::given(
                regex = r#"^an unpaid order to be notified, its receiver answering "fail" ([0-9]+) times?$"#
            )]
            async fn to_be_notified_after(w: &mut $world, failures: String) -> StepResult {
                n::to_be_notified(w, n::failures(&failures)?).await
            }

            #[$crate::cucumber_reexport::when(regex = r"^the customer pays it$")]
            async fn pays(w: &mut $world) -> StepResult {
                n::pay(w).await
            }

            #[$crate::cucumber_reexport::then(regex = r"^a notification arrives$")]
            async fn arrives(w: &mut $world) -> StepResult {
                n::arrive(w, 1).await
            }

            #[$crate::cucumber_reexport::then(
                regex = r"^the notification arrives ([0-9]+) times, on the documented schedule$"
            )]
            async fn arrives_on_schedule(w: &mut $world, count: usize) -> StepResult {
                n::arrive(w, count).await
            }

            #[$crate::cucumber_reexport::then(regex = r"^no notification follows the acknowledged one$")]
            async fn quiet(w: &mut $world) -> StepResult {
                n::quiet(w).await
            }
        }
    };
}

/// The docs of the shared notification steps (shown for a provider that registers them).
pub static DOCS: &[StepDoc] = &[
    StepDoc {
        pattern: r"^an unpaid order to be notified$",
        summary: "Creates an unpaid order whose notify_url is the scenario's own mailbox on the suite's receiver (--notify-listen, --notify-url), which acknowledges every delivery. Tag the scenario @notification.",
        params: &[],
        table: None,
        docstring: None,
        example: "Given an unpaid order to be notified",
    },
    StepDoc {
        pattern: r#"^an unpaid order to be notified, its receiver answering "fail" ([0-9]+) times?$"#,
        summary: "Like \"an unpaid order to be notified\", the receiver refusing the first N deliveries (at most 8) and acknowledging the next.",
        params: &[("N", "how many deliveries are refused, 0 to 8")],
        table: None,
        docstring: None,
        example: "Given an unpaid order to be notified, its receiver answering \"fail\" 2 times",
    },
    StepDoc {
        pattern: r"^the customer pays it$",
        summary: "Pays the order under test: the double's control API (embedded, serve), --pay-command (the payment URL as $1, the out_trade_no as $2), or a person (--pay-interactive).",
        params: &[],
        table: None,
        docstring: None,
        example: "When the customer pays it",
    },
    StepDoc {
        pattern: r"^a notification arrives$",
        summary: "Waits (up to --notify-wait) for the first delivery to the order's mailbox; none is inconclusive, not a deviation.",
        params: &[],
        table: None,
        docstring: None,
        example: "Then a notification arrives",
    },
    StepDoc {
        pattern: r"^the notification arrives ([0-9]+) times, on the documented schedule$",
        summary: "Waits for N deliveries: a retry sooner than its slot less 20 %, or none by three times its slot plus 2 s, is a deviation of the retry rule (N4, WN4; the slots times --notify-schedule-scale).",
        params: &[(
            "N",
            "the deliveries expected: the refused ones and the acknowledged one",
        )],
        table: None,
        docstring: None,
        example: "Then the notification arrives 3 times, on the documented schedule",
    },
    StepDoc {
        pattern: r"^no notification follows the acknowledged one$",
        summary: "Watches the next two slots after the acknowledgement: one redelivery of the same event is an observation, more are deviations of the retry rule, another event breaks one-event-per-payment.",
        params: &[],
        table: None,
        docstring: None,
        example: "And no notification follows the acknowledged one",
    },
];
