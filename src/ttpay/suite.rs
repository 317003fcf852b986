//! TTPay's side of a run: the built-in and QA features checked against its steps, the double
//! a configuration asks for, the run's one client, and [`TtpayRun`] — TTPay bound to a run's
//! settings, as the engine drives it ([`Configured`]).

use std::path::PathBuf;
use std::sync::Arc;

use cucumber::gherkin;

use super::Endpoint;
use super::client::{ClientSettings, TtpayClient};
use super::config::{Credentials, TtpaySettings};
use super::double::{Double, DoubleConfig, Fault, Variant};
use super::preflight::{self, Preflight};
use super::world::{TtpayContext, TtpayWorld};
use crate::checks::schema::SchemaSet;
use crate::error::ConfigError;
use crate::http::{Pacer, Transport, TransportPolicy};
use crate::runner::{self, RunOptions, RunReport, features};
use crate::settings::{RunSettings, Target};

/// The built-in TTPay features plus the ones under `extra`, parsed, expanded and step-checked.
pub fn load_features(extra: &[PathBuf]) -> Result<Vec<gherkin::Feature>, ConfigError> {
    features::load::<TtpayWorld>("ttpay", extra)
}

/// The schemas, compiled once.
pub fn load_schemas() -> Result<Arc<SchemaSet>, ConfigError> {
    SchemaSet::embedded()
        .map(Arc::new)
        .map_err(|e| ConfigError::Start(format!("built-in schemas: {e}")))
}

/// The double a configuration asks for: the configured merchants (or the built-in ones), its
/// units, its fault.
pub fn double_config(
    ttpay: &TtpaySettings,
    fault: Option<&str>,
) -> Result<DoubleConfig, ConfigError> {
    let mut double = DoubleConfig::builtin();
    if let Some(credentials) = &ttpay.credentials {
        double.merchants = std::iter::once(credentials.merchant.clone())
            .chain(credentials.other.clone())
            .collect();
        if let Some(paid) = &credentials.paid_out_trade_no {
            double.paid_out_trade_no = paid.clone();
        }
    }
    // The embedded double of `run` keeps to the suite's unit; `serve` accepts either.
    double.timestamp_unit = Some(ttpay.timestamp_unit);
    double.amount_unit = ttpay.amount_unit;
    if let Some(name) = fault {
        double.fault = Some(
            Fault::from_name(name)
                .ok_or_else(|| crate::provider::unknown_fault(&super::TTPAY, name))?,
        );
    }
    Ok(double)
}

/// The variant called `name`, if any (an unknown name is a usage error).
pub fn variant(name: Option<&str>) -> Result<Option<Variant>, ConfigError> {
    name.map(|name| {
        Variant::from_name(name)
            .ok_or_else(|| crate::provider::unknown_variant(&super::TTPAY, name))
    })
    .transpose()
}

/// The merchants of a double, as credentials for the suite.
pub fn double_credentials(double: &DoubleConfig) -> Credentials {
    Credentials {
        merchant: double.merchants[0].clone(),
        other: double.merchants.get(1).cloned(),
        paid_out_trade_no: Some(double.paid_out_trade_no.clone()),
    }
}

/// TTPay bound to a run: the shared settings, TTPay's own, the compiled schemas and the
/// run's one HTTP client.
#[derive(Debug)]
pub struct TtpayRun {
    pub settings: RunSettings,
    pub ttpay: TtpaySettings,
    schemas: Arc<SchemaSet>,
    transport: Transport,
    /// What the preflight found (remote targets only).
    preflight: std::sync::Mutex<Preflight>,
}

impl TtpayRun {
    /// Compiles the schemas and builds the HTTP client, once for every run it makes.
    pub fn new(settings: RunSettings, ttpay: TtpaySettings) -> Result<Self, ConfigError> {
        // The embedded double is plain HTTP: no need to read the system's trusted roots.
        let build = match settings.target {
            Target::Embedded => Transport::for_embedded,
            _ => Transport::new,
        };
        let transport = build(
            ttpay.profile.user_agent(),
            TransportPolicy {
                timeout: settings.timeout,
                ..TransportPolicy::default()
            },
        )
        .map_err(|e| ConfigError::Start(format!("HTTP client: {e}")))?;
        Ok(Self {
            settings,
            ttpay,
            schemas: load_schemas()?,
            transport,
            preflight: Default::default(),
        })
    }

    /// The remote target's base URL and credentials (`None` for the embedded double).
    fn remote(&self) -> Result<Option<(String, Credentials)>, ConfigError> {
        let url = match &self.settings.target {
            Target::Embedded => return Ok(None),
            Target::Remote(url) => url.clone(),
            Target::Production => self.ttpay.profile.default_base_url().to_owned(),
        };
        let credentials =
            self.ttpay
                .credentials
                .clone()
                .ok_or_else(|| ConfigError::MissingEnv {
                    name: "TTPAY_APP_ID".into(),
                    hint: "a remote target needs TTPAY_APP_ID, TTPAY_MCH_ID and TTPAY_APP_SECRET"
                        .into(),
                })?;
        Ok(Some((url, credentials)))
    }

