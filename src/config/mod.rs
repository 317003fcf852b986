//! The configuration of a run: command-line flags over the TOML file over the environment
//! over defaults a new user can live with. Secrets come only from the environment.

mod file;

use std::path::PathBuf;
use std::time::Duration;

use cucumber::gherkin::tagexpr::TagOperation;

pub use file::{CredentialNames, FileConfig};

use crate::error::ConfigError;
use crate::ttpay::{
    AmountUnit, AppSecret, Merchant, Profile, QueryMethod, ResponseSignatures, TimestampUnit,
};

/// The flags of `pay-conformance run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Base URL of the provider (e.g. a sandbox), or `production` for the profile's own host.
    /// Absent: the embedded double, started on a loopback port.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Brand defaults (User-Agent, host): ttpay or tokenpay.
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// How query is sent: POST with a JSON body, or GET with a query string [default: post].
    #[arg(long, value_enum)]
    pub query_method: Option<QueryMethod>,
    /// Unit of the signature timestamp [default: ms].
    #[arg(long, value_enum)]
    pub timestamp_unit: Option<TimestampUnit>,
    /// Unit of `amount` on the wire: minor (smallest unit) or major [default: minor].
    #[arg(long, value_enum)]
    pub amount_unit: Option<AmountUnit>,
    /// What a missing or wrong response signature is [default: strict for the embedded double,
    /// observe for a remote target].
    #[arg(long, value_enum)]
    pub response_signatures: Option<ResponseSignatures>,
    /// Requests per second per app_id; 0 = unpaced [default: 5 for a remote target, 0 for the
    /// embedded double].
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// Only scenarios whose tags match, e.g. "@close and not @needs-paid-order".
    #[arg(long, value_name = "EXPR")]
    pub tags: Option<String>,
    /// A directory of your own .feature files, run in addition to the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub features: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Read settings from this TOML file (flags override it).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Scenarios in flight at once [default: 32].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Seconds to wait for one answer before retrying [default: 15].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Embedded double only: inject this fault (see `pay-conformance faults`).
    #[arg(long, value_name = "NAME")]
    pub fault: Option<String>,
}

/// What the suite runs against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The stateful double, in-process, on a loopback port.
    Embedded,
    /// A provider at this base URL.
    Remote(String),
}

/// The merchants and fixtures of a target.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub merchant: Merchant,
    pub other: Option<Merchant>,
    pub paid_out_trade_no: Option<String>,
}

/// Everything a run needs, resolved and checked.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub target: Target,
    pub profile: Profile,
    pub query_method: QueryMethod,
    pub timestamp_unit: TimestampUnit,
    pub amount_unit: AmountUnit,
    pub response_signatures: ResponseSignatures,
    pub rate_limit: u32,
    pub tags: Option<(String, TagOperation)>,
    pub features: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub concurrency: usize,
    pub timeout: Duration,
    pub fault: Option<String>,
    /// `None` for the embedded double without `TTPAY_*` variables: it uses its own merchants.
    pub credentials: Option<Credentials>,
}

