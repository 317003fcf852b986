//! The application: the configuration of a run — command-line flags over the TOML file over
//! the environment over defaults a new user can live with (secrets come only from the
//! environment) — composed of each component's own flags, and the run it resolves to.
//!
//! It sits on top: the shared settings it resolves ([`RunSettings`]: target, selection, pacing,
//! reports) are the leaf [`crate::settings`]; each provider reads its own flags (flattened into
//! [`RunArgs`] through [`crate::providers::ProviderArgs`]), its TOML table and its environment
//! variables in [`Provider::configure`](crate::provider::Provider::configure).

pub mod cli;
pub mod explore;
mod notify;
pub mod proxy;
mod qa_cli;
mod run_cli;
mod serve;

use std::path::PathBuf;
use std::time::Duration;

use cucumber::gherkin::tagexpr::TagOperation;

pub use notify::NotifyArgs;
pub use serve::ServeArgs;

use crate::error::ConfigError;
use crate::provider::{Configured, Env, Provider};
use crate::providers::{self, ProviderArgs};
use crate::runner::RunReport;
use crate::settings::{FileSection, ResponseSignatures, RunSettings, Target, checks, or_file};

/// What the application hands the engine before anything else: every provider's redaction
/// patterns ([`crate::redact::use_provider_patterns`]). Idempotent.
pub fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        crate::redact::use_provider_patterns(redaction_patterns());
    });
}

/// Every provider's own redaction patterns.
pub fn redaction_patterns() -> Vec<&'static str> {
    providers::all()
        .iter()
        .flat_map(|p| p.redaction_patterns().iter().copied())
        .collect()
}

/// The flags of `pay-conformance run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// The provider whose contract to check (`pay-conformance providers` lists them)
    /// [default: the first one listed].
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Base URL of the provider (e.g. a sandbox), or `production` for the provider's own
    /// host. Absent: the embedded double, started on a loopback port.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// What a missing or wrong response signature is [default: strict for the embedded double,
    /// observe for a remote target].
    #[arg(long, value_enum)]
    pub response_signatures: Option<ResponseSignatures>,
    /// Requests per second per merchant; 0 = unpaced [default: 5 for a remote target, 0 for the
    /// embedded double].
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// Only scenarios whose tags match, e.g. "@close and not @needs-paid-order".
    #[arg(long, value_name = "EXPR")]
    pub tags: Option<String>,
    /// Your own .feature file, or a directory of them, run in addition to the built-in ones
    /// (repeatable).
    #[arg(long, value_name = "PATH")]
    pub features: Vec<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write every HTTP exchange here as it happens, one JSON object a line (redacted).
    #[arg(long, value_name = "FILE")]
    pub log_http: Option<PathBuf>,
    /// Read settings from this TOML file (flags override it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Scenarios in flight at once [default: 32].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Seconds to wait for one answer before retrying [default: 15].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// The whole run's deadline (`90s`, `5m`): past it, what did not finish is inconclusive,
    /// the reports are written, exit 3 [default: 60 s + 4 × timeout × ⌈scenarios ÷
    /// concurrency⌉ + 10 requests per scenario at the pacing + --pay-timeout + 2 × --notify-wait].
    #[arg(long, value_name = "DURATION", value_parser = crate::deadline::parse)]
    pub deadline: Option<std::time::Duration>,
    /// Embedded double only: inject this fault (see `pay-conformance faults`).
    #[arg(long, value_name = "NAME")]
    pub fault: Option<String>,
    /// Embedded double only: answer in a way the contract allows but integrations may not
    /// expect (see `pay-conformance variants`).
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Check the feature files (as `lint` does) and the configuration; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only scenarios whose name matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub name: Option<String>,
    /// Only these scenarios: `PATH[:LINE]` (a built-in feature as reports name it, or your own
    /// file or directory), or `@FILE`, a rerun file.
    #[arg(value_name = "PATH[:LINE]")]
    pub targets: Vec<String>,
    /// Write a Cucumber JSON report here (cucumber-html-reporter, Allure, Jenkins, GitLab).
    #[arg(long, value_name = "FILE")]
    pub cucumber_json: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the scenarios that did not pass here, one `path:line` a line (run `@FILE`).
    #[arg(long, value_name = "FILE")]
    pub rerun: Option<PathBuf>,
    #[command(flatten, next_help_heading = "Payment notifications")]
    pub notify: NotifyArgs,
    #[command(flatten)]
    pub providers: ProviderArgs,
    #[command(flatten, next_help_heading = "Behaviour records")]
    pub record: crate::record::cli::RecordArgs,
}

/// A run, resolved: the shared settings and the provider bound to its own.
pub struct RunConfig {
    pub settings: RunSettings,
    pub provider: &'static dyn Provider,
    pub configured: Box<dyn Configured>,
}

impl std::fmt::Debug for RunConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunConfig")
            .field("provider", &self.provider.name())
            .field("settings", &self.settings)
            .field("provider_settings", &self.configured.settings())
            .finish()
    }
}

