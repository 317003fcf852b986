//! The settings every provider shares, and the pieces a provider reads its own with: the
//! leaf of the configuration. Providers import it; it imports no provider and no application
//! layer ([`crate::app`] resolves flags, the TOML file and the environment into these).

pub mod checks;
mod file;
mod flags;
pub mod notify;
pub mod serve;

use std::path::PathBuf;
use std::time::Duration;

use cucumber::gherkin::tagexpr::TagOperation;
use serde::Deserialize;

pub use file::FileSection;
pub use flags::{NoSettings, ProviderFlags};
pub use notify::{NotifySettings, PayMethod};
pub use serve::ServeSettings;

use crate::error::ConfigError;

/// What a missing or wrong response signature is (each provider's response-signature rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseSignatures {
    /// A deviation.
    Strict,
    /// An observation: shown and recorded, never a failure.
    Observe,
    /// Not checked.
    Off,
}

impl std::fmt::Display for ResponseSignatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResponseSignatures::Strict => "strict",
            ResponseSignatures::Observe => "observe",
            ResponseSignatures::Off => "off",
        })
    }
}

/// What the suite runs against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The stateful double, in-process, on a loopback port.
    Embedded,
    /// A provider at this base URL (no trailing slash).
    Remote(String),
    /// The provider's own production host (`--base-url production`): the provider says which.
    Production,
}

/// The settings every provider shares, resolved and checked.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub target: Target,
    pub response_signatures: ResponseSignatures,
    /// Requests per second per merchant; 0 = unpaced.
    pub rate_limit: u32,
    pub tags: Option<(String, TagOperation)>,
    pub features: Vec<PathBuf>,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub concurrency: usize,
    pub timeout: Duration,
    pub fault: Option<String>,
    /// The embedded double's variant (`--variant`).
    pub variant: Option<String>,
    /// A line on stderr per finished scenario.
    pub progress: bool,
    /// `--log-http FILE`: every exchange as NDJSON.
    pub log_http: Option<PathBuf>,
    /// Keep every scenario's exchanges, not only those of what did not pass (`--record`,
    /// `--baseline`: a behaviour record is made of them).
    pub keep_exchanges: bool,
    /// Payment notifications: the receiver, what pays, how long to wait.
    pub notify: NotifySettings,
}

impl RunSettings {
    /// Whether the target is a provider on the network rather than the embedded double.
    pub fn is_remote(&self) -> bool {
        !matches!(self.target, Target::Embedded)
    }

    /// The settings of a run against the embedded double with every default (the selftest's).
    pub fn embedded() -> RunSettings {
        RunSettings {
            target: Target::Embedded,
            response_signatures: ResponseSignatures::Strict,
            rate_limit: 0,
            tags: None,
            features: Vec::new(),
            junit: None,
            json: None,
            concurrency: 32,
            timeout: Duration::from_secs(15),
            fault: None,
            variant: None,
            progress: false,
            log_http: None,
            keep_exchanges: false,
            notify: NotifySettings::embedded(),
        }
    }
}

/// The flag's value, else the file's `key`.
pub fn or_file<T: serde::de::DeserializeOwned>(
    flag: Option<T>,
    file: &mut FileSection,
    key: &str,
) -> Result<Option<T>, ConfigError> {
    let from_file = file.take::<T>(key)?;
    Ok(flag.or(from_file))
}
