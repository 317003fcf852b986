//! Payment notifications, as a run checks them: the suite's [`receiver`] (one mailbox per
//! scenario), what pays an order ([`payer`]), and the timing rules of a retry schedule
//! ([`schedule`]). A provider's steps open a mailbox, create an order whose `notify_url` is the
//! mailbox's URL, pay it, wait for what arrives and judge it by the provider's rules.
//!
//! [`Notifications`] is the run's handle: the receiver starts on first use (a run that selects
//! no notification scenario never binds a port), and [`Notifications::skip_reason`] says why a
//! target cannot be checked (nothing to pay with; a remote target and no `--notify-url`).

pub mod payer;
pub mod receiver;
pub mod schedule;

use std::time::Duration;

use tokio::sync::OnceCell;

pub use payer::Payer;
pub use receiver::{Delivery, Mailbox, Receiver, ReceiverError, Reply};
pub use schedule::Schedule;

use crate::findings::StepFailure;
use crate::settings::NotifySettings;

/// A notified order judged against the query of the same order, under `rule`: `trade_state`
/// is `SUCCESS`, and each of `pointers` the query shows is the same in both.
pub fn agreement(
    at: &crate::exchange::Exchange,
    rule: &str,
    notified: &serde_json::Value,
    queried: &serde_json::Value,
    pointers: &[&str],
) -> Vec<crate::findings::Deviation> {
    use crate::checks::matcher::show;
    let mut out = Vec::new();
    if notified
        .pointer("/trade_state")
        .and_then(serde_json::Value::as_str)
        != Some("SUCCESS")
    {
        out.push(at.deviation(
            rule,
            "/resource/trade_state",
            "SUCCESS",
            show(notified.pointer("/trade_state")),
        ));
    }
    for pointer in pointers {
        let want = queried.pointer(pointer);
        if want.is_some() && notified.pointer(pointer) != want {
            out.push(at.deviation(
                rule,
                format!("/resource{pointer}"),
                format!("{} (as the query shows it)", show(want)),
                show(notified.pointer(pointer)),
            ));
        }
    }
    out
}

/// Whether the run selects a scenario tagged `@notification` (only then is a remote target
/// asked for its control API, so that a run of other scenarios sends nothing more).
pub fn selected(
    features: &[cucumber::gherkin::Feature],
    tags: Option<&cucumber::gherkin::tagexpr::TagOperation>,
) -> bool {
    use cucumber::tag::Ext as _;
    features.iter().any(|f| {
        crate::feature::scenarios(f).any(|(r, s)| {
            let all = crate::feature::tags_of(f, r, s);
            all.iter().any(|t| t == "notification") && tags.is_none_or(|e| e.eval(all.iter()))
        })
    })
}

/// The notification side of one run.
#[derive(Debug)]
pub struct Notifications {
    pub settings: NotifySettings,
    payer: Payer,
    /// The target is on this machine: the receiver's loopback URL reaches it.
    local_target: bool,
    receiver: OnceCell<Result<Receiver, String>>,
}

impl Notifications {
    /// The notifications of a run against `base_url`: `control` says whether it has the
    /// double's control API (`/_control/…`), which pays when nothing else is configured.
    pub fn new(settings: NotifySettings, base_url: &str, control: bool) -> Notifications {
        let payer = Payer::for_target(&settings, base_url, control);
        let local_target = reqwest::Url::parse(base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .is_some_and(|h| matches!(h.as_str(), "127.0.0.1" | "localhost" | "[::1]" | "::1"));
        Notifications {
            settings,
            payer,
            local_target,
            receiver: OnceCell::new(),
        }
    }

    /// The notifications of a run against `base_url`; a target other than the embedded double
    /// is asked (`GET /_control/health`, 2 s) whether it has the double's control API, unless
    /// the settings name another payer, or no notification scenario is `wanted` (then nothing
    /// more is sent).
    pub async fn for_target(
        settings: NotifySettings,
        base_url: &str,
        embedded: bool,
        wanted: bool,
    ) -> Notifications {
        let control = embedded
            || (wanted
                && settings.pay == crate::settings::PayMethod::Auto
                && payer::has_control_api(base_url).await);
        Notifications::new(settings, base_url, control)
    }

    /// Why notification scenarios cannot run against this target, if they cannot.
    pub fn skip_reason(&self) -> Option<String> {
        if let Some(reason) = self.payer.missing_reason() {
            return Some(reason);
        }
        if !self.local_target && self.settings.public_url.is_none() {
            return Some(
                "notifications: the target cannot reach the suite's loopback receiver: set --notify-url to a public URL (a tunnel) that forwards to --notify-listen".into(),
            );
        }
        None
    }

    /// Opens a mailbox answering by `plan`, starting the receiver on first use.
    pub async fn mailbox(&self, plan: Vec<Reply>) -> Result<Mailbox, StepFailure> {
        let receiver = self
            .receiver
            .get_or_init(|| async {
                Receiver::start(self.settings.listen, self.settings.public_url.as_deref())
                    .await
                    .map_err(|e| e.to_string())
            })
            .await;
        match receiver {
            Ok(receiver) => receiver
                .mailbox(plan)
                .map_err(|e| StepFailure::Usage(e.to_string())),
            Err(e) => Err(StepFailure::Usage(e.clone())),
        }
    }

    /// Pays the order (`payment_url` is what the target's create answered, if anything).
    pub async fn pay(
        &self,
        out_trade_no: &str,
        payment_url: Option<&str>,
    ) -> Result<(), StepFailure> {
        self.payer
            .pay(out_trade_no, payment_url, self.settings.pay_timeout)
            .await
    }

    /// How long to wait for the first delivery after paying.
    pub fn first_wait(&self) -> Duration {
        match self.payer {
            Payer::Interactive | Payer::Command(_) => {
                self.settings.pay_timeout + self.settings.wait
            }
            _ => self.settings.wait,
        }
    }
}
