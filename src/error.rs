//! Errors that stop a run before it starts — bad configuration, unreadable or unknown
//! feature files — and the exit codes of the tool.

use std::path::PathBuf;

/// Exit codes: what a CI job branches on.
pub mod exit {
    /// The target conforms.
    pub const CONFORMING: i32 = 0;
    /// At least one deviation.
    pub const DEVIATIONS: i32 = 1;
    /// Usage or configuration error: nothing was (or could be) concluded.
    pub const USAGE: i32 = 2;
    /// No deviation, but some scenarios were inconclusive (network, rate limit).
    pub const INCONCLUSIVE: i32 = 3;
    /// Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: i32 = 130;
}

/// A problem with what the user asked for. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    ParseConfig { path: PathBuf, message: String },
    #[error("environment variable {name} is not set\n(hint: {hint})")]
    MissingEnv { name: String, hint: String },
    /// A secret (named by its variable) that cannot be used; the message never shows it.
    #[error("{name}: {message}")]
    BadSecret { name: String, message: String },
    #[error("{what}")]
    Invalid { what: String },
    #[error("cannot read feature files at {path}: {source}")]
    ReadFeatures {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no .feature files under {0}")]
    NoFeatures(PathBuf),
    #[error("feature files do not parse:\n  {}", .0.join("\n  "))]
    Features(Vec<String>),
    #[error("feature files use steps that do not exist:\n  {}\n(hint: `pay-conformance lint PATH` suggests the closest step; `pay-conformance steps` lists every step)", .0.join("\n  "))]
    UnknownSteps(Vec<String>),
    #[error("feature files have authoring mistakes (nothing was sent):\n  {}", .0.join("\n  "))]
    Authoring(Vec<String>),
    #[error("invalid tag expression `{expr}`: {message}")]
    Tags { expr: String, message: String },
    #[error("cannot start: {0}")]
    Start(String),
    /// The preflight found that the target does not speak the API, or refuses these
    /// credentials or settings: one diagnosis, before any scenario runs.
    #[error("preflight: {0}")]
    Preflight(String),
    #[error("cannot write report {path}: {source}")]
    WriteReport {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ConfigError {
    /// Every configuration error is the user's to fix: exit code 2.
    pub fn exit_code(&self) -> i32 {
        exit::USAGE
    }
}

/// `e` and its causes, one per line: the message a user reads.
pub fn report(e: &dyn std::error::Error) -> String {
    crate::redact::redact(&chain(e, "\n  caused by: ")).into_owned()
}

/// `e` and each cause not already in the text, joined by `separator` (a `Display` often
/// stops at the first cause, as reqwest's does).
pub fn chain(e: &dyn std::error::Error, separator: &str) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(separator);
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}
