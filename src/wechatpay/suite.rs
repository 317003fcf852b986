//! WeChat Pay's side of a run: the built-in and QA features checked against its steps, the
//! run's one client and its platform keys (configured, or downloaded and decrypted), the W5
//! pre-pass, and [`WechatpayRun`] — WeChat Pay bound to a run's settings ([`Configured`]).
//!
//! W5: against a remote target with `close_min_age_seconds` > 0, every order a scenario will
//! close is created first (a pool per kind, [`super::orders`]), the run waits once for the age,
//! and the `Given`s take their orders from the pool. Against a double, its control API ages an
//! order instead.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cucumber::gherkin;

use super::checks::PlatformKeys;
use super::client::WxClient;
use super::config::{Credentials, PathFlavour, Platform, WechatpaySettings};
use super::crypto::PrivateKey;
use super::double::test_keys::refuse_test_keys;
use super::double::{Double, DoubleConfig, Fault};
use super::preflight;
use super::world::{WechatpayWorld, Who, WxContext};
use crate::checks::schema::SchemaSet;
use crate::error::ConfigError;
use crate::http::{Pacer, Transport, TransportPolicy};
use crate::runner::{self, RunOptions, RunReport, features};
use crate::settings::{RunSettings, Target};

mod keys;

use keys::configured_keys;

/// The production host of WeChat Pay Global (`--base-url production`).
pub const PRODUCTION: &str = "https://apihk.mch.weixin.qq.com";

/// The built-in WeChat Pay features plus the ones under `extra`, parsed, expanded, step-checked.
pub fn load_features(extra: &[PathBuf]) -> Result<Vec<gherkin::Feature>, ConfigError> {
    features::load::<WechatpayWorld>("wechatpay", extra)
}

/// Where a run goes: a base URL, the credentials, whether it has the double's control API,
/// the minimum close age, and how reports name it.
#[derive(Debug, Clone)]
pub struct Destination {
    pub base_url: String,
    pub credentials: Credentials,
    pub control: bool,
    pub close_min_age: Duration,
    pub label: String,
    pub flavour: PathFlavour,
    /// The `notify_url` of the orders it creates.
    pub notify_url: String,
}

/// Where the embedded double's payment notifications go: nowhere (the discard port).
const DOUBLE_NOTIFY_URL: &str = "http://127.0.0.1:9/pay-conformance/notify";

/// WeChat Pay bound to a run.
#[derive(Debug)]
pub struct WechatpayRun {
    pub settings: RunSettings,
    pub wechatpay: WechatpaySettings,
    schemas: Arc<SchemaSet>,
    transport: Transport,
    /// The embedded double's: RSA on both sides of every request makes an in-process run
    /// CPU-bound, so a slow answer there is the machine's load, never the provider's.
    embedded_transport: Transport,
    /// The orders the preflight created: the run closes them with its own when it ends.
    preflight_created: Mutex<Vec<(Who, String)>>,
    /// The platform certificates once downloaded (a remote target's, certificate mode).
    downloaded: Mutex<Option<PlatformKeys>>,
}

/// The timeout and scenario concurrency of runs against the embedded double (see above): few
/// requests in flight keep each one's delay between signing and verifying well under a second
/// (W6's 301-second cases).
const EMBEDDED_TIMEOUT: Duration = Duration::from_secs(120);
const EMBEDDED_CONCURRENCY: usize = 4;

impl WechatpayRun {
    pub fn new(settings: RunSettings, wechatpay: WechatpaySettings) -> Result<Self, ConfigError> {
        let user_agent = format!("pay-conformance/{} (wechatpay)", env!("CARGO_PKG_VERSION"));
        // The embedded double is plain HTTP: no need to read the system's trusted roots.
        let remote = match settings.target {
            Target::Embedded => Transport::for_embedded,
            _ => Transport::new,
        };
        let transport = remote(
            &user_agent,
            TransportPolicy {
                timeout: settings.timeout,
                ..TransportPolicy::default()
            },
        )
        .map_err(|e| ConfigError::Start(format!("HTTP client: {e}")))?;
        let embedded_transport = Transport::for_embedded(
            &user_agent,
            TransportPolicy {
                timeout: settings.timeout.max(EMBEDDED_TIMEOUT),
                ..TransportPolicy::default()
            },
        )
        .map_err(|e| ConfigError::Start(format!("HTTP client: {e}")))?;
        let schemas = SchemaSet::embedded()
            .map(Arc::new)
            .map_err(|e| ConfigError::Start(format!("built-in schemas: {e}")))?;
        Ok(Self {
            settings,
            wechatpay,
            schemas,
            transport,
            embedded_transport,
            preflight_created: Mutex::new(Vec::new()),
            downloaded: Mutex::new(None),
        })
    }