    /// Probes a remote target before any scenario ([`preflight`]); the embedded double is
    /// ours and needs none.
    pub async fn preflight(&self) -> Result<(), ConfigError> {
        let Some((url, credentials)) = self.remote()? else {
            return Ok(());
        };
        let make = |settings: ClientSettings| {
            TtpayClient::new(
                self.transport.clone(),
                Pacer::new(self.settings.rate_limit),
                settings,
            )
        };
        let found = preflight::run(
            &make,
            self.client(&url).settings(),
            &credentials.merchant,
            credentials.paid_out_trade_no.as_deref(),
        )
        .await?;
        *runner::lock(&self.preflight) = found;
        Ok(())
    }

    /// Runs `features` as configured: the embedded double or the remote target.
    pub async fn run(&self, features: Vec<gherkin::Feature>) -> Result<RunReport, ConfigError> {
        let Some((url, credentials)) = self.remote()? else {
            let mut double = double_config(&self.ttpay, self.settings.fault.as_deref())?;
            double.variant = variant(self.settings.variant.as_deref())?;
            return Ok(self.run_on_double(double, features).await);
        };
        let client = self.client(&url);
        Ok(self
            .run_with_client(client, credentials, features, url.clone())
            .await)
    }

    /// Starts a double as `double` says, runs the features against it, and stops it.
    /// Runs `features` against an embedded double with `fault` in force.
    pub async fn run_with_fault(
        &self,
        features: Vec<gherkin::Feature>,
        fault: Option<&str>,
    ) -> Result<RunReport, ConfigError> {
        let double = double_config(&self.ttpay, fault)?;
        Ok(self.run_on_double(double, features).await)
    }

    /// The settings the run uses, for reports (no secret in it).
    pub fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "profile": self.ttpay.profile.to_string(),
            "query_method": self.ttpay.query_method.to_string(),
            "timestamp_unit": self.ttpay.timestamp_unit.to_string(),
            "amount_unit": self.ttpay.amount_unit.to_string(),
            "merchant": self.ttpay.credentials.as_ref().map(|c| c.merchant.app_id.clone()),
        })
    }

    pub async fn run_on_double(
        &self,
        double: DoubleConfig,
        features: Vec<gherkin::Feature>,
    ) -> RunReport {
        let mut double = double;
        self.settings
            .notify
            .scale_schedule(&mut double.notify_schedule);
        let double = Double::start(double).await;
        let credentials = double_credentials(double.config());
        let label = match (double.fault(), double.config().variant) {
            (Some(fault), _) => format!(
                "{} (embedded double with fault {})",
                double.uri(),
                fault.name()
            ),
            (None, Some(variant)) => {
                format!("{} (embedded double with variant {variant})", double.uri())
            }
            (None, None) => format!("{} (embedded double)", double.uri()),
        };
        let client = self.client(&double.uri());
        self.run_with_client(client, credentials, features, label)
            .await
    }

    /// The run's client for `base_url`: paced at the configured rate, on the shared transport.
    pub fn client(&self, base_url: &str) -> TtpayClient {
        TtpayClient::new(
            self.transport.clone(),
            Pacer::new(self.settings.rate_limit),
            ClientSettings {
                base_url: base_url.trim_end_matches('/').to_owned(),
                query_method: self.ttpay.query_method,
                timestamp_unit: self.ttpay.timestamp_unit,
            },
        )
    }

    /// Runs already loaded features with a client made by [`client`](Self::client) (keep its
    /// [`stats`](TtpayClient::stats) handle to see what it sent).
    pub async fn run_with_client(
        &self,
        client: TtpayClient,
        credentials: Credentials,
        features: Vec<gherkin::Feature>,
        label: String,
    ) -> RunReport {
        let unanswered = client.well_formed_unanswered();
        let tags = self.settings.tags.as_ref().map(|(_, op)| op);
        let notifications = crate::notify::Notifications::for_target(
            self.settings.notify.clone(),
            &client.settings().base_url,
            self.settings.target == Target::Embedded,
            crate::notify::selected(&features, tags),
        )
        .await;
        let ctx = TtpayContext {
            client,
            schemas: Arc::clone(&self.schemas),
            merchant: credentials.merchant,
            other: credentials.other,
            paid_out_trade_no: credentials.paid_out_trade_no,
            paid_order_problem: runner::lock(&self.preflight).paid_order_problem.clone(),
            amount_unit: self.ttpay.amount_unit,
            amount_reading: Default::default(),
            signatures: self.settings.response_signatures,
            notifications: Arc::new(notifications),
        };
        let ctx = Arc::new(ctx);
        let mut report = runner::run::<TtpayWorld>(
            features,
            Arc::clone(&ctx),
            RunOptions {
                tags: self.settings.tags.as_ref().map(|(_, op)| op.clone()),
                concurrency: self.settings.concurrency,
                target: label,
                progress: self.settings.progress,
                log_http: self.settings.log_http.clone(),
                keep_exchanges: self.settings.keep_exchanges,
            },
        )
        .await;
        if let Some(reading) = ctx.amount_reading.get() {
            report.observations.push(crate::findings::Observation {
                rule: "C7".into(),
                endpoint: Endpoint::Query.path().to_owned(),
                note: reading.observation().to_owned(),
                request_id: None,
            });
        }
        let count = unanswered.load(std::sync::atomic::Ordering::Relaxed);
        super::steadiness::rejudge(&mut report, count);
        report
    }
}

crate::configured_plumbing!(TtpayRun, preflight);