impl RunConfig {
    /// Resolves flags, the file they name, and the environment (`env` looks a variable up).
    pub fn resolve(
        args: &RunArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        let profile = args.profile.or(file.profile).unwrap_or_default();
        let base_url = args.base_url.clone().or(file.base_url.clone());
        let target = match base_url.as_deref() {
            None => Target::Embedded,
            // The brand's own host: https://api.ttpay.io or https://api.tokenpay.me.
            Some("production") => Target::Remote(profile.default_base_url().to_owned()),
            Some(url) => Target::Remote(check_base_url(url)?),
        };
        let remote = matches!(target, Target::Remote(_));
        if remote && args.fault.is_some() {
            return Err(ConfigError::Invalid {
                what: "--fault injects faults into the embedded double only\n(hint: drop --base-url, or start `pay-conformance serve --fault NAME` and point --base-url at it)".into(),
            });
        }
        let tags = match args.tags.clone().or(file.tags.clone()) {
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
        let credentials = credentials(&file.credentials, env, remote)?;
        let concurrency = args.concurrency.or(file.concurrency).unwrap_or(32);
        if concurrency == 0 {
            return Err(ConfigError::Invalid {
                what: "concurrency must be at least 1".into(),
            });
        }
        let timeout = args.timeout.or(file.timeout_seconds).unwrap_or(15);
        if timeout == 0 {
            return Err(ConfigError::Invalid {
                what: "timeout must be at least 1 second".into(),
            });
        }
        Ok(Self {
            profile,
            query_method: args.query_method.or(file.query_method).unwrap_or_default(),
            timestamp_unit: args
                .timestamp_unit
                .or(file.timestamp_unit)
                .unwrap_or_default(),
            amount_unit: args.amount_unit.or(file.amount_unit).unwrap_or_default(),
            response_signatures: args
                .response_signatures
                .or(file.response_signatures)
                .unwrap_or(if remote {
                    ResponseSignatures::Observe
                } else {
                    ResponseSignatures::Strict
                }),
            rate_limit: args
                .rate_limit
                .or(file.rate_limit)
                .unwrap_or(if remote { 5 } else { 0 }),
            tags,
            features: args.features.clone().or(file.features.clone()),
            junit: args.junit.clone().or(file.junit.clone()),
            json: args.json.clone().or(file.json.clone()),
            concurrency,
            timeout: Duration::from_secs(timeout),
            fault: args.fault.clone(),
            credentials,
            target,
        })
    }
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

/// Reads one value: a literal from the file, or the variable the file names, or the default
/// variable.
fn lookup(
    literal: &Option<String>,
    var_name: &Option<String>,
    default_var: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Option<String>, String) {
    let name = var_name.clone().unwrap_or_else(|| default_var.to_owned());
    let value = env(&name)
        .filter(|v| !v.is_empty())
        .or_else(|| literal.clone());
    (value, name)
}

fn credentials(
    names: &CredentialNames,
    env: &dyn Fn(&str) -> Option<String>,
    remote: bool,
) -> Result<Option<Credentials>, ConfigError> {
    let (app_id, app_id_var) = lookup(&names.app_id, &names.app_id_env, "TTPAY_APP_ID", env);
    let (mch_id, mch_id_var) = lookup(&names.mch_id, &names.mch_id_env, "TTPAY_MCH_ID", env);
    let (secret, secret_var) = lookup(&None, &names.app_secret_env, "TTPAY_APP_SECRET", env);
    if !remote && app_id.is_none() && mch_id.is_none() && secret.is_none() {
        return Ok(None);
    }
    let main = merchant(
        (app_id, &app_id_var),
        (mch_id, &mch_id_var),
        (secret, &secret_var),
        "the merchant under test",
    )?;
    let (o_app, o_app_var) = lookup(
        &names.other_app_id,
        &names.other_app_id_env,
        "TTPAY_OTHER_APP_ID",
        env,
    );
    let (o_mch, o_mch_var) = lookup(
        &names.other_mch_id,
        &names.other_mch_id_env,
        "TTPAY_OTHER_MCH_ID",
        env,
    );
    let (o_secret, o_secret_var) = lookup(
        &None,
        &names.other_app_secret_env,
        "TTPAY_OTHER_APP_SECRET",
        env,
    );
    let other = if o_app.is_none() && o_mch.is_none() && o_secret.is_none() {
        None
    } else {
        Some(merchant(
            (o_app, &o_app_var),
            (o_mch, &o_mch_var),
            (o_secret, &o_secret_var),
            "a second merchant, for the privacy rules Q9 and X6",
        )?)
    };
    let (paid_out_trade_no, _) = lookup(
        &names.paid_out_trade_no,
        &names.paid_out_trade_no_env,
        "TTPAY_PAID_OUT_TRADE_NO",
        env,
    );
    Ok(Some(Credentials {
        merchant: main,
        other,
        paid_out_trade_no,
    }))
}

fn merchant(
    app_id: (Option<String>, &str),
    mch_id: (Option<String>, &str),
    secret: (Option<String>, &str),
    whose: &str,
) -> Result<Merchant, ConfigError> {
    let missing = |name: &str| ConfigError::MissingEnv {
        name: name.to_owned(),
        hint: format!("set it to the credentials of {whose}"),
    };
    let app_id = app_id.0.ok_or_else(|| missing(app_id.1))?;
    let mch_id = mch_id.0.ok_or_else(|| missing(mch_id.1))?;
    let secret_value = secret.0.ok_or_else(|| missing(secret.1))?;
    crate::redact::register(&secret_value);
    let secret = AppSecret::new(secret_value).map_err(|source| ConfigError::BadSecret {
        name: secret.1.to_owned(),
        source,
    })?;
    Ok(Merchant {
        app_id,
        mch_id,
        secret,
    })
}

#[cfg(test)]
mod tests;
