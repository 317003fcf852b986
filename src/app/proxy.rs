//! `pay-conformance proxy`: its flags, and how they resolve to a running proxy — the provider's
//! judge, the upstream (a URL, or the provider's double started here), the reports.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::ConfigError;
use crate::providers::{self, ProviderArgs};
use crate::proxy::{self, JudgeSetup, ProxyOptions, Reports};
use crate::settings::{ResponseSignatures, ServeSettings};

/// The flags of `pay-conformance proxy`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProxyArgs {
    /// The provider whose contract the traffic is held to [default: the first one listed].
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Where to forward: the provider's base URL (a sandbox, production), or `double` for its
    /// embedded double started here (no network at all).
    #[arg(long, value_name = "URL|double")]
    pub upstream: String,
    /// The address to listen on (port 0: any free port; the first stdout line names it).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:12112")]
    pub listen: SocketAddr,
    /// What a missing or wrong response signature is [default: strict for the double, observe
    /// for a remote upstream].
    #[arg(long, value_enum)]
    pub response_signatures: Option<ResponseSignatures>,
    /// Seconds the upstream may take to begin an answer (then 504, inconclusive) [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Write a JSON report here (at Ctrl-C / SIGTERM, and with --report-every).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write an HTML report here: each side's rules, their first examples with the exchange
    /// behind them (redacted), observations, upstream failures.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write a behaviour record of the traffic here, for `pay-conformance diff` (one entry per
    /// kind of exchange: method, endpoint, status, envelope code; the first one of each kind).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Write every judged exchange here, one JSON object a line (redacted).
    #[arg(long, value_name = "FILE")]
    pub log_http: Option<PathBuf>,
    /// Also write the reports every N judged exchanges.
    #[arg(long, value_name = "N")]
    pub report_every: Option<u64>,
    /// Forward only, judge nothing: what the proxy itself costs (benches/proxy.sh compares it
    /// with the judging proxy).
    #[arg(long)]
    pub pass_through: bool,
    /// `--upstream double` only: break one rule on purpose (see `pay-conformance faults`).
    #[arg(long, value_name = "NAME")]
    pub fault: Option<String>,
    /// `--upstream double` only: answer in a way the contract allows (see `variants`).
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// `--upstream double` only: run its notification schedule N times faster.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub notify_speedup: u32,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// Runs the proxy until Ctrl-C / SIGTERM; the exit code.
pub async fn run(args: &ProxyArgs) -> Result<i32, ConfigError> {
    let provider = providers::find(args.provider.as_deref())?;
    let double = args.upstream.trim() == "double";
    if !double && (args.fault.is_some() || args.variant.is_some()) {
        return Err(ConfigError::Invalid {
            what:
                "--fault and --variant change the embedded double only\n(hint: --upstream double)"
                    .into(),
        });
    }
    crate::provider::check_names(provider, args.fault.as_deref(), args.variant.as_deref())?;
    let env = |name: &str| std::env::var(name).ok();
    let flags = args.providers.flags();
    let signatures = args.response_signatures.unwrap_or(if double {
        ResponseSignatures::Strict
    } else {
        ResponseSignatures::Observe
    });
    let judge = provider.proxy_judge(&JudgeSetup {
        flags: &flags,
        env: &env,
        double,
        signatures,
    })?;
    let (upstream, banner, _keep) = if double {
        let common = ServeSettings::embedded(
            args.fault.clone(),
            args.variant.clone(),
            args.notify_speedup,
        );
        let started = provider
            .start_double(&common, &providers::ProviderServeArgs::default().flags())
            .await?;
        (started.uri, started.banner, Some(started.keep))
    } else {
        proxy::parse_upstream(&args.upstream).map_err(|what| ConfigError::Invalid {
            what: format!("--upstream: {what}\n(hint: the provider's base URL, e.g. https://api.ttpay.io, or `double`)"),
        })?;
        (
            args.upstream.trim().trim_end_matches('/').to_owned(),
            Vec::new(),
            None,
        )
    };
    let listener = std::net::TcpListener::bind(args.listen).map_err(|e| {
        ConfigError::Start(format!(
            "cannot listen on {}: {e}\n(hint: another --listen address, or port 0 for any free one)",
            args.listen
        ))
    })?;
    let setup = proxy::Setup {
        provider: provider.name(),
        listener,
        options: ProxyOptions {
            upstream,
            timeout: Duration::from_secs(args.timeout.unwrap_or(30).max(1)),
            judge: !args.pass_through,
            ..ProxyOptions::default()
        },
        reports: Reports {
            json: args.json.clone(),
            junit: args.junit.clone(),
            html: args.html.clone(),
            record: args.record.clone(),
            log_http: args.log_http.clone(),
            every: args.report_every,
        },
        banner,
    };
    proxy::run(setup, judge, std::future::pending()).await
}
