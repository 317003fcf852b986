//! A TTPay run, end to end: resolve the target (starting the embedded double when no base URL
//! is given), build the one client of the run, and hand the built-in and QA features to the
//! runner.

use std::path::Path;
use std::sync::Arc;

use cucumber::gherkin;

use super::client::{ClientSettings, TtpayClient};
use super::double::{Double, DoubleConfig, Fault};
use super::world::{TtpayContext, TtpayWorld};
use crate::checks::schema::SchemaSet;
use crate::config::{Credentials, RunConfig, Target};
use crate::error::ConfigError;
use crate::http::{Pacer, Transport, TransportPolicy};
use crate::runner::{self, RunOptions, RunReport, features};

/// The built-in TTPay features plus the ones under `extra`, parsed, expanded and step-checked.
pub fn load_features(extra: Option<&Path>) -> Result<Vec<gherkin::Feature>, ConfigError> {
    let mut sources = features::embedded("ttpay");
    if let Some(dir) = extra {
        sources.extend(features::from_dir(dir)?);
    }
    let parsed = features::parse(&sources)?;
    features::check_steps::<TtpayWorld>(&parsed)?;
    Ok(parsed)
}

/// The schemas, compiled once.
pub fn load_schemas() -> Result<Arc<SchemaSet>, ConfigError> {
    SchemaSet::embedded()
        .map(Arc::new)
        .map_err(|e| ConfigError::Start(format!("built-in schemas: {e}")))
}

/// The double a configuration asks for: the configured merchants (or the built-in ones), its
/// units, its fault.
pub fn double_config(config: &RunConfig) -> Result<DoubleConfig, ConfigError> {
    let mut double = DoubleConfig::builtin();
    if let Some(credentials) = &config.credentials {
        double.merchants = std::iter::once(credentials.merchant.clone())
            .chain(credentials.other.clone())
            .collect();
        if let Some(paid) = &credentials.paid_out_trade_no {
            double.paid_out_trade_no = paid.clone();
        }
    }
    double.timestamp_unit = config.timestamp_unit;
    double.amount_unit = config.amount_unit;
    if let Some(name) = &config.fault {
        double.fault = Some(Fault::from_name(name).ok_or_else(|| ConfigError::Invalid {
            what: format!("unknown fault `{name}`\n(hint: `pay-conformance faults` lists them)"),
        })?);
    }
    Ok(double)
}

/// The merchants of a double, as credentials for the suite.
pub fn double_credentials(double: &DoubleConfig) -> Credentials {
    Credentials {
        merchant: double.merchants[0].clone(),
        other: double.merchants.get(1).cloned(),
        paid_out_trade_no: Some(double.paid_out_trade_no.clone()),
    }
}

/// Runs the suite as `config` says.
pub async fn run(config: &RunConfig) -> Result<RunReport, ConfigError> {
    let features = load_features(config.features.as_deref())?;
    let schemas = load_schemas()?;
    let transport = transport(config)?;
    match &config.target {
        Target::Embedded => {
            let double = double_config(config)?;
            Ok(run_on_double(config, double, features, schemas, transport).await)
        }
        Target::Remote(url) => {
            let credentials =
                config
                    .credentials
                    .clone()
                    .ok_or_else(|| ConfigError::MissingEnv {
                        name: "TTPAY_APP_ID".into(),
                        hint:
                            "a remote target needs TTPAY_APP_ID, TTPAY_MCH_ID and TTPAY_APP_SECRET"
                                .into(),
                    })?;
            Ok(run_against(
                config,
                url,
                credentials,
                features,
                schemas,
                transport,
                url.clone(),
            )
            .await)
        }
    }
}

/// Starts a double as `double` says, runs the features against it, and stops it.
pub async fn run_on_double(
    config: &RunConfig,
    double: DoubleConfig,
    features: Vec<gherkin::Feature>,
    schemas: Arc<SchemaSet>,
    transport: Transport,
) -> RunReport {
    let double = Double::start(double).await;
    let credentials = double_credentials(double.config());
    let label = match double.fault() {
        Some(fault) => format!(
            "{} (embedded double with fault {})",
            double.uri(),
            fault.name()
        ),
        None => format!("{} (embedded double)", double.uri()),
    };
    run_against(
        config,
        &double.uri(),
        credentials,
        features,
        schemas,
        transport,
        label,
    )
    .await
}

/// The run's one HTTP client.
pub fn transport(config: &RunConfig) -> Result<Transport, ConfigError> {
    Transport::new(
        config.profile.user_agent(),
        TransportPolicy {
            timeout: config.timeout,
            ..TransportPolicy::default()
        },
    )
    .map_err(|e| ConfigError::Start(format!("HTTP client: {e}")))
}

/// Runs already loaded features against `base_url` with `credentials`.
pub async fn run_against(
    config: &RunConfig,
    base_url: &str,
    credentials: Credentials,
    features: Vec<gherkin::Feature>,
    schemas: Arc<SchemaSet>,
    transport: Transport,
    label: String,
) -> RunReport {
    let client = client(config, base_url, transport);
    run_with_client(config, client, credentials, features, schemas, label).await
}

/// The run's client for `base_url`: paced at the configured rate.
pub fn client(config: &RunConfig, base_url: &str, transport: Transport) -> TtpayClient {
    TtpayClient::new(
        transport,
        Pacer::new(config.rate_limit),
        ClientSettings {
            base_url: base_url.trim_end_matches('/').to_owned(),
            query_method: config.query_method,
            timestamp_unit: config.timestamp_unit,
        },
    )
}

/// Runs already loaded features with a client made by [`client`] (keep its
/// [`stats`](TtpayClient::stats) handle to see what it sent).
pub async fn run_with_client(
    config: &RunConfig,
    client: TtpayClient,
    credentials: Credentials,
    features: Vec<gherkin::Feature>,
    schemas: Arc<SchemaSet>,
    label: String,
) -> RunReport {
    let ctx = TtpayContext {
        client,
        schemas,
        merchant: credentials.merchant,
        other: credentials.other,
        paid_out_trade_no: credentials.paid_out_trade_no,
        amount_unit: config.amount_unit,
        signatures: config.response_signatures,
    };
    runner::run::<TtpayWorld>(
        features,
        Arc::new(ctx),
        RunOptions {
            tags: config.tags.as_ref().map(|(_, op)| op.clone()),
            concurrency: config.concurrency,
            target: label,
        },
    )
    .await
}