    /// The remote target as configured (`None` for the embedded double).
    fn remote(&self) -> Result<Option<Destination>, ConfigError> {
        let base_url = match &self.settings.target {
            Target::Embedded => return Ok(None),
            Target::Remote(url) => url.clone(),
            Target::Production => PRODUCTION.to_owned(),
        };
        let credentials = self.wechatpay.credentials.clone().ok_or_else(|| ConfigError::MissingEnv {
            name: "WECHATPAY_MCHID".into(),
            hint: "a remote target needs WECHATPAY_MCHID, WECHATPAY_APPID, WECHATPAY_SERIAL_NO and WECHATPAY_PRIVATE_KEY_FILE".into(),
        })?;
        refuse_test_keys(&base_url, configured_keys(&credentials))?;
        Ok(Some(Destination {
            label: base_url.clone(),
            base_url,
            credentials,
            control: false,
            close_min_age: self.wechatpay.close_min_age,
            flavour: self.wechatpay.path_flavour,
            notify_url: self.wechatpay.notify_url.clone(),
        }))
    }

    /// Probes a remote target before any scenario ([`super::preflight`]); the embedded double
    /// is ours and needs none.
    pub async fn preflight(&self) -> Result<(), ConfigError> {
        let Some(destination) = self.remote()? else {
            return Ok(());
        };
        let credentials = destination.credentials.clone();
        let ctx = self.context(destination, None);
        let load = async {
            let keys = self.platform_keys(&ctx.client, &credentials).await?;
            ctx.client.set_platform(keys);
            Ok(())
        };
        let found = preflight::run(
            &ctx,
            &credentials.platform,
            self.settings.response_signatures,
            load,
        )
        .await;
        let created = std::mem::take(&mut *runner::lock(&ctx.created));
        runner::lock(&self.preflight_created).extend(created);
        found
    }

    /// Runs `features` as configured: the embedded double or the remote target.
    pub async fn run(&self, features: Vec<gherkin::Feature>) -> Result<RunReport, ConfigError> {
        match self.remote()? {
            Some(destination) => self.run_at(destination, features).await,
            None => {
                self.run_with_fault(features, self.settings.fault.as_deref())
                    .await
            }
        }
    }

    /// Starts the embedded double (its built-in merchants, its 5-minute minimum close age aged
    /// away through its control API), with `fault` in force, and runs `features` against it.
    pub async fn run_with_fault(
        &self,
        features: Vec<gherkin::Feature>,
        fault: Option<&str>,
    ) -> Result<RunReport, ConfigError> {
        let mut config = DoubleConfig::builtin();
        let mut flavour = self.wechatpay.path_flavour;
        if let Some(name) = fault {
            let fault = Fault::from_name(name)
                .ok_or_else(|| crate::provider::unknown_fault(&super::WECHATPAY, name))?;
            // This fault only shows on the legacy tree: the proof runs it with that setting.
            if fault == Fault::LegacyPathMissing {
                flavour = PathFlavour::Hk;
            }
            config.fault = Some(fault);
        }
        self.settings
            .notify
            .scale_schedule(&mut config.notify_schedule);
        let double = Double::start(config).await;
        let label = match double.fault() {
            Some(fault) => format!(
                "{} (embedded double with fault {})",
                double.uri(),
                fault.name()
            ),
            None => format!("{} (embedded double)", double.uri()),
        };
        let destination = Destination {
            base_url: double.uri(),
            credentials: super::orders::double_credentials(double.config()),
            control: true,
            close_min_age: double.config().close_min_age,
            label,
            flavour,
            notify_url: DOUBLE_NOTIFY_URL.to_owned(),
        };
        let report = self.run_at(destination, features).await;
        drop(double);
        report
    }

