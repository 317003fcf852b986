//! How a double is set up: its merchants, its paid fixture, the units it reads, the fault it
//! carries, its limits, its id seed and its notification schedule.

use std::time::Duration;

use super::{Fault, Variant};
use crate::ttpay::{AmountUnit, AppSecret, Merchant, TimestampUnit};

/// The `out_trade_no` of the paid order that [`DoubleConfig::builtin`] seeds.
pub const BUILTIN_PAID_OUT_TRADE_NO: &str = "PAID-ORDER-0001";

/// The default bound on stored orders.
pub const DEFAULT_MAX_ORDERS: usize = 100_000;

/// The provider's retry schedule for payment notifications: the wait before each delivery
/// attempt, counted from the payment for the first and from the previous answer after that.
pub const PROVIDER_NOTIFY_SCHEDULE: [Duration; 10] =
    crate::double::notifier::seconds([0, 15, 30, 180, 600, 1200, 1800, 3600, 3 * 3600, 6 * 3600]);

/// Everything a [`Double`](super::Double) is started with. `Debug` never shows a secret.
#[derive(Clone, Debug)]
pub struct DoubleConfig {
    /// The known apps: the first is "the merchant", the second "the other merchant".
    pub merchants: Vec<Merchant>,
    /// A `SUCCESS` order seeded for the first merchant, with its chain facts filled in.
    pub paid_out_trade_no: String,
    /// The unit of the `Authorization` timestamp the double accepts; `None`: either, told
    /// apart by magnitude (A2).
    pub timestamp_unit: Option<TimestampUnit>,
    /// `Major`: a created order holds the sent amount × 10^decimals.
    pub amount_unit: AmountUnit,
    /// The fault the double starts with (see [`Double::set_fault`](super::Double::set_fault)).
    pub fault: Option<Fault>,
    /// A way of answering the contract allows, in force from the start (`--variant`).
    pub variant: Option<Variant>,
    /// Requests per second per `app_id`; beyond it the answer is 11001 and nothing happens.
    pub rate_limit: Option<u32>,
    /// A delay before every response.
    pub latency: Option<Duration>,
    /// At most this many orders are kept; the oldest go first, never the paid fixture. The
    /// notifications waiting for a retry are bounded by the same number.
    pub max_orders: usize,
    /// Seeds the generated ids (`serve --seed N`); `None` draws them from the OS.
    pub seed: Option<u64>,
    /// The waits before each notification attempt ([`PROVIDER_NOTIFY_SCHEDULE`] by default).
    pub notify_schedule: Vec<Duration>,
    /// How notifications are written.
    pub notify_form: NotifyForm,
}

/// How a notification is written (CONTRACT "Callbacks": deployed integrations read them three
/// ways, and a merchant's test picks the one its code expects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyForm {
    /// The resource's `associated_data`, used as the AES-GCM AAD (default `transaction`).
    /// Empty: the field is left out and there is no AAD.
    pub associated_data: String,
    /// Also sign the callback as a response is signed (A6): an
    /// `Authorization: TTPAY-AES-256-ECB app_id=…,mch_id=…,nonce_str=…,timestamp=…,signature=…`
    /// header, the signature over `TS\nNONCE\nBODY` (TS Unix ms, BODY the bytes sent).
    pub signed: bool,
}

impl Default for NotifyForm {
    fn default() -> Self {
        NotifyForm {
            associated_data: "transaction".to_owned(),
            signed: false,
        }
    }
}

/// The built-in merchants: obviously fake, for tests and `serve` only.
const BUILTIN_MERCHANTS: [(&str, &str, &str); 2] = [
    (
        "double-app-0001",
        "9000000001",
        "DOUBLE-ONLY-FAKE-SECRET-NUMBER-1",
    ),
    (
        "double-app-0002",
        "9000000002",
        "DOUBLE-ONLY-FAKE-SECRET-NUMBER-2",
    ),
];

impl DoubleConfig {
    /// Two built-in test merchants with fixed fake secrets, the paid order
    /// [`BUILTIN_PAID_OUT_TRADE_NO`], timestamps in seconds or milliseconds, minor units, no
    /// fault, no limit, notifications with `associated_data` `transaction`, unsigned.
    pub fn builtin() -> DoubleConfig {
        let merchants = BUILTIN_MERCHANTS
            .iter()
            .map(|&(app_id, mch_id, secret)| Merchant {
                app_id: app_id.to_owned(),
                mch_id: mch_id.to_owned(),
                secret: AppSecret::new(secret).expect("the built-in secrets are 32 bytes"),
            })
            .collect();
        DoubleConfig {
            merchants,
            paid_out_trade_no: BUILTIN_PAID_OUT_TRADE_NO.to_owned(),
            timestamp_unit: None,
            amount_unit: AmountUnit::Minor,
            fault: None,
            variant: None,
            rate_limit: None,
            latency: None,
            max_orders: DEFAULT_MAX_ORDERS,
            seed: None,
            notify_schedule: PROVIDER_NOTIFY_SCHEDULE.to_vec(),
            notify_form: NotifyForm::default(),
        }
    }

    /// The same configuration with the provider's notification schedule `factor` times faster
    /// (`serve --notify-speedup N`; 1000 turns 6 h into 21.6 s). A factor of 0 counts as 1.
    pub fn with_notify_speedup(self, factor: u32) -> DoubleConfig {
        DoubleConfig {
            notify_schedule: crate::double::notifier::compressed(&PROVIDER_NOTIFY_SCHEDULE, factor),
            ..self
        }
    }

    /// The same configuration with `fault` set.
    pub fn with_fault(self, fault: Option<Fault>) -> DoubleConfig {
        DoubleConfig { fault, ..self }
    }
}

impl Default for DoubleConfig {
    fn default() -> Self {
        DoubleConfig::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_two_merchants_and_hides_their_secrets() {
        let config = DoubleConfig::builtin();
        assert_eq!(config.merchants.len(), 2);
        assert_ne!(config.merchants[0].mch_id, config.merchants[1].mch_id);
        let debug = format!("{config:?}");
        for merchant in &config.merchants {
            assert!(!debug.contains(merchant.secret.expose()));
        }
        assert_eq!(config.paid_out_trade_no, BUILTIN_PAID_OUT_TRADE_NO);
        assert_eq!(config.max_orders, DEFAULT_MAX_ORDERS);
        assert_eq!(config.notify_schedule, PROVIDER_NOTIFY_SCHEDULE);
    }

    #[test]
    fn the_notify_schedule_compresses() {
        let fast = DoubleConfig::builtin().with_notify_speedup(1000);
        assert_eq!(fast.notify_schedule[1], Duration::from_millis(15));
        assert_eq!(fast.notify_schedule[9], Duration::from_millis(21_600));
        let same = DoubleConfig::builtin().with_notify_speedup(0);
        assert_eq!(same.notify_schedule, PROVIDER_NOTIFY_SCHEDULE);
    }
}
