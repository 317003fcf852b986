//! TTPay's judge of a merchant's traffic (`proxy --provider ttpay`): the request side of the
//! contract held to the merchant ([`request`]) and what the provider must refuse for it
//! ([`refusal`]), the response side to the provider ([`answer`]), and the orders the traffic
//! shows, remembered (bounded) so that a later answer can contradict an earlier one.

mod answer;
mod refusal;
mod request;
mod story;

use std::sync::Arc;

use crate::checks::schema::SchemaSet;
use crate::error::ConfigError;
use crate::proxy::JudgeSetup;
use crate::settings::{FileSection, ResponseSignatures};
use crate::ttpay::config::{TtpayArgs, TtpaySettings};
use crate::ttpay::double::DoubleConfig;
use crate::ttpay::{AmountUnit, Merchant, TimestampUnit};

/// The judge.
pub struct TtpayJudge {
    /// The merchants whose secrets are known: their signatures are verified.
    merchants: Vec<Merchant>,
    /// The merchants are all the upstream has (its double's built-in ones): an unknown app is
    /// one the provider must refuse (A5).
    all_merchants_known: bool,
    timestamp_unit: TimestampUnit,
    amount_unit: AmountUnit,
    signatures: ResponseSignatures,
    schemas: Arc<SchemaSet>,
    orders: story::Orders,
    /// C7: how this provider's queries read the amounts (decided by the first order).
    reading: crate::ttpay::checks::amount::RunReading,
}

impl TtpayJudge {
    /// The judge as `setup` says: TTPay's `run` flags (units), the `TTPAY_*` merchants of the
    /// environment — or the double's built-in ones when it is the upstream and the environment
    /// names none.
    pub fn new(setup: &JudgeSetup<'_>) -> Result<TtpayJudge, ConfigError> {
        let args = setup.flags.get::<TtpayArgs>();
        let settings = TtpaySettings::resolve(&args, &mut FileSection::empty(), setup.env, false)?;
        let all_merchants_known = setup.double;
        let merchants = match settings.credentials {
            Some(c) => std::iter::once(c.merchant).chain(c.other).collect(),
            None if setup.double => DoubleConfig::builtin().merchants,
            None => Vec::new(),
        };
        for m in &merchants {
            crate::redact::register(m.secret.expose());
        }
        Ok(TtpayJudge {
            merchants,
            all_merchants_known,
            timestamp_unit: settings.timestamp_unit,
            amount_unit: settings.amount_unit,
            signatures: setup.signatures,
            schemas: crate::ttpay::suite::load_schemas()?,
            orders: story::Orders::default(),
            reading: crate::ttpay::checks::amount::RunReading::default(),
        })
    }

    fn merchant(&self, app_id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.app_id == app_id)
    }

    /// What it cannot check with what it was given ([`crate::judge::Judge::limits`]).
    fn limits(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.merchants.is_empty() {
            out.push("TTPAY_APP_SECRET is not set: request and response signatures are checked for form only".to_owned());
        }
        out.push(format!(
            "timestamps are held to {} (--timestamp-unit), amounts to {} units (--amount-unit)",
            match self.timestamp_unit {
                TimestampUnit::Ms => "milliseconds",
                TimestampUnit::S => "seconds",
            },
            match self.amount_unit {
                AmountUnit::Major => "major",
                AmountUnit::Minor => "minor",
            }
        ));
        out
    }
}

crate::judge_halves! {
    TtpayJudge, request::Request, |request| request.endpoint.path()
}