impl RunConfig {
    /// Resolves flags, the file they name, and the environment (`env` looks a variable up).
    pub fn resolve(args: &RunArgs, env: Env<'_>) -> Result<Self, ConfigError> {
        init();
        let mut file = match &args.config {
            Some(path) => FileSection::load(path)?,
            None => FileSection::empty(),
        };
        let provider_name = match args.provider.clone() {
            Some(name) => Some(name),
            None => file.take::<String>("provider")?,
        };
        let provider = providers::find(provider_name.as_deref())?;
        let settings = resolve_settings(args, &mut file)?;
        crate::provider::check_names(
            provider,
            settings.fault.as_deref(),
            settings.variant.as_deref(),
        )?;
        let configured = provider.configure(&settings, &args.providers.flags(), &mut file, env)?;
        for other in providers::all() {
            if other.name() != provider.name() {
                file.skip(other.name());
            }
        }
        file.finish()?;
        Ok(RunConfig {
            settings,
            provider,
            configured,
        })
    }

    /// Loads the features (built-in and `--features`) and runs them as configured.
    pub async fn run(&self) -> Result<RunReport, ConfigError> {
        let features = self.provider.load_features(&self.settings.features)?;
        if let Some((text, expr)) = &self.settings.tags {
            crate::feature::lint::check_selection(&features, text, expr)
                .map_err(|what| ConfigError::Invalid { what })?;
        }
        self.configured.preflight().await?;
        self.configured.run(features).await
    }
}

fn resolve_settings(args: &RunArgs, file: &mut FileSection) -> Result<RunSettings, ConfigError> {
    let base_url = match args.base_url.clone() {
        Some(url) => Some(url),
        None => file.take::<String>("base_url")?,
    };
    let target = match base_url.as_deref() {
        None => Target::Embedded,
        Some("production") => Target::Production,
        Some(url) => Target::Remote(check_base_url(url)?),
    };
    let remote = !matches!(target, Target::Embedded);
    if remote && args.variant.is_some() {
        return Err(ConfigError::Invalid {
            what: "--variant changes the embedded double only\n(hint: drop --base-url, or start `pay-conformance serve --variant NAME` and point --base-url at it)".into(),
        });
    }
    if remote && args.fault.is_some() {
        return Err(ConfigError::Invalid {
            what: "--fault injects faults into the embedded double only\n(hint: drop --base-url, or start `pay-conformance serve --fault NAME` and point --base-url at it)".into(),
        });
    }
    let tags = match or_file(args.tags.clone(), file, "tags")? {
        None => None,
        Some(expr) => {
            let parsed = expr
                .parse::<TagOperation>()
                .map_err(|e| ConfigError::Tags {
                    expr: expr.clone(),
                    message: e.to_string(),
                })?;
            Some((expr, parsed))
        }
    };
    let concurrency = or_file(args.concurrency, file, "concurrency")?.unwrap_or(32);
    if concurrency == 0 {
        return Err(ConfigError::Invalid {
            what: "concurrency must be at least 1".into(),
        });
    }
    let timeout = or_file(args.timeout, file, "timeout_seconds")?.unwrap_or(15);
    if timeout == 0 {
        return Err(ConfigError::Invalid {
            what: "timeout must be at least 1 second".into(),
        });
    }
    let response_signatures = or_file(args.response_signatures, file, "response_signatures")?
        .unwrap_or(if remote {
            ResponseSignatures::Observe
        } else {
            ResponseSignatures::Strict
        });
    let rate_limit =
        or_file(args.rate_limit, file, "rate_limit")?.unwrap_or(if remote { 5 } else { 0 });
    let mut features = args.features.clone();
    if features.is_empty()
        && let Some(dir) = file.take::<PathBuf>("features")?
    {
        features.push(dir);
    }
    let junit = or_file(args.junit.clone(), file, "junit")?;
    let json = or_file(args.json.clone(), file, "json")?;
    let log_http = or_file(args.log_http.clone(), file, "log_http")?;
    let reports: Vec<(&str, &std::path::Path)> = [
        ("--junit", &junit),
        ("--json", &json),
        ("--log-http", &log_http),
    ]
    .into_iter()
    .filter_map(|(flag, path)| path.as_deref().map(|p| (flag, p)))
    .collect();
    checks::report_paths(&reports)?;
    let notify = args.notify.resolve(remote, file)?;
    Ok(RunSettings {
        target,
        response_signatures,
        rate_limit,
        tags,
        features,
        junit,
        json,
        concurrency,
        timeout: Duration::from_secs(timeout),
        fault: args.fault.clone(),
        variant: args.variant.clone(),
        progress: true,
        log_http,
        keep_exchanges: args.record.wanted(),
        notify,
    })
}

fn check_base_url(url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError::Invalid {
        what: format!("--base-url `{url}` is not a URL: {e}\n(hint: e.g. http://127.0.0.1:12111)"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(ConfigError::Invalid {
            what: format!("--base-url `{url}` must be an http(s) URL with a host"),
        });
    }
    Ok(url.trim_end_matches('/').to_owned())
}
