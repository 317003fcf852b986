//! TTPay / TokenPay transaction API v1: everything that is specific to this provider — its
//! signing scheme, its settings, its client, its rules, its steps and its embedded double.

pub mod bench;
pub mod checks;
pub mod client;
pub mod config;
pub mod crypto;
pub mod double;
pub mod explore;
pub mod openapi;
pub mod preflight;
mod provider;
pub mod proxy;
pub mod readings;
pub mod rules;
pub mod steadiness;
mod steps;
pub mod suite;
pub mod world;

use std::fmt;

pub use config::{Credentials, TtpayArgs, TtpayServeArgs, TtpaySettings};
pub use crypto::AppSecret;
pub use provider::{TTPAY, Ttpay};
pub use readings::{AmountUnit, Profile, QueryMethod, TimestampUnit};
pub use suite::TtpayRun;

/// The fields of a TransactionDetail that CONTRACT Q4 requires (`attach` may be absent).
pub const DETAIL_FIELDS: [&str; 25] = [
    "out_trade_no",
    "transaction_id",
    "trade_state",
    "description",
    "block_no",
    "create_time",
    "block_time",
    "expire_time",
    "expire_second",
    "pay_time",
    "close_time",
    "tx_id",
    "from_address",
    "contract_address",
    "to_address",
    "amount",
    "chain",
    "decimals",
    "service_amount",
    "service_amount_currency",
    "notify_url",
    "notify_num",
    "notify_status",
    "status",
    "currency",
];

/// One of the three operations (T1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    Create,
    Query,
    Close,
}

impl Endpoint {
    pub const ALL: [Endpoint; 3] = [Endpoint::Create, Endpoint::Query, Endpoint::Close];

    /// The path under the base URL.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Create => "/v1/transaction/prepayment",
            Endpoint::Query => "/v1/transaction/query",
            Endpoint::Close => "/v1/transaction/close",
        }
    }

    /// The short name used in feature files and reports: `create`, `query`, `close`.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Create => "create",
            Endpoint::Query => "query",
            Endpoint::Close => "close",
        }
    }

    /// The endpoint whose path is `path` (`Query` for anything else: only its own exchanges
    /// carry a path of its own).
    pub fn from_path(path: &str) -> Self {
        Endpoint::ALL
            .into_iter()
            .find(|e| e.path() == path)
            .unwrap_or(Endpoint::Query)
    }

    /// Reads `create` / `prepayment`, `query`, `close`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "create" | "prepayment" => Some(Endpoint::Create),
            "query" => Some(Endpoint::Query),
            "close" => Some(Endpoint::Close),
            _ => None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A merchant's credentials: an application (`app_id`) of a merchant (`mch_id`) and its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    pub app_id: String,
    pub mch_id: String,
    pub secret: AppSecret,
}