    /// The settings the run uses, for reports (no secret in it).
    pub fn settings(&self) -> serde_json::Value {
        let c = self.wechatpay.credentials.as_ref();
        serde_json::json!({
            "close_min_age_seconds": self.wechatpay.close_min_age.as_secs(),
            "path_flavour": self.wechatpay.path_flavour.to_string(),
            "currency": self.wechatpay.currency,
            "merchant": c.map(|c| c.merchant.mchid.clone()),
            "platform": c.map(|c| match &c.platform {
                Platform::PublicKey { id, .. } => format!("public key {id}"),
                Platform::Certificate(cert) => format!("certificate {}", cert.serial()),
                Platform::Download => "certificates downloaded".to_owned(),
            }),
            "institutional": c.and_then(|c| c.institution.as_ref()).map(|i| i.sub_mchid.clone()),
        })
    }

    /// Runs already loaded features at `destination`.
    pub async fn run_at(
        &self,
        destination: Destination,
        features: Vec<gherkin::Feature>,
    ) -> Result<RunReport, ConfigError> {
        // The key of "signed with another key": shipped for the double, else generated once,
        // off the async workers.
        let embedded = destination.control;
        let stranger = tokio::task::spawn_blocking(move || super::client::stranger_key(embedded))
            .await
            .ok()
            .flatten();
        let credentials = destination.credentials.clone();
        let label = destination.label.clone();
        let base_url = destination.base_url.clone();
        let mut ctx = self.context(destination, stranger);
        if !embedded {
            let tags = self.settings.tags.as_ref().map(|(_, op)| op);
            ctx.notifications = Arc::new(
                crate::notify::Notifications::for_target(
                    self.settings.notify.clone(),
                    &base_url,
                    false,
                    crate::notify::selected(&features, tags),
                )
                .await,
            );
        }
        ctx.client
            .set_platform(self.platform_keys(&ctx.client, &credentials).await?);
        runner::lock(&ctx.created)
            .extend(std::mem::take(&mut *runner::lock(&self.preflight_created)));
        let tags = self.settings.tags.as_ref().map(|(_, op)| op.clone());
        if !ctx.control && !ctx.close_min_age.is_zero() {
            super::orders::prepare_orders(&ctx, &features, tags.as_ref()).await;
        }
        let concurrency = if ctx.control {
            self.settings.concurrency.min(EMBEDDED_CONCURRENCY)
        } else {
            self.settings.concurrency
        };
        let ctx = Arc::new(ctx);
        let report = runner::run::<WechatpayWorld>(
            features,
            Arc::clone(&ctx),
            RunOptions {
                tags,
                concurrency,
                target: label,
                progress: self.settings.progress,
                log_http: self.settings.log_http.clone(),
                keep_exchanges: self.settings.keep_exchanges,
            },
        )
        .await;
        if !ctx.control {
            super::orders::close_what_is_left(&ctx).await;
        }
        Ok(report)
    }

    /// The context of a run at `destination`, its platform keys not loaded yet; `stranger`
    /// signs "with another key" (the preflight needs none).
    fn context(&self, destination: Destination, stranger: Option<PrivateKey>) -> WxContext {
        let client = WxClient::new(
            if destination.control {
                self.embedded_transport.clone()
            } else {
                self.transport.clone()
            },
            Pacer::new(self.settings.rate_limit),
            &destination.base_url,
            destination.flavour,
            PlatformKeys::default(),
        )
        .with_stranger(stranger);
        let credentials = destination.credentials;
        let notifications = Arc::new(crate::notify::Notifications::new(
            self.settings.notify.clone(),
            &destination.base_url,
            destination.control,
        ));
        WxContext {
            notifications,
            client,
            schemas: Arc::clone(&self.schemas),
            public_key_mode: matches!(credentials.platform, Platform::PublicKey { .. }),
            merchant: credentials.merchant,
            other: credentials.other,
            institution: credentials.institution,
            apiv3_key: credentials.apiv3_key,
            paid_out_trade_no: credentials.paid_out_trade_no,
            signatures: self.settings.response_signatures,
            close_min_age: destination.close_min_age,
            control: destination.control,
            currency: self.wechatpay.currency.clone(),
            notify_url: destination.notify_url,
            pool: Mutex::new(HashMap::new()),
            created: Mutex::new(Vec::new()),
        }
    }
}

crate::configured_plumbing!(WechatpayRun, preflight);
