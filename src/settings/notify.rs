//! How a run gets and judges payment notifications (`--notify-*`, `--pay-*`): where the
//! suite's receiver listens, the URL the target is told, what pays an order, and how long the
//! suite waits. Resolved by the application ([`crate::app`]); read by [`crate::notify`].

use std::net::SocketAddr;
use std::time::Duration;

/// What pays an order so that its notification is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PayMethod {
    /// The double's control API when the target has one (the embedded double, `serve`);
    /// otherwise nothing, and the notification scenarios are skipped with the reason.
    #[default]
    Auto,
    /// `--pay-command`: the user's own command, `{payment_url}` and `{out_trade_no}` given to
    /// it as arguments (never spliced into the shell text).
    Command(String),
    /// `--pay-interactive`: the payment URL is printed; someone pays it by hand.
    Interactive,
}

/// The notification settings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifySettings {
    /// Where the receiver listens (port 0: any free port).
    pub listen: SocketAddr,
    /// The base URL the target reaches the receiver at (`--notify-url`); absent: the
    /// receiver's own loopback URL, which only a target on this machine can reach.
    pub public_url: Option<String>,
    pub pay: PayMethod,
    /// How long a payment may take (`--pay-command`, `--pay-interactive`).
    pub pay_timeout: Duration,
    /// How long a scenario waits for what it expects to arrive; what has not come by then is
    /// "not observed" (inconclusive), never passed.
    pub wait: Duration,
    /// The provider's retry schedule times this (`--notify-schedule-scale`): 1 for a real
    /// provider, 0.001 for the embedded double, whatever `serve --notify-speedup` makes it.
    pub schedule_scale: f64,
}

impl NotifySettings {
    /// The settings of a run against the embedded double: loopback, its control API pays,
    /// the schedule a thousand times faster.
    pub fn embedded() -> NotifySettings {
        NotifySettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            pay: PayMethod::Auto,
            pay_timeout: Duration::from_secs(10),
            wait: Duration::from_secs(10),
            schedule_scale: EMBEDDED_SCHEDULE_SCALE,
        }
    }

    /// The defaults against a remote target: the documented schedule, two minutes' wait.
    pub fn remote() -> NotifySettings {
        NotifySettings {
            pay_timeout: Duration::from_secs(300),
            wait: Duration::from_secs(120),
            schedule_scale: 1.0,
            ..NotifySettings::embedded()
        }
    }

    /// A wait of the provider's schedule (`slot`), as this run scales it.
    pub fn scaled(&self, slot: Duration) -> Duration {
        slot.mul_f64(self.schedule_scale)
    }

    /// Scales every wait of the provider's schedule as this run does.
    pub fn scale_schedule(&self, schedule: &mut [Duration]) {
        for slot in schedule {
            *slot = self.scaled(*slot);
        }
    }
}

/// The embedded double's notification schedule, relative to the provider's.
pub const EMBEDDED_SCHEDULE_SCALE: f64 = 0.001;
