//! The knobs where the provider's docs disagree with themselves (CONTRACT T2, A2, A6, C7) and the
//! brand profile. Each is a closed set of values, readable from the CLI and from TOML.

use std::fmt;

use serde::Deserialize;

/// Which brand's defaults to use: host and `User-Agent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    #[default]
    Ttpay,
    Tokenpay,
}

impl Profile {
    /// The `User-Agent` the brand's examples send.
    pub fn user_agent(self) -> &'static str {
        match self {
            Profile::Ttpay => "TTPay API (https://ttpay.io)",
            Profile::Tokenpay => "tokenpay API (https://tokenpay.me)",
        }
    }

    /// The brand's production host.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Profile::Ttpay => "https://api.ttpay.io",
            Profile::Tokenpay => "https://api.tokenpay.me",
        }
    }
}

/// How query is sent (T2): `POST` with a JSON body, or `GET` with a query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryMethod {
    #[default]
    Post,
    Get,
}

/// The unit of the signature timestamp (A2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimestampUnit {
    #[default]
    Ms,
    S,
}

impl TimestampUnit {
    /// `unix_ms` expressed in this unit.
    pub fn from_unix_ms(self, unix_ms: i64) -> i64 {
        match self {
            TimestampUnit::Ms => unix_ms,
            TimestampUnit::S => unix_ms / 1000,
        }
    }

    /// A timestamp in this unit, as Unix milliseconds.
    pub fn to_unix_ms(self, value: i64) -> i64 {
        match self {
            TimestampUnit::Ms => value,
            TimestampUnit::S => value.saturating_mul(1000),
        }
    }
}

/// The unit of `amount` on the wire (C7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AmountUnit {
    /// The currency's smallest unit, an integer: 15000000 with 6 decimals is 15 TRX.
    Minor,
    /// Major units, decimals allowed (the default, C7): the request says 13.99, the order holds
    /// 13.99 × 10^decimals.
    #[default]
    Major,
}

macro_rules! display_as_value_enum {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                use clap::ValueEnum as _;
                let value = self.to_possible_value().expect("no skipped variants");
                f.write_str(value.get_name())
            }
        }
    )*};
}

display_as_value_enum!(Profile, QueryMethod, TimestampUnit, AmountUnit);
